//! What an enrolment starts afresh in the store: how far the server holds the audit log (a
//! new device id's chain starts empty at the server) and the staff directory (HQ owns it).
#![allow(clippy::unwrap_used)] // a test that cannot set up fails loudly

use waypoint_domain::Role;
use waypoint_store::{StaffMember, StaffSource, Store, StoreError};

fn test_key() -> waypoint_store::StoreKey {
    waypoint_store::StoreKey::from_bytes([8; 32])
}

#[test]
fn an_enrolment_sends_the_whole_audit_log_to_the_server_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), &test_key()).unwrap();
    store.record_sign_in("staff:ana").unwrap();
    store.record_sign_in("staff:ana").unwrap();
    store
        .set_enrolment("https://hq.example.org", "d-1", "kgl-laptop-1", "token-1")
        .unwrap();
    store.set_audit_pushed(2).unwrap();
    assert_eq!(store.audit_pushed().unwrap(), 2);

    // Enrolled again (a new device id at the server, which holds none of its chain yet).
    store.record_enrolment("replaced").unwrap();
    store
        .set_enrolment("https://hq.example.org", "d-2", "kgl-laptop-1", "token-2")
        .unwrap();
    assert_eq!(store.audit_pushed().unwrap(), 0);
    assert_eq!(store.audit_entries(0, 100).unwrap().len(), 3);
    assert!(store.verify_audit().unwrap().problems.is_empty());
}

#[test]
fn staff_made_on_the_device_before_enrolment_are_disabled_by_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), &test_key()).unwrap();
    store
        .add_local_staff("Ana", "Ben", Role::Supervisor)
        .unwrap();
    assert_eq!(store.role_of("ben").unwrap(), Role::Supervisor);

    store
        .set_enrolment("https://hq.example.org", "d-1", "kgl-laptop-1", "token")
        .unwrap();
    for name in ["Ana", "Ben"] {
        assert!(
            matches!(store.role_of(name), Err(StoreError::StaffDisabled(_))),
            "{name}"
        );
    }
    // HQ's directory decides: an account it lists works again, in the role it gives.
    store
        .replace_server_staff(&[StaffMember {
            name: "ben".into(),
            role: Role::FieldAssistant,
            site: Some("KGL-TC1".into()),
            disabled: false,
            source: StaffSource::Server,
        }])
        .unwrap();
    assert_eq!(store.role_of("Ben").unwrap(), Role::FieldAssistant);
    assert!(matches!(
        store.role_of("Ana"),
        Err(StoreError::StaffDisabled(_))
    ));
}
