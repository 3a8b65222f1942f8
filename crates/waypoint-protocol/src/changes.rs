//! The bulk bodies of a sync: changes pushed by a device, the server's answer, pull pages of
//! what others wrote, and the combined push-and-pull of one round trip.

use serde::{Deserialize, Serialize};
use waypoint_domain::Scope;

use crate::limits::{self, MAX_FIELDS_PER_RECORD};

/// One outbox entry of a device, as pushed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The device's outbox sequence: strictly increasing within and across batches.
    pub client_seq: u64,
    /// The device's HLC when the change was made.
    pub hlc: u64,
    pub scope: Scope,
    /// Case number, individual number or event id (see [`Scope`]).
    #[serde(deserialize_with = "limits::name")]
    pub entity: String,
    pub body: ChangeBody,
}

/// What a [`Change`] does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChangeBody {
    /// A new case or individual with all its fields (each merged like a `Field` change with
    /// `base_seq` 0). Field names are CSV column names; values are canonical text.
    Create {
        #[serde(deserialize_with = "limits::name")]
        case_no: String,
        #[serde(deserialize_with = "limits::record_fields")]
        fields: Vec<(String, Option<String>)>,
    },
    /// One changed field.
    Field {
        /// The case the entity belongs to (for an individual: its case).
        #[serde(deserialize_with = "limits::name")]
        case_no: String,
        /// CSV column name (`waypoint_domain::Field::column`).
        #[serde(deserialize_with = "limits::name")]
        field: String,
        /// New canonical value; `None` clears the field.
        #[serde(deserialize_with = "limits::optional_value")]
        value: Option<String>,
        /// How new the device's copy of the record was when the edit was made: the highest
        /// `server_seq` it had received for the record (0: never synced). The edit is a
        /// fast-forward when the field's current `server_seq` is not above it.
        base_seq: u64,
        /// The conflict this change resolves, when a person resolved one.
        resolves: Option<u64>,
    },
    /// A new field event (never edited; stored once by id).
    Event {
        #[serde(deserialize_with = "limits::name")]
        case_no: String,
        #[serde(deserialize_with = "limits::name")]
        kind: String,
        /// The event's canonical JSON.
        #[serde(deserialize_with = "limits::event")]
        json: String,
    },
}

/// `POST /v1/push`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushRequest {
    /// Must stay the first field: the server reads it before the rest ([`crate::decode_request`]).
    pub schema_version: u32,
    #[serde(deserialize_with = "limits::push_changes")]
    pub changes: Vec<Change>,
}

/// A change the server did not apply, and why, in words for the person at the device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub client_seq: u64,
    #[serde(deserialize_with = "limits::value")]
    pub reason: String,
}

/// The answer to a push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    /// Every change with `client_seq <= acked_up_to` is settled (applied, merged, or refused
    /// and listed in `refused`): the device may remove it from its outbox.
    pub acked_up_to: u64,
    #[serde(deserialize_with = "limits::push_changes")]
    pub refused: Vec<Refusal>,
    /// The device advances its HLC past this.
    pub server_hlc: u64,
}

/// One entry of a pull page: the current state of one thing in the device's scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerChange {
    /// Global, increasing; the device stores it as the field's `base_seq` for later edits.
    pub server_seq: u64,
    pub scope: Scope,
    #[serde(deserialize_with = "limits::name")]
    pub entity: String,
    #[serde(deserialize_with = "limits::name")]
    pub case_no: String,
    pub body: ServerBody,
}

/// What a [`ServerChange`] carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ServerBody {
    /// The field's current value.
    Field {
        #[serde(deserialize_with = "limits::name")]
        field: String,
        #[serde(deserialize_with = "limits::optional_value")]
        value: Option<String>,
    },
    /// An event (deliver once: the device ignores an id it already has).
    Event {
        #[serde(deserialize_with = "limits::name")]
        kind: String,
        #[serde(deserialize_with = "limits::event")]
        json: String,
    },
    /// The case left the device's scope: remove it, its individuals and events.
    Remove,
    /// Schema 2: the current values of several fields of one record (the entry's `server_seq`
    /// is the highest of theirs). Always after the version-1 variants, so that a version-1
    /// page still decodes the same.
    Record {
        #[serde(deserialize_with = "limits::record_fields")]
        fields: Vec<(String, Option<String>)>,
    },
}

/// Turns a version-1 list of changes (one [`ServerBody::Field`] per value, in `server_seq`
/// order) into version 2: each run of values of the same record becomes one
/// [`ServerBody::Record`] carrying the run's highest `server_seq` (a run longer than
/// [`MAX_FIELDS_PER_RECORD`] becomes several, so that every device can decode the page).
/// Order across records, events and removals is kept, so applying the result in order gives
/// the same state.
pub fn group_records(changes: Vec<ServerChange>) -> Vec<ServerChange> {
    let mut out: Vec<ServerChange> = Vec::with_capacity(changes.len() / 4 + 1);
    for change in changes {
        let ServerBody::Field { field, value } = change.body else {
            out.push(change);
            continue;
        };
        if let Some(last) = out.last_mut() {
            if last.scope == change.scope && last.entity == change.entity {
                if let ServerBody::Record { fields } = &mut last.body {
                    if fields.len() < MAX_FIELDS_PER_RECORD {
                        fields.push((field, value));
                        last.server_seq = last.server_seq.max(change.server_seq);
                        last.case_no = change.case_no;
                        continue;
                    }
                }
            }
        }
        out.push(ServerChange {
            body: ServerBody::Record {
                fields: vec![(field, value)],
            },
            ..change
        });
    }
    out
}

/// Two concurrent values of a sensitive field: one won, both wait for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    /// Stable id; a resolution names it in `ChangeBody::Field::resolves`.
    pub id: u64,
    /// Increases when the conflict changes (created, resolved).
    pub server_seq: u64,
    pub scope: Scope,
    #[serde(deserialize_with = "limits::name")]
    pub entity: String,
    #[serde(deserialize_with = "limits::name")]
    pub case_no: String,
    #[serde(deserialize_with = "limits::name")]
    pub field: String,
    #[serde(deserialize_with = "limits::optional_value")]
    pub winner: Option<String>,
    #[serde(deserialize_with = "limits::optional_value")]
    pub loser: Option<String>,
    /// Device names (never people's names).
    #[serde(deserialize_with = "limits::name")]
    pub winner_device: String,
    #[serde(deserialize_with = "limits::name")]
    pub loser_device: String,
    pub resolved: bool,
}

/// `GET /v1/pull`: changes with `server_seq > after` in the device's scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullPage {
    /// In `server_seq` order.
    #[serde(deserialize_with = "limits::page_entries")]
    pub changes: Vec<ServerChange>,
    /// Conflicts created or resolved in this page's range, for the device's sites.
    #[serde(deserialize_with = "limits::page_entries")]
    pub conflicts: Vec<Conflict>,
    /// Store this with the page (same local transaction) and pull `after` it next time.
    pub next_cursor: u64,
    /// Another page follows right away.
    pub more: bool,
    pub server_hlc: u64,
}

/// `POST /v1/sync`: a push and a pull in one round trip (an empty one is the no-op sync).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRequest {
    /// Must stay the first field (see [`PushRequest`]).
    pub schema_version: u32,
    /// The pull cursor.
    pub after: u64,
    /// Page size (0: the default).
    pub limit: u32,
    #[serde(deserialize_with = "limits::push_changes")]
    pub changes: Vec<Change>,
}

/// The answer to [`SyncRequest`]: the push's answer, then the first page after the push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncResponse {
    pub push: PushResponse,
    pub page: PullPage,
}
