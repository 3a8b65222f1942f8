//! Waypoint's HQ sync server: the server half of `docs/sync-protocol.md`.
//!
//! - [`app`] builds the HTTP API (axum) over a [`ServerState`]; [`serve`] runs it, with TLS
//!   when given a certificate, until a shutdown signal. The sign-in policy (attempts counted
//!   before a PIN is checked, a bound on PIN checks) is `sign_in.rs`, apart from HTTP.
//! - [`store`] keeps the data behind [`ServerStore`] (one trait per concern), with a SQLite
//!   backend (small offices) and a PostgreSQL backend (HQ; several processes at once).
//! - [`merge`] decides what a pushed batch does, once for both backends.
//! - [`admin`] holds what the `waypoint-server admin …` commands do.
//!
//! Scope is decided from the device's credential alone: a request body never names a site or
//! a device. No response, refusal, error or log line carries personal data or another site's
//! data.

pub mod admin;
pub mod audit;
pub mod auth;
mod connections;
mod http;
pub mod merge;
mod parse_errors;
mod serve;
pub mod server_key;
mod sign_in;
pub mod store;

pub use connections::{
    ConnectionLimits, HEADER_TIMEOUT, MAX_CONNECTIONS, MAX_CONNECTIONS_PER_ADDRESS,
};
pub use http::{Clock, ServerState, SystemClock, app, openapi_json};
pub use serve::{TlsFiles, serve, serve_with, shutdown_signal};
pub use sign_in::{
    FAILURE_WINDOW_MS, MAX_ENROL_FAILURES, MAX_SIGN_IN_FAILURES, PIN_CHECKS_AT_ONCE,
};
pub use store::{ServerStore, ServerStoreError};

/// What can stop the server or an administration command, for a person.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Store(#[from] ServerStoreError),
    #[error("{0}")]
    Invalid(String),
    #[error("the TLS certificate or key could not be used: {0}")]
    Tls(String),
    #[error("the network could not be used: {0}")]
    Io(#[from] std::io::Error),
    #[error("the system could not supply random numbers for a secret: {0}")]
    Random(String),
    #[error(transparent)]
    KeyFile(#[from] server_key::KeyFileError),
    #[error(transparent)]
    WrongKey(#[from] server_key::UnwrapError),
}

/// Milliseconds since the Unix epoch by the wall clock.
pub fn wall_clock_ms() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or(0)
}
