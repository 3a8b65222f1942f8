//! Staff who can unlock this device's data, and in which role. On an enrolled device the
//! directory comes from HQ; on one that is not, a supervisor adds people here.

use waypoint_domain::{Action, Role};
use waypoint_keys::{DeviceKeys, StoreKey};
pub use waypoint_store::StaffMember;
use waypoint_store::{Store, StoreError};

use crate::AppError;

/// `name`'s role on this device; on a device that is not enrolled (no HQ to ask), an unknown
/// name says that a supervisor adds people here.
pub fn role_of(store: &Store, name: &str) -> Result<Role, AppError> {
    match store.role_of(name) {
        Ok(role) => Ok(role),
        Err(StoreError::UnknownStaff(who)) if store.sync_state()?.token.is_none() => {
            Err(AppError::NotInDirectory(who))
        }
        Err(e) => Err(e.into()),
    }
}

/// What adding a colleague came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffAdded {
    /// They could already unlock this device: only their role was written.
    RoleSet(Role),
    /// They can now unlock this device with their own PIN, in this role.
    MayUnlock(Role),
}

/// A colleague to add: their name, the role given (else the one they have here), and their
/// PIN (needed only for someone who cannot unlock this device yet).
#[derive(Debug, Clone, Copy)]
pub struct NewStaff<'a> {
    pub name: &'a str,
    pub role: Option<Role>,
    pub pin: Option<&'a str>,
}

/// Lets `new.name` unlock this device (not enrolled) in a role, on behalf of `me` (who needs
/// the right to manage staff): the directory entry first, then their wrapped key.
pub fn add(
    store: &mut Store,
    keys: &mut DeviceKeys,
    key: &StoreKey,
    me: &str,
    new: NewStaff<'_>,
) -> Result<StaffAdded, AppError> {
    if store.sync_state()?.token.is_some() {
        return Err(AppError::StaffManagedAtHq);
    }
    store.require(role_of(store, me)?, Action::ManageStaff)?;
    let name = new.name.trim();
    // Someone already in the directory (whose key was erased after five wrong PINs, say)
    // keeps their role unless another is given; a newcomer needs one.
    let role = match (new.role, store.staff_member(name)?) {
        (Some(role), _) => role,
        (None, Some(known)) => known.role,
        (None, None) => return Err(AppError::RoleNeeded(name.to_string())),
    };
    if keys.has_staff(name) {
        // Someone who can already unlock (given a key before roles came to the command line):
        // only their role is written.
        if new.role.is_none() {
            return Err(AppError::AlreadyUnlocks(name.to_string()));
        }
        store.add_local_staff(me, name, role)?;
        return Ok(StaffAdded::RoleSet(role));
    }
    let pin = new.pin.ok_or(AppError::NewPinNeeded)?;
    // The directory first: a key without a directory entry would, on a device whose directory
    // is still empty, unlock as a supervisor.
    store.add_local_staff(me, name, role)?;
    keys.add_staff(key, name, pin)?;
    Ok(StaffAdded::MayUnlock(role))
}
