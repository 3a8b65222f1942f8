//! Revocation, wipe and the offline lease (docs/revocation.md), end to end: real
//! `waypoint-server` processes on 127.0.0.1, real `waypoint` processes, clocks moved with
//! `faketime`. The acceptance: a device revoked as lost gets 401 and its data is gone
//! afterwards; a retired device's pending changes reach the server before it wipes; a device
//! past its lease is locked until it syncs.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::sync::{Server, sync};
use crate::util::{
    Env, assert_no_panic, individual, parse_jsonl, stderr_of, stdout_of, waypoint_bin,
};

/// Every file under `dir` (none when it does not exist).
fn files_under(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path.display().to_string());
        }
    }
    files
}

/// Checks that `laptop` holds nothing any more: no file in its data directory, no keys, no
/// device secret; and that a later command opens nothing of what it held.
fn assert_wiped(laptop: &Env) {
    assert_eq!(
        files_under(&laptop.data),
        Vec::<String>::new(),
        "the data directory holds no file"
    );
    assert!(
        !laptop.data.join(waypoint_keys::KEYS_FILE).exists(),
        "the wrapped keys are gone"
    );
    assert!(
        laptop.secret_files().is_empty(),
        "the device secret is gone"
    );
    // A later command finds nothing of the old data (it starts a new, empty, unenrolled
    // device: the old keys and secret that could have opened anything no longer exist).
    let found = laptop.ok(["search", "habimana"]);
    assert!(!found.contains("I-0001001"), "{found}");
    assert!(laptop.export().trim().is_empty(), "nothing to export");
    let status = laptop.ok(["status"]);
    assert!(status.contains("Not enrolled"), "{status}");
}

/// `waypoint ARGS` on `laptop` with its clock moved by `offset` (faketime syntax), whatever it
/// answers (no panic, though).
fn at_clock(laptop: &Env, offset: &str, args: &[&str]) -> Output {
    assert!(
        Path::new("/usr/bin/faketime").exists(),
        "faketime is missing: apt-get install faketime"
    );
    let mut cmd = Command::new("/usr/bin/faketime");
    laptop
        .keyed(&mut cmd)
        .env_remove("WAYPOINT_DATA_DIR")
        .args(["-f", offset, waypoint_bin(), "--data-dir"])
        .arg(&laptop.data)
        .args(args)
        .stdin(Stdio::null());
    let out = cmd.output().expect("running waypoint under faketime");
    assert_no_panic(&format!("waypoint {args:?} at {offset}"), &out);
    out
}

fn at_clock_ok(laptop: &Env, offset: &str, args: &[&str]) -> String {
    let out = at_clock(laptop, offset, args);
    assert!(
        out.status.success(),
        "waypoint {args:?} at {offset} failed:\n{}{}",
        stdout_of(&out),
        stderr_of(&out)
    );
    stdout_of(&out)
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

#[test]
fn a_device_revoked_as_lost_gets_401_and_its_data_is_gone() {
    let server = Server::start();
    let laptop = Env::new();
    server.enrol("KGL-TC1", &laptop, "kgl-laptop-1");
    laptop.import_sample();
    sync(&laptop);
    laptop.ok([
        "individual",
        "set",
        "I-0001001",
        "phone",
        "+250 788 999 999",
    ]);
    assert!(laptop.ok(["search", "habimana"]).contains("I-0001001"));
    assert!(!laptop.secret_files().is_empty());

    // Without a reason, revoking is refused, saying what is missing.
    let missing = Command::new(crate::sync::server_bin())
        .args(["admin", "device", "revoke", "kgl-laptop-1", "--database"])
        .arg(server.database())
        .output()
        .expect("running waypoint-server admin");
    assert!(!missing.status.success());
    assert!(
        stderr_of(&missing).contains("--reason"),
        "{}",
        stderr_of(&missing)
    );
    let said = server.admin(&["device", "revoke", "kgl-laptop-1", "--reason", "lost"]);
    assert!(said.contains("lost"), "{said}");
    assert!(
        server.admin(&["device", "list"]).contains("revoked (lost)"),
        "the list says why"
    );

    let out = laptop.run(["sync"]);
    let err = stderr_of(&out);
    assert!(!out.status.success(), "a wiped device's sync is no success");
    assert!(err.contains("revoked this device as lost"), "{err}");
    assert!(err.contains("erased"), "{err}");
    assert!(
        !laptop.data.exists() || files_under(&laptop.data).is_empty(),
        "{:?}",
        files_under(&laptop.data)
    );
    assert_wiped(&laptop);
    // No name reached the server's log.
    assert!(!server.log().contains("HABIMANA"));
}

#[test]
fn a_retired_device_pushes_its_pending_changes_then_wipes() {
    let mut server = Server::start();
    let (retired, colleague) = (Env::new(), Env::new());
    server.enrol("KGL-TC1", &retired, "kgl-laptop-1");
    server.enrol("KGL-TC1", &colleague, "kgl-laptop-2");
    retired.import_sample();
    sync(&retired);
    sync(&colleague);

    // Offline edits, then HQ retires the laptop; meanwhile a colleague edits something else.
    retired.ok([
        "individual",
        "set",
        "I-0001001",
        "phone",
        "+250 788 999 999",
    ]);
    retired.ok([
        "individual",
        "set",
        "I-0001002",
        "family_name",
        "Retiredsent",
    ]);
    assert_eq!(retired.pending(), 2);
    colleague.ok([
        "individual",
        "set",
        "I-0001003",
        "phone",
        "+250 788 777 777",
    ]);
    sync(&colleague);
    let said = server.admin(&["device", "revoke", "kgl-laptop-1", "--reason", "retired"]);
    assert!(said.contains("retired"), "{said}");

    // A sync that fails (the server is down) wipes nothing: the changes wait.
    server.kill();
    let down = retired.run(["sync"]);
    assert!(!down.status.success());
    assert!(
        stderr_of(&down).contains("could not be reached"),
        "{}",
        stderr_of(&down)
    );
    assert_eq!(
        retired.pending(),
        2,
        "nothing was wiped, the changes still wait"
    );
    assert!(!retired.secret_files().is_empty());
    server.restart();

    let out = retired.run(["sync", "--json"]);
    let err = stderr_of(&out);
    assert!(
        !out.status.success(),
        "a wiped device's sync is no plain success"
    );
    let report = json(&stdout_of(&out));
    assert_eq!(report["accepted"], 2, "{report}");
    assert_eq!(
        report["refused"].as_array().map(Vec::len),
        Some(0),
        "{report}"
    );
    assert_eq!(report["pending"], 0, "{report}");
    assert_eq!(report["retired"], true, "{report}");
    assert_eq!(report["wiped"], true, "{report}");
    assert_eq!(
        report["received_fields"], 0,
        "a retired device is sent nothing: {report}"
    );
    assert!(err.contains("retired"), "{err}");
    assert!(err.contains("erased"), "{err}");
    assert_wiped(&retired);

    // The colleague receives what the retired laptop sent before it wiped.
    sync(&colleague);
    let lines = parse_jsonl(&colleague.export());
    assert_eq!(individual(&lines, "I-0001001")["phone"], "+250 788 999 999");
    assert_eq!(
        individual(&lines, "I-0001002")["family_name"],
        "Retiredsent"
    );
    assert_eq!(individual(&lines, "I-0001003")["phone"], "+250 788 777 777");
}

#[test]
fn a_retired_device_keeps_the_changes_hq_refused_until_a_supervisor_dismisses_them() {
    let server = Server::start();
    let laptop = Env::new();
    server.enrol("NBO-TC2", &laptop, "nbo-laptop-1");
    // A case of another site, loaded by mistake: HQ refuses its case and its person.
    let other = laptop.write(
        "other.csv",
        "case_no,individual_no,relationship,family_name,given_names,sex,date_of_birth,nationality,site\n\
         KGL-2025-000999,I-0009999,PA,TESTPERSON,Fake,F,1990,SOM,KGL-TC1\n",
    );
    laptop.ok([std::ffi::OsStr::new("import"), other.as_os_str()]);
    server.admin(&["device", "revoke", "nbo-laptop-1", "--reason", "retired"]);

    let out = laptop.run(["sync", "--json"]);
    let err = stderr_of(&out);
    assert!(
        !out.status.success(),
        "a retired device's sync is no plain success"
    );
    let report = json(&stdout_of(&out));
    assert_eq!(
        report["refused"].as_array().map(Vec::len),
        Some(2),
        "{report}"
    );
    assert_eq!(report["pending"], 0, "{report}");
    assert_eq!(report["refused_kept"], 2, "{report}");
    assert_eq!(report["wiped"], false, "{report}");
    assert!(err.contains("HQ refused 2 change(s)"), "{err}");
    assert!(err.contains("waypoint outbox --dismiss"), "{err}");
    assert!(!err.contains("erased"), "{err}");
    assert!(!laptop.secret_files().is_empty(), "nothing was wiped");
    assert!(
        laptop.data.join(waypoint_keys::KEYS_FILE).exists(),
        "nothing was wiped"
    );

    // Shown, and never as "everything reached HQ".
    let status = laptop.ok(["status"]);
    assert!(status.contains("Changes the server refused: 2"), "{status}");
    let listed = json(&laptop.ok(["outbox", "--refused", "--json"]));
    assert_eq!(listed["refused"], 2, "{listed}");
    let again = laptop.run(["sync"]);
    assert!(!again.status.success());
    assert!(
        stdout_of(&again).contains("Changes HQ refused, kept on this device: 2"),
        "{}",
        stdout_of(&again)
    );
    assert!(
        !laptop.secret_files().is_empty(),
        "a second sync wipes nothing either"
    );

    // A supervisor dismisses them (dealt with at HQ); the next sync erases the laptop.
    let changes = listed["changes"].as_array().cloned().unwrap_or_default();
    for change in &changes {
        let number = change["client_seq"].to_string();
        let said = laptop.ok(["outbox", "--dismiss", &number]);
        assert!(said.contains("Dismissed refused change"), "{said}");
    }
    let out = laptop.run(["sync", "--json"]);
    let report = json(&stdout_of(&out));
    assert_eq!(report["wiped"], true, "{report}");
    assert!(stderr_of(&out).contains("erased"), "{}", stderr_of(&out));
    assert_wiped(&laptop);
}

#[test]
fn a_device_past_its_lease_is_locked_until_it_syncs() {
    let server = Server::start();
    let (laptop, colleague) = (Env::new(), Env::new());
    server.enrol("KGL-TC1", &laptop, "kgl-laptop-1");
    server.enrol("KGL-TC1", &colleague, "kgl-laptop-2");
    laptop.import_sample();
    sync(&laptop);
    laptop.ok([
        "individual",
        "set",
        "I-0001001",
        "phone",
        "+250 788 999 999",
    ]);

    // Within the lease (13 days later) everything works.
    assert!(at_clock_ok(&laptop, "+13d", &["search", "habimana"]).contains("I-0001001"));

    // 15 days later: locked, saying why and what to do; the edit is kept.
    let refused = at_clock(&laptop, "+15d", &["search", "habimana"]);
    let err = stderr_of(&refused);
    assert!(!refused.status.success(), "{}", stdout_of(&refused));
    assert!(!stdout_of(&refused).contains("I-0001001"));
    assert!(err.contains("has not synced for 15 days"), "{err}");
    assert!(err.contains("the site allows 14"), "{err}");
    assert!(err.contains("run `waypoint sync`"), "{err}");
    for args in [
        &["export"][..],
        &[
            "individual",
            "set",
            "I-0001002",
            "phone",
            "+250 788 000 000",
        ],
        &["outbox"],
    ] {
        let out = at_clock(&laptop, "+15d", args);
        assert!(!out.status.success(), "{args:?} works past the lease");
        assert!(stderr_of(&out).contains("has not synced for 15 days"));
    }
    let status = json(&at_clock_ok(&laptop, "+15d", &["status", "--json"]));
    assert_eq!(status["pending"], 1, "the offline edit is kept: {status}");
    assert_eq!(status["lease"]["state"], "expired", "{status}");
    assert!(
        at_clock_ok(&laptop, "+15d", &["status"]).contains("locked until `waypoint sync`"),
        "status says so"
    );

    // The sync works, sends the edit, and unlocks the laptop.
    let report = json(&at_clock_ok(&laptop, "+15d", &["sync", "--json"]));
    assert_eq!(report["accepted"], 1, "{report}");
    assert_eq!(report["pending"], 0, "{report}");
    assert!(at_clock_ok(&laptop, "+15d", &["search", "habimana"]).contains("I-0001001"));
    sync(&colleague);
    let lines = parse_jsonl(&colleague.export());
    assert_eq!(individual(&lines, "I-0001001")["phone"], "+250 788 999 999");
}
