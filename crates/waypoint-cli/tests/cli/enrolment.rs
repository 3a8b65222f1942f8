//! Enrolment and the device secret, end to end with real `waypoint-server` processes: an
//! enrolled laptop refuses `enrol` (audited, nothing sent to the other server); a supervisor's
//! `enrol --replace` first sends everything to the server it leaves, and the audit log goes on
//! at the new enrolment; wiping one data directory leaves another on the same computer working;
//! the export file is readable by its owner only.

use crate::sync::{Server, sync};
use crate::util::{Env, individual};

/// `waypoint audit list` on `laptop`.
fn audit_list(laptop: &Env) -> String {
    laptop.ok(["audit", "list"])
}

#[test]
fn an_enrolled_laptop_refuses_enrol_audits_it_and_sends_nothing_to_the_other_server() {
    let (home, other) = (Server::start(), Server::start());
    let laptop = Env::new();
    home.enrol("KGL-TC1", &laptop, "kgl-laptop-1");
    laptop.import_sample();
    sync(&laptop);
    laptop.ok([
        "individual",
        "set",
        "I-0001001",
        "phone",
        "+250 788 999 999",
    ]);
    assert_eq!(laptop.pending(), 1);

    let code = other.enrolment_code("NBO-TC2", "nbo-laptop-9");
    let err = laptop.fails(["enrol", "--server", &other.url, "--code", &code]);
    assert!(err.contains("already enrolled"), "{err}");
    assert!(err.contains("--replace"), "the way out is named: {err}");
    assert_eq!(
        laptop.pending(),
        1,
        "the change still waits for its own server"
    );
    let trail = audit_list(&laptop);
    assert!(
        trail
            .lines()
            .any(|l| l.contains("enrol") && l.contains("refused")),
        "{trail}"
    );

    // The other server received nothing: the code is still unused, and a laptop enrolled with
    // it receives no case.
    let fresh = Env::new();
    fresh.ok(["enrol", "--server", &other.url, "--code", &code]);
    sync(&fresh);
    assert!(fresh.export().trim().is_empty());
    assert!(!other.log().contains("HABIMANA"));

    // The laptop still syncs with its own server, which gets the change.
    sync(&laptop);
    assert_eq!(laptop.pending(), 0);
}

#[test]
fn a_supervisor_replaces_the_enrolment_after_sending_everything_and_the_audit_log_goes_on() {
    let server = Server::start();
    let (laptop, colleague) = (Env::new(), Env::new());
    server.enrol("KGL-TC1", &laptop, "kgl-laptop-1");
    server.enrol("KGL-TC1", &colleague, "kgl-laptop-2");
    laptop.import_sample();
    let first = sync(&laptop);
    assert!(first["audit_refused"].is_null(), "{first}");
    laptop.ok([
        "individual",
        "set",
        "I-0001001",
        "phone",
        "+250 788 999 999",
    ]);

    let code = server.enrolment_code("KGL-TC1", "kgl-laptop-1b");
    let said = laptop.ok([
        "enrol",
        "--replace",
        "--server",
        &server.url,
        "--code",
        &code,
    ]);
    assert!(said.contains("Sent every pending change"), "{said}");
    assert!(said.contains("kgl-laptop-1b"), "{said}");
    assert_eq!(laptop.pending(), 0);
    let trail = audit_list(&laptop);
    assert!(
        trail
            .lines()
            .any(|l| l.contains("enrol") && l.contains("replaced")),
        "{trail}"
    );

    // The change reached HQ before the old enrolment ended.
    sync(&colleague);
    let lines = colleague.export_lines();
    assert_eq!(individual(&lines, "I-0001001")["phone"], "+250 788 999 999");

    // Under its new enrolment, HQ takes its audit log (the whole of it, for the new id).
    laptop.ok([
        "individual",
        "set",
        "I-0001002",
        "phone",
        "+250 788 111 111",
    ]);
    let after = sync(&laptop);
    assert!(after["audit_refused"].is_null(), "{after}");
    assert!(after["audit_sent"].as_u64().unwrap_or(0) > 0, "{after}");
    let again = sync(&laptop);
    assert!(again["audit_refused"].is_null(), "{again}");
}

#[test]
fn wiping_one_data_directory_leaves_another_on_the_same_computer_working() {
    let server = Server::start();
    let lost = Env::new();
    let kept = Env::beside(&lost);
    server.enrol("KGL-TC1", &lost, "kgl-laptop-1");
    server.enrol("KGL-TC1", &kept, "kgl-laptop-2");
    lost.import_sample();
    sync(&lost);
    sync(&kept);
    server.admin(&["device", "revoke", "kgl-laptop-1", "--reason", "lost"]);

    let out = lost.run(["sync"]);
    assert!(!out.status.success());
    assert!(!lost.data.join(waypoint_keys::KEYS_FILE).exists(), "wiped");

    // The other data directory still opens with its PIN, and syncs.
    assert!(kept.ok(["search", "habimana"]).contains("I-0001001"));
    kept.ok([
        "individual",
        "set",
        "I-0001003",
        "phone",
        "+250 788 777 777",
    ]);
    let report = sync(&kept);
    assert_eq!(report["pending"], 0, "{report}");
}

#[cfg(unix)]
#[test]
fn the_export_file_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let laptop = Env::with_sample();
    let path = laptop.path("export.jsonl");
    laptop.ok(["export".as_ref(), "--out".as_ref(), path.as_os_str()]);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0, "owner-only: {mode:o}");
}
