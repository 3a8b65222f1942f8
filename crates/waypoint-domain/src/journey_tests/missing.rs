//! What an individual still needs, each item for a place where it is done.

use chrono::NaiveDate;

use super::fixtures::*;
use crate::{
    Case, CaseFacts, CheckOutcome, Custodian, DenialReason, DocumentProblem, DocumentType,
    ExitPermitStatus, ExitPermitStep, Field, FieldEvent, JourneyStep, Missing, OpenProblem,
    ProblemKind,
};

#[test]
fn with_nothing_recorded_every_member_is_registered_and_everything_is_missing() {
    let j = journey_of(&usrap(), &CaseFacts::default());
    assert_eq!(j.case_no, CASE);
    assert_eq!(steps(&j), [JourneyStep::Registered; 3]);
    assert!(!j.is_split());
    assert_eq!(
        missing_of(&j, "I-1"),
        [
            Missing::IdentityCheck,
            Missing::TravelDocument {
                problem: DocumentProblem::CustodyUnknown
            },
            Missing::ExitPermit { status: None },
            Missing::Counselling,
        ]
    );
}

#[test]
fn an_exit_permit_denied_then_requested_again_is_still_missing_with_its_status() {
    let docs = documents(&ALL);
    let denied = ExitPermitStep::Denied {
        on: Some(at(6, 0).date_naive()),
        reason: DenialReason::SecurityCheck,
        text: "name matches a watch list".into(),
        solution: Some("submit the national ID card".into()),
    };
    let again = ExitPermitStep::Requested {
        on: Some(at(8, 0).date_naive()),
    };
    let permits = [permit("I-1", denied, 6)];
    let j = journey_of(
        &usrap(),
        &CaseFacts {
            events: &docs,
            exit_permits: &permits,
            ..Default::default()
        },
    );
    assert_eq!(
        j.individual("I-1").unwrap().step,
        JourneyStep::DocumentsComplete
    );
    assert!(missing_of(&j, "I-1").contains(&Missing::ExitPermit {
        status: Some(ExitPermitStatus::Denied)
    }));
    let permits = [permits[0].clone(), permit("I-1", again, 8)];
    let j = journey_of(
        &usrap(),
        &CaseFacts {
            events: &docs,
            exit_permits: &permits,
            ..Default::default()
        },
    );
    assert!(missing_of(&j, "I-1").contains(&Missing::ExitPermit {
        status: Some(ExitPermitStatus::Requested)
    }));
}

#[test]
fn a_young_child_is_covered_by_a_parents_counselling_but_an_adult_is_not() {
    let mut events = documents(&ALL);
    events.push(session("USRAP", &["I-1"], true));
    let j = journey_of(
        &usrap(),
        &CaseFacts {
            events: &events,
            ..Default::default()
        },
    );
    assert!(!missing_of(&j, "I-1").contains(&Missing::Counselling));
    assert!(missing_of(&j, "I-2").contains(&Missing::Counselling));
    assert!(!missing_of(&j, "I-3").contains(&Missing::Counselling));
}

#[test]
fn counselling_counts_when_complete_and_of_the_cases_programme() {
    for (session, counts) in [
        (session("USRAP", &ALL, true), true),
        (session("usrap", &ALL, true), true),
        (session("USRAP", &ALL, false), false),
        (session("RELOCATION", &ALL, true), false),
    ] {
        let events = [session];
        let j = journey_of(
            &usrap(),
            &CaseFacts {
                events: &events,
                ..Default::default()
            },
        );
        assert_eq!(
            !missing_of(&j, "I-1").contains(&Missing::Counselling),
            counts,
            "{events:?}"
        );
    }
}

#[test]
fn identity_is_checked_when_the_last_check_verified_the_person() {
    let mismatch = || CheckOutcome::Mismatch {
        reason: "photo differs".into(),
    };
    for (checks, verified) in [
        (vec![check("I-1", CheckOutcome::Verified, 1)], true),
        (
            vec![
                check("I-1", CheckOutcome::Verified, 1),
                check("I-1", mismatch(), 2),
            ],
            false,
        ),
        (
            vec![
                check("I-1", CheckOutcome::Verified, 3),
                check("I-1", mismatch(), 2),
            ],
            true,
        ),
        (vec![check("I-2", CheckOutcome::Verified, 1)], false),
    ] {
        let j = journey_of(
            &usrap(),
            &CaseFacts {
                events: &checks,
                ..Default::default()
            },
        );
        assert_eq!(
            !missing_of(&j, "I-1").contains(&Missing::IdentityCheck),
            verified,
            "{checks:?}"
        );
    }
}

/// The travel-document item missing for I-1 with this document and these events.
fn document_missing(
    doc: Option<(&str, Option<&str>, Option<&str>)>,
    events: &[FieldEvent],
) -> Option<DocumentProblem> {
    let case = Case::from_records(&[
        member("I-1", "PA", "1980", doc, Some("USRAP")),
        member("I-2", "SP", "1980", None, Some("USRAP")),
    ])
    .unwrap();
    let j = journey_of(
        &case,
        &CaseFacts {
            events,
            ..Default::default()
        },
    );
    missing_of(&j, "I-1").into_iter().find_map(|m| match m {
        Missing::TravelDocument { problem } => Some(problem),
        _ => None,
    })
}

#[test]
fn a_travel_document_must_be_accepted_valid_and_held_by_us_or_the_case() {
    let safe = [to_safe("I-1", "P1")];
    let passport = |expiry| Some(("PASSPORT", Some("P1"), expiry));
    assert_eq!(document_missing(passport(Some("2030-01-01")), &safe), None);
    assert_eq!(
        document_missing(None, &safe),
        Some(DocumentProblem::NoDocument)
    );
    assert_eq!(
        document_missing(Some(("NONE", None, None)), &safe),
        Some(DocumentProblem::NoDocument)
    );
    assert_eq!(
        document_missing(Some(("NATIONAL_ID", Some("P1"), Some("2030-01-01"))), &safe),
        Some(DocumentProblem::NotAccepted {
            document_type: DocumentType::NationalId
        })
    );
    assert_eq!(
        document_missing(Some(("PASSPORT", None, Some("2030-01-01"))), &safe),
        Some(DocumentProblem::NoNumber)
    );
    assert_eq!(
        document_missing(passport(None), &safe),
        Some(DocumentProblem::ExpiryUnknown)
    );
    // USRAP asks for 30 days of validity past today (2025-06-01).
    let expiry = NaiveDate::from_ymd_opt(2025, 6, 20).unwrap();
    assert_eq!(
        document_missing(passport(Some("2025-06-20")), &safe),
        Some(DocumentProblem::ExpiresTooSoon {
            expiry,
            valid_until_at_least: NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(),
        })
    );
    assert_eq!(document_missing(passport(Some("2025-07-01")), &safe), None);
    assert_eq!(
        document_missing(passport(Some("2030-01-01")), &[]),
        Some(DocumentProblem::CustodyUnknown)
    );
    let embassy = Custodian::Authority {
        name: "Embassy (visa)".into(),
    };
    assert_eq!(
        document_missing(
            passport(Some("2030-01-01")),
            &[transfer("I-1", "P1", embassy.clone())]
        ),
        Some(DocumentProblem::NotHeld { holder: embassy })
    );
    for holder in [
        Custodian::TravelBag {
            case_no: CASE.into(),
        },
        Custodian::Individual {
            individual_no: "I-2".into(),
        },
        Custodian::Staff {
            name: "Test Officer".into(),
        },
    ] {
        let events = [transfer("I-1", "P1", holder.clone())];
        assert_eq!(
            document_missing(passport(Some("2030-01-01")), &events),
            None,
            "{holder}"
        );
    }
    for holder in [
        Custodian::TravelBag {
            case_no: "TST-2025-000009".into(),
        },
        Custodian::Individual {
            individual_no: "I-9".into(),
        },
    ] {
        let events = [transfer("I-1", "P1", holder.clone())];
        assert_eq!(
            document_missing(passport(Some("2030-01-01")), &events),
            Some(DocumentProblem::NotHeld { holder })
        );
    }
}

#[test]
fn open_data_problems_keep_their_individual_or_the_whole_case_from_travel_ready() {
    let (events, permits) = ready();
    let conflict = OpenProblem {
        individual_no: Some("I-2".into()),
        field: Some(Field::DateOfBirth),
        kind: ProblemKind::UnsettledConflict,
    };
    let problems = [conflict];
    let facts = CaseFacts {
        events: &events,
        exit_permits: &permits,
        open_problems: &problems,
        ..Default::default()
    };
    let j = journey_of(&usrap(), &facts);
    assert_eq!(
        steps(&j),
        [
            JourneyStep::TravelReady,
            JourneyStep::ExitPermitApproved,
            JourneyStep::TravelReady
        ]
    );
    assert_eq!(
        missing_of(&j, "I-2"),
        [Missing::DataProblem {
            field: Some(Field::DateOfBirth),
            kind: ProblemKind::UnsettledConflict
        }]
    );
    let duplicate = [OpenProblem {
        individual_no: None,
        field: None,
        kind: ProblemKind::LikelyDuplicate,
    }];
    let j = journey_of(
        &usrap(),
        &CaseFacts {
            open_problems: &duplicate,
            ..facts
        },
    );
    assert_eq!(steps(&j), [JourneyStep::ExitPermitApproved; 3]);
}
