//! The window's booking form over a real store holding the sample cases: what it keeps of a
//! booking that spans two cases, and where the SSR codes come from.
#![allow(clippy::unwrap_used)]

use waypoint_domain::{BookingRef, BookingStatus, Traveller};

use super::*;
use crate::testing::{self, context, supervisor};

fn segment(carrier: &str, no: &str, from: &str, to: &str, dep: &str, arr: &str) -> SegmentForm {
    SegmentForm {
        carrier: carrier.into(),
        flight_no: no.into(),
        from: from.into(),
        to: to.into(),
        departs: dep.into(),
        arrives: arr.into(),
    }
}

fn form(booking_ref: Option<&str>, travellers: &[&str]) -> BookingForm {
    BookingForm {
        booking_ref: booking_ref.map(str::to_owned),
        case_no: "kgl-2025-000101".into(),
        status: BookingStatus::Confirmed,
        record_locator: Some("QX7K2M".into()),
        abn: Some("abn-25-4410".into()),
        segments: vec![
            segment(
                "ET",
                "813",
                "KGL",
                "ADD",
                "2025-12-14T14:45",
                "2025-12-14T18:50",
            ),
            segment(
                "ET",
                "500",
                "ADD",
                "ORD",
                "2025-12-14 21:30",
                "2025-12-15T06:30",
            ),
        ],
        travellers: travellers
            .iter()
            .map(|n| TravellerForm {
                individual_no: (*n).into(),
                ssr: None,
            })
            .collect(),
        escorts: Vec::new(),
    }
}

fn codes(list: &[&str]) -> Vec<SsrCode> {
    list.iter().map(|c| SsrCode::parse(c).unwrap()).collect()
}

#[test]
fn a_new_booking_gets_a_reference_and_each_travellers_needs_on_every_segment() {
    let (_dir, mut store) = testing::store();
    let view = save_form(
        &mut store,
        &supervisor(),
        &context(),
        &form(None, &["I-0001001", "i-0001004"]),
    )
    .unwrap();
    let b = &view.booking;
    assert!(
        b.booking_ref.as_str().starts_with("BKG-251125-"),
        "{}",
        b.booking_ref
    );
    assert_eq!(b.abn.as_deref(), Some("ABN-25-4410"));
    assert_eq!(
        b.segments[1].departs_local().at.to_string(),
        "2025-12-14 21:30:00"
    );
    assert_eq!(b.traveller("I-0001001").unwrap().ssr, vec![Vec::new(); 2]);
    assert_eq!(
        b.traveller("I-0001004").unwrap().ssr,
        vec![codes(&["INFT", "BBML"]); 2]
    );
    // Two bookings made the same second are two bookings.
    let other = save_form(
        &mut store,
        &supervisor(),
        &context(),
        &form(None, &["I-0001002"]),
    )
    .unwrap();
    assert_ne!(other.booking.booking_ref, b.booking_ref);
}

#[test]
fn a_change_from_one_case_keeps_the_other_cases_travellers_and_the_adjusted_ssr_codes() {
    let (_dir, mut store) = testing::store();
    let who = supervisor();
    let made = save_form(&mut store, &who, &context(), &form(None, &["I-0001001"])).unwrap();
    let mut booking = made.booking.clone();
    // Another case's traveller joins, and I-0001001 gets WCHR on the first flight only.
    booking.travellers[0].ssr = vec![codes(&["WCHR"]), Vec::new()];
    booking.travellers.push(Traveller {
        individual_no: "I-0001010".into(),
        case_no: "KGL-2025-000102".into(),
        ssr: vec![codes(&["WCHS"]); 2],
    });
    booking.check().unwrap();
    save(&mut store, &who, &context(), &booking).unwrap();
    let r = booking.booking_ref.to_string();
    let changed = save_form(
        &mut store,
        &who,
        &context(),
        &form(Some(&r), &["I-0001001", "I-0001002"]),
    )
    .unwrap();
    let b = &changed.booking;
    assert_eq!(
        b.traveller("I-0001010").unwrap().ssr,
        vec![codes(&["WCHS"]); 2]
    );
    assert_eq!(
        b.traveller("I-0001001").unwrap().ssr,
        vec![codes(&["WCHR"]), Vec::new()]
    );
    assert!(b.traveller("I-0001002").is_some());
    // A person of another case is not offered on this case's form.
    let e = save_form(
        &mut store,
        &who,
        &context(),
        &form(Some(&r), &["I-0001010"]),
    )
    .unwrap_err();
    assert!(
        matches!(e, AppError::UnknownIndividual(ref n) if n == "I-0001010"),
        "{e}"
    );
    let unknown = save_form(
        &mut store,
        &who,
        &context(),
        &form(Some("BKG-NOPE"), &["I-0001001"]),
    )
    .unwrap_err();
    assert!(matches!(unknown, AppError::UnknownBooking(_)), "{unknown}");
    assert_eq!(BookingRef::parse(&r).unwrap(), b.booking_ref);
}

#[test]
fn a_bad_value_names_its_problem_and_a_role_that_may_not_book_is_refused() {
    let (_dir, mut store) = testing::store();
    let mut bad = form(None, &["I-0001001"]);
    bad.segments[0].departs = "14/12/2025 14:45".into();
    let e = save_form(&mut store, &supervisor(), &context(), &bad).unwrap_err();
    assert!(
        matches!(e, AppError::BookingValue(ValueProblem::BadLocalTime { .. })),
        "{e}"
    );
    bad = form(None, &["I-0001001"]);
    bad.segments[1].to = "XXX".into();
    let e = save_form(&mut store, &supervisor(), &context(), &bad).unwrap_err();
    assert!(
        matches!(
            e,
            AppError::BookingValue(ValueProblem::UnknownAirport { .. })
        ),
        "{e}"
    );
    let poe = SignedIn::new("P. Associate", waypoint_domain::Role::PoeAssociate);
    let e = save_form(&mut store, &poe, &context(), &form(None, &["I-0001001"])).unwrap_err();
    assert!(e.to_string().contains("may not"), "{e}");
}
