//! The one error type every command returns, serialised to the UI as a readable message.

use serde::{Serialize, Serializer};
use waypoint_store::StoreError;

/// Why a command did not do what it was asked, said for the person at the screen.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Sync(#[from] waypoint_sync::SyncError),
    #[error("there is no case with number {0}")]
    UnknownCase(String),
    #[error("there is no individual with number {0}")]
    UnknownIndividual(String),
    /// A request that cannot be carried out as given; the message says why and what to do.
    #[error("{0}")]
    Invalid(String),
    #[error("Waypoint's data is unavailable after an earlier failure: restart Waypoint")]
    Unavailable,
}

impl CommandError {
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid(message.into())
    }

    /// The message with its causes (`database error: disk I/O error`), as the UI shows it.
    pub fn message(&self) -> String {
        let mut text = self.to_string();
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            let cause_text = cause.to_string();
            if !text.contains(&cause_text) {
                text.push_str(": ");
                text.push_str(&cause_text);
            }
            source = cause.source();
        }
        text
    }
}

impl Serialize for CommandError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_its_message() {
        let e = CommandError::UnknownCase("KGL-1".into());
        assert_eq!(
            serde_json::to_string(&e).ok().as_deref(),
            Some("\"there is no case with number KGL-1\"")
        );
    }
}
