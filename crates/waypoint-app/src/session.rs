//! Sign-in and locks, the same for the command line and the desktop app: staff sign-in on a
//! device, the offline lease that locks a device until it syncs, why the app locked, and where
//! the data lives.
//!
//! - A staff member with a wrapped key here signs in offline: their PIN unwraps the store key.
//! - On an enrolled device, a staff member with no key here (a first sign-in on this device,
//!   or a key erased after five wrong PINs) signs in online: the server checks their PIN and
//!   answers the device's recovery secret, which opens the store key sealed at enrolment; the
//!   key is then wrapped under their PIN, so later sign-ins work offline.
//! - On a new data directory (no keys yet), the first person makes the store key.
//! - Staff the server disabled lose their wrapped key on this device once a sync has brought
//!   the news ([`forget_disabled`]), and are refused at their next sign-in ([`after_open`]).

use std::path::{Path, PathBuf};

use waypoint_keys::{DeviceKeys, SecretPlace, StoreKey};
use waypoint_store::{LeaseState, StaffSource, Store};
use waypoint_sync::{SignInResponse, SyncError};

use crate::error::LeaseOver;
pub use crate::error::SignInError;
use crate::{AppError, Context};

/// What unlocking gave: the device's keys, the store key, and the server's answer when the
/// sign-in was online (its directory is saved by [`after_open`]).
pub struct Unlocked {
    pub keys: DeviceKeys,
    pub key: StoreKey,
    pub online: Option<SignInResponse>,
}

/// Shows nothing of the keys or the server's answer (it holds the recovery secret).
impl std::fmt::Debug for Unlocked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Unlocked")
            .field("online", &self.online.is_some())
            .finish_non_exhaustive()
    }
}

/// Unwraps the store key of `dir` for `staff`: offline with their wrapped key, online for a
/// person with no key here on an enrolled device, or (a new data directory) a new key.
pub fn unlock(
    dir: &Path,
    place: &SecretPlace,
    staff: &str,
    pin: &str,
) -> Result<Unlocked, SignInError> {
    if DeviceKeys::exist(dir) {
        let mut keys = DeviceKeys::load(dir, place)?;
        if !keys.has_staff(staff) && keys.can_sign_in_online() {
            return online(keys, staff, pin);
        }
        let key = keys.unlock(staff, pin)?;
        return Ok(Unlocked {
            keys,
            key,
            online: None,
        });
    }
    let (keys, key) =
        DeviceKeys::unlock_or_create(dir, place, &dir.join(waypoint_store::DB_FILE), staff, pin)?;
    Ok(Unlocked {
        keys,
        key,
        online: None,
    })
}

/// The online sign-in of a person with no key on this device.
fn online(mut keys: DeviceKeys, staff: &str, pin: &str) -> Result<Unlocked, SignInError> {
    let credential = keys.sign_in_credential()?;
    let answer = match waypoint_sync::sign_in(&credential.server, &credential.token, staff, pin) {
        Ok(answer) => answer,
        Err(SyncError::Unreachable { url, .. }) => {
            return Err(SignInError::NeedsNetwork {
                name: staff.trim().to_string(),
                url,
            });
        }
        Err(SyncError::SignInRefused(message)) => return Err(SignInError::Refused(message)),
        Err(SyncError::TooManyAttempts(message)) => {
            return Err(SignInError::TooManyAttempts(message));
        }
        Err(e) => return Err(e.into()),
    };
    let key = keys.recover(&answer.recovery_secret)?;
    keys.restore_staff(&key, staff, pin)?;
    Ok(Unlocked {
        keys,
        key,
        online: Some(answer),
    })
}

/// Once the store is open for `staff`: saves the directory an online sign-in brought
/// (destroying the keys of those it says can no longer sign in), then refuses a person the
/// directory says is disabled, destroying their key. The caller audits the sign-in.
pub fn after_open(
    store: &mut Store,
    keys: &mut DeviceKeys,
    staff: &str,
    online: Option<&SignInResponse>,
) -> Result<(), SignInError> {
    if let Some(answer) = online {
        for name in waypoint_sync::apply_directory(store, &answer.directory)? {
            keys.remove_staff(&name)?;
        }
    }
    if let Some(member) = store.staff_member(staff)? {
        if member.disabled && member.source == StaffSource::Server {
            keys.remove_staff(staff)?;
            return Err(SignInError::Disabled(member.name));
        }
    }
    Ok(())
}

/// Destroys the wrapped keys of every staff member the (just synced) directory says is
/// disabled. Returns how many were destroyed.
pub fn forget_disabled(store: &Store, keys: &mut DeviceKeys) -> Result<usize, SignInError> {
    let mut destroyed = 0;
    for member in store.staff_directory()? {
        if member.disabled
            && member.source == StaffSource::Server
            && keys.remove_staff(&member.name)?
        {
            destroyed += 1;
        }
    }
    Ok(destroyed)
}

/// Refuses to go on past the offline lease: the device is locked until it syncs (only the sync
/// and the status work meanwhile).
pub fn lease_gate(store: &Store, ctx: &Context) -> Result<(), AppError> {
    if let LeaseState::Expired {
        since,
        lease_days,
        days_offline,
    } = store.lease(ctx.now)?
    {
        return Err(AppError::LeaseOver(LeaseOver {
            since,
            lease_days,
            days_offline,
            pending: store.outbox_len()?,
        }));
    }
    Ok(())
}

/// Why the app is locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockReason {
    /// The person locked it.
    Manual,
    /// Nobody used the keyboard or the pointer for the site's idle time.
    Idle,
    /// The computer was suspended (asleep).
    Suspend,
    /// HQ revoked this laptop (lost, or retired once every change reached the server): its
    /// data has been erased.
    Revoked,
}

/// The data directory: the one given (`WAYPOINT_DATA_DIR`, or the CLI's `--data-dir`), else
/// the platform's, the same for both front ends so that they share one store.
pub fn data_dir(given: Option<PathBuf>) -> Result<PathBuf, AppError> {
    if let Some(dir) = given.filter(|d| !d.as_os_str().is_empty()) {
        return Ok(dir);
    }
    directories::ProjectDirs::from("org", "Waypoint", "waypoint")
        .map(|d| d.data_dir().to_path_buf())
        .ok_or(AppError::NoDataDir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_given_data_dir_wins_and_an_empty_one_is_not_given() {
        let given = PathBuf::from("/tmp/waypoint-test-data");
        assert_eq!(data_dir(Some(given.clone())).unwrap(), given);
        // Without a home directory there is no platform default: then the error says what to do.
        match data_dir(Some(PathBuf::new())) {
            Ok(dir) => assert!(!dir.as_os_str().is_empty()),
            Err(e) => assert!(matches!(e, AppError::NoDataDir)),
        }
    }
}
