//! Accounts under attack: bursts of sign-ins and enrolment codes (counted before any check,
//! on both backends), another site's PINs, and recovery secrets at rest. Some tests run the
//! real `waypoint-server` binary on 127.0.0.1 and read its memory from /proc.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::*;
use tower::ServiceExt;
use waypoint_protocol as wire;
use waypoint_server::store::ServerStore;
use waypoint_server::{MAX_ENROL_FAILURES, MAX_SIGN_IN_FAILURES, ServerState, admin, app, auth};

const PIN: &str = "918273";
const WRONG: &str = "000000";

async fn call(state: &ServerState, request: Request<Body>) -> (StatusCode, Vec<u8>) {
    let response = app(state.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, body.to_vec())
}

fn json_post<T: serde::Serialize>(path: &str, bearer: Option<&str>, body: &T) -> Request<Body> {
    let mut request = Request::post(path).header(header::CONTENT_TYPE, "application/json");
    if let Some(token) = bearer {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    request
        .body(Body::from(serde_json::to_vec(body).unwrap()))
        .unwrap()
}

fn sign_in(credential: &str, name: &str, pin: &str) -> Request<Body> {
    json_post(
        wire::paths::SIGN_IN,
        Some(credential),
        &wire::SignInRequest {
            name: name.into(),
            pin: pin.into(),
        },
    )
}

fn enrol(code: &str) -> Request<Body> {
    json_post(
        wire::paths::ENROL,
        None,
        &wire::EnrolRequest { code: code.into() },
    )
}

/// Sites KGL-TC1 (Amina) and BNC-SITE2 (Bo), and a device of KGL-TC1 enrolled through the API:
/// (its sign-in credential, its recovery secret).
async fn site_with_staff(state: &ServerState) -> (String, String) {
    let store = state.store.as_ref();
    admin::add_site(store, "KGL-TC1", "Kigali", NOW)
        .await
        .unwrap();
    admin::add_site(store, "BNC-SITE2", "Elsewhere", NOW)
        .await
        .unwrap();
    admin::add_staff(store, "KGL-TC1", "field_assistant", "Amina Uwase", PIN, NOW)
        .await
        .unwrap();
    admin::add_staff(store, "BNC-SITE2", "supervisor", "Bo Other", PIN, NOW)
        .await
        .unwrap();
    let e = admin::enrol_device(
        store,
        "KGL-TC1",
        "laptop-1",
        waypoint_server::wall_clock_ms(),
    )
    .await
    .unwrap();
    let (status, body) = call(state, enrol(&e.code)).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let enrolled: wire::EnrolResponse = serde_json::from_slice(&body).unwrap();
    (
        enrolled.sign_in_token.unwrap(),
        enrolled.recovery_secret.unwrap(),
    )
}

/// Sends `requests` all at once; returns how many got each status.
async fn burst(state: &ServerState, requests: Vec<Request<Body>>) -> Vec<(StatusCode, usize)> {
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|r| {
            let state = state.clone();
            tokio::spawn(async move { call(&state, r).await.0 })
        })
        .collect();
    let mut counts: Vec<(StatusCode, usize)> = Vec::new();
    for task in tasks {
        let status = task.await.unwrap();
        match counts.iter_mut().find(|(s, _)| *s == status) {
            Some((_, n)) => *n += 1,
            None => counts.push((status, 1)),
        }
    }
    counts.sort();
    counts
}

async fn concurrent_wrong_sign_ins_reach_the_hash_at_most_five_times(store: Arc<dyn ServerStore>) {
    let state = ServerState::new(store);
    let (credential, _) = site_with_staff(&state).await;
    let requests = (0..300)
        .map(|_| sign_in(&credential, "Amina Uwase", WRONG))
        .collect();
    let counts = burst(&state, requests).await;
    let checked = MAX_SIGN_IN_FAILURES as usize;
    assert_eq!(
        counts,
        [
            (StatusCode::FORBIDDEN, checked),
            (StatusCode::TOO_MANY_REQUESTS, 300 - checked)
        ],
        "only the first {checked} are checked"
    );
    assert_eq!(state.pin_checks_run(), checked as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_concurrent_wrong_sign_ins_reach_the_hash_at_most_five_times() {
    concurrent_wrong_sign_ins_reach_the_hash_at_most_five_times(sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_concurrent_wrong_sign_ins_reach_the_hash_at_most_five_times() {
    with_pg(|pg| async move {
        concurrent_wrong_sign_ins_reach_the_hash_at_most_five_times(pg.store().await).await;
    })
    .await;
}

async fn concurrent_wrong_codes_are_checked_at_most_ten_times(store: Arc<dyn ServerStore>) {
    let state = ServerState::new(store);
    let requests = (0..2_000)
        .map(|i| enrol(&format!("AAAA-BBBB-CCCC-{i:04}")))
        .collect();
    let counts = burst(&state, requests).await;
    let checked = MAX_ENROL_FAILURES as usize;
    assert_eq!(
        counts,
        [
            (StatusCode::UNAUTHORIZED, checked),
            (StatusCode::TOO_MANY_REQUESTS, 2_000 - checked)
        ],
        "only the first {checked} codes are checked"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_concurrent_wrong_codes_are_checked_at_most_ten_times() {
    concurrent_wrong_codes_are_checked_at_most_ten_times(sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_concurrent_wrong_codes_are_checked_at_most_ten_times() {
    with_pg(|pg| async move {
        concurrent_wrong_codes_are_checked_at_most_ten_times(pg.store().await).await;
    })
    .await;
}

#[tokio::test]
async fn another_sites_account_gets_the_same_answer_for_its_right_and_a_wrong_pin() {
    let state = ServerState::new(sqlite().await);
    let (credential, _) = site_with_staff(&state).await;
    let right = call(&state, sign_in(&credential, "Bo Other", PIN)).await;
    let wrong = call(&state, sign_in(&credential, "Bo Other", WRONG)).await;
    let unknown = call(&state, sign_in(&credential, "No Such Person", PIN)).await;
    assert_eq!(right.0, StatusCode::FORBIDDEN);
    assert_eq!(
        String::from_utf8_lossy(&right.1),
        String::from_utf8_lossy(&wrong.1),
        "the answer does not tell whether another site's PIN is right"
    );
    assert_eq!(right, unknown);
    // Both checks of another site's account are counted like wrong PINs.
    assert_eq!(state.pin_checks_run(), 3);
    for _ in 0..2 {
        assert_eq!(
            call(&state, sign_in(&credential, "Amina Uwase", WRONG))
                .await
                .0,
            StatusCode::FORBIDDEN
        );
    }
    assert_eq!(
        call(&state, sign_in(&credential, "Amina Uwase", PIN))
            .await
            .0,
        StatusCode::TOO_MANY_REQUESTS,
        "five failures from this device, whoever they were for"
    );
}

#[test]
fn staff_pins_are_hashed_with_the_devices_cost() {
    let phc = auth::hash_pin(PIN).unwrap();
    assert!(phc.starts_with("$argon2id$v=19$m=65536,t=3,p=1$"), "{phc}");
}

/// Every file of the SQLite database (the file and its log), as bytes.
fn database_bytes(db: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for suffix in ["", "-wal", "-journal"] {
        let path = format!("{}{suffix}", db.display());
        if let Ok(b) = std::fs::read(&path) {
            bytes.extend(b);
        }
    }
    bytes
}

fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn the_sqlite_file_holds_no_recovery_secret_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hq.db");
    let store = waypoint_server::store::open(&format!("sqlite:{}", db.display()))
        .await
        .unwrap();
    let state = ServerState::new(store);
    let (credential, recovery) = site_with_staff(&state).await;
    assert_eq!(recovery.len(), 64);
    assert!(!holds(&database_bytes(&db), &recovery));
    let (status, body) = call(&state, sign_in(&credential, "Amina Uwase", PIN)).await;
    assert_eq!(status, StatusCode::OK);
    let answer: wire::SignInResponse = serde_json::from_slice(&body).unwrap();
    assert_eq!(answer.recovery_secret, recovery);
}

#[tokio::test]
async fn the_postgres_column_holds_no_recovery_secret_in_clear() {
    with_pg(|pg| async move {
        let state = ServerState::new(pg.store().await);
        let (credential, recovery) = site_with_staff(&state).await;
        let (client, conn) = pg_base().connect(tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(conn);
        let stored: Vec<String> = client
            .query(
                &format!(
                    "SELECT recovery_secret FROM {}.device WHERE recovery_secret IS NOT NULL",
                    pg.name
                ),
                &[],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert_eq!(stored.len(), 1);
        assert!(!stored[0].contains(&recovery), "wrapped, not in clear");
        let (status, body) = call(&state, sign_in(&credential, "Amina Uwase", PIN)).await;
        assert_eq!(status, StatusCode::OK);
        let answer: wire::SignInResponse = serde_json::from_slice(&body).unwrap();
        assert_eq!(answer.recovery_secret, recovery);
    })
    .await;
}
