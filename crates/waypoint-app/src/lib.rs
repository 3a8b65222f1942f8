//! Waypoint's use cases, one module per capability. The desktop shell and the CLI translate
//! their input into a call here and the answer back; neither decides a rule.
//!
//! Every use case is a plain function over an opened store (whose signed-in person fixes the
//! role) and a [`Context`] (where and when the work happens). It checks the role, calls the
//! store and returns domain types with role-restricted values already removed.

pub mod audit;
pub mod case_view;
pub mod conflicts;
mod context;
mod error;
pub mod identity_check;
pub mod import;
pub mod search;
pub mod session;
pub mod staff;
pub mod sync;

pub use context::Context;
pub use error::{AppError, LeaseOver};
