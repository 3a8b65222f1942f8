//! What people record about a case's travel bag: an item ticked (or unticked) by hand, when
//! Waypoint cannot know it (medical papers, say), and the bag handed over to someone whose
//! identity was checked. Filed per case, recorded once, never edited.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Custodian;
use crate::event_check::{EventError, check_text, require};

/// The longest note, in characters.
const NOTE_MAX: usize = 1000;

/// What the person handing the bag over found when they checked the receiver's identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiverCheck {
    /// The receiver's identity document was seen and matches who they say they are.
    Verified,
    /// It could not be checked, or did not match: the bag is not handed over.
    NotVerified,
}

impl ReceiverCheck {
    pub const ALL: [ReceiverCheck; 2] = [ReceiverCheck::Verified, ReceiverCheck::NotVerified];

    pub fn code(self) -> &'static str {
        match self {
            Self::Verified => "verified",
            Self::NotVerified => "not_verified",
        }
    }

    /// The outcome as typed (`not-verified` too); the error says the outcomes there are.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let s = raw.trim().replace('-', "_");
        Self::ALL
            .into_iter()
            .find(|c| c.code().eq_ignore_ascii_case(&s))
            .ok_or_else(|| {
                format!(
                    "'{}' is not an identity check's outcome; outcomes are: verified, not_verified",
                    raw.trim()
                )
            })
    }
}

impl fmt::Display for ReceiverCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// What a person did with the bag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum BagChange {
    /// The item (a [`crate::BagItem`] id, e.g. `medical:I-0001040`) is in the bag: seen by hand.
    Ticked { item: String, note: String },
    /// A tick taken back (the paper was not there after all).
    Unticked { item: String, note: String },
    /// The bag given to `to`, whose identity was checked; `missing` are the items it lacked,
    /// which a handover must explain in `note`.
    HandedOver {
        to: Custodian,
        check: ReceiverCheck,
        missing: Vec<String>,
        note: String,
    },
}

/// One thing recorded about a case's travel bag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TravelBagEvent {
    pub id: Uuid,
    pub case_no: String,
    pub site: String,
    pub recorded_by: String,
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub change: BagChange,
}

impl TravelBagEvent {
    /// Checks what every such event must have. A tick says what was seen; a handover is only
    /// to someone whose identity was verified, to a person, a staff member or an authority
    /// (a bag is not left in a cabinet), and an incomplete bag's handover says why it went.
    pub fn validate(&self) -> Result<(), EventError> {
        if self.id.get_version_num() != 7 {
            return Err(EventError::Invalid("an event id must be a UUID v7".into()));
        }
        require(&self.case_no, "the case")?;
        require(&self.recorded_by, "who recorded it")?;
        require(&self.site, "the site")?;
        match &self.change {
            BagChange::Ticked { item, note } => {
                require(item, "the item ticked")?;
                require(note, "what was seen, in a note")?;
                check_text(note, "the note", NOTE_MAX, true)
            }
            BagChange::Unticked { item, note } => {
                require(item, "the item unticked")?;
                check_text(note, "the note", NOTE_MAX, true)
            }
            BagChange::HandedOver {
                to,
                check,
                missing,
                note,
            } => {
                match to {
                    Custodian::Individual { individual_no } => {
                        require(individual_no, "the receiver")?
                    }
                    Custodian::Staff { name } | Custodian::Authority { name } => {
                        require(name, "the receiver")?
                    }
                    Custodian::Storage { .. } | Custodian::TravelBag { .. } => {
                        return Err(EventError::Invalid(
                            "a travel bag is handed over to a person, a staff member or an authority".into(),
                        ));
                    }
                }
                if *check != ReceiverCheck::Verified {
                    return Err(EventError::Invalid(
                        "the receiver's identity was not verified: check it before handing the bag over".into(),
                    ));
                }
                if !missing.is_empty() {
                    require(note, "why the bag goes without every item, in a note")?;
                }
                check_text(note, "the note", NOTE_MAX, true)
            }
        }
    }
}
