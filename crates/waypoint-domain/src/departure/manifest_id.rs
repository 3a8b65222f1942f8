//! A manifest's number: what the bus door reads out, and what boarding marks refer to.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::DepartureProblem;

/// A manifest's number, `MAN-` then the departure day and six characters of the id of the
/// event that made it, e.g. `MAN-20261214-3F9A2C`: unique without asking a server, short
/// enough to read out at the bus door.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct ManifestId(String);

impl ManifestId {
    /// A new number for a manifest departing on `departs`, from the id of its first event.
    pub fn new(departs: DateTime<Utc>, first_event: Uuid) -> Self {
        let hex = first_event.simple().to_string().to_ascii_uppercase();
        Self(format!(
            "MAN-{}-{}",
            departs.format("%Y%m%d"),
            &hex[hex.len() - 6..]
        ))
    }

    /// Reads a number as typed (any case, blanks around it).
    pub fn parse(raw: &str) -> Result<Self, DepartureProblem> {
        let s = raw.trim().to_ascii_uppercase();
        let ok = s.len() <= 40
            && s.strip_prefix("MAN-").is_some_and(|rest| {
                !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if ok {
            Ok(Self(s))
        } else {
            Err(DepartureProblem::BadManifestId(raw.trim().to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ManifestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<ManifestId> for String {
    fn from(id: ManifestId) -> String {
        id.0
    }
}

impl TryFrom<String> for ManifestId {
    type Error = DepartureProblem;
    fn try_from(s: String) -> Result<Self, DepartureProblem> {
        Self::parse(&s)
    }
}
