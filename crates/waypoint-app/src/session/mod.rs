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
//!
//! The desktop app holds one [`Session`] for its life: locked, or the open store of the person
//! signed in, with the search index built off the store and "Sync now" (`after_sync.rs`).

use std::path::PathBuf;

use waypoint_store::{LeaseState, Store};

use crate::error::LeaseOver;
pub use crate::error::SignInError;
use crate::{AppError, Context};

mod after_sync;
mod open;
mod search_index;
mod sign_in;

pub use after_sync::SyncNow;
pub use open::{DEFAULT_IDLE_SECONDS, Session, SignInOutcome, SignedStore, Standing};
pub use search_index::PendingSearchIndex;
pub use sign_in::{Unlocked, after_open, forget_disabled, unlock};
/// Where the device secret lives: the desktop's start-up names it.
pub use waypoint_keys::SecretPlace;

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum LockReason {
    /// The person locked it (the Lock button, Ctrl+L).
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
