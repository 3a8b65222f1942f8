//! The travel bag of the sample's wheelchair traveller and her escort, on a real store: what
//! Waypoint ticks from custody, permits, the booking and the ABN; what is ticked by hand; the
//! handover under the custody rules.
#![allow(clippy::unwrap_used)]

use chrono::NaiveDateTime;
use waypoint_domain::{
    AirportCode, Booking, BookingRef, BookingStatus, Carrier, Custodian, FlightNo, RecordLocator,
    Role, Segment, Traveller, may,
};
use waypoint_store::StoreError;

use super::*;
use crate::custody::{Transfer, record_transfer};
use crate::testing::{self, context, supervisor};

const CASE: &str = "KGL-2025-000105";
const GUL: &str = "I-0001040";
const FARID: &str = "I-0001041";

/// Kigali to Doha, ticketed, under ABN-25-4411.
pub(crate) fn booking() -> Booking {
    let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap();
    Booking {
        booking_ref: BookingRef::parse("BKG-25-0002").unwrap(),
        record_locator: Some(RecordLocator::parse("R4TZ8P").unwrap()),
        status: BookingStatus::Ticketed,
        replaces: None,
        abn: Some("ABN-25-4411".into()),
        segments: vec![
            Segment::from_local(
                Carrier::parse("QR").unwrap(),
                FlightNo::parse("1350").unwrap(),
                AirportCode::parse("KGL").unwrap(),
                AirportCode::parse("DOH").unwrap(),
                at("2025-11-24T01:40"),
                at("2025-11-24T07:10"),
            )
            .unwrap(),
        ],
        travellers: [GUL, FARID]
            .iter()
            .map(|n| Traveller {
                individual_no: (*n).into(),
                case_no: CASE.into(),
                ssr: vec![vec![]],
            })
            .collect(),
        escorts: vec![],
    }
}

fn into_bag(store: &mut Store, individual_no: &str, document_no: &str) {
    record_transfer(
        store,
        &supervisor(),
        &context(),
        &Transfer {
            individual_no: individual_no.into(),
            document_no: document_no.into(),
            from: Custodian::Storage {
                place: "Office safe".into(),
            },
            to: Custodian::TravelBag {
                case_no: CASE.into(),
            },
            location: "Transit centre".into(),
        },
    )
    .unwrap();
}

fn missing(bag: &TravelBag) -> Vec<&str> {
    bag.missing().map(|i| i.id.as_str()).collect()
}

fn staff(name: &str) -> Custodian {
    Custodian::Staff { name: name.into() }
}

fn handover(to: Custodian, check: ReceiverCheck, note: &str) -> Handover {
    Handover {
        to,
        check,
        location: Some("KGL airport, check-in".into()),
        note: note.into(),
    }
}

/// The booking saved, the documents in the bag and the ABN issued: only the medical papers
/// are left, which Waypoint cannot know.
fn packed() -> (tempfile::TempDir, Store) {
    let (dir, mut store) = testing::store();
    crate::booking::save(&mut store, &supervisor(), &context(), &booking()).unwrap();
    into_bag(&mut store, GUL, "LP-2219087");
    into_bag(&mut store, FARID, "LP-2219088");
    crate::abn::issue(&mut store, &supervisor(), &context(), "ABN-25-4411").unwrap();
    (dir, store)
}

#[test]
fn a_booked_case_s_bag_lists_each_traveller_s_papers_and_what_is_missing() {
    let (_dir, mut store) = testing::store();
    crate::booking::save(&mut store, &supervisor(), &context(), &booking()).unwrap();
    let bag = show(&store, Role::Supervisor, " kgl-2025-000105 ").unwrap();
    assert_eq!(bag.case_no, CASE);
    assert_eq!(bag.travellers, [GUL, FARID]);
    assert!(!bag.complete());
    assert_eq!(
        missing(&bag),
        [
            "document:I-0001040",
            "medical:I-0001040",
            "document:I-0001041",
            "abn:BKG-25-0002",
        ],
        "permits approved and tickets issued are known; her WCHC, MEDA and OXYG call for papers"
    );
}

#[test]
fn documents_in_the_bag_the_abn_issued_and_papers_ticked_by_hand_complete_it() {
    let (_dir, mut store) = packed();
    assert_eq!(
        missing(&show(&store, Role::Supervisor, CASE).unwrap()),
        ["medical:I-0001040"]
    );
    let bag = tick(
        &mut store,
        &supervisor(),
        &context(),
        CASE,
        "Medical:i-0001040",
        true,
        " MEDIF signed by the clinic ",
    )
    .unwrap();
    assert!(bag.complete(), "{bag:#?}");
    match &bag.item("medical:I-0001040").unwrap().state {
        ItemState::TickedByHand { by, note, .. } => {
            assert_eq!(by, testing::OFFICER);
            assert_eq!(note, "MEDIF signed by the clinic");
        }
        other => panic!("{other:?}"),
    }
    let bag = tick(
        &mut store,
        &supervisor(),
        &context(),
        CASE,
        "medical:I-0001040",
        false,
        "wrong form",
    )
    .unwrap();
    assert_eq!(missing(&bag), ["medical:I-0001040"], "the tick taken back");
}

#[test]
fn a_tick_of_no_such_item_lists_the_items_and_a_role_without_the_right_is_refused() {
    let (_dir, mut store) = packed();
    let e = tick(
        &mut store,
        &supervisor(),
        &context(),
        CASE,
        "medical:I-0001041",
        true,
        "x",
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("no item 'medical:I-0001041'")
            && e.to_string().contains("medical:I-0001040"),
        "{e}"
    );
    for role in Role::ALL
        .iter()
        .copied()
        .filter(|r| !may(*r, Action::HandleTravelBag))
    {
        let e = tick(
            &mut store,
            &SignedIn::new("someone", role),
            &context(),
            CASE,
            "medical:I-0001040",
            true,
            "seen",
        )
        .unwrap_err();
        assert!(
            matches!(e, AppError::Store(StoreError::NotAllowed { .. })),
            "{role}: {e}"
        );
    }
    assert!(
        !show(&store, Role::Supervisor, CASE).unwrap().complete(),
        "nothing recorded"
    );
}

#[test]
fn an_incomplete_bag_or_an_unverified_receiver_is_not_handed_over() {
    let (_dir, mut store) = packed();
    let (who, ctx) = (supervisor(), context());
    let escort = staff("E. Escort");
    let e = hand_over(
        &mut store,
        &who,
        &ctx,
        CASE,
        &handover(escort.clone(), ReceiverCheck::Verified, ""),
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("not complete (missing: medical:I-0001040)"),
        "{e}"
    );
    let e = hand_over(
        &mut store,
        &who,
        &ctx,
        CASE,
        &handover(escort, ReceiverCheck::NotVerified, "papers to follow"),
    )
    .unwrap_err();
    assert!(e.to_string().contains("not verified"), "{e}");
    assert!(
        show(&store, Role::Supervisor, CASE)
            .unwrap()
            .handovers
            .is_empty()
    );
}

#[test]
fn a_handover_moves_the_bag_s_documents_to_the_receiver_in_the_same_transaction() {
    let (_dir, mut store) = packed();
    let (who, ctx) = (supervisor(), context());
    let escort = staff("E. Escort");
    let bag = hand_over(
        &mut store,
        &who,
        &ctx,
        CASE,
        &handover(
            escort.clone(),
            ReceiverCheck::Verified,
            "MEDIF faxed to the airline",
        ),
    )
    .unwrap();
    assert_eq!(bag.holder(), Some(&escort));
    assert_eq!(missing(&bag), ["medical:I-0001040"], "still said missing");
    match &bag.handovers[0].change {
        waypoint_domain::BagChange::HandedOver { missing, note, .. } => {
            assert_eq!(missing, &["medical:I-0001040"]);
            assert_eq!(note, "MEDIF faxed to the airline");
        }
        other => panic!("{other:?}"),
    }
    let documents = crate::custody::documents(&store, &who, CASE).unwrap();
    for d in &documents {
        assert_eq!(d.current(), Some(&escort), "{d:?}");
        assert_eq!(d.location(), Some("KGL airport, check-in"));
    }
    let e = hand_over(
        &mut store,
        &who,
        &ctx,
        CASE,
        &handover(escort, ReceiverCheck::Verified, "again"),
    )
    .unwrap_err();
    assert!(e.to_string().contains("already with"), "{e}");
}

#[test]
fn a_bag_handed_to_a_member_of_the_case_needs_their_identity_check_here_today() {
    let (_dir, mut store) = packed();
    let farid = Custodian::Individual {
        individual_no: FARID.into(),
    };
    let e = hand_over(
        &mut store,
        &supervisor(),
        &context(),
        CASE,
        &handover(farid, ReceiverCheck::Verified, "he carries the papers"),
    )
    .unwrap_err();
    assert!(e.to_string().contains("identity check"), "{e}");
    let bag = show(&store, Role::Supervisor, CASE).unwrap();
    assert!(bag.handovers.is_empty(), "all or nothing");
    let documents = crate::custody::documents(&store, &supervisor(), CASE).unwrap();
    assert!(
        documents
            .iter()
            .all(|d| matches!(d.current(), Some(Custodian::TravelBag { .. })))
    );
}

#[test]
fn a_role_that_may_not_see_ssr_codes_reads_that_papers_are_needed_but_not_for_which_codes() {
    let (_dir, store) = packed();
    let codes = |role: Role| match &show(&store, role, CASE)
        .unwrap()
        .item("medical:I-0001040")
        .unwrap()
        .state
    {
        ItemState::Missing {
            why: MissingWhy::MedicalPapers { ssr },
        } => ssr.iter().map(ToString::to_string).collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    assert_eq!(codes(Role::FieldAssistant), ["MEDA", "OXYG", "WCHC"]);
    assert!(codes(Role::Administrator).is_empty());
}
