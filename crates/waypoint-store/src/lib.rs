//! Waypoint's local store: one SQLite file per device, in which an acknowledged write survives
//! a crash or a power cut.
//!
//! Every write goes through [`Store`]: in the same transaction it changes the rows and appends
//! to the outbox (one entry per changed field, per new case or individual, or per new event),
//! with the device's next `client_seq`, a hybrid-logical-clock timestamp and the server
//! sequence the edit was based on. Nothing else writes to these tables. In the same
//! transaction it appends to the hash-chained audit log (see [`audit`]).

pub mod audit;
mod clock;
mod export;
mod import;
mod migrations;
mod outbox;
mod profile;
pub mod roles;
mod search;
mod sync;

use std::path::{Path, PathBuf};

use rusqlite::{CachedStatement, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use uuid::Uuid;
use waypoint_domain::{EventError, Field, FieldError};

pub use audit::{AuditAction, AuditEntry, AuditProblem, AuditProblemKind, AuditReport};
pub use clock::{Hlc, wall_clock_ms};
pub use import::{
    Clash, ImportMode, ImportProgress, ImportReport, ImportSession, ImportSummary, Tally,
};
pub use migrations::{MIGRATIONS, SCHEMA_VERSION, migrate_to};
pub use outbox::{OutboxEntry, OutboxKind};
pub use profile::{CaseView, EditOutcome, StoredEvent};
pub use search::{BuiltSearch, SearchBuild, SearchResult};
pub use sync::{
    Applied, Conflict, IncomingBody, IncomingChange, OutgoingBody, OutgoingChange, RefusedChange,
    Scope, SyncState,
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
    #[error("event not recorded: {0}")]
    Event(EventError),
    #[error("not allowed: the {role} role may not {what}")]
    NotAllowed {
        role: waypoint_domain::Role,
        what: String,
    },
    #[error("there is no conflict with id {0}")]
    UnknownConflict(String),
    #[error("an event with id {0} is already recorded")]
    DuplicateEvent(Uuid),
    #[error(transparent)]
    File(#[from] waypoint_import::ImportError),
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
    /// How far this store's clock is moved from the wall clock (simulations of laptops whose
    /// clocks are wrong; 0 in the product).
    clock_skew_ms: i64,
}

impl Store {
    /// Opens (creating if needed) the store in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(data_dir)?;
        Self::open_file(&data_dir.join(DB_FILE))
    }

    /// Opens (creating if needed) the store in the SQLite file `path`.
    pub fn open_file(path: &Path) -> Result<Self, StoreError> {
        let open_err = |source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(open_err)?;
        configure(&conn).map_err(open_err)?;
        // Applying pulled records caches one statement per set of columns (see sync.rs).
        conn.set_prepared_statement_cache_capacity(64);
        migrations::migrate_to(&mut conn, SCHEMA_VERSION)?;
        let device_id = ensure_device(&mut conn)?;
        Ok(Self {
            conn,
            device_id,
            search: search::SearchCache::default(),
            staff: format!("device:{device_id}"),
            clock_skew_ms: 0,
        })
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

/// Durability and speed settings; see ARCHITECTURE.md ("Durability").
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
    conn.execute_batch("PRAGMA page_size = 16384")?;
    // WAL: readers never block the writer, and a crash mid-transaction leaves the last
    // committed state. synchronous=FULL: the WAL is fsynced at every commit, so a commit that
    // returned survives a power cut, not only a process crash (NORMAL would not).
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(rusqlite::Error::InvalidQuery);
    }
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
    scope: &'static str,
    entity: &'v str,
    field: Option<&'static str>,
    value: Option<&'v str>,
    payload: Option<&'v str>,
}

impl<'v> Change<'v> {
    /// A new case or individual. The entry names the record; sync sends the record's fields
    /// as they are when it pushes (the row is the data: nothing is stored twice).
    fn create(scope: &'static str, entity: &'v str) -> Self {
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
                .query_row((change.scope, change.entity), |r| r.get(0))
                .optional()?
                .unwrap_or(0),
            _ => 0,
        };
        self.insert_outbox.execute(rusqlite::params![
            self.next_seq,
            self.hlc.as_i64(),
            change.kind.as_str(),
            change.scope,
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
