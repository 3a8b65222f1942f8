//! The departure notice of the sample's Kigali–Doha booking, on a real store: who departed,
//! who did not and why, its corrections, and the journey it moves to departed.
#![allow(clippy::unwrap_used)]

use chrono::{Duration, TimeZone};
use waypoint_domain::{JourneyStep, may};
use waypoint_store::StoreError;

use super::*;
use crate::testing::{self, context, supervisor};
use crate::travel_bag::tests::booking;

const BOOKING: &str = "BKG-25-0002";
const CASE: &str = "KGL-2025-000105";

fn booked() -> (tempfile::TempDir, Store) {
    let (dir, mut store) = testing::store();
    crate::booking::save(&mut store, &supervisor(), &context(), &booking()).unwrap();
    (dir, store)
}

fn stayed(no: &str, reason: NotDepartedReason, text: &str) -> NotDeparted {
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

fn step(store: &Store, no: &str) -> JourneyStep {
    crate::journey::of_case(store, CASE, context().today())
        .unwrap()
        .individual(no)
        .unwrap()
        .step
}

#[test]
fn a_notice_records_who_departed_and_the_journey_says_departed_for_them_only() {
    let (_dir, mut store) = booked();
    let (who, ctx) = (supervisor(), context());
    assert_eq!(step(&store, "I-0001040"), JourneyStep::Booked);
    let notice = notify(
        &mut store,
        &who,
        &ctx,
        "bkg-25-0002",
        &departures(
            &[" i-0001041 "],
            vec![stayed(
                "I-0001040",
                NotDepartedReason::Medical,
                " Found unfit to fly at the airport ",
            )],
        ),
    )
    .unwrap();
    let v = notice.last().unwrap();
    assert_eq!(v.number, 1);
    assert_eq!(v.issued_by, testing::OFFICER);
    assert_eq!(v.departures.departed, ["I-0001041"]);
    assert_eq!(
        v.departures.not_departed[0].text,
        "Found unfit to fly at the airport"
    );
    assert_eq!(Some(v.flight_left_at), notice.booking.departs());
    assert_eq!(step(&store, "I-0001041"), JourneyStep::Departed);
    assert_eq!(step(&store, "I-0001040"), JourneyStep::Booked);

    // Saying the same again records nothing.
    let again = notify(
        &mut store,
        &who,
        &ctx,
        BOOKING,
        &departures(
            &["I-0001041"],
            vec![stayed(
                "I-0001040",
                NotDepartedReason::Medical,
                "Found unfit to fly at the airport",
            )],
        ),
    )
    .unwrap();
    assert_eq!(again.versions.len(), 1);
}

#[test]
fn a_correction_is_a_new_version_that_says_what_changed_and_the_journey_follows_it() {
    let (_dir, mut store) = booked();
    let (who, ctx) = (supervisor(), context());
    notify(
        &mut store,
        &who,
        &ctx,
        BOOKING,
        &departures(&["I-0001040", "I-0001041"], vec![]),
    )
    .unwrap();
    assert_eq!(step(&store, "I-0001040"), JourneyStep::Departed);
    let later = crate::Context::new(None, ctx.now + Duration::hours(2));
    let notice = notify(
        &mut store,
        &who,
        &later,
        BOOKING,
        &departures(
            &["I-0001041"],
            vec![stayed(
                "I-0001040",
                NotDepartedReason::DeniedBoarding,
                "Offloaded at Kigali: no medical clearance from the airline",
            )],
        ),
    )
    .unwrap();
    assert_eq!(notice.versions.len(), 2);
    let v2 = notice.last().unwrap();
    assert_eq!(v2.number, 2);
    assert_eq!(
        v2.changes,
        [NoticeChange::NoLongerDeparted {
            individual_no: "I-0001040".into()
        }]
    );
    assert_eq!(
        step(&store, "I-0001040"),
        JourneyStep::Booked,
        "the latest version wins"
    );
    assert_eq!(step(&store, "I-0001041"), JourneyStep::Departed);
}

#[test]
fn a_notice_before_the_flight_left_or_that_leaves_someone_out_is_refused() {
    let (_dir, mut store) = booked();
    let who = supervisor();
    let before = crate::Context::new(
        None,
        chrono::Utc
            .with_ymd_and_hms(2025, 11, 23, 12, 0, 0)
            .unwrap(),
    );
    let all = departures(&["I-0001040", "I-0001041"], vec![]);
    let e = notify(&mut store, &who, &before, BOOKING, &all).unwrap_err();
    assert!(e.to_string().contains("once it has left"), "{e}");
    let e = notify(
        &mut store,
        &who,
        &context(),
        BOOKING,
        &departures(&["I-0001040"], vec![]),
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("say whether I-0001041 departed"),
        "{e}"
    );
    let e = notify(
        &mut store,
        &who,
        &context(),
        BOOKING,
        &departures(&["I-0001040", "I-0001041", "I-0001001"], vec![]),
    )
    .unwrap_err();
    assert!(matches!(e, AppError::NotOnBooking { .. }), "{e}");
    let e = notify(
        &mut store,
        &who,
        &context(),
        BOOKING,
        &departures(
            &["I-0001040"],
            vec![stayed("I-0001041", NotDepartedReason::NoShow, "  ")],
        ),
    )
    .unwrap_err();
    assert!(e.to_string().contains("in words"), "{e}");
    for role in Role::ALL
        .iter()
        .copied()
        .filter(|r| !may(*r, Action::NotifyDeparture))
    {
        let e = notify(
            &mut store,
            &SignedIn::new("someone", role),
            &context(),
            BOOKING,
            &all,
        )
        .unwrap_err();
        assert!(
            matches!(e, AppError::Store(StoreError::NotAllowed { .. })),
            "{role}: {e}"
        );
    }
    assert!(
        show(&store, Role::Supervisor, BOOKING)
            .unwrap()
            .versions
            .is_empty()
    );
}

#[test]
fn a_cancelled_booking_has_no_departure() {
    let (_dir, mut store) = booked();
    crate::booking::cancel(&mut store, &supervisor(), &context(), BOOKING).unwrap();
    let e = notify(
        &mut store,
        &supervisor(),
        &context(),
        BOOKING,
        &departures(&["I-0001040", "I-0001041"], vec![]),
    )
    .unwrap_err();
    assert!(e.to_string().contains("is CANCELLED"), "{e}");
}

#[test]
fn the_csv_has_a_row_per_traveller_with_the_reason_and_the_changes_marked() {
    let (_dir, mut store) = booked();
    let (who, ctx) = (supervisor(), context());
    notify(
        &mut store,
        &who,
        &ctx,
        BOOKING,
        &departures(&["I-0001040", "I-0001041"], vec![]),
    )
    .unwrap();
    let notice = notify(
        &mut store,
        &who,
        &crate::Context::new(None, ctx.now + Duration::hours(1)),
        BOOKING,
        &departures(
            &["I-0001041"],
            vec![stayed(
                "I-0001040",
                NotDepartedReason::NoShow,
                "Not at the bus, \"late\"",
            )],
        ),
    )
    .unwrap();
    let csv = notice_csv(&store, &who, &notice, notice.last().unwrap()).unwrap();
    let mut reader = ::csv::Reader::from_reader(csv.as_slice());
    assert_eq!(reader.headers().unwrap(), CSV_COLUMNS.as_slice());
    let rows: Vec<::csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    let col = |name: &str| CSV_COLUMNS.iter().position(|c| *c == name).unwrap();
    let farid = &rows[0];
    assert_eq!(&farid[col("traveller")], "I-0001041");
    assert_eq!(&farid[col("departed")], "yes");
    assert_eq!(&farid[col("flight")], "QR1350");
    assert_eq!(&farid[col("departed_local")], "2025-11-24T01:40");
    assert_eq!(&farid[col("departed_zone")], "Africa/Kigali");
    let gul = &rows[1];
    assert_eq!(&gul[col("family_name")], "AHMADI");
    assert_eq!(&gul[col("departed")], "no");
    assert_eq!(&gul[col("reason")], "no_show");
    assert_eq!(&gul[col("reason_text")], "Not at the bus, \"late\"");
    assert_eq!(&gul[col("changed")], "yes");
    assert_eq!(&gul[col("version")], "2");
}

#[cfg(feature = "pdf")]
#[test]
fn the_pdf_is_a_pdf_in_each_language() {
    let (_dir, mut store) = booked();
    let who = supervisor();
    let notice = notify(
        &mut store,
        &who,
        &context(),
        BOOKING,
        &departures(&["I-0001040", "I-0001041"], vec![]),
    )
    .unwrap();
    for language in waypoint_domain::Language::ALL {
        let pdf = notice_pdf(
            &store,
            &who,
            &notice,
            notice.last().unwrap(),
            crate::abn::Paper::A4,
            language,
        )
        .unwrap();
        assert!(pdf.starts_with(b"%PDF"), "{language}");
    }
}
