//! The PostgreSQL backend (HQ, several server processes at once).
//!
//! Concurrency: every push locks the one `server_state` row (`SELECT … FOR UPDATE`) before it
//! reads anything, then the device's row. Pushes therefore run one at a time across all server
//! processes, which gives two properties the protocol needs:
//! - sequence numbers are handed out in commit order, so a pull that has seen number `n`
//!   has seen every number below it (a cursor never skips a change committed later);
//! - `(device, client_seq)` idempotency holds: a repeated batch, even sent to another process
//!   at the same moment, waits for the first and then finds it settled.
//!
//! Pulls never take the lock: they read one REPEATABLE READ snapshot. A serialization failure
//! or deadlock (not expected with this locking, but cheap to handle) is retried.

use async_trait::async_trait;
use deadpool_postgres::{
    GenericClient, Manager, ManagerConfig, Pool, RecyclingMethod, Transaction,
};
use tokio_postgres::{IsolationLevel, NoTls, error::SqlState};
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
    (
        1,
        include_str!("../../migrations/postgres/0001_initial.sql"),
    ),
    (
        2,
        include_str!("../../migrations/postgres/0002_site_pages.sql"),
    ),
    (
        3,
        include_str!("../../migrations/postgres/0003_revoke_reason.sql"),
    ),
    (4, include_str!("../../migrations/postgres/0004_staff.sql")),
    (5, include_str!("../../migrations/postgres/0005_audit.sql")),
    (
        6,
        include_str!("../../migrations/postgres/0006_attempts.sql"),
    ),
    (
        7,
        include_str!("../../migrations/postgres/0007_held_changes.sql"),
    ),
];

mod held;

const RETRIES: usize = 5;

pub struct PgStore {
    pool: Pool,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("pool", &self.pool.status())
            .finish()
    }
}

/// Why one attempt at a transaction failed.
enum Failure {
    Retry,
    Store(StoreError),
}

impl From<tokio_postgres::Error> for Failure {
    fn from(e: tokio_postgres::Error) -> Self {
        match e.code() {
            Some(c)
                if *c == SqlState::T_R_SERIALIZATION_FAILURE
                    || *c == SqlState::T_R_DEADLOCK_DETECTED =>
            {
                Failure::Retry
            }
            _ => Failure::Store(e.into()),
        }
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::Store(e)
    }
}

impl PgStore {
    /// Connects a pool of at most `max_connections` and migrates the schema (in the
    /// connection's `search_path`, so a URL with `?options=-c search_path=NAME` keeps a
    /// server in its own schema).
    pub async fn connect(
        config: tokio_postgres::Config,
        max_connections: usize,
    ) -> Result<Self, StoreError> {
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(max_connections.max(1))
            .build()
            .map_err(|e| StoreError::Connect(e.to_string()))?;
        let store = PgStore { pool };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        // Several processes may start at once: one migrates, the others wait and find it done.
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtext(current_schema()))",
            &[],
        )
        .await?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS waypoint_migration (version BIGINT PRIMARY KEY)",
        )
        .await?;
        let current: i64 = tx
            .query_one(
                "SELECT COALESCE(MAX(version), 0) FROM waypoint_migration",
                &[],
            )
            .await?
            .get(0);
        let known = MIGRATIONS.last().map_or(0, |(v, _)| *v);
        if current > known {
            return Err(StoreError::TooNew {
                found: current,
                known,
            });
        }
        for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
            tx.batch_execute(sql).await?;
            tx.execute(
                "INSERT INTO waypoint_migration (version) VALUES ($1)",
                &[version],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn push_once(
        &self,
        device_id: &str,
        changes: Vec<Change>,
        now_ms: u64,
    ) -> Result<PushOutcome, Failure> {
        let mut client = self.pool.get().await.map_err(StoreError::from)?;
        let tx = client.transaction().await?;
        let next_seq: i64 = tx
            .query_one(
                "SELECT next_seq FROM server_state WHERE id = 1 FOR UPDATE",
                &[],
            )
            .await?
            .get(0);
        let row = tx
            .query_opt(
                "SELECT id, name, last_client_seq, revoked_ms, revoked_reason FROM device
                 WHERE id = $1 FOR UPDATE",
                &[&device_id],
            )
            .await?;
        let Some(row) = row else {
            return Err(StoreError::Revoked.into());
        };
        // A retired device may still push its pending changes; a lost one may not.
        let revoked = revocation(row.get(3), row.get::<_, Option<&str>>(4));
        if revoked == Some(RevokeReason::Lost) {
            return Err(StoreError::Revoked.into());
        }
        let device = device_row(&tx, row.get(0), row.get(1), row.get(2), revoked).await?;
        let changes = new_changes(changes, device.last_client_seq)?;
        if changes.is_empty() {
            return Ok(PushOutcome {
                acked_up_to: device.last_client_seq,
                refused: Vec::new(),
                max_hlc: 0,
                written: 0..0,
            });
        }
        let wanted = Wanted::of(&changes);
        let mut snapshot = load(&tx, &wanted).await?;
        held::load(&tx, &wanted, &mut snapshot).await?;
        let mut plan = merge::plan(&device, changes, snapshot, to_u64(next_seq)?, now_ms);
        apply(&tx, device_id, &mut plan).await?;
        held::keep(&tx, device_id, &plan.held, now_ms).await?;
        tx.commit().await?;
        Ok(PushOutcome {
            acked_up_to: plan.acked_up_to,
            refused: plan.refused,
            max_hlc: plan.max_hlc,
            written: to_u64(next_seq)?..plan.next_seq,
        })
    }
}

fn scope(s: &str) -> Result<Scope, StoreError> {
    Scope::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown scope '{s}'")))
}

fn uuid(s: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(s).map_err(|_| StoreError::Corrupt("a device id is not a UUID".into()))
}

async fn sites_of(client: &impl GenericClient, device_id: &str) -> Result<Vec<String>, StoreError> {
    Ok(client
        .query(
            "SELECT site FROM device_site WHERE device_id = $1 ORDER BY site",
            &[&device_id],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect())
}

fn staff_row(r: &tokio_postgres::Row) -> Result<StaffAccount, StoreError> {
    Ok(StaffAccount {
        name: r.get(0),
        site: r.get(1),
        role: r.get(2),
        disabled: r.get(3),
        version: to_u64(r.get(4))?,
    })
}

async fn device_row(
    client: &impl GenericClient,
    id: String,
    name: String,
    last: i64,
    revoked: Option<RevokeReason>,
) -> Result<Device, StoreError> {
    Ok(Device {
        sites: sites_of(client, &id).await?,
        id: uuid(&id)?,
        name,
        last_client_seq: to_u64(last)?,
        revoked,
    })
}

#[async_trait]
impl ServerStore for PgStore {
    async fn add_site(&self, code: &str, name: &str, now_ms: u64) -> Result<(), StoreError> {
        let client = self.pool.get().await?;
        let n = client
            .execute(
                "INSERT INTO site (code, name, created_ms) VALUES ($1, $2, $3)
                 ON CONFLICT (code) DO NOTHING",
                &[&code, &name, &to_i64(now_ms)?],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::SiteExists(code.to_string()));
        }
        Ok(())
    }

    async fn sites(&self) -> Result<Vec<(String, String)>, StoreError> {
        let client = self.pool.get().await?;
        Ok(client
            .query("SELECT code, name FROM site ORDER BY code", &[])
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }

    async fn add_device(&self, d: NewDevice) -> Result<(), StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        if tx
            .query_opt("SELECT 1 FROM site WHERE code = $1", &[&d.site])
            .await?
            .is_none()
        {
            return Err(StoreError::NoSuchSite(d.site));
        }
        let id = d.id.to_string();
        let n = tx
            .execute(
                "INSERT INTO device (id, name, enrol_code_hash, enrol_expires_ms, created_ms)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING",
                &[
                    &id,
                    &d.name,
                    &d.code_hash,
                    &to_i64(d.expires_ms)?,
                    &to_i64(d.now_ms)?,
                ],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::DeviceExists(d.name));
        }
        tx.execute(
            "INSERT INTO device_site (device_id, site) VALUES ($1, $2)",
            &[&id, &d.site],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn devices(&self) -> Result<Vec<DeviceInfo>, StoreError> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                "SELECT id, name, enrol_expires_ms, token_hash IS NOT NULL, revoked_ms,
                        last_client_seq, revoked_reason
                 FROM device ORDER BY name",
                &[],
            )
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let id: String = r.get(0);
            let state = if let Some(reason) = revocation(r.get(4), r.get::<_, Option<&str>>(6)) {
                DeviceState::Revoked(reason)
            } else if r.get::<_, bool>(3) {
                DeviceState::Active
            } else {
                DeviceState::Pending {
                    expires_ms: to_u64(r.get::<_, Option<i64>>(2).unwrap_or(0))?,
                }
            };
            out.push(DeviceInfo {
                sites: sites_of(&client, &id).await?,
                id: uuid(&id)?,
                name: r.get(1),
                state,
                last_client_seq: to_u64(r.get(5))?,
            });
        }
        Ok(out)
    }

    async fn revoke_device(
        &self,
        name: &str,
        reason: RevokeReason,
        now_ms: u64,
    ) -> Result<(), StoreError> {
        let client = self.pool.get().await?;
        let n = client
            .execute(
                "UPDATE device SET revoked_ms = COALESCE(revoked_ms, $1), revoked_reason = $3,
                                   enrol_code_hash = NULL
                 WHERE name = $2",
                &[&to_i64(now_ms)?, &name, &reason.as_str()],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NoSuchDevice(name.to_string()));
        }
        Ok(())
    }

    async fn enrol_with(
        &self,
        code_hash: &str,
        token_hash: &str,
        recovery: Option<DeviceRecovery>,
        now_ms: u64,
    ) -> Result<Option<Device>, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let row = tx
            .query_opt(
                "SELECT id, name, enrol_expires_ms, last_client_seq FROM device
                 WHERE enrol_code_hash = $1 AND revoked_ms IS NULL AND token_hash IS NULL
                 FOR UPDATE",
                &[&code_hash],
            )
            .await?;
        let Some(row) = row else { return Ok(None) };
        let expires: Option<i64> = row.get(2);
        if to_u64(expires.unwrap_or(0))? < now_ms {
            return Ok(None);
        }
        let id: String = row.get(0);
        let signin_hash = recovery.as_ref().map(|r| r.signin_token_hash.as_str());
        let secret = recovery.as_ref().map(|r| r.recovery_secret.as_str());
        tx.execute(
            "UPDATE device SET token_hash = $1, enrolled_ms = $2, enrol_code_hash = NULL,
                    signin_token_hash = $4, recovery_secret = $5
             WHERE id = $3",
            &[&token_hash, &to_i64(now_ms)?, &id, &signin_hash, &secret],
        )
        .await?;
        let device = device_row(&tx, id, row.get(1), row.get(3), None).await?;
        tx.commit().await?;
        Ok(Some(device))
    }

    async fn device_by_sign_in_token(
        &self,
        signin_token_hash: &str,
    ) -> Result<Option<Device>, StoreError> {
        let client = self.pool.get().await?;
        let row = client
            .query_opt(
                "SELECT id, name, last_client_seq FROM device
                 WHERE signin_token_hash = $1 AND token_hash IS NOT NULL AND revoked_ms IS NULL",
                &[&signin_token_hash],
            )
            .await?;
        match row {
            Some(r) => Ok(Some(
                device_row(&client, r.get(0), r.get(1), r.get(2), None).await?,
            )),
            None => Ok(None),
        }
    }

    async fn recovery_secret(&self, device: &Device) -> Result<Option<String>, StoreError> {
        let client = self.pool.get().await?;
        let row = client
            .query_opt(
                "SELECT recovery_secret FROM device WHERE id = $1 AND revoked_ms IS NULL",
                &[&device.id.to_string()],
            )
            .await?;
        Ok(row.and_then(|r| r.get::<_, Option<String>>(0)))
    }

    async fn add_staff(&self, s: NewStaff) -> Result<(), StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        if tx
            .query_opt("SELECT 1 FROM site WHERE code = $1", &[&s.site])
            .await?
            .is_none()
        {
            return Err(StoreError::NoSuchSite(s.site));
        }
        let now = to_i64(s.now_ms)?;
        let n = tx
            .execute(
                "INSERT INTO staff (name_key, name, site, role, pin_hash, disabled, version,
                                    created_ms, changed_ms)
                 VALUES ($1, $2, $3, $4, $5, FALSE, 1, $6, $6) ON CONFLICT (name_key) DO NOTHING",
                &[
                    &name_key(&s.name),
                    &s.name,
                    &s.site,
                    &s.role,
                    &s.pin_hash,
                    &now,
                ],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::StaffExists(s.name));
        }
        tx.commit().await?;
        Ok(())
    }

    async fn disable_staff(&self, name: &str, now_ms: u64) -> Result<(), StoreError> {
        let client = self.pool.get().await?;
        let n = client
            .execute(
                "UPDATE staff SET version = version + CASE WHEN disabled THEN 0 ELSE 1 END,
                        changed_ms = $1, disabled = TRUE
                 WHERE name_key = $2",
                &[&to_i64(now_ms)?, &name_key(name)],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NoSuchStaff(name.trim().to_string()));
        }
        Ok(())
    }

    async fn staff(&self) -> Result<Vec<StaffAccount>, StoreError> {
        let client = self.pool.get().await?;
        client
            .query(
                "SELECT name, site, role, disabled, version FROM staff ORDER BY name_key",
                &[],
            )
            .await?
            .iter()
            .map(staff_row)
            .collect()
    }

    async fn staff_credential(&self, name: &str) -> Result<Option<StaffCredential>, StoreError> {
        let client = self.pool.get().await?;
        let row = client
            .query_opt(
                "SELECT name, site, role, disabled, version, pin_hash FROM staff WHERE name_key = $1",
                &[&name_key(name)],
            )
            .await?;
        row.map(|r| {
            Ok(StaffCredential {
                account: staff_row(&r)?,
                pin_hash: r.get(5),
            })
        })
        .transpose()
    }

    async fn staff_of_sites(&self, sites: &[String]) -> Result<Vec<StaffAccount>, StoreError> {
        let client = self.pool.get().await?;
        client
            .query(
                "SELECT name, site, role, disabled, version FROM staff WHERE site = ANY($1)
                 ORDER BY name_key",
                &[&sites],
            )
            .await?
            .iter()
            .map(staff_row)
            .collect()
    }

    async fn set_site_policy(
        &self,
        code: &str,
        lease_days: Option<u32>,
        idle_minutes: Option<u32>,
    ) -> Result<SitePolicy, StoreError> {
        let client = self.pool.get().await?;
        let lease = lease_days.map(i64::from);
        let idle = idle_minutes.map(i64::from);
        let row = client
            .query_opt(
                "UPDATE site SET lease_days = COALESCE($1, lease_days),
                                 idle_minutes = COALESCE($2, idle_minutes)
                 WHERE code = $3 RETURNING lease_days, idle_minutes",
                &[&lease, &idle, &code],
            )
            .await?;
        let Some(row) = row else {
            return Err(StoreError::NoSuchSite(code.to_string()));
        };
        Ok(SitePolicy {
            lease_days: to_u32(row.get(0))?,
            idle_minutes: to_u32(row.get(1))?,
        })
    }

    async fn site_policies(&self) -> Result<Vec<(String, SitePolicy)>, StoreError> {
        let client = self.pool.get().await?;
        client
            .query(
                "SELECT code, lease_days, idle_minutes FROM site ORDER BY code",
                &[],
            )
            .await?
            .iter()
            .map(|r| {
                Ok((
                    r.get(0),
                    SitePolicy {
                        lease_days: to_u32(r.get(1))?,
                        idle_minutes: to_u32(r.get(2))?,
                    },
                ))
            })
            .collect()
    }

    async fn failures_since(
        &self,
        kind: FailureKind,
        key_hash: &str,
        since_ms: u64,
    ) -> Result<u32, StoreError> {
        let client = self.pool.get().await?;
        let n: i64 = client
            .query_one(
                "SELECT COUNT(*) FROM auth_failure WHERE kind = $1 AND key = $2 AND at_ms >= $3",
                &[&kind.as_str(), &key_hash, &to_i64(since_ms)?],
            )
            .await?
            .get(0);
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    async fn record_failure(
        &self,
        kind: FailureKind,
        key_hash: &str,
        now_ms: u64,
        forget_before_ms: u64,
    ) -> Result<(), StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        tx.execute(
            "DELETE FROM auth_failure WHERE at_ms < $1",
            &[&to_i64(forget_before_ms)?],
        )
        .await?;
        tx.execute(
            "INSERT INTO auth_failure (kind, key, at_ms) VALUES ($1, $2, $3)",
            &[&kind.as_str(), &key_hash, &to_i64(now_ms)?],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn clear_failures(&self, kind: FailureKind, key_hash: &str) -> Result<(), StoreError> {
        let client = self.pool.get().await?;
        client
            .execute(
                "DELETE FROM auth_failure WHERE kind = $1 AND key = $2",
                &[&kind.as_str(), &key_hash],
            )
            .await?;
        Ok(())
    }

    async fn reserve_attempt(
        &self,
        keys: &[(FailureKind, String)],
        max: u32,
        now_ms: u64,
        since_ms: u64,
    ) -> Result<Option<String>, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        // This mode conflicts with itself: reservations from every server process on this
        // database count one after the other, while plain reads go on.
        tx.batch_execute("LOCK TABLE auth_failure IN SHARE ROW EXCLUSIVE MODE")
            .await?;
        let since = to_i64(since_ms)?;
        tx.execute("DELETE FROM auth_failure WHERE at_ms < $1", &[&since])
            .await?;
        for (kind, key) in keys {
            let n: i64 = tx
                .query_one(
                    "SELECT COUNT(*) FROM auth_failure WHERE kind = $1 AND key = $2 AND at_ms >= $3",
                    &[&kind.as_str(), key, &since],
                )
                .await?
                .get(0);
            if n >= i64::from(max) {
                tx.commit().await?;
                return Ok(None);
            }
        }
        let attempt = Uuid::now_v7().to_string();
        for (kind, key) in keys {
            tx.execute(
                "INSERT INTO auth_failure (kind, key, at_ms, attempt) VALUES ($1, $2, $3, $4)",
                &[&kind.as_str(), key, &to_i64(now_ms)?, &attempt],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(Some(attempt))
    }

    async fn release_attempt(&self, attempt: &str) -> Result<(), StoreError> {
        let client = self.pool.get().await?;
        client
            .execute("DELETE FROM auth_failure WHERE attempt = $1", &[&attempt])
            .await?;
        Ok(())
    }

    async fn recovery_secrets(&self) -> Result<Vec<(Uuid, String)>, StoreError> {
        let client = self.pool.get().await?;
        client
            .query(
                "SELECT id, recovery_secret FROM device WHERE recovery_secret IS NOT NULL",
                &[],
            )
            .await?
            .into_iter()
            .map(|r| {
                let id = Uuid::parse_str(r.get::<_, &str>(0))
                    .map_err(|_| StoreError::Corrupt("a device id is not a UUID".into()))?;
                Ok((id, r.get(1)))
            })
            .collect()
    }

    async fn replace_recovery_secrets(
        &self,
        secrets: Vec<(Uuid, String, String)>,
    ) -> Result<(), StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        for (id, old, new) in &secrets {
            tx.execute(
                "UPDATE device SET recovery_secret = $1 WHERE id = $2 AND recovery_secret = $3",
                &[new, &id.to_string(), old],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn device_by_token(&self, token_hash: &str) -> Result<Option<Device>, StoreError> {
        let client = self.pool.get().await?;
        let row = client
            .query_opt(
                "SELECT id, name, last_client_seq, revoked_ms, revoked_reason FROM device
                 WHERE token_hash = $1",
                &[&token_hash],
            )
            .await?;
        match row {
            Some(r) => {
                let revoked = revocation(r.get(3), r.get::<_, Option<&str>>(4));
                Ok(Some(
                    device_row(&client, r.get(0), r.get(1), r.get(2), revoked).await?,
                ))
            }
            None => Ok(None),
        }
    }

    async fn push(
        &self,
        device: &Device,
        changes: Vec<Change>,
        now_ms: u64,
    ) -> Result<PushOutcome, StoreError> {
        let device_id = device.id.to_string();
        let mut attempt = 0;
        loop {
            match self.push_once(&device_id, changes.clone(), now_ms).await {
                Ok(outcome) => return Ok(outcome),
                Err(Failure::Retry) if attempt < RETRIES => attempt += 1,
                Err(Failure::Retry) => {
                    return Err(StoreError::Database(
                        "the database stayed too busy to take the batch; try again".into(),
                    ));
                }
                Err(Failure::Store(e)) => return Err(e),
            }
        }
    }

    async fn audit_log(
        &self,
        device: Uuid,
        after: i64,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                "SELECT seq, at, staff, action, scope, entity, field, detail, prev_hash, hash
                 FROM audit_entry WHERE device_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                &[&device.to_string(), &after, &i64::from(limit)],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| AuditRecord {
                seq: r.get(0),
                at: r.get(1),
                staff: r.get(2),
                action: r.get(3),
                scope: r.get(4),
                entity: r.get(5),
                field: r.get(6),
                detail: r.get(7),
                prev_hash: r.get(8),
                hash: r.get(9),
            })
            .collect())
    }

    async fn append_audit(
        &self,
        device: Uuid,
        entries: Vec<AuditRecord>,
        now_ms: u64,
    ) -> Result<(), StoreError> {
        let now = i64::try_from(now_ms).unwrap_or(i64::MAX);
        let id = device.to_string();
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let insert = tx
            .prepare(
                "INSERT INTO audit_entry (device_id, seq, at, staff, action, scope, entity,
                     field, detail, prev_hash, hash, received_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .await?;
        for e in &entries {
            tx.execute(
                &insert,
                &[
                    &id,
                    &e.seq,
                    &e.at,
                    &e.staff,
                    &e.action,
                    &e.scope,
                    &e.entity,
                    &e.field,
                    &e.detail,
                    &e.prev_hash,
                    &e.hash,
                    &now,
                ],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn audit_head(&self, device: Uuid) -> Result<Option<(i64, String)>, StoreError> {
        let client = self.pool.get().await?;
        Ok(client
            .query_opt(
                "SELECT seq, hash FROM audit_entry WHERE device_id = $1
                 ORDER BY seq DESC LIMIT 1",
                &[&device.to_string()],
            )
            .await?
            .map(|r| (r.get(0), r.get(1))))
    }

    async fn audited_devices(&self) -> Result<Vec<Uuid>, StoreError> {
        let client = self.pool.get().await?;
        client
            .query(
                "SELECT DISTINCT device_id FROM audit_entry ORDER BY device_id",
                &[],
            )
            .await?
            .iter()
            .map(|r| uuid(r.get(0)))
            .collect()
    }

    async fn pull_except(
        &self,
        device: &Device,
        after: u64,
        limit: u32,
        own: std::ops::Range<u64>,
    ) -> Result<Page, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        let page = pull(&tx, device, after, limit, own).await?;
        tx.commit().await?;
        Ok(page)
    }

    async fn held_changes(&self) -> Result<Vec<HeldGroup>, StoreError> {
        held::groups(self).await
    }

    async fn give_held(
        &self,
        case_no: &str,
        site: &str,
        now_ms: u64,
    ) -> Result<Settlement, StoreError> {
        held::give(self, case_no, site, now_ms).await
    }

    async fn drop_held(
        &self,
        case_no: &str,
        site: &str,
        now_ms: u64,
    ) -> Result<Settlement, StoreError> {
        held::drop_held(self, case_no, site, now_ms).await
    }

    async fn held_settlements(&self) -> Result<Vec<Settlement>, StoreError> {
        held::settlements(self).await
    }
}

async fn load(tx: &Transaction<'_>, wanted: &Wanted) -> Result<Snapshot, StoreError> {
    let mut snap = Snapshot::default();
    for r in tx
        .query(
            "SELECT case_no, site FROM case_site WHERE case_no = ANY($1)",
            &[&wanted.case_nos],
        )
        .await?
    {
        snap.cases.insert(r.get(0), r.get(1));
    }
    for r in tx
        .query(
            "SELECT individual_no, case_no FROM individual WHERE individual_no = ANY($1)",
            &[&wanted.individual_nos],
        )
        .await?
    {
        snap.individuals.insert(r.get(0), r.get(1));
    }
    // Every field of the records the batch creates, and the single fields it changes.
    let whole = tx
        .query(
            "SELECT f.scope, f.entity, f.field, f.value, f.server_seq, f.hlc, f.device_id,
                    COALESCE(d.name, '')
             FROM field_value f LEFT JOIN device d ON d.id = f.device_id
             WHERE f.entity = ANY($1)",
            &[&wanted.entities],
        )
        .await?;
    let scopes: Vec<&str> = wanted.fields.iter().map(|k| k.scope.as_str()).collect();
    let entities: Vec<&str> = wanted.fields.iter().map(|k| k.entity.as_str()).collect();
    let names: Vec<&str> = wanted.fields.iter().map(|k| k.field.as_str()).collect();
    let single = tx
        .query(
            "SELECT f.scope, f.entity, f.field, f.value, f.server_seq, f.hlc, f.device_id,
                    COALESCE(d.name, '')
             FROM UNNEST($1::text[], $2::text[], $3::text[]) AS k (sc, en, fi)
             JOIN field_value f ON f.scope = k.sc AND f.entity = k.en AND f.field = k.fi
             LEFT JOIN device d ON d.id = f.device_id",
            &[&scopes, &entities, &names],
        )
        .await?;
    for r in whole.iter().chain(&single) {
        snap.fields.insert(
            FieldKey {
                scope: scope(r.get(0))?,
                entity: r.get(1),
                field: r.get(2),
            },
            FieldState {
                value: r.get(3),
                seq: to_u64(r.get(4))?,
                hlc: to_u64(r.get(5))?,
                device: uuid(r.get(6))?,
                device_name: r.get(7),
            },
        );
    }
    for r in tx
        .query(
            "SELECT id FROM event WHERE id = ANY($1)",
            &[&wanted.event_ids],
        )
        .await?
    {
        snap.events.insert(r.get(0));
    }
    let ids: Vec<i64> = wanted
        .conflict_ids
        .iter()
        .filter_map(|&id| i64::try_from(id).ok())
        .collect();
    for r in tx
        .query(
            "SELECT id, scope, entity, field, resolved FROM conflict WHERE id = ANY($1)",
            &[&ids],
        )
        .await?
    {
        snap.conflicts.insert(
            to_u64(r.get(0))?,
            ConflictRef {
                scope: scope(r.get(1))?,
                entity: r.get(2),
                field: r.get(3),
                resolved: r.get(4),
            },
        );
    }
    Ok(snap)
}

async fn apply(tx: &Transaction<'_>, device_id: &str, plan: &mut Plan) -> Result<(), StoreError> {
    // Bulk writes: one statement per table, arrays unnested on the server.
    let (case_nos, sites): (Vec<&String>, Vec<&String>) = plan.cases.iter().unzip();
    if !case_nos.is_empty() {
        tx.execute(
            "INSERT INTO case_site (case_no, site) SELECT * FROM UNNEST($1::text[], $2::text[])
             ON CONFLICT (case_no) DO UPDATE SET site = EXCLUDED.site",
            &[&case_nos, &sites],
        )
        .await?;
    }
    let (nos, cases): (Vec<&String>, Vec<&String>) = plan.individuals.iter().unzip();
    if !nos.is_empty() {
        tx.execute(
            "INSERT INTO individual (individual_no, case_no)
             SELECT * FROM UNNEST($1::text[], $2::text[])
             ON CONFLICT (individual_no) DO UPDATE SET case_no = EXCLUDED.case_no",
            &[&nos, &cases],
        )
        .await?;
    }
    for no in &plan.moved_individuals {
        let Some(case_no) = plan.individuals.get(no) else {
            continue;
        };
        tx.execute(
            "UPDATE field_value SET case_no = $1,
                    site = (SELECT site FROM case_site WHERE case_no = $1)
             WHERE scope = 'individual' AND entity = $2",
            &[case_no, no],
        )
        .await?;
        tx.execute(
            "UPDATE conflict SET case_no = $1,
                    site = (SELECT site FROM case_site WHERE case_no = $1)
             WHERE scope = 'individual' AND entity = $2",
            &[case_no, no],
        )
        .await?;
    }
    if !plan.fields.is_empty() {
        let n = plan.fields.len();
        let (mut sc, mut en, mut fi, mut ca, mut va, mut se, mut hl, mut de) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for (key, row) in &plan.fields {
            sc.push(key.scope.as_str());
            en.push(key.entity.as_str());
            fi.push(key.field.as_str());
            ca.push(row.case_no.as_str());
            va.push(row.value.as_deref());
            se.push(to_i64(row.seq)?);
            hl.push(to_i64(row.hlc)?);
            de.push(row.device.to_string());
        }
        tx.execute(
            "INSERT INTO field_value (scope, entity, field, case_no, value, server_seq, hlc, device_id, site)
             SELECT u.*, COALESCE((SELECT c.site FROM case_site c WHERE c.case_no = u.ca), '')
             FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                         $6::int8[], $7::int8[], $8::text[]) AS u (sc, en, fi, ca, va, se, hl, de)
             ON CONFLICT (scope, entity, field) DO UPDATE SET case_no = EXCLUDED.case_no,
                 value = EXCLUDED.value, server_seq = EXCLUDED.server_seq, hlc = EXCLUDED.hlc,
                 device_id = EXCLUDED.device_id, site = EXCLUDED.site",
            &[&sc, &en, &fi, &ca, &va, &se, &hl, &de],
        )
        .await?;
    }
    if !plan.events.is_empty() {
        let ids: Vec<&str> = plan.events.iter().map(|e| e.id.as_str()).collect();
        let cases: Vec<&str> = plan.events.iter().map(|e| e.case_no.as_str()).collect();
        let kinds: Vec<&str> = plan.events.iter().map(|e| e.kind.as_str()).collect();
        let jsons: Vec<&str> = plan.events.iter().map(|e| e.json.as_str()).collect();
        let seqs = plan
            .events
            .iter()
            .map(|e| to_i64(e.seq))
            .collect::<Result<Vec<_>, _>>()?;
        tx.execute(
            "INSERT INTO event (id, case_no, kind, json, server_seq, device_id, site)
             SELECT u.*, $6, COALESCE((SELECT c.site FROM case_site c WHERE c.case_no = u.ca), '')
             FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[])
                  AS u (id, ca, ki, js, se)",
            &[&ids, &cases, &kinds, &jsons, &seqs, &device_id],
        )
        .await?;
    }
    for c in &plan.conflicts {
        tx.execute(
            "INSERT INTO conflict (id, scope, entity, case_no, field, winner, loser, winner_device,
                                   loser_device, resolved, server_seq, site)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, FALSE, $1,
                     COALESCE((SELECT c.site FROM case_site c WHERE c.case_no = $4), ''))",
            &[
                &to_i64(c.id)?,
                &c.key.scope.as_str(),
                &c.key.entity,
                &c.case_no,
                &c.key.field,
                &c.winner,
                &c.loser,
                &c.winner_device,
                &c.loser_device,
            ],
        )
        .await?;
    }
    for &(id, seq) in &plan.resolved {
        tx.execute(
            "UPDATE conflict SET resolved = TRUE, server_seq = $1 WHERE id = $2",
            &[&to_i64(seq)?, &to_i64(id)?],
        )
        .await?;
    }
    for (case_no, old_site) in &plan.moved_cases {
        let new_site = plan.cases.get(case_no).cloned().unwrap_or_default();
        let seq = take(&mut plan.next_seq);
        tx.execute(
            "INSERT INTO removal (server_seq, case_no, site) VALUES ($1, $2, $3)",
            &[&to_i64(seq)?, case_no, old_site],
        )
        .await?;
        for (select, update) in [
            (
                "SELECT ctid::text FROM field_value WHERE case_no = $1 ORDER BY server_seq",
                "UPDATE field_value SET server_seq = $1, site = $3 WHERE ctid = $2::text::tid",
            ),
            (
                "SELECT ctid::text FROM event WHERE case_no = $1 ORDER BY server_seq",
                "UPDATE event SET server_seq = $1, site = $3 WHERE ctid = $2::text::tid",
            ),
            (
                "SELECT ctid::text FROM conflict WHERE case_no = $1 AND NOT resolved ORDER BY server_seq",
                "UPDATE conflict SET server_seq = $1, site = $3 WHERE ctid = $2::text::tid",
            ),
        ] {
            let rows = tx.query(select, &[case_no]).await?;
            for r in rows {
                let ctid: String = r.get(0);
                let seq = take(&mut plan.next_seq);
                tx.execute(update, &[&to_i64(seq)?, &ctid, &new_site])
                    .await?;
            }
        }
    }
    tx.execute(
        "UPDATE device SET last_client_seq = $1 WHERE id = $2",
        &[&to_i64(plan.acked_up_to)?, &device_id],
    )
    .await?;
    tx.execute(
        "UPDATE server_state SET next_seq = $1 WHERE id = 1",
        &[&to_i64(plan.next_seq)?],
    )
    .await?;
    Ok(())
}

fn take(next: &mut u64) -> u64 {
    let seq = *next;
    *next += 1;
    seq
}

const MY_SITES: &str = "(SELECT site FROM device_site WHERE device_id = $2)";

async fn pull(
    tx: &Transaction<'_>,
    device: &Device,
    after: u64,
    limit: u32,
    own: std::ops::Range<u64>,
) -> Result<Page, StoreError> {
    let (own_from, own_to) = (to_i64(own.start)?, to_i64(own.end)?);
    let next_seq: i64 = tx
        .query_one("SELECT next_seq FROM server_state WHERE id = 1", &[])
        .await?
        .get(0);
    let committed_max = to_u64(next_seq)?.saturating_sub(1);
    let after_db = to_i64(after)?;
    let fetch = i64::from(limit) + 1;
    let device_id = device.id.to_string();
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 3] = [&after_db, &device_id, &fetch];
    let mut changes = Vec::new();
    let mut conflicts = Vec::new();

    // Each of the device's sites is read in sequence order from its (site, server_seq) index,
    // at most limit + 1 rows each; assemble_page cuts the merged lists at the limit.
    for site in &device.sites {
        let by_site: [&(dyn tokio_postgres::types::ToSql + Sync); 3] = [&after_db, site, &fetch];
        let mine: [&(dyn tokio_postgres::types::ToSql + Sync); 6] =
            [&after_db, site, &fetch, &device_id, &own_from, &own_to];
        let sql = "SELECT server_seq, scope, entity, case_no, field, value FROM field_value
               WHERE site = $2 AND server_seq > $1
                 AND NOT (server_seq >= $5 AND server_seq < $6 AND device_id = $4)
               ORDER BY server_seq LIMIT $3";
        for r in tx.query(sql, &mine).await? {
            changes.push(ServerChange {
                server_seq: to_u64(r.get(0))?,
                scope: scope(r.get(1))?,
                entity: r.get(2),
                case_no: r.get(3),
                body: ServerBody::Field {
                    field: r.get(4),
                    value: r.get(5),
                },
            });
        }
        let sql = "SELECT server_seq, id, case_no, kind, json FROM event
               WHERE site = $2 AND server_seq > $1
                 AND NOT (server_seq >= $5 AND server_seq < $6 AND device_id = $4)
               ORDER BY server_seq LIMIT $3";
        for r in tx.query(sql, &mine).await? {
            changes.push(ServerChange {
                server_seq: to_u64(r.get(0))?,
                scope: Scope::Event,
                entity: r.get(1),
                case_no: r.get(2),
                body: ServerBody::Event {
                    kind: r.get(3),
                    json: r.get(4),
                },
            });
        }
        let sql = "SELECT id, server_seq, scope, entity, case_no, field, winner, loser,
                      winner_device, loser_device, resolved FROM conflict
               WHERE site = $2 AND server_seq > $1 ORDER BY server_seq LIMIT $3";
        for r in tx.query(sql, &by_site).await? {
            conflicts.push(Conflict {
                id: to_u64(r.get(0))?,
                server_seq: to_u64(r.get(1))?,
                scope: scope(r.get(2))?,
                entity: r.get(3),
                case_no: r.get(4),
                field: r.get(5),
                winner: r.get(6),
                loser: r.get(7),
                winner_device: r.get(8),
                loser_device: r.get(9),
                resolved: r.get(10),
            });
        }
    }
    let sql = format!(
        "SELECT r.server_seq, r.case_no
         FROM removal r LEFT JOIN case_site c ON c.case_no = r.case_no
         WHERE r.server_seq > $1 AND r.site IN {MY_SITES}
           AND (c.site IS NULL OR c.site NOT IN {MY_SITES})
         ORDER BY r.server_seq LIMIT $3"
    );
    for r in tx.query(&sql, &params).await? {
        let case_no: String = r.get(1);
        changes.push(ServerChange {
            server_seq: to_u64(r.get(0))?,
            scope: Scope::Case,
            entity: case_no.clone(),
            case_no,
            body: ServerBody::Remove,
        });
    }
    Ok(assemble_page(
        changes,
        conflicts,
        after,
        limit,
        committed_max,
    ))
}
