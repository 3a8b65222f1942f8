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
//!
//! One file per concern, the same as the other backend's: `devices.rs`, `staff.rs`,
//! `attempts.rs`, `sync.rs`, `held.rs`, `audit.rs`.

use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::{NoTls, error::SqlState};
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
        include_str!("../../../migrations/postgres/0001_initial.sql"),
    ),
    (
        2,
        include_str!("../../../migrations/postgres/0002_site_pages.sql"),
    ),
    (
        3,
        include_str!("../../../migrations/postgres/0003_revoke_reason.sql"),
    ),
    (
        4,
        include_str!("../../../migrations/postgres/0004_staff.sql"),
    ),
    (
        5,
        include_str!("../../../migrations/postgres/0005_audit.sql"),
    ),
    (
        6,
        include_str!("../../../migrations/postgres/0006_attempts.sql"),
    ),
    (
        7,
        include_str!("../../../migrations/postgres/0007_held_changes.sql"),
    ),
    (
        8,
        include_str!("../../../migrations/postgres/0008_arrivals.sql"),
    ),
];

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
    Store(ServerStoreError),
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

impl From<ServerStoreError> for Failure {
    fn from(e: ServerStoreError) -> Self {
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
    ) -> Result<Self, ServerStoreError> {
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
            .map_err(|e| ServerStoreError::Connect(e.to_string()))?;
        let store = PgStore { pool };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), ServerStoreError> {
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
            return Err(ServerStoreError::TooNew {
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
}

fn scope(s: &str) -> Result<Scope, ServerStoreError> {
    Scope::parse(s).ok_or_else(|| ServerStoreError::Corrupt(format!("unknown scope '{s}'")))
}

fn uuid(s: &str) -> Result<Uuid, ServerStoreError> {
    Uuid::parse_str(s).map_err(|_| ServerStoreError::Corrupt("a device id is not a UUID".into()))
}

async fn sites_of(
    client: &impl GenericClient,
    device_id: &str,
) -> Result<Vec<String>, ServerStoreError> {
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

fn staff_row(r: &tokio_postgres::Row) -> Result<StaffAccount, ServerStoreError> {
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
) -> Result<Device, ServerStoreError> {
    Ok(Device {
        sites: sites_of(client, &id).await?,
        id: uuid(&id)?,
        name,
        last_client_seq: to_u64(last)?,
        revoked,
    })
}
