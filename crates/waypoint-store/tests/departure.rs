//! Departure-day reads (migration 0013): the events of one manifest are found through its
//! indexes, so that a tick at the bus door never reads every event of the laptop.
#![allow(clippy::unwrap_used)] // a test that cannot set up fails loudly

use waypoint_store::{DB_FILE, Store};

fn test_key() -> waypoint_store::StoreKey {
    waypoint_store::StoreKey::from_bytes([13; 32])
}

/// SQLite's plan for `sql`, one line per step.
fn plan(conn: &rusqlite::Connection, sql: &str) -> String {
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
    let steps: Vec<String> = stmt
        .query_map(["MAN-20261214-ABC123"], |r| r.get::<_, String>(3))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    steps.join("\n")
}

#[test]
fn a_manifests_events_and_boarding_marks_are_read_through_their_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), &test_key()).unwrap();
    assert!(store.manifest_ids().unwrap().is_empty());
    drop(store);
    let conn = waypoint_store::open_connection(&dir.path().join(DB_FILE), &test_key()).unwrap();
    for (kind, index) in [
        ("manifest", "manifest_event_by_manifest"),
        ("boarding", "boarding_by_manifest"),
    ] {
        // The reader's own query (crates/waypoint-store/src/departure.rs).
        let sql = format!(
            "SELECT payload FROM event
             WHERE kind = '{kind}' AND json_extract(payload, '$.manifest_id') = ?1"
        );
        let plan = plan(&conn, &sql);
        assert!(
            plan.contains(&format!("USING INDEX {index}")),
            "{kind}: {plan}"
        );
        assert!(!plan.contains("SCAN event"), "{kind}: {plan}");
    }
}
