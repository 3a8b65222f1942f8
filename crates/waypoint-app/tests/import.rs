//! Importing a case-import CSV through the application layer: the reading and saving threads,
//! all or nothing, and a report that holds nothing the role may not see. Real SQLite files.
#![allow(clippy::unwrap_used)] // a test that cannot set up fails loudly

use chrono::{TimeZone, Utc};
use waypoint_app::import::{ImportMode, ImportProgress, NOT_SHOWN, import_csv};
use waypoint_app::{AppError, Context};
use waypoint_domain::{Field, Role};
use waypoint_store::{Store, StoreError, StoreKey};

const SAMPLE: &str = include_str!("../../../tests/fixtures/sample-cases.csv");

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), &StoreKey::from_bytes([7; 32])).unwrap();
    (dir, store)
}

fn ctx() -> Context {
    Context::new(None, Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap())
}

fn import(
    store: &mut Store,
    role: Role,
    csv: &str,
    mode: ImportMode,
) -> Result<waypoint_app::import::ImportReport, AppError> {
    import_csv(
        store,
        role,
        &ctx(),
        "cases.csv",
        csv.as_bytes(),
        mode,
        &mut |_| {},
    )
}

/// The sample with one bad value (an unknown vulnerability code) in row 3 of the file.
fn with_bad_vulnerability() -> String {
    SAMPLE.replacen("PREGNANT,APPROVED", "ZZQNOTACODE,APPROVED", 1)
}

#[test]
fn a_good_file_is_saved_whole_and_a_dry_run_saves_nothing() {
    let (_dir, mut store) = open();
    let dry = import(
        &mut store,
        Role::Supervisor,
        SAMPLE,
        ImportMode {
            partial: false,
            dry_run: true,
        },
    )
    .unwrap();
    let summary = dry.summary.unwrap();
    assert!(summary.dry_run);
    assert_eq!(summary.individuals.created, 10);
    assert_eq!(store.outbox_len().unwrap(), 0, "a dry run writes nothing");

    let mut seen = Vec::new();
    let report = import_csv(
        &mut store,
        Role::Supervisor,
        &ctx(),
        "cases.csv",
        SAMPLE.as_bytes(),
        ImportMode::default(),
        &mut |p| seen.push(p),
    )
    .unwrap();
    let summary = report.summary.unwrap();
    assert_eq!(
        (summary.cases.created, summary.individuals.created),
        (5, 10)
    );
    // One outbox entry per new case, per new individual and per exit-permit step (every
    // member of the sample has a permit status), in the same transaction.
    assert_eq!(summary.exit_permit_steps, 10);
    assert_eq!(store.outbox_len().unwrap(), 25);
    assert!(
        seen.contains(&ImportProgress::Saved { rows: 10 }),
        "{seen:?}"
    );
}

#[test]
fn a_file_with_problems_is_rejected_whole_unless_partial() {
    let (_dir, mut store) = open();
    let bad = with_bad_vulnerability();
    let rejected = import(&mut store, Role::Supervisor, &bad, ImportMode::default()).unwrap();
    assert!(rejected.summary.is_none());
    assert_eq!(rejected.rows_with_problems(), 1);
    assert_eq!(
        store.outbox_len().unwrap(),
        0,
        "nothing of a rejected file is saved"
    );

    let partial = import(
        &mut store,
        Role::Supervisor,
        &bad,
        ImportMode {
            partial: true,
            dry_run: false,
        },
    )
    .unwrap();
    assert_eq!(partial.summary.unwrap().individuals.created, 9);
    // A supervisor sees vulnerabilities: the problem keeps its value.
    let p = &partial.file.problems[0];
    assert_eq!((p.line, p.column.as_str()), (3, "vulnerabilities"));
    assert!(p.value.contains("ZZQNOTACODE"), "{p:?}");
}

#[test]
fn a_file_that_is_not_a_case_import_is_said_so_with_its_name() {
    let (_dir, mut store) = open();
    let e = import(
        &mut store,
        Role::Supervisor,
        "hello,world\n1,2\n",
        ImportMode::default(),
    )
    .unwrap_err();
    assert!(matches!(e, AppError::File { .. }), "{e:?}");
    assert!(e.to_string().starts_with("cases.csv: "), "{e}");
}

#[test]
fn a_role_that_may_not_import_is_refused_and_nothing_is_saved() {
    let (_dir, mut store) = open();
    let e = import(
        &mut store,
        Role::FieldAssistant,
        SAMPLE,
        ImportMode::default(),
    )
    .unwrap_err();
    assert!(
        matches!(e, AppError::Store(StoreError::NotAllowed { .. })),
        "{e:?}"
    );
    assert_eq!(store.outbox_len().unwrap(), 0);
}

/// Data processing may import but not see vulnerabilities: a problem in that column keeps its
/// line and column, loses its value, and says why; a clash on a local edit of one is reported
/// without either value.
#[test]
fn the_report_holds_no_value_the_role_may_not_see() {
    let (_dir, mut store) = open();
    import(&mut store, Role::Supervisor, SAMPLE, ImportMode::default()).unwrap();
    store
        .set_field(
            "I-0001031",
            Field::Vulnerabilities,
            "AT_RISK",
            ctx().today(),
        )
        .unwrap();

    let report = import(
        &mut store,
        Role::DataProcessing,
        &with_bad_vulnerability(),
        ImportMode {
            partial: true,
            dry_run: true,
        },
    )
    .unwrap();
    let p = &report.file.problems[0];
    assert_eq!((p.line, p.column.as_str()), (3, "vulnerabilities"));
    assert!(p.value.is_empty(), "{p:?}");
    assert!(p.message().contains(NOT_SHOWN), "{p:?}");
    let clash = report
        .summary
        .as_ref()
        .unwrap()
        .clashes
        .iter()
        .find(|c| c.field == Field::Vulnerabilities)
        .unwrap();
    assert_eq!((clash.line, clash.individual_no.as_str()), (9, "I-0001031"));
    assert_eq!(
        (clash.local.as_deref(), clash.incoming.as_deref()),
        (None, None)
    );
    let everything = format!("{report:?}");
    assert!(!everything.contains("ZZQNOTACODE") && !everything.contains("AT_RISK"));

    // The supervisor, who may see them, is shown both.
    let shown = import(
        &mut store,
        Role::Supervisor,
        SAMPLE,
        ImportMode {
            partial: false,
            dry_run: true,
        },
    )
    .unwrap();
    let clash = &shown.summary.unwrap().clashes[0];
    assert_eq!(clash.local.as_deref(), Some("AT_RISK"));
}
