//! The embedded backend (small offices): one SQLite file, one writing connection behind a
//! mutex, every call on tokio's blocking pool. Writes are serialized by the mutex and by
//! `BEGIN IMMEDIATE`, so sequence numbers are given in commit order. Pulls read on connections
//! of their own (WAL lets them read a committed snapshot while a push writes), so that many
//! devices pulling at once do not wait for each other or for pushes.
//!
//! One file per concern, the same as the other backend's: `devices.rs`, `staff.rs`,
//! `attempts.rs`, `sync.rs`, `held.rs`, `audit.rs`.

use std::sync::{Arc, Mutex};

use rusqlite::{Connection, TransactionBehavior};
use uuid::Uuid;
use waypoint_protocol::{RevokeReason, Scope};

use crate::store::{Device, ServerStoreError, StaffAccount, to_u64};

mod arrivals;
mod attempts;
mod audit;
mod devices;
mod held;
mod settle;
mod staff;
mod sync;

/// Numbered migrations, never edited once released.
const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        include_str!("../../../migrations/sqlite/0001_initial.sql"),
    ),
    (
        2,
        include_str!("../../../migrations/sqlite/0002_site_pages.sql"),
    ),
    (
        3,
        include_str!("../../../migrations/sqlite/0003_revoke_reason.sql"),
    ),
    (4, include_str!("../../../migrations/sqlite/0004_staff.sql")),
    (5, include_str!("../../../migrations/sqlite/0005_audit.sql")),
    (
        6,
        include_str!("../../../migrations/sqlite/0006_attempts.sql"),
    ),
    (
        7,
        include_str!("../../../migrations/sqlite/0007_held_changes.sql"),
    ),
    (
        8,
        include_str!("../../../migrations/sqlite/0008_arrivals.sql"),
    ),
];

#[derive(Debug, Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    /// The database file (`None` in memory: pulls then use the writing connection).
    path: Option<Arc<str>>,
    /// Idle read-only connections for pulls, opened on demand.
    readers: Arc<Mutex<Vec<Connection>>>,
    /// At most [`READERS`] pulls read at once; the others wait their turn without a thread.
    read_slots: Arc<tokio::sync::Semaphore>,
}

/// Pulls that read at once, and the read-only connections kept open for them. Reading is CPU
/// work on a small office server (two cores here): fifty laptops syncing at once gain nothing
/// from fifty threads, each opening its own connection with a cold page cache and touching
/// fresh memory (a profile of the 50-device benchmark spent a quarter of its CPU zeroing new
/// pages for them). With a bound, the same few connections and threads serve every pull.
const READERS: usize = 4;

impl SqliteStore {
    /// Opens (creating if needed) and migrates the database file at `path`.
    pub async fn open(path: &str) -> Result<Self, ServerStoreError> {
        let path = path.to_string();
        tokio::task::spawn_blocking(move || {
            let conn =
                Connection::open(&path).map_err(|e| ServerStoreError::Connect(e.to_string()))?;
            let mut store = Self::init(conn)?;
            store.path = Some(Arc::from(path.as_str()));
            Ok(store)
        })
        .await
        .map_err(|_| ServerStoreError::Connect("the database could not be opened".into()))?
    }

    /// A private in-memory database (tests, trials).
    pub async fn open_in_memory() -> Result<Self, ServerStoreError> {
        let conn =
            Connection::open_in_memory().map_err(|e| ServerStoreError::Connect(e.to_string()))?;
        Self::init(conn)
    }

    fn init(mut conn: Connection) -> Result<Self, ServerStoreError> {
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        // WAL where there is a file (in memory answers "memory"); FULL: a commit survives a
        // power cut, which is what the device is told when its push is acknowledged.
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")?;
        migrate(&mut conn)?;
        Ok(SqliteStore {
            conn: Arc::new(Mutex::new(conn)),
            path: None,
            readers: Arc::new(Mutex::new(Vec::new())),
            read_slots: Arc::new(tokio::sync::Semaphore::new(READERS)),
        })
    }

    async fn run<T, F>(&self, f: F) -> Result<T, ServerStoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, ServerStoreError> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            // A panic mid-transaction rolled it back (Transaction's drop): the connection is fine.
            let mut guard = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(|_| ServerStoreError::Database("a database task stopped unexpectedly".into()))?
    }

    /// Runs `f` on a read-only connection (the writing one for an in-memory database).
    async fn read<T, F>(&self, f: F) -> Result<T, ServerStoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, ServerStoreError> + Send + 'static,
    {
        let Some(path) = self.path.clone() else {
            return self.run(f).await;
        };
        let readers = Arc::clone(&self.readers);
        // Closed only when the store is dropped, which cannot happen while `self` is borrowed.
        let _slot = self
            .read_slots
            .acquire()
            .await
            .map_err(|_| ServerStoreError::Database("the database is closing".into()))?;
        tokio::task::spawn_blocking(move || {
            let idle = readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
            let mut conn = match idle {
                Some(conn) => conn,
                None => open_reader(&path)?,
            };
            let result = f(&mut conn);
            let mut idle = readers.lock().unwrap_or_else(|p| p.into_inner());
            if idle.len() < READERS {
                idle.push(conn);
            }
            result
        })
        .await
        .map_err(|_| ServerStoreError::Database("a database task stopped unexpectedly".into()))?
    }
}

fn open_reader(path: &str) -> Result<Connection, ServerStoreError> {
    let conn = Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| ServerStoreError::Connect(e.to_string()))?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> Result<(), ServerStoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let current: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let known = MIGRATIONS.last().map_or(0, |(v, _)| *v);
    if current > known {
        return Err(ServerStoreError::TooNew {
            found: current,
            known,
        });
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        tx.execute_batch(sql)?;
        tx.execute_batch(&format!("PRAGMA user_version = {version}"))?;
    }
    tx.commit()?;
    Ok(())
}

fn uuid(s: String) -> Result<Uuid, ServerStoreError> {
    Uuid::parse_str(&s).map_err(|_| ServerStoreError::Corrupt("a device id is not a UUID".into()))
}

fn scope(s: &str) -> Result<Scope, ServerStoreError> {
    Scope::parse(s).ok_or_else(|| ServerStoreError::Corrupt(format!("unknown scope '{s}'")))
}

fn sites_of(tx: &Connection, device_id: &str) -> Result<Vec<String>, ServerStoreError> {
    let mut stmt =
        tx.prepare_cached("SELECT site FROM device_site WHERE device_id = ?1 ORDER BY site")?;
    let sites = stmt
        .query_map([device_id], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(sites)
}

fn staff_rows<P: rusqlite::Params>(
    conn: &Connection,
    sql: &str,
    params: P,
) -> Result<Vec<StaffAccount>, ServerStoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt
        .query_map(params, |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, bool>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(name, site, role, disabled, version)| {
            Ok(StaffAccount {
                name,
                site,
                role,
                disabled,
                version: to_u64(version)?,
            })
        })
        .collect()
}

fn device_row(
    tx: &Connection,
    id: String,
    name: String,
    last: i64,
    revoked: Option<RevokeReason>,
) -> Result<Device, ServerStoreError> {
    Ok(Device {
        sites: sites_of(tx, &id)?,
        id: uuid(id)?,
        name,
        last_client_seq: to_u64(last)?,
        revoked,
    })
}
