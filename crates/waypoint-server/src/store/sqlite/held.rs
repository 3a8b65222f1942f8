//! Held changes on SQLite (docs/sync-protocol.md, "Held changes"): what a push keeps and
//! what it loads for the planner. The decisions are `crate::merge`'s; HQ's settlements are
//! in `settle.rs`.

use rusqlite::{Connection, params};
use waypoint_protocol::Change;

use crate::merge::{HeldChange, Snapshot, Wanted};
use crate::store::{ServerStoreError, to_i64};

/// Adds to `snap` the held changes of the batch's cases and people.
pub(super) fn load(
    tx: &Connection,
    wanted: &Wanted,
    snap: &mut Snapshot,
) -> Result<(), ServerStoreError> {
    // Nearly always nothing is held: one look saves a query per number.
    let any: bool = tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM held_change)")?
        .query_row([], |r| r.get(0))?;
    if !any {
        return Ok(());
    }
    let mut stmt = tx.prepare_cached(
        "SELECT DISTINCT site FROM held_change WHERE case_no = ?1 AND scope <> 'individual'",
    )?;
    for case_no in &wanted.case_nos {
        for site in stmt.query_map([case_no], |r| r.get::<_, String>(0))? {
            snap.held_cases.insert((case_no.clone(), site?));
        }
    }
    let mut stmt = tx.prepare_cached(
        "SELECT site, case_no FROM held_change WHERE entity = ?1 AND scope = 'individual'
         ORDER BY id",
    )?;
    for no in &wanted.individual_nos {
        let rows = stmt.query_map([no], |r| Ok((r.get::<_, String>(0)?, r.get(1)?)))?;
        for row in rows {
            let (site, case_no) = row?;
            snap.held_individuals
                .entry((no.clone(), site))
                .or_insert(case_no);
        }
    }
    Ok(())
}

/// Stores the changes a plan held.
pub(super) fn keep(
    tx: &Connection,
    device_id: &str,
    held: &[HeldChange],
    now_ms: u64,
) -> Result<(), ServerStoreError> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO held_change (device_id, site, case_no, scope, entity, change_json, received_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for h in held {
        stmt.execute(params![
            device_id,
            h.site,
            h.case_no,
            h.change.scope.as_str(),
            h.change.entity,
            change_json(&h.change)?,
            to_i64(now_ms)?
        ])?;
    }
    Ok(())
}

fn change_json(change: &Change) -> Result<String, ServerStoreError> {
    serde_json::to_string(change)
        .map_err(|_| ServerStoreError::Database("a change could not be kept for HQ".into()))
}
