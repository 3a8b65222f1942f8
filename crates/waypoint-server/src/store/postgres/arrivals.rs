//! The port-of-entry scope on PostgreSQL: a site's airport, the arrivals bookings decide, and
//! what a port-of-entry device receives (docs/sync-protocol.md, "Port-of-entry scope"). The
//! rules are `crate::merge`'s (`arrivals.rs`); this file only loads and writes, as
//! `store/sqlite/arrivals.rs` does.

use std::collections::BTreeSet;

use async_trait::async_trait;
use deadpool_postgres::Transaction;
use tokio_postgres::types::ToSql;
use waypoint_protocol::{Scope, ServerBody, ServerChange};

use crate::merge::{
    ABOUT_BOOKING, ABOUT_REPLACES, ARRIVAL_RETENTION_MS, Arrival, Plan, Snapshot, Wanted,
    booking_arrivals, event_about, redeliveries, touched_bookings,
};
use crate::store::{ArrivalStore, ServerStoreError, to_i64, to_u64};

use super::{PgStore, scope};

/// The airports of the device's sites.
const MY_AIRPORTS: &str = "(SELECT airport FROM site_airport WHERE site IN
    (SELECT site FROM device_site WHERE device_id = $2))";

/// The events a port of entry receives of an arrival's case: those about the whole case, the
/// arriving traveller, or the booking they arrive on. `e` is the event, `a` the arrival.
const ABOUT_ARRIVAL: &str = "EXISTS (SELECT 1 FROM event_about b
    WHERE b.event_id = e.id AND (b.about = 'case'
        OR (b.about = 'individual' AND b.value = a.individual_no)
        OR (b.about = 'booking' AND b.value = a.booking_ref)))";

#[async_trait]
impl ArrivalStore for PgStore {
    async fn set_site_airport(&self, site: &str, airport: &str) -> Result<(), ServerStoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let mut next = lock_next_seq(&tx).await?;
        if tx
            .query_opt("SELECT 1 FROM site WHERE code = $1", &[&site])
            .await?
            .is_none()
        {
            return Err(ServerStoreError::NoSuchSite(site.to_string()));
        }
        let old: Option<String> = tx
            .query_opt("SELECT airport FROM site_airport WHERE site = $1", &[&site])
            .await?
            .map(|r| r.get(0));
        if old.as_deref() == Some(airport) {
            return Ok(());
        }
        tx.execute(
            "INSERT INTO site_airport (site, airport) VALUES ($1, $2)
             ON CONFLICT (site) DO UPDATE SET airport = EXCLUDED.airport",
            &[&site, &airport],
        )
        .await?;
        // The old airport's travellers leave the site's devices; the new one's reach them
        // whatever their cursor (their rows were numbered before).
        if let Some(old) = old {
            for case_no in cases_at(&tx, &old).await? {
                tx.execute(
                    "INSERT INTO removal (server_seq, case_no, site) VALUES ($1, $2, $3)",
                    &[&to_i64(take(&mut next))?, &case_no, &site],
                )
                .await?;
            }
        }
        for case_no in cases_at(&tx, airport).await? {
            resend(&tx, airport, &case_no, &mut next).await?;
        }
        set_next_seq(&tx, next).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn site_airports(&self) -> Result<Vec<(String, String)>, ServerStoreError> {
        let client = self.pool.get().await?;
        Ok(client
            .query("SELECT site, airport FROM site_airport ORDER BY site", &[])
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }

    async fn arrivals_at(&self, airport: &str) -> Result<Vec<Arrival>, ServerStoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let rows = select_arrivals(
            &tx,
            "WHERE airport = $1 ORDER BY case_no, individual_no, booking_ref",
            &[&airport],
        )
        .await?;
        tx.commit().await?;
        Ok(rows)
    }

    async fn expire_arrivals(&self, now_ms: u64) -> Result<(), ServerStoreError> {
        let Some(before) = now_ms.checked_sub(ARRIVAL_RETENTION_MS) else {
            return Ok(());
        };
        let before = to_i64(before)?;
        let mut client = self.pool.get().await?;
        // Most pulls find nothing due: look before taking the write lock.
        if client
            .query_opt(
                "SELECT 1 FROM arrival WHERE arrives_ms <= $1 LIMIT 1",
                &[&before],
            )
            .await?
            .is_none()
        {
            return Ok(());
        }
        let tx = client.transaction().await?;
        let mut next = lock_next_seq(&tx).await?;
        let ended = select_arrivals(&tx, "WHERE arrives_ms <= $1", &[&before]).await?;
        change(&tx, &ended, &[], &mut next).await?;
        set_next_seq(&tx, next).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Of the batch's cases, those arriving at the device's airports, with who arrives.
pub(super) async fn load(
    tx: &Transaction<'_>,
    device_id: &str,
    wanted: &Wanted,
    snap: &mut Snapshot,
) -> Result<(), ServerStoreError> {
    let sql = format!(
        "SELECT case_no, individual_no, booking_ref FROM arrival
         WHERE case_no = ANY($1) AND airport IN {MY_AIRPORTS}"
    );
    for r in tx.query(&sql, &[&wanted.case_nos, &device_id]).await? {
        snap.arriving
            .entry(r.get(0))
            .or_default()
            .push((r.get(1), r.get(2)));
    }
    Ok(())
}

/// After a plan is written: indexes whom its new events concern, and recomputes the arrivals
/// of the bookings its booking events touch (sequence numbers from `plan.next_seq`).
pub(super) async fn follow(tx: &Transaction<'_>, plan: &mut Plan) -> Result<(), ServerStoreError> {
    for e in &plan.events {
        for (about, value) in event_about(e) {
            tx.execute(
                "INSERT INTO event_about (event_id, about, value) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
                &[&e.id, &about, &value],
            )
            .await?;
        }
    }
    for booking_ref in touched_bookings(&plan.events) {
        let jsons: Vec<String> = tx
            .query(
                "SELECT e.json FROM event e JOIN event_about b ON b.event_id = e.id
                 WHERE b.about = $1 AND b.value = $2 AND e.kind = 'booking'",
                &[&ABOUT_BOOKING, &booking_ref],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let replaced = tx
            .query_opt(
                "SELECT 1 FROM event_about WHERE about = $1 AND value = $2 LIMIT 1",
                &[&ABOUT_REPLACES, &booking_ref],
            )
            .await?
            .is_some();
        let now = booking_arrivals(&jsons, replaced, plan.now_ms);
        let was = select_arrivals(tx, "WHERE booking_ref = $1", &[&booking_ref]).await?;
        change(tx, &was, &now, &mut plan.next_seq).await?;
    }
    Ok(())
}

/// Replaces the arrivals `was` by `now` (the same booking's, or expired ones by none) and
/// writes what the airports' devices must be sent.
async fn change(
    tx: &Transaction<'_>,
    was: &[Arrival],
    now: &[Arrival],
    next: &mut u64,
) -> Result<(), ServerStoreError> {
    let mut sorted_was = was.to_vec();
    let mut sorted_now = now.to_vec();
    sorted_was.sort();
    sorted_now.sort();
    if sorted_was == sorted_now {
        return Ok(());
    }
    let pairs: BTreeSet<(String, String)> = was
        .iter()
        .chain(now)
        .map(|a| (a.airport.clone(), a.case_no.clone()))
        .collect();
    let before = arrivals_of(tx, &pairs).await?;
    for a in was {
        tx.execute(
            "DELETE FROM arrival WHERE booking_ref = $1 AND individual_no = $2",
            &[&a.booking_ref, &a.individual_no],
        )
        .await?;
    }
    for a in now {
        tx.execute(
            "INSERT INTO arrival (booking_ref, individual_no, case_no, airport, arrives_ms)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (booking_ref, individual_no) DO UPDATE SET case_no = EXCLUDED.case_no,
                 airport = EXCLUDED.airport, arrives_ms = EXCLUDED.arrives_ms",
            &[
                &a.booking_ref,
                &a.individual_no,
                &a.case_no,
                &a.airport,
                &to_i64(a.arrives_ms)?,
            ],
        )
        .await?;
    }
    let after = arrivals_of(tx, &pairs).await?;
    for r in redeliveries(&before, &after) {
        if r.remove {
            tx.execute(
                "INSERT INTO arrival_removal (server_seq, airport, case_no) VALUES ($1, $2, $3)",
                &[&to_i64(take(next))?, &r.airport, &r.case_no],
            )
            .await?;
        }
        if r.resend {
            resend(tx, &r.airport, &r.case_no, next).await?;
        }
    }
    Ok(())
}

/// Gives fresh sequence numbers to what the devices of `airport` receive of `case_no`: the
/// case's fields, the arriving travellers' fields, the events about them. The departure site's
/// devices receive them again too, which changes nothing there.
async fn resend(
    tx: &Transaction<'_>,
    airport: &str,
    case_no: &str,
    next: &mut u64,
) -> Result<(), ServerStoreError> {
    let fields = tx
        .query(
            "SELECT f.scope, f.entity, f.field FROM field_value f
             WHERE f.case_no = $1 AND (f.scope = 'case' OR (f.scope = 'individual' AND f.entity IN
                 (SELECT individual_no FROM arrival WHERE airport = $2 AND case_no = $1)))
             ORDER BY f.server_seq",
            &[&case_no, &airport],
        )
        .await?;
    for r in fields {
        let (sc, entity, field): (String, String, String) = (r.get(0), r.get(1), r.get(2));
        tx.execute(
            "UPDATE field_value SET server_seq = $1
             WHERE scope = $2 AND entity = $3 AND field = $4",
            &[&to_i64(take(next))?, &sc, &entity, &field],
        )
        .await?;
    }
    let sql = format!(
        "SELECT e.id FROM event e WHERE e.case_no = $1 AND EXISTS (SELECT 1 FROM arrival a
             WHERE a.airport = $2 AND a.case_no = $1 AND {ABOUT_ARRIVAL})
         ORDER BY e.server_seq"
    );
    for r in tx.query(&sql, &[&case_no, &airport]).await? {
        let id: String = r.get(0);
        tx.execute(
            "UPDATE event SET server_seq = $1 WHERE id = $2",
            &[&to_i64(take(next))?, &id],
        )
        .await?;
    }
    Ok(())
}

/// What a port-of-entry device receives after `after`, besides its own sites' rows: the
/// field values and events of the travellers arriving at its airports, and the removals there
/// (never of a case of its own sites). At most `fetch` of each, in sequence order.
pub(super) async fn pull(
    tx: &Transaction<'_>,
    device_id: &str,
    after: i64,
    fetch: i64,
    own: (i64, i64),
    changes: &mut Vec<ServerChange>,
) -> Result<(), ServerStoreError> {
    if tx
        .query_opt(
            "SELECT 1 FROM site_airport WHERE site IN
                 (SELECT site FROM device_site WHERE device_id = $1) LIMIT 1",
            &[&device_id],
        )
        .await?
        .is_none()
    {
        return Ok(());
    }
    let not_mine = "(SELECT site FROM device_site WHERE device_id = $2)";
    let params: [&(dyn ToSql + Sync); 5] = [&after, &device_id, &fetch, &own.0, &own.1];
    let sql = format!(
        "SELECT f.server_seq, f.scope, f.entity, f.case_no, f.field, f.value FROM field_value f
         WHERE f.server_seq > $1 AND f.site NOT IN {not_mine}
           AND NOT (f.server_seq >= $4 AND f.server_seq < $5 AND f.device_id = $2)
           AND f.case_no IN (SELECT case_no FROM arrival WHERE airport IN {MY_AIRPORTS})
           AND EXISTS (SELECT 1 FROM arrival a WHERE a.case_no = f.case_no
               AND a.airport IN {MY_AIRPORTS}
               AND (f.scope = 'case' OR (f.scope = 'individual' AND f.entity = a.individual_no)))
         ORDER BY f.server_seq LIMIT $3"
    );
    for r in tx.query(&sql, &params).await? {
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
    let sql = format!(
        "SELECT e.server_seq, e.id, e.case_no, e.kind, e.json FROM event e
         WHERE e.server_seq > $1 AND e.site NOT IN {not_mine}
           AND NOT (e.server_seq >= $4 AND e.server_seq < $5 AND e.device_id = $2)
           AND e.case_no IN (SELECT case_no FROM arrival WHERE airport IN {MY_AIRPORTS})
           AND EXISTS (SELECT 1 FROM arrival a WHERE a.case_no = e.case_no
               AND a.airport IN {MY_AIRPORTS} AND {ABOUT_ARRIVAL})
         ORDER BY e.server_seq LIMIT $3"
    );
    for r in tx.query(&sql, &params).await? {
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
    let sql = format!(
        "SELECT r.server_seq, r.case_no
         FROM arrival_removal r LEFT JOIN case_site c ON c.case_no = r.case_no
         WHERE r.server_seq > $1 AND r.airport IN {MY_AIRPORTS}
           AND (c.site IS NULL OR c.site NOT IN {not_mine})
         ORDER BY r.server_seq LIMIT $3"
    );
    for r in tx.query(&sql, &params[..3]).await? {
        let case_no: String = r.get(1);
        changes.push(ServerChange {
            server_seq: to_u64(r.get(0))?,
            scope: Scope::Case,
            entity: case_no.clone(),
            case_no,
            body: ServerBody::Remove,
        });
    }
    Ok(())
}

async fn select_arrivals(
    tx: &Transaction<'_>,
    filter: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Vec<Arrival>, ServerStoreError> {
    let sql = format!(
        "SELECT booking_ref, individual_no, case_no, airport, arrives_ms FROM arrival {filter}"
    );
    tx.query(&sql, params)
        .await?
        .iter()
        .map(|r| {
            Ok(Arrival {
                booking_ref: r.get(0),
                individual_no: r.get(1),
                case_no: r.get(2),
                airport: r.get(3),
                arrives_ms: to_u64(r.get(4))?,
            })
        })
        .collect()
}

async fn arrivals_of(
    tx: &Transaction<'_>,
    pairs: &BTreeSet<(String, String)>,
) -> Result<Vec<Arrival>, ServerStoreError> {
    let mut all = Vec::new();
    for (airport, case_no) in pairs {
        all.extend(
            select_arrivals(
                tx,
                "WHERE airport = $1 AND case_no = $2",
                &[airport, case_no],
            )
            .await?,
        );
    }
    Ok(all)
}

async fn cases_at(tx: &Transaction<'_>, airport: &str) -> Result<Vec<String>, ServerStoreError> {
    Ok(tx
        .query(
            "SELECT DISTINCT case_no FROM arrival WHERE airport = $1 ORDER BY case_no",
            &[&airport],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect())
}

/// The next sequence number, locked until the transaction ends (as a push locks it).
async fn lock_next_seq(tx: &Transaction<'_>) -> Result<u64, ServerStoreError> {
    to_u64(
        tx.query_one(
            "SELECT next_seq FROM server_state WHERE id = 1 FOR UPDATE",
            &[],
        )
        .await?
        .get(0),
    )
}

async fn set_next_seq(tx: &Transaction<'_>, next: u64) -> Result<(), ServerStoreError> {
    tx.execute(
        "UPDATE server_state SET next_seq = $1 WHERE id = 1",
        &[&to_i64(next)?],
    )
    .await?;
    Ok(())
}

fn take(next: &mut u64) -> u64 {
    let seq = *next;
    *next += 1;
    seq
}
