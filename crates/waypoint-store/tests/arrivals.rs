//! The bookings landing at an airport on a day, found through `booking_arrival` (migration
//! 0014), on a real store file: for booking events stored before the migration (its backfill)
//! as after (its trigger), by the airport's local date, the current itinerary only.
#![allow(clippy::unwrap_used)] // a test that cannot set up fails loudly

use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};
use uuid::Uuid;
use waypoint_domain::{
    AirportCode, BookingChange, BookingEvent, BookingRef, BookingStatus, Carrier, FieldEvent,
    FlightNo, RecordLocator, Segment, Traveller, expected_arrivals,
};
use waypoint_store::{DB_FILE, Store};

fn test_key() -> waypoint_store::StoreKey {
    waypoint_store::StoreKey::from_bytes([15; 32])
}

fn code(s: &str) -> AirportCode {
    AirportCode::parse(s).unwrap()
}

fn segment(flight: &str, from: &str, to: &str, departs: &str, arrives: &str) -> Segment {
    let t = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap();
    Segment::from_local(
        Carrier::parse(&flight[..2]).unwrap(),
        FlightNo::parse(&flight[2..]).unwrap(),
        code(from),
        code(to),
        t(departs),
        t(arrives),
    )
    .unwrap()
}

fn booking_event(booking_ref: &str, changes: Vec<BookingChange>) -> FieldEvent {
    FieldEvent::Booking(BookingEvent {
        id: Uuid::now_v7(),
        booking_ref: BookingRef::parse(booking_ref).unwrap(),
        case_no: "KGL-2025-000105".into(),
        site: "KGL".into(),
        recorded_by: "Test Supervisor".into(),
        at: Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap(),
        changes,
    })
}

fn confirmed(booking_ref: &str, segments: Vec<Segment>) -> FieldEvent {
    booking_event(
        booking_ref,
        vec![
            BookingChange::Status(BookingStatus::Confirmed),
            BookingChange::RecordLocator(Some(RecordLocator::parse("ABC123").unwrap())),
            BookingChange::Travellers(vec![Traveller {
                individual_no: "I-0001040".into(),
                case_no: "KGL-2025-000105".into(),
                ssr: vec![Vec::new(); segments.len()],
            }]),
            BookingChange::Segments(segments),
        ],
    )
}

fn insert(conn: &rusqlite::Connection, event: &FieldEvent) {
    conn.execute(
        "INSERT INTO event (id, kind, case_no, individual_no, at, payload)
         VALUES (?1, 'booking', 'KGL-2025-000105', NULL, '2026-12-01T09:00:00Z', ?2)",
        [
            event.id().to_string(),
            serde_json::to_string(event).unwrap(),
        ],
    )
    .unwrap();
}

/// The bookings with travellers landing at `airport` on `day`, its local date: what the store
/// reads (a day either side in UTC), picked exactly by the domain.
fn landing(store: &Store, airport: &str, day: &str) -> Vec<String> {
    let day = NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
    let bookings = store.bookings_landing(code(airport), day).unwrap();
    let mut refs: Vec<String> = expected_arrivals(&bookings, code(airport), day)
        .into_iter()
        .flat_map(|f| f.travellers)
        .map(|t| t.booking_ref.to_string())
        .collect();
    refs.sort();
    refs.dedup();
    refs
}

#[test]
fn bookings_landing_on_a_day_are_found_before_and_after_the_upgrade_and_follow_the_itinerary() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut conn =
            waypoint_store::open_connection(&dir.path().join(DB_FILE), &test_key()).unwrap();
        waypoint_store::migrate_to(&mut conn, 12).unwrap();
        // Stored by the old version: the backfill of 0014 must find it.
        insert(
            &conn,
            &confirmed(
                "BKG-1",
                vec![
                    segment(
                        "QR1350",
                        "KGL",
                        "DOH",
                        "2026-12-16T01:40",
                        "2026-12-16T07:10",
                    ),
                    segment(
                        "QR707",
                        "DOH",
                        "IAD",
                        "2026-12-16T08:35",
                        "2026-12-16T15:20",
                    ),
                ],
            ),
        );
    }
    let store = Store::open(dir.path(), &test_key()).unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        waypoint_store::SCHEMA_VERSION
    );
    assert_eq!(landing(&store, "IAD", "2026-12-16"), ["BKG-1"]);
    assert_eq!(
        landing(&store, "DOH", "2026-12-16"),
        ["BKG-1"],
        "a transit airport"
    );
    assert!(landing(&store, "IAD", "2026-12-18").is_empty());
    let far = NaiveDate::from_ymd_opt(2026, 12, 20).unwrap();
    assert!(
        store.bookings_landing(code("IAD"), far).unwrap().is_empty(),
        "a day far from any landing reads no booking"
    );
    assert!(landing(&store, "ORD", "2026-12-16").is_empty());
    drop(store);

    // Stored after: the trigger finds it (a late evening landing, the next day in UTC).
    let conn = waypoint_store::open_connection(&dir.path().join(DB_FILE), &test_key()).unwrap();
    insert(
        &conn,
        &confirmed(
            "BKG-2",
            vec![segment(
                "QR709",
                "DOH",
                "IAD",
                "2026-12-16T16:00",
                "2026-12-16T23:30",
            )],
        ),
    );
    // The itinerary of BKG-1 changes to the 17th: the 16th no longer lists it.
    insert(
        &conn,
        &booking_event(
            "BKG-1",
            vec![BookingChange::Segments(vec![segment(
                "QR707",
                "DOH",
                "IAD",
                "2026-12-17T08:35",
                "2026-12-17T15:20",
            )])],
        ),
    );
    drop(conn);
    let store = Store::open(dir.path(), &test_key()).unwrap();
    assert_eq!(landing(&store, "IAD", "2026-12-16"), ["BKG-2"]);
    assert_eq!(landing(&store, "IAD", "2026-12-17"), ["BKG-1"]);
}
