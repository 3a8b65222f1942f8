//! Server storage: the traits the server needs ([`ServerStore`] is all of them), with a SQLite
//! and a PostgreSQL backend.
//!
//! Both backends keep the same tables (each with its own numbered migrations under
//! `migrations/`) and leave every merge decision to [`crate::merge`]: a backend loads what a
//! batch touches, asks `merge::plan` what to do, and writes the plan in the same transaction.
//! Each backend is a folder with one file per concern (`devices.rs`, `staff.rs`,
//! `attempts.rs`, `sync.rs`, `held.rs`, `audit.rs`), the same names in both, so that the two
//! can be read side by side. The conformance suite in `tests/conformance` runs unchanged against both.

use std::sync::Arc;

mod common;
mod error;
mod models;
mod traits;

pub mod postgres;
pub mod sqlite;

pub(crate) use common::{assemble_page, revocation, to_i64, to_u32, to_u64};
pub use error::ServerStoreError;
pub use models::{
    Device, DeviceInfo, DeviceRecovery, DeviceState, FailureKind, HeldGroup, NewDevice, NewStaff,
    Page, PushOutcome, SettleAction, Settlement, StaffAccount, StaffCredential, name_key,
};
pub use traits::{
    ArrivalStore, AttemptStore, AuditStore, DeviceStore, HeldStore, ServerStore, StaffStore,
    SyncStore,
};

/// Opens (and migrates) the store at `url`: `sqlite:PATH`, `sqlite::memory:` or
/// `postgres://…` / `postgresql://…`.
pub async fn open(url: &str) -> Result<Arc<dyn ServerStore>, ServerStoreError> {
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
            .map_err(|_| ServerStoreError::BadUrl("postgres://…".into()))?;
        Ok(Arc::new(postgres::PgStore::connect(config, 16).await?))
    } else {
        // Never echo the URL: it may hold a password.
        Err(ServerStoreError::BadUrl(
            url.split(':').next().unwrap_or_default().to_string(),
        ))
    }
}
