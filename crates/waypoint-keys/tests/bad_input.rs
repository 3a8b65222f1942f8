//! `keys.json` lies in the data directory, where a buggy build, a full disk or someone with the
//! laptop can change it: whatever it holds (random bytes, or a real keys file with bytes
//! flipped, inserted or deleted), loading and unlocking give a key or an error for a person,
//! never a panic, and never more memory or time than the limits the crate sets on Argon2.
//! Allocations are counted by wrapping the system allocator.
#![allow(clippy::unwrap_used)]

use std::alloc::System;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use waypoint_keys::{DeviceKeys, KEYS_FILE, KeyError, SecretPlace, StoreKey};

#[path = "../../../tests/support/byte_edits.rs"]
mod byte_edits;
use byte_edits::{Edit, mutate};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// One keys file at a time: the allocation counters are process-wide, and the cases share the
/// directory.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

const PIN: &str = "483920";
const STAFF: &str = "Test Officer";
/// The most memory a keys file may make Argon2 use (the crate refuses more).
const ARGON2_MAX_BYTES: usize = 1024 * 1024 * 1024;

/// A data directory whose keys were made once (Argon2 is slow), with a recovery slot, and
/// the valid keys file's text.
struct Setup {
    _tmp: tempfile::TempDir,
    data: PathBuf,
    place: SecretPlace,
    valid: Vec<u8>,
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let place = SecretPlace::File(tmp.path().join("secret").join("device-secret"));
        let (mut keys, key) = DeviceKeys::create(&data, &place, STAFF, PIN).unwrap();
        keys.set_recovery(
            &key,
            "https://hq.example",
            "sign-in-token",
            &"ab".repeat(32),
        )
        .unwrap();
        let valid = std::fs::read(data.join(KEYS_FILE)).unwrap();
        Setup {
            _tmp: tmp,
            data,
            place,
            valid,
        }
    })
}

/// Writes `bytes` as the keys file, then loads and uses it the ways the apps do; fails on an
/// empty error message or an allocation past the limits.
fn use_keys_file(bytes: &[u8]) {
    let s = setup();
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    std::fs::write(s.data.join(KEYS_FILE), bytes).unwrap();
    let region = Region::new(GLOBAL);
    let mut errors: Vec<KeyError> = Vec::new();
    match DeviceKeys::load(&s.data, &s.place) {
        Err(e) => errors.push(e),
        Ok(mut keys) => {
            errors.extend(keys.unlock(STAFF, PIN).err());
            errors.extend(keys.sign_in_credential().err());
            errors.extend(keys.recover(&"cd".repeat(32)).err());
        }
    }
    let allocated = region.change().bytes_allocated;
    assert!(
        allocated <= ARGON2_MAX_BYTES + 4 * 1024 * 1024 + 64 * bytes.len(),
        "a keys file of {} bytes made it allocate {allocated} bytes",
        bytes.len()
    );
    for e in errors {
        assert!(!e.to_string().trim().is_empty());
    }
}

fn edit() -> impl Strategy<Value = Edit> {
    byte_edits::edit(any_byte)
}

fn any_byte() -> impl Strategy<Value = u8> {
    any::<u8>()
}

proptest! {
    // A case that still loads costs an Argon2id derivation: few cases.
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, max_shrink_iters: 32, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_as_keys_file_are_refused_with_a_clear_error(
        bytes in proptest::collection::vec(any::<u8>(), 0..2048)
    ) {
        use_keys_file(&bytes);
    }

    #[test]
    fn a_damaged_keys_file_unlocks_or_is_refused(edits in proptest::collection::vec(edit(), 1..8)) {
        use_keys_file(&mutate(setup().valid.clone(), &edits));
    }
}

/// The text of the valid keys file with one number replaced.
fn with_number(field: &str, value: u64) -> Vec<u8> {
    let mut file: serde_json::Value = serde_json::from_slice(&setup().valid).unwrap();
    file["staff"][0][field] = value.into();
    serde_json::to_vec(&file).unwrap()
}

fn unlock_within(bytes: Vec<u8>, limit: Duration) -> Result<StoreKey, KeyError> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let s = setup();
        let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        std::fs::write(s.data.join(KEYS_FILE), bytes).unwrap();
        let mut keys = DeviceKeys::load(&s.data, &s.place).unwrap();
        let _ = tx.send(keys.unlock(STAFF, PIN));
    });
    rx.recv_timeout(limit)
        .expect("unlocking with the keys file's Argon2 parameters did not end in time")
}

/// A keys file asking Argon2 for billions of passes would hang the app at sign-in: refused.
#[test]
fn a_keys_file_asking_for_endless_passes_is_refused_at_once() {
    let started = Instant::now();
    let error = unlock_within(
        with_number("argon2_t", 4_000_000_000),
        Duration::from_secs(60),
    )
    .unwrap_err();
    assert!(matches!(error, KeyError::DamagedKeys { .. }), "{error}");
    assert!(started.elapsed() < Duration::from_secs(60));
}

/// A keys file asking Argon2 for more memory than the cap is refused before anything is
/// allocated for it.
#[test]
fn a_keys_file_asking_for_too_much_memory_is_refused_without_allocating_it() {
    let bytes = with_number("argon2_m_kib", 8 * 1024 * 1024);
    let s = setup();
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    std::fs::write(s.data.join(KEYS_FILE), &bytes).unwrap();
    let region = Region::new(GLOBAL);
    let error = DeviceKeys::load(&s.data, &s.place)
        .unwrap()
        .unlock(STAFF, PIN)
        .unwrap_err();
    assert!(matches!(error, KeyError::DamagedKeys { .. }), "{error}");
    assert!(region.change().bytes_allocated < 4 * 1024 * 1024);
}

#[test]
fn the_undamaged_keys_file_still_unlocks() {
    let bytes = setup().valid.clone();
    unlock_within(bytes, Duration::from_secs(120)).unwrap();
}
