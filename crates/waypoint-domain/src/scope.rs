//! Which kind of record a change, a conflict or an audit entry is about.

use serde::{Deserialize, Serialize};

use crate::FieldScope;

/// What a change is about: a case, an individual or a field event.
///
/// The sync protocol sends it by variant index (postcard), so the order of the variants is
/// part of the wire format: never reorder them, add new ones at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Scope {
    /// A case; the entity is its case number.
    Case,
    /// An individual; the entity is its individual number.
    Individual,
    /// A field event; the entity is its UUID (v7) as text.
    Event,
}

impl Scope {
    /// The word stored in databases and logs: `case`, `individual` or `event`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Case => "case",
            Scope::Individual => "individual",
            Scope::Event => "event",
        }
    }

    /// The scope a stored word names (see [`Scope::as_str`]).
    pub fn parse(s: &str) -> Option<Scope> {
        match s {
            "case" => Some(Scope::Case),
            "individual" => Some(Scope::Individual),
            "event" => Some(Scope::Event),
            _ => None,
        }
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<FieldScope> for Scope {
    /// The record a profile field is stored on.
    fn from(scope: FieldScope) -> Self {
        match scope {
            FieldScope::Case => Scope::Case,
            FieldScope::Individual => Scope::Individual,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scope_reads_back_from_its_word() {
        for scope in [Scope::Case, Scope::Individual, Scope::Event] {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
        }
        assert_eq!(Scope::parse("household"), None);
    }
}
