//! What staff do in the field, recorded once and never edited.
//!
//! Each event has a UUID v7 id. A correction is another event. Current state (who holds a
//! document now, whether a person was verified today) is derived from events.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Custodian;
use crate::event_check::{EventError, require};
use crate::{
    AbnVersion, ArrivalStep, BoardingEvent, BookingEvent, DepartureNoticeVersion, ExitPermitEvent,
    Incident, ItemsHanded, JourneyEvent, ManifestEvent, TravelBagEvent, WarningAcknowledgement,
};

/// A field where the record and the document disagree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mismatch {
    /// The record's field (CSV column name), e.g. `date_of_birth`.
    pub field: String,
    pub on_record: String,
    pub on_document: String,
}

/// What the officer concluded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum CheckOutcome {
    Verified,
    Mismatch { reason: String },
    NotVerified { reason: String },
}

/// An identity and document check of one individual.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityCheck {
    pub id: Uuid,
    pub individual_no: String,
    /// The document checked against, if any.
    pub document_no: Option<String>,
    pub outcome: CheckOutcome,
    pub mismatches: Vec<Mismatch>,
    pub site: String,
    pub checked_by: String,
    pub checked_at: DateTime<Utc>,
}

/// A pre-departure counselling session with (part of) a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounsellingSession {
    pub id: Uuid,
    pub case_no: String,
    pub programme: Option<String>,
    /// Topic ids from the programme's SOP checklist.
    pub topics_covered: Vec<String>,
    /// Individual numbers of those who attended.
    pub attendees: Vec<String>,
    /// ISO 639 code of the language the session was held in.
    pub language: String,
    pub interpreter: Option<String>,
    pub counsellor: String,
    pub held_at: DateTime<Utc>,
    pub duration_minutes: u32,
    pub notes: Option<String>,
    /// Every mandatory topic was covered.
    pub complete: bool,
    pub site: String,
}

/// A travel document moving from one custodian to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustodyTransfer {
    pub id: Uuid,
    /// The individual whose document it is.
    pub individual_no: String,
    pub document_no: String,
    pub from: Custodian,
    pub to: Custodian,
    /// Where the transfer happened.
    pub location: String,
    pub site: String,
    pub recorded_by: String,
    pub at: DateTime<Utc>,
}

/// Every kind of append-only field event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FieldEvent {
    IdentityCheck(IdentityCheck),
    CounsellingSession(CounsellingSession),
    CustodyTransfer(CustodyTransfer),
    ExitPermit(ExitPermitEvent),
    /// A change to a booking, as it concerns one case.
    Booking(BookingEvent),
    WarningAcknowledgement(WarningAcknowledgement),
    /// One case's part of a version of an ABN.
    AbnVersion(AbnVersion),
    /// A hold, cancellation or resumption of (part of) a case's journey.
    Journey(JourneyEvent),
    /// An item of a case's travel bag ticked by hand, or the bag handed over.
    TravelBag(TravelBagEvent),
    /// One case's part of a version of a booking's departure notice.
    DepartureNotice(DepartureNoticeVersion),
    /// Travellers of a case put on or taken off a transport manifest.
    Manifest(ManifestEvent),
    /// A traveller ticked as boarded, recorded as a no-show, or the mark undone.
    Boarding(BoardingEvent),
    /// Food and essential items handed to one traveller.
    ItemsHanded(ItemsHanded),
    /// A step of the arrival checklist at the port of entry.
    ArrivalStep(ArrivalStep),
    /// An incident on the way in, as it concerns one case.
    Incident(Incident),
}

impl FieldEvent {
    /// Every kind this version knows (what [`FieldEvent::kind`] answers).
    pub const KINDS: [&'static str; 15] = [
        "identity_check",
        "counselling_session",
        "custody_transfer",
        "exit_permit",
        "booking",
        "warning_acknowledgement",
        "abn_version",
        "journey",
        "travel_bag",
        "departure_notice",
        "manifest",
        "boarding",
        "items_handed",
        "arrival_step",
        "incident",
    ];

    pub fn id(&self) -> Uuid {
        match self {
            Self::IdentityCheck(e) => e.id,
            Self::CounsellingSession(e) => e.id,
            Self::CustodyTransfer(e) => e.id,
            Self::ExitPermit(e) => e.id,
            Self::Booking(e) => e.id,
            Self::WarningAcknowledgement(e) => e.id,
            Self::AbnVersion(e) => e.id,
            Self::Journey(e) => e.id,
            Self::TravelBag(e) => e.id,
            Self::DepartureNotice(e) => e.id,
            Self::Manifest(e) => e.id,
            Self::Boarding(e) => e.id,
            Self::ItemsHanded(e) => e.id,
            Self::ArrivalStep(e) => e.id,
            Self::Incident(e) => e.id,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Self::IdentityCheck(_) => "identity_check",
            Self::CounsellingSession(_) => "counselling_session",
            Self::CustodyTransfer(_) => "custody_transfer",
            Self::ExitPermit(_) => "exit_permit",
            Self::Booking(_) => "booking",
            Self::WarningAcknowledgement(_) => "warning_acknowledgement",
            Self::AbnVersion(_) => "abn_version",
            Self::Journey(_) => "journey",
            Self::TravelBag(_) => "travel_bag",
            Self::DepartureNotice(_) => "departure_notice",
            Self::Manifest(_) => "manifest",
            Self::Boarding(_) => "boarding",
            Self::ItemsHanded(_) => "items_handed",
            Self::ArrivalStep(_) => "arrival_step",
            Self::Incident(_) => "incident",
        }
    }

    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Self::IdentityCheck(e) => e.checked_at,
            Self::CounsellingSession(e) => e.held_at,
            Self::CustodyTransfer(e) => e.at,
            Self::ExitPermit(e) => e.at,
            Self::Booking(e) => e.at,
            Self::WarningAcknowledgement(e) => e.at,
            Self::AbnVersion(e) => e.at,
            Self::Journey(e) => e.at,
            Self::TravelBag(e) => e.at,
            Self::DepartureNotice(e) => e.at,
            Self::Manifest(e) => e.at,
            Self::Boarding(e) => e.at,
            Self::ItemsHanded(e) => e.at,
            Self::ArrivalStep(e) => e.at,
            Self::Incident(e) => e.at,
        }
    }

    /// The individual the event is about, if it is about one person.
    pub fn individual_no(&self) -> Option<&str> {
        match self {
            Self::IdentityCheck(e) => Some(&e.individual_no),
            Self::CounsellingSession(_) => None,
            Self::CustodyTransfer(e) => Some(&e.individual_no),
            Self::ExitPermit(e) => Some(&e.individual_no),
            Self::Boarding(e) => Some(&e.individual_no),
            Self::ItemsHanded(e) => Some(&e.individual_no),
            // About the whole case, several members or a booking.
            Self::Booking(_)
            | Self::WarningAcknowledgement(_)
            | Self::AbnVersion(_)
            | Self::Journey(_)
            | Self::TravelBag(_)
            | Self::DepartureNotice(_)
            | Self::Manifest(_) => None,
            Self::ArrivalStep(_) | Self::Incident(_) => None,
        }
    }

    /// Checks what every event of this kind must have. The store checks what needs the data
    /// (that the individual exists, that a hand-over follows an identity check).
    pub fn validate(&self) -> Result<(), EventError> {
        if self.id().get_version_num() != 7 {
            return Err(EventError::Invalid("an event id must be a UUID v7".into()));
        }
        match self {
            Self::IdentityCheck(e) => {
                require(&e.individual_no, "the individual checked")?;
                require(&e.checked_by, "the officer who checked")?;
                require(&e.site, "the site")?;
                match &e.outcome {
                    CheckOutcome::Verified if !e.mismatches.is_empty() => Err(EventError::Invalid(
                        "a check with mismatches cannot be recorded as verified".into(),
                    )),
                    CheckOutcome::Mismatch { reason } | CheckOutcome::NotVerified { reason } => {
                        require(reason, "a reason")
                    }
                    CheckOutcome::Verified => Ok(()),
                }
            }
            Self::CounsellingSession(e) => {
                require(&e.case_no, "the case")?;
                require(&e.counsellor, "the counsellor")?;
                require(&e.language, "the language of the session")?;
                require(&e.site, "the site")?;
                if e.attendees.is_empty() {
                    return Err(EventError::Missing("at least one attendee"));
                }
                if e.duration_minutes == 0 || e.duration_minutes > 24 * 60 {
                    return Err(EventError::Invalid(format!(
                        "a session of {} minutes is not possible",
                        e.duration_minutes
                    )));
                }
                Ok(())
            }
            Self::CustodyTransfer(e) => {
                require(&e.individual_no, "whose document it is")?;
                require(&e.document_no, "the document")?;
                require(&e.location, "where the transfer happened")?;
                require(&e.recorded_by, "who recorded it")?;
                require(&e.site, "the site")?;
                if e.from == e.to {
                    return Err(EventError::Invalid(
                        "a document cannot be handed from a custodian to the same custodian".into(),
                    ));
                }
                Ok(())
            }
            Self::ExitPermit(e) => e.validate(),
            Self::Booking(e) => e.validate(),
            Self::WarningAcknowledgement(e) => e.validate(),
            Self::AbnVersion(e) => e.validate(),
            Self::Journey(e) => e.validate(),
            Self::TravelBag(e) => e.validate(),
            Self::DepartureNotice(e) => e.validate(),
            Self::Manifest(e) => e.validate(),
            Self::Boarding(e) => e.validate(),
            Self::ItemsHanded(e) => e.validate(),
            Self::ArrivalStep(e) => e.validate(),
            Self::Incident(e) => e.validate(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(outcome: CheckOutcome, mismatches: Vec<Mismatch>) -> FieldEvent {
        FieldEvent::IdentityCheck(IdentityCheck {
            id: Uuid::now_v7(),
            individual_no: "I-1".into(),
            document_no: Some("P1".into()),
            outcome,
            mismatches,
            site: "KGL-TC1".into(),
            checked_by: "officer".into(),
            checked_at: Utc::now(),
        })
    }

    #[test]
    fn events_round_trip_through_json_with_their_kind() {
        let e = check(CheckOutcome::Verified, vec![]);
        let json = serde_json::to_string(&e).unwrap();
        assert!(json.contains("\"type\":\"identity_check\""), "{json}");
        assert_eq!(serde_json::from_str::<FieldEvent>(&json).unwrap(), e);
        assert!(e.validate().is_ok());
    }

    #[test]
    fn an_exit_permit_step_is_an_event_of_its_own_kind_checked_by_its_rules() {
        let step = |step| {
            FieldEvent::ExitPermit(ExitPermitEvent {
                id: Uuid::now_v7(),
                individual_no: "I-1".into(),
                case_no: "C-1".into(),
                site: "KGL-TC1".into(),
                recorded_by: "assistant".into(),
                at: Utc::now(),
                step,
            })
        };
        let denied = step(crate::ExitPermitStep::Denied {
            on: Some(Utc::now().date_naive()),
            reason: crate::DenialReason::Quota,
            text: "Quota reached for this month".into(),
            solution: Some("Apply again next month".into()),
        });
        let json = serde_json::to_string(&denied).unwrap();
        assert!(json.contains("\"type\":\"exit_permit\""), "{json}");
        assert_eq!(serde_json::from_str::<FieldEvent>(&json).unwrap(), denied);
        assert_eq!(denied.kind(), "exit_permit");
        assert!(FieldEvent::KINDS.contains(&denied.kind()));
        assert_eq!(denied.individual_no(), Some("I-1"));
        assert!(denied.validate().is_ok());
        let silent = step(crate::ExitPermitStep::Denied {
            on: None,
            reason: crate::DenialReason::Quota,
            text: " ".into(),
            solution: None,
        });
        assert!(
            silent.validate().is_err(),
            "a denial for a reason says what"
        );
    }

    #[test]
    fn a_hold_is_an_event_of_kind_journey_checked_by_its_rules() {
        let hold = |text: &str| {
            FieldEvent::Journey(JourneyEvent {
                id: Uuid::now_v7(),
                case_no: "C-1".into(),
                travellers: crate::Travellers::Members {
                    individual_nos: vec!["I-2".into()],
                },
                site: "KGL-TC1".into(),
                recorded_by: "supervisor".into(),
                at: Utc::now(),
                change: crate::JourneyChange::OnHold {
                    reason: crate::HoldReason::MedicalClearance,
                    text: text.into(),
                },
            })
        };
        let e = hold("Waiting for the TB clearance");
        let json = serde_json::to_string(&e).unwrap();
        assert!(json.contains("\"type\":\"journey\""), "{json}");
        assert_eq!(serde_json::from_str::<FieldEvent>(&json).unwrap(), e);
        assert_eq!(e.kind(), "journey");
        assert!(FieldEvent::KINDS.contains(&e.kind()));
        assert_eq!(e.individual_no(), None);
        assert!(e.validate().is_ok());
        assert!(hold("  ").validate().is_err(), "a hold says why in words");
    }

    #[test]
    fn arrival_steps_and_incidents_are_events_of_their_own_kinds_checked_by_their_rules() {
        let step = FieldEvent::ArrivalStep(crate::ArrivalStep {
            id: Uuid::now_v7(),
            case_no: "C-1".into(),
            travellers: crate::Travellers::WholeCase,
            airport: crate::AirportCode::parse("IAD").unwrap(),
            site: "IAD-POE".into(),
            recorded_by: "poe associate".into(),
            at: Utc::now(),
            check: crate::ArrivalCheck::HandedOver {
                agency: "Receiving agency".into(),
            },
        });
        let incident = FieldEvent::Incident(crate::Incident {
            id: Uuid::now_v7(),
            case_no: "C-1".into(),
            about: crate::IncidentAbout::Travellers {
                travellers: crate::Travellers::WholeCase,
            },
            kind: crate::IncidentKind::Other,
            text: " ".into(),
            airport: crate::AirportCode::parse("IAD").unwrap(),
            site: "IAD-POE".into(),
            recorded_by: "poe associate".into(),
            at: Utc::now(),
        });
        for (e, kind) in [(&step, "arrival_step"), (&incident, "incident")] {
            let json = serde_json::to_string(e).unwrap();
            assert!(json.contains(&format!("\"type\":\"{kind}\"")), "{json}");
            assert_eq!(&serde_json::from_str::<FieldEvent>(&json).unwrap(), e);
            assert_eq!(e.kind(), kind);
            assert!(FieldEvent::KINDS.contains(&kind));
            assert_eq!(e.individual_no(), None);
        }
        assert!(step.validate().is_ok());
        assert!(incident.validate().is_err(), "an other incident says what");
    }

    #[test]
    fn inconsistent_events_are_refused() {
        let m = Mismatch {
            field: "date_of_birth".into(),
            on_record: "1984".into(),
            on_document: "1985".into(),
        };
        assert!(check(CheckOutcome::Verified, vec![m]).validate().is_err());
        assert_eq!(
            check(CheckOutcome::NotVerified { reason: " ".into() }, vec![]).validate(),
            Err(EventError::Missing("a reason"))
        );
        let mut e = check(CheckOutcome::Verified, vec![]);
        if let FieldEvent::IdentityCheck(c) = &mut e {
            c.id = Uuid::nil();
        }
        assert!(e.validate().is_err());
    }
}
