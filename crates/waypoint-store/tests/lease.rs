//! The offline lease on a real store file (docs/revocation.md; migration 0006): what counts as a
//! sync, the site's length, and stores enrolled before the migration.
#![allow(clippy::unwrap_used)] // a test that cannot set up fails loudly

use chrono::{Duration, Utc};
use waypoint_domain::SitePolicy;
use waypoint_store::{DB_FILE, LeaseState, SCHEMA_VERSION, Store};

fn test_key() -> waypoint_store::StoreKey {
    waypoint_store::StoreKey::from_bytes([6; 32])
}

#[test]
fn only_a_successful_sync_or_the_enrolment_renews_the_lease() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), &test_key()).unwrap();
    let now = Utc::now();
    assert_eq!(
        store.lease(now + Duration::days(400)).unwrap(),
        LeaseState::NoLease
    );

    store
        .set_enrolment("https://hq.example.org", "d-1", "kgl-laptop-1", "token")
        .unwrap();
    // Enrolled just now: the enrolment counts as a sync.
    assert!(matches!(
        store.lease(now).unwrap(),
        LeaseState::Open { lease_days: 14, .. }
    ));
    assert!(!store.lease(now + Duration::days(13)).unwrap().is_expired());
    assert!(store.lease(now + Duration::days(15)).unwrap().is_expired());

    // A failed attempt renews nothing; a successful sync does.
    store
        .record_sync_attempt(now + Duration::days(10), Some("unreachable"))
        .unwrap();
    assert!(store.lease(now + Duration::days(15)).unwrap().is_expired());
    store
        .record_sync_attempt(now + Duration::days(10), None)
        .unwrap();
    let later = now + Duration::days(15);
    assert!(matches!(
        store.lease(later).unwrap(),
        LeaseState::Open { .. }
    ));
    match store.lease(now + Duration::days(25)).unwrap() {
        LeaseState::Expired {
            days_offline,
            lease_days,
            ..
        } => assert_eq!((days_offline, lease_days), (15, 14)),
        other => panic!("{other:?}"),
    }

    // The site's own length.
    store
        .set_site_policy(SitePolicy {
            lease_days: 30,
            idle_minutes: 5,
        })
        .unwrap();
    assert!(!store.lease(now + Duration::days(25)).unwrap().is_expired());
}

#[test]
fn a_store_enrolled_at_schema_5_gets_a_lease_from_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut conn =
            waypoint_store::open_connection(&dir.path().join(DB_FILE), &test_key()).unwrap();
        waypoint_store::migrate_to(&mut conn, 5).unwrap();
        conn.execute_batch(
            "UPDATE sync_state SET server_url = 'https://hq.example.org', token = 'old-token',
                                   device_name = 'kgl-laptop-1' WHERE id = 1;",
        )
        .unwrap();
    }
    let store = Store::open(dir.path(), &test_key()).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    let now = Utc::now();
    assert!(matches!(store.lease(now).unwrap(), LeaseState::Open { .. }));
    assert!(store.lease(now + Duration::days(15)).unwrap().is_expired());
    assert_eq!(
        store.sync_state().unwrap().token.as_deref(),
        Some("old-token"),
        "the credential survives the migration"
    );
    store.integrity_check().unwrap();
}

#[test]
fn a_store_never_enrolled_at_schema_5_still_has_no_lease() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut conn =
            waypoint_store::open_connection(&dir.path().join(DB_FILE), &test_key()).unwrap();
        waypoint_store::migrate_to(&mut conn, 5).unwrap();
    }
    let store = Store::open(dir.path(), &test_key()).unwrap();
    assert_eq!(
        store.lease(Utc::now() + Duration::days(365)).unwrap(),
        LeaseState::NoLease
    );
}

#[test]
fn a_clock_set_back_does_not_extend_the_lease_and_a_sync_starts_it_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), &test_key()).unwrap();
    store
        .set_enrolment("https://hq.example.org", "d-1", "kgl-laptop-1", "token")
        .unwrap();
    let now = Utc::now();
    assert!(store.lease(now + Duration::days(15)).unwrap().is_expired());
    // The clock is set back to the day of the enrolment: still over, in this process and the
    // next.
    assert!(store.lease(now).unwrap().is_expired());
    drop(store);
    let mut store = Store::open(dir.path(), &test_key()).unwrap();
    assert!(store.lease(now + Duration::days(1)).unwrap().is_expired());
    // A successful sync starts the lease again from its own time.
    store.record_sync_attempt(now, None).unwrap();
    assert!(!store.lease(now).unwrap().is_expired());
    assert!(!store.lease(now + Duration::days(13)).unwrap().is_expired());
}
