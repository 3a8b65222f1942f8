//! The sync wire contract between a Waypoint device (`waypoint sync`) and `waypoint-server`.
//!
//! `docs/sync-protocol.md` is the prose of this contract; this crate is its code. Both sides
//! depend on it, so a change here is a change of the protocol: bump [`SCHEMA_VERSION`] when a
//! type's shape changes (the server accepts the current and the previous version).
//!
//! Two kinds of body travel:
//!
//! - **Bulk bodies** ([`PushRequest`], [`PushResponse`], [`PullPage`], [`SyncRequest`],
//!   [`SyncResponse`]) are [postcard](https://docs.rs/postcard) compressed with zstd, with the
//!   content type [`BATCH_CONTENT_TYPE`]. Use [`encode`] and [`decode`] (or
//!   [`decode_request`], which checks the schema version first). A field change costs well
//!   under [`BYTES_PER_CHANGE_BUDGET`] bytes on the wire; [`measure`] tells how many.
//! - **Small calls** ([`EnrolRequest`], [`EnrolResponse`], [`StatusResponse`], [`ErrorBody`])
//!   are JSON.
//!
//! Timestamps are hybrid logical clock values: a `u64` of 48 bits of milliseconds since the
//! Unix epoch and 16 bits of counter ([`hlc`]).
//!
//! No SQL and no HTTP server code lives here: only types, constants and the encoding.

use std::cell::RefCell;
use std::io::Read;

use serde::{Deserialize, Serialize, de::DeserializeOwned};
use uuid::Uuid;
/// Part of the contract, defined with the domain so that both sides name them once.
pub use waypoint_domain::{Scope, SitePolicy};

mod limits;

pub use limits::{
    Limit, MAX_CHANGES_PER_PUSH, MAX_CLIENT_SEQ_JUMP, MAX_EVENT_BYTES, MAX_FIELDS_PER_RECORD,
    MAX_NAME_BYTES, MAX_PAGE_ENTRIES, MAX_VALUE_BYTES,
};

/// The protocol version a device of this build speaks. Every request body starts with it.
///
/// - 1: pull pages carry one [`ServerBody::Field`] per field value.
/// - 2: pull pages group the values of one record into one [`ServerBody::Record`]
///   ([`group_records`]); a device stores one version number per record, not per field. The
///   server still answers a version-1 device with version-1 pages.
pub const SCHEMA_VERSION: u32 = 2;

/// The oldest version the server still accepts: the current one and the one before it.
///
/// When [`SCHEMA_VERSION`] becomes `N`, this becomes `N - 1` (never lower: guarantee 8 keeps
/// one version of overlap so that devices can update at their own pace).
pub const MIN_SCHEMA_VERSION: u32 = 1;

// Guarantee 8 at compile time: the accepted range is the current version and at most one before.
const _: () =
    assert!(MIN_SCHEMA_VERSION <= SCHEMA_VERSION && MIN_SCHEMA_VERSION + 1 >= SCHEMA_VERSION);

/// HTTP paths of the API (all under `/v1`).
pub mod paths {
    /// `POST`, JSON [`EnrolRequest`](crate::EnrolRequest) → [`EnrolResponse`](crate::EnrolResponse).
    pub const ENROL: &str = "/v1/enrol";
    /// `POST`, bulk [`PushRequest`](crate::PushRequest) → [`PushResponse`](crate::PushResponse).
    pub const PUSH: &str = "/v1/push";
    /// `GET ?after=CURSOR&limit=N` with the [`SCHEMA_HEADER`](crate::SCHEMA_HEADER) →
    /// bulk [`PullPage`](crate::PullPage).
    pub const PULL: &str = "/v1/pull";
    /// `POST`, bulk [`SyncRequest`](crate::SyncRequest) → [`SyncResponse`](crate::SyncResponse):
    /// a push and the first pull page in one round trip.
    pub const SYNC: &str = "/v1/sync";
    /// `GET`, JSON [`StatusResponse`](crate::StatusResponse).
    pub const STATUS: &str = "/v1/status";
    /// `GET`, the OpenAPI description of this API.
    pub const OPENAPI: &str = "/v1/openapi.json";
    /// `POST`, JSON [`SignInRequest`](crate::SignInRequest) →
    /// [`SignInResponse`](crate::SignInResponse): a staff member's online sign-in on a device.
    pub const SIGN_IN: &str = "/v1/sign-in";
    /// `GET`, JSON [`StaffDirectory`](crate::StaffDirectory): the staff of the device's sites.
    pub const DIRECTORY: &str = "/v1/directory";
    /// `POST`, JSON [`AuditPush`](crate::AuditPush) → [`AuditAck`](crate::AuditAck): the
    /// device's audit entries the server does not hold yet, oldest first.
    pub const AUDIT: &str = "/v1/audit";
}

/// Header of `POST /v1/sync`: the [`StaffDirectory::digest`] of the directory the device holds.
/// When the server's differs, its answer carries this header with the new digest, and the
/// device fetches [`paths::DIRECTORY`] once the sync is done. A device that sends no such header
/// (an older build) is never answered with one. Being a header, it changes no bulk type.
pub const DIRECTORY_HEADER: &str = "waypoint-directory";

/// Content type of every bulk body (zstd-compressed postcard).
pub const BATCH_CONTENT_TYPE: &str = "application/x-waypoint-batch";
/// Header carrying the schema version on requests without a bulk body (`GET /v1/pull`).
pub const SCHEMA_HEADER: &str = "waypoint-schema-version";

/// A header of every `POST /v1/sync` answer to a device HQ retired: its value is `retired`.
/// Such a device's pushes are still taken (so that its pending changes reach HQ) but it is
/// sent nothing; once its outbox is empty it wipes itself. See [`RevokeReason`].
pub const REVOKED_HEADER: &str = "waypoint-device-revoked";
/// Largest bulk body the server takes, compressed.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// Largest bulk body once decompressed (a guard against compression bombs).
pub const MAX_DECODED_BYTES: usize = 128 * 1024 * 1024;
/// How far ahead of the server's clock a change's timestamp may be; later ones are clamped.
pub const HLC_FUTURE_TOLERANCE_MS: u64 = 5 * 60 * 1000;
/// The wire budget: bytes per field change in a realistic batch (tested in this crate).
pub const BYTES_PER_CHANGE_BUDGET: f64 = 40.0;
/// Default and largest page size of a pull, in field values (a record of 21 fields counts 21).
pub const DEFAULT_PULL_LIMIT: u32 = 20_000;
/// See [`DEFAULT_PULL_LIMIT`].
pub const MAX_PULL_LIMIT: u32 = 50_000;

/// The zstd level bulk bodies are compressed with: zstd's default. Level 9 saved 1.5 bytes
/// per pulled change (4.3 against 5.8, both far under the 40-byte budget) for several times
/// the CPU, which the server pays for every device at once (BENCHMARKS.md, "Sync").
const ZSTD_LEVEL: i32 = 3;

/// Hybrid logical clock values: 48 bits of milliseconds, 16 bits of counter.
pub mod hlc {
    /// An HLC value from wall-clock milliseconds and a counter.
    pub fn from_parts(physical_ms: u64, logical: u16) -> u64 {
        (physical_ms << 16) | u64::from(logical)
    }

    /// The milliseconds part.
    pub fn physical_ms(hlc: u64) -> u64 {
        hlc >> 16
    }

    /// The largest timestamp the server keeps when its clock reads `server_now_ms`: anything
    /// later is clamped to this (guarantee 7: a fast clock must not win every conflict).
    pub fn clamp(hlc: u64, server_now_ms: u64) -> u64 {
        let ceiling = from_parts(
            server_now_ms.saturating_add(crate::HLC_FUTURE_TOLERANCE_MS),
            u16::MAX,
        );
        hlc.min(ceiling)
    }
}

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
    /// Must stay the first field: the server reads it before the rest ([`decode_request`]).
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

/// `POST /v1/enrol` (JSON): the one-time code `waypoint-server admin device enrol` printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrolRequest {
    /// As printed (dashes, spaces and case do not matter).
    pub code: String,
}

/// The device's identity and credential. The token is shown once; the server keeps a hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrolResponse {
    pub device_id: Uuid,
    pub device_name: String,
    /// Send as `Authorization: Bearer <token>` on every other request.
    pub token: String,
    /// The sites whose cases this device receives.
    pub sites: Vec<String>,
    /// The device's sign-in credential (servers with staff accounts): it only lets the device
    /// ask for an online sign-in ([`paths::SIGN_IN`]), never sync. The device keeps it sealed
    /// under its device secret, outside the encrypted store, so that a person with no key on
    /// the device yet can sign in. The server keeps a hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_in_token: Option<String>,
    /// 256 random bits as 64 hex digits: the device wraps its store key under it and forgets
    /// it; the server hands it back after an online sign-in (not a login credential).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_secret: Option<String>,
}

/// One staff account as a device receives it: never a PIN or its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffEntry {
    pub name: String,
    /// A role code: field_assistant, poe_associate, data_processing, supervisor, administrator.
    pub role: String,
    /// The site the account belongs to (always one of the device's sites).
    pub site: String,
    pub disabled: bool,
}

/// `GET /v1/directory` (JSON): the staff accounts of the device's sites and their policy (of a
/// device with several sites, the strictest: the shortest lease and idle time).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffDirectory {
    pub staff: Vec<StaffEntry>,
    pub policy: SitePolicy,
}

impl StaffDirectory {
    /// A digest of the content (32 hex digits), the same on the server and on a device that
    /// holds the same directory: names compare without case, order does not matter.
    pub fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut lines: Vec<String> = self
            .staff
            .iter()
            .map(|s| {
                format!(
                    "{}\t{}\t{}\t{}\n",
                    s.name.trim().to_lowercase(),
                    s.role,
                    s.site,
                    u8::from(s.disabled)
                )
            })
            .collect();
        lines.sort();
        let mut h = Sha256::new();
        h.update(b"waypoint staff directory v1\n");
        for line in &lines {
            h.update(line.as_bytes());
        }
        h.update(format!("{}\t{}\n", self.policy.lease_days, self.policy.idle_minutes).as_bytes());
        h.finalize()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// One entry of a device's hash-chained audit log, as the device wrote it (the fields of
/// `waypoint_domain::audit_chain::AuditEntry`, which hashes and checks them): who did what to which record and field, never a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditRecord {
    pub seq: i64,
    pub at: String,
    pub staff: String,
    pub action: String,
    pub scope: Option<String>,
    pub entity: Option<String>,
    pub field: Option<String>,
    pub detail: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// `POST /v1/audit` (JSON): the next entries of the device's audit log, oldest first, from the
/// one after the server's [`AuditAck::held_seq`]. At most [`AUDIT_BATCH`] entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditPush {
    pub entries: Vec<AuditRecord>,
}

/// Most audit entries in one [`AuditPush`].
pub const AUDIT_BATCH: usize = 2_000;

/// How far the server holds the device's audit log: the newest entry it has, and its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditAck {
    pub held_seq: i64,
    pub held_hash: String,
}

/// `POST /v1/sign-in` (JSON), with the device's credential: a staff member's name and PIN.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignInRequest {
    pub name: String,
    pub pin: String,
}

impl std::fmt::Debug for SignInRequest {
    /// Never shows the PIN.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInRequest").finish_non_exhaustive()
    }
}

/// The answer to a successful online sign-in.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignInResponse {
    /// The account's name as HQ wrote it.
    pub name: String,
    pub role: String,
    pub site: String,
    /// The device's recovery secret (64 hex digits): it unwraps the store key this device
    /// wrapped under it at enrolment, so the device can wrap it under this person's PIN.
    pub recovery_secret: String,
    /// The directory of the device's sites, so the new person's role is known at once.
    pub directory: StaffDirectory,
}

impl std::fmt::Debug for SignInResponse {
    /// Never shows the recovery secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInResponse")
            .field("role", &self.role)
            .field("site", &self.site)
            .finish_non_exhaustive()
    }
}

/// `GET /v1/status` (JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusResponse {
    pub device_id: Uuid,
    pub device_name: String,
    pub sites: Vec<String>,
    /// The highest `client_seq` of this device the server has settled (after a lost push
    /// answer, the device can drop its outbox up to here).
    pub acked_up_to: u64,
    pub schema_version: u32,
    pub min_schema_version: u32,
    pub server_hlc: u64,
}

/// Every error answer of the server (JSON), written for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: String,
    /// Set on the 401 of a revoked device: why HQ revoked it, which says what the device must
    /// do (`lost`: wipe itself at once; `retired`: push its pending changes, then wipe).
    /// Absent on every other error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<RevokeReason>,
}

impl ErrorBody {
    /// An error answer that is not about revocation.
    pub fn new(error: impl Into<String>) -> Self {
        ErrorBody {
            error: error.into(),
            revoked: None,
        }
    }
}

/// Why HQ revoked a device (`waypoint-server admin device revoke NAME --reason …`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum RevokeReason {
    /// Lost or stolen: every request is refused and the device wipes itself at once.
    Lost,
    /// Taken out of service: the device may still push its pending changes (and receives
    /// nothing), then wipes itself.
    Retired,
}

impl RevokeReason {
    /// The word stored and sent: `lost` or `retired`.
    pub fn as_str(self) -> &'static str {
        match self {
            RevokeReason::Lost => "lost",
            RevokeReason::Retired => "retired",
        }
    }

    /// The reason a word names (`lost`, `retired`).
    pub fn parse(word: &str) -> Option<Self> {
        match word.trim() {
            "lost" => Some(RevokeReason::Lost),
            "retired" => Some(RevokeReason::Retired),
            _ => None,
        }
    }
}

impl std::fmt::Display for RevokeReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What can go wrong encoding or decoding a bulk body.
#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    #[error("the message could not be encoded: {0}")]
    Encode(String),
    #[error(
        "the message is not a valid Waypoint batch (it may be damaged or from another program): {0}"
    )]
    Decode(String),
    #[error("the message is larger than {MAX_DECODED_BYTES} bytes once decompressed")]
    TooLarge,
    /// A count or a length over one of the protocol's caps ([`Limit`]).
    #[error("the message holds more than this protocol allows ({0})")]
    OverLimit(Limit),
    #[error(
        "this device speaks sync schema version {got}, which this server does not accept \
         (it accepts {MIN_SCHEMA_VERSION} to {SCHEMA_VERSION}); {}",
        if *.got < MIN_SCHEMA_VERSION {
            "please update Waypoint on this device: its unsynced changes stay safe until then"
        } else {
            "the server is older than this device: ask HQ to update the server"
        }
    )]
    UnsupportedSchema { got: u32 },
}

/// Whether the server accepts this schema version (the current and the previous one).
pub fn schema_supported(version: u32) -> bool {
    (MIN_SCHEMA_VERSION..=SCHEMA_VERSION).contains(&version)
}

thread_local! {
    // One zstd context per thread, reused: a fresh level-9 context is megabytes of tables that
    // the kernel zeroes at every call, which was most of the CPU of 50 devices syncing at once.
    static COMPRESSOR: RefCell<Option<zstd::bulk::Compressor<'static>>> =
        const { RefCell::new(None) };
    static DECOMPRESSOR: RefCell<Option<zstd::bulk::Decompressor<'static>>> =
        const { RefCell::new(None) };
}

/// Encodes a bulk body: postcard, then zstd (the frame records its decoded size).
pub fn encode<T: Serialize>(message: &T) -> Result<Vec<u8>, ProtocolError> {
    let raw = postcard::to_stdvec(message).map_err(|e| ProtocolError::Encode(e.to_string()))?;
    let failed = |e: std::io::Error| ProtocolError::Encode(e.to_string());
    COMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        let compressor = match slot.as_mut() {
            Some(c) => c,
            None => slot.insert(zstd::bulk::Compressor::new(ZSTD_LEVEL).map_err(failed)?),
        };
        compressor.compress(&raw).map_err(failed)
    })
}

/// The largest window a bulk body's frame may ask the streaming decoder for (2^23 = 8 MiB):
/// `encode` never needs more than 2 MiB, and zstd sets the window aside before decoding.
const MAX_WINDOW_LOG: u32 = 23;

/// How much a body of `len` bytes may say it decodes to and still be decoded in one go: the
/// one-go path reserves the whole size first, so a few bytes claiming 100 MiB (or a frame cut
/// short) take the streaming path, which grows only with what really comes out.
fn plausible_size(len: usize) -> u64 {
    (len as u64).saturating_mul(64).max(1024 * 1024)
}

/// Decompresses a bulk body, refusing more than [`MAX_DECODED_BYTES`].
fn decompress(body: &[u8]) -> Result<Vec<u8>, ProtocolError> {
    // Frames made by `encode` say how big they decode: check that, then decode in one go on
    // this thread's context. Anything else takes the bounded streaming path below.
    if let Ok(Some(size)) = zstd::zstd_safe::get_frame_content_size(body) {
        if size > MAX_DECODED_BYTES as u64 {
            return Err(ProtocolError::TooLarge);
        }
        let one_whole_frame = zstd::zstd_safe::find_frame_compressed_size(body) == Ok(body.len());
        if !one_whole_frame || size > plausible_size(body.len()) {
            return decompress_streaming(body);
        }
        let failed = |e: std::io::Error| ProtocolError::Decode(e.to_string());
        return DECOMPRESSOR.with(|cell| {
            let mut slot = cell.borrow_mut();
            let decompressor = match slot.as_mut() {
                Some(d) => d,
                None => slot.insert(zstd::bulk::Decompressor::new().map_err(failed)?),
            };
            // Room for what the frame says it holds, not for the limit: a small body must not
            // reserve the largest buffer. A frame holding more than it says is damaged.
            decompressor
                .decompress(body, usize::try_from(size).unwrap_or(MAX_DECODED_BYTES))
                .map_err(|e| ProtocolError::Decode(e.to_string()))
        });
    }
    decompress_streaming(body)
}

fn decompress_streaming(body: &[u8]) -> Result<Vec<u8>, ProtocolError> {
    let mut decoder = zstd::stream::read::Decoder::with_buffer(body)
        .map_err(|e| ProtocolError::Decode(e.to_string()))?;
    decoder
        .window_log_max(MAX_WINDOW_LOG)
        .map_err(|e| ProtocolError::Decode(e.to_string()))?;
    let mut raw = Vec::new();
    decoder
        .take(MAX_DECODED_BYTES as u64 + 1)
        .read_to_end(&mut raw)
        .map_err(|e| ProtocolError::Decode(e.to_string()))?;
    if raw.len() > MAX_DECODED_BYTES {
        return Err(ProtocolError::TooLarge);
    }
    Ok(raw)
}

/// Decodes postcard that must hold exactly one `T`, within the caps of [`limits`].
fn from_postcard<T: DeserializeOwned>(raw: &[u8]) -> Result<T, ProtocolError> {
    limits::reset();
    let (message, rest) = postcard::take_from_bytes(raw).map_err(|e| {
        limits::exceeded().map_or_else(
            || ProtocolError::Decode(e.to_string()),
            ProtocolError::OverLimit,
        )
    })?;
    if !rest.is_empty() {
        return Err(ProtocolError::Decode(format!(
            "{} bytes follow the end of the message",
            rest.len()
        )));
    }
    Ok(message)
}

/// Decodes a bulk body made by [`encode`]: nothing may follow the message, and no count or
/// length may pass the protocol's caps ([`ProtocolError::OverLimit`]).
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, ProtocolError> {
    let raw = decompress(body)?;
    from_postcard(&raw)
}

/// Decodes a request body whose first field is its schema version ([`PushRequest`],
/// [`SyncRequest`]), checking the version before the rest, so that a device of another
/// version gets [`ProtocolError::UnsupportedSchema`] rather than a decoding error.
pub fn decode_request<T: DeserializeOwned>(body: &[u8]) -> Result<T, ProtocolError> {
    let raw = decompress(body)?;
    let (version, _) =
        postcard::take_from_bytes::<u32>(&raw).map_err(|e| ProtocolError::Decode(e.to_string()))?;
    if !schema_supported(version) {
        return Err(ProtocolError::UnsupportedSchema { got: version });
    }
    from_postcard(&raw)
}

/// How big a batch is on the wire.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WireStats {
    /// Field changes in the batch: one per `Field`, one per field of a `Create`, one per `Event`.
    pub field_changes: usize,
    /// Postcard bytes before compression.
    pub raw_bytes: usize,
    /// Bytes on the wire (the HTTP body).
    pub encoded_bytes: usize,
}

impl WireStats {
    /// Bytes on the wire per field change (compare with [`BYTES_PER_CHANGE_BUDGET`]).
    pub fn bytes_per_change(&self) -> f64 {
        if self.field_changes == 0 {
            return self.encoded_bytes as f64;
        }
        self.encoded_bytes as f64 / self.field_changes as f64
    }
}

/// Measures a push batch as it would travel.
pub fn measure(request: &PushRequest) -> Result<WireStats, ProtocolError> {
    let raw = postcard::to_stdvec(request).map_err(|e| ProtocolError::Encode(e.to_string()))?;
    let encoded = encode(request)?;
    let field_changes = request
        .changes
        .iter()
        .map(|c| match &c.body {
            ChangeBody::Create { fields, .. } => fields.len().max(1),
            ChangeBody::Field { .. } | ChangeBody::Event { .. } => 1,
        })
        .sum();
    Ok(WireStats {
        field_changes,
        raw_bytes: raw.len(),
        encoded_bytes: encoded.len(),
    })
}

#[cfg(test)]
mod limit_tests;
#[cfg(test)]
mod tests;
