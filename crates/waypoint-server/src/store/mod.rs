//! Server storage: one async trait, [`ServerStore`], with a SQLite and a PostgreSQL backend.
//!
//! Both backends keep the same tables (each with its own numbered migrations under
//! `migrations/`) and leave every merge decision to [`crate::merge`]: a backend loads what a
//! batch touches, asks `merge::plan` what to do, and writes the plan in the same transaction.
//! The conformance suite in `tests/conformance` runs unchanged against both.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_trait::async_trait;
use uuid::Uuid;
use waypoint_protocol::{AuditRecord, Change, Conflict, RevokeReason, Scope, ServerChange};

use crate::merge::{FieldKey, FieldState};

pub mod postgres;
pub mod sqlite;

/// A device as its credential shows it: identity and scope, from the server's own tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub id: Uuid,
    pub name: String,
    /// Site codes whose cases this device receives and may change.
    pub sites: Vec<String>,
    /// Highest client_seq settled for this device.
    pub last_client_seq: u64,
    /// Why HQ revoked it, if it did. Only a `Retired` device is ever let in, and only to push
    /// (see `http.rs`); a `Lost` one is refused everywhere.
    pub revoked: Option<RevokeReason>,
}

/// A device as the administrator lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    pub id: Uuid,
    pub name: String,
    pub sites: Vec<String>,
    pub state: DeviceState,
    pub last_client_seq: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceState {
    /// Waiting for its enrolment code, which expires at this time (ms since the epoch).
    Pending {
        expires_ms: u64,
    },
    Active,
    Revoked(RevokeReason),
}

/// A new device: the administrator enrolled it, the laptop has not used its code yet.
#[derive(Debug, Clone)]
pub struct NewDevice {
    pub id: Uuid,
    pub name: String,
    pub site: String,
    pub code_hash: String,
    pub expires_ms: u64,
    pub now_ms: u64,
}

/// A new staff account (name, site and role already checked; the PIN already hashed).
#[derive(Clone)]
pub struct NewStaff {
    pub name: String,
    pub site: String,
    /// A `waypoint_domain::Role` code.
    pub role: String,
    /// The Argon2id PHC string of the PIN.
    pub pin_hash: String,
    pub now_ms: u64,
}

impl std::fmt::Debug for NewStaff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewStaff")
            .field("site", &self.site)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// A staff account as the administrator lists it (never the PIN's hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffAccount {
    pub name: String,
    pub site: String,
    pub role: String,
    pub disabled: bool,
    /// How many times the account changed (1 when added).
    pub version: u64,
}

/// What an online sign-in checks: the account and its PIN's hash.
#[derive(Clone)]
pub struct StaffCredential {
    pub account: StaffAccount,
    pub pin_hash: String,
}

impl std::fmt::Debug for StaffCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffCredential").finish_non_exhaustive()
    }
}

/// A device's recovery material, made at enrolment: the hash of its sign-in credential and
/// its recovery secret as stored (wrapped by the server key, see `crate::server_key`).
#[derive(Clone)]
pub struct DeviceRecovery {
    pub signin_token_hash: String,
    pub recovery_secret: String,
}

impl std::fmt::Debug for DeviceRecovery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceRecovery").finish_non_exhaustive()
    }
}

/// What failed attempts are counted by (the key is stored as a SHA-256).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// A wrong enrolment code, by the address it came from.
    EnrolPeer,
    /// A wrong name or PIN, by the name tried.
    SignInName,
    /// A wrong name or PIN, by the device that asked.
    SignInDevice,
}

impl FailureKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::EnrolPeer => "enrol_peer",
            FailureKind::SignInName => "sign_in_name",
            FailureKind::SignInDevice => "sign_in_device",
        }
    }
}

/// A site's policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SitePolicy {
    pub lease_days: u32,
    pub idle_minutes: u32,
}

/// What a push did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushOutcome {
    pub acked_up_to: u64,
    pub refused: Vec<waypoint_protocol::Refusal>,
    /// The highest (clamped) timestamp the batch carried.
    pub max_hlc: u64,
    /// The sequence numbers this push gave out (empty when it wrote nothing).
    pub written: std::ops::Range<u64>,
}

/// One page of what a device may see (the HTTP layer adds the server's clock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub changes: Vec<ServerChange>,
    pub conflicts: Vec<Conflict>,
    pub next_cursor: u64,
    pub more: bool,
}

/// Why storage failed, for a person (never with the data that was being stored).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unknown database address '{0}': use sqlite:PATH or postgres://…")]
    BadUrl(String),
    #[error("the database could not be reached or used: {0}")]
    Connect(String),
    #[error("database error: {0}")]
    Database(String),
    #[error(
        "the database was made by a newer waypoint-server (schema {found}, this build knows up to {known}); update this server"
    )]
    TooNew { found: i64, known: i64 },
    #[error("the database holds a value this server cannot read: {0}")]
    Corrupt(String),
    #[error("there is already a site with code '{0}'")]
    SiteExists(String),
    #[error("there is no site with code '{0}'; add it first with `waypoint-server admin site add`")]
    NoSuchSite(String),
    #[error("there is already a device named '{0}'; choose another name")]
    DeviceExists(String),
    #[error("there is no device named '{0}'")]
    NoSuchDevice(String),
    #[error("this device was revoked")]
    Revoked,
    #[error("there is already a staff member named '{0}' (names do not depend on case)")]
    StaffExists(String),
    #[error("there is no staff member named '{0}'; see `waypoint-server admin user list`")]
    NoSuchStaff(String),
    #[error(
        "the batch's change numbers are not increasing (change {0}); the device's outbox must be sent in order"
    )]
    OutOfOrder(u64),
    #[error("a number in the batch is out of range")]
    OutOfRange,
    #[error(
        "site {site} has no changes held for case {case_no}, and there is no such case to give; see `waypoint-server admin held`"
    )]
    NothingHeld { case_no: String, site: String },
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        // SQLite's messages name tables and constraints, never bound values.
        StoreError::Database(e.to_string())
    }
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        // Only the code and the primary message: PostgreSQL's DETAIL can quote values.
        match e.as_db_error() {
            Some(db) => StoreError::Database(format!("{} ({})", db.message(), db.code().code())),
            None if e.is_closed() => StoreError::Connect("the connection was closed".into()),
            None => StoreError::Database("the database connection failed".into()),
        }
    }
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        match e {
            deadpool_postgres::PoolError::Backend(e) => e.into(),
            other => StoreError::Connect(other.to_string()),
        }
    }
}

/// Storage of the sync server. Every method is one transaction.
#[async_trait]
pub trait ServerStore: Send + Sync + std::fmt::Debug {
    /// Adds a site (code already canonical).
    async fn add_site(&self, code: &str, name: &str, now_ms: u64) -> Result<(), StoreError>;
    /// All sites: (code, name).
    async fn sites(&self) -> Result<Vec<(String, String)>, StoreError>;
    /// Registers a device waiting for its enrolment code.
    async fn add_device(&self, device: NewDevice) -> Result<(), StoreError>;
    async fn devices(&self) -> Result<Vec<DeviceInfo>, StoreError>;
    /// Revokes a device by name, for `reason`: a lost device's token stops working at once; a
    /// retired device's token is still taken for pushes only. Revoking again changes the
    /// reason (a lost laptop found again may be retired, to collect its changes) and keeps the
    /// first revocation's time.
    async fn revoke_device(
        &self,
        name: &str,
        reason: RevokeReason,
        now_ms: u64,
    ) -> Result<(), StoreError>;
    /// Uses a one-time code: when it is valid and unexpired, stores the token's hash and
    /// returns the device. The code cannot be used again.
    async fn enrol(
        &self,
        code_hash: &str,
        token_hash: &str,
        now_ms: u64,
    ) -> Result<Option<Device>, StoreError> {
        self.enrol_with(code_hash, token_hash, None, now_ms).await
    }
    /// [`ServerStore::enrol`], keeping the device's recovery material in the same transaction.
    async fn enrol_with(
        &self,
        code_hash: &str,
        token_hash: &str,
        recovery: Option<DeviceRecovery>,
        now_ms: u64,
    ) -> Result<Option<Device>, StoreError>;
    /// The enrolled, unrevoked device whose sign-in credential has this hash.
    async fn device_by_sign_in_token(
        &self,
        signin_token_hash: &str,
    ) -> Result<Option<Device>, StoreError>;
    /// The recovery secret (as stored: wrapped) of an enrolled, unrevoked device (`None` for a
    /// device enrolled before there were any).
    async fn recovery_secret(&self, device: &Device) -> Result<Option<String>, StoreError>;
    /// Adds a staff account; its site must exist and its name be new (without case).
    async fn add_staff(&self, staff: NewStaff) -> Result<(), StoreError>;
    /// Disables an account (by name, without case); a disabled account stays disabled.
    async fn disable_staff(&self, name: &str, now_ms: u64) -> Result<(), StoreError>;
    /// Every account, by name.
    async fn staff(&self) -> Result<Vec<StaffAccount>, StoreError>;
    /// The account `name` (without case) with its PIN's hash, for a sign-in.
    async fn staff_credential(&self, name: &str) -> Result<Option<StaffCredential>, StoreError>;
    /// The accounts of `sites` (never a hash), by name.
    async fn staff_of_sites(&self, sites: &[String]) -> Result<Vec<StaffAccount>, StoreError>;
    /// Changes a site's policy (only the values given).
    async fn set_site_policy(
        &self,
        code: &str,
        lease_days: Option<u32>,
        idle_minutes: Option<u32>,
    ) -> Result<SitePolicy, StoreError>;
    /// The policy of each site (code, policy), by code.
    async fn site_policies(&self) -> Result<Vec<(String, SitePolicy)>, StoreError>;
    /// Failed attempts of `kind` for `key_hash` at or after `since_ms`.
    async fn failures_since(
        &self,
        kind: FailureKind,
        key_hash: &str,
        since_ms: u64,
    ) -> Result<u32, StoreError>;
    /// Records a failed attempt, and forgets those older than `forget_before_ms`.
    async fn record_failure(
        &self,
        kind: FailureKind,
        key_hash: &str,
        now_ms: u64,
        forget_before_ms: u64,
    ) -> Result<(), StoreError>;
    /// Forgets the failed attempts of `kind` for `key_hash` (a successful sign-in).
    async fn clear_failures(&self, kind: FailureKind, key_hash: &str) -> Result<(), StoreError>;
    /// Reserves one attempt before its code or PIN is checked, atomically across server
    /// processes: when every key has fewer than `max` failed attempts at or after `since_ms`,
    /// records one failed attempt for each key now (forgetting those before `since_ms`) and
    /// returns the attempt's id; otherwise records nothing and returns `None` (refuse: too many).
    /// Concurrent reservations are counted one after the other, so at most `max` pass per key.
    async fn reserve_attempt(
        &self,
        keys: &[(FailureKind, String)],
        max: u32,
        now_ms: u64,
        since_ms: u64,
    ) -> Result<Option<String>, StoreError>;
    /// Takes back the failed attempts a reservation recorded (the code or PIN was right).
    async fn release_attempt(&self, attempt: &str) -> Result<(), StoreError>;
    /// The recovery secrets stored as they were given (an older server kept them in clear):
    /// (device id, stored value), for the server to wrap them at start.
    async fn recovery_secrets(&self) -> Result<Vec<(Uuid, String)>, StoreError>;
    /// Replaces stored recovery secrets (device id, value as read, new value), each only if it
    /// still holds the value read; erases the old bytes where the backend can (SQLite's
    /// secure_delete and a checkpoint of its log).
    async fn replace_recovery_secrets(
        &self,
        secrets: Vec<(Uuid, String, String)>,
    ) -> Result<(), StoreError>;
    /// The enrolled device holding this token, revoked or not ([`Device::revoked`] says): the
    /// HTTP layer tells a revoked device why it is refused.
    async fn device_by_token(&self, token_hash: &str) -> Result<Option<Device>, StoreError>;
    /// Applies a batch (see docs/sync-protocol.md, "Push"), atomically and idempotently. A
    /// device revoked as lost is refused ([`StoreError::Revoked`]); a retired one may push.
    async fn push(
        &self,
        device: &Device,
        changes: Vec<Change>,
        now_ms: u64,
    ) -> Result<PushOutcome, StoreError>;
    /// What changed after `after` in the device's sites, at most `limit` entries.
    async fn pull(&self, device: &Device, after: u64, limit: u32) -> Result<Page, StoreError> {
        self.pull_except(device, after, limit, 0..0).await
    }
    /// [`ServerStore::pull`], leaving out the field values and events that `device` itself
    /// wrote with a sequence number in `own`: the ones its push just stored (it has them), so
    /// that a push is not answered with its own changes. The cursor still moves past them.
    /// Conflicts are never left out. A row of `device` in that range that a case move
    /// re-numbered is one it wrote while the case was in its scope, so it has that too.
    async fn pull_except(
        &self,
        device: &Device,
        after: u64,
        limit: u32,
        own: std::ops::Range<u64>,
    ) -> Result<Page, StoreError>;
    /// The device's audit entries the server holds with `seq` after `after`, oldest first, at
    /// most `limit`.
    async fn audit_log(
        &self,
        device: Uuid,
        after: i64,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, StoreError>;
    /// Appends entries to the device's copy of its audit log, in one transaction. The caller
    /// (`crate::audit`) has checked them against the chain; an entry whose `seq` is held already
    /// fails the whole call (two pushes raced).
    async fn append_audit(
        &self,
        device: Uuid,
        entries: Vec<AuditRecord>,
        now_ms: u64,
    ) -> Result<(), StoreError>;
    /// The newest audit entry the server holds for the device (`seq`, `hash`), if any.
    async fn audit_head(&self, device: Uuid) -> Result<Option<(i64, String)>, StoreError>;
    /// Every device that has audit entries here, by id.
    async fn audited_devices(&self) -> Result<Vec<Uuid>, StoreError>;

    // Held changes (docs/sync-protocol.md, "Held changes"): pushes keep them (see
    // `crate::merge::HeldChange`); HQ settles them with these.
    /// The held changes, by case number and site (counts and times only, never a value).
    async fn held_changes(&self) -> Result<Vec<HeldGroup>, StoreError>;
    /// `case_no` now belongs to `site` (an existing site): the case moves there with all it
    /// holds (the old site's devices remove it), then `site`'s held changes of it go through
    /// the merge as if pushed now. Recorded in [`ServerStore::held_settlements`].
    async fn give_held(
        &self,
        case_no: &str,
        site: &str,
        now_ms: u64,
    ) -> Result<Settlement, StoreError>;
    /// Discards `site`'s held changes of `case_no`. Recorded in
    /// [`ServerStore::held_settlements`].
    async fn drop_held(
        &self,
        case_no: &str,
        site: &str,
        now_ms: u64,
    ) -> Result<Settlement, StoreError>;
    /// What HQ did with held changes, oldest first.
    async fn held_settlements(&self) -> Result<Vec<Settlement>, StoreError>;
}

/// The held changes of one case number from one site.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HeldGroup {
    pub case_no: String,
    pub site: String,
    pub changes: u64,
    pub first_ms: u64,
    pub last_ms: u64,
}

/// What HQ did with held changes: given (`Give`) or dropped (`Drop`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Settlement {
    pub at_ms: u64,
    pub action: SettleAction,
    pub case_no: String,
    pub site: String,
    /// Give: the site the case was taken from, when it was elsewhere.
    pub from_site: Option<String>,
    /// The held changes settled.
    pub changes: u64,
    /// Give: how many of them were applied.
    pub applied: u64,
    /// Give: how many are held again (a person's number on yet another site's case).
    pub still_held: u64,
    /// Give: why the others were refused (never a value). Not kept in the record.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SettleAction {
    Give,
    Drop,
}

impl SettleAction {
    pub fn as_str(self) -> &'static str {
        match self {
            SettleAction::Give => "give",
            SettleAction::Drop => "drop",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "give" => Some(SettleAction::Give),
            "drop" => Some(SettleAction::Drop),
            _ => None,
        }
    }
}

/// Opens (and migrates) the store at `url`: `sqlite:PATH`, `sqlite::memory:` or
/// `postgres://…` / `postgresql://…`.
pub async fn open(url: &str) -> Result<Arc<dyn ServerStore>, StoreError> {
    if let Some(path) = url.strip_prefix("sqlite:") {
        let path = path.strip_prefix("//").unwrap_or(path);
        let store = if path == ":memory:" {
            sqlite::SqliteStore::open_in_memory().await?
        } else {
            sqlite::SqliteStore::open(path).await?
        };
        Ok(Arc::new(store))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let config: tokio_postgres::Config = url
            .parse()
            .map_err(|_| StoreError::BadUrl("postgres://…".into()))?;
        Ok(Arc::new(postgres::PgStore::connect(config, 16).await?))
    } else {
        // Never echo the URL: it may hold a password.
        Err(StoreError::BadUrl(
            url.split(':').next().unwrap_or_default().to_string(),
        ))
    }
}

/// What a batch touches, as the backend loaded it before planning.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// case_no → site.
    pub cases: HashMap<String, String>,
    /// individual_no → case_no.
    pub individuals: HashMap<String, String>,
    pub fields: HashMap<FieldKey, FieldState>,
    pub events: HashSet<String>,
    /// Conflicts named by resolutions in the batch.
    pub conflicts: HashMap<u64, ConflictRef>,
    /// (case_no, site) of the batch's cases that have changes held for a site.
    pub held_cases: HashSet<(String, String)>,
    /// (individual_no, site) → case_no: the batch's people with changes held for a site, and
    /// the case number they are held under.
    pub held_individuals: HashMap<(String, String), String>,
}

/// What a resolution must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConflictRef {
    pub scope: Scope,
    pub entity: String,
    pub field: String,
    pub resolved: bool,
}

/// The keys a backend loads for a batch.
#[derive(Debug, Default)]
pub struct Wanted {
    pub case_nos: Vec<String>,
    pub individual_nos: Vec<String>,
    /// Records whose every field is loaded (the batch creates them).
    pub entities: Vec<String>,
    /// Single fields the batch changes (of records not in `entities`): loading a record's
    /// ~21 fields for one changed field made a batch of edits read 21 times what it needed.
    pub fields: Vec<FieldKey>,
    pub event_ids: Vec<String>,
    pub conflict_ids: Vec<u64>,
}

impl Wanted {
    pub fn of(changes: &[Change]) -> Wanted {
        use waypoint_protocol::ChangeBody;
        let mut cases = HashSet::new();
        let mut individuals = HashSet::new();
        let mut entities = HashSet::new();
        let mut fields = HashSet::new();
        let mut events = HashSet::new();
        let mut conflicts = HashSet::new();
        for c in changes {
            match &c.body {
                ChangeBody::Create {
                    case_no,
                    fields: values,
                } => {
                    entities.insert(c.entity.clone());
                    cases.insert(case_no.clone());
                    for (name, value) in values {
                        if name == "case_no" {
                            if let Some(v) = value {
                                cases.insert(v.clone());
                            }
                        }
                    }
                }
                ChangeBody::Field {
                    case_no,
                    field,
                    value,
                    resolves,
                    ..
                } => {
                    cases.insert(case_no.clone());
                    if field == "case_no" {
                        if let Some(v) = value {
                            cases.insert(v.clone());
                        }
                    }
                    if let Some(id) = resolves {
                        conflicts.insert(*id);
                    }
                    if c.scope != Scope::Event {
                        fields.insert(FieldKey {
                            scope: c.scope,
                            entity: c.entity.clone(),
                            field: field.clone(),
                        });
                    }
                }
                ChangeBody::Event { case_no, .. } => {
                    cases.insert(case_no.clone());
                }
            }
            match c.scope {
                Scope::Case => {
                    cases.insert(c.entity.clone());
                }
                Scope::Individual => {
                    individuals.insert(c.entity.clone());
                }
                Scope::Event => {
                    events.insert(c.entity.clone());
                }
            }
        }
        Wanted {
            case_nos: cases.into_iter().collect(),
            individual_nos: individuals.into_iter().collect(),
            fields: fields
                .into_iter()
                .filter(|k| !entities.contains(&k.entity))
                .collect(),
            entities: entities.into_iter().collect(),
            event_ids: events.into_iter().collect(),
            conflict_ids: conflicts.into_iter().collect(),
        }
    }
}

/// Keeps the changes a device has not pushed before, checking their order.
pub(crate) fn new_changes(
    changes: Vec<Change>,
    last_client_seq: u64,
) -> Result<Vec<Change>, StoreError> {
    let mut previous = 0;
    for c in &changes {
        if c.client_seq <= previous {
            return Err(StoreError::OutOfOrder(c.client_seq));
        }
        if i64::try_from(c.client_seq).is_err() {
            return Err(StoreError::OutOfRange);
        }
        previous = c.client_seq;
    }
    Ok(changes
        .into_iter()
        .filter(|c| c.client_seq > last_client_seq)
        .collect())
}

/// Merges the per-table results of a pull into one page (each list fetched with `limit + 1`
/// rows after `after`, in `server_seq` order). `committed_max` is the highest sequence number
/// committed when the page was read: with nothing more to send, the cursor jumps to it.
pub(crate) fn assemble_page(
    mut changes: Vec<ServerChange>,
    mut conflicts: Vec<Conflict>,
    after: u64,
    limit: u32,
    committed_max: u64,
) -> Page {
    let limit = (limit as usize).max(1);
    let mut seqs: Vec<u64> = changes
        .iter()
        .map(|c| c.server_seq)
        .chain(conflicts.iter().map(|c| c.server_seq))
        .collect();
    seqs.sort_unstable();
    if seqs.len() > limit {
        let cut = seqs[limit - 1];
        changes.retain(|c| c.server_seq <= cut);
        conflicts.retain(|c| c.server_seq <= cut);
        changes.sort_by_key(|c| c.server_seq);
        conflicts.sort_by_key(|c| c.server_seq);
        Page {
            changes,
            conflicts,
            next_cursor: cut,
            more: true,
        }
    } else {
        changes.sort_by_key(|c| c.server_seq);
        conflicts.sort_by_key(|c| c.server_seq);
        Page {
            changes,
            conflicts,
            next_cursor: committed_max.max(after),
            more: false,
        }
    }
}

/// A staff name as compared: trimmed, lower case.
pub fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// Converts a policy value read from the database.
pub(crate) fn to_u32(v: i64) -> Result<u32, StoreError> {
    u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("policy value {v} out of range")))
}

/// A device's revocation as its row holds it: a time, and the reason (migration 0003). A
/// revocation without a readable reason counts as lost: the reading that leaves no data behind.
pub(crate) fn revocation(revoked_ms: Option<i64>, reason: Option<&str>) -> Option<RevokeReason> {
    revoked_ms.map(|_| {
        reason
            .and_then(RevokeReason::parse)
            .unwrap_or(RevokeReason::Lost)
    })
}

/// Converts a sequence number read from the database.
pub(crate) fn to_u64(v: i64) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| StoreError::Corrupt(format!("negative number {v}")))
}

/// Converts a number for the database (both databases store signed 64-bit integers).
pub(crate) fn to_i64(v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::OutOfRange)
}
