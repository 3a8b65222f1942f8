//! The staff directory and the site policy (migration 0005): roles on a device, disabled
//! accounts, local staff of a device that is not enrolled, and the migration from schema 4.
#![allow(clippy::unwrap_used)] // a test that cannot set up fails loudly

use waypoint_domain::{Role, SitePolicy};
use waypoint_store::{DB_FILE, SCHEMA_VERSION, StaffMember, StaffSource, Store, StoreError};

fn test_key() -> waypoint_store::StoreKey {
    waypoint_store::StoreKey::from_bytes([5; 32])
}

fn server(name: &str, role: Role, disabled: bool) -> StaffMember {
    StaffMember {
        name: name.into(),
        role,
        site: Some("KGL-TC1".into()),
        disabled,
        source: StaffSource::Server,
    }
}

#[test]
fn a_device_without_a_directory_lets_its_user_act_as_supervisor() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), &test_key()).unwrap();
    assert!(store.staff_directory().unwrap().is_empty());
    assert_eq!(store.role_of("ana").unwrap(), Role::Supervisor);
}

#[test]
fn local_staff_keep_the_maker_as_supervisor_and_refuse_strangers() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), &test_key()).unwrap();
    store
        .add_local_staff("Ana", "Ben", Role::PoeAssociate)
        .unwrap();
    assert_eq!(store.role_of("ana").unwrap(), Role::Supervisor);
    assert_eq!(store.role_of(" BEN ").unwrap(), Role::PoeAssociate);
    assert!(matches!(
        store.role_of("carla"),
        Err(StoreError::UnknownStaff(n)) if n == "carla"
    ));
    // Changing a role keeps one entry.
    store
        .add_local_staff("Ana", "ben", Role::FieldAssistant)
        .unwrap();
    assert_eq!(store.staff_directory().unwrap().len(), 2);
    assert_eq!(store.role_of("Ben").unwrap(), Role::FieldAssistant);
    // Each role given is in the audit trail, naming who gave it, and the chain still holds.
    store.act_as("staff:Ana");
    store
        .add_local_staff("Ana", "Carla", Role::DataProcessing)
        .unwrap();
    let given: Vec<_> = store
        .audit_entries(0, 100)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "staff_role")
        .map(|e| (e.staff, e.entity, e.detail))
        .collect();
    assert_eq!(given.len(), 3, "{given:?}");
    assert_eq!(
        given[2],
        (
            "staff:Ana".to_string(),
            Some("Carla".to_string()),
            Some("data_processing".to_string())
        )
    );
    assert!(store.verify_audit().unwrap().is_intact());
    // A name made of blanks is the caller's mistake, not damaged data.
    assert!(matches!(
        store.add_local_staff("Ana", "  ", Role::FieldAssistant),
        Err(StoreError::InvalidInput(_))
    ));
}

#[test]
fn the_servers_list_replaces_its_part_and_names_who_can_no_longer_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), &test_key()).unwrap();
    let lost = store
        .replace_server_staff(&[
            server("ana", Role::FieldAssistant, false),
            server("ben", Role::PoeAssociate, false),
            server("dora", Role::DataProcessing, true),
        ])
        .unwrap();
    assert!(lost.is_empty(), "{lost:?}");
    assert_eq!(store.role_of("ANA").unwrap(), Role::FieldAssistant);
    assert!(matches!(
        store.role_of("dora"),
        Err(StoreError::StaffDisabled(_))
    ));
    assert!(matches!(
        store.role_of("zoe"),
        Err(StoreError::UnknownStaff(_))
    ));

    // Next sync: ben disabled, ana gone, dora back.
    let mut lost = store
        .replace_server_staff(&[
            server("ben", Role::PoeAssociate, true),
            server("dora", Role::DataProcessing, false),
        ])
        .unwrap();
    lost.sort();
    assert_eq!(lost, ["ana", "ben"]);
    assert!(matches!(
        store.role_of("ben"),
        Err(StoreError::StaffDisabled(_))
    ));
    assert!(matches!(
        store.role_of("ana"),
        Err(StoreError::UnknownStaff(_))
    ));
    assert_eq!(store.role_of("dora").unwrap(), Role::DataProcessing);
}

#[test]
fn the_site_policy_has_issue_6s_defaults_and_keeps_what_the_server_sent() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut store = Store::open(dir.path(), &test_key()).unwrap();
        assert_eq!(store.site_policy().unwrap(), SitePolicy::default());
        assert_eq!(SitePolicy::default().lease_days, 14);
        assert_eq!(SitePolicy::default().idle_minutes, 5);
        let policy = SitePolicy {
            lease_days: 3,
            idle_minutes: 10,
        };
        store.set_site_policy(policy).unwrap();
        assert!(
            store
                .set_site_policy(SitePolicy {
                    lease_days: 0,
                    idle_minutes: 5
                })
                .is_err()
        );
    }
    let store = Store::open(dir.path(), &test_key()).unwrap();
    assert_eq!(
        store.site_policy().unwrap(),
        SitePolicy {
            lease_days: 3,
            idle_minutes: 10
        }
    );
}

#[test]
fn a_store_at_schema_4_migrates_to_an_empty_directory_and_the_default_policy() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut conn =
            waypoint_store::open_connection(&dir.path().join(DB_FILE), &test_key()).unwrap();
        waypoint_store::migrate_to(&mut conn, 4).unwrap();
        conn.execute_batch(
            "INSERT INTO case_file (case_no, site) VALUES ('KGL-2025-000901', 'KGL-TC1');
             INSERT INTO individual (individual_no, case_no, relationship, family_name,
                 given_names, sex, date_of_birth, nationality)
                 VALUES ('I-0009011', 'KGL-2025-000901', 'PA', 'TESTPERSON', 'Migra', 'F',
                 '1990', 'COD');",
        )
        .unwrap();
    }
    let store = Store::open(dir.path(), &test_key()).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert!(store.staff_directory().unwrap().is_empty());
    assert_eq!(store.site_policy().unwrap(), SitePolicy::default());
    assert!(store.case("KGL-2025-000901").unwrap().is_some());
    store.integrity_check().unwrap();
}
