//! Encryption at rest through the real binary (docs/storage.md): the canary test, a copied data
//! directory, wrong PINs, and a colleague's key.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use crate::sync::{Server, sync};
use crate::util::{Env, TEST_PIN, assert_no_panic, sample_text, stderr_of, stdout_of};

/// Every canary value carries this; the scan looks for it in any case.
const MARKER: &str = "qzxcanary";

/// An import file of obviously fake people whose names, document numbers and notes all carry
/// the marker, at the sample's site (so that sync carries them to the site's other laptops).
fn canary_csv(rows: usize) -> String {
    let sample = sample_text();
    let header = sample.lines().next().expect("a header");
    let columns: Vec<&str> = header.split(',').collect();
    let mut out = format!("{header}\n");
    for n in 0..rows {
        let cells: Vec<String> = columns
            .iter()
            .map(|column| match *column {
                "case_no" => format!("KGL-2025-9{:05}", n / 2),
                "individual_no" => format!("I-9{n:06}"),
                "relationship" => ["PA", "SP"][n % 2].into(),
                "family_name" => format!("QZXCANARYFAMILY{n:04}"),
                "given_names" => format!("Qzxcanarygiven{n:04}"),
                "sex" => ["M", "F"][n % 2].into(),
                "date_of_birth" => "1980-01-01".into(),
                "nationality" => "XXA".into(),
                "languages" => "en".into(),
                "site" => "KGL-TC1".into(),
                "programme" => "TESTPROGRAMME".into(),
                "document_type" => "ICRC_TRAVEL_DOCUMENT".into(),
                "document_no" => format!("QZXCANARY{n:06}"),
                "document_issuer" => "ICRC".into(),
                "document_expiry" => "2028-01-31".into(),
                "special_needs_notes" => format!("qzxcanary medical note {n}"),
                "vulnerabilities" => "PREGNANT".into(),
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
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
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

/// A laptop whose `waypoint` processes keep their temporary files in a directory of its own.
struct Laptop {
    env: Env,
    tmp: PathBuf,
}

impl Laptop {
    fn new() -> Self {
        let env = Env::new();
        let tmp = env.path("process-tmp");
        std::fs::create_dir_all(&tmp).expect("a temporary directory");
        Self { env, tmp }
    }

    /// `waypoint ARGS`, which must succeed, with TMPDIR (and SQLite's) in `tmp`.
    fn ok<S: AsRef<OsStr>>(&self, args: &[S]) -> String {
        let mut cmd = self.env.cmd(args);
        cmd.env("TMPDIR", &self.tmp).env("SQLITE_TMPDIR", &self.tmp);
        let out = cmd.output().expect("running waypoint");
        assert_no_panic("canary", &out);
        assert!(out.status.success(), "{cmd:?} failed:\n{}", stderr_of(&out));
        stdout_of(&out)
    }

    /// What the scan covers: the data directory and the temporary directory.
    fn marker_files(&self) -> Vec<String> {
        let mut found = files_with_marker(&self.env.data);
        found.extend(files_with_marker(&self.tmp));
        found
    }
}

#[test]
fn canary_after_import_edit_sync_and_search_no_file_in_the_data_or_temp_directory_holds_a_marker() {
    // The scan finds what is there: the import file itself, and UTF-16.
    let one = Laptop::new();
    let csv = one.env.write("canary.csv", canary_csv(600));
    assert!(contains_marker(&std::fs::read(&csv).expect("the file")).is_some());
    let utf16: Vec<u8> = "Qzxcanary"
        .encode_utf16()
        .flat_map(u16::to_be_bytes)
        .collect();
    assert_eq!(contains_marker(&utf16), Some("UTF-16BE"));

    let server = Server::start();
    let two = Laptop::new();
    server.enrol("KGL-TC1", &one.env, "kgl-canary-1");
    server.enrol("KGL-TC1", &two.env, "kgl-canary-2");

    one.ok(&[OsStr::new("import"), csv.as_os_str()]);
    one.ok(&[
        "individual",
        "set",
        "I-9000001",
        "family_name",
        "QZXCANARYEDITED",
    ]);
    one.ok(&[
        "individual",
        "set",
        "I-9000002",
        "special_needs_notes",
        "qzxcanary edited medical note",
    ]);
    assert!(
        one.ok(&["search", "qzxcanaryfamily0003", "--json"])
            .contains("I-9000003")
    );
    assert!(
        one.ok(&["case", "show", "KGL-2025-900001"])
            .contains("QZXCANARY")
    );
    one.ok(&["outbox", "--json"]);
    sync(&one.env);
    sync(&two.env);
    two.ok(&[
        "individual",
        "set",
        "I-9000004",
        "given_names",
        "Qzxcanaryeditedontwo",
    ]);
    sync(&two.env);
    sync(&one.env);
    assert!(
        two.ok(&["search", "QZXCANARYEDITED", "--json"])
            .contains("I-9000001"),
        "the edit reached the second laptop"
    );
    assert!(
        one.ok(&["export"]).contains("Qzxcanaryeditedontwo"),
        "and the second laptop's edit the first"
    );

    // Each process checkpointed and removed its WAL on the way out; the WAL of an open store
    // is scanned by waypoint-store's tests/encryption.rs.
    for laptop in [&one, &two] {
        let db = laptop.env.data.join(waypoint_store::DB_FILE);
        assert!(
            std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0) > 100_000,
            "the store is there to be checked"
        );
        let found = laptop.marker_files();
        assert!(found.is_empty(), "marker in clear: {found:?}");
    }
}

#[test]
fn a_copied_data_directory_does_not_open_elsewhere_even_with_the_right_pin() {
    let device = Env::with_sample();
    let elsewhere = Env::new();
    copy_dir(&device.data, &elsewhere.data);
    // Same staff name and PIN, but not this device's secret.
    let err = elsewhere.fails(["export"]);
    assert!(err.contains("device's secret is missing"), "{err}");
    assert!(
        elsewhere.secret_files().is_empty(),
        "no device secret was made for a directory that has keys"
    );
    // Another device's secret, put where the copy looks for its own, does not open it either.
    let mine = device.secret_files().remove(0);
    std::fs::copy(
        Env::with_sample().secret_files().remove(0),
        elsewhere
            .tmp
            .path()
            .join(mine.file_name().expect("a file name")),
    )
    .expect("another device's secret");
    let err = elsewhere.fails(["export"]);
    assert!(err.contains("belongs to another device"), "{err}");
    // The original still opens.
    assert!(device.export().contains("HABIMANA"));
}

/// `waypoint ARGS` on `env` with `pin` instead of the test PIN.
fn with_pin(env: &Env, pin: &str, args: &[&str]) -> std::process::Output {
    let out = env
        .cmd(args)
        .env("WAYPOINT_PIN", pin)
        .output()
        .expect("running waypoint");
    assert_no_panic("with another PIN", &out);
    out
}

#[test]
fn five_wrong_pins_erase_the_key_and_a_colleague_can_give_it_back() {
    let env = Env::with_sample();
    // A colleague gets a key of their own first.
    let out = env
        .cmd(["staff", "add", "Second Officer", "--role", "supervisor"])
        .env("WAYPOINT_NEW_PIN", "975310")
        .output()
        .expect("running waypoint");
    assert!(out.status.success(), "{}", stderr_of(&out));

    let out = with_pin(&env, "000000", &["export"]);
    assert!(!out.status.success());
    assert!(stderr_of(&out).contains("wrong PIN"), "{}", stderr_of(&out));
    assert!(stdout_of(&out).is_empty(), "nothing shown with a wrong PIN");
    // The right PIN resets the count.
    assert!(env.export().contains("HABIMANA"));
    for n in 1..=5 {
        let out = with_pin(&env, "000000", &["search", "habimana"]);
        assert!(!out.status.success());
        let err = stderr_of(&out);
        if n < 5 {
            assert!(
                err.contains(&format!("{} more wrong PIN", 5 - n)),
                "{n}: {err}"
            );
        } else {
            assert!(err.contains("has erased"), "{n}: {err}");
        }
    }
    let err = env.fails(["export"]);
    assert!(err.contains("has no key on this device"), "{err}");

    // The colleague still opens the device, and gives the key back with a new PIN.
    let colleague = |args: &[&str]| {
        env.cmd(args)
            .env("WAYPOINT_STAFF", "Second Officer")
            .env("WAYPOINT_PIN", "975310")
            .env("WAYPOINT_NEW_PIN", TEST_PIN)
            .output()
            .expect("running waypoint")
    };
    let out = colleague(&["export"]);
    assert!(stdout_of(&out).contains("HABIMANA"), "{}", stderr_of(&out));
    let out = colleague(&["staff", "add", "Test Officer"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(env.export().contains("HABIMANA"));
}

#[test]
fn without_a_name_or_a_pin_the_command_says_what_is_missing() {
    let env = Env::with_sample();
    let out = env
        .cmd(["export"])
        .env_remove("WAYPOINT_PIN")
        .output()
        .expect("running waypoint");
    assert!(!out.status.success());
    assert!(
        stderr_of(&out).contains("WAYPOINT_PIN"),
        "{}",
        stderr_of(&out)
    );
    let out = env
        .cmd(["export"])
        .env_remove("WAYPOINT_STAFF")
        .output()
        .expect("running waypoint");
    assert!(!out.status.success());
    assert!(stderr_of(&out).contains("--staff"), "{}", stderr_of(&out));
    // A PIN too short is refused when the keys are made.
    let fresh = Env::new();
    let out = with_pin(&fresh, "12", &["export"]);
    assert!(
        stderr_of(&out).contains("at least 6 characters"),
        "{}",
        stderr_of(&out)
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("creating a directory");
    for entry in std::fs::read_dir(from)
        .expect("reading a directory")
        .flatten()
    {
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()));
        } else {
            std::fs::copy(&path, to.join(entry.file_name())).expect("copying a file");
        }
    }
}
