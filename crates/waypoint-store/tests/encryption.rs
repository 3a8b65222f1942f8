//! Encryption at rest (docs/storage.md), against real files: the store is SQLCipher, opened only
//! with the key that `waypoint-keys` unwraps with a staff member's PIN and this device's secret.
#![allow(clippy::unwrap_used)] // a test that cannot set up fails loudly

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use waypoint_domain::Field;
use waypoint_import::{ImportOptions, parse};
use waypoint_keys::{DeviceKeys, KeyError, MAX_WRONG_PINS, SecretPlace};
use waypoint_store::{DB_FILE, Store, StoreError, StoreKey};

const PIN: &str = "483920";
const WRONG_PIN: &str = "000000";
const STAFF: &str = "Test Officer";
/// Every canary value contains this; the scan looks for it in any case.
const MARKER: &str = "qzxcanary";
const SAMPLE: &str = include_str!("../../../tests/fixtures/sample-cases.csv");

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

/// One simulated device: its data directory, and its device secret beside it (not inside).
struct Device {
    tmp: tempfile::TempDir,
}

impl Device {
    fn new() -> Self {
        Self {
            tmp: tempfile::tempdir().unwrap(),
        }
    }
    fn data(&self) -> PathBuf {
        self.tmp.path().join("data")
    }
    fn place(&self) -> SecretPlace {
        SecretPlace::File(self.tmp.path().join("secret").join("device-secret"))
    }
    /// First use: keys for `STAFF`, and the store made with that key.
    fn create(&self) -> Store {
        let (_, key) = DeviceKeys::create(&self.data(), &self.place(), STAFF, PIN).unwrap();
        Store::open(&self.data(), &key).unwrap()
    }
    /// What the CLI and the desktop do: unwrap the key with the PIN, then open.
    fn unlock(&self, pin: &str) -> Result<Store, String> {
        let mut keys = DeviceKeys::load(&self.data(), &self.place()).map_err(|e| e.to_string())?;
        let key = keys.unlock(STAFF, pin).map_err(|e| e.to_string())?;
        Store::open(&self.data(), &key).map_err(|e| e.to_string())
    }
}

fn import(store: &mut Store, csv: &str) {
    let parsed = parse(
        csv.as_bytes(),
        &ImportOptions { today: today() },
        &mut |_, _| {},
    )
    .unwrap();
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    store
        .import(
            parsed.rows.iter().map(|r| (r.line, &r.record)),
            false,
            &mut |_| {},
        )
        .unwrap();
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

#[test]
fn the_data_directory_copied_alone_cannot_be_opened_even_with_the_right_pin() {
    let device = Device::new();
    let mut store = device.create();
    import(&mut store, SAMPLE);
    drop(store);
    assert!(device.unlock(PIN).is_ok(), "the device itself opens it");

    let elsewhere = Device::new();
    copy_dir(&device.data(), &elsewhere.data());
    // Without the device secret: neither the right PIN nor a wrong one opens it.
    for pin in [PIN, WRONG_PIN] {
        let err = elsewhere.unlock(pin).unwrap_err();
        assert!(err.contains("device's secret is missing"), "{pin}: {err}");
    }
    // With device secrets of the other computer's own: still not (each data directory has a
    // secret of its own, and none of theirs is this one's).
    DeviceKeys::create(
        &elsewhere.tmp.path().join("own"),
        &elsewhere.place(),
        STAFF,
        PIN,
    )
    .unwrap();
    for pin in [PIN, WRONG_PIN] {
        let err = elsewhere.unlock(pin).unwrap_err();
        assert!(err.contains("device's secret is missing"), "{pin}: {err}");
    }
    // The database file itself: plain SQLite cannot read it, nor can SQLCipher with a wrong key.
    let db = elsewhere.data().join(DB_FILE);
    let plain = rusqlite::Connection::open(&db).unwrap();
    let err = plain
        .query_row("SELECT count(*) FROM individual", [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap_err();
    assert!(err.to_string().contains("not a database"), "{err}");
    let err = Store::open(&elsewhere.data(), &StoreKey::generate().unwrap()).unwrap_err();
    assert!(matches!(err, StoreError::WrongKey { .. }), "{err}");
    assert!(
        err.to_string().contains("cannot be read with this key"),
        "{err}"
    );
    // And the copy is not damaged by these attempts: on its own device it opens.
    copy_dir(
        &device.tmp.path().join("secret"),
        &elsewhere.tmp.path().join("secret-of-first"),
    );
    let mut keys = DeviceKeys::load(
        &elsewhere.data(),
        &SecretPlace::File(
            elsewhere
                .tmp
                .path()
                .join("secret-of-first")
                .join("device-secret"),
        ),
    )
    .unwrap();
    let key = keys.unlock(STAFF, PIN).unwrap();
    let store = Store::open(&elsewhere.data(), &key).unwrap();
    assert_eq!(
        store
            .case("KGL-2025-000101")
            .unwrap()
            .unwrap()
            .case
            .members
            .len(),
        4
    );
}

#[test]
fn a_wrong_pin_does_not_open_the_store_and_five_in_a_row_destroy_the_wrapped_key() {
    let device = Device::new();
    drop(device.create());
    let err = device.unlock(WRONG_PIN).unwrap_err();
    assert!(err.contains("wrong PIN"), "{err}");
    assert!(device.unlock(PIN).is_ok(), "the right PIN still opens it");

    for n in 1..=MAX_WRONG_PINS {
        let err = device.unlock(WRONG_PIN).unwrap_err();
        if n < MAX_WRONG_PINS {
            assert!(err.contains("wrong PIN"), "attempt {n}: {err}");
        } else {
            assert!(err.contains("has erased"), "attempt {n}: {err}");
        }
    }
    let err = device.unlock(PIN).unwrap_err();
    assert!(err.contains("has no key on this device"), "{err}");
    let mut keys = DeviceKeys::load(&device.data(), &device.place()).unwrap();
    assert!(matches!(
        keys.unlock(STAFF, PIN),
        Err(KeyError::UnknownStaff { .. })
    ));
}

/// An import file of obviously fake people whose names, document numbers and notes all carry
/// the marker.
fn canary_csv(rows: usize) -> String {
    let header = SAMPLE.lines().next().unwrap();
    let columns: Vec<&str> = header.split(',').collect();
    let mut out = format!("{header}\n");
    for n in 0..rows {
        let cells: Vec<String> = columns
            .iter()
            .map(|column| match *column {
                "case_no" => format!("TST-2025-{:06}", n / 2),
                "individual_no" => format!("T-{n:07}"),
                "relationship" => ["PA", "SP"][n % 2].into(),
                "family_name" => format!("QZXCANARYFAMILY{n:04}"),
                "given_names" => format!("Qzxcanarygiven{n:04}"),
                "sex" => ["M", "F"][n % 2].into(),
                "date_of_birth" => "1980-01-01".into(),
                "nationality" => "XXA".into(),
                "languages" => "en".into(),
                "site" => "TST-SITE1".into(),
                "programme" => "TESTPROGRAMME".into(),
                "document_type" => "ICRC_TRAVEL_DOCUMENT".into(),
                "document_no" => format!("QZXCANARY{n:06}"),
                "document_issuer" => "ICRC".into(),
                "document_expiry" => "2028-01-31".into(),
                "special_needs_notes" => format!("qzxcanary medical note {n}"),
                _ => String::new(),
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

/// Files under `dir` (recursively) holding the marker in any case, as UTF-8 or UTF-16.
fn files_with_marker(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries {
        let entry = entry.unwrap();
        let path = entry.path();
        if entry.file_type().unwrap().is_dir() {
            found.extend(files_with_marker(&path));
        } else if let Some(how) = contains_marker(&std::fs::read(&path).unwrap_or_default()) {
            found.push(format!("{} ({how})", path.display()));
        }
    }
    found
}

fn contains_marker(bytes: &[u8]) -> Option<&'static str> {
    let lower: Vec<u8> = bytes.iter().map(u8::to_ascii_lowercase).collect();
    let utf8 = MARKER.as_bytes().to_vec();
    let utf16le: Vec<u8> = MARKER.bytes().flat_map(|b| [b, 0]).collect();
    let utf16be: Vec<u8> = MARKER.bytes().flat_map(|b| [0, b]).collect();
    let has = |needle: &[u8]| lower.windows(needle.len()).any(|w| w == needle);
    if has(&utf8) {
        Some("UTF-8")
    } else if has(&utf16le) {
        Some("UTF-16LE")
    } else if has(&utf16be) {
        Some("UTF-16BE")
    } else {
        None
    }
}

#[test]
fn the_scan_finds_the_marker_in_a_plain_sqlite_file_and_in_utf16() {
    // The scan below is only worth something if it finds what is there.
    let dir = tempfile::tempdir().unwrap();
    let conn = rusqlite::Connection::open(dir.path().join("plain.db")).unwrap();
    conn.execute_batch("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('QZXCANARYFAMILY1');")
        .unwrap();
    drop(conn);
    let utf16: Vec<u8> = "Qzxcanary"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    std::fs::write(dir.path().join("utf16.txt"), utf16).unwrap();
    let found = files_with_marker(dir.path());
    assert_eq!(found.len(), 2, "{found:?}");
}

#[test]
fn canary_after_import_edit_and_search_no_file_of_the_data_directory_holds_a_marker_in_clear() {
    let device = Device::new();
    let mut store = device.create();
    import(&mut store, &canary_csv(400));
    store
        .set_field("T-0000001", Field::FamilyName, "QZXCANARYEDITED", today())
        .unwrap();
    store
        .set_field(
            "T-0000002",
            Field::SpecialNeedsNotes,
            "qzxcanary edited note",
            today(),
        )
        .unwrap();
    let hits = store.search("qzxcanaryfamily0003", 5).unwrap();
    assert!(!hits.is_empty(), "the search finds the canary rows");
    let mut out = Vec::new();
    store.export(&mut out).unwrap();
    assert!(String::from_utf8(out).unwrap().contains("QZXCANARYEDITED"));

    // While the store is open: the WAL holds the last pages, and they must be ciphertext.
    let wal = device.data().join(format!("{DB_FILE}-wal"));
    assert!(
        std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) > 0,
        "the WAL has pages to check"
    );
    let found = files_with_marker(device.tmp.path());
    assert!(found.is_empty(), "marker in clear while open: {found:?}");

    drop(store);
    let found = files_with_marker(device.tmp.path());
    assert!(found.is_empty(), "marker in clear after closing: {found:?}");
    // And the data is all there for the right PIN.
    let mut store = device.unlock(PIN).unwrap();
    assert_eq!(store.search("QZXCANARYEDITED", 5).unwrap().len(), 1);
}
