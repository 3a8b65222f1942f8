//! Bookings and events of travellers, as the departure site's laptops push them: for the
//! port-of-entry tests.

use chrono::DateTime;
use uuid::Uuid;
use waypoint_domain::{
    AirportCode, BookingChange, BookingEvent, BookingRef, BookingStatus, Carrier, CheckOutcome,
    FieldEvent, FlightNo, IdentityCheck, RecordLocator, Segment, Traveller,
};
use waypoint_protocol::{Change, ChangeBody, Scope};

use super::{NOW, hlc_at};

/// A UUID v7 event id made from `n` (distinct `n`, distinct ids).
pub fn event_id(n: u64) -> String {
    format!("0190a0b0-0000-7000-8000-{n:012}")
}

/// What one case's part of a booking says (every booking-wide field, and its travellers).
pub struct BookingPart<'a> {
    pub booking_ref: &'a str,
    pub case_no: &'a str,
    pub travellers: &'a [&'a str],
    pub status: BookingStatus,
    /// The last segment's destination.
    pub to: &'a str,
    pub arrives_ms: u64,
    /// When the event was recorded (a later one wins).
    pub at_ms: u64,
    pub replaces: Option<&'a str>,
}

pub fn booking_json(id: &str, part: &BookingPart<'_>) -> String {
    let at = |ms: u64| DateTime::from_timestamp_millis(ms as i64).unwrap();
    let segment = Segment {
        carrier: Carrier::parse("ET").unwrap(),
        flight_no: FlightNo::parse("812").unwrap(),
        from: AirportCode::parse("KGL").unwrap(),
        to: AirportCode::parse(part.to).unwrap(),
        departs: at(part.arrives_ms - 10 * 3_600_000),
        arrives: at(part.arrives_ms),
    };
    let event = FieldEvent::Booking(BookingEvent {
        id: id.parse().unwrap(),
        booking_ref: BookingRef::parse(part.booking_ref).unwrap(),
        case_no: part.case_no.into(),
        site: "KGL-TC1".into(),
        recorded_by: "caseworker".into(),
        at: at(part.at_ms),
        changes: vec![
            BookingChange::Status(part.status),
            BookingChange::RecordLocator(Some(RecordLocator::parse("ABC123").unwrap())),
            BookingChange::Replaces(part.replaces.map(|r| BookingRef::parse(r).unwrap())),
            BookingChange::Segments(vec![segment]),
            BookingChange::Travellers(
                part.travellers
                    .iter()
                    .map(|no| Traveller {
                        individual_no: (*no).into(),
                        case_no: part.case_no.into(),
                        ssr: vec![Vec::new()],
                    })
                    .collect(),
            ),
        ],
    });
    serde_json::to_string(&event).unwrap()
}

pub fn booking(client_seq: u64, id: &str, part: &BookingPart<'_>) -> Change {
    event_change(
        client_seq,
        id,
        part.case_no,
        "booking",
        booking_json(id, part),
    )
}

/// A verified identity check of `individual_no` (a check at the airport, or before).
pub fn check_of(client_seq: u64, id: &str, case_no: &str, individual_no: &str) -> Change {
    let event = FieldEvent::IdentityCheck(IdentityCheck {
        id: id.parse().unwrap(),
        individual_no: individual_no.into(),
        document_no: None,
        outcome: CheckOutcome::Verified,
        mismatches: Vec::new(),
        site: "YYZ-POE".into(),
        checked_by: "officer".into(),
        checked_at: DateTime::from_timestamp_millis(NOW as i64).unwrap(),
    });
    let json = serde_json::to_string(&event).unwrap();
    event_change(client_seq, id, case_no, "identity_check", json)
}

pub fn event_change(client_seq: u64, id: &str, case_no: &str, kind: &str, json: String) -> Change {
    Change {
        client_seq,
        hlc: hlc_at(NOW) + client_seq,
        scope: Scope::Event,
        entity: id.into(),
        body: ChangeBody::Event {
            case_no: case_no.into(),
            kind: kind.into(),
            json,
        },
    }
}

/// A fresh v7 id (for tests that make many).
pub fn new_id() -> String {
    Uuid::now_v7().to_string()
}
