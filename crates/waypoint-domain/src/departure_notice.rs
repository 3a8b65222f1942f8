//! The departure notification: once a booking's flight has left, who of its travellers
//! departed and who did not, and why, for the stakeholders who received the ABN. Like the ABN,
//! each version is recorded once (filed per case, the parts of one issue sharing its `issue`
//! id) and the next version says what changed; the latest version is what the journey takes
//! as departed. See docs/travel-bag-and-notice.md.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::event_check::{EventError, check_text, require};
use crate::{BookingRef, Movement, MovementFact};

/// The longest explanation of why someone did not depart, in characters.
const TEXT_MAX: usize = 1000;

/// Why a booked traveller did not depart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotDepartedReason {
    /// Did not come to the airport or the consolidation point.
    NoShow,
    /// Unwell, or found unfit to fly.
    Medical,
    /// A travel document missing, expired or refused.
    Documents,
    /// Refused at exit by immigration (no exit permit, say).
    ExitRefused,
    /// Refused boarding by the airline (overbooked, offloaded).
    DeniedBoarding,
    /// The traveller chose not to go.
    TravellerRequest,
    Other,
}

impl NotDepartedReason {
    pub const ALL: [NotDepartedReason; 7] = [
        Self::NoShow,
        Self::Medical,
        Self::Documents,
        Self::ExitRefused,
        Self::DeniedBoarding,
        Self::TravellerRequest,
        Self::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::NoShow => "no_show",
            Self::Medical => "medical",
            Self::Documents => "documents",
            Self::ExitRefused => "exit_refused",
            Self::DeniedBoarding => "denied_boarding",
            Self::TravellerRequest => "traveller_request",
            Self::Other => "other",
        }
    }

    /// The reason as typed (`no-show` too); the error lists the reasons.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let s = raw.trim().replace('-', "_");
        Self::ALL
            .into_iter()
            .find(|r| r.code().eq_ignore_ascii_case(&s))
            .ok_or_else(|| {
                let all: Vec<&str> = Self::ALL.iter().map(|r| r.code()).collect();
                format!(
                    "'{}' is not a reason for not departing; reasons are: {}",
                    raw.trim(),
                    all.join(", ")
                )
            })
    }
}

impl fmt::Display for NotDepartedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A traveller who did not depart, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotDeparted {
    pub individual_no: String,
    pub reason: NotDepartedReason,
    /// Said in words for the stakeholders (it goes outside the organisation: no medical
    /// detail).
    pub text: String,
}

/// Who departed and who did not.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Departures {
    pub departed: Vec<String>,
    pub not_departed: Vec<NotDeparted>,
}

impl Departures {
    /// Every traveller named, departed or not.
    pub fn travellers(&self) -> BTreeSet<&str> {
        self.departed
            .iter()
            .map(String::as_str)
            .chain(self.not_departed.iter().map(|n| n.individual_no.as_str()))
            .collect()
    }

    pub fn not_departed(&self, individual_no: &str) -> Option<&NotDeparted> {
        self.not_departed
            .iter()
            .find(|n| n.individual_no == individual_no)
    }

    /// Sorted by number, so that equal lists are equal whatever order they were typed in.
    pub fn sorted(mut self) -> Self {
        self.departed.sort();
        self.not_departed
            .sort_by(|a, b| a.individual_no.cmp(&b.individual_no));
        self
    }

    /// Nobody twice, and a reason in words for everyone who did not depart.
    pub fn check(&self) -> Result<(), EventError> {
        let mut seen = BTreeSet::new();
        for n in self
            .departed
            .iter()
            .chain(self.not_departed.iter().map(|n| &n.individual_no))
        {
            require(n, "the traveller's number")?;
            if !seen.insert(n.as_str()) {
                return Err(EventError::Invalid(format!(
                    "{n} is named twice: a traveller departed or did not"
                )));
            }
        }
        for n in &self.not_departed {
            require(&n.text, "why they did not depart, in words")?;
            check_text(&n.text, "the explanation", TEXT_MAX, true)?;
        }
        Ok(())
    }
}

/// One case's part of one version of a booking's departure notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepartureNoticeVersion {
    pub id: Uuid,
    /// Shared by every case's part of the same version.
    pub issue: Uuid,
    pub booking_ref: BookingRef,
    /// 1 for the first notice, then one more for each correction.
    pub number: u32,
    pub case_no: String,
    /// When the flight left (the booking's first segment).
    pub flight_left_at: DateTime<Utc>,
    /// This case's travellers only.
    #[serde(flatten)]
    pub departures: Departures,
    pub site: String,
    pub issued_by: String,
    pub at: DateTime<Utc>,
}

impl DepartureNoticeVersion {
    pub fn validate(&self) -> Result<(), EventError> {
        if self.id.get_version_num() != 7 {
            return Err(EventError::Invalid("an event id must be a UUID v7".into()));
        }
        require(&self.case_no, "the case")?;
        require(&self.site, "the site")?;
        require(&self.issued_by, "who issued it")?;
        if self.number == 0 {
            return Err(EventError::Invalid(
                "departure notices are numbered from 1".into(),
            ));
        }
        if self.departures.travellers().is_empty() {
            return Err(EventError::Missing("at least one traveller"));
        }
        if self.at < self.flight_left_at {
            return Err(EventError::Invalid(
                "a departure notice is issued once the flight has left".into(),
            ));
        }
        self.departures.check()
    }
}

/// What changed for one traveller between two versions of a notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum NoticeChange {
    /// Said not departed before, departed now.
    NowDeparted {
        individual_no: String,
    },
    /// Said departed before, not departed now (a correction).
    NoLongerDeparted {
        individual_no: String,
    },
    /// Still not departed, for another reason or in other words.
    ReasonChanged {
        individual_no: String,
    },
    TravellerAdded {
        individual_no: String,
    },
    TravellerRemoved {
        individual_no: String,
    },
}

impl NoticeChange {
    pub fn individual_no(&self) -> &str {
        match self {
            Self::NowDeparted { individual_no }
            | Self::NoLongerDeparted { individual_no }
            | Self::ReasonChanged { individual_no }
            | Self::TravellerAdded { individual_no }
            | Self::TravellerRemoved { individual_no } => individual_no,
        }
    }
}

impl fmt::Display for NoticeChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NowDeparted { individual_no } => write!(f, "{individual_no} departed"),
            Self::NoLongerDeparted { individual_no } => {
                write!(f, "{individual_no} did not depart after all")
            }
            Self::ReasonChanged { individual_no } => {
                write!(f, "why {individual_no} did not depart changed")
            }
            Self::TravellerAdded { individual_no } => write!(f, "{individual_no} added"),
            Self::TravellerRemoved { individual_no } => write!(f, "{individual_no} removed"),
        }
    }
}

/// What changed from `before` to `now`, traveller by traveller, in number order.
pub fn notice_changes(before: &Departures, now: &Departures) -> Vec<NoticeChange> {
    let (was, is) = (before.travellers(), now.travellers());
    let mut changes = Vec::new();
    for n in was.union(&is) {
        let individual_no = (*n).to_owned();
        let change = match (was.contains(n), is.contains(n)) {
            (false, _) => Some(NoticeChange::TravellerAdded { individual_no }),
            (_, false) => Some(NoticeChange::TravellerRemoved { individual_no }),
            _ => match (before.not_departed(n), now.not_departed(n)) {
                (Some(_), None) => Some(NoticeChange::NowDeparted { individual_no }),
                (None, Some(_)) => Some(NoticeChange::NoLongerDeparted { individual_no }),
                (Some(a), Some(b)) if a != b => Some(NoticeChange::ReasonChanged { individual_no }),
                _ => None,
            },
        };
        changes.extend(change);
    }
    changes
}

/// The travellers who departed, by the latest version of each booking's notice among
/// `versions` (a correction that says someone did not depart after all takes their departure
/// back). Each fact is dated when the flight left.
pub fn departed_facts(versions: &[DepartureNoticeVersion]) -> Vec<MovementFact> {
    let mut latest: BTreeMap<&str, u32> = BTreeMap::new();
    for v in versions {
        let n = latest.entry(v.booking_ref.as_str()).or_default();
        *n = (*n).max(v.number);
    }
    versions
        .iter()
        .filter(|v| latest.get(v.booking_ref.as_str()) == Some(&v.number))
        .flat_map(|v| {
            v.departures.departed.iter().map(|n| MovementFact {
                individual_no: n.clone(),
                at: v.flight_left_at,
                movement: Movement::Departed,
            })
        })
        .collect()
}

#[cfg(test)]
#[path = "departure_notice_tests.rs"]
mod tests;
