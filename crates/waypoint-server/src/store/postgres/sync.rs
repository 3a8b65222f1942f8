//! The devices' changes: a push merged in one transaction, pages pulled from a snapshot.

use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Transaction};
use tokio_postgres::IsolationLevel;
use waypoint_protocol::{Change, Conflict, RevokeReason, Scope, ServerBody, ServerChange};

use crate::merge::{self, ConflictRef, FieldKey, FieldState, Plan, Snapshot, Wanted, new_changes};
use crate::store::{
    Device, Page, PushOutcome, ServerStoreError, SyncStore, assemble_page, revocation, to_i64,
    to_u64,
};

use super::{Failure, PgStore, RETRIES, arrivals, device_row, held, scope, uuid};

impl PgStore {
    async fn push_once(
        &self,
        device_id: &str,
        changes: Vec<Change>,
        now_ms: u64,
    ) -> Result<PushOutcome, Failure> {
        let mut client = self.pool.get().await.map_err(ServerStoreError::from)?;
        let tx = client.transaction().await?;
        let next_seq: i64 = tx
            .query_one(
                "SELECT next_seq FROM server_state WHERE id = 1 FOR UPDATE",
                &[],
            )
            .await?
            .get(0);
        let row = tx
            .query_opt(
                "SELECT id, name, last_client_seq, revoked_ms, revoked_reason FROM device
                 WHERE id = $1 FOR UPDATE",
                &[&device_id],
            )
            .await?;
        let Some(row) = row else {
            return Err(ServerStoreError::Revoked.into());
        };
        // A retired device may still push its pending changes; a lost one may not.
        let revoked = revocation(row.get(3), row.get::<_, Option<&str>>(4));
        if revoked == Some(RevokeReason::Lost) {
            return Err(ServerStoreError::Revoked.into());
        }
        let device = device_row(&tx, row.get(0), row.get(1), row.get(2), revoked).await?;
        let changes = new_changes(changes, device.last_client_seq)?;
        if changes.is_empty() {
            return Ok(PushOutcome {
                acked_up_to: device.last_client_seq,
                refused: Vec::new(),
                max_hlc: 0,
                written: 0..0,
            });
        }
        let wanted = Wanted::of(&changes);
        let mut snapshot = load(&tx, &wanted).await?;
        held::load(&tx, &wanted, &mut snapshot).await?;
        arrivals::load(&tx, device_id, &wanted, &mut snapshot).await?;
        let mut plan = merge::plan(&device, changes, snapshot, to_u64(next_seq)?, now_ms);
        apply(&tx, device_id, &mut plan).await?;
        held::keep(&tx, device_id, &plan.held, now_ms).await?;
        tx.commit().await?;
        Ok(PushOutcome {
            acked_up_to: plan.acked_up_to,
            refused: plan.refused,
            max_hlc: plan.max_hlc,
            written: to_u64(next_seq)?..plan.next_seq,
        })
    }
}

#[async_trait]
impl SyncStore for PgStore {
    async fn push(
        &self,
        device: &Device,
        changes: Vec<Change>,
        now_ms: u64,
    ) -> Result<PushOutcome, ServerStoreError> {
        let device_id = device.id.to_string();
        let mut attempt = 0;
        loop {
            match self.push_once(&device_id, changes.clone(), now_ms).await {
                Ok(outcome) => return Ok(outcome),
                Err(Failure::Retry) if attempt < RETRIES => attempt += 1,
                Err(Failure::Retry) => {
                    return Err(ServerStoreError::Database(
                        "the database stayed too busy to take the batch; try again".into(),
                    ));
                }
                Err(Failure::Store(e)) => return Err(e),
            }
        }
    }

    async fn pull_except(
        &self,
        device: &Device,
        after: u64,
        limit: u32,
        own: std::ops::Range<u64>,
    ) -> Result<Page, ServerStoreError> {
        let mut client = self.pool.get().await?;
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        let page = pull(&tx, device, after, limit, own).await?;
        tx.commit().await?;
        Ok(page)
    }
}

pub(super) async fn load(
    tx: &Transaction<'_>,
    wanted: &Wanted,
) -> Result<Snapshot, ServerStoreError> {
    let mut snap = Snapshot::default();
    for r in tx
        .query(
            "SELECT case_no, site FROM case_site WHERE case_no = ANY($1)",
            &[&wanted.case_nos],
        )
        .await?
    {
        snap.cases.insert(r.get(0), r.get(1));
    }
    for r in tx
        .query(
            "SELECT individual_no, case_no FROM individual WHERE individual_no = ANY($1)",
            &[&wanted.individual_nos],
        )
        .await?
    {
        snap.individuals.insert(r.get(0), r.get(1));
    }
    // Every field of the records the batch creates, and the single fields it changes.
    let whole = tx
        .query(
            "SELECT f.scope, f.entity, f.field, f.value, f.server_seq, f.hlc, f.device_id,
                    COALESCE(d.name, '')
             FROM field_value f LEFT JOIN device d ON d.id = f.device_id
             WHERE f.entity = ANY($1)",
            &[&wanted.entities],
        )
        .await?;
    let scopes: Vec<&str> = wanted.fields.iter().map(|k| k.scope.as_str()).collect();
    let entities: Vec<&str> = wanted.fields.iter().map(|k| k.entity.as_str()).collect();
    let names: Vec<&str> = wanted.fields.iter().map(|k| k.field.as_str()).collect();
    let single = tx
        .query(
            "SELECT f.scope, f.entity, f.field, f.value, f.server_seq, f.hlc, f.device_id,
                    COALESCE(d.name, '')
             FROM UNNEST($1::text[], $2::text[], $3::text[]) AS k (sc, en, fi)
             JOIN field_value f ON f.scope = k.sc AND f.entity = k.en AND f.field = k.fi
             LEFT JOIN device d ON d.id = f.device_id",
            &[&scopes, &entities, &names],
        )
        .await?;
    for r in whole.iter().chain(&single) {
        snap.fields.insert(
            FieldKey {
                scope: scope(r.get(0))?,
                entity: r.get(1),
                field: r.get(2),
            },
            FieldState {
                value: r.get(3),
                seq: to_u64(r.get(4))?,
                hlc: to_u64(r.get(5))?,
                device: uuid(r.get(6))?,
                device_name: r.get(7),
            },
        );
    }
    for r in tx
        .query(
            "SELECT id FROM event WHERE id = ANY($1)",
            &[&wanted.event_ids],
        )
        .await?
    {
        snap.events.insert(r.get(0));
    }
    let ids: Vec<i64> = wanted
        .conflict_ids
        .iter()
        .filter_map(|&id| i64::try_from(id).ok())
        .collect();
    for r in tx
        .query(
            "SELECT id, scope, entity, field, resolved FROM conflict WHERE id = ANY($1)",
            &[&ids],
        )
        .await?
    {
        snap.conflicts.insert(
            to_u64(r.get(0))?,
            ConflictRef {
                scope: scope(r.get(1))?,
                entity: r.get(2),
                field: r.get(3),
                resolved: r.get(4),
            },
        );
    }
    Ok(snap)
}

pub(super) async fn apply(
    tx: &Transaction<'_>,
    device_id: &str,
    plan: &mut Plan,
) -> Result<(), ServerStoreError> {
    // Bulk writes: one statement per table, arrays unnested on the server.
    let (case_nos, sites): (Vec<&String>, Vec<&String>) = plan.cases.iter().unzip();
    if !case_nos.is_empty() {
        tx.execute(
            "INSERT INTO case_site (case_no, site) SELECT * FROM UNNEST($1::text[], $2::text[])
             ON CONFLICT (case_no) DO UPDATE SET site = EXCLUDED.site",
            &[&case_nos, &sites],
        )
        .await?;
    }
    let (nos, cases): (Vec<&String>, Vec<&String>) = plan.individuals.iter().unzip();
    if !nos.is_empty() {
        tx.execute(
            "INSERT INTO individual (individual_no, case_no)
             SELECT * FROM UNNEST($1::text[], $2::text[])
             ON CONFLICT (individual_no) DO UPDATE SET case_no = EXCLUDED.case_no",
            &[&nos, &cases],
        )
        .await?;
    }
    for no in &plan.moved_individuals {
        let Some(case_no) = plan.individuals.get(no) else {
            continue;
        };
        tx.execute(
            "UPDATE field_value SET case_no = $1,
                    site = (SELECT site FROM case_site WHERE case_no = $1)
             WHERE scope = 'individual' AND entity = $2",
            &[case_no, no],
        )
        .await?;
        tx.execute(
            "UPDATE conflict SET case_no = $1,
                    site = (SELECT site FROM case_site WHERE case_no = $1)
             WHERE scope = 'individual' AND entity = $2",
            &[case_no, no],
        )
        .await?;
    }
    if !plan.fields.is_empty() {
        let n = plan.fields.len();
        let (mut sc, mut en, mut fi, mut ca, mut va, mut se, mut hl, mut de) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for (key, row) in &plan.fields {
            sc.push(key.scope.as_str());
            en.push(key.entity.as_str());
            fi.push(key.field.as_str());
            ca.push(row.case_no.as_str());
            va.push(row.value.as_deref());
            se.push(to_i64(row.seq)?);
            hl.push(to_i64(row.hlc)?);
            de.push(row.device.to_string());
        }
        tx.execute(
            "INSERT INTO field_value (scope, entity, field, case_no, value, server_seq, hlc, device_id, site)
             SELECT u.*, COALESCE((SELECT c.site FROM case_site c WHERE c.case_no = u.ca), '')
             FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                         $6::int8[], $7::int8[], $8::text[]) AS u (sc, en, fi, ca, va, se, hl, de)
             ON CONFLICT (scope, entity, field) DO UPDATE SET case_no = EXCLUDED.case_no,
                 value = EXCLUDED.value, server_seq = EXCLUDED.server_seq, hlc = EXCLUDED.hlc,
                 device_id = EXCLUDED.device_id, site = EXCLUDED.site",
            &[&sc, &en, &fi, &ca, &va, &se, &hl, &de],
        )
        .await?;
    }
    if !plan.events.is_empty() {
        let ids: Vec<&str> = plan.events.iter().map(|e| e.id.as_str()).collect();
        let cases: Vec<&str> = plan.events.iter().map(|e| e.case_no.as_str()).collect();
        let kinds: Vec<&str> = plan.events.iter().map(|e| e.kind.as_str()).collect();
        let jsons: Vec<&str> = plan.events.iter().map(|e| e.json.as_str()).collect();
        let seqs = plan
            .events
            .iter()
            .map(|e| to_i64(e.seq))
            .collect::<Result<Vec<_>, _>>()?;
        tx.execute(
            "INSERT INTO event (id, case_no, kind, json, server_seq, device_id, site)
             SELECT u.*, $6, COALESCE((SELECT c.site FROM case_site c WHERE c.case_no = u.ca), '')
             FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[])
                  AS u (id, ca, ki, js, se)",
            &[&ids, &cases, &kinds, &jsons, &seqs, &device_id],
        )
        .await?;
    }
    for c in &plan.conflicts {
        tx.execute(
            "INSERT INTO conflict (id, scope, entity, case_no, field, winner, loser, winner_device,
                                   loser_device, resolved, server_seq, site)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, FALSE, $1,
                     COALESCE((SELECT c.site FROM case_site c WHERE c.case_no = $4), ''))",
            &[
                &to_i64(c.id)?,
                &c.key.scope.as_str(),
                &c.key.entity,
                &c.case_no,
                &c.key.field,
                &c.winner,
                &c.loser,
                &c.winner_device,
                &c.loser_device,
            ],
        )
        .await?;
    }
    for &(id, seq) in &plan.resolved {
        tx.execute(
            "UPDATE conflict SET resolved = TRUE, server_seq = $1 WHERE id = $2",
            &[&to_i64(seq)?, &to_i64(id)?],
        )
        .await?;
    }
    for (case_no, old_site) in &plan.moved_cases {
        let new_site = plan.cases.get(case_no).cloned().unwrap_or_default();
        let seq = take(&mut plan.next_seq);
        tx.execute(
            "INSERT INTO removal (server_seq, case_no, site) VALUES ($1, $2, $3)",
            &[&to_i64(seq)?, case_no, old_site],
        )
        .await?;
        for (select, update) in [
            (
                "SELECT ctid::text FROM field_value WHERE case_no = $1 ORDER BY server_seq",
                "UPDATE field_value SET server_seq = $1, site = $3 WHERE ctid = $2::text::tid",
            ),
            (
                "SELECT ctid::text FROM event WHERE case_no = $1 ORDER BY server_seq",
                "UPDATE event SET server_seq = $1, site = $3 WHERE ctid = $2::text::tid",
            ),
            (
                "SELECT ctid::text FROM conflict WHERE case_no = $1 AND NOT resolved ORDER BY server_seq",
                "UPDATE conflict SET server_seq = $1, site = $3 WHERE ctid = $2::text::tid",
            ),
        ] {
            let rows = tx.query(select, &[case_no]).await?;
            for r in rows {
                let ctid: String = r.get(0);
                let seq = take(&mut plan.next_seq);
                tx.execute(update, &[&to_i64(seq)?, &ctid, &new_site])
                    .await?;
            }
        }
    }
    arrivals::follow(tx, plan).await?;
    tx.execute(
        "UPDATE device SET last_client_seq = $1 WHERE id = $2",
        &[&to_i64(plan.acked_up_to)?, &device_id],
    )
    .await?;
    tx.execute(
        "UPDATE server_state SET next_seq = $1 WHERE id = 1",
        &[&to_i64(plan.next_seq)?],
    )
    .await?;
    Ok(())
}

fn take(next: &mut u64) -> u64 {
    let seq = *next;
    *next += 1;
    seq
}

const MY_SITES: &str = "(SELECT site FROM device_site WHERE device_id = $2)";

async fn pull(
    tx: &Transaction<'_>,
    device: &Device,
    after: u64,
    limit: u32,
    own: std::ops::Range<u64>,
) -> Result<Page, ServerStoreError> {
    let (own_from, own_to) = (to_i64(own.start)?, to_i64(own.end)?);
    let next_seq: i64 = tx
        .query_one("SELECT next_seq FROM server_state WHERE id = 1", &[])
        .await?
        .get(0);
    let committed_max = to_u64(next_seq)?.saturating_sub(1);
    let after_db = to_i64(after)?;
    let fetch = i64::from(limit) + 1;
    let device_id = device.id.to_string();
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 3] = [&after_db, &device_id, &fetch];
    let mut changes = Vec::new();
    let mut conflicts = Vec::new();

    // Each of the device's sites is read in sequence order from its (site, server_seq) index,
    // at most limit + 1 rows each; assemble_page cuts the merged lists at the limit.
    for site in &device.sites {
        let by_site: [&(dyn tokio_postgres::types::ToSql + Sync); 3] = [&after_db, site, &fetch];
        let mine: [&(dyn tokio_postgres::types::ToSql + Sync); 6] =
            [&after_db, site, &fetch, &device_id, &own_from, &own_to];
        let sql = "SELECT server_seq, scope, entity, case_no, field, value FROM field_value
               WHERE site = $2 AND server_seq > $1
                 AND NOT (server_seq >= $5 AND server_seq < $6 AND device_id = $4)
               ORDER BY server_seq LIMIT $3";
        for r in tx.query(sql, &mine).await? {
            changes.push(ServerChange {
                server_seq: to_u64(r.get(0))?,
                scope: scope(r.get(1))?,
                entity: r.get(2),
                case_no: r.get(3),
                body: ServerBody::Field {
                    field: r.get(4),
                    value: r.get(5),
                },
            });
        }
        let sql = "SELECT server_seq, id, case_no, kind, json FROM event
               WHERE site = $2 AND server_seq > $1
                 AND NOT (server_seq >= $5 AND server_seq < $6 AND device_id = $4)
               ORDER BY server_seq LIMIT $3";
        for r in tx.query(sql, &mine).await? {
            changes.push(ServerChange {
                server_seq: to_u64(r.get(0))?,
                scope: Scope::Event,
                entity: r.get(1),
                case_no: r.get(2),
                body: ServerBody::Event {
                    kind: r.get(3),
                    json: r.get(4),
                },
            });
        }
        let sql = "SELECT id, server_seq, scope, entity, case_no, field, winner, loser,
                      winner_device, loser_device, resolved FROM conflict
               WHERE site = $2 AND server_seq > $1 ORDER BY server_seq LIMIT $3";
        for r in tx.query(sql, &by_site).await? {
            conflicts.push(Conflict {
                id: to_u64(r.get(0))?,
                server_seq: to_u64(r.get(1))?,
                scope: scope(r.get(2))?,
                entity: r.get(3),
                case_no: r.get(4),
                field: r.get(5),
                winner: r.get(6),
                loser: r.get(7),
                winner_device: r.get(8),
                loser_device: r.get(9),
                resolved: r.get(10),
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
    )
    .await?;
    let sql = format!(
        "SELECT r.server_seq, r.case_no
         FROM removal r LEFT JOIN case_site c ON c.case_no = r.case_no
         WHERE r.server_seq > $1 AND r.site IN {MY_SITES}
           AND (c.site IS NULL OR c.site NOT IN {MY_SITES})
         ORDER BY r.server_seq LIMIT $3"
    );
    for r in tx.query(&sql, &params).await? {
        let case_no: String = r.get(1);
        changes.push(ServerChange {
            server_seq: to_u64(r.get(0))?,
            scope: Scope::Case,
            entity: case_no.clone(),
            case_no,
            body: ServerBody::Remove,
        });
    }
    Ok(assemble_page(
        changes,
        conflicts,
        after,
        limit,
        committed_max,
    ))
}
