//! Two laptops whose stores hold exit permits as the record's fields only (as the version
//! before steps were events left them) migrate them into steps, then sync with the server:
//! one step per member, the same on every laptop and on a new one.

use std::collections::BTreeMap;
use std::path::Path;

use super::*;

const CSV: &str = "\
case_no,individual_no,relationship,family_name,given_names,sex,date_of_birth,nationality,site,exit_permit,exit_permit_denial_reason
TST-A-000000,T-0000000,PA,TESTFAMILY0,Testgiven0,F,1980,XXA,TST-SITEA,DENIED,Exit clearance refused: pending court case
TST-A-000000,T-0000001,SP,TESTFAMILY0,Testgiven1,M,1981,XXA,TST-SITEA,SUBMITTED,
TST-A-000000,T-0000002,CH,TESTFAMILY0,Testgiven2,F,2015,XXA,TST-SITEA,,
";

/// Each member's exit-permit step ids, on `store`.
fn steps(store: &Store) -> BTreeMap<String, Vec<uuid::Uuid>> {
    let mut steps: BTreeMap<String, Vec<uuid::Uuid>> = BTreeMap::new();
    for e in store.case("TST-A-000000").unwrap().unwrap().events {
        if let FieldEvent::ExitPermit(p) = e.event {
            steps.entry(p.individual_no).or_default().push(p.id);
        }
    }
    steps
}

/// A laptop whose store the old version made from `CSV`: the fields only, schema 9.
fn old_laptop(dir: &Path) {
    let mut store = Store::open(dir, &test_key()).unwrap();
    import(&mut store, CSV);
    drop(store);
    let conn =
        waypoint_store::open_connection(&dir.join(waypoint_store::DB_FILE), &test_key()).unwrap();
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
    let left: i64 = conn
        .query_row("SELECT count(*) FROM event", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 0);
}

#[test]
fn two_laptops_that_migrate_the_same_fields_sync_one_step_per_member() {
    let hq = Hq::new();
    let dirs = [
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    ];
    old_laptop(dirs[0].path());
    old_laptop(dirs[1].path());
    // The upgraded Waypoint opens them: each migrates on its own, offline.
    let mut a = Store::open(dirs[0].path(), &test_key()).unwrap();
    let mut b = Store::open(dirs[1].path(), &test_key()).unwrap();
    let migrated = steps(&a);
    assert_eq!(migrated.len(), 2, "{migrated:?}");
    assert!(migrated.values().all(|ids| ids.len() == 1));
    assert_eq!(steps(&b), migrated, "the same ids on both laptops");

    let (link_a, link_b) = (
        Link::new(&hq, "TST-SITEA", "laptop-a"),
        Link::new(&hq, "TST-SITEA", "laptop-b"),
    );
    for round in ["a", "b", "a"] {
        let (store, link) = if round == "a" {
            (&mut a, &link_a)
        } else {
            (&mut b, &link_b)
        };
        let report = waypoint_sync::sync_with(store, link, &mut |_| {}).unwrap();
        assert_eq!(report.unreadable_events, 0, "{round}: {report:?}");
    }
    assert_eq!(steps(&a), migrated);
    assert_eq!(steps(&b), migrated);
    assert_eq!(a.outbox_len().unwrap(), 0);
    assert_eq!(b.outbox_len().unwrap(), 0);
    assert_eq!(export(&a), export(&b), "the same steps, byte for byte");

    // The server stored each step once: a new laptop of the site receives one per member.
    let mut c = Store::open(dirs[2].path(), &test_key()).unwrap();
    let link_c = Link::new(&hq, "TST-SITEA", "laptop-c");
    waypoint_sync::sync_with(&mut c, &link_c, &mut |_| {}).unwrap();
    assert_eq!(steps(&c), migrated);
    assert_eq!(export(&c), export(&a));
}
