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
    #[error("Waypoint is locked: sign in with your PIN")]
    Locked,
    #[error(
        "this laptop has not synced for longer than its site allows: it is locked until it syncs (Sync now); its changes are kept"
    )]
    LeaseOver,
    #[error("HQ revoked this laptop: its Waypoint data has been erased")]
    Wiped,
}

/// The use cases' refusals keep their kind (a role refusal stays `not_allowed`).
impl From<waypoint_app::AppError> for CommandError {
    fn from(e: waypoint_app::AppError) -> Self {
        use waypoint_app::AppError as A;
        match e {
            A::Store(e) => Self::Store(e),
            A::UnknownCase(n) => Self::UnknownCase(n),
            A::UnknownIndividual(n) => Self::UnknownIndividual(n),
            A::Invalid(m) => Self::Invalid(m),
        }
    }
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

impl CommandError {
    /// What kind of refusal this is, for the UI: `locked` (show the sign-in screen),
    /// `not_allowed` (the role may not), or `error`.
    pub fn kind(&self) -> &'static str {
        match self {
            CommandError::Locked | CommandError::Wiped => "locked",
            CommandError::LeaseOver => "lease_over",
            CommandError::Store(StoreError::NotAllowed { .. }) => "not_allowed",
            _ => "error",
        }
    }
}

/// Serialised as `{ "kind": ..., "message": ... }`.
impl Serialize for CommandError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("CommandError", 2)?;
        s.serialize_field("kind", self.kind())?;
        s.serialize_field("message", &self.message())?;
        s.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_its_kind_and_message() {
        let e = CommandError::UnknownCase("KGL-1".into());
        assert_eq!(
            serde_json::to_string(&e).ok().as_deref(),
            Some(r#"{"kind":"error","message":"there is no case with number KGL-1"}"#)
        );
        let locked = serde_json::to_value(CommandError::Locked).unwrap();
        assert_eq!(locked["kind"], "locked");
        let refused = CommandError::from(StoreError::NotAllowed {
            role: waypoint_domain::Role::Administrator,
            what: "import".into(),
        });
        assert_eq!(
            serde_json::to_value(refused).unwrap()["kind"],
            "not_allowed"
        );
    }
}
