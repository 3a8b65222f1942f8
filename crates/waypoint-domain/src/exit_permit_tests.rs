use chrono::TimeZone;

use super::*;

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 3, d).unwrap()
}

/// A step recorded on 2025-03-`recorded` at 09:`minute`.
fn event(individual_no: &str, step: ExitPermitStep, recorded: u32, minute: u32) -> ExitPermitEvent {
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
        ExitPermitEvent::from_record(&individual, "TST-SITE", "import", at),
        None
    );
    r.set(Field::ExitPermit, Some("SUBMITTED".into()));
    let individual = Individual::from_record(&r).unwrap();
    let e = ExitPermitEvent::from_record(&individual, "TST-SITE", "import", at).unwrap();
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
        e.message().starts_with(
            "'bad luck' is not a reason for an exit permit denial: use one of incomplete_documents,"
        ),
        "{}",
        e.message()
    );
}

#[test]
fn a_value_carried_over_gets_the_same_id_on_every_device_and_another_value_another_id() {
    let permit = |status, reason: Option<&str>| ExitPermit {
        status,
        denial_reason: reason.map(str::to_string),
    };
    let at = Utc.with_ymd_and_hms(2025, 3, 1, 8, 0, 0).unwrap();
    let later = Utc.with_ymd_and_hms(2025, 4, 9, 17, 30, 0).unwrap();
    let denied = permit(ExitPermitStatus::Denied, Some("pending court case"));
    let here = ExitPermitEvent::carried_over("I-1", "C-1", &denied, "KGL-TC1", "import", at);
    let there = ExitPermitEvent::carried_over("I-1", "C-1", &denied, "NBO-TC2", "other", later);
    assert_eq!(
        here.id, there.id,
        "who, where and when do not change the fact"
    );
    assert_eq!(here.id.get_version_num(), 7);
    assert_eq!(here.validate(), Ok(()));
    let others = [
        ExitPermitEvent::carried_over("I-2", "C-1", &denied, "KGL-TC1", "import", at),
        ExitPermitEvent::carried_over(
            "I-1",
            "C-1",
            &permit(ExitPermitStatus::Denied, Some("quota reached")),
            "KGL-TC1",
            "import",
            at,
        ),
        ExitPermitEvent::carried_over(
            "I-1",
            "C-1",
            &permit(ExitPermitStatus::Requested, None),
            "KGL-TC1",
            "import",
            at,
        ),
    ];
    for other in &others {
        assert_ne!(other.id, here.id, "{:?}", other.step);
    }
    // Surrounding blanks are not part of the value.
    let padded = permit(ExitPermitStatus::Denied, Some("  pending court case "));
    assert_eq!(
        ExitPermitEvent::carried_over("I-1", "C-1", &padded, "KGL-TC1", "import", at).id,
        here.id
    );
}
