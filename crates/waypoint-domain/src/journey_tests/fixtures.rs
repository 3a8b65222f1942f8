//! The family, events and facts the journey tests are built from.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use uuid::Uuid;

use crate::{
    Case, CaseFacts, CheckOutcome, CounsellingSession, Custodian, CustodyTransfer, ExitPermitEvent,
    ExitPermitStep, Field, FieldEvent, HoldReason, IdentityCheck, Journey, JourneyChange,
    JourneyEvent, JourneyStep, Missing, Movement, MovementFact, ReadinessRules, Record, Travellers,
    journey,
};

pub(super) const CASE: &str = "TST-2025-000001";

pub(super) fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 1).unwrap()
}

/// 2025-05-`day` at 09:`minute` UTC.
pub(super) fn at(day: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 5, day, 9, minute, 0).unwrap()
}

/// A member's record: number, relationship, year of birth, document (type, number, expiry).
pub(super) fn member(
    no: &str,
    relationship: &str,
    born: &str,
    doc: Option<(&str, Option<&str>, Option<&str>)>,
    programme: Option<&str>,
) -> Record {
    let mut r = Record::new();
    for (f, v) in [
        (Field::CaseNo, CASE),
        (Field::IndividualNo, no),
        (Field::Relationship, relationship),
        (Field::FamilyName, "TESTER"),
        (Field::GivenNames, "Example"),
        (Field::Sex, "X"),
        (Field::DateOfBirth, born),
        (Field::Nationality, "COD"),
        (Field::Site, "TST-SITE"),
    ] {
        r.set(f, Some(v.into()));
    }
    r.set(Field::Programme, programme.map(str::to_string));
    if let Some((kind, number, expiry)) = doc {
        r.set(Field::DocumentType, Some(kind.into()));
        r.set(Field::DocumentNo, number.map(str::to_string));
        r.set(Field::DocumentExpiry, expiry.map(str::to_string));
    }
    r
}

/// A family of the programme: two adults and a child of five, each with a passport valid to
/// 2030.
pub(super) fn family(programme: Option<&str>) -> Case {
    let passport = |n| Some(("PASSPORT", Some(n), Some("2030-01-01")));
    Case::from_records(&[
        member("I-1", "PA", "1980", passport("P1"), programme),
        member("I-2", "SP", "1982-04", passport("P2"), programme),
        member("I-3", "CH", "2020-02-02", passport("P3"), programme),
    ])
    .unwrap()
}

pub(super) fn usrap() -> Case {
    family(Some("USRAP"))
}

pub(super) const ALL: [&str; 3] = ["I-1", "I-2", "I-3"];

pub(super) fn check(no: &str, outcome: CheckOutcome, minute: u32) -> FieldEvent {
    FieldEvent::IdentityCheck(IdentityCheck {
        id: Uuid::now_v7(),
        individual_no: no.into(),
        document_no: None,
        outcome,
        mismatches: vec![],
        site: "TST-SITE".into(),
        checked_by: "Test Officer".into(),
        checked_at: at(2, minute),
    })
}

pub(super) fn to_safe(no: &str, doc: &str) -> FieldEvent {
    transfer(
        no,
        doc,
        Custodian::Storage {
            place: "Office safe".into(),
        },
    )
}

pub(super) fn transfer(no: &str, doc: &str, to: Custodian) -> FieldEvent {
    FieldEvent::CustodyTransfer(CustodyTransfer {
        id: Uuid::now_v7(),
        individual_no: no.into(),
        document_no: doc.into(),
        from: Custodian::Individual {
            individual_no: no.into(),
        },
        to,
        location: "desk 1".into(),
        site: "TST-SITE".into(),
        recorded_by: "Test Officer".into(),
        at: at(3, 0),
    })
}

pub(super) fn session(programme: &str, attendees: &[&str], complete: bool) -> FieldEvent {
    FieldEvent::CounsellingSession(CounsellingSession {
        id: Uuid::now_v7(),
        case_no: CASE.into(),
        programme: Some(programme.into()),
        topics_covered: vec![],
        attendees: attendees.iter().map(|a| a.to_string()).collect(),
        language: "fr".into(),
        interpreter: None,
        counsellor: "Test Counsellor".into(),
        held_at: at(4, 0),
        duration_minutes: 60,
        notes: None,
        complete,
        site: "TST-SITE".into(),
    })
}

pub(super) fn permit(no: &str, step: ExitPermitStep, day: u32) -> ExitPermitEvent {
    ExitPermitEvent {
        id: Uuid::now_v7(),
        individual_no: no.into(),
        case_no: CASE.into(),
        site: "TST-SITE".into(),
        recorded_by: "Test Officer".into(),
        at: at(day, 0),
        step,
    }
}

pub(super) fn approved(no: &str) -> ExitPermitEvent {
    permit(
        no,
        ExitPermitStep::Approved {
            on: Some(at(5, 0).date_naive()),
            reference: "EP-1".into(),
        },
        5,
    )
}

/// Identity verified and passport in the office safe, for each of `who`.
pub(super) fn documents(who: &[&str]) -> Vec<FieldEvent> {
    let mut events = Vec::new();
    for (i, no) in who.iter().enumerate() {
        events.push(check(no, CheckOutcome::Verified, i as u32));
        events.push(to_safe(no, &no.replace("I-", "P")));
    }
    events
}

/// Everything the USRAP rules ask, for the whole family.
pub(super) fn ready() -> (Vec<FieldEvent>, Vec<ExitPermitEvent>) {
    let mut events = documents(&ALL);
    events.push(session("USRAP", &["I-1", "I-2"], true));
    (events, ALL.iter().map(|n| approved(n)).collect())
}

pub(super) fn movement(no: &str, movement: Movement, day: u32) -> MovementFact {
    MovementFact {
        individual_no: no.into(),
        at: at(day, 0),
        movement,
    }
}

pub(super) fn stop(travellers: Travellers, change: JourneyChange, day: u32) -> JourneyEvent {
    JourneyEvent {
        id: Uuid::now_v7(),
        case_no: CASE.into(),
        travellers,
        site: "TST-SITE".into(),
        recorded_by: "Test Officer".into(),
        at: at(day, 0),
        change,
    }
}

pub(super) fn hold(travellers: Travellers, day: u32) -> JourneyEvent {
    stop(
        travellers,
        JourneyChange::OnHold {
            reason: HoldReason::MedicalClearance,
            text: "waiting for the fit-to-fly certificate".into(),
        },
        day,
    )
}

pub(super) fn members(nos: &[&str]) -> Travellers {
    Travellers::Members {
        individual_nos: nos.iter().map(|n| n.to_string()).collect(),
    }
}

pub(super) fn journey_of(case: &Case, facts: &CaseFacts<'_>) -> Journey {
    journey(case, facts, &ReadinessRules::shipped(), today())
}

pub(super) fn steps(j: &Journey) -> Vec<JourneyStep> {
    j.individuals.iter().map(|i| i.step).collect()
}

pub(super) fn missing_of(j: &Journey, no: &str) -> Vec<Missing> {
    j.individual(no).unwrap().missing.clone()
}
