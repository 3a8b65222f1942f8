//! "Sync now" in the desktop app: one sync with the enrolled server on a second connection to the
//! store, so that the window's other commands (search above all) never wait for the network;
//! then what the sync brought is acted on: the lease, disabled staff, a wipe, the search index.

use std::sync::MutexGuard;
use std::sync::atomic::Ordering;

use waypoint_store::Unsent;
use waypoint_sync::{SyncError, SyncReport};

use super::{LockReason, Session, forget_disabled};
use crate::AppError;

/// What "Sync now" came to.
#[derive(Debug)]
pub struct SyncNow {
    pub report: SyncReport,
    /// Counted after the sync: changes made while it ran count too.
    pub unsent: Unsent,
    /// The search index could not be rebuilt from what the sync wrote (a search builds it
    /// itself then); for the log, never shown.
    pub search_index: Result<(), AppError>,
}

impl Session {
    /// Pushes this device's changes and pulls the server's, once. [`AppError::Wiped`] when HQ
    /// revoked this device and its data has been erased (the app is locked).
    pub fn sync_now(&self) -> Result<SyncNow, AppError> {
        // Past the offline lease, syncing is the one thing this device may do.
        if self.store_past_lease()?.sync_state()?.server_url.is_none() {
            return Err(SyncError::NotEnrolled.into());
        }
        let _one_at_a_time = self.try_begin_sync().ok_or(AppError::SyncRunning)?;
        let mut store = self.store_past_lease()?.reopen()?;
        let result = waypoint_sync::sync(&mut store, &mut |_| {});
        drop(store);
        if self.after_sync(&result)? {
            return Err(AppError::Wiped);
        }
        // The sync wrote through its own connection: the index learns it afresh, built off the
        // store while other commands go on. Locked meanwhile: the next sign-in builds its own.
        let mut search_index = Ok(());
        if let Ok(mut store) = self.store() {
            store.forget_search_index();
            drop(store);
            search_index = self.build_search_index();
        }
        let report = result?;
        // Locked meanwhile: the report's count, and at least this sync's refusals.
        let unsent = match self.store_past_lease() {
            Ok(store) => store.unsent()?,
            Err(_) => Unsent {
                pending: report.pending,
                refused: report.refused.len() as u64,
            },
        };
        Ok(SyncNow {
            report,
            unsent,
            search_index,
        })
    }

    /// After a sync (`result` is what it came to): re-reads the offline lease (a sync that
    /// succeeded ends it), destroys the wrapped keys of staff the server disabled, and wipes the
    /// device HQ revoked: lost, at once; retired, only once nothing recorded here is only here
    /// ([`crate::sync::wipe_due`]). That is counted under the same lock as the wipe, the lock
    /// every use case takes to record anything: a custody transfer saved while the sync's last
    /// requests ran is counted, and keeps the data. The store is closed (the app locked) before
    /// the wipe. Returns whether the device was wiped.
    pub fn after_sync(&self, result: &Result<SyncReport, SyncError>) -> Result<bool, AppError> {
        let mut signed = self.signed.lock().map_err(|_| AppError::Unavailable)?;
        if result.is_ok() {
            let now = self.now();
            if let Some(s) = signed.as_mut() {
                s.lease_over = s.store.lease(now)?.is_expired();
                if let Some(keys) = s.keys.as_mut() {
                    forget_disabled(&s.store, keys)?;
                }
            }
        }
        // Locked while the sync ran (no store): a retired device counts and wipes at the next.
        let wipe = crate::sync::wipe_due(signed.as_ref().map(|s| &s.store), result)?;
        if !wipe {
            return Ok(false);
        }
        // Still holding the lock: nothing is recorded between the count and the wipe.
        let closed = signed.take();
        self.generation.fetch_add(1, Ordering::SeqCst);
        {
            let mut info = self.lock_info();
            if let Some(s) = &closed {
                info.last_name = Some(s.name.clone());
            }
            info.reason = Some(LockReason::Revoked);
        }
        // Closed first: the store must not write a page back after its files are gone.
        drop(closed);
        let place = self.secret.as_ref().ok_or_else(|| {
            AppError::invalid("this device has no place for its secret: it cannot be wiped")
        })?;
        let wiped = crate::sync::wipe(&self.data_dir, place);
        drop(signed);
        wiped.map_err(|e| {
            AppError::invalid(format!(
                "erasing this device's data did not finish ({e}): remove {} by hand",
                self.data_dir.display()
            ))
        })?;
        Ok(true)
    }

    /// The right to run a sync, while the guard lives; `None` while another sync runs.
    pub fn try_begin_sync(&self) -> Option<MutexGuard<'_, ()>> {
        match self.syncing.try_lock() {
            Ok(guard) => Some(guard),
            Err(std::sync::TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => None,
        }
    }
}
