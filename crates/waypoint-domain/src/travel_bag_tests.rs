use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use uuid::Uuid;

use super::*;
use crate::{
    AirportCode, Carrier, CustodyTransfer, ExitPermitStep, Field, FlightNo, ReceiverCheck, Record,
    RecordLocator, Segment, Traveller,
};

const CASE: &str = "TST-2025-000001";

fn at(minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 5, 2, 9, minute, 0).unwrap()
}

fn member(no: &str, relationship: &str, doc: Option<&str>, ssr: Option<&str>) -> Record {
    let mut r = Record::new();
    for (f, v) in [
        (Field::CaseNo, CASE),
        (Field::IndividualNo, no),
        (Field::Relationship, relationship),
        (Field::FamilyName, "TESTER"),
        (Field::GivenNames, "Example"),
        (Field::Sex, "X"),
        (Field::DateOfBirth, "1980"),
        (Field::Nationality, "COD"),
        (Field::Site, "TST-SITE"),
        (Field::Programme, "USRAP"),
    ] {
        r.set(f, Some(v.into()));
    }
    if let Some(n) = doc {
        r.set(Field::DocumentType, Some("PASSPORT".into()));
        r.set(Field::DocumentNo, Some(n.into()));
        r.set(Field::DocumentExpiry, Some("2030-01-01".into()));
    }
    r.set(Field::SsrCodes, ssr.map(str::to_string));
    r
}

/// Two adults, the second in a wheelchair to her seat (WCHC), and a third member with no
/// passport who does not travel now.
fn family() -> Case {
    Case::from_records(&[
        member("I-1", "PA", Some("P1"), None),
        member("I-2", "SP", Some("P2"), Some("WCHC")),
        member("I-3", "CH", None, None),
    ])
    .unwrap()
}

fn booking(status: BookingStatus, travellers: &[&str], abn: Option<&str>) -> Booking {
    let local = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap();
    Booking {
        booking_ref: BookingRef::parse("BKG-1").unwrap(),
        record_locator: Some(RecordLocator::parse("ABC123").unwrap()),
        status,
        replaces: None,
        abn: abn.map(str::to_string),
        segments: vec![
            Segment::from_local(
                Carrier::parse("ET").unwrap(),
                FlightNo::parse("812").unwrap(),
                AirportCode::parse("KGL").unwrap(),
                AirportCode::parse("ADD").unwrap(),
                local("2025-06-14T14:45"),
                local("2025-06-14T17:55"),
            )
            .unwrap(),
        ],
        travellers: travellers
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

fn into_bag(no: &str, doc: &str, minute: u32) -> FieldEvent {
    FieldEvent::CustodyTransfer(CustodyTransfer {
        id: Uuid::now_v7(),
        individual_no: no.into(),
        document_no: doc.into(),
        from: Custodian::Storage {
            place: "Office safe".into(),
        },
        to: Custodian::TravelBag {
            case_no: CASE.into(),
        },
        location: "desk 1".into(),
        site: "TST-SITE".into(),
        recorded_by: "Test Officer".into(),
        at: at(minute),
    })
}

fn approved(no: &str) -> FieldEvent {
    FieldEvent::ExitPermit(ExitPermitEvent {
        id: Uuid::now_v7(),
        individual_no: no.into(),
        case_no: CASE.into(),
        site: "TST-SITE".into(),
        recorded_by: "Test Officer".into(),
        at: at(1),
        step: ExitPermitStep::Approved {
            on: None,
            reference: "EP-1".into(),
        },
    })
}

fn bag_event(change: BagChange, minute: u32) -> FieldEvent {
    FieldEvent::TravelBag(TravelBagEvent {
        id: Uuid::now_v7(),
        case_no: CASE.into(),
        site: "TST-SITE".into(),
        recorded_by: "Test Assistant".into(),
        at: at(minute),
        change,
    })
}

fn tick(item: &str, minute: u32) -> FieldEvent {
    bag_event(
        BagChange::Ticked {
            item: item.into(),
            note: "MEDIF signed by the clinic".into(),
        },
        minute,
    )
}

fn issued(abn_no: &str) -> AbnState {
    AbnState {
        abn_no: abn_no.into(),
        last: Some((1, AbnVersionKind::Issued)),
        pending: false,
    }
}

fn bag_of(events: &[FieldEvent], bookings: &[Booking], abns: &[AbnState]) -> TravelBag {
    TravelBag::of(&BagFacts {
        case: &family(),
        events,
        bookings,
        abns,
        exit_permit_required: true,
        rules: &TravelBagRules::shipped(),
    })
}

fn state<'a>(bag: &'a TravelBag, id: &str) -> &'a ItemState {
    &bag.item(id)
        .unwrap_or_else(|| panic!("no {id} in {bag:#?}"))
        .state
}

fn ids(bag: &TravelBag) -> Vec<&str> {
    bag.items.iter().map(|i| i.id.as_str()).collect()
}

#[test]
fn the_shipped_list_of_needs_that_call_for_medical_papers_reads() {
    let rules = TravelBagRules::parse(SHIPPED).unwrap();
    for code in ["MEDA", "STCR", "WCHC", "OXYG"] {
        assert!(
            rules
                .medical_papers_for_ssr
                .contains(&SsrCode::parse(code).unwrap()),
            "{code}"
        );
    }
    assert!(
        !rules
            .medical_papers_for_ssr
            .contains(&SsrCode::parse("VGML").unwrap()),
        "a meal needs no paper"
    );
}

#[test]
fn the_bag_lists_what_each_booked_traveller_needs_and_the_abn_of_their_booking() {
    let b = booking(BookingStatus::Ticketed, &["I-1", "I-2"], Some("ABN-1"));
    let bag = bag_of(&[], &[b], &[]);
    assert_eq!(bag.travellers, ["I-1", "I-2"], "I-3 is on no booking");
    assert_eq!(
        ids(&bag),
        [
            "document:I-1",
            "exit-permit:I-1",
            "ticket:I-1",
            "document:I-2",
            "exit-permit:I-2",
            "ticket:I-2",
            "medical:I-2",
            "abn:BKG-1",
        ]
    );
    assert!(!bag.complete());
    assert_eq!(
        state(&bag, "document:I-1"),
        &ItemState::Missing {
            why: MissingWhy::CustodyUnknown
        }
    );
    assert_eq!(
        state(&bag, "ticket:I-1"),
        &ItemState::Known {
            from: KnownFrom::Booking {
                booking_ref: BookingRef::parse("BKG-1").unwrap()
            }
        }
    );
    assert_eq!(
        state(&bag, "abn:BKG-1"),
        &ItemState::Missing {
            why: MissingWhy::AbnNotIssued {
                abn_no: "ABN-1".into()
            }
        }
    );
}

#[test]
fn without_a_booking_the_bag_is_for_every_member_and_says_they_are_not_booked() {
    let bag = bag_of(&[], &[], &[]);
    assert_eq!(bag.travellers, ["I-1", "I-2", "I-3"]);
    assert_eq!(
        state(&bag, "document:I-3"),
        &ItemState::Missing {
            why: MissingWhy::NoDocument
        }
    );
    assert_eq!(
        state(&bag, "ticket:I-1"),
        &ItemState::Missing {
            why: MissingWhy::NotBooked
        }
    );
    assert!(!ids(&bag).iter().any(|i| i.starts_with("abn:")));
}

#[test]
fn a_bag_with_everything_known_or_ticked_by_hand_is_complete() {
    let b = booking(BookingStatus::Ticketed, &["I-1", "I-2"], Some("ABN-1"));
    let mut events = vec![
        into_bag("I-1", "P1", 5),
        into_bag("I-2", "P2", 6),
        approved("I-1"),
        approved("I-2"),
    ];
    let almost = bag_of(&events, std::slice::from_ref(&b), &[issued("ABN-1")]);
    let missing: Vec<&str> = almost.missing().map(|i| i.id.as_str()).collect();
    assert_eq!(
        missing,
        ["medical:I-2"],
        "Waypoint cannot know medical papers"
    );
    events.push(tick("MEDICAL:i-2", 7));
    let bag = bag_of(&events, &[b], &[issued("ABN-1")]);
    assert!(bag.complete(), "{bag:#?}");
    assert!(matches!(
        state(&bag, "medical:I-2"),
        ItemState::TickedByHand { by, .. } if by == "Test Assistant"
    ));
}

#[test]
fn the_last_hand_tick_of_an_item_wins_and_a_tick_never_hides_what_waypoint_knows_is_missing_elsewhere()
 {
    let b = booking(BookingStatus::Confirmed, &["I-2"], None);
    let untick = bag_event(
        BagChange::Unticked {
            item: "medical:I-2".into(),
            note: "the form was for someone else".into(),
        },
        8,
    );
    let bag = bag_of(
        &[tick("medical:I-2", 7), untick],
        std::slice::from_ref(&b),
        &[],
    );
    assert!(bag.item("medical:I-2").unwrap().is_missing());
    let bag = bag_of(&[tick("ticket:I-2", 9)], std::slice::from_ref(&b), &[]);
    assert!(
        matches!(state(&bag, "ticket:I-2"), ItemState::TickedByHand { .. }),
        "a paper ticket seen by hand"
    );
    assert_eq!(
        state(&bag, "abn:BKG-1"),
        &ItemState::Missing {
            why: MissingWhy::NoAbn
        }
    );
}

#[test]
fn a_document_held_elsewhere_an_outdated_or_cancelled_abn_and_a_pending_permit_are_missing() {
    let b = booking(BookingStatus::Ticketed, &["I-1"], Some("ABN-1"));
    let mut to_staff = into_bag("I-1", "P1", 5);
    if let FieldEvent::CustodyTransfer(t) = &mut to_staff {
        t.to = Custodian::Staff {
            name: "R. Clerk".into(),
        };
    }
    let outdated = AbnState {
        pending: true,
        ..issued("ABN-1")
    };
    let bag = bag_of(&[to_staff], std::slice::from_ref(&b), &[outdated]);
    assert!(matches!(
        state(&bag, "document:I-1"),
        ItemState::Missing {
            why: MissingWhy::HeldBy { .. }
        }
    ));
    assert_eq!(
        state(&bag, "exit-permit:I-1"),
        &ItemState::Missing {
            why: MissingWhy::ExitPermit { status: None }
        }
    );
    assert!(matches!(
        state(&bag, "abn:BKG-1"),
        ItemState::Missing {
            why: MissingWhy::AbnOutdated { number: 1, .. }
        }
    ));
    let cancelled = AbnState {
        last: Some((2, AbnVersionKind::Cancelled)),
        ..issued("ABN-1")
    };
    let bag = bag_of(&[], &[b], &[cancelled]);
    assert!(matches!(
        state(&bag, "abn:BKG-1"),
        ItemState::Missing {
            why: MissingWhy::AbnCancelled { .. }
        }
    ));
}

#[test]
fn a_need_on_the_booking_alone_calls_for_papers_too() {
    let mut b = booking(BookingStatus::Ticketed, &["I-1"], None);
    b.travellers[0].ssr = vec![vec![SsrCode::parse("MEDA").unwrap()]];
    let bag = bag_of(&[], &[b], &[]);
    assert_eq!(
        state(&bag, "medical:I-1"),
        &ItemState::Missing {
            why: MissingWhy::MedicalPapers {
                ssr: vec![SsrCode::parse("MEDA").unwrap()]
            }
        }
    );
}

#[test]
fn after_a_handover_the_documents_with_the_receiver_are_still_in_the_bag() {
    let b = booking(BookingStatus::Ticketed, &["I-1"], None);
    let escort = Custodian::Staff {
        name: "E. Escort".into(),
    };
    let mut moved = into_bag("I-1", "P1", 10);
    if let FieldEvent::CustodyTransfer(t) = &mut moved {
        t.from = Custodian::TravelBag {
            case_no: CASE.into(),
        };
        t.to = escort.clone();
    }
    let handover = bag_event(
        BagChange::HandedOver {
            to: escort.clone(),
            check: ReceiverCheck::Verified,
            missing: vec![],
            note: String::new(),
        },
        10,
    );
    let bag = bag_of(&[into_bag("I-1", "P1", 5), moved, handover], &[b], &[]);
    assert_eq!(bag.holder(), Some(&escort));
    assert_eq!(
        state(&bag, "document:I-1"),
        &ItemState::Known {
            from: KnownFrom::Custody { holder: escort }
        }
    );
}

#[test]
fn a_handover_needs_a_verified_receiver_a_person_and_a_reason_when_items_are_missing() {
    let handover = |to: Custodian, check, missing: &[&str], note: &str| TravelBagEvent {
        id: Uuid::now_v7(),
        case_no: CASE.into(),
        site: "TST-SITE".into(),
        recorded_by: "Test Assistant".into(),
        at: at(0),
        change: BagChange::HandedOver {
            to,
            check,
            missing: missing.iter().map(|m| m.to_string()).collect(),
            note: note.into(),
        },
    };
    let staff = Custodian::Staff {
        name: "E. Escort".into(),
    };
    assert!(
        handover(staff.clone(), ReceiverCheck::Verified, &[], "")
            .validate()
            .is_ok()
    );
    let e = handover(staff.clone(), ReceiverCheck::NotVerified, &[], "")
        .validate()
        .unwrap_err();
    assert!(e.to_string().contains("not verified"), "{e}");
    let e = handover(
        staff.clone(),
        ReceiverCheck::Verified,
        &["medical:I-2"],
        " ",
    )
    .validate()
    .unwrap_err();
    assert!(e.to_string().contains("why the bag goes"), "{e}");
    let safe = Custodian::Storage {
        place: "safe".into(),
    };
    assert!(
        handover(safe, ReceiverCheck::Verified, &[], "")
            .validate()
            .is_err()
    );
    assert_eq!(
        ReceiverCheck::parse(" Not-Verified "),
        Ok(ReceiverCheck::NotVerified)
    );
    assert!(ReceiverCheck::parse("maybe").is_err());
}

#[test]
fn a_bag_event_is_a_field_event_of_kind_travel_bag_that_round_trips() {
    let e = tick("medical:I-2", 1);
    let json = serde_json::to_string(&e).unwrap();
    assert!(json.contains("\"type\":\"travel_bag\""), "{json}");
    assert_eq!(serde_json::from_str::<FieldEvent>(&json).unwrap(), e);
    assert!(FieldEvent::KINDS.contains(&e.kind()));
    assert!(e.validate().is_ok());
    let silent = bag_event(
        BagChange::Ticked {
            item: "medical:I-2".into(),
            note: " ".into(),
        },
        1,
    );
    assert!(silent.validate().is_err(), "a tick says what was seen");
}
