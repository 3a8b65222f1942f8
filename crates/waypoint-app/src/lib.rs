//! Waypoint's use cases, one module per capability. The desktop shell and the CLI translate
//! their input into a call here and the answer back; neither decides a rule.
//!
//! Every use case is a plain function over an opened store, the person signed in
//! ([`SignedIn`], whose role decides what they may see and do) and a [`Context`] (where and
//! when the work happens). It checks the role, calls the store and returns domain types with
//! role-restricted values already removed. The CLI opens the store per command ([`open`]); the
//! desktop keeps one [`session::Session`] for its life.

pub mod abn;
pub mod arrival;
pub mod audit;
pub mod booking;
pub mod case_view;
pub mod conflicts;
mod context;
pub mod counselling;
pub mod custody;
pub mod departure_notice;
pub mod enrol;
mod error;
pub mod exit_permit;
pub mod export;
pub mod history;
pub mod identity_check;
pub mod import;
pub mod individual;
pub mod journey;
mod lookup;
pub mod manifest;
mod message;
pub mod open;
pub mod outbox;
pub mod search;
pub mod session;
mod signed_in;
pub mod special_needs;
pub mod staff;
pub mod sync;
pub mod travel_bag;

pub use context::Context;
pub use error::{AppError, LeaseOver};
pub use message::{MessageCode, store_code, with_causes};
pub use signed_in::SignedIn;
/// Both binaries call it first thing: a crash writes no core dump with keys or personal data.
pub use waypoint_keys::guard_crash_output;
/// The opened store every use case takes, and its errors: the front ends name them and hand
/// the store to use cases, never calling it themselves.
pub use waypoint_store::{Store, StoreError};

#[cfg(test)]
mod testing;
