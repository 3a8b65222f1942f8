//! Sync as people see it: where the device stands (what waits, what HQ refused, the lease),
//! and what a sync's outcome means for the data on this device (a device HQ revoked erases
//! itself). The network calls are `waypoint-sync`'s.

use std::path::Path;

use waypoint_keys::{KeyError, SecretPlace, Wiped};
use waypoint_store::Store;
pub use waypoint_store::{LeaseState, RefusedChange, SyncState, Unsent};
pub use waypoint_sync::{RetiredWipe, SyncError, SyncReport};

use crate::{AppError, Context};

mod run;
pub use run::{SyncOutcome, run};
pub use waypoint_sync::Progress;

/// Where this device stands with sync: counts, dates and reasons, never a value, so every
/// role may read it (even past the offline lease).
#[derive(Debug, Clone)]
pub struct SyncStatus {
    /// This device, as HQ knows it.
    pub device_id: String,
    pub state: SyncState,
    pub unsent: Unsent,
    /// Conflicts waiting for review.
    pub conflicts: u64,
    /// Pulled events this version cannot read, kept until an update can.
    pub unreadable_events: u64,
    pub refused: Vec<RefusedChange>,
    pub lease: LeaseState,
}

pub fn status(store: &Store, ctx: &Context) -> Result<SyncStatus, AppError> {
    Ok(SyncStatus {
        device_id: store.device_id().to_string(),
        state: store.sync_state()?,
        unsent: store.unsent()?,
        conflicts: store.conflicts(false)?.len() as u64,
        unreadable_events: store.unreadable_event_count()?,
        refused: store.refused_changes()?,
        lease: store.lease(ctx.now)?,
    })
}

/// Whether this device's data must be erased after a sync that came to `result`. Lost: at
/// once, whatever was not sent. Retired: only once nothing recorded here is only here
/// ([`waypoint_sync::retired_wipe`]), counted from `store` now; the caller holds the store
/// until the wipe so that nothing is recorded in between. `store` is `None` when the app was
/// locked meanwhile: a retired device then waits for the next sync to count.
pub fn wipe_due(
    store: Option<&Store>,
    result: &Result<SyncReport, SyncError>,
) -> Result<bool, AppError> {
    match (result, store) {
        (Err(e), _) => Ok(e.must_wipe()),
        (Ok(report), Some(store)) if report.retired => Ok(matches!(
            waypoint_sync::retired_wipe(store)?,
            RetiredWipe::Now
        )),
        (Ok(_), _) => Ok(false),
    }
}

/// Erases this device's data: the wrapped keys and the device secret first (without them the
/// store is unreadable), then every file of the data directory. The store must be closed.
pub fn wipe(data_dir: &Path, place: &SecretPlace) -> Result<Wiped, KeyError> {
    waypoint_keys::wipe_device(data_dir, &data_dir.join(waypoint_store::DB_FILE), place)
}
