//! Shared by the test binaries: stores to test against, devices, and realistic changes.
#![allow(dead_code, clippy::unwrap_used)]

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use waypoint_domain::Field;
use waypoint_protocol::{Change, ChangeBody, Scope};
use waypoint_server::store::{Device, ServerStore, postgres::PgStore, sqlite::SqliteStore};
use waypoint_server::{Clock, admin, auth};

pub mod arrivals;

/// 2026-01-15 12:00 UTC: the tests' "now".
pub const NOW: u64 = 1_768_478_400_000;

pub async fn sqlite() -> Arc<dyn ServerStore> {
    Arc::new(SqliteStore::open_in_memory().await.unwrap())
}

/// The PostgreSQL the tests use: `WAYPOINT_TEST_PG` or the machine's local server.
pub fn pg_base() -> tokio_postgres::Config {
    std::env::var("WAYPOINT_TEST_PG")
        .unwrap_or_else(|_| "host=127.0.0.1 port=5432 user=postgres dbname=test".into())
        .parse()
        .unwrap()
}

/// A schema of its own for one test, dropped at the end (also when the test fails).
pub struct PgSchema {
    pub name: String,
    admin: tokio_postgres::Client,
}

impl PgSchema {
    pub async fn create() -> PgSchema {
        let (admin, conn) = pg_base()
            .connect(tokio_postgres::NoTls)
            .await
            .expect("PostgreSQL at 127.0.0.1:5432 (user postgres, database test) is needed");
        tokio::spawn(conn);
        let mut random = [0u8; 8];
        getrandom::fill(&mut random).unwrap();
        let name = format!(
            "wp_test_{}",
            random
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        admin
            .batch_execute(&format!("CREATE SCHEMA {name}"))
            .await
            .unwrap();
        PgSchema { name, admin }
    }

    /// A new store (its own pool) on this schema.
    pub async fn store(&self) -> Arc<PgStore> {
        let mut config = pg_base();
        config.options(format!("-c search_path={}", self.name));
        Arc::new(PgStore::connect(config, 4).await.unwrap())
    }

    pub async fn drop_schema(self) {
        let _ = self
            .admin
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name))
            .await;
    }
}

/// Runs `test` against a fresh PostgreSQL schema, dropping it afterwards even if it panics.
pub async fn with_pg<F, Fut>(test: F)
where
    F: FnOnce(PgSchemaHandle) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let schema = PgSchema::create().await;
    let handle = PgSchemaHandle {
        name: schema.name.clone(),
    };
    let result = tokio::spawn(test(handle)).await;
    schema.drop_schema().await;
    if let Err(e) = result {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// What a PostgreSQL test gets: the schema's name, to open stores on it.
#[derive(Debug, Clone)]
pub struct PgSchemaHandle {
    pub name: String,
}

impl PgSchemaHandle {
    pub async fn store(&self) -> Arc<PgStore> {
        let mut config = pg_base();
        config.options(format!("-c search_path={}", self.name));
        Arc::new(PgStore::connect(config, 4).await.unwrap())
    }
}

/// A site (if new) and an enrolled device of it; returns the device and its token.
pub async fn device(store: &dyn ServerStore, site: &str, name: &str) -> (Device, String) {
    if !store.sites().await.unwrap().iter().any(|(c, _)| c == site) {
        admin::add_site(store, site, &format!("Site {site}"), NOW)
            .await
            .unwrap();
    }
    let enrolment = admin::enrol_device(store, site, name, NOW).await.unwrap();
    let token = auth::new_token().unwrap();
    let device = store
        .enrol(
            &auth::hash_secret(&auth::normalize_code(&enrolment.code)),
            &auth::hash_secret(&token),
            NOW,
        )
        .await
        .unwrap()
        .unwrap();
    (device, token)
}

/// The canonical text of `raw` for `field`, as the device's store would hold it.
pub fn canon(field: Field, raw: &str) -> String {
    field
        .normalize(raw, chrono::NaiveDate::from_ymd_opt(2026, 1, 15).unwrap())
        .unwrap()
        .unwrap()
}

pub fn hlc_at(ms: u64) -> u64 {
    waypoint_protocol::hlc::from_parts(ms, 0)
}

pub fn create_case(client_seq: u64, case_no: &str, site: &str) -> Change {
    Change {
        client_seq,
        hlc: hlc_at(NOW) + client_seq,
        scope: Scope::Case,
        entity: case_no.into(),
        body: ChangeBody::Create {
            case_no: case_no.into(),
            fields: vec![
                ("case_no".into(), Some(case_no.into())),
                ("site".into(), Some(site.into())),
                ("programme".into(), Some(canon(Field::Programme, "USRAP"))),
            ],
        },
    }
}

pub fn create_individual(client_seq: u64, case_no: &str, individual_no: &str) -> Change {
    Change {
        client_seq,
        hlc: hlc_at(NOW) + client_seq,
        scope: Scope::Individual,
        entity: individual_no.into(),
        body: ChangeBody::Create {
            case_no: case_no.into(),
            fields: vec![
                ("case_no".into(), Some(case_no.into())),
                ("individual_no".into(), Some(individual_no.into())),
                (
                    "relationship".into(),
                    Some(canon(Field::Relationship, "PA")),
                ),
                (
                    "family_name".into(),
                    Some(canon(Field::FamilyName, "Haddad")),
                ),
                (
                    "given_names".into(),
                    Some(canon(Field::GivenNames, "Amina")),
                ),
                ("sex".into(), Some(canon(Field::Sex, "F"))),
                (
                    "date_of_birth".into(),
                    Some(canon(Field::DateOfBirth, "1990-05-01")),
                ),
                ("nationality".into(), Some(canon(Field::Nationality, "SYR"))),
                (
                    "phone".into(),
                    Some(canon(Field::Phone, "+962 7 1234 5678")),
                ),
            ],
        },
    }
}

#[allow(clippy::too_many_arguments)]
pub fn set_field(
    client_seq: u64,
    hlc: u64,
    scope: Scope,
    entity: &str,
    case_no: &str,
    field: Field,
    raw: Option<&str>,
    base_seq: u64,
) -> Change {
    Change {
        client_seq,
        hlc,
        scope,
        entity: entity.into(),
        body: ChangeBody::Field {
            case_no: case_no.into(),
            field: field.column().into(),
            value: raw.map(|r| canon(field, r)),
            base_seq,
            resolves: None,
        },
    }
}

pub fn event(client_seq: u64, id: &str, case_no: &str) -> Change {
    Change {
        client_seq,
        hlc: hlc_at(NOW) + client_seq,
        scope: Scope::Event,
        entity: id.into(),
        body: ChangeBody::Event {
            case_no: case_no.into(),
            kind: "identity_check".into(),
            json: identity_check_json(id),
        },
    }
}

/// A valid identity check with this id (the server refuses a known kind it cannot read).
pub fn identity_check_json(id: &str) -> String {
    let event = waypoint_domain::FieldEvent::IdentityCheck(waypoint_domain::IdentityCheck {
        id: id.parse().unwrap(),
        individual_no: "I-0000001".into(),
        document_no: None,
        outcome: waypoint_domain::CheckOutcome::Verified,
        mismatches: Vec::new(),
        site: "KGL-TC1".into(),
        checked_by: "officer".into(),
        checked_at: chrono::DateTime::from_timestamp_millis(NOW as i64).unwrap(),
    });
    serde_json::to_string(&event).unwrap()
}

/// A clock the test moves.
#[derive(Debug)]
pub struct TestClock(pub AtomicU64);

impl TestClock {
    pub fn at(ms: u64) -> Arc<TestClock> {
        Arc::new(TestClock(AtomicU64::new(ms)))
    }
    pub fn set(&self, ms: u64) {
        self.0.store(ms, Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now_ms(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}
