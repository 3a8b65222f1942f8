//! The steps of a sign-in: unwrap the store key (offline with a PIN, online for a person with
//! no key here), then act on what the server said once the store is open.

use std::path::Path;

use waypoint_keys::{DeviceKeys, SecretPlace, StoreKey};
use waypoint_store::{StaffSource, Store};
use waypoint_sync::{SignInResponse, SyncError};

use super::SignInError;

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
