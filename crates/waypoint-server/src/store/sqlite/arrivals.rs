//! The port-of-entry scope on SQLite: a site's airport, the arrivals bookings decide, and what
//! a port-of-entry device receives (docs/sync-protocol.md, "Port-of-entry scope"). The rules
//! are `crate::merge`'s (`arrivals.rs`); this file only loads and writes.

use std::collections::BTreeSet;

use async_trait::async_trait;
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use waypoint_protocol::{Scope, ServerBody, ServerChange};

use crate::merge::{
    ABOUT_BOOKING, ABOUT_REPLACES, ARRIVAL_RETENTION_MS, Arrival, Plan, Snapshot, Wanted,
    booking_arrivals, event_about, redeliveries, touched_bookings,
};
use crate::store::{ArrivalStore, ServerStoreError, to_i64, to_u64};

use super::{SqliteStore, scope};

/// The airports of the device's sites.
const MY_AIRPORTS: &str = "(SELECT airport FROM site_airport WHERE site IN
    (SELECT site FROM device_site WHERE device_id = ?2))";

/// The events a port of entry receives of an arrival's case: those about the whole case, the
/// arriving traveller, or the booking they arrive on. `e` is the event, `a` the arrival.
const ABOUT_ARRIVAL: &str = "EXISTS (SELECT 1 FROM event_about b
    WHERE b.event_id = e.id AND (b.about = 'case'
        OR (b.about = 'individual' AND b.value = a.individual_no)
        OR (b.about = 'booking' AND b.value = a.booking_ref)))";

#[async_trait]
impl ArrivalStore for SqliteStore {
    async fn set_site_airport(&self, site: &str, airport: &str) -> Result<(), ServerStoreError> {
        let (site, airport) = (site.to_string(), airport.to_string());
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let exists = tx
                .query_row("SELECT 1 FROM site WHERE code = ?1", [&site], |_| Ok(()))
                .optional()?;
            if exists.is_none() {
                return Err(ServerStoreError::NoSuchSite(site));
            }
            let old: Option<String> = tx
                .query_row(
                    "SELECT airport FROM site_airport WHERE site = ?1",
                    [&site],
                    |r| r.get(0),
                )
                .optional()?;
            if old.as_deref() == Some(airport.as_str()) {
                return Ok(());
            }
            tx.execute(
                "INSERT INTO site_airport (site, airport) VALUES (?1, ?2)
                 ON CONFLICT (site) DO UPDATE SET airport = excluded.airport",
                [&site, &airport],
            )?;
            let mut next = next_seq(&tx)?;
            // The old airport's travellers leave the site's devices; the new one's reach them
            // whatever their cursor (their rows were numbered before).
            if let Some(old) = old {
                for case_no in cases_at(&tx, &old)? {
                    tx.execute(
                        "INSERT INTO removal (server_seq, case_no, site) VALUES (?1, ?2, ?3)",
                        params![to_i64(take(&mut next))?, case_no, site],
                    )?;
                }
            }
            for case_no in cases_at(&tx, &airport)? {
                resend(&tx, &airport, &case_no, &mut next)?;
            }
            set_next_seq(&tx, next)?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn site_airports(&self) -> Result<Vec<(String, String)>, ServerStoreError> {
        self.read(|conn| {
            Ok(conn
                .prepare("SELECT site, airport FROM site_airport ORDER BY site")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn arrivals_at(&self, airport: &str) -> Result<Vec<Arrival>, ServerStoreError> {
        let airport = airport.to_string();
        self.read(move |conn| {
            let tx = conn.transaction()?;
            let rows = select_arrivals(
                &tx,
                "WHERE airport = ?1 ORDER BY case_no, individual_no, booking_ref",
                [&airport],
            )?;
            tx.commit()?;
            Ok(rows)
        })
        .await
    }

    async fn expire_arrivals(&self, now_ms: u64) -> Result<(), ServerStoreError> {
        let Some(before) = now_ms.checked_sub(ARRIVAL_RETENTION_MS) else {
            return Ok(());
        };
        let before = to_i64(before)?;
        // Most pulls find nothing due: look before taking the write lock.
        let due = self
            .read(move |conn| {
                Ok(conn
                    .query_row(
                        "SELECT 1 FROM arrival WHERE arrives_ms <= ?1 LIMIT 1",
                        [before],
                        |_| Ok(()),
                    )
                    .optional()?
                    .is_some())
            })
            .await?;
        if !due {
            return Ok(());
        }
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let ended = select_arrivals(&tx, "WHERE arrives_ms <= ?1", [before])?;
            let mut next = next_seq(&tx)?;
            change(&tx, &ended, &[], &mut next)?;
            set_next_seq(&tx, next)?;
            tx.commit()?;
            Ok(())
        })
        .await
    }
}

/// Of the batch's cases, those arriving at the device's airports, with who arrives.
pub(super) fn load(
    tx: &Transaction<'_>,
    device_id: &str,
    wanted: &Wanted,
    snap: &mut Snapshot,
) -> Result<(), ServerStoreError> {
    // Most devices are no port of entry: one look, not one per case of a large batch.
    if !has_airport(tx, device_id)? {
        return Ok(());
    }
    let sql = format!(
        "SELECT individual_no, booking_ref FROM arrival
         WHERE case_no = ?1 AND airport IN {MY_AIRPORTS}"
    );
    let mut stmt = tx.prepare_cached(&sql)?;
    for case_no in &wanted.case_nos {
        let who = stmt
            .query_map(params![case_no, device_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<(String, String)>, _>>()?;
        if !who.is_empty() {
            snap.arriving.insert(case_no.clone(), who);
        }
    }
    Ok(())
}

/// After a plan is written: indexes whom its new events concern, and recomputes the arrivals
/// of the bookings its booking events touch (sequence numbers from `plan.next_seq`).
pub(super) fn follow(tx: &Transaction<'_>, plan: &mut Plan) -> Result<(), ServerStoreError> {
    let mut stmt = tx.prepare_cached(
        "INSERT OR IGNORE INTO event_about (event_id, about, value) VALUES (?1, ?2, ?3)",
    )?;
    for e in &plan.events {
        for (about, value) in event_about(e) {
            stmt.execute(params![e.id, about, value])?;
        }
    }
    for booking_ref in touched_bookings(&plan.events) {
        let jsons = tx
            .prepare_cached(
                "SELECT e.json FROM event e JOIN event_about b ON b.event_id = e.id
                 WHERE b.about = ?1 AND b.value = ?2 AND e.kind = 'booking'",
            )?
            .query_map(params![ABOUT_BOOKING, booking_ref], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        let replaced = tx
            .prepare_cached("SELECT 1 FROM event_about WHERE about = ?1 AND value = ?2 LIMIT 1")?
            .query_row(params![ABOUT_REPLACES, booking_ref], |_| Ok(()))
            .optional()?
            .is_some();
        let now = booking_arrivals(&jsons, replaced, plan.now_ms);
        let was = select_arrivals(tx, "WHERE booking_ref = ?1", [&booking_ref])?;
        change(tx, &was, &now, &mut plan.next_seq)?;
    }
    Ok(())
}

/// Replaces the arrivals `was` by `now` (the same booking's, or expired ones by none) and
/// writes what the airports' devices must be sent.
fn change(
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
    let before = arrivals_of(tx, &pairs)?;
    for a in was {
        tx.execute(
            "DELETE FROM arrival WHERE booking_ref = ?1 AND individual_no = ?2",
            [&a.booking_ref, &a.individual_no],
        )?;
    }
    for a in now {
        tx.execute(
            "INSERT INTO arrival (booking_ref, individual_no, case_no, airport, arrives_ms)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (booking_ref, individual_no) DO UPDATE SET case_no = excluded.case_no,
                 airport = excluded.airport, arrives_ms = excluded.arrives_ms",
            params![
                a.booking_ref,
                a.individual_no,
                a.case_no,
                a.airport,
                to_i64(a.arrives_ms)?
            ],
        )?;
    }
    let after = arrivals_of(tx, &pairs)?;
    for r in redeliveries(&before, &after) {
        if r.remove {
            tx.execute(
                "INSERT INTO arrival_removal (server_seq, airport, case_no) VALUES (?1, ?2, ?3)",
                params![to_i64(take(next))?, r.airport, r.case_no],
            )?;
        }
        if r.resend {
            resend(tx, &r.airport, &r.case_no, next)?;
        }
    }
    Ok(())
}

/// Gives fresh sequence numbers to what the devices of `airport` receive of `case_no`: the
/// case's fields, the arriving travellers' fields, the events about them. The departure site's
/// devices receive them again too, which changes nothing there.
fn resend(
    tx: &Transaction<'_>,
    airport: &str,
    case_no: &str,
    next: &mut u64,
) -> Result<(), ServerStoreError> {
    let events = format!(
        "SELECT e.rowid FROM event e WHERE e.case_no = ?1 AND EXISTS (SELECT 1 FROM arrival a
             WHERE a.airport = ?2 AND a.case_no = ?1 AND {ABOUT_ARRIVAL})
         ORDER BY e.server_seq"
    );
    for (select, update) in [
        (
            "SELECT f.rowid FROM field_value f WHERE f.case_no = ?1 AND (f.scope = 'case'
                 OR (f.scope = 'individual' AND f.entity IN
                     (SELECT individual_no FROM arrival WHERE airport = ?2 AND case_no = ?1)))
             ORDER BY f.server_seq",
            "UPDATE field_value SET server_seq = ?1 WHERE rowid = ?2",
        ),
        (
            events.as_str(),
            "UPDATE event SET server_seq = ?1 WHERE rowid = ?2",
        ),
    ] {
        let rows = tx
            .prepare_cached(select)?
            .query_map([case_no, airport], |r| r.get::<_, i64>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        for rowid in rows {
            tx.execute(update, params![to_i64(take(next))?, rowid])?;
        }
    }
    Ok(())
}

/// What a port-of-entry device receives after `after`, besides its own sites' rows: the
/// field values and events of the travellers arriving at its airports, and the removals there
/// (never of a case of its own sites). At most `fetch` of each, in sequence order.
pub(super) fn pull(
    tx: &Transaction<'_>,
    device_id: &str,
    after: i64,
    fetch: i64,
    own: (i64, i64),
    changes: &mut Vec<ServerChange>,
) -> Result<(), ServerStoreError> {
    if !has_airport(tx, device_id)? {
        return Ok(());
    }
    let not_mine = "(SELECT site FROM device_site WHERE device_id = ?2)";
    let sql = format!(
        "SELECT f.server_seq, f.scope, f.entity, f.case_no, f.field, f.value FROM field_value f
         WHERE f.server_seq > ?1 AND f.site NOT IN {not_mine}
           AND NOT (f.server_seq >= ?4 AND f.server_seq < ?5 AND f.device_id = ?2)
           AND f.case_no IN (SELECT case_no FROM arrival WHERE airport IN {MY_AIRPORTS})
           AND EXISTS (SELECT 1 FROM arrival a WHERE a.case_no = f.case_no
               AND a.airport IN {MY_AIRPORTS}
               AND (f.scope = 'case' OR (f.scope = 'individual' AND f.entity = a.individual_no)))
         ORDER BY f.server_seq LIMIT ?3"
    );
    let rows = tx
        .prepare_cached(&sql)?
        .query_map(params![after, device_id, fetch, own.0, own.1], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
            ))
        })?
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
    let sql = format!(
        "SELECT e.server_seq, e.id, e.case_no, e.kind, e.json FROM event e
         WHERE e.server_seq > ?1 AND e.site NOT IN {not_mine}
           AND NOT (e.server_seq >= ?4 AND e.server_seq < ?5 AND e.device_id = ?2)
           AND e.case_no IN (SELECT case_no FROM arrival WHERE airport IN {MY_AIRPORTS})
           AND EXISTS (SELECT 1 FROM arrival a WHERE a.case_no = e.case_no
               AND a.airport IN {MY_AIRPORTS} AND {ABOUT_ARRIVAL})
         ORDER BY e.server_seq LIMIT ?3"
    );
    let rows = tx
        .prepare_cached(&sql)?
        .query_map(params![after, device_id, fetch, own.0, own.1], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?
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
    let sql = format!(
        "SELECT r.server_seq, r.case_no
         FROM arrival_removal r LEFT JOIN case_site c ON c.case_no = r.case_no
         WHERE r.server_seq > ?1 AND r.airport IN {MY_AIRPORTS}
           AND (c.site IS NULL OR c.site NOT IN {not_mine})
         ORDER BY r.server_seq LIMIT ?3"
    );
    let rows = tx
        .prepare_cached(&sql)?
        .query_map(params![after, device_id, fetch], |r| {
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
    Ok(())
}

/// Whether one of the device's sites is a port of entry.
fn has_airport(tx: &Transaction<'_>, device_id: &str) -> Result<bool, ServerStoreError> {
    Ok(tx
        .prepare_cached(
            "SELECT 1 FROM site_airport WHERE site IN
                 (SELECT site FROM device_site WHERE device_id = ?1) LIMIT 1",
        )?
        .query_row([device_id], |_| Ok(()))
        .optional()?
        .is_some())
}

fn select_arrivals<P: rusqlite::Params>(
    tx: &Transaction<'_>,
    filter: &str,
    params: P,
) -> Result<Vec<Arrival>, ServerStoreError> {
    let sql = format!(
        "SELECT booking_ref, individual_no, case_no, airport, arrives_ms FROM arrival {filter}"
    );
    let rows = tx
        .prepare_cached(&sql)?
        .query_map(params, |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(booking_ref, individual_no, case_no, airport, ms)| {
            Ok(Arrival {
                booking_ref,
                individual_no,
                case_no,
                airport,
                arrives_ms: to_u64(ms)?,
            })
        })
        .collect()
}

fn arrivals_of(
    tx: &Transaction<'_>,
    pairs: &BTreeSet<(String, String)>,
) -> Result<Vec<Arrival>, ServerStoreError> {
    let mut all = Vec::new();
    for (airport, case_no) in pairs {
        all.extend(select_arrivals(
            tx,
            "WHERE airport = ?1 AND case_no = ?2",
            [airport, case_no],
        )?);
    }
    Ok(all)
}

fn cases_at(tx: &Transaction<'_>, airport: &str) -> Result<Vec<String>, ServerStoreError> {
    Ok(tx
        .prepare_cached("SELECT DISTINCT case_no FROM arrival WHERE airport = ?1 ORDER BY case_no")?
        .query_map([airport], |r| r.get(0))?
        .collect::<Result<Vec<_>, _>>()?)
}

fn next_seq(tx: &Transaction<'_>) -> Result<u64, ServerStoreError> {
    to_u64(
        tx.query_row("SELECT next_seq FROM server_state WHERE id = 1", [], |r| {
            r.get(0)
        })?,
    )
}

fn set_next_seq(tx: &Transaction<'_>, next: u64) -> Result<(), ServerStoreError> {
    tx.execute(
        "UPDATE server_state SET next_seq = ?1 WHERE id = 1",
        [to_i64(next)?],
    )?;
    Ok(())
}

fn take(next: &mut u64) -> u64 {
    let seq = *next;
    *next += 1;
    seq
}
