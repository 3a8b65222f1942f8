//! The store's and the sync's errors as command errors, for the commands that still call
//! them directly: each becomes the application layer's [`AppError`], which gives its code.

use waypoint_app::AppError;

use crate::error::CommandError;

impl From<waypoint_store::StoreError> for CommandError {
    fn from(e: waypoint_store::StoreError) -> Self {
        CommandError::App(AppError::from(e))
    }
}

impl From<waypoint_sync::SyncError> for CommandError {
    fn from(e: waypoint_sync::SyncError) -> Self {
        CommandError::App(AppError::from(e))
    }
}
