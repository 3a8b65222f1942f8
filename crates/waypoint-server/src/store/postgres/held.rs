//! Held changes on PostgreSQL (docs/sync-protocol.md, "Held changes"): what a push keeps and
//! what it loads for the planner. The decisions are `crate::merge`'s; HQ's settlements are
//! in `settle.rs`.

use deadpool_postgres::Transaction;

use crate::merge::{HeldChange, Snapshot, Wanted};
use crate::store::{ServerStoreError, to_i64};

/// Adds to `snap` the held changes of the batch's cases and people.
pub(super) async fn load(
    tx: &Transaction<'_>,
    wanted: &Wanted,
    snap: &mut Snapshot,
) -> Result<(), ServerStoreError> {
    for r in tx
        .query(
            "SELECT DISTINCT case_no, site FROM held_change
             WHERE case_no = ANY($1) AND scope <> 'individual'",
            &[&wanted.case_nos],
        )
        .await?
    {
        snap.held_cases.insert((r.get(0), r.get(1)));
    }
    for r in tx
        .query(
            "SELECT entity, site, case_no FROM held_change
             WHERE entity = ANY($1) AND scope = 'individual' ORDER BY id",
            &[&wanted.individual_nos],
        )
        .await?
    {
        snap.held_individuals
            .entry((r.get(0), r.get(1)))
            .or_insert(r.get(2));
    }
    Ok(())
}

/// Stores the changes a plan held.
pub(super) async fn keep(
    tx: &Transaction<'_>,
    device_id: &str,
    held: &[HeldChange],
    now_ms: u64,
) -> Result<(), ServerStoreError> {
    for h in held {
        let json = serde_json::to_string(&h.change)
            .map_err(|_| ServerStoreError::Database("a change could not be kept for HQ".into()))?;
        tx.execute(
            "INSERT INTO held_change (device_id, site, case_no, scope, entity, change_json,
                                      received_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &device_id,
                &h.site,
                &h.case_no,
                &h.change.scope.as_str(),
                &h.change.entity,
                &json,
                &to_i64(now_ms)?,
            ],
        )
        .await?;
    }
    Ok(())
}
