//! The store against a real SQLite file in a temporary directory.
#![allow(clippy::unwrap_used)] // a test that cannot set up fails loudly

use chrono::{NaiveDate, TimeZone, Utc};
use uuid::Uuid;
use waypoint_domain::{
    CheckOutcome, Custodian, CustodyTransfer, Field, FieldEvent, IdentityCheck, Record,
};
use waypoint_import::{ImportOptions, parse};
use waypoint_store::{OutboxKind, SCHEMA_VERSION, Store, StoreError};

const SAMPLE: &str = include_str!("../../../tests/fixtures/sample-cases.csv");

/// The key these tests' stores are encrypted with (the product's comes from `waypoint-keys`).
fn test_key() -> waypoint_store::StoreKey {
    waypoint_store::StoreKey::from_bytes([7; 32])
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

fn records(csv: &str) -> Vec<(u64, Record)> {
    let parsed = parse(
        csv.as_bytes(),
        &ImportOptions { today: today() },
        &mut |_, _| {},
    )
    .unwrap();
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    parsed
        .rows
        .into_iter()
        .map(|r| (r.line, r.record))
        .collect()
}

fn import(store: &mut Store, csv: &str) -> waypoint_store::ImportSummary {
    let rows = records(csv);
    store
        .import(rows.iter().map(|(l, r)| (*l, r)), false, &mut |_| {})
        .unwrap()
}

fn export(store: &Store) -> String {
    let mut out = Vec::new();
    store.export(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn fresh() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), &test_key()).unwrap();
    (dir, store)
}

#[test]
fn a_new_store_is_migrated_and_keeps_its_device_id() {
    let dir = tempfile::tempdir().unwrap();
    let id = Store::open(dir.path(), &test_key()).unwrap().device_id();
    let store = Store::open(dir.path(), &test_key()).unwrap();
    assert_eq!(store.device_id(), id);
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    store.integrity_check().unwrap();
}

#[test]
fn a_store_from_a_newer_waypoint_is_refused_not_damaged() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open(dir.path(), &test_key()).unwrap());
    let db = dir.path().join(waypoint_store::DB_FILE);
    waypoint_store::open_connection(&db, &test_key())
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let err = Store::open(dir.path(), &test_key()).unwrap_err();
    assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err}");
    assert!(err.to_string().contains("update Waypoint"));
}

#[test]
fn import_creates_cases_and_individuals_with_one_outbox_entry_each() {
    let (_d, mut store) = fresh();
    let s = import(&mut store, SAMPLE);
    assert_eq!((s.cases.created, s.individuals.created), (5, 10));
    // And one per exit-permit step: every member of the sample has a permit status.
    assert_eq!(s.exit_permit_steps, 10);
    assert_eq!(store.outbox_len().unwrap(), 25);
    let entries = store.outbox(100).unwrap();
    let creates = entries
        .iter()
        .filter(|e| e.kind == OutboxKind::Create)
        .count();
    let events = entries
        .iter()
        .filter(|e| e.kind == OutboxKind::Event)
        .count();
    assert_eq!((creates, events), (15, 10));
    assert!(
        entries
            .windows(2)
            .all(|w| w[0].client_seq < w[1].client_seq && w[0].hlc < w[1].hlc)
    );
    let case = store.case("kgl-2025-000101").unwrap().unwrap();
    assert_eq!(case.case.members.len(), 4);
    assert_eq!(case.case.members[0].relationship.code(), "PA");
}

#[test]
fn reimporting_the_same_file_changes_nothing() {
    let (_d, mut store) = fresh();
    import(&mut store, SAMPLE);
    let before = export(&store);
    let outbox = store.outbox_len().unwrap();
    let s = import(&mut store, SAMPLE);
    assert_eq!((s.individuals.unchanged, s.cases.unchanged), (10, 5));
    assert_eq!(export(&store), before);
    assert_eq!(store.outbox_len().unwrap(), outbox);
}

#[test]
fn a_dry_run_writes_nothing() {
    let (_d, mut store) = fresh();
    let rows = records(SAMPLE);
    let s = store
        .import(rows.iter().map(|(l, r)| (*l, r)), true, &mut |_| {})
        .unwrap();
    assert_eq!(s.individuals.created, 10);
    assert!(s.dry_run);
    assert_eq!(export(&store), "");
    assert_eq!(store.outbox_len().unwrap(), 0);
}

#[test]
fn a_local_edit_goes_through_the_outbox_and_survives_reimport_as_a_clash() {
    let (_d, mut store) = fresh();
    import(&mut store, SAMPLE);
    let before = store.outbox_len().unwrap();
    store
        .set_field("I-0001002", Field::FamilyName, "MUKAMANA-TESTEDIT", today())
        .unwrap();
    assert_eq!(store.outbox_len().unwrap(), before + 1);
    let last = store.outbox(100).unwrap().pop().unwrap();
    assert_eq!(
        (last.kind, last.entity.as_str(), last.field.as_deref()),
        (OutboxKind::Field, "I-0001002", Some("family_name"))
    );

    let s = import(&mut store, SAMPLE);
    assert_eq!(s.clashes.len(), 1, "{:?}", s.clashes);
    let c = &s.clashes[0];
    assert_eq!(
        (c.individual_no.as_str(), c.field),
        ("I-0001002", Field::FamilyName)
    );
    assert_eq!(c.local.as_deref(), Some("MUKAMANA-TESTEDIT"));
    assert_eq!(c.incoming.as_deref(), Some("MUKAMANA"));
    assert_eq!(c.line, 3);
    let kept = store.individual("I-0001002").unwrap().unwrap();
    assert_eq!(kept.get(Field::FamilyName), Some("MUKAMANA-TESTEDIT"));

    // When the source catches up with the edit, the clash is gone and later imports apply again.
    let caught_up = SAMPLE.replace("I-0001002,SP,MUKAMANA", "I-0001002,SP,MUKAMANA-TESTEDIT");
    assert!(import(&mut store, &caught_up).clashes.is_empty());
    let s = import(&mut store, SAMPLE);
    assert!(s.clashes.is_empty());
    assert_eq!(
        store
            .individual("I-0001002")
            .unwrap()
            .unwrap()
            .get(Field::FamilyName),
        Some("MUKAMANA")
    );
}

#[test]
fn edits_are_validated_like_an_import() {
    let (_d, mut store) = fresh();
    import(&mut store, SAMPLE);
    let err = store
        .set_field("I-0001002", Field::DateOfBirth, "1984-13", today())
        .unwrap_err();
    assert!(err.to_string().contains("date_of_birth"), "{err}");
    assert!(matches!(
        store.set_field("I-9", Field::Sex, "F", today()),
        Err(StoreError::UnknownIndividual(_))
    ));
    assert!(matches!(
        store.set_field("I-0001002", Field::IndividualNo, "I-1", today()),
        Err(StoreError::ReadOnlyField(_))
    ));
    assert!(matches!(
        store.set_field("I-0001002", Field::CaseNo, "KGL-NOPE", today()),
        Err(StoreError::UnknownCase(_))
    ));
    let n = store.outbox_len().unwrap();
    let same = store
        .set_field("I-0001002", Field::Sex, "f", today())
        .unwrap();
    assert!(matches!(
        same,
        waypoint_store::EditOutcome::Unchanged { .. }
    ));
    assert_eq!(store.outbox_len().unwrap(), n);
    // A case field edited through a member changes the case for everyone.
    store
        .set_field("I-0001002", Field::Destination, "sea", today())
        .unwrap();
    let case = store.case("KGL-2025-000101").unwrap().unwrap();
    assert_eq!(case.case.destination.unwrap().as_str(), "SEA");
}

fn check(individual_no: &str, outcome: CheckOutcome, at: chrono::DateTime<Utc>) -> FieldEvent {
    FieldEvent::IdentityCheck(IdentityCheck {
        id: Uuid::now_v7(),
        individual_no: individual_no.into(),
        document_no: Some("ICRC-7781203".into()),
        outcome,
        mismatches: vec![],
        site: "KGL-TC1".into(),
        checked_by: "officer.test".into(),
        checked_at: at,
    })
}

fn handover(individual_no: &str, at: chrono::DateTime<Utc>) -> FieldEvent {
    FieldEvent::CustodyTransfer(CustodyTransfer {
        id: Uuid::now_v7(),
        individual_no: individual_no.into(),
        document_no: "ICRC-7781203".into(),
        from: Custodian::Storage {
            place: "safe 1".into(),
        },
        to: Custodian::Individual {
            individual_no: individual_no.into(),
        },
        location: "KGL transit centre".into(),
        site: "KGL-TC1".into(),
        recorded_by: "officer.test".into(),
        at,
    })
}

#[test]
fn a_document_is_handed_over_only_after_an_identity_check_that_day() {
    let (_d, mut store) = fresh();
    import(&mut store, SAMPLE);
    let morning = Utc.with_ymd_and_hms(2026, 11, 25, 8, 0, 0).unwrap();
    let noon = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
    let err = store
        .record_event(&handover("I-0001001", noon))
        .unwrap_err();
    assert!(
        err.to_string().contains("has not passed an identity check"),
        "{err}"
    );
    store
        .record_event(&check(
            "I-0001001",
            CheckOutcome::NotVerified {
                reason: "no photo".into(),
            },
            morning,
        ))
        .unwrap();
    assert!(store.record_event(&handover("I-0001001", noon)).is_err());
    store
        .record_event(&check("I-0001001", CheckOutcome::Verified, morning))
        .unwrap();
    let next_day = Utc.with_ymd_and_hms(2026, 11, 26, 9, 0, 0).unwrap();
    assert!(
        store
            .record_event(&handover("I-0001001", next_day))
            .is_err()
    );
    store.record_event(&handover("I-0001001", noon)).unwrap();
    let case = store.case("KGL-2025-000101").unwrap().unwrap();
    // Besides the exit-permit steps the import carried over.
    let recorded = case
        .events
        .iter()
        .filter(|e| e.kind != "exit_permit")
        .count();
    assert_eq!(recorded, 3);
}

#[test]
fn events_are_recorded_once_and_never_edited() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), &test_key()).unwrap();
    import(&mut store, SAMPLE);
    let e = check("I-0001001", CheckOutcome::Verified, Utc::now());
    store.record_event(&e).unwrap();
    let n = store.outbox_len().unwrap();
    assert!(matches!(
        store.record_event(&e),
        Err(StoreError::DuplicateEvent(_))
    ));
    assert_eq!(store.outbox_len().unwrap(), n);
    assert!(matches!(
        store.record_event(&check("I-404", CheckOutcome::Verified, Utc::now())),
        Err(StoreError::UnknownIndividual(_))
    ));
    let conn =
        waypoint_store::open_connection(&dir.path().join(waypoint_store::DB_FILE), &test_key())
            .unwrap();
    let err = conn
        .execute("UPDATE event SET payload = '{}'", [])
        .unwrap_err();
    assert!(err.to_string().contains("never edited"), "{err}");
}

#[test]
fn two_stores_with_the_same_data_export_byte_identical_dumps() {
    let (_a, mut a) = fresh();
    let (_b, mut b) = fresh();
    assert_ne!(a.device_id(), b.device_id());
    import(&mut a, SAMPLE);
    // b gets the rows in another order.
    let mut lines: Vec<&str> = SAMPLE.lines().collect();
    lines[1..].reverse();
    import(&mut b, &(lines.join("\n") + "\n"));
    let dump = export(&a);
    assert_eq!(dump, export(&b));
    assert_eq!(
        dump.lines()
            .filter(|l| l.contains("\"type\":\"individual\""))
            .count(),
        10
    );
    assert!(!dump.contains(&a.device_id().to_string()));
    for line in dump.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v.get("type").is_some());
    }
}

#[test]
fn search_finds_people_and_follows_edits() {
    let (_d, mut store) = fresh();
    import(&mut store, SAMPLE);
    let hits = store.search("habimna", 10).unwrap();
    assert!(hits.iter().any(|h| h.family_name == "HABIMANA"), "{hits:?}");
    let hits = store.search("muhamad", 10).unwrap();
    assert_eq!(
        hits.first().map(|h| h.individual_no.as_str()),
        Some("I-0001010")
    );
    assert_eq!(
        store.search("ICRC-7781204", 10).unwrap()[0].individual_no,
        "I-0001002"
    );
    store
        .set_field("I-0001031", Field::GivenNames, "Kevinoquatre", today())
        .unwrap();
    assert_eq!(
        store.search("kevinoquatre", 10).unwrap()[0].individual_no,
        "I-0001031"
    );
}
