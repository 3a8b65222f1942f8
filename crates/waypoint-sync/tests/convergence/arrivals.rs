//! The port-of-entry scope end to end (docs/poe-scope.md): two real laptops and the real
//! server API. The departure site books one member of a case to Toronto; the Toronto airport's
//! laptop receives that traveller and not the member who stays, and the check it records at
//! the gate reaches the departure site's laptop.

use waypoint_domain::{
    AirportCode, BookingChange, BookingEvent, BookingRef, BookingStatus, Carrier, FlightNo,
    RecordLocator, Segment, Traveller,
};

use super::*;

const CASE: &str = "TST-A-000000";

fn booking_to_toronto(individual_no: &str) -> FieldEvent {
    let now = chrono::Utc::now();
    FieldEvent::Booking(BookingEvent {
        id: uuid::Uuid::now_v7(),
        booking_ref: BookingRef::parse("BKG-26-0001").unwrap(),
        case_no: CASE.into(),
        site: "TST-SITEA".into(),
        recorded_by: "caseworker".into(),
        at: now,
        changes: vec![
            BookingChange::Status(BookingStatus::Confirmed),
            BookingChange::RecordLocator(Some(RecordLocator::parse("ABC123").unwrap())),
            BookingChange::Segments(vec![Segment {
                carrier: Carrier::parse("ET").unwrap(),
                flight_no: FlightNo::parse("812").unwrap(),
                from: AirportCode::parse("KGL").unwrap(),
                to: AirportCode::parse("YYZ").unwrap(),
                departs: now + chrono::Duration::hours(20),
                arrives: now + chrono::Duration::hours(36),
            }]),
            BookingChange::Travellers(vec![Traveller {
                individual_no: individual_no.into(),
                case_no: CASE.into(),
                ssr: vec![Vec::new()],
            }]),
        ],
    })
}

#[test]
fn a_port_of_entry_laptop_holds_the_booked_traveller_only_and_its_check_reaches_the_departure_site()
{
    let hq = Hq::new();
    let now = waypoint_server::wall_clock_ms();
    hq.rt
        .block_on(admin::add_site(
            hq.store.as_ref(),
            "TST-POE",
            "Arrivals",
            now,
        ))
        .unwrap();
    hq.rt
        .block_on(admin::set_site_airport(
            hq.store.as_ref(),
            "TST-POE",
            "YYZ",
            now,
        ))
        .unwrap();
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let mut home = Store::open(dirs[0].path(), &test_key()).unwrap();
    let mut poe = Store::open(dirs[1].path(), &test_key()).unwrap();
    let (link_home, link_poe) = (
        Link::new(&hq, "TST-SITEA", "laptop-a"),
        Link::new(&hq, "TST-POE", "poe-laptop"),
    );
    // One case of two members (persons 0 and 1).
    import(&mut home, &site_csv("TST-SITEA", 0, 2));
    waypoint_sync::sync_with(&mut home, &link_home, &mut |_| {}).unwrap();
    waypoint_sync::sync_with(&mut poe, &link_poe, &mut |_| {}).unwrap();
    assert!(
        poe.individual(&person_no(0)).unwrap().is_none(),
        "nobody is booked yet"
    );

    let (traveller, stays) = (person_no(0), person_no(1));
    home.record_event(&booking_to_toronto(&traveller)).unwrap();
    waypoint_sync::sync_with(&mut home, &link_home, &mut |_| {}).unwrap();
    waypoint_sync::sync_with(&mut poe, &link_poe, &mut |_| {}).unwrap();
    assert_eq!(
        poe.individual(&traveller).unwrap(),
        home.individual(&traveller).unwrap(),
        "the traveller, as the departure site holds them"
    );
    assert!(
        poe.individual(&stays).unwrap().is_none(),
        "not the member who stays"
    );

    // At the gate: an identity check of the traveller, recorded on the airport's laptop.
    let check = FieldEvent::IdentityCheck(IdentityCheck {
        id: uuid::Uuid::now_v7(),
        individual_no: traveller.clone(),
        document_no: None,
        outcome: CheckOutcome::Verified,
        mismatches: Vec::new(),
        site: "TST-POE".into(),
        checked_by: "officer".into(),
        checked_at: chrono::Utc::now(),
    });
    poe.record_event(&check).unwrap();
    let report = waypoint_sync::sync_with(&mut poe, &link_poe, &mut |_| {}).unwrap();
    assert!(report.refused.is_empty(), "{report:?}");
    waypoint_sync::sync_with(&mut home, &link_home, &mut |_| {}).unwrap();
    let at_home: Vec<uuid::Uuid> = home
        .events_of_case(CASE)
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert!(
        at_home.contains(&check.id()),
        "the departure site receives the check"
    );
}
