//! `waypoint audit verify` and `waypoint audit list` on a real data directory, tampered with
//! through SQLite directly as someone holding the file would.

use serde_json::Value;

use crate::util::{Env, stdout_of};

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

/// The sample imported, one edit, one case shown (two need-to-know values).
fn worked_on() -> Env {
    let env = Env::with_sample();
    env.ok([
        "individual",
        "set",
        "I-0001001",
        "phone",
        "+250 788 000 999",
    ]);
    env.ok(["case", "show", "KGL-2025-000101"]);
    env
}

#[test]
fn the_log_lists_what_was_done_naming_fields_never_values() {
    let env = worked_on();
    let list = json(&env.ok(["audit", "list", "--json"]));
    let list = list.as_array().expect("a list of entries");
    let shape: Vec<(String, String, String)> = list
        .iter()
        .filter(|e| e["action"] != "sign_in")
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or("").to_string();
            (s("action"), s("entity"), s("field"))
        })
        .collect();
    let own = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
    assert_eq!(
        shape,
        vec![
            own("import", "", ""),
            own("change", "I-0001001", "phone"),
            own("view_sensitive", "I-0001002", "special_needs_notes"),
            own("view_sensitive", "I-0001002", "vulnerabilities"),
        ]
    );
    // Every command run with a PIN is a sign-in: the import, the edit, the case shown and this
    // list (every sign-in is audited: docs/audit-trail.md).
    assert_eq!(
        list.iter().filter(|e| e["action"] == "sign_in").count(),
        4,
        "{list:?}"
    );
    // Each entry names the person who unlocked the store, as the command was given.
    let staff = format!("staff:{}", crate::util::TEST_STAFF);
    assert!(
        list.iter()
            .all(|e| e["staff"].as_str() == Some(staff.as_str())),
        "{list:?}"
    );
    let text = env.ok(["audit", "list"]);
    // The JSON list's entries, then this command's own sign-in.
    assert_eq!(text.lines().count(), list.len() + 1, "{text}");
    for value in [
        "iron supplements",
        "PREGNANT",
        "+250 788 000 999",
        "MUKAMANA",
    ] {
        assert!(!text.contains(value), "audit list shows {value}:\n{text}");
        assert!(
            !serde_json::to_string(list)
                .unwrap_or_default()
                .contains(value),
            "audit list --json shows {value}"
        );
    }
    let after = json(&env.ok(["audit", "list", "--json", "--after", "3"]));
    let after = after.as_array().expect("a list of entries");
    assert_eq!(after.first().map(|e| e["seq"].clone()), Some(4.into()));
    assert!(
        after.iter().all(|e| e["seq"].as_i64() > Some(3)),
        "{after:?}"
    );
}

#[test]
fn an_honest_log_verifies_and_a_tampered_one_fails_naming_the_entry() {
    let env = worked_on();
    let out = env.ok(["audit", "verify"]);
    // Four entries of work and four sign-ins (the three commands and this check).
    assert!(out.starts_with("audit log intact: 8 entries"), "{out}");
    let report = json(&env.ok(["audit", "verify", "--json"]));
    assert_eq!(report["intact"], true);
    assert_eq!(report["report"]["entries"], 9);

    // Someone with the file changes who made entry 2.
    let conn = env.connection();
    conn.execute_batch(
        "DROP TRIGGER audit_log_is_never_edited;
         UPDATE audit_log SET staff = 'someone.else' WHERE seq = 2;",
    )
    .expect("tampering");
    let err = env.fails(["audit", "verify"]);
    assert!(err.contains("tampered with"), "{err}");
    let out = stdout_of(&env.run(["audit", "verify"]));
    assert!(
        out.contains("entry 2: altered: entry 2 was altered"),
        "{out}"
    );

    // ... and removes entry 3.
    conn.execute_batch(
        "DROP TRIGGER audit_log_is_never_shortened;
         DELETE FROM audit_log WHERE seq = 3;",
    )
    .expect("tampering");
    let run = env.run(["audit", "verify", "--json"]);
    assert_eq!(run.status.code(), Some(1), "broken: exit code 1");
    let report = json(&stdout_of(&run));
    assert_eq!(report["intact"], false);
    let problems: Vec<(i64, String)> = report["report"]["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            (
                p["seq"].as_i64().unwrap_or(-1),
                p["kind"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        problems,
        vec![(2, "altered".to_string()), (3, "removed".to_string())]
    );
}

/// The audit log is synced to the server, which keeps each device's chain and checks
/// it (`waypoint-server admin audit verify`); an entry changed in the server's database is
/// found, naming the device and the entry.
#[test]
fn the_audit_log_reaches_the_server_whose_own_check_finds_a_changed_entry() {
    use std::process::Command;

    use crate::sync::{Server, server_bin, sync};
    let server = Server::start();
    let laptop = Env::new();
    server.enrol("KGL-TC1", &laptop, "kgl-laptop-1");
    laptop.import_sample();
    laptop.ok(["case", "show", "KGL-2025-000101"]);
    let report = sync(&laptop);
    // Sign-in, import, sign-in, two views (a sync is not a sign-in).
    assert_eq!(report["audit_sent"], 5, "{report}");
    // Nothing new: the next sync sends no audit entry (and stays one round trip).
    let again = sync(&laptop);
    assert_eq!(again["audit_sent"], 0, "{again}");
    assert_eq!(again["round_trips"], 1, "{again}");
    let said = server.admin(&["audit", "verify"]);
    assert!(
        said.contains("kgl-laptop-1: audit log intact: 5 entries"),
        "{said}"
    );
    // The laptop's own list is the same chain, plus this command's sign-in.
    let held = json(&laptop.ok(["audit", "list", "--json"]));
    assert_eq!(held.as_array().map(Vec::len), Some(6), "{held}");

    // Someone with the server's database changes who did entry 2.
    let path = server.database();
    let path = path.trim_start_matches("sqlite:");
    let db = rusqlite::Connection::open(path).expect("the server's database");
    let changed = db
        .execute(
            "UPDATE audit_entry SET staff = 'staff:Someone Else' WHERE seq = 2",
            [],
        )
        .expect("changing an entry");
    assert_eq!(changed, 1);
    drop(db);
    let out = Command::new(server_bin())
        .args(["admin", "audit", "verify", "--database", &server.database()])
        .output()
        .expect("running waypoint-server admin audit verify");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("kgl-laptop-1: audit log BROKEN"), "{text}");
    assert!(text.contains("entry 2:"), "{text}");
    for value in ["MUKAMANA", "+250"] {
        assert!(!text.contains(value), "the check shows {value}: {text}");
    }
}
