//! Waypoint's desktop window: a thin Tauri shell over the core crates.
//!
//! Every command's logic is a plain function in [`commands`], taking the [`state::AppState`]
//! and typed arguments from [`dto`] and returning a [`dto`] type or a [`error::CommandError`];
//! [`shell`] wraps each in a `#[tauri::command]`. The UI's TypeScript types are generated from
//! [`dto`] ([`bindings`]).

pub mod bindings;
mod command_names;
pub mod commands;
pub mod dto;
pub mod error;
mod shell;
pub mod state;
mod store_errors;
pub mod suspend;

pub use command_names::COMMANDS;
pub use shell::run;
