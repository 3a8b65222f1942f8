//! HQ's settlement of held changes on SQLite (docs/sync-protocol.md, "Held changes"): the
//! list, giving a number to a site (its held changes then go through the merge) or dropping them.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use uuid::Uuid;
use waypoint_domain::Field;
use waypoint_protocol::{Change, Scope};

use crate::merge::Wanted;
use crate::merge::{self, FieldKey};
use crate::store::{
    Device, HeldGroup, HeldStore, ServerStoreError, SettleAction, Settlement, to_i64, to_u64,
};

use super::SqliteStore;
use super::held::{keep, load};
use super::sync::{apply, load as load_batch};

#[async_trait]
impl HeldStore for SqliteStore {
    async fn held_changes(&self) -> Result<Vec<HeldGroup>, ServerStoreError> {
        self.run(|conn| groups(conn)).await
    }

    async fn give_held(
        &self,
        case_no: &str,
        site: &str,
        now_ms: u64,
    ) -> Result<Settlement, ServerStoreError> {
        let (case_no, site) = (case_no.to_string(), site.to_string());
        self.run(move |conn| give(conn, &case_no, &site, now_ms))
            .await
    }

    async fn drop_held(
        &self,
        case_no: &str,
        site: &str,
        now_ms: u64,
    ) -> Result<Settlement, ServerStoreError> {
        let (case_no, site) = (case_no.to_string(), site.to_string());
        self.run(move |conn| drop_held(conn, &case_no, &site, now_ms))
            .await
    }

    async fn held_settlements(&self) -> Result<Vec<Settlement>, ServerStoreError> {
        self.run(|conn| settlements(conn)).await
    }
}

pub(super) fn groups(conn: &Connection) -> Result<Vec<HeldGroup>, ServerStoreError> {
    let mut stmt = conn.prepare(
        "SELECT case_no, site, COUNT(*), MIN(received_ms), MAX(received_ms) FROM held_change
         GROUP BY case_no, site ORDER BY case_no, site",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(case_no, site, n, first, last)| {
            Ok(HeldGroup {
                case_no,
                site,
                changes: to_u64(n)?,
                first_ms: to_u64(first)?,
                last_ms: to_u64(last)?,
            })
        })
        .collect()
}

pub(super) fn settlements(conn: &Connection) -> Result<Vec<Settlement>, ServerStoreError> {
    let mut stmt = conn.prepare(
        "SELECT at_ms, action, case_no, site, from_site, changes, applied, still_held
         FROM held_settlement ORDER BY id",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, i64>(6)?,
                r.get::<_, i64>(7)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(
            |(at, action, case_no, site, from_site, n, applied, still)| {
                Ok(Settlement {
                    at_ms: to_u64(at)?,
                    action: SettleAction::parse(&action).ok_or_else(|| {
                        ServerStoreError::Corrupt(format!("unknown settlement '{action}'"))
                    })?,
                    case_no,
                    site,
                    from_site,
                    changes: to_u64(n)?,
                    applied: to_u64(applied)?,
                    still_held: to_u64(still)?,
                    refused: Vec::new(),
                })
            },
        )
        .collect()
}

fn record(tx: &Transaction<'_>, s: &Settlement) -> Result<(), ServerStoreError> {
    tx.execute(
        "INSERT INTO held_settlement (at_ms, action, case_no, site, from_site, changes, applied,
                                      still_held)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            to_i64(s.at_ms)?,
            s.action.as_str(),
            s.case_no,
            s.site,
            s.from_site,
            to_i64(s.changes)?,
            to_i64(s.applied)?,
            to_i64(s.still_held)?
        ],
    )?;
    Ok(())
}

fn check_site(tx: &Transaction<'_>, site: &str) -> Result<(), ServerStoreError> {
    let known: Option<i64> = tx
        .query_row("SELECT 1 FROM site WHERE code = ?1", [site], |r| r.get(0))
        .optional()?;
    match known {
        Some(_) => Ok(()),
        None => Err(ServerStoreError::NoSuchSite(site.to_string())),
    }
}

/// Takes `site`'s held changes of `case_no` out of the table, oldest first: (device, change).
fn take(
    tx: &Transaction<'_>,
    case_no: &str,
    site: &str,
) -> Result<Vec<(String, String)>, ServerStoreError> {
    let rows = tx
        .prepare(
            "SELECT device_id, change_json FROM held_change WHERE case_no = ?1 AND site = ?2
             ORDER BY id",
        )?
        .query_map([case_no, site], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    tx.execute(
        "DELETE FROM held_change WHERE case_no = ?1 AND site = ?2",
        [case_no, site],
    )?;
    Ok(rows)
}

pub(super) fn give(
    conn: &mut Connection,
    case_no: &str,
    site: &str,
    now_ms: u64,
) -> Result<Settlement, ServerStoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    check_site(&tx, site)?;
    let rows = take(&tx, case_no, site)?;
    let current: Option<String> = tx
        .query_row(
            "SELECT site FROM case_site WHERE case_no = ?1",
            [case_no],
            |r| r.get(0),
        )
        .optional()?;
    if rows.is_empty() && current.is_none() {
        return Err(ServerStoreError::NothingHeld {
            case_no: case_no.to_string(),
            site: site.to_string(),
        });
    }
    let next_seq = |tx: &Transaction<'_>| -> Result<u64, ServerStoreError> {
        to_u64(
            tx.query_row("SELECT next_seq FROM server_state WHERE id = 1", [], |r| {
                r.get(0)
            })?,
        )
    };
    // First the move, so that the held changes find the case at their site.
    let wanted = Wanted {
        case_nos: vec![case_no.to_string()],
        fields: vec![FieldKey {
            scope: Scope::Case,
            entity: case_no.to_string(),
            field: Field::Site.column().to_string(),
        }],
        ..Wanted::default()
    };
    let snapshot = load_batch(&tx, &wanted)?;
    let mut plan = merge::give(case_no, site, snapshot, next_seq(&tx)?, now_ms);
    apply(&tx, &Uuid::nil().to_string(), &mut plan)?;
    let mut settled = Settlement {
        at_ms: now_ms,
        action: SettleAction::Give,
        case_no: case_no.to_string(),
        site: site.to_string(),
        from_site: current.filter(|c| c != site),
        changes: rows.len() as u64,
        applied: 0,
        still_held: 0,
        refused: Vec::new(),
    };
    // Then each device's held changes, in the order they came, as if pushed now.
    for run in rows.chunk_by(|a, b| a.0 == b.0) {
        let device_id = run[0].0.as_str();
        let (name, last): (String, i64) = tx.query_row(
            "SELECT name, last_client_seq FROM device WHERE id = ?1",
            [device_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let device = Device {
            id: Uuid::parse_str(device_id)
                .map_err(|_| ServerStoreError::Corrupt("a device id is not a UUID".into()))?,
            name,
            // HQ vouches for the site the changes were made for.
            sites: vec![site.to_string()],
            last_client_seq: to_u64(last)?,
            revoked: None,
        };
        let changes = run
            .iter()
            .map(|(_, json)| {
                serde_json::from_str::<Change>(json)
                    .map_err(|_| ServerStoreError::Corrupt("a held change cannot be read".into()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let count = changes.len() as u64;
        let wanted = Wanted::of(&changes);
        let mut snapshot = load_batch(&tx, &wanted)?;
        load(&tx, &wanted, &mut snapshot)?;
        let mut plan = merge::plan(&device, changes, snapshot, next_seq(&tx)?, now_ms);
        // The device's acknowledged number is not moved: these came before it.
        apply(&tx, device_id, &mut plan)?;
        keep(&tx, device_id, &plan.held, now_ms)?;
        let (refused, held) = (plan.refused.len() as u64, plan.held.len() as u64);
        settled.applied += count - refused - held;
        settled.still_held += held;
        settled
            .refused
            .extend(plan.refused.into_iter().map(|r| r.reason));
    }
    record(&tx, &settled)?;
    tx.commit()?;
    Ok(settled)
}

pub(super) fn drop_held(
    conn: &mut Connection,
    case_no: &str,
    site: &str,
    now_ms: u64,
) -> Result<Settlement, ServerStoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let n = tx.execute(
        "DELETE FROM held_change WHERE case_no = ?1 AND site = ?2",
        [case_no, site],
    )?;
    if n == 0 {
        return Err(ServerStoreError::NothingHeld {
            case_no: case_no.to_string(),
            site: site.to_string(),
        });
    }
    let settled = Settlement {
        at_ms: now_ms,
        action: SettleAction::Drop,
        case_no: case_no.to_string(),
        site: site.to_string(),
        from_site: None,
        changes: n as u64,
        applied: 0,
        still_held: 0,
        refused: Vec::new(),
    };
    record(&tx, &settled)?;
    tx.commit()?;
    Ok(settled)
}
