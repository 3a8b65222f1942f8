//! Staff accounts end to end (docs/sign-in.md): HQ adds people on a real `waypoint-server`; a
//! person's first sign-in on an enrolled laptop needs the server, later ones work offline; five
//! wrong PINs erase their key and an online sign-in restores it; a disabled account is refused
//! after the laptop's next sync; and the server's log never holds a PIN or the sample's personal
//! data.

use std::process::{Command, Output};

use crate::sync::{Server, server_bin, sync};
use crate::util::{Env, TEST_PIN, TEST_STAFF, assert_no_panic, sample_text, stderr_of, stdout_of};

const AMINA: &str = "Amina Uwase";
const AMINA_PIN: &str = "amina-pin-4821";
const CARLA: &str = "Carla Neza";
const CARLA_PIN: &str = "carla-pin-9307";

/// `waypoint-server admin ARGS --database DB` with `new_pin` in WAYPOINT_NEW_PIN.
fn admin(server: &Server, args: &[&str], new_pin: Option<&str>) -> Output {
    let mut cmd = Command::new(server_bin());
    cmd.arg("admin")
        .args(args)
        .args(["--database", &server.database()])
        .env_remove("WAYPOINT_NEW_PIN");
    if let Some(pin) = new_pin {
        cmd.env("WAYPOINT_NEW_PIN", pin);
    }
    let out = cmd.output().expect("running waypoint-server admin");
    assert_no_panic(&format!("admin {args:?}"), &out);
    out
}

fn add_user(server: &Server, site: &str, role: &str, name: &str, pin: &str) {
    let out = admin(
        server,
        &["user", "add", "--site", site, "--role", role, name],
        Some(pin),
    );
    assert!(
        out.status.success(),
        "{}{}",
        stdout_of(&out),
        stderr_of(&out)
    );
    assert!(!stdout_of(&out).contains(pin), "the PIN is never printed");
}

fn admin_fails(server: &Server, args: &[&str], new_pin: Option<&str>) -> String {
    let out = admin(server, args, new_pin);
    assert!(!out.status.success(), "admin {args:?} should have failed");
    stderr_of(&out)
}

/// `waypoint ARGS` on `laptop` as `name` with `pin`.
fn as_staff(laptop: &Env, name: &str, pin: &str, args: &[&str]) -> Output {
    let mut cmd = laptop.cmd(args);
    cmd.env("WAYPOINT_STAFF", name).env("WAYPOINT_PIN", pin);
    let what = format!("{name}: {args:?}");
    let out = cmd.output().expect("running waypoint");
    assert_no_panic(&what, &out);
    out
}

fn ok_as(laptop: &Env, name: &str, pin: &str, args: &[&str]) -> String {
    let out = as_staff(laptop, name, pin, args);
    assert!(
        out.status.success(),
        "{name}: waypoint {args:?} failed:\n{}{}",
        stdout_of(&out),
        stderr_of(&out)
    );
    stdout_of(&out)
}

fn fails_as(laptop: &Env, name: &str, pin: &str, args: &[&str]) -> String {
    let out = as_staff(laptop, name, pin, args);
    assert!(
        !out.status.success(),
        "{name}: waypoint {args:?} should have failed:\n{}",
        stdout_of(&out)
    );
    stderr_of(&out)
}

fn has_key(laptop: &Env, name: &str) -> bool {
    let place = waypoint_keys::SecretPlace::File(laptop.secret_file());
    waypoint_keys::DeviceKeys::load(&laptop.data, &place)
        .expect("the laptop's keys")
        .has_staff(name)
}

/// The sample's family names, given names and document numbers.
fn sample_personal_data() -> Vec<String> {
    let text = sample_text();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let columns: Vec<usize> = ["family_name", "given_names", "document_no"]
        .iter()
        .filter_map(|c| header.iter().position(|h| h == c))
        .collect();
    assert_eq!(columns.len(), 3, "the sample's columns");
    let mut values = Vec::new();
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        for &c in &columns {
            if let Some(v) = cells.get(c).map(|v| v.trim()).filter(|v| v.len() > 3) {
                values.push(v.to_string());
            }
        }
    }
    assert!(values.iter().any(|v| v == "HABIMANA"), "{values:?}");
    values
}

#[test]
fn hq_staff_sign_in_online_once_then_offline_lose_their_key_to_wrong_pins_and_are_refused_once_disabled()
 {
    let mut server = Server::start();
    let mut logs = String::new();
    server.admin(&["site", "add", "KGL-TC1", "Kigali transit centre"]);
    server.admin(&["site", "add", "BNC-SITE2", "Another site"]);
    // Whoever set the laptop up is an HQ account too; Carla works at another site.
    add_user(&server, "KGL-TC1", "supervisor", TEST_STAFF, TEST_PIN);
    add_user(&server, "KGL-TC1", "field_assistant", AMINA, AMINA_PIN);
    add_user(&server, "BNC-SITE2", "supervisor", CARLA, CARLA_PIN);

    // Clear refusals from the administration commands.
    let err = admin_fails(
        &server,
        &["user", "add", "--site", "KGL-TC1", "--role", "boss", "X Y"],
        Some("123456"),
    );
    assert!(err.contains("not a role"), "{err}");
    let err = admin_fails(
        &server,
        &[
            "user",
            "add",
            "--site",
            "NOWHERE-9",
            "--role",
            "supervisor",
            "X Y",
        ],
        Some("123456"),
    );
    assert!(err.contains("no site"), "{err}");
    let err = admin_fails(
        &server,
        &[
            "user",
            "add",
            "--site",
            "KGL-TC1",
            "--role",
            "supervisor",
            "X Y",
        ],
        Some("12345"),
    );
    assert!(err.contains("at least 6"), "{err}");
    let err = admin_fails(
        &server,
        &[
            "user",
            "add",
            "--site",
            "KGL-TC1",
            "--role",
            "supervisor",
            "X Y",
        ],
        None,
    );
    assert!(err.contains("WAYPOINT_NEW_PIN"), "{err}");
    let err = admin_fails(
        &server,
        &[
            "user",
            "add",
            "--site",
            "KGL-TC1",
            "--role",
            "supervisor",
            "amina uwase",
        ],
        Some("123456"),
    );
    assert!(err.contains("already a staff member"), "{err}");
    let err = admin_fails(&server, &["user", "disable", "Nobody Here"], None);
    assert!(err.contains("no staff member named 'Nobody Here'"), "{err}");
    let listed = server.admin(&["user", "list"]);
    assert!(
        listed.contains("Amina Uwase\tKGL-TC1\tfield_assistant\tactive"),
        "{listed}"
    );
    let policy = server.admin(&["site", "policy", "KGL-TC1", "--lease-days", "7"]);
    assert!(
        policy.contains("7 day(s)") && policy.contains("5 idle minute(s)"),
        "{policy}"
    );

    // The laptop is enrolled and synced: the directory and the policy arrive with the sync.
    let laptop = Env::new();
    server.enrol("KGL-TC1", &laptop, "kgl-laptop-1");
    laptop.import_sample();
    let first = sync(&laptop);
    assert_eq!(first["directory_updated"], true, "{first}");
    let conn = laptop.connection();
    let names: Vec<String> = conn
        .prepare("SELECT name FROM staff ORDER BY name")
        .and_then(|mut s| {
            s.query_map([], |r| r.get(0))?
                .collect::<Result<Vec<String>, _>>()
        })
        .expect("the directory");
    assert_eq!(names, [AMINA, TEST_STAFF], "nothing of another site");
    let lease: i64 = conn
        .query_row("SELECT lease_days FROM site_policy", [], |r| r.get(0))
        .expect("the policy");
    assert_eq!(lease, 7);
    drop(conn);
    // Nothing changed since: one small round trip, no directory.
    let idle = sync(&laptop);
    assert_eq!(idle["round_trips"], 1, "{idle}");
    assert_eq!(idle["directory_updated"], false, "{idle}");
    let bytes = idle["bytes_sent"].as_u64().unwrap_or(u64::MAX)
        + idle["bytes_received"].as_u64().unwrap_or(u64::MAX);
    assert!(bytes < 1024, "a no-op sync moved {bytes} bytes");

    // Amina's first sign-in on this laptop goes to the server, and is audited.
    assert!(!has_key(&laptop, AMINA));
    let found = ok_as(&laptop, AMINA, AMINA_PIN, &["search", "HABIMANA"]);
    assert!(found.contains("HABIMANA"), "{found}");
    assert!(has_key(&laptop, AMINA));
    let audit = laptop.ok(["audit", "list", "--json"]);
    assert!(
        audit.contains("sign_in") && audit.contains("staff:Amina Uwase"),
        "{audit}"
    );
    // A person of another site is refused like a wrong PIN: the answer does not tell this
    // laptop whether another site's PIN is right.
    let err = fails_as(&laptop, CARLA, CARLA_PIN, &["status"]);
    assert!(err.contains("not right"), "{err}");
    // A wrong PIN at the server is refused in words.
    let err = fails_as(&laptop, "Nobody Known", "whatever-9", &["status"]);
    assert!(err.contains("not right"), "{err}");

    // With the server gone, Amina still signs in (offline); a first sign-in cannot.
    server.kill();
    ok_as(&laptop, AMINA, AMINA_PIN, &["status"]);
    let err = fails_as(&laptop, "Dina Later", "dina-pin-1234", &["status"]);
    assert!(err.contains("needs the network"), "{err}");

    // Five wrong PINs in a row erase Amina's key; then only the server can give it back.
    let mut last = String::new();
    for _ in 0..5 {
        last = fails_as(&laptop, AMINA, "wrong-pin-000", &["status"]);
    }
    assert!(last.contains("erased"), "{last}");
    assert!(!has_key(&laptop, AMINA));
    let err = fails_as(&laptop, AMINA, AMINA_PIN, &["status"]);
    assert!(err.contains("needs the network"), "{err}");
    logs.push_str(&server.log()); // a restart starts a new log
    server.restart();
    let err = fails_as(&laptop, AMINA, "wrong-pin-000", &["status"]);
    assert!(err.contains("not right"), "{err}");
    ok_as(&laptop, AMINA, AMINA_PIN, &["status"]);
    assert!(has_key(&laptop, AMINA), "restored by the online sign-in");
    server.kill();
    ok_as(&laptop, AMINA, AMINA_PIN, &["status"]);
    logs.push_str(&server.log()); // a restart starts a new log
    server.restart();

    // HQ disables Amina: after the laptop's next sync she cannot sign in, and her key is gone.
    let out = server.admin(&["user", "disable", AMINA]);
    assert!(out.contains("Disabled"), "{out}");
    let synced = sync(&laptop);
    assert_eq!(synced["directory_updated"], true, "{synced}");
    assert!(!has_key(&laptop, AMINA), "destroyed after the sync");
    let err = fails_as(&laptop, AMINA, AMINA_PIN, &["status"]);
    assert!(err.contains("disabled"), "{err}");
    assert!(!has_key(&laptop, AMINA));
    laptop.ok(["status"]);

    // The server's log holds no PIN, no staff name and none of the sample's personal data.
    logs.push_str(&server.log());
    let log = logs;
    assert!(log.contains("staff signed in"), "the log is there:\n{log}");
    for secret in [
        TEST_PIN,
        AMINA_PIN,
        CARLA_PIN,
        "wrong-pin-000",
        AMINA,
        CARLA,
    ] {
        assert!(!log.contains(secret), "the server's log holds '{secret}'");
    }
    for value in sample_personal_data() {
        assert!(!log.contains(&value), "the server's log holds '{value}'");
    }
}
