//! Staff sign-in on a device (issue 6), the same for the command line and the desktop app.
//!
//! - A staff member with a wrapped key here signs in offline: their PIN unwraps the store key.
//! - On an enrolled device, a staff member with no key here (a first sign-in on this device,
//!   or a key erased after five wrong PINs) signs in online: the server checks their PIN and
//!   answers the device's recovery secret, which opens the store key sealed at enrolment; the
//!   key is then wrapped under their PIN, so later sign-ins work offline.
//! - On a new data directory (no keys yet), the first person makes the store key.
//! - Staff the server disabled lose their wrapped key on this device once a sync has brought
//!   the news ([`forget_disabled`]), and are refused at their next sign-in ([`after_open`]).

use std::path::Path;

use waypoint_keys::{DeviceKeys, KeyError, SecretPlace, StoreKey};
use waypoint_store::{StaffSource, Store, StoreError};

use crate::{SyncError, wire};

/// What unlocking gave: the device's keys, the store key, and the server's answer when the
/// sign-in was online (its directory is saved by [`after_open`]).
pub struct Unlocked {
    pub keys: DeviceKeys,
    pub key: StoreKey,
    pub online: Option<wire::SignInResponse>,
}

/// Shows nothing of the keys or the server's answer (it holds the recovery secret).
impl std::fmt::Debug for Unlocked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Unlocked")
            .field("online", &self.online.is_some())
            .finish_non_exhaustive()
    }
}

/// Why a sign-in did not happen, in words for the person signing in.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// A wrong PIN, an erased key, an unknown name, a missing device secret...
    #[error(transparent)]
    Keys(#[from] KeyError),
    #[error(
        "{name} has no key on this device yet (a first sign-in here, or a key erased after too \
         many wrong PINs), so this sign-in needs the network: the server at {url} could not be \
         reached. Connect and try again, or ask a colleague who can unlock this device."
    )]
    NeedsNetwork { name: String, url: String },
    #[error("the server refused the sign-in: {0}")]
    Refused(String),
    #[error("sign-in refused: {0}")]
    TooManyAttempts(String),
    #[error(
        "{0}'s staff account is disabled: they can no longer sign in on this device, and their \
         key here has been destroyed. Ask HQ if this is a mistake."
    )]
    Disabled(String),
    #[error("online sign-in: {0}")]
    Online(SyncError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<SyncError> for SignInError {
    fn from(e: SyncError) -> Self {
        match e {
            SyncError::Store(e) => SignInError::Store(e),
            e => SignInError::Online(e),
        }
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
    let answer = match crate::sign_in(&credential.server, &credential.token, staff, pin) {
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
    online: Option<&wire::SignInResponse>,
) -> Result<(), SignInError> {
    if let Some(answer) = online {
        for name in crate::apply_directory(store, &answer.directory)? {
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
