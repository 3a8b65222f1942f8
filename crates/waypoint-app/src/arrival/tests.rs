//! The port of entry on a real store holding the sample cases and bookings, and a booking of
//! case 104 on the same Doha–Washington flight as case 105, with a domestic connection on to
//! Chicago.
#![allow(clippy::unwrap_used)]

use chrono::NaiveDate;
use waypoint_domain::{
    Action, ArrivalCheck, BookingRef, BookingStatus, ChecklistItem, IncidentAbout, IncidentKind,
    Role, may,
};
use waypoint_store::{Store, StoreError};

use super::*;
use crate::booking::{SegmentForm, import_bookings};
use crate::journey::{self, JourneyStep};
use crate::{AppError, SignedIn, testing};

const SAMPLE_BOOKINGS: &str = include_str!("../../../../tests/fixtures/sample-bookings.csv");

/// Aline and Kevin (case 104) on QR707 with Gul Bibi and Farid (case 105), then UA1234 to
/// Chicago.
const CONNECTING: &str = "\
booking_ref,record_locator,status,replaces,abn,traveller,escort_type,escorts,segment,carrier,flight_no,from,to,departs,arrives,ssr_codes
BKG-26-0104,K7TZ2Q,TICKETED,,ABN-26-0104,I-0001030,,,1,QR,1350,KGL,DOH,2026-12-16T01:40,2026-12-16T07:10,
BKG-26-0104,K7TZ2Q,TICKETED,,ABN-26-0104,I-0001030,,,2,QR,707,DOH,IAD,2026-12-16T08:35,2026-12-16T15:20,
BKG-26-0104,K7TZ2Q,TICKETED,,ABN-26-0104,I-0001030,,,3,UA,1234,IAD,ORD,2026-12-16T19:00,2026-12-16T20:10,VGML
BKG-26-0104,K7TZ2Q,TICKETED,,ABN-26-0104,I-0001031,,,1,QR,1350,KGL,DOH,2026-12-16T01:40,2026-12-16T07:10,
BKG-26-0104,K7TZ2Q,TICKETED,,ABN-26-0104,I-0001031,,,2,QR,707,DOH,IAD,2026-12-16T08:35,2026-12-16T15:20,
BKG-26-0104,K7TZ2Q,TICKETED,,ABN-26-0104,I-0001031,,,3,UA,1234,IAD,ORD,2026-12-16T19:00,2026-12-16T20:10,
";

const GUL_BIBI_CASE: &str = "KGL-2025-000105";
const ALINE_CASE: &str = "KGL-2025-000104";

fn arrival_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 16).unwrap()
}

fn poe() -> SignedIn {
    SignedIn::new("P. Associate", Role::PoeAssociate)
}

fn with_bookings() -> (tempfile::TempDir, Store) {
    let (dir, mut store) = testing::store();
    let (who, ctx) = (testing::supervisor(), testing::context());
    for (name, file) in [("sample", SAMPLE_BOOKINGS), ("connecting", CONNECTING)] {
        let outcome =
            import_bookings(&mut store, &who, &ctx, name, file.as_bytes(), false).unwrap();
        assert!(outcome.file.is_clean(), "{:?}", outcome.file.problems);
    }
    (dir, store)
}

fn step_of(
    store: &mut Store,
    who: &SignedIn,
    case: &str,
    members: &[&str],
    check: ArrivalCheck,
) -> Result<CaseArrival, AppError> {
    let members: Vec<String> = members.iter().map(|m| m.to_string()).collect();
    record_step(
        store,
        who,
        &testing::context(),
        case,
        &members,
        "iad",
        check,
    )
}

#[test]
fn expected_arrivals_list_the_days_travellers_per_flight_with_what_the_role_may_see() {
    let (_dir, store) = with_bookings();
    let flights = expected(&store, Role::PoeAssociate, " iad ", arrival_day()).unwrap();
    assert_eq!(flights.len(), 1, "QR707 only");
    let qr = &flights[0];
    assert_eq!(qr.flight.flight(), "QR707");
    let nos: Vec<&str> = qr.lines.iter().map(|l| l.individual_no.as_str()).collect();
    assert_eq!(nos, ["I-0001030", "I-0001031", "I-0001040", "I-0001041"]);
    let gul = qr
        .flight
        .travellers
        .iter()
        .position(|t| t.individual_no == "I-0001040")
        .unwrap();
    let codes: Vec<&str> = qr.flight.travellers[gul]
        .ssr
        .iter()
        .map(|c| c.as_str())
        .collect();
    assert!(codes.contains(&"WCHC"), "{codes:?}");
    assert_eq!(
        qr.flight.travellers[gul].escorts.len(),
        1,
        "her medical escort"
    );
    let line = &qr.lines[gul];
    assert_eq!(line.family_name, "AHMADI");
    assert_eq!(line.languages, ["fa", "ps"]);
    assert!(
        line.needs_note.as_deref().unwrap().contains("Oxygen"),
        "POE staff see medical notes"
    );
    assert_eq!(line.checklist.next(), Some(ChecklistItem::MetAtArrival));
    let aline = &qr.flight.travellers[0];
    assert_eq!(aline.onward.len(), 1);
    assert_eq!(aline.onward[0].flight(), "UA1234");

    // Data processing sees SSR codes but not medical notes; administrators neither.
    let dp = expected(&store, Role::DataProcessing, "IAD", arrival_day()).unwrap();
    assert_eq!(dp[0].lines[gul].needs_note, None);
    assert!(!dp[0].flight.travellers[gul].ssr.is_empty());
    let admin = expected(&store, Role::Administrator, "IAD", arrival_day()).unwrap();
    assert!(admin[0].flight.travellers.iter().all(|t| t.ssr.is_empty()));

    // Another day, another airport: nobody. A bad airport code is said so.
    assert!(
        expected(
            &store,
            Role::PoeAssociate,
            "IAD",
            arrival_day().succ_opt().unwrap()
        )
        .unwrap()
        .is_empty()
    );
    assert!(
        expected(&store, Role::PoeAssociate, "ORD", arrival_day())
            .unwrap()
            .len()
            == 1
    );
    let e = expected(&store, Role::PoeAssociate, "XYZ1", arrival_day()).unwrap_err();
    assert!(e.to_string().contains("airport"), "{e}");
}

#[test]
fn each_step_is_an_event_with_who_and_when_and_the_journey_says_arrived_then_at_final_destination()
{
    let (_dir, mut store) = with_bookings();
    let today = testing::context().today();
    let step_before = |store: &Store, no: &str| {
        journey::of_case(store, GUL_BIBI_CASE, today)
            .unwrap()
            .individual(no)
            .unwrap()
            .step
    };
    assert_eq!(step_before(&store, "I-0001040"), JourneyStep::Booked);
    let case = step_of(
        &mut store,
        &poe(),
        GUL_BIBI_CASE,
        &[],
        ArrivalCheck::MetAtArrival,
    )
    .unwrap();
    for list in &case.checklists {
        assert!(list.arrived);
        let met = list.line(ChecklistItem::MetAtArrival).unwrap();
        let by = met.latest.as_ref().unwrap();
        assert_eq!(
            (by.recorded_by.as_str(), by.at),
            ("P. Associate", testing::now())
        );
        assert_eq!(by.airport.as_str(), "IAD");
    }
    assert_eq!(step_before(&store, "I-0001040"), JourneyStep::Arrived);
    let claimed = ArrivalCheck::BaggageClaimed {
        pieces: 2,
        lost: 1,
        pir: Some(" IADQR10234 ".into()),
    };
    let case = step_of(&mut store, &poe(), GUL_BIBI_CASE, &["i-0001040"], claimed).unwrap();
    let bag = case.checklists[0].line(ChecklistItem::Baggage).unwrap();
    assert!(
        matches!(&bag.latest.as_ref().unwrap().check, ArrivalCheck::BaggageClaimed { pir: Some(p), .. } if p == "IADQR10234")
    );
    assert!(
        !case.checklists[1]
            .line(ChecklistItem::Baggage)
            .unwrap()
            .done,
        "only her"
    );
    step_of(
        &mut store,
        &poe(),
        GUL_BIBI_CASE,
        &["I-0001040"],
        ArrivalCheck::HandedOver {
            agency: "Resettlement agency".into(),
        },
    )
    .unwrap();
    assert_eq!(
        step_before(&store, "I-0001040"),
        JourneyStep::AtFinalDestination
    );
    assert_eq!(step_before(&store, "I-0001041"), JourneyStep::Arrived);
    // The step went to the outbox like every event.
    let shown = show(&store, Role::Administrator, GUL_BIBI_CASE).unwrap();
    assert!(shown.checklists[0].at_final_destination);
}

#[test]
fn roles_without_the_right_are_refused_and_steps_without_what_they_need_too() {
    let (_dir, mut store) = with_bookings();
    let before = show(&store, Role::Supervisor, GUL_BIBI_CASE).unwrap();
    for role in Role::ALL.iter().copied() {
        let who = SignedIn::new("someone", role);
        if !may(role, Action::RecordArrival) {
            let e = step_of(
                &mut store,
                &who,
                GUL_BIBI_CASE,
                &[],
                ArrivalCheck::CustomsDone,
            )
            .unwrap_err();
            assert!(
                matches!(e, AppError::Store(StoreError::NotAllowed { .. })),
                "{role}: {e}"
            );
        }
        if !may(role, Action::RecordIncident) {
            let e = record_incident(
                &mut store,
                &who,
                &testing::context(),
                "IAD",
                &IncidentTarget::Travellers {
                    case_no: GUL_BIBI_CASE.into(),
                    members: vec![],
                },
                IncidentKind::NoShow,
                "",
            )
            .unwrap_err();
            assert!(
                matches!(e, AppError::Store(StoreError::NotAllowed { .. })),
                "{role}: {e}"
            );
        }
    }
    let e = step_of(
        &mut store,
        &poe(),
        GUL_BIBI_CASE,
        &["I-0001030"],
        ArrivalCheck::CustomsDone,
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("I-0001030 is not a member of case"),
        "{e}"
    );
    let e = step_of(
        &mut store,
        &poe(),
        GUL_BIBI_CASE,
        &[],
        ArrivalCheck::BaggageClaimed {
            pieces: 1,
            lost: 1,
            pir: Some("  ".into()),
        },
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("property irregularity report"),
        "{e}"
    );
    let e = step_of(&mut store, &poe(), "KGL-1", &[], ArrivalCheck::CustomsDone).unwrap_err();
    assert!(matches!(e, AppError::UnknownCase(_)), "{e}");
    assert_eq!(
        show(&store, Role::Supervisor, GUL_BIBI_CASE).unwrap(),
        before
    );
}

#[test]
fn a_flight_incident_is_filed_once_per_case_on_the_flight_sharing_one_id() {
    let (_dir, mut store) = with_bookings();
    let target = IncidentTarget::Flight {
        flight: "qr 707".into(),
        date: arrival_day(),
    };
    let filed = record_incident(
        &mut store,
        &poe(),
        &testing::context(),
        "IAD",
        &target,
        IncidentKind::MedicalEmergency,
        " Passenger unwell on landing ",
    )
    .unwrap();
    let cases: Vec<&str> = filed.iter().map(|i| i.case_no.as_str()).collect();
    assert_eq!(cases, [ALINE_CASE, GUL_BIBI_CASE]);
    let ids: Vec<_> = filed
        .iter()
        .map(|i| match &i.about {
            IncidentAbout::Flight { incident, .. } => *incident,
            IncidentAbout::Travellers { .. } => panic!("about the flight"),
        })
        .collect();
    assert_eq!(ids[0], ids[1]);
    let seen = show(&store, Role::PoeAssociate, GUL_BIBI_CASE).unwrap();
    assert_eq!(seen.incidents.len(), 1);
    assert_eq!(seen.incidents[0].text, "Passenger unwell on landing");
    let hidden = show(&store, Role::DataProcessing, GUL_BIBI_CASE).unwrap();
    assert_eq!(
        hidden.incidents[0].text, "",
        "the account is medical: hidden as notes are"
    );
    // A flight nobody here is on is said so; a field assistant records a traveller's incident.
    let nobody = IncidentTarget::Flight {
        flight: "QR708".into(),
        date: arrival_day(),
    };
    let e = record_incident(
        &mut store,
        &poe(),
        &testing::context(),
        "IAD",
        &nobody,
        IncidentKind::NoShow,
        "",
    )
    .unwrap_err();
    assert!(e.to_string().contains("nobody on this laptop"), "{e}");
    let fa = SignedIn::new("field", Role::FieldAssistant);
    let one = IncidentTarget::Travellers {
        case_no: ALINE_CASE.into(),
        members: vec!["I-0001031".into()],
    };
    record_incident(
        &mut store,
        &fa,
        &testing::context(),
        "IAD",
        &one,
        IncidentKind::LostBaggage,
        "",
    )
    .unwrap();
    assert_eq!(
        show(&store, Role::PoeAssociate, ALINE_CASE)
            .unwrap()
            .incidents
            .len(),
        2
    );
}

#[test]
fn a_missed_connection_is_rebooked_as_a_booking_replacing_the_missed_one() {
    let (_dir, mut store) = with_bookings();
    let old = BookingRef::parse("BKG-26-0104").unwrap();
    let rebooking = Rebooking {
        booking_ref: "BKG-26-0104".into(),
        segments: vec![SegmentForm {
            carrier: "UA".into(),
            flight_no: "1290".into(),
            from: "IAD".into(),
            to: "ORD".into(),
            departs: "2026-12-16T21:30".into(),
            arrives: "2026-12-16T22:40".into(),
        }],
        record_locator: Some("ua7q2z".into()),
    };
    let field = SignedIn::new("field", Role::FieldAssistant);
    let e = rebook_connection(
        &mut store,
        &field,
        &testing::context(),
        ALINE_CASE,
        "IAD",
        &rebooking,
    )
    .unwrap_err();
    assert!(
        matches!(e, AppError::Store(StoreError::NotAllowed { .. })),
        "{e}"
    );
    // POE staff may not book, but may rebook the connection their arrivals missed.
    assert!(!may(Role::PoeAssociate, Action::Book));
    let (new, case) = rebook_connection(
        &mut store,
        &poe(),
        &testing::context(),
        ALINE_CASE,
        "IAD",
        &rebooking,
    )
    .unwrap();
    assert_eq!(new.replaces.as_ref(), Some(&old));
    assert_eq!(new.status, BookingStatus::Confirmed);
    assert_eq!(
        new.abn.as_deref(),
        Some("ABN-26-0104"),
        "the ABN follows it"
    );
    let flights: Vec<String> = new.segments.iter().map(|s| s.flight()).collect();
    assert_eq!(flights, ["QR1350", "QR707", "UA1290"]);
    let aline = new.traveller("I-0001030").unwrap();
    assert_eq!(
        aline.ssr[2].iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        ["VGML"],
        "her meal on the new flight"
    );
    let replacing: Vec<BookingRef> = store
        .bookings_replacing(&old)
        .unwrap()
        .into_iter()
        .map(|b| b.booking_ref)
        .collect();
    assert_eq!(replacing, std::slice::from_ref(&new.booking_ref));
    let onward = case.checklists[0].line(ChecklistItem::Onward).unwrap();
    assert!(!onward.done);
    assert!(
        matches!(&onward.latest.as_ref().unwrap().check, ArrivalCheck::ConnectionMissed { flight, rebooking: Some(r) } if flight == "UA1234" && *r == new.booking_ref)
    );
    // Expected arrivals read the rebooking, not the booking it replaces: each traveller once.
    let qr = &expected(&store, Role::PoeAssociate, "IAD", arrival_day()).unwrap()[0];
    let aline = qr
        .flight
        .travellers
        .iter()
        .find(|t| t.individual_no == "I-0001030")
        .unwrap();
    assert_eq!(qr.lines.len(), 4);
    assert_eq!(aline.booking_ref, new.booking_ref);
    assert_eq!(aline.onward[0].flight(), "UA1290");
    // Once is enough.
    let e = rebook_connection(
        &mut store,
        &poe(),
        &testing::context(),
        ALINE_CASE,
        "IAD",
        &rebooking,
    )
    .unwrap_err();
    assert!(e.to_string().contains("already rebooked"), "{e}");
}

#[cfg(feature = "pdf")]
#[test]
fn the_hotel_paper_needs_a_hotel_stay_and_is_a_pdf() {
    use waypoint_domain::{Language, Meal};
    let (_dir, mut store) = with_bookings();
    let ctx = testing::context();
    let e = paperwork_pdf(
        &store,
        &poe(),
        &ctx,
        ALINE_CASE,
        PaperworkKind::Hotel,
        Paper::Letter,
        Language::En,
    )
    .unwrap_err();
    assert!(e.to_string().contains("no hotel stay"), "{e}");
    let hotel = ArrivalCheck::Hotel {
        hotel: "Dulles Airport Inn".into(),
        nights: 1,
        meals: vec![Meal::Dinner, Meal::Breakfast],
    };
    step_of(&mut store, &poe(), ALINE_CASE, &[], hotel).unwrap();
    let pdf = paperwork_pdf(
        &store,
        &poe(),
        &ctx,
        ALINE_CASE,
        PaperworkKind::Meals,
        Paper::A4,
        Language::Fr,
    )
    .unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    let field = SignedIn::new("field", Role::FieldAssistant);
    let e = paperwork_pdf(
        &store,
        &field,
        &ctx,
        ALINE_CASE,
        PaperworkKind::Hotel,
        Paper::A4,
        Language::En,
    )
    .unwrap_err();
    assert!(
        matches!(e, AppError::Store(StoreError::NotAllowed { .. })),
        "{e}"
    );
}
