//! Manifests, the head count and the items handed, on a real store holding the sample cases
//! and the sample bookings file.
#![allow(clippy::unwrap_used)]

use chrono::{Duration, TimeZone, Utc};
use waypoint_domain::mrz::check_digit;
use waypoint_domain::{Boarding, FieldEvent, NoShowReason, Role};

use super::*;
use crate::booking::import_bookings;
use crate::testing::{self, context, supervisor};

const BOOKINGS: &str = include_str!("../../../../tests/fixtures/sample-bookings.csv");

fn store() -> (tempfile::TempDir, Store) {
    let (dir, mut store) = testing::store();
    let outcome = import_bookings(
        &mut store,
        &supervisor(),
        &context(),
        "b.csv",
        BOOKINGS.as_bytes(),
        false,
    )
    .unwrap();
    assert!(outcome.file.is_clean());
    (dir, store)
}

fn as_role(role: Role) -> SignedIn {
    SignedIn::new("Someone", role)
}

fn form() -> ManifestForm {
    ManifestForm {
        bookings: vec!["BKG-25-0001".into(), "bkg-25-0002".into()],
        individuals: vec![],
        plate: "rad 123 b".into(),
        driver: "Test Driver".into(),
        departs: Utc.with_ymd_and_hms(2026, 12, 14, 6, 0, 0).unwrap(),
    }
}

fn numbers(view: &ManifestView) -> Vec<&str> {
    view.travellers
        .iter()
        .map(|r| r.individual_no.as_str())
        .collect()
}

fn manifest_events(store: &Store) -> Vec<FieldEvent> {
    ["KGL-2025-000101", "KGL-2025-000105", "KGL-2025-000102"]
        .iter()
        .flat_map(|c| store.events_of_case(c).unwrap())
        .map(|e| e.event)
        .filter(|e| matches!(e.kind(), "manifest" | "boarding"))
        .collect()
}

#[test]
fn a_manifest_of_two_bookings_is_one_event_per_case_and_shows_names_documents_and_count() {
    let (_dir, mut store) = store();
    let view = create(&mut store, &supervisor(), &context(), &form()).unwrap();
    assert!(view.id.as_str().starts_with("MAN-20261214-"), "{}", view.id);
    assert_eq!(view.vehicle.plate, "RAD 123 B");
    assert_eq!(
        numbers(&view),
        [
            "I-0001001",
            "I-0001002",
            "I-0001003",
            "I-0001004",
            "I-0001040",
            "I-0001041"
        ]
    );
    assert_eq!((view.count.boarded, view.count.expected), (0, 6));
    assert_eq!(view.missing.len(), 6);
    let gul = view.row("I-0001040").unwrap();
    assert_eq!(gul.family_name, "AHMADI");
    assert_eq!(gul.native_name.as_deref(), Some("احمدی گل بی بی"));
    assert_eq!(gul.document_no.as_deref(), Some("LP-2219087"));
    assert_eq!(gul.booking_ref.as_ref().unwrap().as_str(), "BKG-25-0002");
    let events = manifest_events(&store);
    assert_eq!(events.len(), 2, "one event per case");
    for e in &events {
        let FieldEvent::Manifest(m) = e else {
            panic!("{e:?}")
        };
        assert_eq!(m.manifest_id, view.id);
        assert_eq!(m.site, "KGL-TC1");
    }
    // The same view from a plain read, and in the list of manifests.
    assert_eq!(
        show(&store, Role::Supervisor, view.id.as_str()).unwrap(),
        view
    );
    assert_eq!(list(&store, Role::Supervisor).unwrap(), [view]);
}

fn passport_mrz(number: &str) -> String {
    let cd = |s: &str| char::from(b'0' + check_digit(s));
    let number = format!("{number:<<9}");
    let (dob, expiry, personal) = ("750101", "300101", "<<<<<<<<<<<<<<");
    let composite = format!(
        "{number}{}{dob}{}{expiry}{}{personal}{}",
        cd(&number),
        cd(dob),
        cd(expiry),
        cd(personal)
    );
    format!(
        "{:<<44}\n{number}{}SYR{dob}{}M{expiry}{}{personal}{}{}",
        "P<SYRALHASSAN<<MOHAMMED<ALI",
        cd(&number),
        cd(dob),
        cd(expiry),
        cd(personal),
        cd(&composite)
    )
}

#[test]
fn the_head_count_ticks_by_scan_records_no_shows_and_undoes_and_a_late_traveller_appears() {
    let (_dir, mut store) = store();
    let who = supervisor();
    let view = create(&mut store, &who, &context(), &form()).unwrap();
    let id = view.id.to_string();
    // By document number, typed loosely.
    let first = board(&mut store, &who, &context(), &id, "icrc 7781203").unwrap();
    assert_eq!(first.traveller.individual_no, "I-0001001");
    assert_eq!(first.matched_by, MatchedBy::DocumentNo);
    assert!(!first.already_boarded);
    assert!(matches!(first.traveller.boarding, Boarding::Boarded { .. }));
    assert_eq!(first.manifest.count.boarded, 1);
    // Scanned twice: said so, nothing recorded.
    let before = manifest_events(&store).len();
    let again = board(&mut store, &who, &context(), &id, "I-0001001").unwrap();
    assert!(again.already_boarded);
    assert_eq!(manifest_events(&store).len(), before);
    // A traveller added late (not on either booking) appears, and is found by their MRZ.
    let added = add(
        &mut store,
        &who,
        &context(),
        &id,
        &[],
        &["i-0001010".into()],
    )
    .unwrap();
    assert_eq!(added.count.expected, 7);
    assert_eq!(added.travellers.last().unwrap().individual_no, "I-0001010");
    assert_eq!(added.travellers.last().unwrap().booking_ref, None);
    let scanned = board(&mut store, &who, &context(), &id, &passport_mrz("N0045821")).unwrap();
    assert_eq!(
        (scanned.traveller.individual_no.as_str(), scanned.matched_by),
        ("I-0001010", MatchedBy::Mrz)
    );
    // A no-show, with its reason; then a tick by mistake undone.
    let later = Context::new(None, testing::now() + Duration::minutes(5));
    let v = no_show(
        &mut store,
        &who,
        &later,
        &id,
        "I-0001041",
        "ill",
        "Fever, seen by the clinic",
    )
    .unwrap();
    assert!(matches!(
        v.row("I-0001041").unwrap().boarding,
        Boarding::NoShow {
            reason: NoShowReason::Ill,
            ..
        }
    ));
    board(&mut store, &who, &later, &id, "I-0001002").unwrap();
    let v = undo(
        &mut store,
        &who,
        &Context::new(None, testing::now() + Duration::minutes(6)),
        &id,
        "I-0001002",
    )
    .unwrap();
    assert_eq!(v.row("I-0001002").unwrap().boarding, Boarding::Waiting);
    assert_eq!(
        (v.count.boarded, v.count.expected, v.count.no_shows),
        (2, 7, 1)
    );
    assert_eq!(
        v.missing,
        [
            "I-0001002",
            "I-0001003",
            "I-0001004",
            "I-0001040",
            "I-0001041"
        ]
    );
    // Taken off: no longer expected.
    let v = remove(&mut store, &who, &context(), &id, &["I-0001004".into()]).unwrap();
    assert_eq!(v.count.expected, 6);
    assert!(v.row("I-0001004").is_none());
}

#[test]
fn a_scan_matching_nobody_records_nothing_and_says_so() {
    let (_dir, mut store) = store();
    let who = supervisor();
    let id = create(&mut store, &who, &context(), &form())
        .unwrap()
        .id
        .to_string();
    let before = manifest_events(&store).len();
    // A document on record, but of someone not on this bus.
    let e = board(&mut store, &who, &context(), &id, "N0045821").unwrap_err();
    assert!(e.to_string().contains("nobody on manifest"), "{e}");
    assert!(
        !e.to_string().contains("N0045821"),
        "the scan is not repeated: {e}"
    );
    let e = no_show(&mut store, &who, &context(), &id, "I-0001010", "ILL", "x").unwrap_err();
    assert!(e.to_string().contains("is not on manifest"), "{e}");
    let e = no_show(&mut store, &who, &context(), &id, "I-0001001", "sick", "x").unwrap_err();
    assert!(e.to_string().contains("DID_NOT_COME"), "{e}");
    let e = undo(&mut store, &who, &context(), &id, "I-0001001").unwrap_err();
    assert!(e.to_string().contains("nothing to undo"), "{e}");
    assert_eq!(manifest_events(&store).len(), before);
    let e = show(&store, Role::Supervisor, "MAN-19990101-000000").unwrap_err();
    assert!(e.to_string().contains("no manifest"), "{e}");
}

#[test]
fn roles_make_manifests_and_count_heads_as_the_roles_table_says() {
    let (_dir, mut store) = store();
    let office = as_role(Role::DataProcessing);
    let view = create(&mut store, &office, &context(), &form()).unwrap();
    let id = view.id.to_string();
    // Data processing sees no need to be at the bus door.
    assert!(board(&mut store, &office, &context(), &id, "I-0001001").is_err());
    for role in [Role::PoeAssociate, Role::Administrator] {
        assert!(create(&mut store, &as_role(role), &context(), &form()).is_err());
        assert!(board(&mut store, &as_role(role), &context(), &id, "I-0001001").is_err());
    }
    // Every role reads the manifest; document numbers only where the role sees them.
    let admin = show(&store, Role::Administrator, &id).unwrap();
    assert_eq!(admin.count.expected, 6);
    assert!(
        admin
            .travellers
            .iter()
            .all(|r| r.document_no.is_none() && !r.family_name.is_empty())
    );
    let poe = show(&store, Role::PoeAssociate, &id).unwrap();
    assert!(poe.travellers.iter().all(|r| r.document_no.is_some()));
    let field = as_role(Role::FieldAssistant);
    assert!(board(&mut store, &field, &context(), &id, "I-0001001").is_ok());
    assert!(
        hand_items(
            &mut store,
            &as_role(Role::DataProcessing),
            &context(),
            "I-0001001",
            &["water".into()],
            None
        )
        .is_err()
    );
}

#[test]
fn items_are_handed_from_the_programmes_list_and_read_back() {
    let (_dir, mut store) = store();
    let who = as_role(Role::FieldAssistant);
    let handed = hand_items(
        &mut store,
        &who,
        &context(),
        "i-0001003",
        &["WATER".into(), "food_pack".into()],
        None,
    )
    .unwrap();
    assert_eq!(handed.programme, "USRAP");
    assert_eq!(handed.items, ["food_pack", "water"]);
    let e = hand_items(
        &mut store,
        &who,
        &context(),
        "I-0001003",
        &["cash_grant".into()],
        None,
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("not an item of the USRAP list"),
        "{e}"
    );
    assert_eq!(items_handed(&store, "I-0001003").unwrap(), [handed]);
    assert!(items_handed(&store, "I-0001001").unwrap().is_empty());
    assert!(
        item_list("relocation")
            .unwrap()
            .items
            .iter()
            .any(|i| i.code == "blanket")
    );
}

#[cfg(feature = "pdf")]
#[test]
fn the_manifest_prints_with_its_travellers_and_as_csv() {
    let (_dir, mut store) = store();
    let view = create(&mut store, &supervisor(), &context(), &form()).unwrap();
    let pdf = manifest_pdf(
        &view,
        "A. Officer",
        testing::now(),
        waypoint_print::Paper::A4,
        waypoint_domain::Language::Fr,
    )
    .unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let csv = String::from_utf8(manifest_csv(&view).unwrap()).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], CSV_COLUMNS.join(","));
    assert_eq!(lines.len(), 7);
    assert!(
        lines[5].contains("I-0001040")
            && lines[5].contains("LP-2219087")
            && lines[5].contains("waiting"),
        "{csv}"
    );
}
