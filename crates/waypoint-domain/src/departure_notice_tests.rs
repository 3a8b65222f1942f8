use chrono::TimeZone;

use super::*;
use crate::FieldEvent;

fn at(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 14, hour, 0, 0).unwrap()
}

fn not(no: &str, reason: NotDepartedReason, text: &str) -> NotDeparted {
    NotDeparted {
        individual_no: no.into(),
        reason,
        text: text.into(),
    }
}

fn departures(departed: &[&str], not_departed: Vec<NotDeparted>) -> Departures {
    Departures {
        departed: departed.iter().map(|n| n.to_string()).collect(),
        not_departed,
    }
}

fn version(booking: &str, number: u32, d: Departures) -> DepartureNoticeVersion {
    DepartureNoticeVersion {
        id: Uuid::now_v7(),
        issue: Uuid::now_v7(),
        booking_ref: BookingRef::parse(booking).unwrap(),
        number,
        case_no: "TST-1".into(),
        flight_left_at: at(12),
        departures: d,
        site: "TST-SITE".into(),
        issued_by: "Test Clerk".into(),
        at: at(13 + number),
    }
}

#[test]
fn a_notice_names_each_traveller_once_and_says_why_someone_stayed() {
    let ok = departures(
        &["I-1"],
        vec![not(
            "I-2",
            NotDepartedReason::NoShow,
            "Did not come to the bus",
        )],
    );
    assert!(version("BKG-1", 1, ok.clone()).validate().is_ok());
    let twice = departures(&["I-1"], vec![not("I-1", NotDepartedReason::NoShow, "x")]);
    let e = version("BKG-1", 1, twice).validate().unwrap_err();
    assert!(e.to_string().contains("I-1 is named twice"), "{e}");
    let silent = departures(&[], vec![not("I-2", NotDepartedReason::Medical, " ")]);
    assert!(version("BKG-1", 1, silent).validate().is_err());
    assert!(
        version("BKG-1", 1, Departures::default())
            .validate()
            .is_err(),
        "a notice about nobody"
    );
    assert!(version("BKG-1", 0, ok.clone()).validate().is_err());
    let mut early = version("BKG-1", 1, ok);
    early.at = at(11);
    let e = early.validate().unwrap_err();
    assert!(e.to_string().contains("once the flight has left"), "{e}");
}

#[test]
fn reasons_are_read_as_typed_and_an_unknown_one_lists_them() {
    assert_eq!(
        NotDepartedReason::parse(" No-Show "),
        Ok(NotDepartedReason::NoShow)
    );
    let e = NotDepartedReason::parse("lost").unwrap_err();
    assert!(
        e.contains("no_show") && e.contains("denied_boarding"),
        "{e}"
    );
}

#[test]
fn a_correction_says_who_departed_after_all_who_did_not_and_whose_reason_changed() {
    let v1 = departures(
        &["I-1", "I-2"],
        vec![
            not("I-3", NotDepartedReason::NoShow, "Not at the bus"),
            not("I-4", NotDepartedReason::Medical, "Unwell"),
        ],
    );
    let v2 = departures(
        &["I-1", "I-3"],
        vec![
            not("I-2", NotDepartedReason::DeniedBoarding, "Offloaded"),
            not("I-4", NotDepartedReason::Medical, "Unfit to fly"),
            not("I-5", NotDepartedReason::Other, "Added late"),
        ],
    );
    let changes = notice_changes(&v1, &v2);
    assert_eq!(
        changes,
        [
            NoticeChange::NoLongerDeparted {
                individual_no: "I-2".into()
            },
            NoticeChange::NowDeparted {
                individual_no: "I-3".into()
            },
            NoticeChange::ReasonChanged {
                individual_no: "I-4".into()
            },
            NoticeChange::TravellerAdded {
                individual_no: "I-5".into()
            },
        ]
    );
    assert!(notice_changes(&v2, &v2.clone().sorted()).is_empty());
    assert_eq!(changes[0].to_string(), "I-2 did not depart after all");
}

#[test]
fn the_latest_version_of_each_bookings_notice_says_who_departed() {
    let v1 = version("BKG-1", 1, departures(&["I-1", "I-2"], vec![]));
    let v2 = version(
        "BKG-1",
        2,
        departures(
            &["I-1"],
            vec![not("I-2", NotDepartedReason::DeniedBoarding, "Offloaded")],
        ),
    );
    let other = version("BKG-2", 1, departures(&["I-3"], vec![]));
    let facts = departed_facts(&[v2.clone(), v1.clone(), other]);
    let who: Vec<&str> = facts.iter().map(|f| f.individual_no.as_str()).collect();
    assert_eq!(who, ["I-1", "I-3"], "I-2's departure was taken back");
    assert!(
        facts
            .iter()
            .all(|f| f.movement == Movement::Departed && f.at == at(12))
    );
    let first_only = departed_facts(&[v1]);
    assert_eq!(first_only.len(), 2);
}

#[test]
fn a_notice_is_a_field_event_of_kind_departure_notice_that_round_trips() {
    let e = FieldEvent::DepartureNotice(version(
        "BKG-1",
        1,
        departures(
            &["I-1"],
            vec![not("I-2", NotDepartedReason::ExitRefused, "No exit stamp")],
        ),
    ));
    let json = serde_json::to_string(&e).unwrap();
    assert!(json.contains("\"type\":\"departure_notice\""), "{json}");
    assert!(json.contains("\"booking_ref\":\"BKG-1\""), "{json}");
    assert_eq!(serde_json::from_str::<FieldEvent>(&json).unwrap(), e);
    assert_eq!(e.kind(), "departure_notice");
    assert!(FieldEvent::KINDS.contains(&e.kind()));
    assert!(e.validate().is_ok());
}
