//! Waypoint's desktop window: a thin Tauri shell over the application layer (`waypoint-app`).
//!
//! Every command's logic is a plain function in [`commands`], taking the application layer's
//! [`waypoint_app::session::Session`]
//! and typed arguments from [`dto`] and returning a [`dto`] type or a [`error::CommandError`];
//! [`shell`] wraps each in a `#[tauri::command]`. The UI's TypeScript types are generated from
//! [`dto`] ([`bindings`]).

pub mod bindings;
mod command_names;
pub mod commands;
pub mod dto;
pub mod error;
mod shell;
pub mod suspend;

pub use command_names::COMMANDS;
pub use shell::run;
