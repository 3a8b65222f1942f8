//! Each step is reached when the ones before it are; bookings and departures are facts.

use super::fixtures::*;
use crate::{BookingRef, CaseFacts, JourneyStep, Missing, Movement, MovementFact};

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
                    booking: BookingRef::parse("BKG-1").unwrap(),
                },
                10,
            )
        })
        .collect();
    let then = |extra: Movement, day: u32| -> Vec<MovementFact> {
        let mut m = booked.clone();
        m.extend(ALL.iter().map(|n| movement(n, extra.clone(), day)));
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
fn a_booking_undone_is_no_longer_booked_unless_another_replaced_it() {
    let (events, permits) = ready();
    let (first, second) = (
        BookingRef::parse("BKG-1").unwrap(),
        BookingRef::parse("BKG-2").unwrap(),
    );
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
    let booked = movement(
        "I-1",
        Movement::Booked {
            booking: first.clone(),
        },
        10,
    );
    let unbooked = movement(
        "I-1",
        Movement::Unbooked {
            booking: first.clone(),
        },
        11,
    );
    let rebooked = movement(
        "I-1",
        Movement::Booked {
            booking: second.clone(),
        },
        11,
    );
    assert_eq!(step(std::slice::from_ref(&booked)), JourneyStep::Booked);
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
            booking: BookingRef::parse("BKG-1").unwrap(),
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
fn family_reunification_asks_for_counselling_of_its_own_programme() {
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
    assert_eq!(steps(&j), [JourneyStep::ExitPermitApproved; 3]);
    assert_eq!(missing_of(&j, "I-1"), [Missing::Counselling]);
    // A session of another programme does not count; one of its own does.
    let mut events = docs.clone();
    events.push(session("USRAP", &["I-1", "I-2"], true));
    let facts = CaseFacts {
        events: &events,
        exit_permits: &permits,
        ..Default::default()
    };
    assert_eq!(
        steps(&journey_of(&case, &facts)),
        [JourneyStep::ExitPermitApproved; 3]
    );
    events.push(session("FAMILY_REUNIFICATION", &["I-1", "I-2"], true));
    let facts = CaseFacts {
        events: &events,
        exit_permits: &permits,
        ..Default::default()
    };
    assert_eq!(
        steps(&journey_of(&case, &facts)),
        [JourneyStep::TravelReady; 3]
    );
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
