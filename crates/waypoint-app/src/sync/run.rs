//! One sync, and what its outcome means for the data on this device: a device HQ revoked as
//! lost erases itself at once; a retired one once nothing recorded on it is only here. The
//! front end shows progress and says what happened; the data directory is erased here.

use std::path::Path;

use waypoint_keys::{KeyError, SecretPlace, Wiped};
use waypoint_store::{Store, Unsent};
use waypoint_sync::{Progress, SyncError, SyncReport};

use super::{wipe, wipe_due};
use crate::AppError;

/// What one sync came to.
#[derive(Debug)]
pub enum SyncOutcome {
    /// The sync went through (a retired device with something still only here keeps its data:
    /// `report.retired`). `unsent` is counted after it.
    Synced { report: SyncReport, unsent: Unsent },
    /// HQ retired this device and every change recorded here reached HQ: its data has been
    /// erased, after the sync (`wiped` says whether the erasure finished).
    Retired {
        report: SyncReport,
        unsent: Unsent,
        wiped: Result<Wiped, KeyError>,
    },
    /// The sync failed; the data stays, `pending` changes waiting.
    Failed { error: SyncError, pending: u64 },
    /// HQ revoked this device as lost: its data has been erased at once, and the `lost`
    /// changes never sent are gone with it.
    Lost {
        error: SyncError,
        lost: u64,
        wiped: Result<Wiped, KeyError>,
    },
}

/// Runs one sync of `store`, whose data lives in `data_dir`, reporting `progress`; then erases
/// the data if HQ revoked this device. The store is closed before an erasure (it must not
/// write a page back after its files are gone), so it is taken.
pub fn run(
    mut store: Store,
    data_dir: &Path,
    progress: &mut dyn FnMut(Progress),
) -> Result<SyncOutcome, AppError> {
    let result = waypoint_sync::sync(&mut store, progress);
    // Counted now, after the directory and audit requests, with the store held until the
    // erasure so that nothing is recorded in between.
    let wipe_now = wipe_due(Some(&store), &result)?;
    match result {
        Err(error) if wipe_now => {
            let lost = store.outbox_len().unwrap_or(0);
            Ok(SyncOutcome::Lost {
                error,
                lost,
                wiped: erase(store, data_dir),
            })
        }
        Err(error) => Ok(SyncOutcome::Failed {
            pending: store.outbox_len().unwrap_or(0),
            error,
        }),
        Ok(report) => {
            let unsent = store.unsent()?;
            if wipe_now {
                Ok(SyncOutcome::Retired {
                    report,
                    unsent,
                    wiped: erase(store, data_dir),
                })
            } else {
                Ok(SyncOutcome::Synced { report, unsent })
            }
        }
    }
}

/// Closes the store, then erases the keys first and every file of the data directory.
fn erase(store: Store, data_dir: &Path) -> Result<Wiped, KeyError> {
    drop(store);
    wipe(data_dir, &SecretPlace::for_this_device()?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use waypoint_domain::{Field, Role};

    use super::*;
    use crate::testing;

    #[test]
    fn a_sync_that_fails_keeps_the_data_and_counts_what_waits() {
        let (dir, mut store) = testing::store();
        store
            .set_field_as(
                Role::Supervisor,
                "I-0001010",
                Field::Phone,
                "+250 788 000 999",
                testing::now().date_naive(),
            )
            .unwrap();
        let waiting = store.outbox_len().unwrap();
        assert!(waiting > 0);
        // Not enrolled: there is no server to sync with.
        let outcome = run(store, dir.path(), &mut |_| {}).unwrap();
        match outcome {
            SyncOutcome::Failed { error, pending } => {
                assert_eq!(pending, waiting);
                assert!(!error.must_wipe(), "{error}");
            }
            other => panic!("{other:?}"),
        }
        assert!(
            dir.path().join(waypoint_store::DB_FILE).exists(),
            "the data stays"
        );
    }
}
