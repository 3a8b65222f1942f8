//! Waypoint's use cases, one module per capability. The desktop shell and the CLI translate
//! their input into a call here and the answer back; neither decides a rule.
//!
//! Every use case is a plain function over an opened store, the person signed in
//! ([`SignedIn`], whose role decides what they may see and do) and a [`Context`] (where and
//! when the work happens). It checks the role, calls the store and returns domain types with
//! role-restricted values already removed.

mod context;
mod error;
mod lookup;
mod signed_in;

pub mod counselling;
pub mod custody;
pub mod special_needs;

pub use context::Context;
pub use error::AppError;
pub use signed_in::SignedIn;

#[cfg(test)]
mod testing;
