//! The server's copy of every device's audit log (docs/audit-trail.md): what a pushed entry must
//! satisfy to be kept, and the server's own check of each chain (`waypoint-server admin audit
//! verify`).
//!
//! A device pushes its entries after the last one the server acknowledged. The server keeps an
//! entry only if it continues the chain it holds: the next number, the hash of the entry before
//! it as `prev_hash`, and a hash that its fields give (`waypoint_domain::audit_chain`). An entry
//! the server holds already must come again unchanged (a retry): one that differs means the
//! device's log was rewritten after the server received it, and the push is refused, naming
//! the entry. Once held here, an entry can no longer be rewritten unseen on the laptop.

use uuid::Uuid;
use waypoint_domain::audit_chain::{AuditEntry, AuditProblem, GENESIS_HASH, verify_entries};
use waypoint_protocol::{AUDIT_BATCH, AuditAck, AuditRecord};

use crate::store::{ServerStore, ServerStoreError};

/// Why a push of audit entries was refused, for the person at the device and at HQ.
#[derive(Debug, thiserror::Error)]
pub enum AuditRefusal {
    #[error(
        "audit entry {0} differs from the copy HQ received earlier: this device's audit log was changed after it was synced"
    )]
    Diverged(i64),
    #[error("audit entries are missing: HQ holds up to entry {held}, and the push starts at {got}")]
    Gap { held: i64, got: i64 },
    #[error("audit entry {0} does not follow the entry before it (its link is broken)")]
    BadLink(i64),
    #[error("audit entry {0} was altered: its contents do not match its hash")]
    BadHash(i64),
    #[error("audit entries must come in order, one number after another (at entry {0})")]
    NotConsecutive(i64),
    #[error("audit entries are numbered from 1: {0} is not an entry's number")]
    BadNumber(i64),
    #[error("at most {AUDIT_BATCH} audit entries per push")]
    TooMany,
    #[error(transparent)]
    Store(#[from] ServerStoreError),
}

fn entry(r: &AuditRecord) -> AuditEntry {
    AuditEntry {
        seq: r.seq,
        at: r.at.clone(),
        staff: r.staff.clone(),
        action: r.action.clone(),
        scope: r.scope.clone(),
        entity: r.entity.clone(),
        field: r.field.clone(),
        detail: r.detail.clone(),
        prev_hash: r.prev_hash.clone(),
        hash: r.hash.clone(),
    }
}

/// The newest entry held for `device`, or the start of a chain.
async fn held(store: &dyn ServerStore, device: Uuid) -> Result<(i64, String), ServerStoreError> {
    Ok(store
        .audit_head(device)
        .await?
        .unwrap_or_else(|| (0, GENESIS_HASH.to_string())))
}

/// Checks `entries` (oldest first) against the chain held for `device` and keeps the new ones.
/// Returns how far the server now holds the log.
pub async fn accept(
    store: &dyn ServerStore,
    device: Uuid,
    entries: Vec<AuditRecord>,
    now_ms: u64,
) -> Result<AuditAck, AuditRefusal> {
    if entries.len() > AUDIT_BATCH {
        return Err(AuditRefusal::TooMany);
    }
    // A number below 1 is no entry a device writes, and none that HQ holds: it must not be
    // taken for a held entry that changed.
    if let Some(e) = entries.iter().find(|e| e.seq < 1) {
        return Err(AuditRefusal::BadNumber(e.seq));
    }
    for pair in entries.windows(2) {
        if pair[0].seq.checked_add(1) != Some(pair[1].seq) {
            return Err(AuditRefusal::NotConsecutive(pair[1].seq));
        }
    }
    let (held_seq, held_hash) = held(store, device).await?;
    // Entries held already (a retry after a lost answer): they must be what the server has.
    let repeated = entries.iter().take_while(|e| e.seq <= held_seq).count();
    if repeated > 0 {
        let first = entries[0].seq;
        let stored = store
            .audit_log(
                device,
                first - 1,
                u32::try_from(repeated).unwrap_or(u32::MAX),
            )
            .await?;
        for e in &entries[..repeated] {
            if !stored.contains(e) {
                return Err(AuditRefusal::Diverged(e.seq));
            }
        }
    }
    let new = &entries[repeated..];
    let Some(first) = new.first() else {
        return Ok(AuditAck {
            held_seq,
            held_hash,
        });
    };
    if first.seq != held_seq + 1 {
        return Err(AuditRefusal::Gap {
            held: held_seq,
            got: first.seq,
        });
    }
    let mut prev = held_hash;
    for e in new {
        if e.prev_hash != prev {
            return Err(AuditRefusal::BadLink(e.seq));
        }
        if entry(e).computed_hash() != e.hash {
            return Err(AuditRefusal::BadHash(e.seq));
        }
        prev = e.hash.clone();
    }
    let last = new.last().map_or(held_seq, |e| e.seq);
    store.append_audit(device, new.to_vec(), now_ms).await?;
    Ok(AuditAck {
        held_seq: last,
        held_hash: prev,
    })
}

/// The server's check of one device's chain as it holds it: what
/// `waypoint_domain::audit_chain::verify_entries` finds, against the newest entry held.
pub async fn verify_device(
    store: &dyn ServerStore,
    device: Uuid,
) -> Result<(usize, Vec<AuditProblem>), ServerStoreError> {
    let mut rows: Vec<AuditEntry> = Vec::new();
    let mut after = i64::MIN;
    loop {
        let page = store.audit_log(device, after, 10_000).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        rows.extend(page.iter().map(entry));
    }
    // The newest entry the server accepted is the head it checks against: each was checked on
    // arrival, so an entry rewritten or removed in the server's database shows as a break.
    let (head_seq, head_hash) = match rows.last() {
        Some(r) => (r.seq, r.hash.clone()),
        None => (0, GENESIS_HASH.to_string()),
    };
    let problems = verify_entries(&rows, head_seq, &head_hash);
    Ok((rows.len(), problems))
}
