//! The device's side of sync, without the network: what to push, what the server
//! acknowledged or refused, applying what was pulled, conflicts, and the sync bookkeeping.
//!
//! Applying pulled changes never writes to the outbox: they are the server's, not this
//! device's. A field with a change of this device still waiting to be pushed keeps its local
//! value until that change has been pushed, and the cursor stops before that pulled value, so
//! that the next pull, after the push, brings the server's verdict whether the change won or
//! lost. A pulled value that changes a field counts as edited in Waypoint for a re-import.

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use waypoint_domain::{Field, Scope};

use crate::StoreError;

/// The scope a stored word names; any other word means the file was damaged.
fn stored_scope(word: &str) -> Result<Scope, StoreError> {
    Scope::parse(word).ok_or_else(|| StoreError::Corrupt(format!("unknown scope '{word}'")))
}

/// A local change on its way to the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutgoingChange {
    pub client_seq: i64,
    pub hlc: u64,
    pub scope: Scope,
    pub entity: String,
    /// The case the record belongs to (the server checks it against the device's sites).
    pub case_no: String,
    pub body: OutgoingBody,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum OutgoingBody {
    /// A new record: its fields as they are now.
    Create {
        fields: Vec<(Field, Option<String>)>,
    },
    Field {
        field: Field,
        value: Option<String>,
        base_seq: i64,
        resolves: Option<String>,
    },
    Event {
        kind: String,
        json: String,
    },
}

/// A change from the server, already filtered to this device's scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingChange {
    pub server_seq: i64,
    pub scope: Scope,
    pub entity: String,
    pub case_no: String,
    pub body: IncomingBody,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IncomingBody {
    /// The current values of some fields of one record (a record new to this device comes
    /// with all of them); the change's `server_seq` is the highest of their sequence numbers.
    Record {
        fields: Vec<(Field, Option<String>)>,
    },
    Event {
        /// The kind as the pushing device named it (this version may not know it).
        kind: String,
        json: String,
    },
    /// The case left this device's scope: remove it and everything of it.
    Remove,
}

/// A concurrent edit of a sensitive field, as the server reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    pub id: String,
    pub scope: Scope,
    pub entity: String,
    pub case_no: String,
    pub field: Field,
    pub winner: Option<String>,
    pub loser: Option<String>,
    /// The device whose value won, and the one whose value lost (device names).
    pub winner_device: String,
    pub loser_device: String,
    pub resolved: bool,
}

/// A change the server refused, kept for a person to see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefusedChange {
    pub client_seq: i64,
    pub scope: String,
    pub entity: String,
    pub field: Option<String>,
    pub reason: String,
    pub refused_at: String,
}

/// Where and how this device syncs. The token is never printed.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct SyncState {
    pub server_url: Option<String>,
    pub server_device_id: Option<String>,
    /// This device's name on the server.
    pub device_name: Option<String>,
    #[serde(skip)]
    pub token: Option<String>,
    pub cursor: i64,
    pub last_success: Option<String>,
    pub last_attempt: Option<String>,
    pub last_error: Option<String>,
}

impl std::fmt::Debug for SyncState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncState")
            .field("server_url", &self.server_url)
            .field("cursor", &self.cursor)
            .field("last_success", &self.last_success)
            .finish_non_exhaustive()
    }
}

/// What applying a pulled page did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Applied {
    pub fields: u64,
    pub events: u64,
    pub removed_cases: u64,
    /// Fields left as they are because this device has a change of them still to push.
    pub kept_local: u64,
    /// Events of this page this version cannot read: kept as received, not applied.
    pub unreadable_events: u64,
    /// Kept events that this version read now (after an upgrade), filed with the others.
    pub events_read_again: u64,
    /// The cursor stopped before a value kept local: the next pull brings it again.
    pub cursor_held: bool,
}

fn field_of(name: &str) -> Result<Field, StoreError> {
    Field::from_column(name).ok_or_else(|| StoreError::Corrupt(format!("unknown field '{name}'")))
}

/// The case a record belongs to, as this store has it.
fn case_no_of(conn: &Connection, scope: Scope, entity: &str) -> Result<Option<String>, StoreError> {
    let sql = match scope {
        Scope::Case => return Ok(Some(entity.to_string())),
        Scope::Individual => "SELECT case_no FROM individual WHERE individual_no = ?1",
        Scope::Event => "SELECT case_no FROM event WHERE id = ?1",
    };
    Ok(conn
        .prepare_cached(sql)?
        .query_row([entity], |r| r.get(0))
        .optional()?)
}

mod conflicts;
mod pull;
mod push;
mod state;
