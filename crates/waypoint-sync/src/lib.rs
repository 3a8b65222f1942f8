//! The device's side of sync over the network (docs/sync-protocol.md): enrolment with a
//! one-time code, and `sync`, which pushes the outbox and pulls the device's scope in rounds
//! of one `POST /v1/sync` each.
//!
//! Everything that touches the local data goes through `waypoint_store::Store` (acknowledging
//! pushed changes, applying pulled pages with their cursor in one transaction); this crate only
//! moves bytes and translates between the store's types and the wire types. It never prints and
//! never logs values.

use std::path::Path;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::blocking::{Client, Response};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use waypoint_domain::Field;
use waypoint_domain::Role;
use waypoint_protocol as wire;
use waypoint_store::{
    Applied, Conflict, IncomingBody, IncomingChange, OutgoingBody, OutgoingChange, Scope,
    SitePolicy, StaffMember, StaffSource, Store, StoreError, Unsent,
};

mod enrol;

pub use enrol::{enrol, re_enrol};

pub use wire::{EnrolResponse, SignInResponse, StaffDirectory};

/// How many outbox entries travel in one round.
pub const PUSH_BATCH: usize = 2_000;
// A push never goes over the protocol's caps (the server refuses it whole): as many changes,
// and a new record's fields (one per `Field`).
const _: () = assert!(PUSH_BATCH <= wire::MAX_CHANGES_PER_PUSH);
const _: () = assert!(Field::COUNT <= wire::MAX_FIELDS_PER_RECORD);
/// Field values asked for per pulled page (the server's largest page).
pub const PULL_LIMIT: u32 = wire::MAX_PULL_LIMIT;

/// What can go wrong, for the person at the laptop. None of these carries personal data.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(
        "'{0}' is not a server address Waypoint can use: give it like https://sync.example.org"
    )]
    BadUrl(String),
    #[error(
        "the server address {0} uses plain http://, which is only allowed to this computer \
         (127.0.0.1 or localhost): use https://"
    )]
    PlainHttp(String),
    #[error("this device is not enrolled yet: run `waypoint enrol --server URL --code CODE` first")]
    NotEnrolled,
    /// Enrolling again would send the outbox (and later everything) to another server, end
    /// the lease and HQ's revocation: refused, and audited.
    #[error(
        "this device is already enrolled with {server}: it was not enrolled again. A supervisor \
         can move it with `waypoint enrol --replace --server URL --code CODE`, which first sends \
         every pending change to {server}; or HQ revokes it there"
    )]
    AlreadyEnrolled { server: String },
    #[error("only a supervisor may enrol this device again (signed in as {0})")]
    NotSupervisor(String),
    #[error("this device was not enrolled again: {0}")]
    NotDrained(String),
    #[error("the certificate file {path} could not be used: {reason}")]
    Certificate { path: String, reason: String },
    #[error(
        "the server at {url} could not be reached ({reason}). Nothing was lost: the changes wait \
         on this device; try again when the link is back"
    )]
    Unreachable { url: String, reason: String },
    #[error("the server refused this device: {0}")]
    Unauthorized(String),
    /// HQ revoked this device (`waypoint-server admin device revoke NAME --reason …`). For
    /// [`wire::RevokeReason::Lost`] the device must wipe itself at once
    /// ([`SyncError::must_wipe`]); a retired device is refused only outside sync, and wipes
    /// itself once everything it recorded reached HQ and was taken ([`retired_wipe`]).
    #[error("the server refused this device: {message}")]
    Revoked {
        reason: wire::RevokeReason,
        message: String,
    },
    #[error("{0} (this device keeps every change it has not synced)")]
    UpgradeRequired(String),
    #[error("the server answered {status}: {message}")]
    Server { status: u16, message: String },
    #[error("the server's answer could not be read: {0}")]
    Protocol(#[from] wire::ProtocolError),
    #[error("the server refused the sign-in: {0}")]
    SignInRefused(String),
    #[error("{0}")]
    TooManyAttempts(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SyncError {
    /// Whether the device was refused (revoked or unknown): a person must re-enrol it.
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, SyncError::Unauthorized(_) | SyncError::Revoked { .. })
    }

    /// Whether HQ revoked this device as lost: it must wipe itself now (the wrapped keys
    /// first, then its files), whatever it has not sent.
    pub fn must_wipe(&self) -> bool {
        matches!(
            self,
            SyncError::Revoked {
                reason: wire::RevokeReason::Lost,
                ..
            }
        )
    }
}

/// How a sync is going (for a progress line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub round: u32,
    /// Changes of this device sent so far, and how many were waiting when the sync began.
    pub sent: u64,
    pub to_send: u64,
    /// Changes received from the server so far.
    pub received: u64,
}

/// A change the server did not take, and why (in the server's words).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Refused {
    pub client_seq: u64,
    pub reason: String,
}

/// What a sync did, truthfully: what was sent, taken, refused, received and left pending.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SyncReport {
    pub server: String,
    /// Round trips (requests) made.
    pub round_trips: u32,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    /// Outbox entries sent (a repeated entry counts again).
    pub sent: u64,
    /// Of those, taken by the server (applied or merged).
    pub accepted: u64,
    pub refused: Vec<Refused>,
    /// Field values, events and removals received and applied.
    pub received_fields: u64,
    pub received_events: u64,
    pub removed_cases: u64,
    /// Received values not applied because this device has a newer change still to push.
    pub kept_local: u64,
    /// Received events this version cannot read: kept as received and counted in the
    /// status; an upgraded Waypoint reads them.
    pub unreadable_events: u64,
    /// Conflicts waiting for a person on this device after the sync.
    pub open_conflicts: u64,
    /// Changes still in the outbox after the sync (0 after a complete sync).
    pub pending: u64,
    /// The staff directory or the site's policy changed at the server and was saved here.
    pub directory_updated: bool,
    /// Staff who can no longer sign in on this device (disabled or gone at the server): the
    /// caller destroys their wrapped keys. Not printed.
    #[serde(skip)]
    pub signed_out: Vec<String>,
    /// Audit entries sent to the server (which keeps the device's chain; issue 6).
    pub audit_sent: u64,
    /// The server refused this device's audit entries, and why (the device's log no longer
    /// matches the copy the server holds: HQ must look at this laptop). The data synced.
    pub audit_refused: Option<String>,
    /// HQ retired this device: the server took its pushes and sent it nothing. Whether it
    /// wipes itself is [`retired_wipe`]'s to say, asked while the caller holds the store.
    pub retired: bool,
}

/// What a device HQ retired does with its data ([`retired_wipe`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetiredWipe {
    /// Everything recorded on this device reached HQ and was taken: erase it now.
    Now,
    /// Something recorded here is still only here: keep the data. Changes still to push go
    /// with the next sync; refused ones wait for a supervisor to deal with and dismiss them.
    Wait(Unsent),
}

/// The one rule, for the CLI and the desktop alike, for when a retired device erases itself:
/// only once nothing recorded on it is only on it (no change waiting to be pushed, no change
/// the server refused). Counted from `store` now, not taken from a [`SyncReport`] (counted
/// before the directory and audit requests): the caller asks while it holds the store so
/// that nothing can be recorded between this count and the wipe.
pub fn retired_wipe(store: &Store) -> Result<RetiredWipe, SyncError> {
    let unsent = store.unsent()?;
    Ok(if unsent.is_empty() {
        RetiredWipe::Now
    } else {
        RetiredWipe::Wait(unsent)
    })
}

/// A server address: `https://…`, or `http://` to this computer only.
fn check_url(server: &str) -> Result<reqwest::Url, SyncError> {
    let url = reqwest::Url::parse(server.trim()).map_err(|_| SyncError::BadUrl(server.into()))?;
    match url.scheme() {
        "https" => {}
        "http" => {
            let host = url.host_str().unwrap_or_default();
            let loopback = host.eq_ignore_ascii_case("localhost")
                || host
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            if !loopback {
                return Err(SyncError::PlainHttp(server.into()));
            }
        }
        _ => return Err(SyncError::BadUrl(server.into())),
    }
    if url.host().is_none() {
        return Err(SyncError::BadUrl(server.into()));
    }
    Ok(url)
}

/// The HTTP client for `extra_ca`, made once per process and shared (a client is cheap to
/// clone): making one reads and parses the system's certificates and starts the blocking
/// client's own thread, which cost more than a whole no-op sync.
fn http_client(extra_ca: Option<&Path>) -> Result<Client, SyncError> {
    static CLIENTS: std::sync::Mutex<Vec<(Option<std::path::PathBuf>, Client)>> =
        std::sync::Mutex::new(Vec::new());
    let key = extra_ca.map(Path::to_path_buf);
    let mut clients = CLIENTS.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, client)) = clients.iter().find(|(k, _)| *k == key) {
        return Ok(client.clone());
    }
    let client = new_http_client(extra_ca)?;
    clients.push((key, client.clone()));
    Ok(client)
}

/// A new HTTP client: rustls with ring, the system's roots plus `extra_ca` (a PEM file) if given.
fn new_http_client(extra_ca: Option<&Path>) -> Result<Client, SyncError> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = Client::builder()
        .connect_timeout(Duration::from_secs(15))
        .timeout(Duration::from_secs(180))
        .user_agent(concat!("waypoint/", env!("CARGO_PKG_VERSION")));
    if let Some(path) = extra_ca {
        let bad = |reason: String| SyncError::Certificate {
            path: path.display().to_string(),
            reason,
        };
        let pem = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
        let cert = reqwest::Certificate::from_pem(&pem).map_err(|e| bad(e.to_string()))?;
        builder = builder.add_root_certificate(cert);
    }
    builder.build().map_err(|e| SyncError::Unreachable {
        url: String::new(),
        reason: e.to_string(),
    })
}

/// The CA file for servers with their own certificate: `WAYPOINT_CA_CERT`, when set.
fn ca_from_env() -> Option<std::path::PathBuf> {
    std::env::var_os("WAYPOINT_CA_CERT").map(Into::into)
}

fn unreachable(url: &reqwest::Url, e: &reqwest::Error) -> SyncError {
    // reqwest's messages name the URL, never a body.
    let reason = if e.is_timeout() {
        "no answer in time".to_string()
    } else if e.is_connect() {
        "could not connect".to_string()
    } else {
        e.to_string()
    };
    SyncError::Unreachable {
        url: url.to_string(),
        reason,
    }
}

/// Turns an error answer into a [`SyncError`] carrying the server's message for a person.
fn error_answer(response: Response) -> SyncError {
    let status = response.status();
    let (message, revoked) = response
        .json::<wire::ErrorBody>()
        .map(|b| (b.error, b.revoked))
        .unwrap_or_else(|_| {
            let reason = status.canonical_reason().unwrap_or("error").to_string();
            (reason, None)
        });
    match status {
        StatusCode::UNAUTHORIZED => match revoked {
            Some(reason) => SyncError::Revoked { reason, message },
            None => SyncError::Unauthorized(message),
        },
        StatusCode::UPGRADE_REQUIRED => SyncError::UpgradeRequired(message),
        StatusCode::FORBIDDEN | StatusCode::CONFLICT => SyncError::SignInRefused(message),
        StatusCode::TOO_MANY_REQUESTS => SyncError::TooManyAttempts(message),
        _ => SyncError::Server {
            status: status.as_u16(),
            message,
        },
    }
}

/// A staff member's online sign-in on this device, with the device's sign-in credential
/// (`credential`, kept in keys.json for a device whose store is still locked): the server checks
/// the PIN, that the account is enabled and of one of the device's sites, and answers the role,
/// the device's recovery secret and the directory. A wrong PIN is
/// [`SyncError::SignInRefused`]; too many is [`SyncError::TooManyAttempts`]; no network is
/// [`SyncError::Unreachable`].
pub fn sign_in(
    server: &str,
    credential: &str,
    name: &str,
    pin: &str,
) -> Result<wire::SignInResponse, SyncError> {
    let base = check_url(server)?;
    let client = http_client(ca_from_env().as_deref())?;
    let url = base
        .join(wire::paths::SIGN_IN)
        .map_err(|_| SyncError::BadUrl(server.into()))?;
    let response = client
        .post(url)
        .header(AUTHORIZATION, format!("Bearer {credential}"))
        .json(&wire::SignInRequest {
            name: name.trim().to_string(),
            pin: pin.to_string(),
        })
        .send()
        .map_err(|e| unreachable(&base, &e))?;
    if !response.status().is_success() {
        return Err(error_answer(response));
    }
    response.json().map_err(|e| SyncError::Server {
        status: 200,
        message: format!("a sign-in answer that could not be read ({e})"),
    })
}

/// The server's part of this device's staff directory and its policy, as the server would
/// send them (its digest is what the device says it holds).
pub fn held_directory(store: &Store) -> Result<wire::StaffDirectory, SyncError> {
    let staff = store
        .staff_directory()?
        .into_iter()
        .filter(|m| m.source == StaffSource::Server)
        .map(|m| wire::StaffEntry {
            name: m.name,
            role: m.role.code().to_string(),
            site: m.site.unwrap_or_default(),
            disabled: m.disabled,
        })
        .collect();
    let policy = store.site_policy()?;
    Ok(wire::StaffDirectory {
        staff,
        policy: wire::SitePolicy {
            lease_days: policy.lease_days,
            idle_minutes: policy.idle_minutes,
        },
    })
}

/// Saves a directory the server sent (the device's sites' staff and policy); returns the
/// names that can no longer sign in here, whose wrapped keys the caller destroys.
pub fn apply_directory(
    store: &mut Store,
    directory: &wire::StaffDirectory,
) -> Result<Vec<String>, SyncError> {
    let members = directory
        .staff
        .iter()
        .map(|e| {
            let role = Role::parse(&e.role).map_err(|_| SyncError::Server {
                status: 200,
                message: "a staff role this version of Waypoint does not know: update Waypoint"
                    .into(),
            })?;
            Ok(StaffMember {
                name: e.name.clone(),
                role,
                site: Some(e.site.clone()),
                disabled: e.disabled,
                source: StaffSource::Server,
            })
        })
        .collect::<Result<Vec<_>, SyncError>>()?;
    let lost = store.replace_server_staff(&members)?;
    store.set_site_policy(SitePolicy {
        lease_days: directory.policy.lease_days.max(1),
        idle_minutes: directory.policy.idle_minutes.max(1),
    })?;
    Ok(lost)
}

fn wire_scope(scope: Scope) -> wire::Scope {
    match scope {
        Scope::Case => wire::Scope::Case,
        Scope::Individual => wire::Scope::Individual,
        Scope::Event => wire::Scope::Event,
    }
}

fn store_scope(scope: wire::Scope) -> Scope {
    match scope {
        wire::Scope::Case => Scope::Case,
        wire::Scope::Individual => Scope::Individual,
        wire::Scope::Event => Scope::Event,
    }
}

/// An outbox entry as it travels.
pub fn to_wire(change: OutgoingChange) -> wire::Change {
    let case_no = change.case_no;
    let body = match change.body {
        OutgoingBody::Create { fields } => wire::ChangeBody::Create {
            case_no,
            fields: fields
                .into_iter()
                .map(|(f, v)| (f.column().to_string(), v))
                .collect(),
        },
        OutgoingBody::Field {
            field,
            value,
            base_seq,
            resolves,
        } => wire::ChangeBody::Field {
            case_no,
            field: field.column().to_string(),
            value,
            base_seq: u64::try_from(base_seq).unwrap_or(0),
            resolves: resolves.and_then(|r| r.parse().ok()),
        },
        OutgoingBody::Event { kind, json } => wire::ChangeBody::Event {
            case_no,
            kind,
            json,
        },
    };
    wire::Change {
        client_seq: u64::try_from(change.client_seq).unwrap_or(0),
        hlc: change.hlc,
        scope: wire_scope(change.scope),
        entity: change.entity,
        body,
    }
}

fn field_named(name: &str) -> Result<Field, SyncError> {
    Field::from_column(name).ok_or_else(|| {
        let name: String = name.chars().take(40).collect();
        SyncError::Server {
            status: 200,
            message: format!(
                "a field this version of Waypoint does not know ('{name}'): update Waypoint"
            ),
        }
    })
}

fn seq(v: u64) -> Result<i64, SyncError> {
    i64::try_from(v).map_err(|_| SyncError::Server {
        status: 200,
        message: "a sequence number out of range".into(),
    })
}

/// A pulled change as the store applies it.
pub fn from_wire(change: wire::ServerChange) -> Result<IncomingChange, SyncError> {
    let body = match change.body {
        wire::ServerBody::Record { fields } => IncomingBody::Record {
            fields: fields
                .into_iter()
                .map(|(name, value)| Ok((field_named(&name)?, value)))
                .collect::<Result<_, SyncError>>()?,
        },
        // A schema-1 value: a record of one field.
        wire::ServerBody::Field { field, value } => IncomingBody::Record {
            fields: vec![(field_named(&field)?, value)],
        },
        wire::ServerBody::Event { kind, json } => IncomingBody::Event { kind, json },
        wire::ServerBody::Remove => IncomingBody::Remove,
    };
    Ok(IncomingChange {
        server_seq: seq(change.server_seq)?,
        scope: store_scope(change.scope),
        entity: change.entity,
        case_no: change.case_no,
        body,
    })
}

/// A conflict as the store keeps it.
pub fn conflict_from_wire(c: wire::Conflict) -> Result<Conflict, SyncError> {
    Ok(Conflict {
        id: c.id.to_string(),
        scope: store_scope(c.scope),
        entity: c.entity,
        case_no: c.case_no,
        field: field_named(&c.field)?,
        winner: c.winner,
        loser: c.loser,
        winner_device: c.winner_device,
        loser_device: c.loser_device,
        resolved: c.resolved,
    })
}

/// How a device reaches its server: one sync round trip at a time. [`sync`] uses HTTP; a
/// simulation can put anything in between (lost answers, repeated requests).
pub trait Transport {
    /// The server's address, for the report.
    fn server(&self) -> String;
    /// Sends one request and returns the answer with the bytes (sent, received).
    fn round(
        &self,
        request: &wire::SyncRequest,
    ) -> Result<(wire::SyncResponse, u64, u64), SyncError>;
    /// Whether an answer said HQ retired this device (the [`wire::REVOKED_HEADER`]).
    fn retired(&self) -> bool {
        false
    }
}

/// An enrolled device talking to its server over HTTP.
#[derive(Debug)]
struct Session {
    client: Client,
    base: reqwest::Url,
    token: String,
    /// The digest of the staff directory this device holds (sent with each round).
    directory: String,
    /// The server said its directory differs (set by a round).
    directory_changed: std::sync::atomic::AtomicBool,
    /// Set when an answer carried `waypoint-device-revoked: retired`.
    retired: std::sync::atomic::AtomicBool,
}

impl Session {
    fn of(store: &Store) -> Result<Session, SyncError> {
        let state = store.sync_state()?;
        let (Some(server), Some(token)) = (state.server_url, state.token) else {
            return Err(SyncError::NotEnrolled);
        };
        Ok(Session {
            client: http_client(ca_from_env().as_deref())?,
            base: check_url(&server)?,
            token,
            directory: held_directory(store)?.digest(),
            directory_changed: std::sync::atomic::AtomicBool::new(false),
            retired: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// `GET /v1/directory`: (the directory, bytes received).
    fn directory(&self) -> Result<(wire::StaffDirectory, u64), SyncError> {
        let url = self
            .base
            .join(wire::paths::DIRECTORY)
            .map_err(|_| SyncError::BadUrl(self.base.to_string()))?;
        let response = self
            .client
            .get(url)
            .header(AUTHORIZATION, format!("Bearer {}", self.token))
            .send()
            .map_err(|e| unreachable(&self.base, &e))?;
        if !response.status().is_success() {
            return Err(error_answer(response));
        }
        let bytes = response.bytes().map_err(|e| unreachable(&self.base, &e))?;
        let directory = serde_json::from_slice(&bytes).map_err(|e| SyncError::Server {
            status: 200,
            message: format!("a staff directory that could not be read ({e})"),
        })?;
        Ok((directory, bytes.len() as u64))
    }
}

impl Session {
    /// `POST /v1/audit`: (the server's acknowledgement, bytes sent, bytes received).
    fn push_audit(&self, push: &wire::AuditPush) -> Result<(wire::AuditAck, u64, u64), SyncError> {
        let body = serde_json::to_vec(push).map_err(|e| SyncError::Server {
            status: 0,
            message: format!("the audit entries could not be encoded ({e})"),
        })?;
        let sent = body.len() as u64;
        let url = self
            .base
            .join(wire::paths::AUDIT)
            .map_err(|_| SyncError::BadUrl(self.base.to_string()))?;
        let response = self
            .client
            .post(url)
            .header(AUTHORIZATION, format!("Bearer {}", self.token))
            .header(CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .map_err(|e| unreachable(&self.base, &e))?;
        if !response.status().is_success() {
            return Err(error_answer(response));
        }
        let bytes = response.bytes().map_err(|e| unreachable(&self.base, &e))?;
        let ack = serde_json::from_slice(&bytes).map_err(|e| SyncError::Server {
            status: 200,
            message: format!("an audit acknowledgement that could not be read ({e})"),
        })?;
        Ok((ack, sent, bytes.len() as u64))
    }
}

/// Sends the audit entries the server does not hold yet, in batches, and records how far it
/// holds them. A refusal (HTTP 422: the entries do not continue the server's copy of the chain)
/// is reported, not an error: the data has synced, and HQ must look at this laptop.
fn push_audit_log(
    store: &Store,
    session: &Session,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    loop {
        let after = store.audit_pushed()?;
        let entries = store.audit_entries(after, wire::AUDIT_BATCH)?;
        if entries.is_empty() {
            return Ok(());
        }
        let count = entries.len() as u64;
        let push = wire::AuditPush {
            entries: entries
                .into_iter()
                .map(|e| wire::AuditRecord {
                    seq: e.seq,
                    at: e.at,
                    staff: e.staff,
                    action: e.action,
                    scope: e.scope,
                    entity: e.entity,
                    field: e.field,
                    detail: e.detail,
                    prev_hash: e.prev_hash,
                    hash: e.hash,
                })
                .collect(),
        };
        let (ack, sent, received) = match session.push_audit(&push) {
            Ok(answer) => answer,
            Err(SyncError::Server {
                status: 422,
                message,
            }) => {
                report.audit_refused = Some(message);
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        report.round_trips += 1;
        report.bytes_sent += sent;
        report.bytes_received += received;
        report.audit_sent += count;
        if ack.held_seq <= after {
            // The server holds no more than before: stop rather than send the same again.
            return Ok(());
        }
        store.set_audit_pushed(ack.held_seq)?;
    }
}

impl Transport for Session {
    fn server(&self) -> String {
        self.base.as_str().trim_end_matches('/').to_string()
    }

    /// One `POST /v1/sync`.
    fn round(
        &self,
        request: &wire::SyncRequest,
    ) -> Result<(wire::SyncResponse, u64, u64), SyncError> {
        let body = wire::encode(request)?;
        let sent = body.len() as u64;
        let url = self
            .base
            .join(wire::paths::SYNC)
            .map_err(|_| SyncError::BadUrl(self.base.to_string()))?;
        let response = self
            .client
            .post(url)
            .header(AUTHORIZATION, format!("Bearer {}", self.token))
            .header(CONTENT_TYPE, wire::BATCH_CONTENT_TYPE)
            .header(wire::DIRECTORY_HEADER, &self.directory)
            .body(body)
            .send()
            .map_err(|e| unreachable(&self.base, &e))?;
        if !response.status().is_success() {
            return Err(error_answer(response));
        }
        if response
            .headers()
            .get(wire::DIRECTORY_HEADER)
            .is_some_and(|v| v.as_bytes() != self.directory.as_bytes())
        {
            self.directory_changed
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
        if response
            .headers()
            .get(wire::REVOKED_HEADER)
            .is_some_and(|v| v.as_bytes() == wire::RevokeReason::Retired.as_str().as_bytes())
        {
            self.retired
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
        let bytes = response.bytes().map_err(|e| unreachable(&self.base, &e))?;
        let answer: wire::SyncResponse = wire::decode(&bytes)?;
        Ok((answer, sent, bytes.len() as u64))
    }

    fn retired(&self) -> bool {
        self.retired.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Pushes every change in the outbox and pulls everything new in this device's scope, in
/// rounds of one request each, until both are done. Each round's answer is stored in one
/// transaction (acknowledgement) and one more (the page with its cursor), so an interrupted
/// sync loses nothing and repeats at most one round. The outcome is recorded for `status`.
pub fn sync(
    store: &mut Store,
    progress: &mut dyn FnMut(Progress),
) -> Result<SyncReport, SyncError> {
    let session = Session::of(store)?;
    let mut report = sync_with(store, &session, progress)?;
    // The directory travels only when it changed: one more request, after the data.
    if session
        .directory_changed
        .load(std::sync::atomic::Ordering::Relaxed)
    {
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
