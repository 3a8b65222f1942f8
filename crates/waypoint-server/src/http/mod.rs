//! The HTTP API (docs/sync-protocol.md): routes, the device credential, errors as JSON. One
//! file per area: `enrol.rs`, `staff.rs` (sign-in and directory), `sync.rs`, `audit.rs`; the
//! sign-in policy itself is `crate::sign_in`.

mod audit;
mod bulk;
mod enrol;
mod error;
mod extract;
mod openapi;
mod routes;
mod staff;
mod state;
mod sync;

pub use openapi::openapi_json;
pub use routes::app;
pub use state::{Clock, ServerState, SystemClock};
