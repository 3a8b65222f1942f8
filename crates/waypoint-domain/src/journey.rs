//! The journey of a case, per individual: registered → documents complete → exit permit
//! approved → travel-ready → booked → departed → arrived → at final destination, or on hold or
//! cancelled before departure. Derived from what was recorded, never typed in: the only
//! journey events a person records are a hold, a cancellation and a resumption
//! ([`JourneyEvent`]); the rest comes from the field events, exit permits and movements.
//!
//! A step is reached when every step before it is: a person whose exit permit is approved but
//! whose documents are not complete is still "registered", with the documents missing. What
//! is missing is listed whole, so that the case screen shows everything left to do.

use std::collections::BTreeSet;

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::{
    Case, CheckOutcome, Custodian, DocumentCustody, DocumentType, ExitPermitEvent,
    ExitPermitStatus, Field, FieldEvent, Individual, JourneyChange, JourneyEvent, Movement,
    MovementFact, OpenProblem, ProblemKind, ReadinessRules, Requirement, TravelReadiness,
    Travellers, document_custody, exit_permit_state,
};

/// Everything recorded about a case that its journey is derived from.
#[derive(Debug, Clone, Copy, Default)]
pub struct CaseFacts<'a> {
    /// The case's field events (identity checks, counselling, custody transfers).
    pub events: &'a [FieldEvent],
    pub exit_permits: &'a [ExitPermitEvent],
    pub journey_events: &'a [JourneyEvent],
    pub movements: &'a [MovementFact],
    pub open_problems: &'a [OpenProblem],
}

/// Where an individual stands. Ordered as the journey goes; on hold and cancelled, which
/// interrupt it, come last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum JourneyStep {
    Registered,
    DocumentsComplete,
    ExitPermitApproved,
    TravelReady,
    Booked,
    Departed,
    /// At the port of entry.
    Arrived,
    AtFinalDestination,
    OnHold,
    Cancelled,
}

impl JourneyStep {
    /// Whether the individual has not left yet (and may still be put on hold or cancelled).
    pub fn before_departure(self) -> bool {
        !matches!(
            self,
            Self::Departed | Self::Arrived | Self::AtFinalDestination
        )
    }
}

/// Why a travel document does not do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum DocumentProblem {
    NoDocument,
    NotAccepted {
        document_type: DocumentType,
    },
    NoNumber,
    ExpiryUnknown,
    ExpiresTooSoon {
        expiry: NaiveDate,
        valid_until_at_least: NaiveDate,
    },
    /// No hand-over of it was ever recorded: nobody knows where it is.
    CustodyUnknown,
    /// Held by someone who is neither the organisation nor the case (an embassy, say).
    NotHeld {
        holder: Custodian,
    },
}

/// What an individual still needs; each names the place where it is done, for a link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "missing", rename_all = "snake_case")]
pub enum Missing {
    /// The case has no programme, or one without readiness rules; done on the case's
    /// programme field. The strictest rules are applied meanwhile.
    ReadinessRules { programme: Option<String> },
    /// Done by an identity check.
    IdentityCheck,
    /// Done by a complete counselling session of the programme.
    Counselling,
    /// Done on the document fields or by a custody transfer.
    TravelDocument { problem: DocumentProblem },
    /// Done by recording the exit permit's steps; `status` is where it stands.
    ExitPermit { status: Option<ExitPermitStatus> },
    /// Done where the problem is settled (the field, when there is one).
    DataProblem {
        field: Option<Field>,
        kind: ProblemKind,
    },
}

/// One individual's place in the journey.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndividualJourney {
    pub individual_no: String,
    pub step: JourneyStep,
    /// The furthest step reached: the same as `step` except while on hold or cancelled.
    pub reached: JourneyStep,
    /// The hold or cancellation in force: why, who, when.
    pub stopped_by: Option<JourneyEvent>,
    /// What is still needed to be travel-ready, in the order of the steps; empty once
    /// departed or cancelled.
    pub missing: Vec<Missing>,
}

/// Where a case stands, member by member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Journey {
    pub case_no: String,
    /// In the case's member order.
    pub individuals: Vec<IndividualJourney>,
}

impl Journey {
    pub fn individual(&self, individual_no: &str) -> Option<&IndividualJourney> {
        self.individuals
            .iter()
            .find(|i| i.individual_no == individual_no)
    }

    /// The first of `travellers` who has already departed (or arrived): a hold or a
    /// cancellation would change nothing for them, the movement facts win.
    pub fn departed_among(&self, travellers: &Travellers) -> Option<&str> {
        self.individuals
            .iter()
            .find(|i| travellers.includes(&i.individual_no) && !i.step.before_departure())
            .map(|i| i.individual_no.as_str())
    }

    /// Whether the members are not all at the same step (a member travels later, say).
    pub fn is_split(&self) -> bool {
        self.individuals
            .windows(2)
            .any(|pair| pair[0].step != pair[1].step)
    }
}

/// The journey of `case` from what was recorded, under its programme's rules; `today` is the
/// day documents must be valid from.
pub fn journey(
    case: &Case,
    facts: &CaseFacts<'_>,
    rules: &ReadinessRules,
    today: NaiveDate,
) -> Journey {
    let programme_rules = case.programme.as_deref().and_then(|p| rules.get(p));
    let strictest = TravelReadiness::strictest();
    let readiness = Readiness {
        case,
        facts,
        rules: programme_rules.unwrap_or(&strictest),
        rules_missing: programme_rules.is_none().then(|| Missing::ReadinessRules {
            programme: case.programme.clone(),
        }),
        documents: document_custody(case, facts.events),
        today,
    };
    Journey {
        case_no: case.case_no.clone(),
        individuals: case
            .members
            .iter()
            .map(|m| readiness.individual(m))
            .collect(),
    }
}

/// What one case's readiness is judged from.
struct Readiness<'a> {
    case: &'a Case,
    facts: &'a CaseFacts<'a>,
    rules: &'a TravelReadiness,
    rules_missing: Option<Missing>,
    documents: Vec<DocumentCustody>,
    today: NaiveDate,
}

impl Readiness<'_> {
    fn individual(&self, member: &Individual) -> IndividualJourney {
        let no = member.individual_no.as_str();
        let movement = movement_step(no, self.facts.movements);
        if let Some(step) = movement.filter(|s| !s.before_departure()) {
            // Gone: holds and missing items recorded since no longer apply.
            return IndividualJourney {
                individual_no: no.to_string(),
                step,
                reached: step,
                stopped_by: None,
                missing: Vec::new(),
            };
        }
        let documents: Vec<Missing> = self
            .rules
            .documents_complete
            .iter()
            .flat_map(|r| self.missing(*r, member))
            .collect();
        let permit = self.exit_permit_missing(no);
        let ready: Vec<Missing> = self
            .rules_missing
            .iter()
            .cloned()
            .chain(
                self.rules
                    .travel_ready
                    .iter()
                    .flat_map(|r| self.missing(*r, member)),
            )
            .collect();
        let mut reached = JourneyStep::Registered;
        if documents.is_empty() {
            reached = JourneyStep::DocumentsComplete;
            if permit.is_none() {
                reached = JourneyStep::ExitPermitApproved;
                if ready.is_empty() {
                    reached = JourneyStep::TravelReady;
                }
            }
        }
        // A booking is a fact even when something is still missing: the list says what.
        if movement == Some(JourneyStep::Booked) {
            reached = JourneyStep::Booked;
        }
        let mut missing: Vec<Missing> = documents.into_iter().chain(permit).chain(ready).collect();
        let stopped_by = self.stopped_by(no);
        let step = match stopped_by.as_ref().map(|e| &e.change) {
            Some(JourneyChange::OnHold { .. }) => JourneyStep::OnHold,
            Some(JourneyChange::Cancelled { .. }) => {
                missing.clear();
                JourneyStep::Cancelled
            }
            Some(JourneyChange::Resumed { .. }) | None => reached,
        };
        IndividualJourney {
            individual_no: no.to_string(),
            step,
            reached,
            stopped_by,
            missing,
        }
    }

    /// What `member` lacks for `requirement` (nothing when it is met).
    fn missing(&self, requirement: Requirement, member: &Individual) -> Vec<Missing> {
        let no = member.individual_no.as_str();
        let unless = |met: bool, missing: Missing| if met { vec![] } else { vec![missing] };
        match requirement {
            Requirement::IdentityChecked => unless(
                identity_checked(no, self.facts.events),
                Missing::IdentityCheck,
            ),
            Requirement::CounsellingComplete => {
                unless(self.counselled(member), Missing::Counselling)
            }
            Requirement::TravelDocument => self
                .document_problem(member)
                .map(|problem| Missing::TravelDocument { problem })
                .into_iter()
                .collect(),
            Requirement::NoOpenProblem => self
                .facts
                .open_problems
                .iter()
                .filter(|p| p.individual_no.as_deref().is_none_or(|n| n == no))
                .map(|p| Missing::DataProblem {
                    field: p.field,
                    kind: p.kind,
                })
                .collect(),
        }
    }

    fn exit_permit_missing(&self, individual_no: &str) -> Option<Missing> {
        if !self.rules.exit_permit_required {
            return None;
        }
        let state = exit_permit_state(individual_no, self.facts.exit_permits);
        (!state.cleared()).then(|| Missing::ExitPermit {
            status: state.status(),
        })
    }

    /// A complete session of the case's programme attended by `member`, or, for a child
    /// younger than the programme's counselling age, by anyone of the case. An unknown age
    /// counts as an adult's.
    fn counselled(&self, member: &Individual) -> bool {
        let sessions: Vec<_> = self
            .facts
            .events
            .iter()
            .filter_map(|e| match e {
                FieldEvent::CounsellingSession(s) => Some(s),
                _ => None,
            })
            .filter(|s| s.case_no == self.case.case_no && s.complete)
            .filter(|s| match (&s.programme, &self.case.programme) {
                (Some(held), Some(case)) => held.eq_ignore_ascii_case(case),
                _ => true,
            })
            .collect();
        let from_age = self.rules.counselling_from_age.unwrap_or(0);
        let child = member
            .date_of_birth
            .age_on(self.today)
            .is_some_and(|age| age.max < from_age);
        sessions
            .iter()
            .any(|s| child || s.attendees.contains(&member.individual_no))
    }

    fn document_problem(&self, member: &Individual) -> Option<DocumentProblem> {
        let rule = &self.rules.travel_document;
        let doc = match &member.document {
            Some(d) if d.document_type != DocumentType::None => d,
            _ => return Some(DocumentProblem::NoDocument),
        };
        if !rule.accepted.contains(&doc.document_type) {
            return Some(DocumentProblem::NotAccepted {
                document_type: doc.document_type,
            });
        }
        let Some(number) = &doc.number else {
            return Some(DocumentProblem::NoNumber);
        };
        let Some(expiry) = doc.expiry else {
            return Some(DocumentProblem::ExpiryUnknown);
        };
        let needed = self
            .today
            .checked_add_days(Days::new(u64::from(rule.valid_for_days)))
            .unwrap_or(NaiveDate::MAX);
        if expiry < needed {
            return Some(DocumentProblem::ExpiresTooSoon {
                expiry,
                valid_until_at_least: needed,
            });
        }
        let custody = self
            .documents
            .iter()
            .find(|d| d.individual_no == member.individual_no && &d.document_no == number);
        match custody.and_then(DocumentCustody::current) {
            None => Some(DocumentProblem::CustodyUnknown),
            Some(holder) if self.held_by_us_or_the_case(holder) => None,
            Some(holder) => Some(DocumentProblem::NotHeld {
                holder: holder.clone(),
            }),
        }
    }

    /// The organisation (staff, a safe, the case's travel bag) or a member of the case (a
    /// parent holds a child's passport).
    fn held_by_us_or_the_case(&self, holder: &Custodian) -> bool {
        match holder {
            Custodian::Staff { .. } | Custodian::Storage { .. } => true,
            Custodian::TravelBag { case_no } => *case_no == self.case.case_no,
            Custodian::Individual { individual_no } => self
                .case
                .members
                .iter()
                .any(|m| m.individual_no == *individual_no),
            Custodian::Authority { .. } => false,
        }
    }

    /// The hold or cancellation in force for `individual_no`: the last of its events, unless
    /// a resumption came after it.
    fn stopped_by(&self, individual_no: &str) -> Option<JourneyEvent> {
        let mut events: Vec<&JourneyEvent> = self
            .facts
            .journey_events
            .iter()
            .filter(|e| e.case_no == self.case.case_no && e.travellers.includes(individual_no))
            .collect();
        events.sort_by_key(|e| (e.at, e.id));
        events
            .last()
            .filter(|e| !matches!(e.change, JourneyChange::Resumed { .. }))
            .map(|e| (*e).clone())
    }
}

/// Whether the last identity check of `individual_no` verified them.
fn identity_checked(individual_no: &str, events: &[FieldEvent]) -> bool {
    events
        .iter()
        .filter_map(|e| match e {
            FieldEvent::IdentityCheck(c) if c.individual_no == individual_no => Some(c),
            _ => None,
        })
        .max_by_key(|c| (c.checked_at, c.id))
        .is_some_and(|c| c.outcome == CheckOutcome::Verified)
}

/// The furthest step `individual_no`'s movements reached: departed, arrived and at final
/// destination are never undone; booked while any booking is not undone.
fn movement_step(individual_no: &str, facts: &[MovementFact]) -> Option<JourneyStep> {
    let mut facts: Vec<&MovementFact> = facts
        .iter()
        .filter(|f| f.individual_no == individual_no)
        .collect();
    facts.sort_by_key(|f| f.at);
    let mut bookings = BTreeSet::new();
    let mut gone = None;
    for f in facts {
        let step = match &f.movement {
            Movement::Booked { booking } => {
                bookings.insert(booking);
                continue;
            }
            Movement::Unbooked { booking } => {
                bookings.remove(booking);
                continue;
            }
            Movement::Departed => JourneyStep::Departed,
            Movement::Arrived => JourneyStep::Arrived,
            Movement::AtFinalDestination => JourneyStep::AtFinalDestination,
        };
        gone = gone.max(Some(step));
    }
    gone.or_else(|| (!bookings.is_empty()).then_some(JourneyStep::Booked))
}

#[cfg(test)]
#[path = "journey_tests/mod.rs"]
mod tests;
