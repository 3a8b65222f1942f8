//! What the API refuses of a bulk request, and how it says so: bytes after the message, another
//! content type, numbers no device writes, counts and sizes over the protocol's caps; and the
//! retired device's header on every answer, errors included.
#![allow(clippy::unwrap_used)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::*;
use tower::ServiceExt;
use waypoint_protocol as wire;
use waypoint_server::{ServerState, app};

/// (status, the revoked header, body)
async fn call(
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

fn post(path: &str, token: &str, content_type: Option<&str>, body: Vec<u8>) -> Request<Body> {
    let mut request = Request::post(path).header(header::AUTHORIZATION, format!("Bearer {token}"));
    if let Some(t) = content_type {
        request = request.header(header::CONTENT_TYPE, t);
    }
    request.body(Body::from(body)).unwrap()
}

fn sync_request(token: &str, body: Vec<u8>) -> Request<Body> {
    post(
        wire::paths::SYNC,
        token,
        Some(wire::BATCH_CONTENT_TYPE),
        body,
    )
}

fn sync_body(version: u32, changes: Vec<wire::Change>) -> Vec<u8> {
    wire::encode(&wire::SyncRequest {
        schema_version: version,
        after: 0,
        limit: 0,
        changes,
    })
    .unwrap()
}

fn error_text(body: &[u8]) -> String {
    serde_json::from_slice::<wire::ErrorBody>(body)
        .unwrap_or_else(|_| panic!("not a JSON error: {}", String::from_utf8_lossy(body)))
        .error
}

async fn enrolled() -> (ServerState, String) {
    let store = sqlite().await;
    let (_, token) = device(store.as_ref(), "KGL-TC1", "laptop-1").await;
    (ServerState::new(store), token)
}

#[tokio::test]
async fn bytes_after_a_valid_batch_are_refused_with_400() {
    let (state, token) = enrolled().await;
    let empty = wire::SyncRequest {
        schema_version: wire::SCHEMA_VERSION,
        after: 0,
        limit: 0,
        changes: Vec::new(),
    };
    let mut raw = postcard::to_stdvec(&empty).unwrap();
    raw.extend_from_slice(b"and then some");
    let body = zstd::bulk::compress(&raw, 3).unwrap();
    let (status, _, answer) = call(&state, sync_request(&token, body)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error_text(&answer).contains("follow the end"),
        "{}",
        error_text(&answer)
    );

    let mut body = wire::encode(&empty).unwrap();
    body.extend_from_slice(b"junk after the frame");
    let (status, _, answer) = call(&state, sync_request(&token, body)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{}", error_text(&answer));
}

#[tokio::test]
async fn a_bulk_request_of_another_content_type_gets_415() {
    let (state, token) = enrolled().await;
    let body = sync_body(wire::SCHEMA_VERSION, Vec::new());
    for path in [wire::paths::SYNC, wire::paths::PUSH] {
        for content_type in [Some("application/json"), Some("text/plain"), None] {
            let (status, _, answer) =
                call(&state, post(path, &token, content_type, body.clone())).await;
            assert_eq!(
                status,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "{path} {content_type:?}"
            );
            assert!(
                error_text(&answer).contains(wire::BATCH_CONTENT_TYPE),
                "{}",
                error_text(&answer)
            );
        }
    }
    // The right type, whatever its case and parameters, is taken.
    let typed = format!(
        "{}; charset=binary",
        wire::BATCH_CONTENT_TYPE.to_uppercase()
    );
    let (status, _, _) = call(&state, post(wire::paths::SYNC, &token, Some(&typed), body)).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_client_seq_absurdly_past_the_last_one_is_refused_and_the_device_can_still_push() {
    let (state, token) = enrolled().await;
    let absurd = create_case(i64::MAX as u64, "KGL-2025-000001", "KGL-TC1");
    let (status, _, answer) = call(
        &state,
        sync_request(&token, sync_body(wire::SCHEMA_VERSION, vec![absurd])),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error_text(&answer).contains("change number"),
        "{}",
        error_text(&answer)
    );

    // The device's real next change still counts.
    let next = create_case(1, "KGL-2025-000001", "KGL-TC1");
    let (status, _, answer) = call(
        &state,
        sync_request(&token, sync_body(wire::SCHEMA_VERSION, vec![next])),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let answer: wire::SyncResponse = wire::decode(&answer).unwrap();
    assert_eq!(answer.push.acked_up_to, 1);
    assert!(answer.push.refused.is_empty(), "{:?}", answer.push.refused);

    // A real jump (a store re-enrolled after many changes) is taken.
    let later = create_case(1_000_000, "KGL-2025-000002", "KGL-TC1");
    let (status, _, answer) = call(
        &state,
        sync_request(&token, sync_body(wire::SCHEMA_VERSION, vec![later])),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let answer: wire::SyncResponse = wire::decode(&answer).unwrap();
    assert_eq!(answer.push.acked_up_to, 1_000_000);
}

fn audit_entry(seq: i64) -> wire::AuditRecord {
    use waypoint_domain::audit_chain::{EntryFields, GENESIS_HASH, entry_hash};
    let at = "2026-11-30T10:00:00.000Z".to_string();
    let staff = "staff:Test Officer";
    let hash = entry_hash(&EntryFields {
        at: &at,
        staff,
        action: "sign_in",
        scope: None,
        entity: None,
        field: None,
        detail: None,
        prev_hash: GENESIS_HASH,
    });
    wire::AuditRecord {
        seq,
        at,
        staff: staff.into(),
        action: "sign_in".into(),
        scope: None,
        entity: None,
        field: None,
        detail: None,
        prev_hash: GENESIS_HASH.into(),
        hash,
    }
}

fn audit_request(token: &str, entries: Vec<wire::AuditRecord>) -> Request<Body> {
    post(
        wire::paths::AUDIT,
        token,
        Some("application/json"),
        serde_json::to_vec(&wire::AuditPush { entries }).unwrap(),
    )
}

#[tokio::test]
async fn a_fresh_devices_first_audit_entry_is_never_said_to_differ_from_a_copy_hq_lacks() {
    let (state, token) = enrolled().await;
    for seq in [0, -1, i64::MIN] {
        let (status, _, answer) = call(&state, audit_request(&token, vec![audit_entry(seq)])).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let text = error_text(&answer);
        assert!(!text.contains("differs"), "{text}");
        assert!(text.contains("numbered from 1"), "{text}");
    }
    // Numbers that would overflow are refused, not a crash.
    let mut last = audit_entry(i64::MAX);
    last.prev_hash = "x".into();
    let (status, _, _) = call(
        &state,
        audit_request(&token, vec![audit_entry(i64::MAX - 1), last]),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Its real first entry is kept.
    let (status, _, answer) = call(&state, audit_request(&token, vec![audit_entry(1)])).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&answer)
    );
    let ack: wire::AuditAck = serde_json::from_slice(&answer).unwrap();
    assert_eq!(ack.held_seq, 1);
}

#[tokio::test]
async fn every_sync_answer_to_a_retired_device_says_so_errors_included() {
    let (state, token) = enrolled().await;
    state
        .store
        .revoke_device("laptop-1", wire::RevokeReason::Retired, NOW)
        .await
        .unwrap();
    let cases = [
        (
            sync_request(&token, sync_body(0, Vec::new())),
            StatusCode::UPGRADE_REQUIRED,
        ),
        (
            sync_request(&token, b"not a batch".to_vec()),
            StatusCode::BAD_REQUEST,
        ),
        (
            post(
                wire::paths::SYNC,
                &token,
                Some("application/json"),
                Vec::new(),
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            sync_request(&token, sync_body(wire::SCHEMA_VERSION, Vec::new())),
            StatusCode::OK,
        ),
    ];
    for (request, expected) in cases {
        let (status, revoked, _) = call(&state, request).await;
        assert_eq!(status, expected);
        assert_eq!(revoked.as_deref(), Some("retired"), "{status}");
    }
}

#[tokio::test]
async fn a_body_that_decompresses_past_the_limit_is_told_the_decoded_limit() {
    let (state, token) = enrolled().await;
    let bomb = zstd::bulk::compress(&vec![0u8; wire::MAX_DECODED_BYTES + 1], 1).unwrap();
    assert!(bomb.len() < wire::MAX_BODY_BYTES);
    let (status, _, answer) = call(&state, sync_request(&token, bomb)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let text = error_text(&answer);
    assert!(
        text.contains(&wire::MAX_DECODED_BYTES.to_string()),
        "{text}"
    );
    assert!(text.contains("decompressed"), "{text}");
    assert!(!text.contains(&wire::MAX_BODY_BYTES.to_string()), "{text}");
}

/// The postcard of a push of one `Create` whose record has `fields` empty fields.
fn create_with_empty_fields(fields: u64) -> Vec<u8> {
    fn varint(mut n: u64, out: &mut Vec<u8>) {
        while n >= 0x80 {
            out.push((n as u8) | 0x80);
            n >>= 7;
        }
        out.push(n as u8);
    }
    let mut raw = Vec::new();
    varint(u64::from(wire::SCHEMA_VERSION), &mut raw);
    varint(1, &mut raw); // one change
    varint(1, &mut raw); // client_seq
    varint(1, &mut raw); // hlc
    varint(0, &mut raw); // Scope::Case
    raw.extend([1, b'x']); // entity
    varint(0, &mut raw); // ChangeBody::Create
    raw.extend([1, b'x']); // case_no
    varint(fields, &mut raw);
    for _ in 0..fields {
        raw.extend([0, 0]); // "" and None
    }
    raw
}

#[tokio::test]
async fn a_push_over_a_cap_gets_413_naming_the_cap() {
    let (state, token) = enrolled().await;
    let body = zstd::bulk::compress(&create_with_empty_fields(100_000), 19).unwrap();
    assert!(body.len() < 4096, "{} bytes", body.len());
    let (status, _, answer) = call(
        &state,
        post(
            wire::paths::PUSH,
            &token,
            Some(wire::BATCH_CONTENT_TYPE),
            body,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let text = error_text(&answer);
    assert!(text.contains("fields per record"), "{text}");

    let too_many: Vec<wire::Change> = (1..=wire::MAX_CHANGES_PER_PUSH as u64 + 1)
        .map(|i| create_case(i, "KGL-2025-000001", "KGL-TC1"))
        .collect();
    let (status, _, answer) = call(
        &state,
        sync_request(&token, sync_body(wire::SCHEMA_VERSION, too_many)),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        error_text(&answer).contains("changes per push"),
        "{}",
        error_text(&answer)
    );
}
