//! The audit trail against a real SQLite file: what is appended, that it holds no values, and
//! that altering, removing, reordering or inserting any single entry is detected.
#![allow(clippy::unwrap_used)] // a test that cannot set up fails loudly

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use rusqlite::Connection;
use uuid::Uuid;
use waypoint_domain::{CheckOutcome, Field, FieldEvent, IdentityCheck, Record};
use waypoint_import::{ImportOptions, parse};
use waypoint_store::audit::GENESIS_HASH;
use waypoint_store::{AuditEntry, AuditProblemKind, AuditReport, DB_FILE, SCHEMA_VERSION, Store};

fn test_key() -> waypoint_store::StoreKey {
    waypoint_store::StoreKey::from_bytes([7; 32])
}

/// The schema just before the audit migration (0004_audit). One line to change if migrations
/// are renumbered.
const BEFORE_AUDIT: u32 = 3;

const SAMPLE: &str = include_str!("../../../tests/fixtures/sample-cases.csv");

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

fn import(store: &mut Store, csv: &str) {
    let rows = records(csv);
    store
        .import(rows.iter().map(|(l, r)| (*l, r)), false, &mut |_| {})
        .unwrap();
}

fn entries(store: &Store) -> Vec<AuditEntry> {
    store.audit_entries(0, usize::MAX).unwrap()
}

fn check(individual_no: &str, minutes: i64) -> FieldEvent {
    let at = Utc.with_ymd_and_hms(2026, 11, 25, 8, 0, 0).unwrap() + Duration::minutes(minutes);
    FieldEvent::IdentityCheck(IdentityCheck {
        id: Uuid::now_v7(),
        individual_no: individual_no.into(),
        document_no: None,
        outcome: CheckOutcome::Verified,
        mismatches: vec![],
        site: "KGL-TC1".into(),
        checked_by: "officer.test".into(),
        checked_at: at,
    })
}

/// A day of work on one laptop: a sign-in, an import, then edits, identity checks and views
/// of cases with need-to-know fields, and an export. About 250 entries.
fn a_working_day(store: &mut Store) {
    store.record_sign_in("officer.test").unwrap();
    import(store, SAMPLE);
    let people = [
        "I-0001001",
        "I-0001003",
        "I-0001020",
        "I-0001030",
        "I-0001041",
    ];
    for round in 0..50 {
        let who = people[round % people.len()];
        store
            .set_field(who, Field::Phone, &format!("+250 788 {round:06}"), today())
            .unwrap();
        store.record_event(&check(who, round as i64)).unwrap();
        store.case("KGL-2025-000101").unwrap().unwrap(); // 2 need-to-know values
        if round % 4 == 0 {
            store.case("KGL-2025-000105").unwrap().unwrap(); // 2
        }
        if round % 10 == 9 {
            store.record_sign_in("supervisor.test").unwrap();
            store.export(&mut std::io::sink()).unwrap();
            store.record_sign_in("officer.test").unwrap();
        }
    }
}

fn fresh() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), &test_key()).unwrap();
    (dir, store)
}

/// An entry's action, scope, entity and field.
type Shape<'a> = (&'a str, Option<&'a str>, Option<&'a str>, Option<&'a str>);

#[test]
fn every_change_event_view_and_sign_in_is_appended_to_one_chain() {
    let (_d, mut store) = fresh();
    assert_eq!(store.staff(), format!("device:{}", store.device_id()));
    import(&mut store, SAMPLE);
    let log = entries(&store);
    assert_eq!(log.len(), 1, "one entry for the whole import: {log:?}");
    assert_eq!(log[0].action, "import");
    let detail = log[0].detail.as_deref().unwrap();
    assert!(
        detail.starts_with("25 changes: 15 created, 0 fields changed, 10 events; sha256"),
        "{detail}"
    );
    assert_eq!(log[0].staff, format!("device:{}", store.device_id()));
    assert_eq!(log[0].prev_hash, GENESIS_HASH);

    // Re-importing the same file changes nothing, so it is not an entry.
    import(&mut store, SAMPLE);
    assert_eq!(entries(&store).len(), 1);

    store.record_sign_in("officer.test").unwrap();
    store
        .set_field("I-0001002", Field::SpecialNeedsNotes, "Needs rest", today())
        .unwrap();
    store.record_event(&check("I-0001001", 0)).unwrap();
    let event_id = store.audit_entries(3, 10).unwrap()[0].entity.clone();
    store.case("KGL-2025-000101").unwrap().unwrap();
    // A case without need-to-know values is no view of them.
    store.case("KGL-2025-000104").unwrap().unwrap();
    store.individual("I-0001020").unwrap().unwrap();

    let log = entries(&store);
    let shape: Vec<Shape<'_>> = log[1..]
        .iter()
        .map(|e| {
            (
                e.action.as_str(),
                e.scope.as_deref(),
                e.entity.as_deref(),
                e.field.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        vec![
            ("sign_in", None, None, None),
            (
                "change",
                Some("individual"),
                Some("I-0001002"),
                Some("special_needs_notes")
            ),
            ("event", Some("event"), event_id.as_deref(), None),
            (
                "view_sensitive",
                Some("individual"),
                Some("I-0001002"),
                Some("special_needs_notes")
            ),
            (
                "view_sensitive",
                Some("individual"),
                Some("I-0001002"),
                Some("vulnerabilities")
            ),
            (
                "view_sensitive",
                Some("individual"),
                Some("I-0001020"),
                Some("vulnerabilities")
            ),
        ]
    );
    assert!(log[1..].iter().all(|e| e.staff == "officer.test"));
    for (i, e) in log.iter().enumerate() {
        assert_eq!(e.seq, i as i64 + 1);
        assert_eq!(e.hash, e.computed_hash());
        if i > 0 {
            assert_eq!(e.prev_hash, log[i - 1].hash);
        }
    }
    let report = store.verify_audit().unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.entries, log.len() as u64);
    assert_eq!(
        store.audit_head().unwrap(),
        (log.len() as i64, log.last().unwrap().hash.clone())
    );
}

#[test]
fn a_write_that_fails_or_a_dry_run_leaves_no_entry() {
    let (_d, mut store) = fresh();
    import(&mut store, SAMPLE);
    let before = entries(&store);
    assert!(
        store
            .set_field("I-0009999", Field::Phone, "+1 555", today())
            .is_err()
    );
    assert!(
        store
            .set_field("I-0001002", Field::DateOfBirth, "1984-13", today())
            .is_err()
    );
    assert!(store.record_event(&check("I-404", 0)).is_err());
    let rows = records(SAMPLE);
    store
        .import(rows.iter().map(|(l, r)| (*l, r)), true, &mut |_| {})
        .unwrap();
    assert_eq!(entries(&store), before);
    assert!(store.verify_audit().unwrap().is_intact());
}

#[test]
fn the_log_refuses_to_be_edited_or_shortened() {
    let (dir, mut store) = fresh();
    import(&mut store, SAMPLE);
    let conn = waypoint_store::open_connection(&dir.path().join(DB_FILE), &test_key()).unwrap();
    let err = conn
        .execute("UPDATE audit_log SET staff = 'someone.else'", [])
        .unwrap_err();
    assert!(err.to_string().contains("never edited"), "{err}");
    let err = conn.execute("DELETE FROM audit_log", []).unwrap_err();
    assert!(err.to_string().contains("never shortened"), "{err}");
    assert_eq!(entries(&store).len(), 1);
}

#[test]
fn audit_entries_never_hold_the_values() {
    let (_d, mut store) = fresh();
    // Unmistakable markers in names, document numbers and need-to-know fields.
    let marked = SAMPLE
        .replace("MUKAMANA", "ZZQNAMEMARKER")
        .replace("ICRC-7781204", "ZZQDOC7781204")
        .replace("carries iron supplements", "ZZQMEDICALMARKER");
    import(&mut store, &marked);
    store.record_sign_in("officer.test").unwrap();
    store
        .set_field(
            "I-0001002",
            Field::SpecialNeedsNotes,
            "ZZQNOTEEDITMARKER",
            today(),
        )
        .unwrap();
    store
        .set_field("I-0001002", Field::FamilyName, "ZZQRENAMEMARKER", today())
        .unwrap();
    store
        .set_field("I-0001001", Field::Vulnerabilities, "AT_RISK", today())
        .unwrap();
    store.record_event(&check("I-0001002", 0)).unwrap();
    store.case("KGL-2025-000101").unwrap().unwrap();
    store.individual("I-0001002").unwrap().unwrap();
    store.export(&mut std::io::sink()).unwrap();
    // Import again with a changed marker: an update, audited as part of the batch.
    import(
        &mut store,
        &marked.replace("ZZQMEDICALMARKER", "ZZQREIMPORTMARKER"),
    );

    let log = entries(&store);
    assert!(log.len() >= 10, "{log:?}");
    let text = serde_json::to_string(&log).unwrap();
    for marker in [
        "ZZQ",
        "MUKAMANA",
        "iron supplements",
        "AT_RISK",
        "PREGNANT",
        "Jean Claude",
    ] {
        assert!(
            !text.contains(marker),
            "the audit log holds {marker}: {text}"
        );
    }
    // The fields are named, though.
    assert!(text.contains("special_needs_notes") && text.contains("vulnerabilities"));
}

/// An attacker's connection to the store's file: triggers dropped, as anyone with the file
/// and a SQLite shell could. The log as first written is kept aside to restore between cases.
struct Attacker {
    conn: Connection,
}

impl Attacker {
    fn new(db: &std::path::Path) -> Self {
        let conn = waypoint_store::open_connection(db, &test_key()).unwrap();
        conn.execute_batch(
            "PRAGMA synchronous = OFF;
             DROP TRIGGER audit_log_is_never_edited;
             DROP TRIGGER audit_log_is_never_shortened;
             CREATE TEMP TABLE pristine AS SELECT * FROM audit_log;",
        )
        .unwrap();
        Self { conn }
    }

    fn run(&self, sql: &str) {
        self.conn
            .execute_batch(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    fn restore(&self) {
        self.run("DELETE FROM audit_log; INSERT INTO audit_log SELECT * FROM pristine;");
    }
}

const COLUMNS: [&str; 9] = [
    "at",
    "staff",
    "action",
    "scope",
    "entity",
    "field",
    "detail",
    "prev_hash",
    "hash",
];

fn describe(report: &AuditReport) -> String {
    report
        .problems
        .iter()
        .map(|p| format!("{:?} at {}: {}", p.kind, p.seq, p.message))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn altering_removing_reordering_or_inserting_any_single_entry_is_detected() {
    let (dir, mut store) = fresh();
    a_working_day(&mut store);
    let log = entries(&store);
    let n = log.len() as i64;
    assert!(n >= 200, "a realistic chain: {n} entries");
    let honest = store.verify_audit().unwrap();
    assert!(honest.is_intact(), "{}", describe(&honest));

    let attacker = Attacker::new(&dir.path().join(DB_FILE));
    let verify = |what: &str| -> AuditReport {
        let report = store.verify_audit().unwrap();
        assert!(!report.is_intact(), "{what}: not detected");
        report
    };
    let only = |report: &AuditReport, what: &str, kind: AuditProblemKind, seq: i64| {
        let found: Vec<(AuditProblemKind, i64)> =
            report.problems.iter().map(|p| (p.kind, p.seq)).collect();
        assert_eq!(found, vec![(kind, seq)], "{what}:\n{}", describe(report));
        assert!(
            report.problems[0].message.contains(&format!("entry {seq}"))
                || report.problems[0]
                    .message
                    .contains(&format!("entries {seq}")),
            "{what}: the message names the entry: {}",
            report.problems[0].message
        );
    };

    for k in 1..=n {
        // Any single column of entry k.
        for column in COLUMNS {
            attacker.run(&format!(
                "UPDATE audit_log SET {column} = coalesce({column}, '') || 'x' WHERE seq = {k}"
            ));
            let what = format!("entry {k}, {column} altered");
            only(&verify(&what), &what, AuditProblemKind::Altered, k);
            attacker.restore();
        }
        // Its number: moved past the end, or before the start.
        for new_seq in [n + 1000, -k] {
            attacker.run(&format!(
                "UPDATE audit_log SET seq = {new_seq} WHERE seq = {k}"
            ));
            let report = verify(&format!("entry {k} renumbered {new_seq}"));
            assert!(
                report
                    .problems
                    .iter()
                    .any(|p| p.seq == k || p.seq == new_seq),
                "entry {k} renumbered {new_seq}:\n{}",
                describe(&report)
            );
            attacker.restore();
        }
        // Removed, leaving a gap.
        attacker.run(&format!("DELETE FROM audit_log WHERE seq = {k}"));
        let what = format!("entry {k} removed");
        only(&verify(&what), &what, AuditProblemKind::Removed, k);
        attacker.restore();
        // Removed, and the later entries renumbered to close the gap.
        attacker.run(&format!(
            "DELETE FROM audit_log WHERE seq = {k};
             UPDATE audit_log SET seq = -(seq - 1) WHERE seq > {k};
             UPDATE audit_log SET seq = -seq WHERE seq < 0;"
        ));
        let what = format!("entry {k} removed and the rest renumbered");
        let report = verify(&what);
        assert_eq!(
            report.problems[0].kind,
            AuditProblemKind::Removed,
            "{what}:\n{}",
            describe(&report)
        );
        assert!(
            report.problems.iter().all(|p| p.seq >= k),
            "{what}:\n{}",
            describe(&report)
        );
        attacker.restore();
        // Swapped with the next one.
        if k < n {
            attacker.run(&format!(
                "UPDATE audit_log SET seq = -1 WHERE seq = {k};
                 UPDATE audit_log SET seq = {k} WHERE seq = {k} + 1;
                 UPDATE audit_log SET seq = {k} + 1 WHERE seq = -1;"
            ));
            let what = format!("entries {k} and {} swapped", k + 1);
            let report = verify(&what);
            let first = &report.problems[0];
            assert_eq!(
                (first.kind, first.seq),
                (AuditProblemKind::Reordered, k),
                "{what}:\n{}",
                describe(&report)
            );
            assert!(
                report
                    .problems
                    .iter()
                    .all(|p| p.kind == AuditProblemKind::Reordered && (k..=k + 2).contains(&p.seq)),
                "{what}:\n{}",
                describe(&report)
            );
            attacker.restore();
        }
    }

    // A forged entry, hashed correctly and linked to the one before it, slipped in at every
    // position (the later entries renumbered to make room), and at the end.
    for k in 1..=n + 1 {
        let prev_hash = if k == 1 {
            GENESIS_HASH.to_string()
        } else {
            log[k as usize - 2].hash.clone()
        };
        let mut forged = AuditEntry {
            seq: k,
            at: "2026-11-25T09:00:00.000Z".into(),
            staff: "someone.else".into(),
            action: "change".into(),
            scope: Some("individual".into()),
            entity: Some("I-0001002".into()),
            field: Some("vulnerabilities".into()),
            detail: None,
            prev_hash,
            hash: String::new(),
        };
        forged.hash = forged.computed_hash();
        attacker.run(&format!(
            "UPDATE audit_log SET seq = -(seq + 1) WHERE seq >= {k};
             UPDATE audit_log SET seq = -seq WHERE seq < 0;"
        ));
        attacker
            .conn
            .execute(
                "INSERT INTO audit_log VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                rusqlite::params![
                    forged.seq,
                    forged.at,
                    forged.staff,
                    forged.action,
                    forged.scope,
                    forged.entity,
                    forged.field,
                    forged.detail,
                    forged.prev_hash,
                    forged.hash
                ],
            )
            .unwrap();
        let what = format!("an entry inserted at {k}");
        only(&verify(&what), &what, AuditProblemKind::Inserted, k);
        attacker.restore();
    }

    // Restored, the log verifies clean again: the checks above judged the tampering, not
    // the test's own bookkeeping.
    let report = store.verify_audit().unwrap();
    assert!(report.is_intact(), "{}", describe(&report));
    assert_eq!(entries(&store), log);
}

#[test]
fn a_rewritten_tail_with_recomputed_hashes_is_caught_by_the_recorded_head() {
    let (dir, mut store) = fresh();
    a_working_day(&mut store);
    let log = entries(&store);
    let k = log.len() / 2;
    // The attacker changes who made entry k and recomputes every hash from there on.
    let attacker = Attacker::new(&dir.path().join(DB_FILE));
    let mut prev_hash = log[k - 1].prev_hash.clone();
    for e in &log[k - 1..] {
        let mut e = e.clone();
        if e.seq == k as i64 {
            e.staff = "someone.else".into();
        }
        e.prev_hash = prev_hash;
        e.hash = e.computed_hash();
        attacker
            .conn
            .execute(
                "UPDATE audit_log SET staff = ?1, prev_hash = ?2, hash = ?3 WHERE seq = ?4",
                (&e.staff, &e.prev_hash, &e.hash, e.seq),
            )
            .unwrap();
        prev_hash = e.hash;
    }
    let report = store.verify_audit().unwrap();
    assert_eq!(
        report
            .problems
            .iter()
            .map(|p| (p.kind, p.seq))
            .collect::<Vec<_>>(),
        vec![(AuditProblemKind::Altered, log.len() as i64)],
        "{}",
        describe(&report)
    );
}

#[test]
fn a_store_at_the_previous_schema_migrates_with_its_data_intact() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join(DB_FILE);
    {
        let mut conn = waypoint_store::open_connection(&db, &test_key()).unwrap();
        waypoint_store::migrate_to(&mut conn, BEFORE_AUDIT).unwrap();
        conn.execute_batch(
            "INSERT INTO device (id, device_id, next_client_seq, hlc)
                 VALUES (1, '0190b7d2-7c3a-7a1e-9c55-3f0d2b8e4a11', 3, 1000);
             INSERT INTO case_file (case_no, site) VALUES ('KGL-2025-000900', 'KGL-TC1');
             INSERT INTO individual (individual_no, case_no, relationship, family_name,
                 given_names, sex, date_of_birth, nationality, special_needs_notes)
                 VALUES ('I-0009001', 'KGL-2025-000900', 'PA', 'TESTPERSON', 'Migra', 'F',
                 '1990', 'COD', 'Test note');
             INSERT INTO outbox (client_seq, hlc, kind, scope, entity)
                 VALUES (1, 900, 'create', 'case', 'KGL-2025-000900'),
                        (2, 901, 'create', 'individual', 'I-0009001');",
        )
        .unwrap();
        let version: u32 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, BEFORE_AUDIT);
    }
    let mut store = Store::open(dir.path(), &test_key()).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(
        store.device_id().to_string(),
        "0190b7d2-7c3a-7a1e-9c55-3f0d2b8e4a11"
    );
    assert_eq!(store.outbox_len().unwrap(), 2);
    assert!(entries(&store).is_empty());
    assert!(store.verify_audit().unwrap().is_intact());
    let view = store.case("KGL-2025-000900").unwrap().unwrap();
    assert_eq!(view.case.members[0].family_name, "TESTPERSON");
    assert_eq!(
        view.case.members[0].special_needs.notes.as_deref(),
        Some("Test note")
    );
    store
        .set_field("I-0009001", Field::Phone, "+250 788 000 900", today())
        .unwrap();
    let log = entries(&store);
    assert_eq!(
        log.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        ["view_sensitive", "change"]
    );
    assert_eq!(log[0].prev_hash, GENESIS_HASH);
    assert!(store.verify_audit().unwrap().is_intact());
    store.integrity_check().unwrap();
}
