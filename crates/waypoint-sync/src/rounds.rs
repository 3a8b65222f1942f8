//! The sync loop: rounds of one `POST /v1/sync` each, pushing the outbox and pulling the
//! device's scope until both are done, each answer stored in its own transaction.

use waypoint_domain::Field;
use waypoint_protocol as wire;
use waypoint_store::{Applied, Store};

use crate::audit::push_audit_log;
use crate::convert::{conflict_from_wire, from_wire, seq, to_wire};
use crate::error::SyncError;
use crate::http::{Server, Session};
use crate::report::{Progress, Refused, SyncReport};
use crate::staff::{apply_directory, held_directory};
use crate::transport::Transport;

/// How many outbox entries travel in one round.
pub const PUSH_BATCH: usize = 2_000;
// A push never goes over the protocol's caps (the server refuses it whole): as many changes,
// and a new record's fields (one per `Field`).
const _: () = assert!(PUSH_BATCH <= wire::MAX_CHANGES_PER_PUSH);
const _: () = assert!(Field::COUNT <= wire::MAX_FIELDS_PER_RECORD);
/// Field values asked for per pulled page (the server's largest page).
pub const PULL_LIMIT: u32 = wire::MAX_PULL_LIMIT;

/// Pushes every change in the outbox and pulls everything new in this device's scope, in
/// rounds of one request each, until both are done. Each round's answer is stored in one
/// transaction (acknowledgement) and one more (the page with its cursor), so an interrupted
/// sync loses nothing and repeats at most one round. The outcome is recorded for `status`.
pub fn sync(
    store: &mut Store,
    progress: &mut dyn FnMut(Progress),
) -> Result<SyncReport, SyncError> {
    let state = store.sync_state()?;
    let (Some(address), Some(token)) = (state.server_url, state.token) else {
        return Err(SyncError::NotEnrolled);
    };
    let server = Server::new(&address, Some(&token))?;
    let session = Session::new(server, held_directory(store)?.digest());
    let mut report = sync_with(store, &session, progress)?;
    // The directory travels only when it changed: one more request, after the data.
    if session.directory_changed() {
        let (directory, received) = session.directory()?;
        report.round_trips += 1;
        report.bytes_received += received;
        report.signed_out = apply_directory(store, &directory)?;
        report.directory_updated = true;
    }
    // The audit log travels last, on its own: entries the server does not hold yet.
    push_audit_log(store, &session, &mut report)?;
    Ok(report)
}

/// [`sync`] over any [`Transport`].
pub fn sync_with(
    store: &mut Store,
    transport: &dyn Transport,
    progress: &mut dyn FnMut(Progress),
) -> Result<SyncReport, SyncError> {
    let result = run(store, transport, progress);
    let now = chrono::Utc::now();
    match &result {
        Ok(_) => store.record_sync_attempt(now, None)?,
        Err(e) => {
            // A failed sync is remembered for `waypoint status`; the first error stays the one reported.
            let _ = store.record_sync_attempt(now, Some(&e.to_string()));
        }
    }
    result
}

/// One answered round trip, with what its request carried.
struct Round {
    answer: wire::SyncResponse,
    sent_bytes: u64,
    received_bytes: u64,
    /// Outbox entries the request carried, and the last one's `client_seq`.
    count: usize,
    last_sent: i64,
}

/// Sends the oldest outbox entries (at most [`PUSH_BATCH`]) and asks for the page after `cursor`.
fn push_round(store: &Store, transport: &dyn Transport, cursor: u64) -> Result<Round, SyncError> {
    let outgoing = store.outgoing(0, PUSH_BATCH)?;
    let count = outgoing.len();
    let last_sent = outgoing.last().map_or(0, |c| c.client_seq);
    let request = wire::SyncRequest {
        schema_version: wire::SCHEMA_VERSION,
        after: cursor,
        limit: PULL_LIMIT,
        changes: outgoing.into_iter().map(to_wire).collect(),
    };
    let (answer, sent_bytes, received_bytes) = transport.round(&request)?;
    Ok(Round {
        answer,
        sent_bytes,
        received_bytes,
        count,
        last_sent,
    })
}

/// Asks for the page after `cursor`, pushing nothing.
fn pull_round(transport: &dyn Transport, cursor: u64) -> Result<Round, SyncError> {
    let request = wire::SyncRequest {
        schema_version: wire::SCHEMA_VERSION,
        after: cursor,
        limit: PULL_LIMIT,
        changes: Vec::new(),
    };
    let (answer, sent_bytes, received_bytes) = transport.round(&request)?;
    Ok(Round {
        answer,
        sent_bytes,
        received_bytes,
        count: 0,
        last_sent: 0,
    })
}

/// Turns a page into the store's types and applies it with its cursor (one transaction).
fn apply_page(store: &mut Store, page: wire::PullPage) -> Result<Applied, SyncError> {
    let changes = page
        .changes
        .into_iter()
        .map(from_wire)
        .collect::<Result<Vec<_>, _>>()?;
    let conflicts = page
        .conflicts
        .into_iter()
        .map(conflict_from_wire)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(store.apply_incoming(
        &changes,
        &conflicts,
        seq(page.next_cursor)?,
        page.server_hlc,
    )?)
}

fn run(
    store: &mut Store,
    transport: &dyn Transport,
    progress: &mut dyn FnMut(Progress),
) -> Result<SyncReport, SyncError> {
    let mut report = SyncReport {
        server: transport.server(),
        ..SyncReport::default()
    };
    let to_send = store.outbox_len()?;
    let mut cursor = u64::try_from(store.sync_state()?.cursor).unwrap_or(0);
    // A pull-only round already answered (fetched while the page before it was applied).
    let mut prefetched: Option<Round> = None;
    loop {
        let round = match prefetched.take() {
            Some(round) => round,
            None => push_round(store, transport, cursor)?,
        };
        let Round {
            answer,
            sent_bytes,
            received_bytes,
            count,
            last_sent,
        } = round;
        report.round_trips += 1;
        report.bytes_sent += sent_bytes;
        report.bytes_received += received_bytes;

        let refused: Vec<(i64, String)> = answer
            .push
            .refused
            .iter()
            .map(|r| Ok((seq(r.client_seq)?, r.reason.clone())))
            .collect::<Result<_, SyncError>>()?;
        store.acknowledge(seq(answer.push.acked_up_to)?, &refused)?;
        report.sent += count as u64;
        report.accepted += (count - refused.len().min(count)) as u64;
        // Done pushing when this round emptied the outbox (an empty round counts).
        let all_pushed = count < PUSH_BATCH && seq(answer.push.acked_up_to)? >= last_sent;
        report
            .refused
            .extend(answer.push.refused.into_iter().map(|r| Refused {
                client_seq: r.client_seq,
                reason: r.reason,
            }));

        let page = answer.page;
        let more = page.more;
        let next_cursor = cursor.max(page.next_cursor);
        // With nothing left to push, the next page is fetched while this one is applied (the
        // server and this device work at the same time). The page is still applied before the
        // next one, each with its own cursor, so an interruption repeats at most one page.
        let applied = if all_pushed && more {
            let device: &mut Store = store;
            let (applied, next) = std::thread::scope(|s| {
                let worker = s.spawn(move || apply_page(device, page));
                let next = pull_round(transport, next_cursor);
                let applied = worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (applied, next)
            });
            let applied = applied?;
            // A page that stopped the cursor is asked for again from there, not skipped.
            if !applied.cursor_held {
                prefetched = Some(next?);
            }
            applied
        } else {
            apply_page(store, page)?
        };
        let Applied {
            fields,
            events,
            removed_cases,
            kept_local,
            unreadable_events,
            events_read_again,
            cursor_held,
        } = applied;
        report.received_fields += fields;
        report.received_events += events + events_read_again;
        report.removed_cases += removed_cases;
        report.kept_local += kept_local;
        report.unreadable_events += unreadable_events;
        // The store stops the cursor before a value kept because of a change still to push:
        // once that change is pushed, the value comes again with the server's verdict.
        cursor = if cursor_held {
            u64::try_from(store.sync_state()?.cursor).unwrap_or(0)
        } else {
            next_cursor
        };
        progress(Progress {
            round: report.round_trips,
            sent: report.sent,
            to_send,
            received: report.received_fields + report.received_events + report.removed_cases,
        });

        // A held cursor means an edit made during this sync: the next round pushes it and
        // pulls its verdict.
        if all_pushed && !more && !cursor_held {
            break;
        }
    }
    report.open_conflicts = store.conflicts(false)?.len() as u64;
    report.pending = store.outbox_len()?;
    report.retired = transport.retired();
    Ok(report)
}
