//! The devices' changes: a push merged in one transaction, pages pulled from a snapshot.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use waypoint_protocol::{Change, Conflict, RevokeReason, Scope, ServerBody, ServerChange};

use crate::merge::{self, ConflictRef, FieldKey, FieldState, Plan, Snapshot, Wanted, new_changes};
use crate::store::{
    Device, Page, PushOutcome, ServerStoreError, SyncStore, assemble_page, revocation, to_i64,
    to_u64,
};

use super::{SqliteStore, arrivals, device_row, held, scope, uuid};

#[async_trait]
impl SyncStore for SqliteStore {
    async fn push(
        &self,
        device: &Device,
        changes: Vec<Change>,
        now_ms: u64,
    ) -> Result<PushOutcome, ServerStoreError> {
        let device_id = device.id.to_string();
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let row: Option<(String, String, i64, Option<RevokeReason>)> = tx
                .query_row(
                    "SELECT id, name, last_client_seq, revoked_ms, revoked_reason FROM device
                     WHERE id = ?1",
                    [&device_id],
                    |r| {
                        Ok((
                            r.get(0)?,
                            r.get(1)?,
                            r.get(2)?,
                            revocation(r.get(3)?, r.get::<_, Option<String>>(4)?.as_deref()),
                        ))
                    },
                )
                .optional()?;
            // A retired device may still push its pending changes; a lost one may not.
            let Some((id, name, last, revoked)) = row else {
                return Err(ServerStoreError::Revoked);
            };
            if revoked == Some(RevokeReason::Lost) {
                return Err(ServerStoreError::Revoked);
            }
            let device = device_row(&tx, id, name, last, revoked)?;
            let changes = new_changes(changes, device.last_client_seq)?;
            if changes.is_empty() {
                return Ok(PushOutcome {
                    acked_up_to: device.last_client_seq,
                    refused: Vec::new(),
                    max_hlc: 0,
                    written: 0..0,
                });
            }
            let next_seq: i64 =
                tx.query_row("SELECT next_seq FROM server_state WHERE id = 1", [], |r| {
                    r.get(0)
                })?;
            let wanted = Wanted::of(&changes);
            let mut snapshot = load(&tx, &wanted)?;
            held::load(&tx, &wanted, &mut snapshot)?;
            arrivals::load(&tx, &device_id, &wanted, &mut snapshot)?;
            let mut plan = merge::plan(&device, changes, snapshot, to_u64(next_seq)?, now_ms);
            apply(&tx, &device_id, &mut plan)?;
            held::keep(&tx, &device_id, &plan.held, now_ms)?;
            tx.commit()?;
            Ok(PushOutcome {
                acked_up_to: plan.acked_up_to,
                refused: plan.refused,
                max_hlc: plan.max_hlc,
                written: to_u64(next_seq)?..plan.next_seq,
            })
        })
        .await
    }

    async fn pull_except(
        &self,
        device: &Device,
        after: u64,
        limit: u32,
        own: std::ops::Range<u64>,
    ) -> Result<Page, ServerStoreError> {
        let device = device.clone();
        // One read transaction: every query of the page sees the same committed snapshot.
        self.read(move |conn| {
            let tx = conn.transaction()?;
            let page = pull(&tx, &device, after, limit, own)?;
            tx.commit()?;
            Ok(page)
        })
        .await
    }
}

/// A field's stored state from its row's columns.
fn field_state(
    value: Option<String>,
    seq: i64,
    hlc: i64,
    device: String,
    device_name: String,
) -> Result<FieldState, ServerStoreError> {
    Ok(FieldState {
        value,
        seq: to_u64(seq)?,
        hlc: to_u64(hlc)?,
        device: uuid(device)?,
        device_name,
    })
}

pub(super) fn load(tx: &Transaction<'_>, wanted: &Wanted) -> Result<Snapshot, ServerStoreError> {
    let mut snap = Snapshot::default();
    let mut stmt = tx.prepare_cached("SELECT site FROM case_site WHERE case_no = ?1")?;
    for case_no in &wanted.case_nos {
        if let Some(site) = stmt.query_row([case_no], |r| r.get(0)).optional()? {
            snap.cases.insert(case_no.clone(), site);
        }
    }
    let mut stmt = tx.prepare_cached("SELECT case_no FROM individual WHERE individual_no = ?1")?;
    for no in &wanted.individual_nos {
        if let Some(case_no) = stmt.query_row([no], |r| r.get(0)).optional()? {
            snap.individuals.insert(no.clone(), case_no);
        }
    }
    let mut stmt = tx.prepare_cached(
        "SELECT f.scope, f.field, f.value, f.server_seq, f.hlc, f.device_id, COALESCE(d.name, '')
         FROM field_value f LEFT JOIN device d ON d.id = f.device_id WHERE f.entity = ?1",
    )?;
    for entity in &wanted.entities {
        let rows = stmt
            .query_map([entity], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        for (sc, field, value, seq, hlc, dev, dev_name) in rows {
            snap.fields.insert(
                FieldKey {
                    scope: scope(&sc)?,
                    entity: entity.clone(),
                    field,
                },
                field_state(value, seq, hlc, dev, dev_name)?,
            );
        }
    }
    let mut stmt = tx.prepare_cached(
        "SELECT f.value, f.server_seq, f.hlc, f.device_id, COALESCE(d.name, '')
         FROM field_value f LEFT JOIN device d ON d.id = f.device_id
         WHERE f.scope = ?1 AND f.entity = ?2 AND f.field = ?3",
    )?;
    for key in &wanted.fields {
        let row = stmt
            .query_row(params![key.scope.as_str(), key.entity, key.field], |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })
            .optional()?;
        if let Some((value, seq, hlc, dev, dev_name)) = row {
            snap.fields
                .insert(key.clone(), field_state(value, seq, hlc, dev, dev_name)?);
        }
    }
    let mut stmt = tx.prepare_cached("SELECT 1 FROM event WHERE id = ?1")?;
    for id in &wanted.event_ids {
        if stmt
            .query_row([id], |r| r.get::<_, i64>(0))
            .optional()?
            .is_some()
        {
            snap.events.insert(id.clone());
        }
    }
    let mut stmt =
        tx.prepare_cached("SELECT scope, entity, field, resolved FROM conflict WHERE id = ?1")?;
    for &id in &wanted.conflict_ids {
        let Ok(db_id) = i64::try_from(id) else {
            continue;
        };
        let row: Option<(String, String, String, bool)> = stmt
            .query_row([db_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()?;
        if let Some((sc, entity, field, resolved)) = row {
            snap.conflicts.insert(
                id,
                ConflictRef {
                    scope: scope(&sc)?,
                    entity,
                    field,
                    resolved,
                },
            );
        }
    }
    Ok(snap)
}

pub(super) fn apply(
    tx: &Transaction<'_>,
    device_id: &str,
    plan: &mut Plan,
) -> Result<(), ServerStoreError> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO case_site (case_no, site) VALUES (?1, ?2)
         ON CONFLICT (case_no) DO UPDATE SET site = excluded.site",
    )?;
    for (case_no, site) in &plan.cases {
        stmt.execute([case_no, site])?;
    }
    let mut stmt = tx.prepare_cached(
        "INSERT INTO individual (individual_no, case_no) VALUES (?1, ?2)
         ON CONFLICT (individual_no) DO UPDATE SET case_no = excluded.case_no",
    )?;
    for (no, case_no) in &plan.individuals {
        stmt.execute([no, case_no])?;
    }
    for no in &plan.moved_individuals {
        let Some(case_no) = plan.individuals.get(no) else {
            continue;
        };
        tx.execute(
            "UPDATE field_value SET case_no = ?1, site = (SELECT site FROM case_site WHERE case_no = ?1)
             WHERE scope = 'individual' AND entity = ?2",
            [case_no, no],
        )?;
        tx.execute(
            "UPDATE conflict SET case_no = ?1, site = (SELECT site FROM case_site WHERE case_no = ?1)
             WHERE scope = 'individual' AND entity = ?2",
            [case_no, no],
        )?;
    }
    let mut stmt = tx.prepare_cached(
        "INSERT INTO field_value (scope, entity, field, case_no, value, server_seq, hlc, device_id, site)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, (SELECT site FROM case_site WHERE case_no = ?4))
         ON CONFLICT (scope, entity, field) DO UPDATE SET case_no = excluded.case_no,
             value = excluded.value, server_seq = excluded.server_seq, hlc = excluded.hlc,
             device_id = excluded.device_id, site = excluded.site",
    )?;
    for (key, row) in &plan.fields {
        stmt.execute(params![
            key.scope.as_str(),
            key.entity,
            key.field,
            row.case_no,
            row.value,
            to_i64(row.seq)?,
            to_i64(row.hlc)?,
            row.device.to_string()
        ])?;
    }
    let mut stmt = tx.prepare_cached(
        "INSERT INTO event (id, case_no, kind, json, server_seq, device_id, site)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, (SELECT site FROM case_site WHERE case_no = ?2))",
    )?;
    for e in &plan.events {
        stmt.execute(params![
            e.id,
            e.case_no,
            e.kind,
            e.json,
            to_i64(e.seq)?,
            device_id
        ])?;
    }
    let mut stmt = tx.prepare_cached(
        "INSERT INTO conflict (id, scope, entity, case_no, field, winner, loser, winner_device,
                               loser_device, resolved, server_seq, site)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, ?1,
                 (SELECT site FROM case_site WHERE case_no = ?4))",
    )?;
    for c in &plan.conflicts {
        stmt.execute(params![
            to_i64(c.id)?,
            c.key.scope.as_str(),
            c.key.entity,
            c.case_no,
            c.key.field,
            c.winner,
            c.loser,
            c.winner_device,
            c.loser_device
        ])?;
    }
    for &(id, seq) in &plan.resolved {
        tx.execute(
            "UPDATE conflict SET resolved = 1, server_seq = ?1 WHERE id = ?2",
            [to_i64(seq)?, to_i64(id)?],
        )?;
    }
    // A case that moved site: the old site's devices remove it, the new site's receive all of
    // it again (fresh sequence numbers, after the removal).
    for (case_no, old_site) in &plan.moved_cases {
        let new_site = plan.cases.get(case_no).cloned().unwrap_or_default();
        let seq = take(&mut plan.next_seq);
        tx.execute(
            "INSERT INTO removal (server_seq, case_no, site) VALUES (?1, ?2, ?3)",
            params![to_i64(seq)?, case_no, old_site],
        )?;
        for (select, update) in [
            (
                "SELECT rowid FROM field_value WHERE case_no = ?1 ORDER BY server_seq",
                "UPDATE field_value SET server_seq = ?1, site = ?3 WHERE rowid = ?2",
            ),
            (
                "SELECT rowid FROM event WHERE case_no = ?1 ORDER BY server_seq",
                "UPDATE event SET server_seq = ?1, site = ?3 WHERE rowid = ?2",
            ),
            (
                "SELECT rowid FROM conflict WHERE case_no = ?1 AND resolved = 0 ORDER BY server_seq",
                "UPDATE conflict SET server_seq = ?1, site = ?3 WHERE rowid = ?2",
            ),
        ] {
            let rows = tx
                .prepare(select)?
                .query_map([case_no], |r| r.get::<_, i64>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            for rowid in rows {
                let seq = take(&mut plan.next_seq);
                tx.execute(update, params![to_i64(seq)?, rowid, new_site])?;
            }
        }
    }
    arrivals::follow(tx, plan)?;
    tx.execute(
        "UPDATE device SET last_client_seq = ?1 WHERE id = ?2",
        params![to_i64(plan.acked_up_to)?, device_id],
    )?;
    tx.execute(
        "UPDATE server_state SET next_seq = ?1 WHERE id = 1",
        [to_i64(plan.next_seq)?],
    )?;
    Ok(())
}

fn take(next: &mut u64) -> u64 {
    let seq = *next;
    *next += 1;
    seq
}

const MY_SITES: &str = "(SELECT site FROM device_site WHERE device_id = ?2)";

fn pull(
    tx: &Transaction<'_>,
    device: &Device,
    after: u64,
    limit: u32,
    own: std::ops::Range<u64>,
) -> Result<Page, ServerStoreError> {
    let device_id = device.id.to_string();
    let (own_from, own_to) = (to_i64(own.start)?, to_i64(own.end)?);
    let next_seq: i64 =
        tx.query_row("SELECT next_seq FROM server_state WHERE id = 1", [], |r| {
            r.get(0)
        })?;
    let committed_max = to_u64(next_seq)?.saturating_sub(1);
    let after_db = to_i64(after)?;
    let fetch = i64::from(limit) + 1;
    let mut changes = Vec::new();

    // Each of the device's sites is read in sequence order from its (site, server_seq) index,
    // at most limit + 1 rows each; assemble_page cuts the merged lists at the limit.
    for site in &device.sites {
        let rows = tx
            .prepare_cached(
                "SELECT server_seq, scope, entity, case_no, field, value FROM field_value
                 WHERE site = ?2 AND server_seq > ?1
                   AND NOT (server_seq >= ?5 AND server_seq < ?6 AND device_id = ?4)
                 ORDER BY server_seq LIMIT ?3",
            )?
            .query_map(
                params![after_db, site, fetch, device_id, own_from, own_to],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, Option<String>>(5)?,
                    ))
                },
            )?
            .collect::<Result<Vec<_>, _>>()?;
        for (seq, sc, entity, case_no, field, value) in rows {
            changes.push(ServerChange {
                server_seq: to_u64(seq)?,
                scope: scope(&sc)?,
                entity,
                case_no,
                body: ServerBody::Field { field, value },
            });
        }
    }

    for site in &device.sites {
        let rows = tx
            .prepare_cached(
                "SELECT server_seq, id, case_no, kind, json FROM event
                 WHERE site = ?2 AND server_seq > ?1
                   AND NOT (server_seq >= ?5 AND server_seq < ?6 AND device_id = ?4)
                 ORDER BY server_seq LIMIT ?3",
            )?
            .query_map(
                params![after_db, site, fetch, device_id, own_from, own_to],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                    ))
                },
            )?
            .collect::<Result<Vec<_>, _>>()?;
        for (seq, id, case_no, kind, json) in rows {
            changes.push(ServerChange {
                server_seq: to_u64(seq)?,
                scope: Scope::Event,
                entity: id,
                case_no,
                body: ServerBody::Event { kind, json },
            });
        }
    }

    // A port of entry's arriving travellers (docs/sync-protocol.md, "Port-of-entry scope").
    arrivals::pull(
        tx,
        &device_id,
        after_db,
        fetch,
        (own_from, own_to),
        &mut changes,
    )?;

    let sql = format!(
        "SELECT r.server_seq, r.case_no
         FROM removal r LEFT JOIN case_site c ON c.case_no = r.case_no
         WHERE r.server_seq > ?1 AND r.site IN {MY_SITES}
           AND (c.site IS NULL OR c.site NOT IN {MY_SITES})
         ORDER BY r.server_seq LIMIT ?3"
    );
    let rows = tx
        .prepare_cached(&sql)?
        .query_map(params![after_db, device_id, fetch], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    for (seq, case_no) in rows {
        changes.push(ServerChange {
            server_seq: to_u64(seq)?,
            scope: Scope::Case,
            entity: case_no.clone(),
            case_no,
            body: ServerBody::Remove,
        });
    }

    let mut conflicts = Vec::new();
    for site in &device.sites {
        type Row = (
            i64,
            i64,
            String,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            String,
            String,
            bool,
        );
        let rows: Vec<Row> = tx
            .prepare_cached(
                "SELECT id, server_seq, scope, entity, case_no, field, winner, loser,
                    winner_device, loser_device, resolved FROM conflict
             WHERE site = ?2 AND server_seq > ?1 ORDER BY server_seq LIMIT ?3",
            )?
            .query_map(params![after_db, site, fetch], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                    r.get(10)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        for (id, seq, sc, entity, case_no, field, winner, loser, wd, ld, resolved) in rows {
            conflicts.push(Conflict {
                id: to_u64(id)?,
                server_seq: to_u64(seq)?,
                scope: scope(&sc)?,
                entity,
                case_no,
                field,
                winner,
                loser,
                winner_device: wd,
                loser_device: ld,
                resolved,
            });
        }
    }
    Ok(assemble_page(
        changes,
        conflicts,
        after,
        limit,
        committed_max,
    ))
}
