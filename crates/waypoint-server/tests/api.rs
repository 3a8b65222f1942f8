//! The HTTP API as a device sees it, through `app()` with `oneshot` (axum's way): credentials,
//! error answers written for a person, limits, and the published OpenAPI description.
#![allow(clippy::unwrap_used)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::*;
use tower::ServiceExt;
use waypoint_protocol as wire;
use waypoint_server::{ServerState, app};

async fn call(state: &ServerState, request: Request<Body>) -> (StatusCode, Vec<u8>) {
    let response = app(state.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, body.to_vec())
}

fn sync_request(token: &str, body: Vec<u8>) -> Request<Body> {
    Request::post(wire::paths::SYNC)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, wire::BATCH_CONTENT_TYPE)
        .body(Body::from(body))
        .unwrap()
}

fn empty_sync(version: u32) -> Vec<u8> {
    wire::encode(&wire::SyncRequest {
        schema_version: version,
        after: 0,
        limit: 0,
        changes: Vec::new(),
    })
    .unwrap()
}

fn error_text(body: &[u8]) -> String {
    serde_json::from_slice::<wire::ErrorBody>(body)
        .unwrap_or_else(|_| panic!("not a JSON error: {}", String::from_utf8_lossy(body)))
        .error
}

#[tokio::test]
async fn a_request_without_a_valid_token_is_refused_with_401_and_a_message() {
    let state = ServerState::new(sqlite().await);
    let (status, body) = call(
        &state,
        sync_request("not-a-token", empty_sync(wire::SCHEMA_VERSION)),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(error_text(&body).contains("not enrolled"));
    let no_header = Request::get(wire::paths::STATUS)
        .body(Body::empty())
        .unwrap();
    assert_eq!(call(&state, no_header).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn enrolment_gives_a_token_once_and_status_shows_the_device_scope() {
    let store = sqlite().await;
    waypoint_server::admin::add_site(store.as_ref(), "KGL-TC1", "Kigali", NOW)
        .await
        .unwrap();
    let e = waypoint_server::admin::enrol_device(store.as_ref(), "KGL-TC1", "laptop-1", wall())
        .await
        .unwrap();
    let state = ServerState::new(store);
    let enrol = |code: String| {
        Request::post(wire::paths::ENROL)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                serde_json::to_vec(&wire::EnrolRequest { code }).unwrap(),
            ))
            .unwrap()
    };
    // Typed in lower case without dashes: still the code.
    let typed = e.code.to_lowercase().replace('-', " ");
    let (status, body) = call(&state, enrol(typed)).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let enrolled: wire::EnrolResponse = serde_json::from_slice(&body).unwrap();
    assert_eq!(enrolled.sites, vec!["KGL-TC1".to_string()]);
    let (again, body) = call(&state, enrol(e.code.clone())).await;
    assert_eq!(again, StatusCode::UNAUTHORIZED, "a code works once");
    assert!(error_text(&body).contains("not valid"));

    let status_request = Request::get(wire::paths::STATUS)
        .header(header::AUTHORIZATION, format!("Bearer {}", enrolled.token))
        .body(Body::empty())
        .unwrap();
    let (status, body) = call(&state, status_request).await;
    assert_eq!(status, StatusCode::OK);
    let seen: wire::StatusResponse = serde_json::from_slice(&body).unwrap();
    assert_eq!(seen.device_name, "laptop-1");
    assert_eq!(seen.sites, vec!["KGL-TC1".to_string()]);
}

fn wall() -> u64 {
    waypoint_server::wall_clock_ms()
}

#[tokio::test]
async fn an_old_schema_gets_426_garbage_gets_400_and_a_huge_body_gets_413() {
    let store = sqlite().await;
    let (_, token) = device(store.as_ref(), "KGL-TC1", "laptop-1").await;
    let state = ServerState::new(store);
    let (status, body) = call(&state, sync_request(&token, empty_sync(0))).await;
    assert_eq!(status, StatusCode::UPGRADE_REQUIRED);
    assert!(error_text(&body).contains("please update Waypoint"));

    let (status, body) = call(
        &state,
        sync_request(&token, b"definitely not zstd".to_vec()),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error_text(&body).contains("not a valid Waypoint batch"));

    let huge = vec![0u8; wire::MAX_BODY_BYTES + 1];
    let (status, body) = call(&state, sync_request(&token, huge)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(error_text(&body).contains("smaller batches"));

    let (status, _) = call(
        &state,
        sync_request(&token, empty_sync(wire::SCHEMA_VERSION)),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn unknown_addresses_and_methods_answer_json_for_a_person() {
    let state = ServerState::new(sqlite().await);
    let (status, body) = call(
        &state,
        Request::get("/v1/nothing").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(error_text(&body).contains("no such address"));
    let (status, body) = call(
        &state,
        Request::get(wire::paths::SYNC).body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(error_text(&body).contains("method"));
}

#[tokio::test]
async fn the_api_is_published_as_openapi_generated_from_the_code() {
    let state = ServerState::new(sqlite().await);
    let (status, body) = call(
        &state,
        Request::get(wire::paths::OPENAPI)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert!(doc["openapi"].as_str().unwrap_or_default().starts_with('3'));
    for path in [
        wire::paths::ENROL,
        wire::paths::PUSH,
        wire::paths::PULL,
        wire::paths::SYNC,
        wire::paths::STATUS,
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} is missing from the OpenAPI description"
        );
    }
    assert!(doc["components"]["securitySchemes"]["device_token"].is_object());
}

/// Guarantee 8 across the change to record pages: a device of the previous schema still gets
/// the pages it understands (one entry per field), and the current one the same values grouped.
#[tokio::test]
async fn a_schema_1_device_gets_field_pages_and_a_schema_2_device_the_same_values_by_record() {
    let store = sqlite().await;
    let (_, token) = device(store.as_ref(), "KGL-TC1", "laptop-1").await;
    let state = ServerState::new(store);
    let push = wire::encode(&wire::SyncRequest {
        schema_version: wire::SCHEMA_VERSION,
        after: 0,
        limit: 0,
        changes: vec![
            create_case(1, "KGL-T-1", "KGL-TC1"),
            create_individual(2, "KGL-T-1", "I-T-1"),
        ],
    })
    .unwrap();
    let (status, _) = call(&state, sync_request(&token, push)).await;
    assert_eq!(status, StatusCode::OK);

    let page_for = |version: u32| {
        let state = state.clone();
        let token = token.clone();
        async move {
            let (status, body) = call(&state, sync_request(&token, empty_sync(version))).await;
            assert_eq!(status, StatusCode::OK);
            wire::decode::<wire::SyncResponse>(&body).unwrap().page
        }
    };
    let v1 = page_for(1).await;
    let v2 = page_for(2).await;
    assert!(
        v1.changes
            .iter()
            .all(|c| matches!(c.body, wire::ServerBody::Field { .. })),
        "{v1:?}"
    );
    assert_eq!(v2.changes.len(), 2, "one record per case and per person");
    assert_eq!(v2.changes, wire::group_records(v1.changes.clone()));
    assert_eq!(v1.next_cursor, v2.next_cursor);
    // Flattened again, the schema-2 page holds exactly the schema-1 values.
    let flat = |changes: &[wire::ServerChange]| {
        let mut out: Vec<(String, String, Option<String>)> = Vec::new();
        for c in changes {
            match &c.body {
                wire::ServerBody::Field { field, value } => {
                    out.push((c.entity.clone(), field.clone(), value.clone()))
                }
                wire::ServerBody::Record { fields } => out.extend(
                    fields
                        .iter()
                        .map(|(f, v)| (c.entity.clone(), f.clone(), v.clone())),
                ),
                other => panic!("unexpected {other:?}"),
            }
        }
        out
    };
    assert_eq!(flat(&v1.changes), flat(&v2.changes));
    assert!(flat(&v2.changes).len() > 10);
}

const PIN: &str = "918273";

/// A site with a device enrolled through the API (so it has a recovery secret and a sign-in
/// credential) and staff: (state, token, sign-in credential, recovery secret).
async fn enrolled_with_staff() -> (ServerState, String, String, String) {
    let store = sqlite().await;
    let admin_store = store.as_ref();
    waypoint_server::admin::add_site(admin_store, "KGL-TC1", "Kigali", NOW)
        .await
        .unwrap();
    waypoint_server::admin::add_site(admin_store, "BNC-SITE2", "Elsewhere", NOW)
        .await
        .unwrap();
    let e = waypoint_server::admin::enrol_device(admin_store, "KGL-TC1", "laptop-1", wall())
        .await
        .unwrap();
    for (site, role, name) in [
        ("KGL-TC1", "field_assistant", "Amina Uwase"),
        ("KGL-TC1", "supervisor", "Dan Gone"),
        ("BNC-SITE2", "supervisor", "Bo Other"),
    ] {
        waypoint_server::admin::add_staff(admin_store, site, role, name, PIN, NOW)
            .await
            .unwrap();
    }
    waypoint_server::admin::disable_staff(admin_store, "Dan Gone", NOW)
        .await
        .unwrap();
    let state = ServerState::new(store);
    let (status, body) = call(
        &state,
        Request::post(wire::paths::ENROL)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                serde_json::to_vec(&wire::EnrolRequest { code: e.code }).unwrap(),
            ))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let enrolled: wire::EnrolResponse = serde_json::from_slice(&body).unwrap();
    let recovery = enrolled.recovery_secret.unwrap();
    assert_eq!(recovery.len(), 64);
    (
        state,
        enrolled.token,
        enrolled.sign_in_token.unwrap(),
        recovery,
    )
}

fn sign_in_request(credential: &str, name: &str, pin: &str) -> Request<Body> {
    Request::post(wire::paths::SIGN_IN)
        .header(header::AUTHORIZATION, format!("Bearer {credential}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            serde_json::to_vec(&wire::SignInRequest {
                name: name.into(),
                pin: pin.into(),
            })
            .unwrap(),
        ))
        .unwrap()
}

#[tokio::test]
async fn an_online_sign_in_answers_the_role_the_recovery_secret_and_the_site_directory_only() {
    let (state, token, credential, recovery) = enrolled_with_staff().await;
    let (status, body) = call(&state, sign_in_request(&credential, "amina UWASE", PIN)).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let text = String::from_utf8_lossy(&body).to_string();
    assert!(!text.contains("argon2"), "never a hash: {text}");
    assert!(
        !text.contains("Bo Other"),
        "nothing of another site: {text}"
    );
    let answer: wire::SignInResponse = serde_json::from_slice(&body).unwrap();
    assert_eq!(answer.name, "Amina Uwase");
    assert_eq!(answer.role, "field_assistant");
    assert_eq!(answer.recovery_secret, recovery);
    let names: Vec<&str> = answer
        .directory
        .staff
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names, ["Amina Uwase", "Dan Gone"]);
    assert!(answer.directory.staff[1].disabled);
    // The device token works too; the sign-in credential cannot sync.
    assert_eq!(
        call(&state, sign_in_request(&token, "Amina Uwase", PIN))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        call(
            &state,
            sync_request(&credential, empty_sync(wire::SCHEMA_VERSION))
        )
        .await
        .0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        call(&state, sign_in_request("nonsense", "Amina Uwase", PIN))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn wrong_pins_disabled_accounts_and_other_sites_are_refused_with_a_reason() {
    let (state, _, credential, _) = enrolled_with_staff().await;
    let (status, body) = call(
        &state,
        sign_in_request(&credential, "Amina Uwase", "000000"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(error_text(&body).contains("not right"));
    let (status, body) = call(&state, sign_in_request(&credential, "No Such Person", PIN)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        error_text(&body),
        "The name or PIN is not right.",
        "no hint names exist"
    );
    let (status, body) = call(&state, sign_in_request(&credential, "Dan Gone", PIN)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(error_text(&body).contains("disabled"));
    // Another site's account: answered as a wrong PIN, whether its PIN is right or not.
    let (status, body) = call(&state, sign_in_request(&credential, "Bo Other", PIN)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_text(&body), "The name or PIN is not right.");
    let (status, _) = call(&state, sign_in_request(&credential, "Amina Uwase", PIN)).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "three failures of the device are under the limit"
    );
}

#[tokio::test]
async fn five_wrong_pins_for_a_name_or_from_a_device_get_429_until_the_window_passes() {
    let (mut state, _, credential, _) = enrolled_with_staff().await;
    let clock = TestClock::at(NOW);
    state.clock = clock.clone();
    for _ in 0..5 {
        let (status, _) = call(
            &state,
            sign_in_request(&credential, "Amina Uwase", "000000"),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    // Even the right PIN waits now, for this name and on this device.
    let (status, body) = call(&state, sign_in_request(&credential, "Amina Uwase", PIN)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        error_text(&body).contains("wait 15 minutes"),
        "{}",
        error_text(&body)
    );
    assert_eq!(
        call(&state, sign_in_request(&credential, "Dan Gone", PIN))
            .await
            .0,
        StatusCode::TOO_MANY_REQUESTS,
        "the device is limited too"
    );
    clock.set(NOW + waypoint_server::FAILURE_WINDOW_MS + 1);
    let (status, _) = call(&state, sign_in_request(&credential, "Amina Uwase", PIN)).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn wrong_enrolment_codes_from_one_address_get_429() {
    let state = ServerState::new(sqlite().await);
    let from = |addr: &str| {
        let mut request = Request::post(wire::paths::ENROL)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                serde_json::to_vec(&wire::EnrolRequest {
                    code: "AAAA-BBBB-CCCC-DDDD".into(),
                })
                .unwrap(),
            ))
            .unwrap();
        request.extensions_mut().insert(axum::extract::ConnectInfo(
            addr.parse::<std::net::SocketAddr>().unwrap(),
        ));
        request
    };
    for _ in 0..waypoint_server::MAX_ENROL_FAILURES {
        assert_eq!(
            call(&state, from("10.0.0.7:5000")).await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    let (status, body) = call(&state, from("10.0.0.7:5001")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(error_text(&body).contains("Too many wrong enrolment codes"));
    assert_eq!(
        call(&state, from("10.0.0.8:5000")).await.0,
        StatusCode::UNAUTHORIZED,
        "another address is not held up"
    );
}

#[tokio::test]
async fn a_sync_tells_a_device_when_its_directory_is_stale_and_never_an_old_device() {
    let (state, token, _, _) = enrolled_with_staff().await;
    let with_digest = |digest: Option<&str>| {
        let mut request = sync_request(&token, empty_sync(wire::SCHEMA_VERSION));
        if let Some(d) = digest {
            request
                .headers_mut()
                .insert(wire::DIRECTORY_HEADER, d.parse().unwrap());
        }
        request
    };
    let stale = wire::StaffDirectory::default().digest();
    let response = app(state.clone())
        .oneshot(with_digest(Some(&stale)))
        .await
        .unwrap();
    let told = response
        .headers()
        .get(wire::DIRECTORY_HEADER)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert_ne!(told, stale);
    // The directory the device then fetches has that digest.
    let (status, body) = call(
        &state,
        Request::get(wire::paths::DIRECTORY)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let directory: wire::StaffDirectory = serde_json::from_slice(&body).unwrap();
    assert_eq!(directory.digest(), told);
    assert!(!String::from_utf8_lossy(&body).contains("argon2"));
    // Up to date: no header; an old device that sends none gets none.
    let response = app(state.clone())
        .oneshot(with_digest(Some(&told)))
        .await
        .unwrap();
    assert!(response.headers().get(wire::DIRECTORY_HEADER).is_none());
    let response = app(state.clone()).oneshot(with_digest(None)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get(wire::DIRECTORY_HEADER).is_none());
}

/// The answer to `request` with its headers: (status, revoked header, body).
async fn call_with_header(
    state: &ServerState,
    request: Request<Body>,
) -> (StatusCode, Option<String>, Vec<u8>) {
    let response = app(state.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let revoked = response
        .headers()
        .get(wire::REVOKED_HEADER)
        .map(|v| v.to_str().unwrap().to_string());
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, revoked, body.to_vec())
}

fn revoked_of(body: &[u8]) -> Option<wire::RevokeReason> {
    serde_json::from_slice::<wire::ErrorBody>(body)
        .unwrap_or_else(|_| panic!("not a JSON error: {}", String::from_utf8_lossy(body)))
        .revoked
}

fn status_request(token: &str) -> Request<Body> {
    Request::get(wire::paths::STATUS)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn a_lost_device_is_told_so_on_every_request_and_a_retired_one_may_only_push() {
    let store = sqlite().await;
    let (_, lost) = device(store.as_ref(), "KGL-TC1", "laptop-lost").await;
    let (_, retired) = device(store.as_ref(), "KGL-TC1", "laptop-retired").await;
    let (_, other) = device(store.as_ref(), "KGL-TC1", "laptop-other").await;
    let state = ServerState::new(store.clone());
    // Something for the site's devices to pull.
    let seeded = wire::encode(&wire::SyncRequest {
        schema_version: wire::SCHEMA_VERSION,
        after: 0,
        limit: 0,
        changes: vec![create_case(1, "KGL-2025-000001", "KGL-TC1")],
    })
    .unwrap();
    assert_eq!(
        call(&state, sync_request(&other, seeded)).await.0,
        StatusCode::OK
    );
    store
        .revoke_device("laptop-lost", wire::RevokeReason::Lost, NOW)
        .await
        .unwrap();
    store
        .revoke_device("laptop-retired", wire::RevokeReason::Retired, NOW)
        .await
        .unwrap();

    // Lost: 401 everywhere, with the reason to act on and a sentence for a person.
    for request in [
        sync_request(&lost, empty_sync(wire::SCHEMA_VERSION)),
        status_request(&lost),
    ] {
        let (status, _, body) = call_with_header(&state, request).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(revoked_of(&body), Some(wire::RevokeReason::Lost));
        assert!(
            error_text(&body).contains("revoked this device as lost"),
            "{}",
            error_text(&body)
        );
    }

    // Retired: a sync still takes its pushes, sends it nothing and says it is retired...
    let push = wire::encode(&wire::SyncRequest {
        schema_version: wire::SCHEMA_VERSION,
        after: 0,
        limit: 0,
        changes: vec![create_case(1, "KGL-2025-000002", "KGL-TC1")],
    })
    .unwrap();
    let (status, header_value, body) = call_with_header(&state, sync_request(&retired, push)).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(header_value.as_deref(), Some("retired"));
    let answer: wire::SyncResponse = wire::decode(&body).unwrap();
    assert_eq!(answer.push.acked_up_to, 1);
    assert!(answer.push.refused.is_empty(), "{:?}", answer.push.refused);
    assert!(
        answer.page.changes.is_empty(),
        "a retired device is sent nothing"
    );
    assert!(!answer.page.more);
    // ... while every other request of it is refused, saying why.
    let (status, _, body) = call_with_header(&state, status_request(&retired)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(revoked_of(&body), Some(wire::RevokeReason::Retired));
    // An active device is told nothing of the kind, and gets the retired device's change.
    let (status, header_value, body) = call_with_header(
        &state,
        sync_request(&other, empty_sync(wire::SCHEMA_VERSION)),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header_value, None);
    let answer: wire::SyncResponse = wire::decode(&body).unwrap();
    assert!(
        answer
            .page
            .changes
            .iter()
            .any(|c| c.entity == "KGL-2025-000002"),
        "{:?}",
        answer.page.changes
    );
    // An unknown token says nothing of revocation.
    let (_, _, body) = call_with_header(&state, status_request("nobody")).await;
    assert_eq!(revoked_of(&body), None);
}
