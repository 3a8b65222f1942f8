use chrono::TimeZone;

use super::*;
use crate::{CounsellingSession, CustodyTransfer, ExitPermitStep, IdentityCheck, Record};

const CASE: &str = "TST-2025-000001";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 1).unwrap()
}

/// 2025-05-`day` at 09:`minute` UTC.
fn at(day: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 5, day, 9, minute, 0).unwrap()
}

/// A member's record: number, relationship, year of birth, document (type, number, expiry).
fn member(
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
fn family(programme: Option<&str>) -> Case {
    let passport = |n| Some(("PASSPORT", Some(n), Some("2030-01-01")));
    Case::from_records(&[
        member("I-1", "PA", "1980", passport("P1"), programme),
        member("I-2", "SP", "1982-04", passport("P2"), programme),
        member("I-3", "CH", "2020-02-02", passport("P3"), programme),
    ])
    .unwrap()
}

fn usrap() -> Case {
    family(Some("USRAP"))
}

const ALL: [&str; 3] = ["I-1", "I-2", "I-3"];

fn check(no: &str, outcome: CheckOutcome, minute: u32) -> FieldEvent {
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

fn to_safe(no: &str, doc: &str) -> FieldEvent {
    transfer(
        no,
        doc,
        Custodian::Storage {
            place: "Office safe".into(),
        },
    )
}

fn transfer(no: &str, doc: &str, to: Custodian) -> FieldEvent {
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

fn session(programme: &str, attendees: &[&str], complete: bool) -> FieldEvent {
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

fn permit(no: &str, step: ExitPermitStep, day: u32) -> ExitPermitEvent {
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

fn approved(no: &str) -> ExitPermitEvent {
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
fn documents(who: &[&str]) -> Vec<FieldEvent> {
    let mut events = Vec::new();
    for (i, no) in who.iter().enumerate() {
        events.push(check(no, CheckOutcome::Verified, i as u32));
        events.push(to_safe(no, &no.replace("I-", "P")));
    }
    events
}

/// Everything the USRAP rules ask, for the whole family.
fn ready() -> (Vec<FieldEvent>, Vec<ExitPermitEvent>) {
    let mut events = documents(&ALL);
    events.push(session("USRAP", &["I-1", "I-2"], true));
    (events, ALL.iter().map(|n| approved(n)).collect())
}

fn movement(no: &str, movement: Movement, day: u32) -> MovementFact {
    MovementFact {
        individual_no: no.into(),
        at: at(day, 0),
        movement,
    }
}

fn stop(travellers: Travellers, change: JourneyChange, day: u32) -> JourneyEvent {
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

fn hold(travellers: Travellers, day: u32) -> JourneyEvent {
    stop(
        travellers,
        JourneyChange::OnHold {
            reason: HoldReason::MedicalClearance,
            text: "waiting for the fit-to-fly certificate".into(),
        },
        day,
    )
}

fn members(nos: &[&str]) -> Travellers {
    Travellers::Members {
        individual_nos: nos.iter().map(|n| n.to_string()).collect(),
    }
}

fn journey_of(case: &Case, facts: &CaseFacts<'_>) -> Journey {
    journey(case, facts, &ReadinessRules::shipped(), today())
}

fn steps(j: &Journey) -> Vec<JourneyStep> {
    j.individuals.iter().map(|i| i.step).collect()
}

fn missing_of(j: &Journey, no: &str) -> Vec<Missing> {
    j.individual(no).unwrap().missing.clone()
}

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
fn each_step_is_reached_when_the_ones_before_it_are() {
    let case = usrap();
    let docs = documents(&ALL);
    let (events, permits) = ready();
    let booked: Vec<MovementFact> = ALL
        .iter()
        .map(|n| {
            movement(
                n,
                Movement::Booked {
                    booking: Uuid::nil(),
                },
                10,
            )
        })
        .collect();
    let then = |extra: Movement, day: u32| -> Vec<MovementFact> {
        let mut m = booked.clone();
        m.extend(ALL.iter().map(|n| movement(n, extra, day)));
        m
    };
    let departed = then(Movement::Departed, 20);
    let mut arrived = departed.clone();
    arrived.extend(ALL.iter().map(|n| movement(n, Movement::Arrived, 21)));
    let mut home = arrived.clone();
    home.extend(
        ALL.iter()
            .map(|n| movement(n, Movement::AtFinalDestination, 22)),
    );
    let cases: [(CaseFacts<'_>, JourneyStep); 8] = [
        (CaseFacts::default(), JourneyStep::Registered),
        (
            CaseFacts {
                events: &docs,
                ..Default::default()
            },
            JourneyStep::DocumentsComplete,
        ),
        (
            CaseFacts {
                events: &docs,
                exit_permits: &permits,
                ..Default::default()
            },
            JourneyStep::ExitPermitApproved,
        ),
        (
            CaseFacts {
                events: &events,
                exit_permits: &permits,
                ..Default::default()
            },
            JourneyStep::TravelReady,
        ),
        (
            CaseFacts {
                events: &events,
                exit_permits: &permits,
                movements: &booked,
                ..Default::default()
            },
            JourneyStep::Booked,
        ),
        (
            CaseFacts {
                events: &events,
                exit_permits: &permits,
                movements: &departed,
                ..Default::default()
            },
            JourneyStep::Departed,
        ),
        (
            CaseFacts {
                events: &events,
                exit_permits: &permits,
                movements: &arrived,
                ..Default::default()
            },
            JourneyStep::Arrived,
        ),
        (
            CaseFacts {
                events: &events,
                exit_permits: &permits,
                movements: &home,
                ..Default::default()
            },
            JourneyStep::AtFinalDestination,
        ),
    ];
    for (facts, step) in cases {
        let j = journey_of(&case, &facts);
        assert_eq!(steps(&j), [step; 3], "{step:?}");
        for i in &j.individuals {
            assert_eq!(i.reached, step);
            assert_eq!(i.stopped_by, None);
            let ready = matches!(
                step,
                JourneyStep::TravelReady
                    | JourneyStep::Booked
                    | JourneyStep::Departed
                    | JourneyStep::Arrived
                    | JourneyStep::AtFinalDestination
            );
            assert_eq!(i.missing.is_empty(), ready, "{step:?} {:?}", i.missing);
        }
    }
}

#[test]
fn an_approved_exit_permit_does_not_skip_incomplete_documents() {
    let permits: Vec<_> = ALL.iter().map(|n| approved(n)).collect();
    let j = journey_of(
        &usrap(),
        &CaseFacts {
            exit_permits: &permits,
            ..Default::default()
        },
    );
    assert_eq!(steps(&j), [JourneyStep::Registered; 3]);
    assert!(!missing_of(&j, "I-1").contains(&Missing::ExitPermit { status: None }));
}

#[test]
fn an_exit_permit_denied_then_requested_again_is_still_missing_with_its_status() {
    let docs = documents(&ALL);
    let denied = ExitPermitStep::Denied {
        on: Some(at(6, 0).date_naive()),
        reason: crate::DenialReason::SecurityCheck,
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
fn a_hold_stops_any_step_before_departure_and_keeps_what_was_reached() {
    let case = usrap();
    let docs = documents(&ALL);
    let (events, permits) = ready();
    let booked: Vec<MovementFact> = ALL
        .iter()
        .map(|n| {
            movement(
                n,
                Movement::Booked {
                    booking: Uuid::nil(),
                },
                10,
            )
        })
        .collect();
    let holds = [hold(Travellers::WholeCase, 11)];
    let steps_before_departure = [
        (&[][..], &[][..], &[][..], JourneyStep::Registered),
        (&docs[..], &[][..], &[][..], JourneyStep::DocumentsComplete),
        (
            &docs[..],
            &permits[..],
            &[][..],
            JourneyStep::ExitPermitApproved,
        ),
        (&events[..], &permits[..], &[][..], JourneyStep::TravelReady),
        (&events[..], &permits[..], &booked[..], JourneyStep::Booked),
    ];
    for (events, exit_permits, movements, reached) in steps_before_departure {
        let facts = CaseFacts {
            events,
            exit_permits,
            movements,
            journey_events: &holds,
            ..Default::default()
        };
        let j = journey_of(&case, &facts);
        for i in &j.individuals {
            assert_eq!(i.step, JourneyStep::OnHold, "{reached:?}");
            assert_eq!(i.reached, reached);
            assert_eq!(i.stopped_by.as_ref(), Some(&holds[0]));
        }
        // What is missing is still listed, so that the hold can be worked on.
        let unstopped = journey_of(
            &case,
            &CaseFacts {
                journey_events: &[],
                ..facts
            },
        );
        assert_eq!(missing_of(&j, "I-1"), missing_of(&unstopped, "I-1"));
    }
    // Lifted, the journey goes on from where it was.
    let lifted = [
        holds[0].clone(),
        stop(
            Travellers::WholeCase,
            JourneyChange::Resumed {
                text: "certificate received".into(),
            },
            12,
        ),
    ];
    let j = journey_of(
        &case,
        &CaseFacts {
            events: &events,
            exit_permits: &permits,
            journey_events: &lifted,
            ..Default::default()
        },
    );
    assert_eq!(steps(&j), [JourneyStep::TravelReady; 3]);
    assert!(j.individuals.iter().all(|i| i.stopped_by.is_none()));
}

#[test]
fn a_hold_or_cancellation_changes_nothing_after_departure() {
    let (events, permits) = ready();
    let departed: Vec<_> = ALL
        .iter()
        .map(|n| movement(n, Movement::Departed, 20))
        .collect();
    for stopped in [
        hold(Travellers::WholeCase, 11),
        stop(
            Travellers::WholeCase,
            JourneyChange::Cancelled {
                reason: CancelReason::Withdrawn,
                text: "changed their mind".into(),
            },
            25,
        ),
    ] {
        let j = journey_of(
            &usrap(),
            &CaseFacts {
                events: &events,
                exit_permits: &permits,
                movements: &departed,
                journey_events: &[stopped],
                ..Default::default()
            },
        );
        assert_eq!(steps(&j), [JourneyStep::Departed; 3]);
        assert!(j.individuals.iter().all(|i| i.stopped_by.is_none()));
    }
}

#[test]
fn a_cancelled_journey_lists_nothing_to_do_and_can_be_resumed() {
    let cancel = stop(
        Travellers::WholeCase,
        JourneyChange::Cancelled {
            reason: CancelReason::Duplicate,
            text: "same family as TST-2025-000002".into(),
        },
        11,
    );
    let docs = documents(&ALL);
    let events = [cancel.clone()];
    let j = journey_of(
        &usrap(),
        &CaseFacts {
            events: &docs,
            journey_events: &events,
            ..Default::default()
        },
    );
    assert_eq!(steps(&j), [JourneyStep::Cancelled; 3]);
    let i = j.individual("I-2").unwrap();
    assert_eq!(i.reached, JourneyStep::DocumentsComplete);
    assert!(i.missing.is_empty());
    assert_eq!(i.stopped_by.as_ref(), Some(&cancel));
    let resumed = [
        cancel,
        stop(
            Travellers::WholeCase,
            JourneyChange::Resumed {
                text: "not a duplicate after all".into(),
            },
            12,
        ),
    ];
    let j = journey_of(
        &usrap(),
        &CaseFacts {
            events: &docs,
            journey_events: &resumed,
            ..Default::default()
        },
    );
    assert_eq!(steps(&j), [JourneyStep::DocumentsComplete; 3]);
}

#[test]
fn a_split_case_lets_one_member_travel_later() {
    let (events, permits) = ready();
    // The child waits for a medical clearance; the parents are booked, then leave.
    let holds = [hold(members(&["I-3"]), 9)];
    let booked: Vec<_> = ["I-1", "I-2"]
        .iter()
        .map(|n| {
            movement(
                n,
                Movement::Booked {
                    booking: Uuid::nil(),
                },
                10,
            )
        })
        .collect();
    let facts = |movements| CaseFacts {
        events: &events,
        exit_permits: &permits,
        journey_events: &holds,
        movements,
        ..Default::default()
    };
    let j = journey_of(&usrap(), &facts(&booked));
    assert_eq!(
        steps(&j),
        [
            JourneyStep::Booked,
            JourneyStep::Booked,
            JourneyStep::OnHold
        ]
    );
    assert!(j.is_split());
    assert_eq!(
        j.individual("I-3").unwrap().reached,
        JourneyStep::TravelReady
    );
    let mut movements = booked.clone();
    movements.extend(
        ["I-1", "I-2"]
            .iter()
            .map(|n| movement(n, Movement::Departed, 20)),
    );
    let j = journey_of(&usrap(), &facts(&movements));
    assert_eq!(
        steps(&j),
        [
            JourneyStep::Departed,
            JourneyStep::Departed,
            JourneyStep::OnHold
        ]
    );
    // Lifting the child's hold only: the parents' steps do not move.
    let lifted = [
        holds[0].clone(),
        stop(
            members(&["I-3"]),
            JourneyChange::Resumed {
                text: String::new(),
            },
            21,
        ),
    ];
    let j = journey_of(
        &usrap(),
        &CaseFacts {
            journey_events: &lifted,
            ..facts(&movements)
        },
    );
    assert_eq!(
        steps(&j),
        [
            JourneyStep::Departed,
            JourneyStep::Departed,
            JourneyStep::TravelReady
        ]
    );
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
fn without_an_exit_permit_requirement_the_step_comes_with_the_documents() {
    let case = family(Some("RELOCATION"));
    let docs = documents(&ALL);
    let j = journey_of(
        &case,
        &CaseFacts {
            events: &docs,
            ..Default::default()
        },
    );
    assert_eq!(steps(&j), [JourneyStep::ExitPermitApproved; 3]);
    assert_eq!(missing_of(&j, "I-1"), [Missing::Counselling]);
}

#[test]
fn programmes_without_counselling_rules_are_ready_without_a_session() {
    let case = family(Some("FAMILY_REUNIFICATION"));
    let docs = documents(&ALL);
    let permits: Vec<_> = ALL.iter().map(|n| approved(n)).collect();
    let j = journey_of(
        &case,
        &CaseFacts {
            events: &docs,
            exit_permits: &permits,
            ..Default::default()
        },
    );
    assert_eq!(steps(&j), [JourneyStep::TravelReady; 3]);
}

#[test]
fn a_case_without_readiness_rules_is_never_travel_ready() {
    let (events, permits) = ready();
    for programme in [None, Some("NO_SUCH_PROGRAMME")] {
        let j = journey_of(
            &family(programme),
            &CaseFacts {
                events: &events,
                exit_permits: &permits,
                ..Default::default()
            },
        );
        assert_eq!(steps(&j), [JourneyStep::ExitPermitApproved; 3]);
        // First on the list (a session of another programme does not count either).
        assert_eq!(
            missing_of(&j, "I-1")[0],
            Missing::ReadinessRules {
                programme: programme.map(str::to_string)
            }
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

#[test]
fn a_booking_undone_is_no_longer_booked_unless_another_replaced_it() {
    let (events, permits) = ready();
    let (first, second) = (Uuid::now_v7(), Uuid::now_v7());
    let step = |movements: &[MovementFact]| {
        journey_of(
            &usrap(),
            &CaseFacts {
                events: &events,
                exit_permits: &permits,
                movements,
                ..Default::default()
            },
        )
        .individual("I-1")
        .unwrap()
        .step
    };
    let booked = movement("I-1", Movement::Booked { booking: first }, 10);
    let unbooked = movement("I-1", Movement::Unbooked { booking: first }, 11);
    let rebooked = movement("I-1", Movement::Booked { booking: second }, 11);
    assert_eq!(step(&[booked.clone()]), JourneyStep::Booked);
    assert_eq!(
        step(&[unbooked.clone(), booked.clone()]),
        JourneyStep::TravelReady
    );
    assert_eq!(step(&[booked, rebooked, unbooked]), JourneyStep::Booked);
    // Departure facts are never undone by an older or newer booking fact.
    let departed = movement("I-1", Movement::Departed, 12);
    let late_unbooking = movement("I-1", Movement::Unbooked { booking: second }, 13);
    assert_eq!(step(&[departed, late_unbooking]), JourneyStep::Departed);
}

#[test]
fn a_booking_is_a_fact_even_when_something_is_missing() {
    let booked = [movement(
        "I-1",
        Movement::Booked {
            booking: Uuid::nil(),
        },
        10,
    )];
    let j = journey_of(
        &usrap(),
        &CaseFacts {
            movements: &booked,
            ..Default::default()
        },
    );
    let i = j.individual("I-1").unwrap();
    assert_eq!(i.step, JourneyStep::Booked);
    assert!(i.missing.contains(&Missing::IdentityCheck));
}

#[test]
fn holds_and_cancellations_are_recorded_with_why() {
    let ok = hold(members(&["I-1"]), 1);
    assert_eq!(ok.validate(), Ok(()));
    let no_text = stop(
        Travellers::WholeCase,
        JourneyChange::Cancelled {
            reason: CancelReason::Other,
            text: "  ".into(),
        },
        1,
    );
    assert_eq!(
        no_text.validate(),
        Err(EventError::Missing("why, in words"))
    );
    let nobody = hold(members(&[]), 1);
    assert_eq!(
        nobody.validate(),
        Err(EventError::Missing("at least one member"))
    );
    let resumed = stop(
        Travellers::WholeCase,
        JourneyChange::Resumed {
            text: String::new(),
        },
        1,
    );
    assert_eq!(resumed.validate(), Ok(()));
    let mut v6 = ok.clone();
    v6.id = Uuid::nil();
    assert!(v6.validate().is_err());
    let mut control = ok;
    control.change = JourneyChange::OnHold {
        reason: HoldReason::Other,
        text: "bell\u{7}".into(),
    };
    assert!(control.validate().is_err());
}

#[test]
fn journey_events_round_trip_through_json_with_their_change() {
    let e = hold(members(&["I-3"]), 1);
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(json["change"], "on_hold");
    assert_eq!(json["reason"], "medical_clearance");
    assert_eq!(json["travellers"]["kind"], "members");
    assert_eq!(serde_json::from_value::<JourneyEvent>(json).unwrap(), e);
}

#[test]
fn reasons_and_steps_are_sent_as_their_codes() {
    for r in HoldReason::ALL {
        assert_eq!(serde_json::to_value(r).unwrap(), r.code());
        assert_eq!(HoldReason::parse(&r.code().to_uppercase()), Ok(*r));
    }
    for r in CancelReason::ALL {
        assert_eq!(serde_json::to_value(r).unwrap(), r.code());
    }
    let e = CancelReason::parse("bored").unwrap_err();
    assert!(
        e.message()
            .starts_with("'bored' is not a reason to cancel a journey: use one of withdrawn,"),
        "{}",
        e.message()
    );
    assert_eq!(
        serde_json::to_value(JourneyStep::ExitPermitApproved).unwrap(),
        "exit_permit_approved"
    );
    assert_eq!(
        serde_json::to_value(Missing::ExitPermit {
            status: Some(ExitPermitStatus::Denied)
        })
        .unwrap(),
        serde_json::json!({"missing": "exit_permit", "status": "DENIED"})
    );
}
