//! Every body the server reads comes from outside: whatever the enrolment, sign-in and audit
//! JSON or the bulk bodies hold (random bytes, or a valid body with bytes flipped, inserted or
//! deleted), the answer is one the published OpenAPI description lists for that operation,
//! never a 5xx; every error is the JSON error body; and a request allocates in proportion to
//! its body. Allocations are counted by wrapping the system allocator.
#![allow(clippy::unwrap_used)]

mod common;

use std::alloc::System;
use std::sync::{Mutex, OnceLock};

use axum::body::Body;
use axum::http::{Request, header};
use common::*;
use proptest::prelude::*;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use tower::ServiceExt;
use waypoint_protocol as wire;
use waypoint_server::{ServerState, app};

#[path = "../../../tests/support/byte_edits.rs"]
mod byte_edits;
use byte_edits::{Edit, mutate};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// The allocation counters are process-wide: one measured request at a time.
static MEASURING: Mutex<()> = Mutex::new(());

/// A server with a site, staff, and a device enrolled through the API, shared by every case.
struct World {
    runtime: tokio::runtime::Runtime,
    state: ServerState,
    token: String,
    sign_in_token: String,
    doc: serde_json::Value,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let (state, token, sign_in_token) = runtime.block_on(async {
            let store = sqlite().await;
            waypoint_server::admin::add_site(store.as_ref(), "KGL-TC1", "Kigali", NOW)
                .await
                .unwrap();
            waypoint_server::admin::add_staff(
                store.as_ref(),
                "KGL-TC1",
                "supervisor",
                "Amina Uwase",
                "918273",
                NOW,
            )
            .await
            .unwrap();
            let e = waypoint_server::admin::enrol_device(
                store.as_ref(),
                "KGL-TC1",
                "laptop-1",
                waypoint_server::wall_clock_ms(),
            )
            .await
            .unwrap();
            let state = ServerState::new(store);
            let body = serde_json::to_vec(&wire::EnrolRequest { code: e.code }).unwrap();
            let (status, body) =
                send(&state, wire::paths::ENROL, None, "application/json", body).await;
            assert_eq!(status, 200);
            let enrolled: wire::EnrolResponse = serde_json::from_slice(&body).unwrap();
            (state, enrolled.token, enrolled.sign_in_token.unwrap())
        });
        World {
            runtime,
            state,
            token,
            sign_in_token,
            doc: waypoint_server::openapi_json(),
        }
    })
}

async fn send(
    state: &ServerState,
    path: &str,
    bearer: Option<&str>,
    content_type: &str,
    body: Vec<u8>,
) -> (u16, Vec<u8>) {
    let mut request = Request::post(path).header(header::CONTENT_TYPE, content_type);
    if let Some(token) = bearer {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let response = app(state.clone())
        .oneshot(request.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, body.to_vec())
}

/// Posts `body` to `path` and checks the answer against the published description.
fn post(path: &str, bearer: Option<&str>, content_type: &str, body: Vec<u8>) -> u16 {
    let w = world();
    let _one = MEASURING.lock().unwrap_or_else(|e| e.into_inner());
    let n = body.len();
    let region = Region::new(GLOBAL);
    let (status, answer) = w
        .runtime
        .block_on(send(&w.state, path, bearer, content_type, body));
    let allocated = region.change().bytes_allocated;
    // Argon2's 64 MiB for a PIN, the device's cost (twice the first time: the decoy hash for
    // unknown names is made once), buffers, and the body a few times over.
    assert!(
        allocated <= 144 * 1024 * 1024 + 64 * n,
        "POST {path} with {n} bytes allocated {allocated} bytes"
    );
    assert!(status < 500, "POST {path} answered {status}");
    let listed = &w.doc["paths"][path]["post"]["responses"][status.to_string()];
    assert!(
        listed.is_object(),
        "POST {path} answered {status}, which its description does not list"
    );
    if status >= 400 {
        let error: wire::ErrorBody = serde_json::from_slice(&answer).unwrap_or_else(|_| {
            panic!(
                "POST {path} {status}: not the JSON error body: {}",
                String::from_utf8_lossy(&answer)
            )
        });
        assert!(!error.error.trim().is_empty());
    }
    status
}

fn json_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        Just(b'"'),
        Just(b'{'),
        Just(b'}'),
        Just(b'['),
        Just(b'\\'),
        Just(b':'),
        Just(b','),
        Just(0u8),
        Just(0xFFu8),
        any::<u8>(),
    ]
}

fn content_type() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        4 => Just("application/json"),
        1 => Just("text/plain"),
        1 => Just(wire::BATCH_CONTENT_TYPE),
        1 => Just(""),
    ]
}

fn audit_push() -> Vec<u8> {
    serde_json::to_vec(&wire::AuditPush {
        entries: vec![wire::AuditRecord {
            seq: 1,
            at: "2026-01-15T12:00:00.000Z".into(),
            staff: "device:laptop-1".into(),
            action: "create".into(),
            scope: Some("individual".into()),
            entity: Some("I-T-1".into()),
            field: None,
            detail: None,
            prev_hash: "0".repeat(64),
            hash: "1".repeat(64),
        }],
    })
    .unwrap()
}

fn sync_body() -> Vec<u8> {
    wire::encode(&wire::SyncRequest {
        schema_version: wire::SCHEMA_VERSION,
        after: 0,
        limit: 0,
        changes: vec![create_case(1, "KGL-T-1", "KGL-TC1")],
    })
    .unwrap()
}

fn edit() -> impl Strategy<Value = Edit> {
    byte_edits::edit(json_byte)
}

proptest! {
    // A sign-in case may cost an Argon2id check (until the rate limit answers 429).
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn enrolment_bodies_get_a_listed_answer(
        edits in proptest::collection::vec(edit(), 0..6),
        random in proptest::collection::vec(any::<u8>(), 0..512),
        use_random in any::<bool>(),
        ct in content_type(),
    ) {
        let valid = br#"{"code": "7KQ2-M9XD-4HPT-0ZRC"}"#.to_vec();
        let body = if use_random { random } else { mutate(valid, &edits) };
        post(wire::paths::ENROL, None, ct, body);
    }

    #[test]
    fn sign_in_bodies_get_a_listed_answer(
        edits in proptest::collection::vec(edit(), 0..6),
        random in proptest::collection::vec(any::<u8>(), 0..512),
        use_random in any::<bool>(),
        by_token in any::<bool>(),
        ct in content_type(),
    ) {
        let w = world();
        let valid = br#"{"name": "Amina Uwase", "pin": "000000"}"#.to_vec();
        let body = if use_random { random } else { mutate(valid, &edits) };
        let credential = if by_token { &w.token } else { &w.sign_in_token };
        post(wire::paths::SIGN_IN, Some(credential.as_str()), ct, body);
    }

    #[test]
    fn audit_bodies_get_a_listed_answer(
        edits in proptest::collection::vec(edit(), 0..6),
        random in proptest::collection::vec(any::<u8>(), 0..512),
        use_random in any::<bool>(),
        ct in content_type(),
    ) {
        let body = if use_random { random } else { mutate(audit_push(), &edits) };
        post(wire::paths::AUDIT, Some(world().token.as_str()), ct, body);
    }

    #[test]
    fn bulk_bodies_get_a_listed_answer(
        edits in proptest::collection::vec(edit(), 0..6),
        random in proptest::collection::vec(any::<u8>(), 0..2048),
        use_random in any::<bool>(),
        to_push in any::<bool>(),
    ) {
        let body = if use_random { random } else { mutate(sync_body(), &edits) };
        let path = if to_push { wire::paths::PUSH } else { wire::paths::SYNC };
        post(path, Some(world().token.as_str()), wire::BATCH_CONTENT_TYPE, body);
    }
}

/// Without a credential every operation but enrolment answers 401, whatever the body.
#[test]
fn without_a_credential_every_body_gets_401() {
    for path in [
        wire::paths::SIGN_IN,
        wire::paths::AUDIT,
        wire::paths::PUSH,
        wire::paths::SYNC,
    ] {
        assert_eq!(post(path, None, "application/json", b"{".to_vec()), 401);
        assert_eq!(
            post(path, Some("not-a-token"), "application/json", audit_push()),
            401
        );
    }
}

/// Audit entry numbers at the ends of their range are refused with 422 like any other wrong
/// number (the arithmetic on them used to overflow, which a debug build turns into a panic).
#[test]
fn audit_entries_numbered_at_the_ends_of_the_range_are_refused() {
    let token = world().token.as_str();
    let push = |seqs: &[i64]| {
        let entries = seqs
            .iter()
            .map(|&seq| {
                let mut e: wire::AuditPush = serde_json::from_slice(&audit_push()).unwrap();
                let mut entry = e.entries.remove(0);
                entry.seq = seq;
                entry
            })
            .collect();
        serde_json::to_vec(&wire::AuditPush { entries }).unwrap()
    };
    for seqs in [
        &[i64::MIN][..],
        &[i64::MAX],
        &[i64::MAX, i64::MIN],
        &[0],
        &[-1, 0],
    ] {
        let status = post(
            wire::paths::AUDIT,
            Some(token),
            "application/json",
            push(seqs),
        );
        assert_eq!(status, 422, "{seqs:?}");
    }
}

/// A malformed pull (a cursor past what the stores keep, a limit that is no u32) is told so
/// with 400, whatever schema version it claims: the description calls those values invalid.
#[test]
fn a_malformed_pull_gets_400_whatever_its_schema_version() {
    let w = world();
    for query in ["after=9223372036854775808", "limit=4294967296", "after=x"] {
        for version in ["0", "2"] {
            let request = Request::get(format!("{}?{query}", wire::paths::PULL))
                .header(header::AUTHORIZATION, format!("Bearer {}", w.token))
                .header(wire::SCHEMA_HEADER, version)
                .body(Body::empty())
                .unwrap();
            let status = w.runtime.block_on(async {
                app(w.state.clone())
                    .oneshot(request)
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            });
            assert_eq!(status, 400, "{query} with schema version {version}");
        }
    }
}
