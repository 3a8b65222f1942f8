//! The HTTP API as a device sees it, through `app()` with `oneshot` (axum's way): credentials,
//! error answers written for a person, limits, and the published OpenAPI description.
#![allow(clippy::unwrap_used)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::*;
use tower::ServiceExt;
use waypoint_protocol as wire;
use waypoint_server::{AppState, app};

async fn call(state: &AppState, request: Request<Body>) -> (StatusCode, Vec<u8>) {
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
    let state = AppState::new(sqlite().await);
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
    let state = AppState::new(store);
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
    let state = AppState::new(store);
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
    let state = AppState::new(sqlite().await);
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
    let state = AppState::new(sqlite().await);
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
    let state = AppState::new(store);
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
