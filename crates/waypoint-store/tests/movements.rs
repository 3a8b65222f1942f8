//! Bookings found by what links them (migration 0012): the booking a rebooking replaces and the
//! ABN a booking is notified under, on a real store file, for events stored before the
//! migration as well as after.
#![allow(clippy::unwrap_used)] // a test that cannot set up fails loudly

use chrono::{TimeZone, Utc};
use uuid::Uuid;
use waypoint_domain::{BookingChange, BookingEvent, BookingRef, BookingStatus, FieldEvent};
use waypoint_store::{DB_FILE, Store};

fn test_key() -> waypoint_store::StoreKey {
    waypoint_store::StoreKey::from_bytes([12; 32])
}

fn rebooking(booking_ref: &str, replaces: &str, abn: &str) -> FieldEvent {
    FieldEvent::Booking(BookingEvent {
        id: Uuid::now_v7(),
        booking_ref: BookingRef::parse(booking_ref).unwrap(),
        case_no: "KGL-2025-000101".into(),
        site: "KGL".into(),
        recorded_by: "Test Supervisor".into(),
        at: Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap(),
        changes: vec![
            BookingChange::Status(BookingStatus::Confirmed),
            BookingChange::Replaces(Some(BookingRef::parse(replaces).unwrap())),
            BookingChange::Abn(Some(abn.into())),
        ],
    })
}

#[test]
fn a_store_of_schema_11_finds_its_rebookings_and_abn_bookings_after_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut conn =
            waypoint_store::open_connection(&dir.path().join(DB_FILE), &test_key()).unwrap();
        waypoint_store::migrate_to(&mut conn, 11).unwrap();
        let event = rebooking("BKG-25-0009", "BKG-25-0001", "ABN-25-4410");
        conn.execute(
            "INSERT INTO event (id, kind, case_no, individual_no, at, payload)
             VALUES (?1, 'booking', 'KGL-2025-000101', NULL, '2026-12-01T09:00:00Z', ?2)",
            [
                Uuid::now_v7().to_string(),
                serde_json::to_string(&event).unwrap(),
            ],
        )
        .unwrap();
    }
    let store = Store::open(dir.path(), &test_key()).unwrap();
    let old = BookingRef::parse("BKG-25-0001").unwrap();
    let replacing = store.bookings_replacing(&old).unwrap();
    assert_eq!(replacing.len(), 1);
    assert_eq!(replacing[0].booking_ref.as_str(), "BKG-25-0009");
    let notified = store.bookings_of_abn("ABN-25-4410").unwrap();
    assert_eq!(notified.len(), 1);
    assert!(store.bookings_of_abn("ABN-25-9999").unwrap().is_empty());
    assert!(
        store
            .bookings_replacing(&BookingRef::parse("BKG-25-0009").unwrap())
            .unwrap()
            .is_empty(),
        "a rebooking is not replaced by the booking it replaces"
    );
}
