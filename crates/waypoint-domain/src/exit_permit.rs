//! Exit permits, per individual, as events: requested, submitted, approved or denied (with a
//! reason from a list), each with the day it happened. The state of a permit is derived from
//! them, with its history, never typed in.
//!
//! Any step may follow any other: steps are recorded offline on several laptops and from paper
//! that arrives late, so a refused order would lose what happened. The current step is the one
//! that happened last (by its day, then by when it was recorded); a denial followed by a new
//! request is a new attempt, and the denial stays in the history for the denials report.

use std::fmt;

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::codes::code_enum;
use crate::event_check::{check_text, require};
use crate::{CodeList, EventError, ExitPermit, ExitPermitStatus, FieldError, ValueProblem};

code_enum!(
    /// Why the host government denied an exit permit, as the denials report groups them;
    /// `not_given` when the authority gave no reason.
    DenialReason, "a reason for an exit permit denial" {
        IncompleteDocuments = "incomplete_documents",
        InvalidTravelDocument = "invalid_travel_document",
        SecurityCheck = "security_check",
        PendingLegalCase = "pending_legal_case",
        OutstandingObligations = "outstanding_obligations",
        Quota = "quota",
        NotGiven = "not_given",
        Other = "other",
    }
);

/// The longest authority name or permit reference, in characters.
const NAME_MAX: usize = 200;
/// The longest denial text or possible solution, as the record's denial reason allowed.
const TEXT_MAX: usize = 2000;

/// One step of an individual's exit permit. `on` is the day it happened, `None` only for a
/// step carried over from the record's status, whose day was never recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum ExitPermitStep {
    /// The host government says this person needs no exit permit.
    NotRequired {
        on: Option<NaiveDate>,
    },
    Requested {
        on: Option<NaiveDate>,
    },
    /// The request went to `authority`.
    Submitted {
        on: Option<NaiveDate>,
        authority: String,
    },
    Approved {
        on: Option<NaiveDate>,
        /// The permit's reference; may be blank when carried over from the record.
        reference: String,
    },
    Denied {
        on: Option<NaiveDate>,
        reason: DenialReason,
        /// What the authority said; may be blank only when it gave no reason.
        text: String,
        /// What could be done about it, if anyone knows.
        solution: Option<String>,
    },
}

impl ExitPermitStep {
    /// The day the step happened, if known.
    pub fn on(&self) -> Option<NaiveDate> {
        match self {
            Self::NotRequired { on }
            | Self::Requested { on }
            | Self::Submitted { on, .. }
            | Self::Approved { on, .. }
            | Self::Denied { on, .. } => *on,
        }
    }

    /// The status this step stands for in the record's (and the import CSV's) terms.
    pub fn status(&self) -> ExitPermitStatus {
        match self {
            Self::NotRequired { .. } => ExitPermitStatus::NotRequired,
            Self::Requested { .. } => ExitPermitStatus::Requested,
            Self::Submitted { .. } => ExitPermitStatus::Submitted,
            Self::Approved { .. } => ExitPermitStatus::Approved,
            Self::Denied { .. } => ExitPermitStatus::Denied,
        }
    }

    /// The step the record's two fields (status, free-text denial reason) stand for. They
    /// carry no day, so `on` is `None`. A denial's free text cannot be sorted into a reason
    /// honestly, so it is kept whole under `other`; a denial without text is `not_given`.
    /// An approval carries no reference. What is not known is left out, never made up.
    pub fn from_record(permit: &ExitPermit) -> Self {
        match permit.status {
            ExitPermitStatus::NotRequired => Self::NotRequired { on: None },
            ExitPermitStatus::Requested => Self::Requested { on: None },
            // The record never named the authority.
            ExitPermitStatus::Submitted => Self::Submitted {
                on: None,
                authority: String::new(),
            },
            ExitPermitStatus::Approved => Self::Approved {
                on: None,
                reference: String::new(),
            },
            ExitPermitStatus::Denied => {
                let text = permit
                    .denial_reason
                    .as_deref()
                    .map(str::trim)
                    .unwrap_or_default()
                    .to_string();
                Self::Denied {
                    on: None,
                    reason: if text.is_empty() {
                        DenialReason::NotGiven
                    } else {
                        DenialReason::Other
                    },
                    text,
                    solution: None,
                }
            }
        }
    }
}

/// An exit-permit step recorded for one individual: who recorded it, where and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExitPermitEvent {
    pub id: Uuid,
    pub individual_no: String,
    pub case_no: String,
    pub site: String,
    pub recorded_by: String,
    /// When it was recorded (the step's own day is in `step`).
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub step: ExitPermitStep,
}

impl ExitPermitEvent {
    /// The first event of an individual whose record has an exit permit status, for the
    /// migration of the record's fields and for the import (which keeps its two columns). The
    /// caller gives who, where and when; `None` when the record has no status. Its id is
    /// [`carried_over_id`], so that every device carrying the same value over makes the same
    /// event.
    pub fn from_record(
        individual: &crate::Individual,
        site: &str,
        recorded_by: &str,
        at: DateTime<Utc>,
    ) -> Option<Self> {
        let permit = individual.exit_permit.as_ref()?;
        Some(Self::carried_over(
            &individual.individual_no,
            &individual.case_no,
            permit,
            site,
            recorded_by,
            at,
        ))
    }

    /// The step the record's (or an import row's) status and denial reason stand for, as an
    /// event of `individual_no` with the id [`carried_over_id`].
    pub fn carried_over(
        individual_no: &str,
        case_no: &str,
        permit: &ExitPermit,
        site: &str,
        recorded_by: &str,
        at: DateTime<Utc>,
    ) -> Self {
        let step = ExitPermitStep::from_record(permit);
        Self {
            id: carried_over_id(individual_no, &step),
            individual_no: individual_no.to_string(),
            case_no: case_no.to_string(),
            site: site.to_string(),
            recorded_by: recorded_by.to_string(),
            at,
            step,
        }
    }

    /// Checks what every exit-permit event must have. A step carried over from the record
    /// (no day) may lack the authority or reference the record never held; a step with its
    /// day is one a person recorded and must name them.
    pub fn validate(&self) -> Result<(), EventError> {
        if self.id.get_version_num() != 7 {
            return Err(EventError::Invalid("an event id must be a UUID v7".into()));
        }
        require(&self.individual_no, "the individual")?;
        require(&self.case_no, "the case")?;
        require(&self.recorded_by, "who recorded it")?;
        require(&self.site, "the site")?;
        // The step's day is a local date and `at` is UTC: a day ahead is a time zone, not the
        // future.
        if let Some(on) = self.step.on() {
            let latest = self.at.date_naive().checked_add_days(Days::new(1));
            if latest.is_some_and(|latest| on > latest) {
                return Err(EventError::Invalid(format!(
                    "an exit permit step on {on} is in the future"
                )));
            }
        }
        let dated = self.step.on().is_some();
        match &self.step {
            ExitPermitStep::NotRequired { .. } | ExitPermitStep::Requested { .. } => Ok(()),
            ExitPermitStep::Submitted { authority, .. } => {
                if dated {
                    require(authority, "the authority it was submitted to")?;
                }
                check_text(authority, "the authority", NAME_MAX, false)
            }
            ExitPermitStep::Approved { reference, .. } => {
                if dated {
                    require(reference, "the permit's reference")?;
                }
                check_text(reference, "the permit's reference", NAME_MAX, false)
            }
            ExitPermitStep::Denied {
                reason,
                text,
                solution,
                ..
            } => {
                if *reason != DenialReason::NotGiven {
                    require(text, "what the authority said")?;
                }
                check_text(text, "the denial's text", TEXT_MAX, true)?;
                if let Some(solution) = solution {
                    check_text(solution, "the possible solution", TEXT_MAX, true)?;
                }
                Ok(())
            }
        }
    }

    /// The order steps happened in: by their day (a step without one happened at the latest
    /// the day it was recorded), then by when they were recorded, then by id so that every
    /// device agrees.
    fn order_key(&self) -> (NaiveDate, DateTime<Utc>, Uuid) {
        (
            self.step.on().unwrap_or_else(|| self.at.date_naive()),
            self.at,
            self.id,
        )
    }
}

/// An individual's exit permit: every step recorded, in the order they happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExitPermitState {
    pub individual_no: String,
    /// Oldest first; the last is the current step.
    pub history: Vec<ExitPermitEvent>,
}

impl ExitPermitState {
    /// The step the permit is at; `None` while nothing is recorded.
    pub fn current(&self) -> Option<&ExitPermitStep> {
        self.history.last().map(|e| &e.step)
    }

    /// The current step as the record's status.
    pub fn status(&self) -> Option<ExitPermitStatus> {
        self.current().map(ExitPermitStep::status)
    }

    /// Whether the person may leave as far as the permit goes: approved, or none needed.
    pub fn cleared(&self) -> bool {
        matches!(
            self.status(),
            Some(ExitPermitStatus::Approved | ExitPermitStatus::NotRequired)
        )
    }

    /// Every denial, oldest first, including those a new request has since followed.
    pub fn denials(&self) -> impl Iterator<Item = &ExitPermitEvent> {
        self.history
            .iter()
            .filter(|e| matches!(e.step, ExitPermitStep::Denied { .. }))
    }
}

/// The id of the event that carries a record's exit-permit value over (see
/// [`ExitPermitEvent::carried_over`]): a UUID v7 whose 48 timestamp bits and 74 random bits are
/// taken from a SHA-256 of the individual's number, the status and the denial's words. Two
/// laptops importing the same file, or migrating the same stored value, thus make one event
/// that the server stores once (events are stored once by id), and a re-import of the same
/// value is known without reading the history. A different value is a different id: a new
/// step. (Its timestamp is no time at all; events are ordered by their day and `at`, the id
/// only breaks ties.)
pub fn carried_over_id(individual_no: &str, step: &ExitPermitStep) -> Uuid {
    use sha2::{Digest, Sha256};
    let text = match step {
        ExitPermitStep::Denied { text, .. } => text.as_str(),
        _ => "",
    };
    let mut hash = Sha256::new();
    // A zero byte ends each part; no part holds one (texts refuse control characters).
    for part in [
        "waypoint exit permit carried over from the record",
        individual_no,
        step.status().code(),
        text,
    ] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    let digest = hash.finalize();
    let millis = digest[..6]
        .iter()
        .fold(0u64, |ms, byte| (ms << 8) | u64::from(*byte));
    let mut random = [0u8; 10];
    random.copy_from_slice(&digest[6..16]);
    uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid()
}

/// The exit permit of `individual_no` from `events` (any individual's: the others are left
/// out).
pub fn exit_permit_state<'a>(
    individual_no: &str,
    events: impl IntoIterator<Item = &'a ExitPermitEvent>,
) -> ExitPermitState {
    let mut history: Vec<ExitPermitEvent> = events
        .into_iter()
        .filter(|e| e.individual_no == individual_no)
        .cloned()
        .collect();
    history.sort_by_key(ExitPermitEvent::order_key);
    ExitPermitState {
        individual_no: individual_no.to_string(),
        history,
    }
}

#[cfg(test)]
#[path = "exit_permit_tests.rs"]
mod tests;
