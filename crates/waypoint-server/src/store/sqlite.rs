//! The embedded backend (small offices): one SQLite file, one writing connection behind a
//! mutex, every call on tokio's blocking pool. Writes are serialized by the mutex and by
//! `BEGIN IMMEDIATE`, so sequence numbers are given in commit order. Pulls read on connections
//! of their own (WAL lets them read a committed snapshot while a push writes), so that many
//! devices pulling at once do not wait for each other or for pushes.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use uuid::Uuid;
use waypoint_protocol::{
    AuditRecord, Change, Conflict, RevokeReason, Scope, ServerBody, ServerChange,
};

use super::{
    ConflictRef, Device, DeviceInfo, DeviceRecovery, DeviceState, FailureKind, HeldGroup,
    NewDevice, NewStaff, Page, PushOutcome, ServerStore, Settlement, SitePolicy, Snapshot,
    StaffAccount, StaffCredential, StoreError, Wanted, assemble_page, name_key, new_changes,
    revocation, to_i64, to_u32, to_u64,
};
use crate::merge::{self, FieldKey, FieldState, Plan};

/// Numbered migrations, never edited once released.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/sqlite/0001_initial.sql")),
    (
        2,
        include_str!("../../migrations/sqlite/0002_site_pages.sql"),
    ),
    (
        3,
        include_str!("../../migrations/sqlite/0003_revoke_reason.sql"),
    ),
    (4, include_str!("../../migrations/sqlite/0004_staff.sql")),
    (5, include_str!("../../migrations/sqlite/0005_audit.sql")),
    (6, include_str!("../../migrations/sqlite/0006_attempts.sql")),
    (
        7,
        include_str!("../../migrations/sqlite/0007_held_changes.sql"),
    ),
];

mod held;

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
    pub async fn open(path: &str) -> Result<Self, StoreError> {
        let path = path.to_string();
        tokio::task::spawn_blocking(move || {
            let conn = Connection::open(&path).map_err(|e| StoreError::Connect(e.to_string()))?;
            let mut store = Self::init(conn)?;
            store.path = Some(Arc::from(path.as_str()));
            Ok(store)
        })
        .await
        .map_err(|_| StoreError::Connect("the database could not be opened".into()))?
    }

    /// A private in-memory database (tests, trials).
    pub async fn open_in_memory() -> Result<Self, StoreError> {
        let conn = Connection::open_in_memory().map_err(|e| StoreError::Connect(e.to_string()))?;
        Self::init(conn)
    }

    fn init(mut conn: Connection) -> Result<Self, StoreError> {
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

    async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            // A panic mid-transaction rolled it back (Transaction's drop): the connection is fine.
            let mut guard = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(|_| StoreError::Database("a database task stopped unexpectedly".into()))?
    }

    /// Runs `f` on a read-only connection (the writing one for an in-memory database).
    async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
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
            .map_err(|_| StoreError::Database("the database is closing".into()))?;
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
        .map_err(|_| StoreError::Database("a database task stopped unexpectedly".into()))?
    }
}

fn open_reader(path: &str) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| StoreError::Connect(e.to_string()))?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let current: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let known = MIGRATIONS.last().map_or(0, |(v, _)| *v);
    if current > known {
        return Err(StoreError::TooNew {
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

fn uuid(s: String) -> Result<Uuid, StoreError> {
    Uuid::parse_str(&s).map_err(|_| StoreError::Corrupt("a device id is not a UUID".into()))
}

fn scope(s: &str) -> Result<Scope, StoreError> {
    Scope::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown scope '{s}'")))
}

fn sites_of(tx: &Connection, device_id: &str) -> Result<Vec<String>, StoreError> {
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
) -> Result<Vec<StaffAccount>, StoreError> {
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
) -> Result<Device, StoreError> {
    Ok(Device {
        sites: sites_of(tx, &id)?,
        id: uuid(id)?,
        name,
        last_client_seq: to_u64(last)?,
        revoked,
    })
}

#[async_trait]
impl ServerStore for SqliteStore {
    async fn add_site(&self, code: &str, name: &str, now_ms: u64) -> Result<(), StoreError> {
        let (code, name) = (code.to_string(), name.to_string());
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let exists: Option<i64> = tx
                .query_row("SELECT 1 FROM site WHERE code = ?1", [&code], |r| r.get(0))
                .optional()?;
            if exists.is_some() {
                return Err(StoreError::SiteExists(code));
            }
            tx.execute(
                "INSERT INTO site (code, name, created_ms) VALUES (?1, ?2, ?3)",
                params![code, name, to_i64(now_ms)?],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn sites(&self) -> Result<Vec<(String, String)>, StoreError> {
        self.run(|conn| {
            let mut stmt = conn.prepare("SELECT code, name FROM site ORDER BY code")?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn add_device(&self, d: NewDevice) -> Result<(), StoreError> {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let site: Option<i64> = tx
                .query_row("SELECT 1 FROM site WHERE code = ?1", [&d.site], |r| {
                    r.get(0)
                })
                .optional()?;
            if site.is_none() {
                return Err(StoreError::NoSuchSite(d.site));
            }
            let taken: Option<i64> = tx
                .query_row("SELECT 1 FROM device WHERE name = ?1", [&d.name], |r| {
                    r.get(0)
                })
                .optional()?;
            if taken.is_some() {
                return Err(StoreError::DeviceExists(d.name));
            }
            tx.execute(
                "INSERT INTO device (id, name, enrol_code_hash, enrol_expires_ms, created_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    d.id.to_string(),
                    d.name,
                    d.code_hash,
                    to_i64(d.expires_ms)?,
                    to_i64(d.now_ms)?
                ],
            )?;
            tx.execute(
                "INSERT INTO device_site (device_id, site) VALUES (?1, ?2)",
                params![d.id.to_string(), d.site],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn devices(&self) -> Result<Vec<DeviceInfo>, StoreError> {
        self.run(|conn| {
            let mut stmt = conn.prepare(
                "SELECT id, name, enrol_expires_ms, token_hash IS NOT NULL, revoked_ms,
                        last_client_seq, revoked_reason
                 FROM device ORDER BY name",
            )?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<i64>>(2)?,
                        r.get::<_, bool>(3)?,
                        revocation(r.get(4)?, r.get::<_, Option<String>>(6)?.as_deref()),
                        r.get::<_, i64>(5)?,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            rows.into_iter()
                .map(|(id, name, expires, enrolled, revoked, last)| {
                    let state = if let Some(reason) = revoked {
                        DeviceState::Revoked(reason)
                    } else if enrolled {
                        DeviceState::Active
                    } else {
                        DeviceState::Pending {
                            expires_ms: to_u64(expires.unwrap_or(0))?,
                        }
                    };
                    Ok(DeviceInfo {
                        sites: sites_of(conn, &id)?,
                        id: uuid(id)?,
                        name,
                        state,
                        last_client_seq: to_u64(last)?,
                    })
                })
                .collect()
        })
        .await
    }

    async fn revoke_device(
        &self,
        name: &str,
        reason: RevokeReason,
        now_ms: u64,
    ) -> Result<(), StoreError> {
        let name = name.to_string();
        self.run(move |conn| {
            let n = conn.execute(
                "UPDATE device SET revoked_ms = COALESCE(revoked_ms, ?1), revoked_reason = ?3,
                                   enrol_code_hash = NULL
                 WHERE name = ?2",
                params![to_i64(now_ms)?, name, reason.as_str()],
            )?;
            if n == 0 {
                return Err(StoreError::NoSuchDevice(name));
            }
            Ok(())
        })
        .await
    }

    async fn enrol_with(
        &self,
        code_hash: &str,
        token_hash: &str,
        recovery: Option<DeviceRecovery>,
        now_ms: u64,
    ) -> Result<Option<Device>, StoreError> {
        let (code_hash, token_hash) = (code_hash.to_string(), token_hash.to_string());
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let row: Option<(String, String, i64, i64)> = tx
                .query_row(
                    "SELECT id, name, enrol_expires_ms, last_client_seq FROM device
                     WHERE enrol_code_hash = ?1 AND revoked_ms IS NULL AND token_hash IS NULL",
                    [&code_hash],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?;
            let Some((id, name, expires, last)) = row else {
                return Ok(None);
            };
            if to_u64(expires)? < now_ms {
                return Ok(None);
            }
            tx.execute(
                "UPDATE device SET token_hash = ?1, enrolled_ms = ?2, enrol_code_hash = NULL,
                        signin_token_hash = ?4, recovery_secret = ?5
                 WHERE id = ?3",
                params![
                    token_hash,
                    to_i64(now_ms)?,
                    id,
                    recovery.as_ref().map(|r| r.signin_token_hash.as_str()),
                    recovery.as_ref().map(|r| r.recovery_secret.as_str())
                ],
            )?;
            let device = device_row(&tx, id, name, last, None)?;
            tx.commit()?;
            Ok(Some(device))
        })
        .await
    }

    async fn device_by_sign_in_token(
        &self,
        signin_token_hash: &str,
    ) -> Result<Option<Device>, StoreError> {
        let hash = signin_token_hash.to_string();
        self.run(move |conn| {
            let row: Option<(String, String, i64)> = conn
                .query_row(
                    "SELECT id, name, last_client_seq FROM device
                     WHERE signin_token_hash = ?1 AND token_hash IS NOT NULL AND revoked_ms IS NULL",
                    [&hash],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            row.map(|(id, name, last)| device_row(conn, id, name, last, None))
                .transpose()
        })
        .await
    }

    async fn recovery_secret(&self, device: &Device) -> Result<Option<String>, StoreError> {
        let id = device.id.to_string();
        self.run(move |conn| {
            let secret: Option<Option<String>> = conn
                .query_row(
                    "SELECT recovery_secret FROM device WHERE id = ?1 AND revoked_ms IS NULL",
                    [&id],
                    |r| r.get(0),
                )
                .optional()?;
            Ok(secret.flatten())
        })
        .await
    }

    async fn add_staff(&self, s: NewStaff) -> Result<(), StoreError> {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let site: Option<i64> = tx
                .query_row("SELECT 1 FROM site WHERE code = ?1", [&s.site], |r| {
                    r.get(0)
                })
                .optional()?;
            if site.is_none() {
                return Err(StoreError::NoSuchSite(s.site));
            }
            let key = name_key(&s.name);
            let taken: Option<i64> = tx
                .query_row("SELECT 1 FROM staff WHERE name_key = ?1", [&key], |r| {
                    r.get(0)
                })
                .optional()?;
            if taken.is_some() {
                return Err(StoreError::StaffExists(s.name));
            }
            let now = to_i64(s.now_ms)?;
            tx.execute(
                "INSERT INTO staff (name_key, name, site, role, pin_hash, disabled, version,
                                    created_ms, changed_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, 0, 1, ?6, ?6)",
                params![key, s.name, s.site, s.role, s.pin_hash, now],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn disable_staff(&self, name: &str, now_ms: u64) -> Result<(), StoreError> {
        let name = name.trim().to_string();
        self.run(move |conn| {
            let n = conn.execute(
                "UPDATE staff SET version = version + (1 - disabled), changed_ms = ?1, disabled = 1
                 WHERE name_key = ?2",
                params![to_i64(now_ms)?, name_key(&name)],
            )?;
            if n == 0 {
                return Err(StoreError::NoSuchStaff(name));
            }
            Ok(())
        })
        .await
    }

    async fn staff(&self) -> Result<Vec<StaffAccount>, StoreError> {
        self.run(|conn| {
            staff_rows(
                conn,
                "SELECT name, site, role, disabled, version FROM staff ORDER BY name_key",
                [],
            )
        })
        .await
    }

    async fn staff_credential(&self, name: &str) -> Result<Option<StaffCredential>, StoreError> {
        let key = name_key(name);
        self.run(move |conn| {
            let row: Option<(String, String, String, bool, i64, String)> = conn
                .query_row(
                    "SELECT name, site, role, disabled, version, pin_hash FROM staff WHERE name_key = ?1",
                    [&key],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
                )
                .optional()?;
            row.map(|(name, site, role, disabled, version, pin_hash)| {
                Ok(StaffCredential {
                    account: StaffAccount {
                        name,
                        site,
                        role,
                        disabled,
                        version: to_u64(version)?,
                    },
                    pin_hash,
                })
            })
            .transpose()
        })
        .await
    }

    async fn staff_of_sites(&self, sites: &[String]) -> Result<Vec<StaffAccount>, StoreError> {
        let sites = sites.to_vec();
        self.run(move |conn| {
            let mut all = Vec::new();
            for site in &sites {
                all.extend(staff_rows(
                    conn,
                    "SELECT name, site, role, disabled, version FROM staff WHERE site = ?1",
                    [site],
                )?);
            }
            all.sort_by_key(|a| name_key(&a.name));
            Ok(all)
        })
        .await
    }

    async fn set_site_policy(
        &self,
        code: &str,
        lease_days: Option<u32>,
        idle_minutes: Option<u32>,
    ) -> Result<SitePolicy, StoreError> {
        let code = code.to_string();
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let n = tx.execute(
                "UPDATE site SET lease_days = COALESCE(?1, lease_days),
                                 idle_minutes = COALESCE(?2, idle_minutes)
                 WHERE code = ?3",
                params![lease_days, idle_minutes, code],
            )?;
            if n == 0 {
                return Err(StoreError::NoSuchSite(code));
            }
            let (lease, idle): (i64, i64) = tx.query_row(
                "SELECT lease_days, idle_minutes FROM site WHERE code = ?1",
                [&code],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            tx.commit()?;
            Ok(SitePolicy {
                lease_days: to_u32(lease)?,
                idle_minutes: to_u32(idle)?,
            })
        })
        .await
    }

    async fn site_policies(&self) -> Result<Vec<(String, SitePolicy)>, StoreError> {
        self.run(|conn| {
            let mut stmt =
                conn.prepare("SELECT code, lease_days, idle_minutes FROM site ORDER BY code")?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, i64>(2)?,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            rows.into_iter()
                .map(|(code, lease, idle)| {
                    Ok((
                        code,
                        SitePolicy {
                            lease_days: to_u32(lease)?,
                            idle_minutes: to_u32(idle)?,
                        },
                    ))
                })
                .collect()
        })
        .await
    }

    async fn failures_since(
        &self,
        kind: FailureKind,
        key_hash: &str,
        since_ms: u64,
    ) -> Result<u32, StoreError> {
        let key = key_hash.to_string();
        self.run(move |conn| {
            let n: i64 = conn.query_row(
                "SELECT COUNT(*) FROM auth_failure WHERE kind = ?1 AND key = ?2 AND at_ms >= ?3",
                params![kind.as_str(), key, to_i64(since_ms)?],
                |r| r.get(0),
            )?;
            Ok(u32::try_from(n).unwrap_or(u32::MAX))
        })
        .await
    }

    async fn record_failure(
        &self,
        kind: FailureKind,
        key_hash: &str,
        now_ms: u64,
        forget_before_ms: u64,
    ) -> Result<(), StoreError> {
        let key = key_hash.to_string();
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "DELETE FROM auth_failure WHERE at_ms < ?1",
                [to_i64(forget_before_ms)?],
            )?;
            tx.execute(
                "INSERT INTO auth_failure (kind, key, at_ms) VALUES (?1, ?2, ?3)",
                params![kind.as_str(), key, to_i64(now_ms)?],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn clear_failures(&self, kind: FailureKind, key_hash: &str) -> Result<(), StoreError> {
        let key = key_hash.to_string();
        self.run(move |conn| {
            conn.execute(
                "DELETE FROM auth_failure WHERE kind = ?1 AND key = ?2",
                params![kind.as_str(), key],
            )?;
            Ok(())
        })
        .await
    }

    async fn reserve_attempt(
        &self,
        keys: &[(FailureKind, String)],
        max: u32,
        now_ms: u64,
        since_ms: u64,
    ) -> Result<Option<String>, StoreError> {
        let keys = keys.to_vec();
        self.run(move |conn| {
            // IMMEDIATE: the write lock is taken before counting, so no other process or
            // connection counts between this count and this insert.
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "DELETE FROM auth_failure WHERE at_ms < ?1",
                [to_i64(since_ms)?],
            )?;
            for (kind, key) in &keys {
                let n: i64 = tx.query_row(
                    "SELECT COUNT(*) FROM auth_failure WHERE kind = ?1 AND key = ?2 AND at_ms >= ?3",
                    params![kind.as_str(), key, to_i64(since_ms)?],
                    |r| r.get(0),
                )?;
                if n >= i64::from(max) {
                    tx.commit()?;
                    return Ok(None);
                }
            }
            let attempt = Uuid::now_v7().to_string();
            for (kind, key) in &keys {
                tx.execute(
                    "INSERT INTO auth_failure (kind, key, at_ms, attempt) VALUES (?1, ?2, ?3, ?4)",
                    params![kind.as_str(), key, to_i64(now_ms)?, attempt],
                )?;
            }
            tx.commit()?;
            Ok(Some(attempt))
        })
        .await
    }

    async fn release_attempt(&self, attempt: &str) -> Result<(), StoreError> {
        let attempt = attempt.to_string();
        self.run(move |conn| {
            conn.execute("DELETE FROM auth_failure WHERE attempt = ?1", [attempt])?;
            Ok(())
        })
        .await
    }

    async fn recovery_secrets(&self) -> Result<Vec<(Uuid, String)>, StoreError> {
        self.run(|conn| {
            let mut stmt = conn.prepare(
                "SELECT id, recovery_secret FROM device WHERE recovery_secret IS NOT NULL",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?)))?;
            rows.map(|row| {
                let (id, secret) = row?;
                let id = Uuid::parse_str(&id)
                    .map_err(|_| StoreError::Corrupt("a device id is not a UUID".into()))?;
                Ok((id, secret))
            })
            .collect()
        })
        .await
    }

    async fn replace_recovery_secrets(
        &self,
        secrets: Vec<(Uuid, String, String)>,
    ) -> Result<(), StoreError> {
        self.run(move |conn| {
            // The old values are overwritten with zeros rather than left in free space.
            conn.execute_batch("PRAGMA secure_delete = ON")?;
            let result = (|| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                for (id, old, new) in &secrets {
                    tx.execute(
                        "UPDATE device SET recovery_secret = ?1
                         WHERE id = ?2 AND recovery_secret = ?3",
                        params![new, id.to_string(), old],
                    )?;
                }
                tx.commit()?;
                Ok::<_, StoreError>(())
            })();
            conn.execute_batch("PRAGMA secure_delete = OFF")?;
            result?;
            // Pages that held the old values may still sit in the log: write it back, empty.
            let _: (i64, i64, i64) =
                conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?;
            Ok(())
        })
        .await
    }

    async fn device_by_token(&self, token_hash: &str) -> Result<Option<Device>, StoreError> {
        let token_hash = token_hash.to_string();
        self.run(move |conn| {
            let row: Option<(String, String, i64, Option<RevokeReason>)> = conn
                .query_row(
                    "SELECT id, name, last_client_seq, revoked_ms, revoked_reason FROM device
                     WHERE token_hash = ?1",
                    [&token_hash],
                    |r| {
                        Ok((
                            r.get(0)?,
                            r.get(1)?,
                            r.get(2)?,
                            revocation(r.get(3)?, r.get::<_, Option<String>>(4)?.as_deref()),
                        ))
                    },
                )
                .optional()?;
            row.map(|(id, name, last, revoked)| device_row(conn, id, name, last, revoked))
                .transpose()
        })
        .await
    }

    async fn push(
        &self,
        device: &Device,
        changes: Vec<Change>,
        now_ms: u64,
    ) -> Result<PushOutcome, StoreError> {
        let device_id = device.id.to_string();
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let row: Option<(String, String, i64, Option<RevokeReason>)> = tx
                .query_row(
                    "SELECT id, name, last_client_seq, revoked_ms, revoked_reason FROM device
                     WHERE id = ?1",
                    [&device_id],
                    |r| {
                        Ok((
                            r.get(0)?,
                            r.get(1)?,
                            r.get(2)?,
                            revocation(r.get(3)?, r.get::<_, Option<String>>(4)?.as_deref()),
                        ))
                    },
                )
                .optional()?;
            // A retired device may still push its pending changes; a lost one may not.
            let Some((id, name, last, revoked)) = row else {
                return Err(StoreError::Revoked);
            };
            if revoked == Some(RevokeReason::Lost) {
                return Err(StoreError::Revoked);
            }
            let device = device_row(&tx, id, name, last, revoked)?;
            let changes = new_changes(changes, device.last_client_seq)?;
            if changes.is_empty() {
                return Ok(PushOutcome {
                    acked_up_to: device.last_client_seq,
                    refused: Vec::new(),
                    max_hlc: 0,
                    written: 0..0,
                });
            }
            let next_seq: i64 =
                tx.query_row("SELECT next_seq FROM server_state WHERE id = 1", [], |r| {
                    r.get(0)
                })?;
            let wanted = Wanted::of(&changes);
            let mut snapshot = load(&tx, &wanted)?;
            held::load(&tx, &wanted, &mut snapshot)?;
            let mut plan = merge::plan(&device, changes, snapshot, to_u64(next_seq)?, now_ms);
            apply(&tx, &device_id, &mut plan)?;
            held::keep(&tx, &device_id, &plan.held, now_ms)?;
            tx.commit()?;
            Ok(PushOutcome {
                acked_up_to: plan.acked_up_to,
                refused: plan.refused,
                max_hlc: plan.max_hlc,
                written: to_u64(next_seq)?..plan.next_seq,
            })
        })
        .await
    }

    async fn audit_log(
        &self,
        device: Uuid,
        after: i64,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT seq, at, staff, action, scope, entity, field, detail, prev_hash, hash
                 FROM audit_entry WHERE device_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
            )?;
            let rows = stmt
                .query_map((device.to_string(), after, limit), |r| {
                    Ok(AuditRecord {
                        seq: r.get(0)?,
                        at: r.get(1)?,
                        staff: r.get(2)?,
                        action: r.get(3)?,
                        scope: r.get(4)?,
                        entity: r.get(5)?,
                        field: r.get(6)?,
                        detail: r.get(7)?,
                        prev_hash: r.get(8)?,
                        hash: r.get(9)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn append_audit(
        &self,
        device: Uuid,
        entries: Vec<AuditRecord>,
        now_ms: u64,
    ) -> Result<(), StoreError> {
        let now = i64::try_from(now_ms).unwrap_or(i64::MAX);
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            {
                let mut insert = tx.prepare_cached(
                    "INSERT INTO audit_entry (device_id, seq, at, staff, action, scope, entity,
                         field, detail, prev_hash, hash, received_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                )?;
                let id = device.to_string();
                for e in &entries {
                    insert.execute(rusqlite::params![
                        id,
                        e.seq,
                        e.at,
                        e.staff,
                        e.action,
                        e.scope,
                        e.entity,
                        e.field,
                        e.detail,
                        e.prev_hash,
                        e.hash,
                        now
                    ])?;
                }
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn audit_head(&self, device: Uuid) -> Result<Option<(i64, String)>, StoreError> {
        self.run(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT seq, hash FROM audit_entry WHERE device_id = ?1
                     ORDER BY seq DESC LIMIT 1",
                    [device.to_string()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?)
        })
        .await
    }

    async fn audited_devices(&self) -> Result<Vec<Uuid>, StoreError> {
        self.run(|conn| {
            let mut stmt =
                conn.prepare("SELECT DISTINCT device_id FROM audit_entry ORDER BY device_id")?;
            let ids = stmt
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            ids.into_iter().map(uuid).collect()
        })
        .await
    }

    async fn pull_except(
        &self,
        device: &Device,
        after: u64,
        limit: u32,
        own: std::ops::Range<u64>,
    ) -> Result<Page, StoreError> {
        let device = device.clone();
        // One read transaction: every query of the page sees the same committed snapshot.
        self.read(move |conn| {
            let tx = conn.transaction()?;
            let page = pull(&tx, &device, after, limit, own)?;
            tx.commit()?;
            Ok(page)
        })
        .await
    }

    async fn held_changes(&self) -> Result<Vec<HeldGroup>, StoreError> {
        self.run(|conn| held::groups(conn)).await
    }

    async fn give_held(
        &self,
        case_no: &str,
        site: &str,
        now_ms: u64,
    ) -> Result<Settlement, StoreError> {
        let (case_no, site) = (case_no.to_string(), site.to_string());
        self.run(move |conn| held::give(conn, &case_no, &site, now_ms))
            .await
    }

    async fn drop_held(
        &self,
        case_no: &str,
        site: &str,
        now_ms: u64,
    ) -> Result<Settlement, StoreError> {
        let (case_no, site) = (case_no.to_string(), site.to_string());
        self.run(move |conn| held::drop_held(conn, &case_no, &site, now_ms))
            .await
    }

    async fn held_settlements(&self) -> Result<Vec<Settlement>, StoreError> {
        self.run(|conn| held::settlements(conn)).await
    }
}

/// A field's stored state from its row's columns.
fn field_state(
    value: Option<String>,
    seq: i64,
    hlc: i64,
    device: String,
    device_name: String,
) -> Result<FieldState, StoreError> {
    Ok(FieldState {
        value,
        seq: to_u64(seq)?,
        hlc: to_u64(hlc)?,
        device: uuid(device)?,
        device_name,
    })
}

fn load(tx: &Transaction<'_>, wanted: &Wanted) -> Result<Snapshot, StoreError> {
    let mut snap = Snapshot::default();
    let mut stmt = tx.prepare_cached("SELECT site FROM case_site WHERE case_no = ?1")?;
    for case_no in &wanted.case_nos {
        if let Some(site) = stmt.query_row([case_no], |r| r.get(0)).optional()? {
            snap.cases.insert(case_no.clone(), site);
        }
    }
    let mut stmt = tx.prepare_cached("SELECT case_no FROM individual WHERE individual_no = ?1")?;
    for no in &wanted.individual_nos {
        if let Some(case_no) = stmt.query_row([no], |r| r.get(0)).optional()? {
            snap.individuals.insert(no.clone(), case_no);
        }
    }
    let mut stmt = tx.prepare_cached(
        "SELECT f.scope, f.field, f.value, f.server_seq, f.hlc, f.device_id, COALESCE(d.name, '')
         FROM field_value f LEFT JOIN device d ON d.id = f.device_id WHERE f.entity = ?1",
    )?;
    for entity in &wanted.entities {
        let rows = stmt
            .query_map([entity], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        for (sc, field, value, seq, hlc, dev, dev_name) in rows {
            snap.fields.insert(
                FieldKey {
                    scope: scope(&sc)?,
                    entity: entity.clone(),
                    field,
                },
                field_state(value, seq, hlc, dev, dev_name)?,
            );
        }
    }
    let mut stmt = tx.prepare_cached(
        "SELECT f.value, f.server_seq, f.hlc, f.device_id, COALESCE(d.name, '')
         FROM field_value f LEFT JOIN device d ON d.id = f.device_id
         WHERE f.scope = ?1 AND f.entity = ?2 AND f.field = ?3",
    )?;
    for key in &wanted.fields {
        let row = stmt
            .query_row(params![key.scope.as_str(), key.entity, key.field], |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })
            .optional()?;
        if let Some((value, seq, hlc, dev, dev_name)) = row {
            snap.fields
                .insert(key.clone(), field_state(value, seq, hlc, dev, dev_name)?);
        }
    }
    let mut stmt = tx.prepare_cached("SELECT 1 FROM event WHERE id = ?1")?;
    for id in &wanted.event_ids {
        if stmt
            .query_row([id], |r| r.get::<_, i64>(0))
            .optional()?
            .is_some()
        {
            snap.events.insert(id.clone());
        }
    }
    let mut stmt =
        tx.prepare_cached("SELECT scope, entity, field, resolved FROM conflict WHERE id = ?1")?;
    for &id in &wanted.conflict_ids {
        let Ok(db_id) = i64::try_from(id) else {
            continue;
        };
        let row: Option<(String, String, String, bool)> = stmt
            .query_row([db_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()?;
        if let Some((sc, entity, field, resolved)) = row {
            snap.conflicts.insert(
                id,
                ConflictRef {
                    scope: scope(&sc)?,
                    entity,
                    field,
                    resolved,
                },
            );
        }
    }
    Ok(snap)
}

fn apply(tx: &Transaction<'_>, device_id: &str, plan: &mut Plan) -> Result<(), StoreError> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO case_site (case_no, site) VALUES (?1, ?2)
         ON CONFLICT (case_no) DO UPDATE SET site = excluded.site",
    )?;
    for (case_no, site) in &plan.cases {
        stmt.execute([case_no, site])?;
    }
    let mut stmt = tx.prepare_cached(
        "INSERT INTO individual (individual_no, case_no) VALUES (?1, ?2)
         ON CONFLICT (individual_no) DO UPDATE SET case_no = excluded.case_no",
    )?;
    for (no, case_no) in &plan.individuals {
        stmt.execute([no, case_no])?;
    }
    for no in &plan.moved_individuals {
        let Some(case_no) = plan.individuals.get(no) else {
            continue;
        };
        tx.execute(
            "UPDATE field_value SET case_no = ?1, site = (SELECT site FROM case_site WHERE case_no = ?1)
             WHERE scope = 'individual' AND entity = ?2",
            [case_no, no],
        )?;
        tx.execute(
            "UPDATE conflict SET case_no = ?1, site = (SELECT site FROM case_site WHERE case_no = ?1)
             WHERE scope = 'individual' AND entity = ?2",
            [case_no, no],
        )?;
    }
    let mut stmt = tx.prepare_cached(
        "INSERT INTO field_value (scope, entity, field, case_no, value, server_seq, hlc, device_id, site)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, (SELECT site FROM case_site WHERE case_no = ?4))
         ON CONFLICT (scope, entity, field) DO UPDATE SET case_no = excluded.case_no,
             value = excluded.value, server_seq = excluded.server_seq, hlc = excluded.hlc,
             device_id = excluded.device_id, site = excluded.site",
    )?;
    for (key, row) in &plan.fields {
        stmt.execute(params![
            key.scope.as_str(),
            key.entity,
            key.field,
            row.case_no,
            row.value,
            to_i64(row.seq)?,
            to_i64(row.hlc)?,
            row.device.to_string()
        ])?;
    }
    let mut stmt = tx.prepare_cached(
        "INSERT INTO event (id, case_no, kind, json, server_seq, device_id, site)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, (SELECT site FROM case_site WHERE case_no = ?2))",
    )?;
    for e in &plan.events {
        stmt.execute(params![
            e.id,
            e.case_no,
            e.kind,
            e.json,
            to_i64(e.seq)?,
            device_id
        ])?;
    }
    let mut stmt = tx.prepare_cached(
        "INSERT INTO conflict (id, scope, entity, case_no, field, winner, loser, winner_device,
                               loser_device, resolved, server_seq, site)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, ?1,
                 (SELECT site FROM case_site WHERE case_no = ?4))",
    )?;
    for c in &plan.conflicts {
        stmt.execute(params![
            to_i64(c.id)?,
            c.key.scope.as_str(),
            c.key.entity,
            c.case_no,
            c.key.field,
            c.winner,
            c.loser,
            c.winner_device,
            c.loser_device
        ])?;
    }
    for &(id, seq) in &plan.resolved {
        tx.execute(
            "UPDATE conflict SET resolved = 1, server_seq = ?1 WHERE id = ?2",
            [to_i64(seq)?, to_i64(id)?],
        )?;
    }
    // A case that moved site: the old site's devices remove it, the new site's receive all of
    // it again (fresh sequence numbers, after the removal).
    for (case_no, old_site) in &plan.moved_cases {
        let new_site = plan.cases.get(case_no).cloned().unwrap_or_default();
        let seq = take(&mut plan.next_seq);
        tx.execute(
            "INSERT INTO removal (server_seq, case_no, site) VALUES (?1, ?2, ?3)",
            params![to_i64(seq)?, case_no, old_site],
        )?;
        for (select, update) in [
            (
                "SELECT rowid FROM field_value WHERE case_no = ?1 ORDER BY server_seq",
                "UPDATE field_value SET server_seq = ?1, site = ?3 WHERE rowid = ?2",
            ),
            (
                "SELECT rowid FROM event WHERE case_no = ?1 ORDER BY server_seq",
                "UPDATE event SET server_seq = ?1, site = ?3 WHERE rowid = ?2",
            ),
            (
                "SELECT rowid FROM conflict WHERE case_no = ?1 AND resolved = 0 ORDER BY server_seq",
                "UPDATE conflict SET server_seq = ?1, site = ?3 WHERE rowid = ?2",
            ),
        ] {
            let rows = tx
                .prepare(select)?
                .query_map([case_no], |r| r.get::<_, i64>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            for rowid in rows {
                let seq = take(&mut plan.next_seq);
                tx.execute(update, params![to_i64(seq)?, rowid, new_site])?;
            }
        }
    }
    tx.execute(
        "UPDATE device SET last_client_seq = ?1 WHERE id = ?2",
        params![to_i64(plan.acked_up_to)?, device_id],
    )?;
    tx.execute(
        "UPDATE server_state SET next_seq = ?1 WHERE id = 1",
        [to_i64(plan.next_seq)?],
    )?;
    Ok(())
}

fn take(next: &mut u64) -> u64 {
    let seq = *next;
    *next += 1;
    seq
}

const MY_SITES: &str = "(SELECT site FROM device_site WHERE device_id = ?2)";

fn pull(
    tx: &Transaction<'_>,
    device: &Device,
    after: u64,
    limit: u32,
    own: std::ops::Range<u64>,
) -> Result<Page, StoreError> {
    let device_id = device.id.to_string();
    let (own_from, own_to) = (to_i64(own.start)?, to_i64(own.end)?);
    let next_seq: i64 =
        tx.query_row("SELECT next_seq FROM server_state WHERE id = 1", [], |r| {
            r.get(0)
        })?;
    let committed_max = to_u64(next_seq)?.saturating_sub(1);
    let after_db = to_i64(after)?;
    let fetch = i64::from(limit) + 1;
    let mut changes = Vec::new();

    // Each of the device's sites is read in sequence order from its (site, server_seq) index,
    // at most limit + 1 rows each; assemble_page cuts the merged lists at the limit.
    for site in &device.sites {
        let rows = tx
            .prepare_cached(
                "SELECT server_seq, scope, entity, case_no, field, value FROM field_value
                 WHERE site = ?2 AND server_seq > ?1
                   AND NOT (server_seq >= ?5 AND server_seq < ?6 AND device_id = ?4)
                 ORDER BY server_seq LIMIT ?3",
            )?
            .query_map(
                params![after_db, site, fetch, device_id, own_from, own_to],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, Option<String>>(5)?,
                    ))
                },
            )?
            .collect::<Result<Vec<_>, _>>()?;
        for (seq, sc, entity, case_no, field, value) in rows {
            changes.push(ServerChange {
                server_seq: to_u64(seq)?,
                scope: scope(&sc)?,
                entity,
                case_no,
                body: ServerBody::Field { field, value },
            });
        }
    }

    for site in &device.sites {
        let rows = tx
            .prepare_cached(
                "SELECT server_seq, id, case_no, kind, json FROM event
                 WHERE site = ?2 AND server_seq > ?1
                   AND NOT (server_seq >= ?5 AND server_seq < ?6 AND device_id = ?4)
                 ORDER BY server_seq LIMIT ?3",
            )?
            .query_map(
                params![after_db, site, fetch, device_id, own_from, own_to],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                    ))
                },
            )?
            .collect::<Result<Vec<_>, _>>()?;
        for (seq, id, case_no, kind, json) in rows {
            changes.push(ServerChange {
                server_seq: to_u64(seq)?,
                scope: Scope::Event,
                entity: id,
                case_no,
                body: ServerBody::Event { kind, json },
            });
        }
    }

    let sql = format!(
        "SELECT r.server_seq, r.case_no
         FROM removal r LEFT JOIN case_site c ON c.case_no = r.case_no
         WHERE r.server_seq > ?1 AND r.site IN {MY_SITES}
           AND (c.site IS NULL OR c.site NOT IN {MY_SITES})
         ORDER BY r.server_seq LIMIT ?3"
    );
    let rows = tx
        .prepare_cached(&sql)?
        .query_map(params![after_db, device_id, fetch], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    for (seq, case_no) in rows {
        changes.push(ServerChange {
            server_seq: to_u64(seq)?,
            scope: Scope::Case,
            entity: case_no.clone(),
            case_no,
            body: ServerBody::Remove,
        });
    }

    let mut conflicts = Vec::new();
    for site in &device.sites {
        type Row = (
            i64,
            i64,
            String,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            String,
            String,
            bool,
        );
        let rows: Vec<Row> = tx
            .prepare_cached(
                "SELECT id, server_seq, scope, entity, case_no, field, winner, loser,
                    winner_device, loser_device, resolved FROM conflict
             WHERE site = ?2 AND server_seq > ?1 ORDER BY server_seq LIMIT ?3",
            )?
            .query_map(params![after_db, site, fetch], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                    r.get(10)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        for (id, seq, sc, entity, case_no, field, winner, loser, wd, ld, resolved) in rows {
            conflicts.push(Conflict {
                id: to_u64(id)?,
                server_seq: to_u64(seq)?,
                scope: scope(&sc)?,
                entity,
                case_no,
                field,
                winner,
                loser,
                winner_device: wd,
                loser_device: ld,
                resolved,
            });
        }
    }
    Ok(assemble_page(
        changes,
        conflicts,
        after,
        limit,
        committed_max,
    ))
}
