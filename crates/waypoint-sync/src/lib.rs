//! The device's side of sync over the network (docs/sync-protocol.md): enrolment with a
//! one-time code, and `sync`, which pushes the outbox and pulls the device's scope in rounds
//! of one `POST /v1/sync` each.
//!
//! Everything that touches the local data goes through `waypoint_store::Store` (acknowledging
//! pushed changes, applying pulled pages with their cursor in one transaction); this crate only
//! moves bytes and translates between the store's types and the wire types. It never prints and
//! never logs values.
//!
//! One file per job: `http.rs` (the session with the server, one request helper),
//! `convert.rs` (wire conversion), `staff.rs` (the staff directory and online sign-in),
//! `rounds.rs` (the sync loop), `audit.rs` (the audit log after the data), `report.rs` (what a
//! sync did) and `enrol.rs`. Sign-in itself is the application layer's (`waypoint-app`).

// `crate::wire` is the protocol crate wherever this crate names it.
use waypoint_protocol as wire;

mod audit;
mod convert;
mod enrol;
mod error;
mod http;
mod report;
mod rounds;
mod staff;
mod transport;

pub use convert::{conflict_from_wire, from_wire, to_wire};
pub use enrol::{enrol, re_enrol};
pub use error::SyncError;
pub use report::{Progress, Refused, RetiredWipe, SyncReport, retired_wipe};
pub use rounds::{PULL_LIMIT, PUSH_BATCH, sync, sync_with};
pub use staff::{apply_directory, held_directory, sign_in};
pub use transport::Transport;
pub use wire::{EnrolResponse, SignInResponse, StaffDirectory};
