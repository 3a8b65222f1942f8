//! Bookings saved as events and read back, and the versions of an ABN, on a real store
//! holding the sample cases.
#![allow(clippy::unwrap_used)]

use chrono::{Duration, NaiveDateTime};
use waypoint_domain::{
    AbnChange, AbnVersionKind, AirportCode, Booking, BookingRef, BookingStatus, Carrier, FlightNo,
    JourneyStep, RecordLocator, Role, Segment, SsrCode, Traveller,
};

use super::*;
use crate::booking;
use crate::testing::{self, context, supervisor};

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
}

fn segment(flight: (&str, &str), from: &str, to: &str, dep: &str, arr: &str) -> Segment {
    Segment::from_local(
        Carrier::parse(flight.0).unwrap(),
        FlightNo::parse(flight.1).unwrap(),
        AirportCode::parse(from).unwrap(),
        AirportCode::parse(to).unwrap(),
        at(dep),
        at(arr),
    )
    .unwrap()
}

/// The sample's first family, Kigali to Chicago, notified under ABN-25-4410.
fn family_booking() -> Booking {
    let members = ["I-0001001", "I-0001002", "I-0001003", "I-0001004"];
    Booking {
        booking_ref: BookingRef::parse("BKG-25-0001").unwrap(),
        record_locator: Some(RecordLocator::parse("QX7K2M").unwrap()),
        status: BookingStatus::Ticketed,
        replaces: None,
        abn: Some("ABN-25-4410".into()),
        segments: vec![
            segment(
                ("ET", "812"),
                "KGL",
                "ADD",
                "2026-12-14T14:45",
                "2026-12-14T17:55",
            ),
            segment(
                ("ET", "654"),
                "ADD",
                "ORD",
                "2026-12-14T22:40",
                "2026-12-15T06:05",
            ),
        ],
        travellers: members
            .iter()
            .map(|n| Traveller {
                individual_no: (*n).into(),
                case_no: "KGL-2025-000101".into(),
                ssr: vec![vec![], vec![]],
            })
            .collect(),
        escorts: vec![],
    }
}

#[test]
fn a_saved_booking_reads_back_and_saving_it_again_records_nothing() {
    let (_dir, mut store) = testing::store();
    let b = family_booking();
    let saved = booking::save(&mut store, &supervisor(), &context(), &b).unwrap();
    assert_eq!(saved.events, 1, "one case, one event");
    let view = booking::show(&store, Role::Supervisor, "bkg-25-0001", context().today()).unwrap();
    assert_eq!(view.booking, b);
    assert_eq!(view.travellers.len(), 4);
    assert_eq!(view.travellers[0].family_name, "HABIMANA");
    let again = booking::save(&mut store, &supervisor(), &context(), &b).unwrap();
    assert_eq!(again.events, 0);
}

#[test]
fn a_role_that_may_not_book_is_refused_and_nothing_is_recorded() {
    let (_dir, mut store) = testing::store();
    let poe = crate::SignedIn::new("POE", Role::PoeAssociate);
    assert!(booking::save(&mut store, &poe, &context(), &family_booking()).is_err());
    assert!(booking::show(&store, Role::Supervisor, "BKG-25-0001", context().today()).is_err());
}

#[test]
fn a_booking_whose_itinerary_does_not_chain_is_refused() {
    let (_dir, mut store) = testing::store();
    let mut b = family_booking();
    b.segments[1] = segment(
        ("ET", "654"),
        "NBO",
        "ORD",
        "2026-12-14T22:40",
        "2026-12-15T06:05",
    );
    let err = booking::save(&mut store, &supervisor(), &context(), &b).unwrap_err();
    assert!(matches!(err, AppError::Booking(_)), "{err}");
}

#[test]
fn a_confirmed_booking_makes_its_travellers_booked_until_it_is_cancelled() {
    let (_dir, mut store) = testing::store();
    let today = context().today();
    let before = crate::journey::of_case(&store, "KGL-2025-000101", today).unwrap();
    booking::save(&mut store, &supervisor(), &context(), &family_booking()).unwrap();
    let booked = crate::journey::of_case(&store, "KGL-2025-000101", today).unwrap();
    assert!(
        booked
            .individuals
            .iter()
            .all(|i| i.step == JourneyStep::Booked)
    );
    booking::cancel(&mut store, &supervisor(), &context(), "BKG-25-0001").unwrap();
    let after = crate::journey::of_case(&store, "KGL-2025-000101", today).unwrap();
    assert_eq!(after, before);
}

#[test]
fn an_abn_is_issued_once_updated_with_its_changes_and_cancelled() {
    let (_dir, mut store) = testing::store();
    let who = supervisor();
    let mut b = family_booking();
    b.travellers[2].ssr = vec![vec![SsrCode::parse("WCHR").unwrap()], vec![]];
    booking::save(&mut store, &who, &context(), &b).unwrap();

    let first = issue(&mut store, &who, &context(), "ABN-25-4410").unwrap();
    assert_eq!(first.versions.len(), 1);
    assert_eq!(first.last().unwrap().kind, AbnVersionKind::Issued);
    assert_eq!(first.last().unwrap().number, 1);
    let same = issue(&mut store, &who, &context(), "ABN-25-4410").unwrap();
    assert_eq!(same.versions.len(), 1, "nothing changed: no new version");

    // A rebooking on later flights, without the youngest member.
    let mut later = context();
    later.now += Duration::hours(1);
    let mut rebooked = b.clone();
    rebooked.booking_ref = BookingRef::parse("BKG-25-0009").unwrap();
    rebooked.replaces = Some(b.booking_ref.clone());
    rebooked.segments[1] = segment(
        ("ET", "656"),
        "ADD",
        "ORD",
        "2026-12-15T09:00",
        "2026-12-15T17:30",
    );
    rebooked.travellers.pop();
    booking::save(&mut store, &who, &later, &rebooked).unwrap();
    let update = issue(&mut store, &who, &later, "ABN-25-4410").unwrap();
    let v2 = update.last().unwrap();
    assert_eq!((v2.number, v2.kind), (2, AbnVersionKind::Updated));
    assert!(v2.changes.contains(&AbnChange::Replaced {
        booking_ref: b.booking_ref.clone(),
        by: rebooked.booking_ref.clone(),
    }));
    assert!(v2.changes.contains(&AbnChange::TravellerRemoved {
        individual_no: "I-0001004".into()
    }));
    let csv = String::from_utf8(abn_csv(&store, &who, v2).unwrap()).unwrap();
    assert!(
        csv.contains("ET,656,ADD,ORD,2026-12-15T09:00,Africa/Addis_Ababa"),
        "{csv}"
    );
    assert!(csv.contains("I-0001003"), "{csv}");
    assert!(csv.contains("WCHR"), "{csv}");
    assert!(!csv.contains("I-0001004"), "{csv}");

    let mut cancelled = later.clone();
    cancelled.now += Duration::hours(1);
    booking::cancel(&mut store, &who, &cancelled, "BKG-25-0009").unwrap();
    let end = issue(&mut store, &who, &cancelled, "ABN-25-4410").unwrap();
    assert_eq!(end.last().unwrap().kind, AbnVersionKind::Cancelled);
    assert_eq!(end.last().unwrap().number, 3);
}

#[test]
fn an_abn_csv_leaves_out_ssr_codes_from_a_role_that_may_not_see_them() {
    let (_dir, mut store) = testing::store();
    let mut b = family_booking();
    b.travellers[0].ssr = vec![vec![SsrCode::parse("WCHR").unwrap()], vec![]];
    booking::save(&mut store, &supervisor(), &context(), &b).unwrap();
    let abn = show(&store, Role::Administrator, "ABN-25-4410").unwrap();
    assert!(
        abn.current[0]
            .travellers
            .iter()
            .all(|t| t.ssr.iter().all(Vec::is_empty))
    );
}

#[test]
fn a_rebooking_that_stops_replacing_gives_the_old_booking_back() {
    let (_dir, mut store) = testing::store();
    let who = supervisor();
    let today = context().today();
    let b = family_booking();
    booking::save(&mut store, &who, &context(), &b).unwrap();
    let mut later = context();
    later.now += Duration::hours(1);
    let mut rebooked = b.clone();
    rebooked.booking_ref = BookingRef::parse("BKG-25-0009").unwrap();
    rebooked.replaces = Some(b.booking_ref.clone());
    rebooked.status = BookingStatus::Proposed;
    booking::save(&mut store, &who, &later, &rebooked).unwrap();

    let old = booking::show(&store, Role::Supervisor, "BKG-25-0001", today).unwrap();
    assert_eq!(old.replaced_by, vec![rebooked.booking_ref.clone()]);
    let journey = crate::journey::of_case(&store, "KGL-2025-000101", today).unwrap();
    assert!(
        journey
            .individuals
            .iter()
            .all(|i| i.step != JourneyStep::Booked),
        "the ticketed booking is replaced and its rebooking only proposed"
    );
    assert_eq!(
        show(&store, Role::Supervisor, "ABN-25-4410")
            .unwrap()
            .current,
        vec![rebooked.clone()]
    );

    later.now += Duration::hours(1);
    rebooked.replaces = None;
    booking::save(&mut store, &who, &later, &rebooked).unwrap();
    let old = booking::show(&store, Role::Supervisor, "BKG-25-0001", today).unwrap();
    assert!(old.replaced_by.is_empty());
    let journey = crate::journey::of_case(&store, "KGL-2025-000101", today).unwrap();
    assert!(
        journey
            .individuals
            .iter()
            .all(|i| i.step == JourneyStep::Booked)
    );
    assert_eq!(
        show(&store, Role::Supervisor, "ABN-25-4410")
            .unwrap()
            .current
            .len(),
        2
    );
}

#[test]
fn an_abn_csv_gives_each_escorts_type_organisation_and_contact_in_their_columns() {
    let (_dir, mut store) = testing::store();
    let mut b = family_booking();
    b.escorts = vec![waypoint_domain::Escort {
        name: "Test Escort".into(),
        kind: waypoint_domain::EscortKind::Operational,
        organisation: Some("Test Health Partner".into()),
        contact: Some("+000 0000 0000".into()),
        accompanies: vec!["I-0001004".into()],
    }];
    booking::save(&mut store, &supervisor(), &context(), &b).unwrap();
    let who = supervisor();
    let abn = issue(&mut store, &who, &context(), "ABN-25-4410").unwrap();
    let csv = String::from_utf8(abn_csv(&store, &who, abn.last().unwrap()).unwrap()).unwrap();
    let mut rows = ::csv::Reader::from_reader(csv.as_bytes());
    let header = rows.headers().unwrap().clone();
    assert_eq!(header.iter().collect::<Vec<_>>(), CSV_COLUMNS);
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let records: Vec<::csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    let escorts: Vec<&::csv::StringRecord> = records
        .iter()
        .filter(|r| &r[column("traveller")] == "ESCORT:Test Escort")
        .collect();
    assert_eq!(escorts.len(), 2, "one row per segment:\n{csv}");
    for r in escorts {
        assert_eq!(
            (
                &r[column("escort_type")],
                &r[column("escort_organisation")],
                &r[column("escort_contact")]
            ),
            ("OPERATIONAL", "Test Health Partner", "+000 0000 0000")
        );
    }
    // A traveller's row leaves them empty.
    let eric = records
        .iter()
        .find(|r| &r[column("traveller")] == "I-0001004")
        .unwrap();
    assert_eq!(&eric[column("escort_organisation")], "");
}

#[test]
fn finding_an_abn_number_opens_it_for_roles_that_may_see_it() {
    let (_dir, mut store) = testing::store();
    let find = |store: &Store, role, q| crate::search::abn_number(store, role, q).unwrap();
    assert_eq!(
        find(&store, Role::Supervisor, "ABN-25-4410"),
        None,
        "no booking yet"
    );
    booking::save(&mut store, &supervisor(), &context(), &family_booking()).unwrap();
    assert_eq!(
        find(&store, Role::FieldAssistant, " abn-25-4410 "),
        Some("ABN-25-4410".into()),
        "typed in lower case, with spaces around"
    );
    assert_eq!(find(&store, Role::Administrator, "ABN-25-4410"), None);
    assert_eq!(
        find(&store, Role::Supervisor, "ABN-25-441"),
        None,
        "exact numbers only"
    );
    assert_eq!(find(&store, Role::Supervisor, "HABIMANA"), None);
}
