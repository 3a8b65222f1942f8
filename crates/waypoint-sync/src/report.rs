//! What a sync tells the person who ran it, and when a retired device erases itself.

use waypoint_store::{Store, Unsent};

use crate::error::SyncError;

/// How a sync is going (for a progress line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub round: u32,
    /// Changes of this device sent so far, and how many were waiting when the sync began.
    pub sent: u64,
    pub to_send: u64,
    /// Changes received from the server so far.
    pub received: u64,
}

/// A change the server did not take, and why (in the server's words).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Refused {
    pub client_seq: u64,
    pub reason: String,
}

/// What a sync did, truthfully: what was sent, taken, refused, received and left pending.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SyncReport {
    pub server: String,
    /// Round trips (requests) made.
    pub round_trips: u32,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    /// Outbox entries sent (a repeated entry counts again).
    pub sent: u64,
    /// Of those, taken by the server (applied or merged).
    pub accepted: u64,
    pub refused: Vec<Refused>,
    /// Field values, events and removals received and applied.
    pub received_fields: u64,
    pub received_events: u64,
    pub removed_cases: u64,
    /// Received values not applied because this device has a newer change still to push.
    pub kept_local: u64,
    /// Received events this version cannot read: kept as received and counted in the
    /// status; an upgraded Waypoint reads them.
    pub unreadable_events: u64,
    /// Conflicts waiting for a person on this device after the sync.
    pub open_conflicts: u64,
    /// Changes still in the outbox after the sync (0 after a complete sync).
    pub pending: u64,
    /// The staff directory or the site's policy changed at the server and was saved here.
    pub directory_updated: bool,
    /// Staff who can no longer sign in on this device (disabled or gone at the server): the
    /// caller destroys their wrapped keys. Not printed.
    #[serde(skip)]
    pub signed_out: Vec<String>,
    /// Audit entries sent to the server (which keeps the device's chain).
    pub audit_sent: u64,
    /// The server refused this device's audit entries, and why (the device's log no longer
    /// matches the copy the server holds: HQ must look at this laptop). The data synced.
    pub audit_refused: Option<String>,
    /// HQ retired this device: the server took its pushes and sent it nothing. Whether it
    /// wipes itself is [`retired_wipe`]'s to say, asked while the caller holds the store.
    pub retired: bool,
}

/// What a device HQ retired does with its data ([`retired_wipe`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetiredWipe {
    /// Everything recorded on this device reached HQ and was taken: erase it now.
    Now,
    /// Something recorded here is still only here: keep the data. Changes still to push go
    /// with the next sync; refused ones wait for a supervisor to deal with and dismiss them.
    Wait(Unsent),
}

/// The one rule, for the CLI and the desktop alike, for when a retired device erases itself:
/// only once nothing recorded on it is only on it (no change waiting to be pushed, no change
/// the server refused). Counted from `store` now, not taken from a [`SyncReport`] (counted
/// before the directory and audit requests): the caller asks while it holds the store so
/// that nothing can be recorded between this count and the wipe.
pub fn retired_wipe(store: &Store) -> Result<RetiredWipe, SyncError> {
    let unsent = store.unsent()?;
    Ok(if unsent.is_empty() {
        RetiredWipe::Now
    } else {
        RetiredWipe::Wait(unsent)
    })
}
