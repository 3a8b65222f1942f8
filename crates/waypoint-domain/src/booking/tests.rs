use chrono::{NaiveDateTime, TimeZone, Utc};
use uuid::Uuid;

use super::*;
use crate::AirportCode;

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
}

fn segment(carrier: &str, no: &str, from: &str, to: &str, dep: &str, arr: &str) -> Segment {
    Segment::from_local(
        Carrier::parse(carrier).unwrap(),
        FlightNo::parse(no).unwrap(),
        AirportCode::parse(from).unwrap(),
        AirportCode::parse(to).unwrap(),
        at(dep),
        at(arr),
    )
    .unwrap()
}

fn traveller(no: &str, case: &str, segments: usize) -> Traveller {
    Traveller {
        individual_no: no.into(),
        case_no: case.into(),
        ssr: vec![vec![]; segments],
    }
}

/// The sample's first booking: Kigali to Chicago through Addis Ababa.
fn kgl_ord() -> Booking {
    Booking {
        booking_ref: BookingRef::parse("BKG-25-0001").unwrap(),
        record_locator: Some(RecordLocator::parse("qx7k2m").unwrap()),
        status: BookingStatus::Ticketed,
        replaces: None,
        abn: Some("ABN-25-4410".into()),
        segments: vec![
            segment(
                "ET",
                "812",
                "KGL",
                "ADD",
                "2026-12-14T14:45",
                "2026-12-14T17:55",
            ),
            segment(
                "ET",
                "654",
                "ADD",
                "ORD",
                "2026-12-14T22:40",
                "2026-12-15T06:05",
            ),
        ],
        travellers: vec![
            traveller("I-0001001", "KGL-2025-000101", 2),
            traveller("I-0001002", "KGL-2025-000101", 2),
        ],
        escorts: vec![],
    }
}

#[test]
fn codes_are_checked_and_spelled_one_way() {
    assert_eq!(Carrier::parse(" et ").unwrap().as_str(), "ET");
    assert_eq!(Carrier::parse("3U").unwrap().as_str(), "3U");
    for bad in ["E", "ETH", "12", "E-"] {
        assert!(Carrier::parse(bad).is_err(), "{bad}");
    }
    assert_eq!(
        FlightNo::parse("0812").unwrap(),
        FlightNo::parse("812").unwrap()
    );
    assert_eq!(FlightNo::parse("1234a").unwrap().as_str(), "1234A");
    for bad in ["", "12345", "0", "12AB", "A12"] {
        assert!(FlightNo::parse(bad).is_err(), "{bad}");
    }
    assert!(RecordLocator::parse("QX7K2").is_err());
    assert!(BookingRef::parse("BKG 1").is_err());
    assert_eq!(
        BookingStatus::parse("ticketed").unwrap(),
        BookingStatus::Ticketed
    );
}

#[test]
fn local_times_become_instants_with_each_airports_zone() {
    let b = kgl_ord();
    // Kigali is UTC+2: 14:45 local is 12:45 UTC.
    assert_eq!(
        b.segments[0].departs,
        Utc.with_ymd_and_hms(2026, 12, 14, 12, 45, 0).unwrap()
    );
    // Chicago in December is UTC-6: 06:05 local is 12:05 UTC.
    assert_eq!(
        b.segments[1].arrives,
        Utc.with_ymd_and_hms(2026, 12, 15, 12, 5, 0).unwrap()
    );
    let shown = b.segments[1].arrives_local().to_string();
    assert_eq!(shown, "2026-12-15 06:05 America/Chicago (UTC-06:00)");
    assert!(b.check().is_ok());
}

#[test]
fn an_hour_the_clocks_skip_does_not_exist() {
    // Chicago moves its clocks from 02:00 to 03:00 on 14 March 2027.
    let ord = AirportCode::parse("ORD").unwrap();
    let err = local_instant(ord, at("2027-03-14T02:30")).unwrap_err();
    assert!(
        err.message().contains("America/Chicago"),
        "{}",
        err.message()
    );
    assert!(local_instant(ord, at("2027-03-14T03:30")).is_ok());
}

#[test]
fn every_shipped_airport_has_a_time_zone_chrono_tz_knows() {
    let csv = include_str!("../../data/airports-iata.csv");
    let mut n = 0;
    for line in csv.lines().skip(1) {
        let tz = line.rsplit(',').next().unwrap();
        assert!(tz.parse::<chrono_tz::Tz>().is_ok(), "{line}");
        n += 1;
    }
    assert!(n > 5000, "{n} airports");
}

#[test]
fn an_itinerary_must_chain_in_place_and_time() {
    let mut b = kgl_ord();
    b.segments[1] = segment(
        "ET",
        "654",
        "NBO",
        "ORD",
        "2026-12-14T22:40",
        "2026-12-15T06:05",
    );
    assert!(matches!(
        b.check(),
        Err(BookingProblem::DoesNotChain { segment: 1, .. })
    ));
    let mut b = kgl_ord();
    b.segments[1] = segment(
        "ET",
        "654",
        "ADD",
        "ORD",
        "2026-12-14T16:00",
        "2026-12-15T06:05",
    );
    assert_eq!(
        b.check(),
        Err(BookingProblem::DepartsBeforePreviousArrives { segment: 1 })
    );
    let mut b = kgl_ord();
    b.segments[0] = segment(
        "ET",
        "812",
        "KGL",
        "ADD",
        "2026-12-14T14:45",
        "2026-12-14T11:00",
    );
    assert_eq!(
        b.check(),
        Err(BookingProblem::ArrivesBeforeDeparts { segment: 1 })
    );
}

#[test]
fn travellers_escorts_and_locator_are_checked() {
    let mut b = kgl_ord();
    b.record_locator = None;
    assert!(matches!(
        b.check(),
        Err(BookingProblem::NoRecordLocator { .. })
    ));
    b.status = BookingStatus::Proposed;
    assert!(b.check().is_ok());
    let mut b = kgl_ord();
    b.travellers
        .push(traveller("I-0001001", "KGL-2025-000101", 2));
    assert!(matches!(
        b.check(),
        Err(BookingProblem::TravellerTwice { .. })
    ));
    let mut b = kgl_ord();
    b.travellers[0].ssr.pop();
    assert!(matches!(
        b.check(),
        Err(BookingProblem::SsrNotPerSegment { .. })
    ));
    let mut b = kgl_ord();
    b.escorts.push(Escort {
        name: "Test Escort".into(),
        kind: EscortKind::Medical,
        organisation: None,
        contact: None,
        accompanies: vec!["I-0009999".into()],
    });
    assert!(matches!(
        b.check(),
        Err(BookingProblem::EscortOfStranger { .. })
    ));
}

/// A file's reader reports every problem of a booking at once; `check` gives the first.
#[test]
fn problems_lists_every_reason_and_check_the_first() {
    let mut b = kgl_ord();
    b.record_locator = None;
    b.segments[1] = segment(
        "ET",
        "654",
        "NBO",
        "ORD",
        "2026-12-14T16:00",
        "2026-12-15T06:05",
    );
    b.escorts.push(Escort {
        name: "Test Escort".into(),
        kind: EscortKind::Operational,
        organisation: None,
        contact: None,
        accompanies: vec!["I-0009998".into(), "I-0009999".into()],
    });
    let problems = b.problems();
    assert_eq!(
        problems,
        [
            BookingProblem::DoesNotChain {
                segment: 1,
                arrives_at: "ADD".into(),
                next_departs_from: "NBO".into(),
            },
            BookingProblem::DepartsBeforePreviousArrives { segment: 1 },
            BookingProblem::NoRecordLocator {
                status: BookingStatus::Ticketed,
            },
            BookingProblem::EscortOfStranger {
                escort: "Test Escort".into(),
                individual_no: "I-0009998".into(),
            },
            BookingProblem::EscortOfStranger {
                escort: "Test Escort".into(),
                individual_no: "I-0009999".into(),
            },
        ]
    );
    assert_eq!(b.check(), Err(problems[0].clone()));
    assert_eq!(kgl_ord().problems(), []);
}

fn events_for(before: Option<&Booking>, after: &Booking, at_s: i64) -> Vec<BookingEvent> {
    booking_changes(before, after)
        .into_iter()
        .map(|(case_no, changes)| BookingEvent {
            id: Uuid::now_v7(),
            booking_ref: after.booking_ref.clone(),
            case_no,
            site: "KGL-TC1".into(),
            recorded_by: "tester".into(),
            at: Utc.timestamp_opt(at_s, 0).unwrap(),
            changes,
        })
        .collect()
}

#[test]
fn a_booking_is_its_events_merged_and_a_repeat_records_nothing() {
    let mut b = kgl_ord();
    b.travellers
        .push(traveller("I-0001040", "KGL-2025-000104", 2));
    let first = events_for(None, &b, 1_000);
    assert_eq!(first.len(), 2, "one event per case");
    for e in &first {
        assert!(e.validate().is_ok());
    }
    assert_eq!(Booking::from_events(&first).unwrap(), b);
    assert!(booking_changes(Some(&b), &b).is_empty());

    // One traveller leaves and the status changes: both cases get the status, only the
    // first case gets its travellers.
    let mut later = b.clone();
    later.travellers.remove(1);
    later.status = BookingStatus::Confirmed;
    let second = events_for(Some(&b), &later, 2_000);
    assert_eq!(second.len(), 2);
    let mut all: Vec<BookingEvent> = second.iter().chain(&first).cloned().collect();
    assert_eq!(
        Booking::from_events(&all).unwrap(),
        later,
        "order of arrival does not matter"
    );
    all.reverse();
    assert_eq!(Booking::from_events(&all).unwrap(), later);
}

#[test]
fn each_case_part_holds_only_its_own_travellers() {
    let mut b = kgl_ord();
    b.travellers
        .push(traveller("I-0001040", "KGL-2025-000104", 2));
    let events = events_for(None, &b, 1_000);
    let other_site = events
        .iter()
        .filter(|e| e.case_no == "KGL-2025-000104")
        .cloned()
        .collect::<Vec<_>>();
    let seen = Booking::from_events(&other_site).unwrap();
    assert_eq!(seen.segments, b.segments, "the whole itinerary");
    assert_eq!(
        seen.travellers
            .iter()
            .map(|t| t.individual_no.as_str())
            .collect::<Vec<_>>(),
        ["I-0001040"],
        "none of the other case's people"
    );
}
