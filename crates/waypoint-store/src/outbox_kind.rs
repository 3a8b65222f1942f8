//! What kind of change an outbox entry is (a new record, one field, a field event), as stored.

use serde::Serialize;

use crate::StoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxKind {
    /// A new case or individual; the payload holds all its fields.
    Create,
    /// One changed field.
    Field,
    /// A new field event.
    Event,
}

impl OutboxKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Field => "field",
            Self::Event => "event",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "create" => Ok(Self::Create),
            "field" => Ok(Self::Field),
            "event" => Ok(Self::Event),
            other => Err(StoreError::Corrupt(format!(
                "unknown outbox kind '{other}'"
            ))),
        }
    }
}
