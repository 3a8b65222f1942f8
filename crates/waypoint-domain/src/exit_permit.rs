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
use crate::event::{check_text, require};
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
    /// caller gives the id and who, where and when; `None` when the record has no status. An
    /// import writes it only when the status differs from [`ExitPermitState::status`], so that
    /// importing a file twice records nothing twice.
    pub fn from_record(
        id: Uuid,
        individual: &crate::Individual,
        site: &str,
        recorded_by: &str,
        at: DateTime<Utc>,
    ) -> Option<Self> {
        let permit = individual.exit_permit.as_ref()?;
        Some(Self {
            id,
            individual_no: individual.individual_no.clone(),
            case_no: individual.case_no.clone(),
            site: site.to_string(),
            recorded_by: recorded_by.to_string(),
            at,
            step: ExitPermitStep::from_record(permit),
        })
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
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 3, d).unwrap()
    }

    /// A step recorded on 2025-03-`recorded` at 09:`minute`.
    fn event(
        individual_no: &str,
        step: ExitPermitStep,
        recorded: u32,
        minute: u32,
    ) -> ExitPermitEvent {
        ExitPermitEvent {
            id: Uuid::now_v7(),
            individual_no: individual_no.into(),
            case_no: "TST-2025-000001".into(),
            site: "TST-SITE".into(),
            recorded_by: "Test Officer".into(),
            at: Utc
                .with_ymd_and_hms(2025, 3, recorded, 9, minute, 0)
                .unwrap(),
            step,
        }
    }

    fn requested(d: u32) -> ExitPermitStep {
        ExitPermitStep::Requested { on: Some(day(d)) }
    }

    fn submitted(d: u32) -> ExitPermitStep {
        ExitPermitStep::Submitted {
            on: Some(day(d)),
            authority: "Directorate of Immigration".into(),
        }
    }

    fn approved(d: u32) -> ExitPermitStep {
        ExitPermitStep::Approved {
            on: Some(day(d)),
            reference: "EP-2025-0042".into(),
        }
    }

    fn denied(d: u32) -> ExitPermitStep {
        ExitPermitStep::Denied {
            on: Some(day(d)),
            reason: DenialReason::IncompleteDocuments,
            text: "birth certificate missing".into(),
            solution: Some("ask the registry for a copy".into()),
        }
    }

    fn statuses(state: &ExitPermitState) -> Vec<ExitPermitStatus> {
        state.history.iter().map(|e| e.step.status()).collect()
    }

    #[test]
    fn the_state_is_the_individuals_steps_in_the_order_they_happened() {
        let events = [
            event("I-1", approved(20), 20, 0),
            event("I-2", denied(5), 5, 0),
            event("I-1", requested(2), 2, 0),
            event("I-1", submitted(6), 6, 0),
        ];
        let state = exit_permit_state("I-1", &events);
        assert_eq!(
            statuses(&state),
            [
                ExitPermitStatus::Requested,
                ExitPermitStatus::Submitted,
                ExitPermitStatus::Approved
            ]
        );
        assert_eq!(state.status(), Some(ExitPermitStatus::Approved));
        assert!(state.cleared());
        let none = exit_permit_state("I-3", &events);
        assert_eq!(none.current(), None);
        assert!(!none.cleared());
    }

    #[test]
    fn a_step_recorded_late_takes_its_place_by_the_day_it_happened() {
        // The submission's paper arrived after the approval was recorded on another laptop.
        let events = [
            event("I-1", approved(10), 10, 0),
            event("I-1", submitted(3), 12, 0),
        ];
        let state = exit_permit_state("I-1", &events);
        assert_eq!(state.status(), Some(ExitPermitStatus::Approved));
        // Two steps on one day keep the order they were recorded in.
        let events = [
            event("I-1", submitted(4), 4, 30),
            event("I-1", requested(4), 4, 10),
        ];
        let state = exit_permit_state("I-1", &events);
        assert_eq!(state.status(), Some(ExitPermitStatus::Submitted));
    }

    #[test]
    fn a_step_may_follow_any_earlier_one() {
        // Approved with no request on record (it was made on paper).
        let state = exit_permit_state("I-1", &[event("I-1", approved(9), 9, 0)]);
        assert!(state.cleared());
        // An approval withdrawn by a later denial is no longer cleared.
        let state = exit_permit_state(
            "I-1",
            &[
                event("I-1", approved(9), 9, 0),
                event("I-1", denied(15), 15, 0),
            ],
        );
        assert_eq!(state.status(), Some(ExitPermitStatus::Denied));
        assert!(!state.cleared());
    }

    #[test]
    fn a_denial_followed_by_a_new_request_is_a_new_attempt_and_stays_in_the_history() {
        let events = [
            event("I-1", requested(1), 1, 0),
            event("I-1", submitted(2), 2, 0),
            event("I-1", denied(8), 8, 0),
            event("I-1", requested(12), 12, 0),
        ];
        let state = exit_permit_state("I-1", &events);
        assert_eq!(state.status(), Some(ExitPermitStatus::Requested));
        assert!(!state.cleared());
        let denials: Vec<_> = state.denials().collect();
        assert_eq!(denials.len(), 1);
        assert!(matches!(
            denials[0].step,
            ExitPermitStep::Denied {
                reason: DenialReason::IncompleteDocuments,
                ..
            }
        ));
    }

    #[test]
    fn a_step_without_its_day_happened_at_the_latest_when_it_was_recorded() {
        // Carried over from the record on the 10th, after a request made on the 2nd.
        let carried = ExitPermitStep::Approved {
            on: None,
            reference: String::new(),
        };
        let state = exit_permit_state(
            "I-1",
            &[
                event("I-1", carried, 10, 0),
                event("I-1", requested(2), 2, 0),
            ],
        );
        assert_eq!(state.status(), Some(ExitPermitStatus::Approved));
    }

    #[test]
    fn each_step_is_recorded_with_what_it_needs() {
        for step in [requested(3), submitted(3), approved(3), denied(3)] {
            let e = event("I-1", step, 3, 0);
            assert_eq!(e.validate(), Ok(()), "{e:?}");
        }
        let missing = |step: ExitPermitStep| event("I-1", step, 3, 0).validate();
        assert_eq!(
            missing(ExitPermitStep::Submitted {
                on: Some(day(3)),
                authority: " ".into()
            }),
            Err(EventError::Missing("the authority it was submitted to"))
        );
        assert_eq!(
            missing(ExitPermitStep::Approved {
                on: Some(day(3)),
                reference: String::new()
            }),
            Err(EventError::Missing("the permit's reference"))
        );
        let denial = |reason: DenialReason, text: &str| ExitPermitStep::Denied {
            on: Some(day(3)),
            reason,
            text: text.into(),
            solution: None,
        };
        assert_eq!(
            missing(denial(DenialReason::Quota, "")),
            Err(EventError::Missing("what the authority said"))
        );
        assert_eq!(missing(denial(DenialReason::NotGiven, "")), Ok(()));
    }

    #[test]
    fn inconsistent_exit_permit_events_are_refused() {
        let mut e = event("I-1", requested(3), 3, 0);
        e.id = Uuid::nil();
        assert!(e.validate().is_err());
        let mut e = event("I-1", requested(3), 3, 0);
        e.individual_no = " ".into();
        assert_eq!(e.validate(), Err(EventError::Missing("the individual")));
        // Recorded on the 3rd (UTC): the 4th may already be the local day, the 5th may not.
        assert_eq!(event("I-1", requested(4), 3, 0).validate(), Ok(()));
        let e = event("I-1", requested(5), 3, 0).validate().unwrap_err();
        assert!(e.to_string().contains("in the future"), "{e}");
        let e = event(
            "I-1",
            ExitPermitStep::Submitted {
                on: Some(day(3)),
                authority: "Immigration\nOffice".into(),
            },
            3,
            0,
        )
        .validate()
        .unwrap_err();
        assert!(e.to_string().contains("control characters"), "{e}");
    }

    #[test]
    fn the_records_status_becomes_a_first_step_without_a_made_up_day() {
        let permit = |status, reason: Option<&str>| ExitPermit {
            status,
            denial_reason: reason.map(str::to_string),
        };
        for status in ExitPermitStatus::ALL {
            let step = ExitPermitStep::from_record(&permit(*status, None));
            assert_eq!(step.status(), *status);
            assert_eq!(step.on(), None);
            let e = ExitPermitEvent {
                step,
                ..event("I-1", requested(1), 1, 0)
            };
            assert_eq!(e.validate(), Ok(()), "{status}");
        }
        assert_eq!(
            ExitPermitStep::from_record(&permit(
                ExitPermitStatus::Denied,
                Some(" pending court case ")
            )),
            ExitPermitStep::Denied {
                on: None,
                reason: DenialReason::Other,
                text: "pending court case".into(),
                solution: None,
            }
        );
        assert!(matches!(
            ExitPermitStep::from_record(&permit(ExitPermitStatus::Denied, None)),
            ExitPermitStep::Denied {
                reason: DenialReason::NotGiven,
                ..
            }
        ));
    }

    #[test]
    fn an_individuals_record_gives_its_first_event_or_none() {
        use crate::{Field, Individual, Record};
        let mut r = Record::new();
        for (f, v) in [
            (Field::CaseNo, "TST-2025-000001"),
            (Field::IndividualNo, "I-0000001"),
            (Field::Relationship, "PA"),
            (Field::FamilyName, "TESTER"),
            (Field::GivenNames, "Example"),
            (Field::Sex, "F"),
            (Field::DateOfBirth, "1990"),
            (Field::Nationality, "COD"),
            (Field::Site, "TST-SITE"),
        ] {
            r.set(f, Some(v.into()));
        }
        let at = Utc.with_ymd_and_hms(2025, 3, 1, 8, 0, 0).unwrap();
        let individual = Individual::from_record(&r).unwrap();
        assert_eq!(
            ExitPermitEvent::from_record(Uuid::now_v7(), &individual, "TST-SITE", "import", at),
            None
        );
        r.set(Field::ExitPermit, Some("SUBMITTED".into()));
        let individual = Individual::from_record(&r).unwrap();
        let e = ExitPermitEvent::from_record(Uuid::now_v7(), &individual, "TST-SITE", "import", at)
            .unwrap();
        assert_eq!(
            (e.individual_no.as_str(), e.case_no.as_str()),
            ("I-0000001", "TST-2025-000001")
        );
        assert_eq!(e.step.status(), ExitPermitStatus::Submitted);
        assert_eq!(e.validate(), Ok(()));
    }

    #[test]
    fn events_round_trip_through_json_with_their_step() {
        let e = event("I-1", denied(3), 3, 0);
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["step"], "denied");
        assert_eq!(json["reason"], "incomplete_documents");
        assert_eq!(json["on"], "2025-03-03");
        assert_eq!(serde_json::from_value::<ExitPermitEvent>(json).unwrap(), e);
    }

    #[test]
    fn denial_reasons_are_a_code_list() {
        for r in DenialReason::ALL {
            assert_eq!(serde_json::to_value(r).unwrap(), r.code());
            assert_eq!(DenialReason::parse(&r.code().to_uppercase()), Ok(*r));
        }
        let e = DenialReason::parse("bad luck").unwrap_err();
        assert!(
            e.message()
                .starts_with("'bad luck' is not a reason for an exit permit denial: use one of incomplete_documents,"),
            "{}",
            e.message()
        );
    }
}
