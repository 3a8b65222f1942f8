//! The head count at the bus door: each traveller ticked as they board, or recorded as a
//! no-show with a reason; a tick or a no-show made by mistake is undone by another event.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::DepartureProblem;
use super::manifest_id::ManifestId;
use crate::EventError;
use crate::event_check::{check_text, require};

/// Why someone expected on the bus did not board.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NoShowReason {
    /// Did not come to the departure point, no news.
    #[serde(rename = "DID_NOT_COME")]
    DidNotCome,
    /// Ill, in hospital, or not fit to travel on the day.
    #[serde(rename = "ILL")]
    Ill,
    /// Came, and decided not to travel.
    #[serde(rename = "DECLINED")]
    Declined,
    /// A document needed to travel is missing or not valid.
    #[serde(rename = "DOCUMENTS")]
    Documents,
    /// A death, birth or emergency in the family.
    #[serde(rename = "FAMILY_EMERGENCY")]
    FamilyEmergency,
    /// Arrived after the bus left.
    #[serde(rename = "LATE")]
    Late,
    #[serde(rename = "OTHER")]
    Other,
}

impl NoShowReason {
    pub const ALL: &'static [NoShowReason] = &[
        Self::DidNotCome,
        Self::Ill,
        Self::Declined,
        Self::Documents,
        Self::FamilyEmergency,
        Self::Late,
        Self::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::DidNotCome => "DID_NOT_COME",
            Self::Ill => "ILL",
            Self::Declined => "DECLINED",
            Self::Documents => "DOCUMENTS",
            Self::FamilyEmergency => "FAMILY_EMERGENCY",
            Self::Late => "LATE",
            Self::Other => "OTHER",
        }
    }

    pub fn codes() -> Vec<&'static str> {
        Self::ALL.iter().map(|r| r.code()).collect()
    }

    /// A reason as typed: its code, any case, `-` or blank for `_`.
    pub fn parse(raw: &str) -> Result<Self, DepartureProblem> {
        let s = raw.trim().replace(['-', ' '], "_");
        Self::ALL
            .iter()
            .copied()
            .find(|r| r.code().eq_ignore_ascii_case(&s))
            .ok_or_else(|| DepartureProblem::UnknownReason {
                given: raw.trim().to_owned(),
            })
    }
}

impl fmt::Display for NoShowReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// What was recorded at the bus door about one traveller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mark", rename_all = "snake_case")]
pub enum BoardingMark {
    Boarded,
    NoShow {
        reason: NoShowReason,
        text: String,
    },
    /// Takes back the last tick or no-show: the traveller is awaited again.
    Undo,
}

/// One traveller's mark on one manifest; recorded once, per case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardingEvent {
    pub id: Uuid,
    pub manifest_id: ManifestId,
    pub case_no: String,
    pub individual_no: String,
    pub site: String,
    pub recorded_by: String,
    pub at: DateTime<Utc>,
    pub mark: BoardingMark,
}

impl BoardingEvent {
    pub fn validate(&self) -> Result<(), EventError> {
        if self.id.get_version_num() != 7 {
            return Err(EventError::Invalid("an event id must be a UUID v7".into()));
        }
        require(&self.case_no, "the case")?;
        require(&self.individual_no, "the traveller")?;
        require(&self.site, "the site")?;
        require(&self.recorded_by, "who recorded it")?;
        if let BoardingMark::NoShow { text, .. } = &self.mark {
            require(text, "what happened, in words")?;
            check_text(text, "what happened", 500, true)?;
        }
        Ok(())
    }
}

/// Where a traveller on a manifest stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Boarding {
    /// Expected, not boarded yet.
    Waiting,
    Boarded {
        by: String,
        at: DateTime<Utc>,
    },
    NoShow {
        reason: NoShowReason,
        text: String,
        by: String,
        at: DateTime<Utc>,
    },
}
