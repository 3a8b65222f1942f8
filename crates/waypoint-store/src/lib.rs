//! Waypoint's local store: one SQLite file per device, in which an acknowledged write survives
//! a crash or a power cut.
//!
//! Every write goes through [`Store`]: in the same transaction it changes the rows and appends
//! to the outbox (one entry per changed field, per new case or individual, or per new event),
//! with the device's next `client_seq`, a hybrid-logical-clock timestamp and the server
//! sequence the edit was based on. Nothing else writes to these tables. In the same
//! transaction it appends to the hash-chained audit log (see [`audit`]).

mod arrival;
pub mod audit;
mod clock;
mod departure;
mod departure_notice;
mod enrolment;
mod event_reader;
mod exit_permit;
mod export;
mod import;
mod lease;
mod migrations;
mod movements;
mod outbox;
mod outbox_kind;
mod profile;
pub mod roles;
mod search;
mod staff;
mod sync;

use std::path::{Path, PathBuf};

use rusqlite::{CachedStatement, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use uuid::Uuid;
use waypoint_domain::{EventError, Field, FieldError, Scope};
pub use waypoint_keys::StoreKey;

pub use audit::{AuditAction, AuditEntry, AuditProblem, AuditProblemKind, AuditReport};
pub use clock::{Hlc, wall_clock_ms};
pub use event_reader::{EventFacts, EventReader, read_known_event};
pub use import::{Clash, ImportSession, ImportSummary, Tally};
pub use lease::{LeaseState, lease_state};
pub use migrations::{MIGRATIONS, SCHEMA_VERSION, migrate_to};
pub use outbox::{OutboxEntry, RefusedWhole, Unsent};
pub use outbox_kind::OutboxKind;
pub use profile::{CaseView, EditOutcome, StoredEvent};
pub use search::{BuiltSearch, SearchBuild, SearchResult};
pub use staff::{StaffMember, StaffSource};
pub use sync::{
    Applied, Conflict, IncomingBody, IncomingChange, OutgoingBody, OutgoingChange, RefusedChange,
    SyncState,
};

/// The file name of the store inside the data directory.
pub const DB_FILE: &str = "waypoint.db";

/// What went wrong in the store, said for a person.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the Waypoint data at {path}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error(
        "the Waypoint data at {path} cannot be read with this key: it was made on another device, or it is not Waypoint data"
    )]
    WrongKey { path: PathBuf },
    #[error(
        "the Waypoint data was written by a newer version of Waypoint (schema {found}; this version knows up to {known}): update Waypoint"
    )]
    TooNew { found: u32, known: u32 },
    #[error("there is no individual with number {0}")]
    UnknownIndividual(String),
    #[error("there is no case with number {0}")]
    UnknownCase(String),
    #[error("{field}: {error}")]
    InvalidValue { field: Field, error: FieldError },
    #[error("{0} cannot be changed: it identifies the record")]
    ReadOnlyField(Field),
    /// The record's old exit-permit fields, kept only for older versions of Waypoint.
    #[error("{0} is no longer typed in: record the exit permit's step instead")]
    RecordedAsSteps(Field),
    #[error("event not recorded: {0}")]
    Event(EventError),
    #[error("not allowed: the {role} role may not {what}")]
    NotAllowed {
        role: waypoint_domain::Role,
        what: waypoint_domain::Refused,
    },
    #[error(
        "{0} is not a staff member of this device: ask HQ for an account, then sign in once with a network"
    )]
    UnknownStaff(String),
    #[error("{0}'s account is disabled: they can no longer sign in on this device")]
    StaffDisabled(String),
    #[error("there is no conflict with id {0}")]
    UnknownConflict(String),
    #[error("an event with id {0} is already recorded")]
    DuplicateEvent(Uuid),
    /// A caller's input the store refuses (an empty name, a policy of zero days): says what.
    #[error("{0}")]
    InvalidInput(String),
    #[error("the Waypoint data is damaged: {0}")]
    Corrupt(String),
    #[error("database error")]
    Sqlite(#[from] rusqlite::Error),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl From<EventError> for StoreError {
    fn from(e: EventError) -> Self {
        Self::Event(e)
    }
}

/// The device's local store.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    device_id: Uuid,
    search: search::SearchCache,
    /// Who the audit log names for this store's actions (see [`Store::act_as`]).
    staff: String,
    /// The key the file was opened with (`None`: the benchmark's unencrypted store), kept to
    /// open second connections to the same file ([`Store::reopen`], the search build).
    key: Option<StoreKey>,
    /// How far this store's clock is moved from the wall clock (simulations of laptops whose
    /// clocks are wrong; 0 in the product).
    clock_skew_ms: i64,
    /// How pulled events are read (the kinds this version knows).
    event_reader: event_reader::ReaderSlot,
}

impl Store {
    /// Opens (creating if needed) the store in `data_dir`, encrypted with `key` (SQLCipher;
    /// see `waypoint-keys` for where the key comes from).
    pub fn open(data_dir: &Path, key: &StoreKey) -> Result<Self, StoreError> {
        std::fs::create_dir_all(data_dir)?;
        Self::open_file(&data_dir.join(DB_FILE), key)
    }

    /// Opens (creating if needed) the store in the SQLite file `path`, encrypted with `key`.
    pub fn open_file(path: &Path, key: &StoreKey) -> Result<Self, StoreError> {
        Self::open_with(path, Some(key))
    }

    /// Opens (creating if needed) a store that is **not encrypted**: only for the benchmark
    /// that measures what encryption costs. The product never opens one.
    #[cfg(feature = "unencrypted")]
    pub fn open_unencrypted(data_dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(data_dir)?;
        Self::open_with(&data_dir.join(DB_FILE), None)
    }

    fn open_with(path: &Path, key: Option<&StoreKey>) -> Result<Self, StoreError> {
        let mut conn = connect(path, key)?;
        configure(&conn).map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        // Applying pulled records caches one statement per set of columns (see sync/pull.rs).
        conn.set_prepared_statement_cache_capacity(64);
        migrations::migrate_to(&mut conn, SCHEMA_VERSION)?;
        let device_id = ensure_device(&mut conn)?;
        let mut store = Self {
            conn,
            device_id,
            search: search::SearchCache::default(),
            staff: format!("device:{device_id}"),
            key: key.cloned(),
            clock_skew_ms: 0,
            event_reader: event_reader::ReaderSlot::default(),
        };
        // An upgraded Waypoint reads the events an older one had to keep aside.
        store.read_kept_events()?;
        // Once per store: the record's old exit-permit fields become steps.
        store.carry_over_exit_permits()?;
        Ok(store)
    }

    /// Another `Store` on the same file with the same key (its own connection), for work that
    /// must not hold this one: a sync in the background while the window goes on.
    pub fn reopen(&self) -> Result<Store, StoreError> {
        let path = self
            .conn
            .path()
            .filter(|p| !p.is_empty())
            .map(std::path::PathBuf::from)
            .ok_or_else(|| StoreError::Corrupt("an in-memory store cannot be reopened".into()))?;
        Self::open_with(&path, self.key.as_ref())
    }

    /// A read-only connection to this store's file, unlocked with its key.
    pub(crate) fn read_only_connection(&self, path: &Path) -> Result<Connection, StoreError> {
        connect_with(
            path,
            self.key.as_ref(),
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
    }

    /// Moves this store's clock by `ms` from the wall clock, as a laptop whose clock is wrong
    /// would have it. For simulations and tests of sync (guarantee 7); the product never calls it.
    pub fn set_clock_skew_ms(&mut self, ms: i64) {
        self.clock_skew_ms = ms;
    }

    /// This device's id, made once when the store was created.
    pub fn device_id(&self) -> Uuid {
        self.device_id
    }

    /// The schema version of the open store.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        migrations::schema_version(&self.conn)
    }

    /// SQLite's own consistency check: `Ok(())` or what it found.
    pub fn integrity_check(&self) -> Result<(), StoreError> {
        let result: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if result == "ok" {
            Ok(())
        } else {
            Err(StoreError::Corrupt(result))
        }
    }

    /// Starts a write: an immediate transaction (the write lock is taken now, not half-way).
    fn write(&mut self) -> Result<Writer<'_>, StoreError> {
        let mut w = Writer::begin(&self.conn, &self.staff)?;
        w.clock_skew_ms = self.clock_skew_ms;
        Ok(w)
    }
}

impl<'c> Writer<'c> {
    fn begin(conn: &'c Connection, staff: &str) -> Result<Self, StoreError> {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let mut writer = Writer {
            tx: conn,
            insert_outbox: conn.prepare_cached(
                "INSERT INTO outbox (client_seq, hlc, kind, scope, entity, field, value, base_seq, payload)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?,
            next_seq: 0,
            hlc: Hlc(0),
            clock_skew_ms: 0,
            dirty: false,
            open: true,
            audit: audit::AuditChain::new(staff),
        };
        let (next_seq, hlc): (i64, i64) = conn.query_row(
            "SELECT next_client_seq, hlc FROM device WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        writer.next_seq = next_seq;
        writer.hlc = Hlc::from_i64(hlc);
        Ok(writer)
    }
}

/// Opens the store's SQLite file with `key`, for tests and maintenance tools that must read
/// it directly (the product goes through [`Store`]). Fails with [`StoreError::WrongKey`] if
/// the key does not open it.
pub fn open_connection(path: &Path, key: &StoreKey) -> Result<Connection, StoreError> {
    connect(path, Some(key))
}

/// Opens the file and, with a key, unlocks it and checks that the key is the right one.
fn connect(path: &Path, key: Option<&StoreKey>) -> Result<Connection, StoreError> {
    connect_with(
        path,
        key,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
}

fn connect_with(
    path: &Path,
    key: Option<&StoreKey>,
    flags: OpenFlags,
) -> Result<Connection, StoreError> {
    // SQLCipher's key setup shares one process-wide random source between connections and
    // has been seen to fail once under parallel load ("An error occurred with PRAGMA key"),
    // leaving that connection unusable; a fresh connection a moment later succeeds.
    const KEY_SETUP_ATTEMPTS: u32 = 3;
    let mut attempt = 1;
    loop {
        match connect_once(path, key, flags) {
            Err(StoreError::Open {
                source: rusqlite::Error::SqliteFailure(e, Some(msg)),
                ..
            }) if attempt < KEY_SETUP_ATTEMPTS
                && e.code == rusqlite::ErrorCode::Unknown
                && msg.contains("PRAGMA key") =>
            {
                attempt += 1;
                std::thread::sleep(std::time::Duration::from_millis(20 * u64::from(attempt)));
            }
            other => return other,
        }
    }
}

fn connect_once(
    path: &Path,
    key: Option<&StoreKey>,
    flags: OpenFlags,
) -> Result<Connection, StoreError> {
    let open_err = |source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    };
    let conn = Connection::open_with_flags(path, flags).map_err(open_err)?;
    if let Some(key) = key {
        // SQLCipher's own log would print a second, technical line for a wrong key, which
        // `StoreError::WrongKey` already says for a person.
        conn.execute_batch("PRAGMA cipher_log_level = NONE")
            .map_err(open_err)?;
        // SQLCipher: a raw 256-bit key (no passphrase derivation), then the page size, which
        // must be the same at every open (see `configure`).
        let pragma = zeroize::Zeroizing::new(format!(
            "PRAGMA key = {}; PRAGMA cipher_page_size = {PAGE_SIZE};",
            key.sqlcipher_pragma_value().as_str()
        ));
        conn.execute_batch(&pragma).map_err(open_err)?;
    }
    // The first read decrypts page 1: a wrong key fails here, not half-way through a write.
    match conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => Ok(conn),
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::NotADatabase =>
        {
            Err(StoreError::WrongKey {
                path: path.to_path_buf(),
            })
        }
        Err(e) => Err(open_err(e)),
    }
}

/// The store's page size (see `configure`).
const PAGE_SIZE: u32 = 16384;

/// Durability and speed settings; see docs/storage.md ("Durability").
fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    // Query-planner stability: without it, this SQLite build (STAT4) re-prepares cached
    // statements whenever a bound value changes, which made imports ten times slower.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    // 16 KiB pages, for a new file only (it must precede WAL mode; an existing store keeps
    // its own): a quarter of the pages to write to the WAL and checkpoint when a big
    // transaction commits (an import's commit took 55 ms with 4 KiB pages, 20 ms with these).
    // An encrypted store has it from `cipher_page_size` already.
    conn.execute_batch(&format!("PRAGMA page_size = {PAGE_SIZE}"))?;
    // WAL: readers never block the writer, and a crash mid-transaction leaves the last
    // committed state. synchronous=FULL: the WAL is fsynced at every commit, so a commit that
    // returned survives a power cut, not only a process crash (NORMAL would not).
    // SQLCipher encrypts every page it writes to the WAL as to the main file.
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(rusqlite::Error::InvalidQuery);
    }
    // temp_store = MEMORY: sorts, temporary tables and indices never reach a (clear) file.
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -32768;",
    )
}

fn ensure_device(conn: &mut Connection) -> Result<Uuid, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let existing: Option<String> = tx
        .query_row("SELECT device_id FROM device WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional()?;
    let id = match existing {
        Some(s) => {
            Uuid::parse_str(&s).map_err(|e| StoreError::Corrupt(format!("device id: {e}")))?
        }
        None => {
            let id = Uuid::now_v7();
            tx.execute(
                "INSERT INTO device (id, device_id, next_client_seq, hlc) VALUES (1, ?1, 1, 0)",
                [id.to_string()],
            )?;
            id
        }
    };
    tx.commit()?;
    Ok(id)
}

/// One write transaction: changes rows and appends the matching outbox entries.
///
/// It holds the connection shared, not a `rusqlite::Transaction`, so that it can keep its
/// prepared statements for the whole transaction (an import appends 50,000 entries). Dropped
/// without [`Writer::commit`], it rolls back.
struct Writer<'c> {
    tx: &'c Connection,
    insert_outbox: CachedStatement<'c>,
    next_seq: i64,
    hlc: Hlc,
    /// See `Store::set_clock_skew_ms`.
    clock_skew_ms: i64,
    dirty: bool,
    open: bool,
    audit: audit::AuditChain,
}

impl std::fmt::Debug for Writer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("next_seq", &self.next_seq)
            .field("hlc", &self.hlc)
            .finish()
    }
}

impl Drop for Writer<'_> {
    fn drop(&mut self) {
        if self.open {
            // Nothing of an unfinished write may remain; if even this fails, SQLite rolls
            // back the transaction when the connection closes.
            let _ = self.tx.execute_batch("ROLLBACK");
        }
    }
}

/// One outbox entry to append.
struct Change<'v> {
    kind: OutboxKind,
    scope: Scope,
    entity: &'v str,
    field: Option<&'static str>,
    value: Option<&'v str>,
    payload: Option<&'v str>,
}

impl<'v> Change<'v> {
    /// A new case or individual. The entry names the record; sync sends the record's fields
    /// as they are when it pushes (the row is the data: nothing is stored twice).
    fn create(scope: Scope, entity: &'v str) -> Self {
        Change {
            kind: OutboxKind::Create,
            scope,
            entity,
            field: None,
            value: None,
            payload: None,
        }
    }
}

impl Writer<'_> {
    /// Appends to the outbox, with the next client_seq and HLC timestamp, and to the audit log.
    fn append(&mut self, change: Change<'_>) -> Result<(), StoreError> {
        self.hlc = self.hlc.tick(self.now_ms());
        let base_seq: i64 = match change.field {
            Some(_) if change.kind == OutboxKind::Field => self
                .tx
                .prepare_cached(
                    "SELECT server_seq FROM record_version WHERE scope = ?1 AND entity = ?2",
                )?
                .query_row((change.scope.as_str(), change.entity), |r| r.get(0))
                .optional()?
                .unwrap_or(0),
            _ => 0,
        };
        self.insert_outbox.execute(rusqlite::params![
            self.next_seq,
            self.hlc.as_i64(),
            change.kind.as_str(),
            change.scope.as_str(),
            change.entity,
            change.field,
            change.value,
            base_seq,
            change.payload,
        ])?;
        self.next_seq += 1;
        self.dirty = true;
        self.audit_change(&change)
    }

    /// Milliseconds since the epoch by this store's clock.
    fn now_ms(&self) -> u64 {
        wall_clock_ms().saturating_add_signed(self.clock_skew_ms)
    }

    /// Commits rows, outbox and audit log together; when this returns Ok the write is durable.
    fn commit(mut self) -> Result<(), StoreError> {
        self.finish_audit()?;
        if self.dirty {
            self.tx.execute(
                "UPDATE device SET next_client_seq = ?1, hlc = ?2 WHERE id = 1",
                (self.next_seq, self.hlc.as_i64()),
            )?;
        }
        self.tx.execute_batch("COMMIT")?;
        self.open = false;
        Ok(())
    }
}
