//! The one error type every command returns, serialised to the UI as a [`CommandFailure`]: a
//! kind, the English message (for tests and debugging) and the code the window words in the
//! person's language (docs/messages.md).

use serde::{Serialize, Serializer};
use ts_rs::TS;
use waypoint_app::{AppError, MessageCode};

/// Why a command did not do what it was asked: a use case's error, or a request the window
/// should not have made.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// Refusals of the role, unknown records, a locked app, sync failures...: the application
    /// layer's.
    #[error(transparent)]
    App(#[from] AppError),
    /// A request that cannot be carried out as given; the message says why and what to do.
    #[error("{0}")]
    Invalid(String),
}

/// What the window does with a failure: `locked` (show the sign-in screen), `not_allowed`
/// (the role may not), `lease_over` (only "Sync now"), or `error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    Locked,
    NotAllowed,
    LeaseOver,
    Error,
}

/// A command's failure as the UI receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CommandFailure {
    pub kind: FailureKind,
    /// English, with its causes: for tests and debugging, never shown as it is.
    pub message: String,
    /// What the window says, in the person's language.
    pub code: MessageCode,
}

impl CommandError {
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid(message.into())
    }

    /// The message with its causes (`database error: disk I/O error`), in English.
    pub fn message(&self) -> String {
        waypoint_app::with_causes(self)
    }

    /// What the message means, for the window to word.
    pub fn code(&self) -> MessageCode {
        match self {
            CommandError::App(e) => e.code(),
            CommandError::Invalid(m) => MessageCode::other(m.clone()),
        }
    }

    pub fn failure_kind(&self) -> FailureKind {
        match self.code() {
            MessageCode::Locked | MessageCode::Wiped => FailureKind::Locked,
            MessageCode::LeaseOver { .. }
            | MessageCode::LeaseOverNeverSynced { .. }
            | MessageCode::LeaseOverLocked => FailureKind::LeaseOver,
            MessageCode::NotAllowed { .. } | MessageCode::NotAllowedChange { .. } => {
                FailureKind::NotAllowed
            }
            _ => FailureKind::Error,
        }
    }

    pub fn failure(&self) -> CommandFailure {
        CommandFailure {
            kind: self.failure_kind(),
            message: self.message(),
            code: self.code(),
        }
    }
}

/// Serialised as a [`CommandFailure`]: `{ "kind": ..., "message": ..., "code": ... }`.
impl Serialize for CommandError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.failure().serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use waypoint_domain::{Action, Refused, Role};

    #[test]
    fn serialises_as_its_kind_message_and_code() {
        let e = CommandError::from(AppError::UnknownCase("KGL-1".into()));
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({
                "kind": "error",
                "message": "there is no case with number KGL-1",
                "code": { "code": "unknown_case", "params": { "case_no": "KGL-1" } }
            })
        );
        let locked = serde_json::to_value(CommandError::from(AppError::Locked)).unwrap();
        assert_eq!(locked["kind"], "locked");
        assert_eq!(locked["code"]["code"], "locked");
    }

    #[test]
    fn a_refusal_of_the_role_is_not_allowed_with_its_role_and_action() {
        let refused = CommandError::from(AppError::not_allowed(
            Role::Administrator,
            Refused::Action {
                action: Action::Import,
            },
        ));
        let v = serde_json::to_value(refused).unwrap();
        assert_eq!(v["kind"], "not_allowed");
        assert_eq!(v["code"]["params"]["role"], "administrator");
        assert_eq!(v["code"]["params"]["action"], "import");
    }
}
