//! Bulk bodies come from the network: whatever the bytes (random, or a valid batch with bytes
//! flipped, inserted or deleted, before or after compression), decoding returns a value or a
//! clear error, never panics, and allocates in proportion to the input, not to what a frame
//! header claims. Allocations are counted by wrapping the system allocator.
#![allow(clippy::unwrap_used)]

use std::alloc::System;
use std::sync::Mutex;

use proptest::prelude::*;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use waypoint_protocol::{
    Change, ChangeBody, PullPage, PushRequest, Scope, SyncRequest, SyncResponse, decode,
    decode_request, encode,
};

#[path = "../../../tests/support/byte_edits.rs"]
mod byte_edits;
use byte_edits::{Edit, mutate};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// The allocation counters are process-wide: one measured decode at a time.
static MEASURING: Mutex<()> = Mutex::new(());

/// What decoding `n` input bytes may allocate at most: a fixed allowance for zstd's and
/// postcard's buffers, and a generous ratio (a legitimate batch compresses far less).
fn allowance(n: usize) -> usize {
    8 * 1024 * 1024 + 1024 * n
}

/// Runs `decode` on `body` and fails if it allocated more than the allowance.
fn measured<T>(body: &[u8], decode: impl FnOnce(&[u8]) -> T) -> T {
    let _one = MEASURING.lock().unwrap_or_else(|e| e.into_inner());
    let region = Region::new(GLOBAL);
    let out = decode(body);
    let allocated = region.change().bytes_allocated;
    assert!(
        allocated <= allowance(body.len()),
        "decoding {} bytes allocated {allocated} bytes",
        body.len()
    );
    out
}

/// Every decoder a server or a device runs on bytes from the network; each error must say
/// something for a person.
fn decode_all(body: &[u8]) {
    let messages = [
        measured(body, |b| decode_request::<SyncRequest>(b).err()),
        measured(body, |b| decode_request::<PushRequest>(b).err()),
        measured(body, |b| decode::<PullPage>(b).err()),
        measured(body, |b| decode::<SyncResponse>(b).err()),
    ];
    for error in messages.into_iter().flatten() {
        assert!(!error.to_string().trim().is_empty());
    }
}

fn change(seq: u64, value: &str) -> Change {
    Change {
        client_seq: seq,
        hlc: seq << 16,
        scope: Scope::Individual,
        entity: format!("I-T-{seq}"),
        body: if seq % 2 == 0 {
            ChangeBody::Field {
                case_no: "KGL-T-1".into(),
                field: "phone".into(),
                value: Some(value.into()),
                base_seq: seq,
                resolves: None,
            }
        } else {
            ChangeBody::Create {
                case_no: "KGL-T-1".into(),
                fields: vec![
                    ("given_name".into(), Some(value.into())),
                    ("family_name".into(), None),
                ],
            }
        },
    }
}

fn valid_sync(values: &[String]) -> SyncRequest {
    SyncRequest {
        schema_version: waypoint_protocol::SCHEMA_VERSION,
        after: 7,
        limit: 0,
        changes: values
            .iter()
            .enumerate()
            .map(|(i, v)| change(i as u64 + 1, v))
            .collect(),
    }
}

fn zstd_frame(raw: &[u8]) -> Vec<u8> {
    zstd::bulk::compress(raw, 3).unwrap()
}

fn edit() -> impl Strategy<Value = Edit> {
    byte_edits::edit(any_byte)
}

fn any_byte() -> impl Strategy<Value = u8> {
    any::<u8>()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_are_refused_with_a_clear_error(body in proptest::collection::vec(any::<u8>(), 0..4096)) {
        decode_all(&body);
    }

    #[test]
    fn random_bytes_in_a_valid_zstd_frame_are_refused_with_a_clear_error(
        raw in proptest::collection::vec(any::<u8>(), 0..4096)
    ) {
        decode_all(&zstd_frame(&raw));
    }

    #[test]
    fn a_damaged_batch_decodes_or_is_refused(
        values in proptest::collection::vec("[a-zA-Z0-9 ]{0,24}", 0..12),
        edits in proptest::collection::vec(edit(), 1..6),
    ) {
        let body = encode(&valid_sync(&values)).unwrap();
        decode_all(&mutate(body, &edits));
    }

    #[test]
    fn a_batch_damaged_before_compression_decodes_or_is_refused(
        values in proptest::collection::vec("[a-zA-Z0-9 ]{0,24}", 0..12),
        edits in proptest::collection::vec(edit(), 1..6),
    ) {
        let raw = postcard::to_stdvec(&valid_sync(&values)).unwrap();
        decode_all(&zstd_frame(&mutate(raw, &edits)));
    }
}

#[test]
fn an_undamaged_batch_still_decodes() {
    let request = valid_sync(&["Amina".to_string(), "+250 700 000 000".to_string()]);
    let body = encode(&request).unwrap();
    let back: SyncRequest = measured(&body, decode_request).unwrap();
    assert_eq!(back, request);
}

/// A frame cut short keeps the header that says how big it decodes: the decoder must not
/// reserve that size (up to the 128 MiB cap) before finding out the frame is incomplete.
#[test]
fn a_truncated_frame_does_not_reserve_what_its_header_claims() {
    let big = SyncRequest {
        changes: (0..20_000).map(|i| change(i, "same value")).collect(),
        ..valid_sync(&[])
    };
    let body = encode(&big).unwrap();
    for cut in [1, body.len() / 2, body.len() - 4] {
        let short = &body[..body.len() - cut];
        let error = measured(short, decode_request::<SyncRequest>).unwrap_err();
        assert!(
            error.to_string().contains("not a valid Waypoint batch"),
            "{error}"
        );
    }
}

/// A frame that records no size but asks for a 128 MiB window would make zstd's streaming
/// decoder set aside a buffer that large (outside Rust's allocator): such frames are refused,
/// since `encode` never makes them.
#[test]
fn a_frame_asking_for_a_huge_window_is_refused() {
    let raw = postcard::to_stdvec(&valid_sync(&["Amina".to_string()])).unwrap();
    let mut frame = vec![0x28, 0xb5, 0x2f, 0xfd];
    // Frame header: no content size, not single-segment; window 2^27 (exponent 17).
    frame.extend([0x00, 17 << 3]);
    // One raw block, the last, holding the whole message.
    let header = ((raw.len() as u32) << 3) | 1;
    frame.extend(&header.to_le_bytes()[..3]);
    frame.extend(&raw);
    let error = decode_request::<SyncRequest>(&frame).unwrap_err();
    assert!(
        error.to_string().contains("not a valid Waypoint batch"),
        "{error}"
    );
}
