use chrono::{DateTime, Duration, TimeZone, Utc};
use uuid::Uuid;

use super::*;
use crate::mrz::check_digit;
use crate::{Action, BookingRef, FieldEvent, Role, may};

fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 14, 5, 0, 0).unwrap() + Duration::minutes(minutes)
}

fn id() -> ManifestId {
    ManifestId::parse("MAN-20261214-ABC123").unwrap()
}

fn bus() -> Vehicle {
    Vehicle {
        plate: "RAD 123 B".into(),
        driver: "Test Driver".into(),
        departs: at(60),
    }
}

fn put_on(minute: i64, case_no: &str, booking: &str, numbers: &[&str]) -> ManifestEvent {
    ManifestEvent {
        id: Uuid::now_v7(),
        manifest_id: id(),
        case_no: case_no.into(),
        site: "KGL-TC1".into(),
        recorded_by: "assistant".into(),
        at: at(minute),
        vehicle: bus(),
        change: ManifestChange::PutOn {
            travellers: numbers
                .iter()
                .map(|n| ManifestTraveller {
                    individual_no: (*n).into(),
                    booking_ref: Some(BookingRef::parse(booking).unwrap()),
                })
                .collect(),
        },
    }
}

fn taken_off(minute: i64, case_no: &str, numbers: &[&str]) -> ManifestEvent {
    ManifestEvent {
        change: ManifestChange::TakenOff {
            individual_nos: numbers.iter().map(|n| (*n).into()).collect(),
        },
        ..put_on(minute, case_no, "BKG-1", &["X"])
    }
}

fn mark(minute: i64, individual_no: &str, mark: BoardingMark) -> BoardingEvent {
    BoardingEvent {
        id: Uuid::now_v7(),
        manifest_id: id(),
        case_no: "C-1".into(),
        individual_no: individual_no.into(),
        site: "KGL-TC1".into(),
        recorded_by: "assistant".into(),
        at: at(minute),
        mark,
    }
}

fn no_show(minute: i64, individual_no: &str) -> BoardingEvent {
    mark(
        minute,
        individual_no,
        BoardingMark::NoShow {
            reason: NoShowReason::Ill,
            text: "Fever this morning, seen by the clinic".into(),
        },
    )
}

/// Two bookings (two cases) on one bus.
fn two_bookings() -> Vec<ManifestEvent> {
    vec![
        put_on(0, "C-1", "BKG-1", &["I-1", "I-2", "I-3"]),
        put_on(1, "C-2", "BKG-2", &["I-4"]),
    ]
}

fn numbers(lines: &[&ManifestLine]) -> Vec<String> {
    lines.iter().map(|l| l.individual_no.clone()).collect()
}

#[test]
fn a_manifest_holds_the_travellers_of_several_bookings_in_the_order_they_were_put_on() {
    let m = Manifest::from_events(&id(), &two_bookings(), &[]).unwrap();
    assert_eq!(m.vehicle, bus());
    let order: Vec<&str> = m
        .travellers
        .iter()
        .map(|l| l.individual_no.as_str())
        .collect();
    assert_eq!(order, ["I-1", "I-2", "I-3", "I-4"]);
    assert_eq!(m.travellers[3].case_no, "C-2");
    assert_eq!(
        m.travellers[3].booking_ref.as_ref().map(BookingRef::as_str),
        Some("BKG-2")
    );
    assert_eq!(m.case_nos(), ["C-1", "C-2"]);
    assert_eq!(
        m.count(),
        HeadCount {
            boarded: 0,
            expected: 4,
            no_shows: 0
        }
    );
    assert_eq!(numbers(&m.missing()), ["I-1", "I-2", "I-3", "I-4"]);
    assert!(
        Manifest::from_events(
            &ManifestId::parse("MAN-OTHER").unwrap(),
            &two_bookings(),
            &[]
        )
        .is_none()
    );
}

#[test]
fn the_count_and_the_missing_follow_every_tick_no_show_and_undo() {
    let marks = vec![
        mark(10, "I-1", BoardingMark::Boarded),
        mark(11, "I-2", BoardingMark::Boarded),
        no_show(12, "I-4"),
        // I-2 was ticked by mistake: undone, awaited again.
        mark(13, "I-2", BoardingMark::Undo),
    ];
    let m = Manifest::from_events(&id(), &two_bookings(), &marks).unwrap();
    assert_eq!(
        m.count(),
        HeadCount {
            boarded: 1,
            expected: 4,
            no_shows: 1
        }
    );
    assert_eq!(numbers(&m.missing()), ["I-2", "I-3", "I-4"]);
    assert!(matches!(
        m.line("I-4").unwrap().boarding,
        Boarding::NoShow {
            reason: NoShowReason::Ill,
            ..
        }
    ));
    assert!(
        matches!(m.line("I-1").unwrap().boarding, Boarding::Boarded { ref by, .. } if by == "assistant")
    );
    assert_eq!(m.line("I-2").unwrap().boarding, Boarding::Waiting);
}

#[test]
fn every_laptop_folds_the_same_manifest_whatever_order_the_events_arrived_in() {
    let mut events = two_bookings();
    events.push(put_on(20, "C-3", "BKG-3", &["I-9"]));
    events.push(taken_off(21, "C-1", &["I-3"]));
    let mut marks = vec![
        mark(10, "I-1", BoardingMark::Boarded),
        no_show(11, "I-1"),
        mark(12, "I-4", BoardingMark::Boarded),
    ];
    let first = Manifest::from_events(&id(), &events, &marks).unwrap();
    events.reverse();
    marks.reverse();
    assert_eq!(
        Manifest::from_events(&id(), &events, &marks).unwrap(),
        first
    );
    // The later mark wins: I-1 was ticked, then recorded as a no-show.
    assert!(matches!(
        first.line("I-1").unwrap().boarding,
        Boarding::NoShow { .. }
    ));
}

#[test]
fn a_traveller_added_late_appears_on_the_manifest_and_one_taken_off_leaves_the_count() {
    let mut events = two_bookings();
    events.push(put_on(30, "C-5", "BKG-5", &["I-50"]));
    events.push(taken_off(31, "C-1", &["I-3"]));
    let marks = vec![mark(32, "I-3", BoardingMark::Boarded)];
    let m = Manifest::from_events(&id(), &events, &marks).unwrap();
    let order: Vec<&str> = m
        .travellers
        .iter()
        .map(|l| l.individual_no.as_str())
        .collect();
    assert_eq!(order, ["I-1", "I-2", "I-4", "I-50"]);
    // A tick of someone no longer on the manifest counts for nothing.
    assert_eq!(m.count().boarded, 0);
    assert_eq!(m.count().expected, 4);
    assert_eq!(
        m.require_line("I-3"),
        Err(DepartureProblem::NotOnManifest {
            manifest_id: id().to_string(),
            individual_no: "I-3".into()
        })
    );
}

#[test]
fn manifest_numbers_are_made_from_the_day_and_the_event_and_read_in_any_case() {
    let made = ManifestId::new(at(0), Uuid::now_v7());
    assert!(made.as_str().starts_with("MAN-20261214-"), "{made}");
    assert_eq!(made.as_str().len(), "MAN-20261214-".len() + 6);
    assert_eq!(
        ManifestId::parse(&format!(" {} ", made.as_str().to_lowercase())),
        Ok(made)
    );
    for bad in ["", "MAN-", "BUS-1", "MAN-1 2", "MAN-<x>"] {
        assert!(ManifestId::parse(bad).is_err(), "{bad}");
    }
    let e = ManifestId::parse("BUS-1").unwrap_err();
    assert!(e.to_string().contains("MAN-"), "{e}");
}

#[test]
fn departure_events_are_field_events_of_their_own_kinds_checked_by_their_rules() {
    let events = [
        FieldEvent::Manifest(put_on(0, "C-1", "BKG-1", &["I-1"])),
        FieldEvent::Boarding(no_show(1, "I-1")),
        FieldEvent::ItemsHanded(ItemsHanded {
            id: Uuid::now_v7(),
            case_no: "C-1".into(),
            individual_no: "I-1".into(),
            programme: "USRAP".into(),
            items: vec!["food_pack".into(), "water".into()],
            site: "KGL-TC1".into(),
            recorded_by: "assistant".into(),
            at: at(2),
        }),
    ];
    for (e, kind) in events.iter().zip(["manifest", "boarding", "items_handed"]) {
        let json = serde_json::to_string(e).unwrap();
        assert!(json.contains(&format!("\"type\":\"{kind}\"")), "{json}");
        assert_eq!(&serde_json::from_str::<FieldEvent>(&json).unwrap(), e);
        assert_eq!(e.kind(), kind);
        assert!(FieldEvent::KINDS.contains(&kind));
        assert_eq!(e.validate(), Ok(()));
    }
    assert_eq!(events[0].individual_no(), None);
    assert_eq!(events[1].individual_no(), Some("I-1"));
    assert_eq!(events[2].individual_no(), Some("I-1"));
}

#[test]
fn incomplete_departure_events_are_refused() {
    let silent = mark(
        0,
        "I-1",
        BoardingMark::NoShow {
            reason: NoShowReason::Other,
            text: "  ".into(),
        },
    );
    assert!(silent.validate().is_err(), "a no-show says what happened");
    let mut nobody = put_on(0, "C-1", "BKG-1", &[]);
    assert!(
        nobody.validate().is_err(),
        "a manifest event puts someone on"
    );
    nobody = put_on(0, "C-1", "BKG-1", &["I-1", "I-1"]);
    assert!(nobody.validate().is_err(), "each traveller once");
    let mut no_plate = put_on(0, "C-1", "BKG-1", &["I-1"]);
    no_plate.vehicle.plate = " ".into();
    assert!(no_plate.validate().is_err(), "the bus has a plate");
    let mut no_driver = put_on(0, "C-1", "BKG-1", &["I-1"]);
    no_driver.vehicle.driver = String::new();
    assert!(no_driver.validate().is_err(), "the bus has a driver");
    let nothing = ItemsHanded {
        id: Uuid::now_v7(),
        case_no: "C-1".into(),
        individual_no: "I-1".into(),
        programme: "USRAP".into(),
        items: vec![],
        site: "KGL-TC1".into(),
        recorded_by: "assistant".into(),
        at: at(0),
    };
    assert!(nothing.validate().is_err(), "something was handed");
}

#[test]
fn no_show_reasons_are_read_from_their_codes_and_a_wrong_one_lists_them() {
    assert_eq!(NoShowReason::parse("ill"), Ok(NoShowReason::Ill));
    assert_eq!(
        NoShowReason::parse("family-emergency"),
        Ok(NoShowReason::FamilyEmergency)
    );
    for r in NoShowReason::ALL {
        assert_eq!(NoShowReason::parse(r.code()), Ok(*r));
    }
    let e = NoShowReason::parse("sick").unwrap_err();
    assert!(e.to_string().contains("DID_NOT_COME"), "{e}");
}

// ---- the head count's lookup

fn documents() -> Vec<(String, String)> {
    [
        ("I-1", "ICRC-7781203"),
        ("I-2", "N0045821"),
        ("I-3", "LP-2219087"),
        ("I-4", "LP-2219087"),
        // Someone not on the manifest.
        ("I-77", "P7777777"),
    ]
    .iter()
    .map(|(n, d)| ((*n).into(), (*d).into()))
    .collect()
}

/// A passport's zone (TD3) for `number`, every check digit computed, or the number's broken.
fn passport_mrz(number: &str, honest: bool) -> String {
    let cd = |s: &str| char::from(b'0' + check_digit(s));
    let number = format!("{number:<<9}");
    let mut number_cd = cd(&number);
    if !honest {
        number_cd = if number_cd == '0' { '1' } else { '0' };
    }
    let (dob, expiry, personal) = ("840312", "310101", "<<<<<<<<<<<<<<");
    let composite = format!(
        "{number}{number_cd}{dob}{}{expiry}{}{personal}{}",
        cd(dob),
        cd(expiry),
        cd(personal)
    );
    let line2 = format!(
        "{number}{number_cd}SYR{dob}{}M{expiry}{}{personal}{}{}",
        cd(dob),
        cd(expiry),
        cd(personal),
        cd(&composite)
    );
    let line1 = format!("{:<<44}", "P<SYRNOTREAL<<TEST");
    assert_eq!((line1.len(), line2.len()), (44, 44));
    format!("{line1}\n{line2}")
}

#[test]
fn typing_an_individual_or_document_number_finds_the_traveller_ignoring_case_and_dashes() {
    let m = Manifest::from_events(&id(), &two_bookings(), &[]).unwrap();
    let found = find_on_manifest(&m, "i-2", &documents()).unwrap();
    assert_eq!(
        (found.line.individual_no.as_str(), found.by),
        ("I-2", MatchedBy::IndividualNo)
    );
    let found = find_on_manifest(&m, " icrc 7781203 ", &documents()).unwrap();
    assert_eq!(
        (found.line.individual_no.as_str(), found.by),
        ("I-1", MatchedBy::DocumentNo)
    );
    let found = find_on_manifest(&m, "N0045821", &documents()).unwrap();
    assert_eq!(found.line.individual_no, "I-2");
}

#[test]
fn scanning_a_passports_mrz_finds_the_traveller_by_its_document_number() {
    let m = Manifest::from_events(&id(), &two_bookings(), &[]).unwrap();
    let found = find_on_manifest(&m, &passport_mrz("N0045821", true), &documents()).unwrap();
    assert_eq!(
        (found.line.individual_no.as_str(), found.by),
        ("I-2", MatchedBy::Mrz)
    );
    // A scanner that types the zone as one line of 88 characters.
    let one_line = passport_mrz("N0045821", true).replace('\n', "");
    assert_eq!(
        find_on_manifest(&m, &one_line, &documents())
            .unwrap()
            .line
            .individual_no,
        "I-2"
    );
    // A misread number is not guessed at.
    let misread = find_on_manifest(&m, &passport_mrz("N0045821", false), &documents()).unwrap_err();
    assert!(matches!(misread, DepartureProblem::Mrz(_)), "{misread}");
    let torn = find_on_manifest(&m, "P<SYRNOTREAL<<TEST", &documents()).unwrap_err();
    assert!(matches!(torn, DepartureProblem::Mrz(_)), "{torn}");
}

#[test]
fn a_scan_that_finds_nobody_or_two_travellers_says_so_and_ticks_no_one() {
    let m = Manifest::from_events(&id(), &two_bookings(), &[]).unwrap();
    assert_eq!(
        find_on_manifest(&m, "P7777777", &documents()),
        Err(DepartureProblem::NoMatch {
            manifest_id: id().to_string()
        }),
        "someone with a document, but not on this bus"
    );
    let both = find_on_manifest(&m, "LP-2219087", &documents()).unwrap_err();
    assert_eq!(
        both,
        DepartureProblem::SeveralMatch {
            manifest_id: id().to_string(),
            individual_nos: vec!["I-3".into(), "I-4".into()]
        }
    );
    assert!(both.to_string().contains("I-3, I-4"), "{both}");
    assert_eq!(
        find_on_manifest(&m, " ", &documents()),
        Err(DepartureProblem::EmptyScan)
    );
    assert_eq!(
        find_on_manifest(&m, "--", &documents()),
        Err(DepartureProblem::EmptyScan)
    );
}

// ---- essential items

#[test]
fn every_programme_with_an_sop_checklist_has_an_item_list_worded_in_three_languages() {
    let lists = ItemLists::parse(items_shipped()).expect("data/essential-items");
    for checklist in crate::Checklists::shipped().all() {
        let list = lists
            .get(&checklist.programme)
            .expect("a list per programme");
        assert!(!list.items.is_empty());
        for item in &list.items {
            for label in [&item.label.en, &item.label.fr, &item.label.es] {
                assert!(!label.trim().is_empty(), "{} {}", list.programme, item.code);
            }
        }
    }
    assert_eq!(
        ItemLists::shipped().programmes().count(),
        lists.programmes().count()
    );
}

fn items_shipped() -> &'static [(&'static str, &'static str)] {
    super::items::SHIPPED
}

#[test]
fn items_are_checked_against_the_programmes_list() {
    let lists = ItemLists::shipped();
    let usrap = lists.get("usrap").unwrap();
    assert_eq!(
        usrap.check(&["WATER".into(), "food_pack".into(), "water".into()]),
        Ok(vec!["food_pack".to_string(), "water".to_string()]),
        "in the list's order, each once"
    );
    let e = usrap.check(&["cash_grant".into()]).unwrap_err();
    assert!(
        e.to_string().contains("cash_grant") && e.to_string().contains("USRAP"),
        "{e}"
    );
    assert_eq!(
        lists.get("NOPE").unwrap_err(),
        DepartureProblem::NoItemList("NOPE".into())
    );
    let twice = r#"{"programme":"X","name":{"en":"x","fr":"x","es":"x"},"items":[
        {"code":"a","label":{"en":"a","fr":"a","es":"a"}},
        {"code":"a","label":{"en":"a","fr":"a","es":"a"}}]}"#;
    assert!(
        ItemLists::parse(&[("X.json", twice)])
            .unwrap_err()
            .contains("twice")
    );
}

#[test]
fn manifests_are_made_by_field_office_and_supervisors_and_heads_counted_at_the_bus_door() {
    for role in Role::ALL {
        assert_eq!(
            may(*role, Action::MakeManifest),
            matches!(
                role,
                Role::FieldAssistant | Role::DataProcessing | Role::Supervisor
            ),
            "{role} manifest"
        );
        assert_eq!(
            may(*role, Action::CountHeads),
            matches!(role, Role::FieldAssistant | Role::Supervisor),
            "{role} head count"
        );
    }
}
