//! Reading pulled events, and keeping the ones this version cannot read.
//!
//! A laptop of a newer version may record an event of a kind this one does not know yet, and
//! a faulty or hostile device may send content that does not parse. Such an event must not stop
//! the sync of every laptop of the site: it is kept as received in `unreadable_event`, counted
//! in the status, and read again at every open and every sync, so that an upgraded Waypoint
//! files it with the others.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use waypoint_domain::FieldEvent;

use crate::StoreError;

/// What the store needs of an event to file it with the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventFacts {
    /// The kind it is filed under (as the pushing device named it).
    pub kind: String,
    /// The individual the event is about, if it is about one person.
    pub individual_no: Option<String>,
    pub at: DateTime<Utc>,
}

/// Reads an event from its kind (as sent) and its JSON; `Err` says why it cannot (never
/// quoting the content).
pub type EventReader = Arc<dyn Fn(&str, &str) -> Result<EventFacts, String> + Send + Sync>;

/// The event kinds this version of Waypoint knows.
pub fn read_known_event(kind: &str, json: &str) -> Result<EventFacts, String> {
    let event: FieldEvent = serde_json::from_str(json)
        .map_err(|_| format!("not an event this version of Waypoint can read (kind {kind})"))?;
    if event.kind() != kind {
        return Err(format!(
            "an event sent as {kind} whose content is of another kind"
        ));
    }
    Ok(EventFacts {
        kind: kind.to_string(),
        individual_no: event.individual_no().map(str::to_string),
        at: event.at(),
    })
}

/// The reader a store uses; tests put in one that knows a kind the product does not yet.
#[derive(Clone)]
pub(crate) struct ReaderSlot(pub(crate) EventReader);

impl Default for ReaderSlot {
    fn default() -> Self {
        ReaderSlot(Arc::new(read_known_event))
    }
}

impl std::fmt::Debug for ReaderSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EventReader")
    }
}

/// Files a pulled event: in `event` when `read` can read it (once by id), else kept as received
/// in `unreadable_event`. Returns (filed as readable, kept as unreadable), each 0 or 1.
pub(crate) fn file_event(
    tx: &Connection,
    read: &EventReader,
    id: &str,
    kind: &str,
    case_no: &str,
    json: &str,
    server_seq: i64,
) -> Result<(u64, u64), StoreError> {
    match read(kind, json) {
        Ok(facts) => {
            let inserted = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO event (id, kind, case_no, individual_no, at, payload)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute((
                    id,
                    &facts.kind,
                    case_no,
                    &facts.individual_no,
                    facts.at.to_rfc3339(),
                    json,
                ))?;
            Ok((inserted as u64, 0))
        }
        Err(_) => {
            let kept = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO unreadable_event
                         (id, kind, case_no, payload, server_seq, received_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute((id, kind, case_no, json, server_seq, Utc::now().to_rfc3339()))?;
            Ok((0, kept as u64))
        }
    }
}

/// Tries every kept event again with `read` (inside the caller's transaction): those it can
/// read now move to `event`. Returns how many moved.
pub(crate) fn read_kept_events(tx: &Connection, read: &EventReader) -> Result<u64, StoreError> {
    let kept: Vec<(String, String, String, String)> = tx
        .prepare_cached("SELECT id, kind, case_no, payload FROM unreadable_event ORDER BY id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<Result<_, _>>()?;
    let mut moved = 0;
    for (id, kind, case_no, payload) in kept {
        if read(&kind, &payload).is_err() {
            continue;
        }
        file_event(tx, read, &id, &kind, &case_no, &payload, 0)?;
        tx.prepare_cached("DELETE FROM unreadable_event WHERE id = ?1")?
            .execute([&id])?;
        moved += 1;
    }
    Ok(moved)
}
