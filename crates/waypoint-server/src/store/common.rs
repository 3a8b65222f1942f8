//! What both backends do alike: a pull page from their per-table reads, and the conversions of
//! the numbers and words they store.

use waypoint_protocol::{Conflict, RevokeReason, ServerChange};

use super::{Page, ServerStoreError};

/// Merges the per-table results of a pull into one page (each list fetched with `limit + 1`
/// rows after `after`, in `server_seq` order). `committed_max` is the highest sequence number
/// committed when the page was read: with nothing more to send, the cursor jumps to it.
pub(crate) fn assemble_page(
    mut changes: Vec<ServerChange>,
    mut conflicts: Vec<Conflict>,
    after: u64,
    limit: u32,
    committed_max: u64,
) -> Page {
    let limit = (limit as usize).max(1);
    let mut seqs: Vec<u64> = changes
        .iter()
        .map(|c| c.server_seq)
        .chain(conflicts.iter().map(|c| c.server_seq))
        .collect();
    seqs.sort_unstable();
    if seqs.len() > limit {
        let cut = seqs[limit - 1];
        changes.retain(|c| c.server_seq <= cut);
        conflicts.retain(|c| c.server_seq <= cut);
        changes.sort_by_key(|c| c.server_seq);
        conflicts.sort_by_key(|c| c.server_seq);
        Page {
            changes,
            conflicts,
            next_cursor: cut,
            more: true,
        }
    } else {
        changes.sort_by_key(|c| c.server_seq);
        conflicts.sort_by_key(|c| c.server_seq);
        Page {
            changes,
            conflicts,
            next_cursor: committed_max.max(after),
            more: false,
        }
    }
}

/// Converts a policy value read from the database.
pub(crate) fn to_u32(v: i64) -> Result<u32, ServerStoreError> {
    u32::try_from(v)
        .map_err(|_| ServerStoreError::Corrupt(format!("policy value {v} out of range")))
}

/// A device's revocation as its row holds it: a time, and the reason (migration 0003). A
/// revocation without a readable reason counts as lost: the reading that leaves no data behind.
pub(crate) fn revocation(revoked_ms: Option<i64>, reason: Option<&str>) -> Option<RevokeReason> {
    revoked_ms.map(|_| {
        reason
            .and_then(RevokeReason::parse)
            .unwrap_or(RevokeReason::Lost)
    })
}

/// Converts a sequence number read from the database.
pub(crate) fn to_u64(v: i64) -> Result<u64, ServerStoreError> {
    u64::try_from(v).map_err(|_| ServerStoreError::Corrupt(format!("negative number {v}")))
}

/// Converts a number for the database (both databases store signed 64-bit integers).
pub(crate) fn to_i64(v: u64) -> Result<i64, ServerStoreError> {
    i64::try_from(v).map_err(|_| ServerStoreError::OutOfRange)
}
