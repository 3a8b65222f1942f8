//! The device side of sync and the schema migrations, against real SQLite files.
#![allow(clippy::unwrap_used)] // a test that cannot set up fails loudly

use chrono::NaiveDate;
use waypoint_domain::{Field, Scope};
use waypoint_import::{ImportOptions, parse};
use waypoint_store::{Conflict, IncomingBody, IncomingChange, OutgoingBody, Store, migrate_to};

const SAMPLE: &str = include_str!("../../../tests/fixtures/sample-cases.csv");

/// The key these tests' stores are encrypted with (the product's comes from `waypoint-keys`).
fn test_key() -> waypoint_store::StoreKey {
    waypoint_store::StoreKey::from_bytes([7; 32])
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

fn import(store: &mut Store, csv: &str) {
    let parsed = parse(
        csv.as_bytes(),
        &ImportOptions { today: today() },
        &mut |_, _| {},
    )
    .unwrap();
    assert!(parsed.problems.is_empty());
    store
        .import(
            parsed.rows.iter().map(|r| (r.line, &r.record)),
            false,
            &mut |_| {},
        )
        .unwrap();
}

fn export(store: &Store) -> String {
    let mut out = Vec::new();
    store.export(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// What a server would send for these outgoing changes: every field of a create, each field
/// change, each event, numbered from `first_seq`.
fn as_server_would_send(
    changes: &[waypoint_store::OutgoingChange],
    first_seq: i64,
) -> Vec<IncomingChange> {
    let mut seq = first_seq;
    let mut out = Vec::new();
    for c in changes {
        let mut push = |body| {
            out.push(IncomingChange {
                server_seq: seq,
                scope: c.scope,
                entity: c.entity.clone(),
                case_no: c.case_no.clone(),
                body,
            });
            seq += 1;
        };
        match &c.body {
            OutgoingBody::Create { fields } => push(IncomingBody::Record {
                fields: fields.clone(),
            }),
            OutgoingBody::Field { field, value, .. } => push(IncomingBody::Record {
                fields: vec![(*field, value.clone())],
            }),
            OutgoingBody::Event { kind, json } => push(IncomingBody::Event {
                kind: kind.clone(),
                json: json.clone(),
            }),
        }
    }
    out
}

#[test]
fn a_store_of_the_previous_schema_is_migrated_with_its_data_and_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(waypoint_store::DB_FILE);
    {
        // Build a store of schema 1 by hand, as the previous release left it.
        let mut conn = waypoint_store::open_connection(&path, &test_key()).unwrap();
        migrate_to(&mut conn, 1).unwrap();
        conn.execute_batch(
            "INSERT INTO device (id, device_id, next_client_seq, hlc) VALUES (1, '0190a0b0-0000-7000-8000-000000000001', 3, 5);
             INSERT INTO case_file (case_no, site) VALUES ('KGL-OLD-1', 'KGL-TC1');
             INSERT INTO individual (individual_no, case_no, relationship, family_name, given_names, sex, date_of_birth, nationality)
               VALUES ('I-OLD-1', 'KGL-OLD-1', 'PA', 'TESTOLD', 'Fictional', 'F', '1990', 'COD');
             INSERT INTO outbox (client_seq, hlc, kind, scope, entity) VALUES (1, 4, 'create', 'case', 'KGL-OLD-1');
             INSERT INTO outbox (client_seq, hlc, kind, scope, entity) VALUES (2, 5, 'create', 'individual', 'I-OLD-1');",
        )
        .unwrap();
    }
    let store = Store::open(dir.path(), &test_key()).unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        waypoint_store::SCHEMA_VERSION
    );
    assert_eq!(store.outbox_len().unwrap(), 2);
    assert!(export(&store).contains("TESTOLD"));
    let pending = store.outgoing(0, 10).unwrap();
    assert_eq!(pending.len(), 2);
    assert!(
        matches!(&pending[1].body, OutgoingBody::Create { fields } if fields.iter().any(|(f, v)| *f == Field::FamilyName && v.as_deref() == Some("TESTOLD")))
    );
    assert_eq!(store.sync_state().unwrap().cursor, 0);
    store.integrity_check().unwrap();
}

#[test]
fn a_second_device_applying_what_the_server_sends_converges_byte_for_byte() {
    let a_dir = tempfile::tempdir().unwrap();
    let b_dir = tempfile::tempdir().unwrap();
    let mut a = Store::open(a_dir.path(), &test_key()).unwrap();
    let mut b = Store::open(b_dir.path(), &test_key()).unwrap();
    import(&mut a, SAMPLE);
    a.set_field("I-0001002", Field::FamilyName, "MUKAMANA-TESTEDIT", today())
        .unwrap();
    let outgoing = a.outgoing(0, 1000).unwrap();
    // 15 records, 10 exit-permit steps from the permit columns, one edit.
    assert_eq!(outgoing.len(), 26);
    assert!(outgoing.iter().all(|c| !c.case_no.is_empty()));
    let incoming = as_server_would_send(&outgoing, 1);
    // Pulled in two pages, the cursor moving with each.
    let (first, second) = incoming.split_at(incoming.len() / 2);
    b.apply_incoming(first, &[], first.last().unwrap().server_seq, 0)
        .unwrap();
    assert_eq!(
        b.sync_state().unwrap().cursor,
        first.last().unwrap().server_seq
    );
    let applied = b
        .apply_incoming(second, &[], second.last().unwrap().server_seq, 0)
        .unwrap();
    assert!(applied.fields > 0);
    assert_eq!(export(&a), export(&b));
    assert_eq!(
        b.outbox_len().unwrap(),
        0,
        "pulled changes are not this device's to push"
    );
    // Pulling the same page again changes nothing.
    b.apply_incoming(second, &[], second.last().unwrap().server_seq, 0)
        .unwrap();
    assert_eq!(export(&a), export(&b));
    assert_eq!(
        b.search("mukamana-testedit", 5).unwrap()[0].individual_no,
        "I-0001002"
    );
}

#[test]
fn acknowledged_changes_leave_the_outbox_and_refused_ones_are_kept_with_their_reason() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path(), &test_key()).unwrap();
    import(&mut s, SAMPLE);
    let all = s.outgoing(0, 100).unwrap();
    let refused_seq = all[3].client_seq;
    s.acknowledge(
        all[9].client_seq,
        &[(refused_seq, "case of another site".into())],
    )
    .unwrap();
    // 25 entries (15 records, 10 exit-permit steps), the first ten settled.
    assert_eq!(s.outbox_len().unwrap(), 15);
    assert_eq!(
        s.outgoing(0, 100).unwrap()[0].client_seq,
        all[10].client_seq
    );
    let refused = s.refused_changes().unwrap();
    assert_eq!(refused.len(), 1);
    assert_eq!(
        (refused[0].client_seq, refused[0].reason.as_str()),
        (refused_seq, "case of another site")
    );
}

#[test]
fn a_pulled_value_does_not_overwrite_a_local_edit_still_to_push() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path(), &test_key()).unwrap();
    import(&mut s, SAMPLE);
    s.set_field("I-0001002", Field::GivenNames, "Localedit", today())
        .unwrap();
    let page = [IncomingChange {
        server_seq: 7,
        scope: Scope::Individual,
        entity: "I-0001002".into(),
        case_no: "KGL-2025-000101".into(),
        body: IncomingBody::Record {
            fields: vec![
                (Field::GivenNames, Some("Remoteedit".into())),
                (Field::Phone, Some("+1 555 0199".into())),
            ],
        },
    }];
    let applied = s.apply_incoming(&page, &[], 7, 0).unwrap();
    assert_eq!((applied.kept_local, applied.fields), (1, 1));
    let person = s.individual("I-0001002").unwrap().unwrap();
    assert_eq!(person.get(Field::GivenNames), Some("Localedit"));
    // The rest of the record is applied.
    assert_eq!(person.get(Field::Phone), Some("+1 555 0199"));
    // The edit will be pushed as based on the server's version it has now seen.
    s.set_field("I-0001002", Field::GivenNames, "Localedit2", today())
        .unwrap();
    let last = s.outgoing(0, 100).unwrap().pop().unwrap();
    assert!(
        matches!(last.body, OutgoingBody::Field { base_seq: 7, .. }),
        "{last:?}"
    );
}

#[test]
fn conflicts_are_listed_until_resolved_and_the_resolution_is_pushed_like_any_change() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path(), &test_key()).unwrap();
    import(&mut s, SAMPLE);
    let conflict = Conflict {
        id: "c-1".into(),
        scope: Scope::Individual,
        entity: "I-0001002".into(),
        case_no: "KGL-2025-000101".into(),
        field: Field::FamilyName,
        winner: Some("MUKAMANA".into()),
        loser: Some("MUKAMANAA".into()),
        winner_device: "laptop-2".into(),
        loser_device: "laptop-1".into(),
        resolved: false,
    };
    s.apply_incoming(&[], std::slice::from_ref(&conflict), 1, 0)
        .unwrap();
    assert_eq!(s.conflicts(false).unwrap(), vec![conflict]);
    let before = s.outbox_len().unwrap();
    s.resolve_conflict("c-1", Some("MUKAMANAA"), today())
        .unwrap();
    assert!(s.conflicts(false).unwrap().is_empty());
    assert_eq!(s.outbox_len().unwrap(), before + 1);
    let last = s.outgoing(0, 100).unwrap().pop().unwrap();
    assert!(
        matches!(&last.body, OutgoingBody::Field { resolves: Some(id), value: Some(v), .. } if id == "c-1" && v == "MUKAMANAA")
    );
    assert!(s.resolve_conflict("c-404", None, today()).is_err());
}

#[test]
fn a_case_leaving_scope_is_removed_with_its_members_and_events() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path(), &test_key()).unwrap();
    import(&mut s, SAMPLE);
    let page = [IncomingChange {
        server_seq: 3,
        scope: Scope::Case,
        entity: "KGL-2025-000101".into(),
        case_no: "KGL-2025-000101".into(),
        body: IncomingBody::Remove,
    }];
    s.apply_incoming(&page, &[], 3, 0).unwrap();
    assert!(s.case("KGL-2025-000101").unwrap().is_none());
    assert!(s.search("habimana", 10).unwrap().is_empty());
    assert_eq!(
        export(&s)
            .lines()
            .filter(|l| l.contains("\"type\":\"individual\""))
            .count(),
        6
    );
}

#[test]
fn a_store_of_schema_2_keeps_what_it_had_seen_as_one_version_per_record() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(waypoint_store::DB_FILE);
    {
        // The previous release: one version per field, filled by its pulls.
        let mut conn = waypoint_store::open_connection(&path, &test_key()).unwrap();
        migrate_to(&mut conn, 2).unwrap();
        conn.execute_batch(
            "INSERT INTO device (id, device_id, next_client_seq, hlc) VALUES (1, '0190a0b0-0000-7000-8000-000000000002', 1, 5);
             INSERT INTO case_file (case_no, site) VALUES ('KGL-OLD-2', 'KGL-TC1');
             INSERT INTO individual (individual_no, case_no, relationship, family_name, given_names, sex, date_of_birth, nationality)
               VALUES ('I-OLD-2', 'KGL-OLD-2', 'PA', 'TESTOLD', 'Fictional', 'F', '1990', 'COD');
             INSERT INTO field_version (scope, entity, field, server_seq) VALUES
               ('individual', 'I-OLD-2', 'family_name', 40),
               ('individual', 'I-OLD-2', 'phone', 41),
               ('case', 'KGL-OLD-2', 'site', 7);
             UPDATE sync_state SET cursor = 41 WHERE id = 1;",
        )
        .unwrap();
    }
    let mut store = Store::open(dir.path(), &test_key()).unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        waypoint_store::SCHEMA_VERSION
    );
    assert_eq!(store.sync_state().unwrap().cursor, 41);
    // An edit of any field of the person is based on the newest version of the person seen.
    store
        .set_field("I-OLD-2", Field::GivenNames, "Fictionaledit", today())
        .unwrap();
    store
        .set_field("I-OLD-2", Field::Destination, "YYZ", today())
        .unwrap();
    let bases: Vec<(String, i64)> = store
        .outgoing(0, 10)
        .unwrap()
        .into_iter()
        .filter_map(|c| match c.body {
            OutgoingBody::Field { base_seq, .. } => Some((c.entity, base_seq)),
            _ => None,
        })
        .collect();
    assert_eq!(
        bases,
        vec![("I-OLD-2".to_string(), 41), ("KGL-OLD-2".to_string(), 7)]
    );
    assert!(export(&store).contains("Fictionaledit"));
    store.integrity_check().unwrap();
}

fn event_change(seq: i64, id: &str, kind: &str, json: &str) -> IncomingChange {
    IncomingChange {
        server_seq: seq,
        scope: Scope::Event,
        entity: id.into(),
        case_no: "KGL-2025-000101".into(),
        body: IncomingBody::Event {
            kind: kind.into(),
            json: json.into(),
        },
    }
}

#[test]
fn an_event_this_version_cannot_read_is_kept_counted_and_read_after_an_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path(), &test_key()).unwrap();
    import(&mut s, SAMPLE);
    let newer = "0190a0b0-0000-7000-8000-00000000a001";
    let broken = "0190a0b0-0000-7000-8000-00000000a002";
    // A kind of a newer version, and a known kind whose content an older server let through.
    let page = [
        event_change(8, newer, "referral", r#"{"type":"referral","to":"clinic"}"#),
        event_change(9, broken, "identity_check", "{}"),
    ];
    let applied = s.apply_incoming(&page, &[], 9, 0).unwrap();
    assert_eq!((applied.events, applied.unreadable_events), (0, 2));
    assert_eq!(s.sync_state().unwrap().cursor, 9, "the page is applied");
    assert_eq!(s.unreadable_event_count().unwrap(), 2);
    // The rest of the case still reads.
    assert!(s.case("KGL-2025-000101").unwrap().is_some());

    // An upgraded version (here: a reader that also knows `referral`) reads it when it
    // opens or syncs; the broken one stays kept and counted.
    drop(s);
    let mut s = Store::open(dir.path(), &test_key()).unwrap();
    s.set_event_reader(std::sync::Arc::new(|kind: &str, json: &str| {
        if kind == "referral" {
            let _: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
            Ok(waypoint_store::EventFacts {
                kind: kind.into(),
                individual_no: None,
                at: chrono::Utc::now(),
            })
        } else {
            waypoint_store::read_known_event(kind, json)
        }
    }));
    assert_eq!(s.read_kept_events().unwrap(), 1);
    assert_eq!(s.unreadable_event_count().unwrap(), 1);
    assert!(
        export(&s).contains(newer),
        "the event is filed with the others"
    );
}

#[test]
fn an_exit_permit_step_is_kept_by_a_laptop_that_does_not_know_the_kind_and_read_by_one_that_does() {
    let id = "0190a0b0-0000-7000-8000-00000000a003";
    let json = format!(
        r#"{{"type":"exit_permit","id":"{id}","individual_no":"I-0001001","case_no":"KGL-2025-000101","site":"KGL-TC1","recorded_by":"assistant","at":"2025-06-02T08:00:00Z","step":"requested","on":"2025-06-01"}}"#
    );
    let page = [event_change(8, id, "exit_permit", &json)];

    // A laptop of the version before exit-permit events knew only these kinds.
    let dir = tempfile::tempdir().unwrap();
    let mut old = Store::open(dir.path(), &test_key()).unwrap();
    import(&mut old, SAMPLE);
    old.set_event_reader(std::sync::Arc::new(|kind: &str, json: &str| {
        if ["identity_check", "counselling_session", "custody_transfer"].contains(&kind) {
            waypoint_store::read_known_event(kind, json)
        } else {
            Err(format!("not an event this version can read (kind {kind})"))
        }
    }));
    let applied = old.apply_incoming(&page, &[], 8, 0).unwrap();
    assert_eq!((applied.events, applied.unreadable_events), (0, 1));
    assert_eq!(old.sync_state().unwrap().cursor, 8, "the page is applied");
    assert!(old.case("KGL-2025-000101").unwrap().is_some());

    // This version files it with the case's events.
    let dir = tempfile::tempdir().unwrap();
    let mut new = Store::open(dir.path(), &test_key()).unwrap();
    import(&mut new, SAMPLE);
    let applied = new.apply_incoming(&page, &[], 8, 0).unwrap();
    assert_eq!((applied.events, applied.unreadable_events), (1, 0));
    let case = new.case("KGL-2025-000101").unwrap().unwrap();
    assert!(
        case.events
            .iter()
            .any(|e| e.event.kind() == "exit_permit" && e.event.id().to_string() == id)
    );
}

#[test]
fn a_value_received_by_sync_is_kept_by_a_reimport_of_an_older_file_and_listed_as_a_clash() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path(), &test_key()).unwrap();
    import(&mut s, SAMPLE);
    let page = [IncomingChange {
        server_seq: 7,
        scope: Scope::Individual,
        entity: "I-0001002".into(),
        case_no: "KGL-2025-000101".into(),
        body: IncomingBody::Record {
            fields: vec![(Field::FamilyName, Some("COLLEAGUE".into()))],
        },
    }];
    s.apply_incoming(&page, &[], 7, 0).unwrap();
    let parsed = parse(
        SAMPLE.as_bytes(),
        &ImportOptions { today: today() },
        &mut |_, _| {},
    )
    .unwrap();
    let summary = s
        .import(
            parsed.rows.iter().map(|r| (r.line, &r.record)),
            false,
            &mut |_| {},
        )
        .unwrap();
    let person = s.individual("I-0001002").unwrap().unwrap();
    assert_eq!(person.get(Field::FamilyName), Some("COLLEAGUE"));
    assert_eq!(summary.clashes.len(), 1, "{summary:?}");
    assert_eq!(summary.clashes[0].field, Field::FamilyName);
    assert_eq!(summary.clashes[0].local.as_deref(), Some("COLLEAGUE"));
}

#[test]
fn the_cursor_stops_before_a_value_kept_for_a_change_still_to_push() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path(), &test_key()).unwrap();
    import(&mut s, SAMPLE);
    s.apply_incoming(&[], &[], 5, 0).unwrap();
    s.set_field("I-0001002", Field::Phone, "+1 555 0100", today())
        .unwrap();
    let record = |seq: i64, entity: &str, case_no: &str| IncomingChange {
        server_seq: seq,
        scope: Scope::Individual,
        entity: entity.into(),
        case_no: case_no.into(),
        body: IncomingBody::Record {
            fields: vec![(Field::Phone, Some("+1 555 0199".into()))],
        },
    };
    let page = [
        record(6, "I-0001001", "KGL-2025-000101"),
        record(8, "I-0001002", "KGL-2025-000101"),
        record(9, "I-0001001", "KGL-2025-000101"),
    ];
    let applied = s.apply_incoming(&page, &[], 9, 0).unwrap();
    assert!(applied.cursor_held);
    assert_eq!(
        s.sync_state().unwrap().cursor,
        6,
        "the next pull starts right after the last change before the kept value"
    );
}
