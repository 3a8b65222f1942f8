//! The booking commands over a real store holding the sample cases: a booking made from the
//! form, its warnings, an acknowledgement, and the ABN's PDF.

use super::*;
use crate::commands::{status, testing};
use crate::dto::{SegmentRequest, TravellerRequest};
use crate::error::FailureKind;
use waypoint_domain::{BookingStatus, Role};

const CASE: &str = "KGL-2025-000101";

fn segment(flight: &str, from: &str, to: &str, departs: &str, arrives: &str) -> SegmentRequest {
    SegmentRequest {
        carrier: "et".into(),
        flight_no: flight.into(),
        from: from.into(),
        to: to.into(),
        departs_local: departs.into(),
        arrives_local: arrives.into(),
    }
}

/// Kigali to Chicago through Addis Ababa, with 30 minutes to change planes in Addis.
fn request() -> BookingRequest {
    BookingRequest {
        booking_ref: None,
        case_no: CASE.to_lowercase(),
        status: BookingStatus::Confirmed,
        record_locator: Some("qx7k2m".into()),
        abn: Some("ABN-25-4410".into()),
        segments: vec![
            segment("0813", "KGL", "ADD", "2025-12-14T14:45", "2025-12-14T18:50"),
            segment("500", "ADD", "ORD", "2025-12-14T19:20", "2025-12-15T06:30"),
        ],
        travellers: ["I-0001001", "i-0001004"]
            .into_iter()
            .map(|n| TravellerRequest {
                individual_no: n.into(),
                ssr: None,
            })
            .collect(),
        escorts: Vec::new(),
    }
}

#[test]
fn a_booking_from_the_form_keeps_local_times_and_lists_its_warnings() {
    let (_dir, state) = testing::state();
    let before = status::status(&state).unwrap().pending_changes;
    let saved = save_booking(&state, &request()).unwrap();
    assert!(
        saved.booking_ref.starts_with("BKG-"),
        "{}",
        saved.booking_ref
    );
    assert_eq!(saved.record_locator.as_deref(), Some("QX7K2M"));
    let first = &saved.segments[0];
    assert_eq!(
        (first.flight_no.as_str(), first.departs_local.as_str()),
        ("813", "2025-12-14T14:45")
    );
    assert_eq!(first.departs_zone, "Africa/Kigali");
    assert_eq!(first.departs_offset, "+02:00");
    assert_eq!(first.arrives_zone, "Africa/Addis_Ababa");
    assert_eq!(saved.segments[1].arrives_zone, "America/Chicago");
    assert_eq!(saved.segments[1].arrives_offset, "-06:00");
    // The infant's SSR codes start from their special needs, on every segment.
    let infant = saved
        .travellers
        .iter()
        .find(|t| t.individual_no == "I-0001004")
        .unwrap();
    assert_eq!(infant.ssr, vec![vec!["INFT", "BBML"]; 2]);
    assert_eq!(infant.family_name, "HABIMANA");
    let connection = saved
        .warnings
        .iter()
        .find(|w| w.rule == dto::WarningRule::ShortConnection)
        .expect("a 30-minute connection is warned about");
    assert_eq!(
        connection.detail,
        dto::WarningDetail::Connection {
            airport: "ADD".into(),
            minutes: 30,
            minimum: 90
        }
    );
    assert!(connection.acknowledged.is_none());
    assert!(status::status(&state).unwrap().pending_changes > before);
    // The case lists it; saving it again unchanged records nothing.
    let listed = case_bookings(&state, CASE).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].booking_ref, saved.booking_ref);
    let pending = status::status(&state).unwrap().pending_changes;
    let again = BookingRequest {
        booking_ref: Some(saved.booking_ref.clone()),
        ..request()
    };
    save_booking(&state, &again).unwrap();
    assert_eq!(status::status(&state).unwrap().pending_changes, pending);
}

#[test]
fn a_bad_value_or_an_itinerary_that_does_not_chain_is_refused_with_its_code() {
    let (_dir, state) = testing::state();
    let before = status::status(&state).unwrap().pending_changes;
    let mut bad = request();
    bad.segments[0].carrier = "E".into();
    let e = save_booking(&state, &bad).unwrap_err();
    let code = serde_json::to_value(e.code()).unwrap();
    assert_eq!(code["code"], "bad_booking_value", "{code}");
    assert_eq!(code["params"]["problem"]["code"], "bad_carrier", "{code}");
    let mut skipped = request();
    // Kigali has no summer time; Chicago's clocks skip 02:00-03:00 on 8 March 2026.
    skipped.segments[1].arrives_local = "2026-03-08T02:30".into();
    let e = save_booking(&state, &skipped).unwrap_err();
    assert!(e.message().contains("does not exist"), "{}", e.message());
    let mut broken = request();
    broken.segments[1].from = "NBO".into();
    let e = save_booking(&state, &broken).unwrap_err();
    let code = serde_json::to_value(e.code()).unwrap();
    assert_eq!(
        code["params"]["problem"]["problem"], "does_not_chain",
        "{code}"
    );
    let mut stranger = request();
    stranger.travellers[0].individual_no = "I-0001010".into();
    let e = save_booking(&state, &stranger).unwrap_err();
    assert!(e.message().contains("I-0001010"), "{}", e.message());
    assert_eq!(status::status(&state).unwrap().pending_changes, before);
}

#[test]
fn only_a_supervisor_acknowledges_a_warning_and_the_reason_stays_with_it() {
    let (dir, state) = testing::state();
    let saved = save_booking(&state, &request()).unwrap();
    let key = saved
        .warnings
        .iter()
        .find(|w| w.rule == dto::WarningRule::ShortConnection)
        .unwrap()
        .key
        .clone();
    let ack = |reason: &str| AcknowledgeRequest {
        booking_ref: saved.booking_ref.clone(),
        warning: key.clone(),
        reason: reason.into(),
    };
    state
        .store()
        .unwrap()
        .add_local_staff("A. Officer", "Fatou", Role::FieldAssistant)
        .unwrap();
    state.lock(crate::dto::LockReason::Manual);
    drop(state);
    let assistant = testing::signed_in(dir.path(), "Fatou");
    let e = acknowledge_warning(&assistant, &ack("the airline confirmed")).unwrap_err();
    assert_eq!(e.failure_kind(), FailureKind::NotAllowed, "{}", e.message());
    // She still sees the booking and its open warning.
    let seen = booking(&assistant, &saved.booking_ref).unwrap();
    assert!(
        seen.warnings
            .iter()
            .any(|w| w.key == key && w.acknowledged.is_none())
    );
    assistant.lock(crate::dto::LockReason::Manual);
    drop(assistant);
    let supervisor = testing::signed_in(dir.path(), "A. Officer");
    assert!(acknowledge_warning(&supervisor, &ack("  ")).is_err());
    let done =
        acknowledge_warning(&supervisor, &ack("Same terminal in ADD; airline confirmed")).unwrap();
    let line = done.warnings.iter().find(|w| w.key == key).unwrap();
    let a = line.acknowledged.as_ref().unwrap();
    assert_eq!(a.reason, "Same terminal in ADD; airline confirmed");
    assert_eq!(a.recorded_by, "A. Officer");
}

#[test]
fn the_abn_shows_its_bookings_and_its_pdf_is_written_where_the_window_says() {
    let (_dir, state) = testing::state();
    let saved = save_booking(&state, &request()).unwrap();
    let before = abn(&state, "abn-25-4410").unwrap();
    assert!(before.versions.is_empty());
    assert_eq!(before.current[0].booking_ref, saved.booking_ref);
    // The first issue adds the booking and each of its travellers.
    let r = saved.booking_ref.clone();
    assert_eq!(
        before.pending[0],
        AbnChangeLine::BookingAdded { booking_ref: r }
    );
    assert!(before.pending.contains(&AbnChangeLine::TravellerAdded {
        individual_no: "I-0001004".into()
    }));
    let out = tempfile::tempdir().unwrap();
    let request = AbnPdfRequest {
        abn_no: "ABN-25-4410".into(),
        paper: PaperSize::Letter,
        language: PaperLanguage::Fr,
    };
    let written = save_abn_pdf(&state, &request, out.path()).unwrap();
    assert_eq!(written.version, 1);
    assert!(
        written.path.ends_with("ABN-ABN-25-4410-v1.pdf"),
        "{}",
        written.path
    );
    let bytes = std::fs::read(&written.path).unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    assert!(written.abn.pending.is_empty());
    let v1 = &written.abn.versions[0];
    assert_eq!(v1.bookings[0].segments[0].departs_local, "2025-12-14T14:45");
    assert_eq!(v1.bookings[0].travellers.len(), 2);
    // Nothing changed: the same version again, no new one.
    let again = save_abn_pdf(&state, &request, out.path()).unwrap();
    assert_eq!(again.version, 1);
    assert_eq!(again.abn.versions.len(), 1);
}
