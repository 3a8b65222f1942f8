//! Why the server's storage failed, for a person.

/// Why storage failed, for a person (never with the data that was being stored).
#[derive(Debug, thiserror::Error)]
pub enum ServerStoreError {
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

impl From<rusqlite::Error> for ServerStoreError {
    fn from(e: rusqlite::Error) -> Self {
        // SQLite's messages name tables and constraints, never bound values.
        ServerStoreError::Database(e.to_string())
    }
}

impl From<tokio_postgres::Error> for ServerStoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        // Only the code and the primary message: PostgreSQL's DETAIL can quote values.
        match e.as_db_error() {
            Some(db) => {
                ServerStoreError::Database(format!("{} ({})", db.message(), db.code().code()))
            }
            None if e.is_closed() => ServerStoreError::Connect("the connection was closed".into()),
            None => ServerStoreError::Database("the database connection failed".into()),
        }
    }
}

impl From<deadpool_postgres::PoolError> for ServerStoreError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        match e {
            deadpool_postgres::PoolError::Backend(e) => e.into(),
            other => ServerStoreError::Connect(other.to_string()),
        }
    }
}
