//! Holds, cancellations and resumptions: from any step before departure, per member.

use uuid::Uuid;

use super::fixtures::*;
use crate::{
    CancelReason, CaseFacts, EventError, ExitPermitStatus, HoldReason, JourneyChange, JourneyEvent,
    JourneyStep, Missing, Movement, MovementFact, Travellers,
};

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
                    booking: crate::BookingRef::parse("BKG-1").unwrap(),
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
fn who_has_departed_is_found_among_those_a_hold_would_stop() {
    let (events, permits) = ready();
    let departed = [movement("I-1", Movement::Departed, 20)];
    let j = journey_of(
        &usrap(),
        &CaseFacts {
            events: &events,
            exit_permits: &permits,
            movements: &departed,
            ..Default::default()
        },
    );
    assert_eq!(j.departed_among(&Travellers::WholeCase), Some("I-1"));
    assert_eq!(j.departed_among(&members(&["I-2", "I-1"])), Some("I-1"));
    assert_eq!(j.departed_among(&members(&["I-2", "I-3"])), None);
    let nobody = journey_of(&usrap(), &CaseFacts::default());
    assert_eq!(nobody.departed_among(&Travellers::WholeCase), None);
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
                    booking: crate::BookingRef::parse("BKG-1").unwrap(),
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
