//! The record's exit-permit columns carried into steps, on real store files: the import writes
//! one step per member with a value and none twice; a store made before steps were events
//! (its fields only) migrates into steps once, through the outbox.
#![allow(clippy::unwrap_used)] // a test that cannot set up fails loudly

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use waypoint_domain::{
    ExitPermitEvent, ExitPermitStatus, ExitPermitStep, Field, FieldEvent, Record, exit_permit_state,
};
use waypoint_import::{ImportOptions, parse};
use waypoint_store::{OutboxKind, Store, StoreError};

const SAMPLE: &str = include_str!("../../../tests/fixtures/sample-cases.csv");
const CASES: [&str; 5] = [
    "KGL-2025-000101",
    "KGL-2025-000102",
    "KGL-2025-000103",
    "KGL-2025-000104",
    "KGL-2025-000105",
];

fn test_key() -> waypoint_store::StoreKey {
    waypoint_store::StoreKey::from_bytes([7; 32])
}

fn records(csv: &str) -> Vec<(u64, Record)> {
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let parsed = parse(csv.as_bytes(), &ImportOptions { today }, &mut |_, _| {}).unwrap();
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

/// Every exit-permit step stored, by individual.
fn steps(store: &Store) -> BTreeMap<String, Vec<ExitPermitEvent>> {
    let mut steps: BTreeMap<String, Vec<ExitPermitEvent>> = BTreeMap::new();
    for case in CASES {
        for e in store.case(case).unwrap().unwrap().events {
            if let FieldEvent::ExitPermit(p) = e.event {
                steps.entry(p.individual_no.clone()).or_default().push(p);
            }
        }
    }
    steps
}

/// The sample's members and the permit status their row gives.
fn sample_statuses() -> BTreeMap<String, ExitPermitStatus> {
    records(SAMPLE)
        .into_iter()
        .filter_map(|(_, r)| {
            let status = ExitPermitStatus::parse(r.get(Field::ExitPermit)?).unwrap();
            Some((r.individual_no().to_string(), status))
        })
        .collect()
}

#[test]
fn an_import_gives_each_member_with_a_permit_one_step_and_a_re_import_none() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), &test_key()).unwrap();
    let summary = import(&mut store, SAMPLE);
    let expected = sample_statuses();
    assert!(!expected.is_empty());
    assert_eq!(summary.exit_permit_steps, expected.len() as u64);
    let stored = steps(&store);
    assert_eq!(stored.len(), expected.len());
    for (no, status) in &expected {
        let history = &stored[no];
        assert_eq!(history.len(), 1, "{no}");
        assert_eq!(history[0].step.status(), *status, "{no}");
        assert_eq!(history[0].step.on(), None, "{no}: the file gives no day");
    }
    // The denial's words came over whole.
    assert!(matches!(
        &stored["I-0001030"][0].step,
        ExitPermitStep::Denied { text, .. } if text.contains("pending court case")
    ));
    // Each step is in the outbox, to be synced.
    let events_pending = store
        .outbox(10_000)
        .unwrap()
        .iter()
        .filter(|e| e.kind == OutboxKind::Event)
        .count();
    assert_eq!(events_pending, expected.len());

    let again = import(&mut store, SAMPLE);
    assert_eq!(again.exit_permit_steps, 0);
    assert_eq!(steps(&store), stored);

    // A changed value is a new fact: a new step, now the current one.
    let changed = SAMPLE.replace(",ELDERLY;MEDICAL,REQUESTED,", ",ELDERLY;MEDICAL,APPROVED,");
    assert_ne!(changed, SAMPLE);
    let summary = import(&mut store, &changed);
    assert_eq!(summary.exit_permit_steps, 1);
    let history = &steps(&store)["I-0001010"];
    assert_eq!(history.len(), 2);
    let state = exit_permit_state("I-0001010", history);
    assert_eq!(state.status(), Some(ExitPermitStatus::Approved));
    // And the same file once more, nothing.
    assert_eq!(import(&mut store, &changed).exit_permit_steps, 0);
}

#[test]
fn a_dry_run_writes_no_step() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), &test_key()).unwrap();
    let rows = records(SAMPLE);
    let summary = store
        .import(rows.iter().map(|(l, r)| (*l, r)), true, &mut |_| {})
        .unwrap();
    assert_eq!(summary.exit_permit_steps, sample_statuses().len() as u64);
    assert!(store.case(CASES[0]).unwrap().is_none());
    assert_eq!(store.outbox_len().unwrap(), 0);
}

/// Turns the store in `dir` into what the version before steps were events left: the fields
/// only, no exit-permit step, schema 9 (no record of data migrations).
fn as_the_old_version_left_it(dir: &Path) {
    let db = dir.join(waypoint_store::DB_FILE);
    let conn = waypoint_store::open_connection(&db, &test_key()).unwrap();
    conn.execute_batch(
        "BEGIN;
         DELETE FROM outbox WHERE kind = 'event'
             AND entity IN (SELECT id FROM event WHERE kind = 'exit_permit');
         DELETE FROM event WHERE kind = 'exit_permit';
         DROP TABLE data_migration;
         DROP INDEX event_by_booking;
         DROP INDEX acknowledgement_by_booking;
         DROP INDEX abn_version_by_abn;
         DROP TRIGGER booking_link_of_event;
         DROP TABLE booking_link;
         DROP INDEX manifest_event_by_manifest;
         DROP INDEX boarding_by_manifest;
         DROP TRIGGER booking_arrival_of_event;
         DROP TABLE booking_arrival;
         PRAGMA user_version = 9;
         COMMIT;",
    )
    .unwrap();
}

#[test]
fn a_store_with_the_fields_only_migrates_them_into_steps_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), &test_key()).unwrap();
    import(&mut store, SAMPLE);
    let imported = steps(&store);
    drop(store);
    as_the_old_version_left_it(dir.path());
    let old =
        waypoint_store::open_connection(&dir.path().join(waypoint_store::DB_FILE), &test_key())
            .unwrap();
    let left: i64 = old
        .query_row(
            "SELECT count(*) FROM event WHERE kind = 'exit_permit'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0, "the old store has no step");
    drop(old);

    let store = Store::open(dir.path(), &test_key()).unwrap();
    let migrated = steps(&store);
    let expected = sample_statuses();
    assert_eq!(migrated.len(), expected.len());
    for (no, status) in &expected {
        let history = &migrated[no];
        assert_eq!(history.len(), 1, "{no}");
        let step = &history[0];
        assert_eq!(step.step.status(), *status, "{no}");
        // The same fact as the import's, with the same id: one event for everyone.
        assert_eq!(step.id, imported[no][0].id, "{no}");
        assert_eq!(step.step, imported[no][0].step, "{no}");
        assert_eq!(step.validate(), Ok(()));
    }
    let pending = store
        .outbox(10_000)
        .unwrap()
        .iter()
        .filter(|e| e.kind == OutboxKind::Event)
        .count();
    assert_eq!(pending, expected.len(), "the steps are in the outbox");
    assert!(store.verify_audit().unwrap().is_intact());
    drop(store);

    // Once: the next open writes nothing, even where a step is missing again.
    let store = Store::open(dir.path(), &test_key()).unwrap();
    assert_eq!(steps(&store), migrated);
    assert_eq!(
        store
            .outbox(10_000)
            .unwrap()
            .iter()
            .filter(|e| e.kind == OutboxKind::Event)
            .count(),
        expected.len()
    );
}

#[test]
fn the_old_fields_are_not_edited_any_more() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), &test_key()).unwrap();
    import(&mut store, SAMPLE);
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    for field in [Field::ExitPermit, Field::ExitPermitDenialReason] {
        let e = store
            .set_field("I-0001010", field, "APPROVED", today)
            .unwrap_err();
        assert!(
            matches!(e, StoreError::RecordedAsSteps(f) if f == field),
            "{e}"
        );
    }
    assert_eq!(
        store
            .individual("I-0001010")
            .unwrap()
            .unwrap()
            .get(Field::ExitPermit),
        Some("REQUESTED")
    );
}
