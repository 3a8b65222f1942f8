//! `waypoint-server admin held` (list, `--json`, `give`, `drop`) run as the real binary on a
//! SQLite file that pushes filled (docs/sync-protocol.md, "Held changes").
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::*;
use waypoint_domain::Field;
use waypoint_protocol::Scope;
use waypoint_server::store::SyncStore;
use waypoint_server::store::sqlite::SqliteStore;

const BIN: &str = env!("CARGO_BIN_EXE_waypoint-server");
const CASE: &str = "KGL-2025-000001";

fn admin(db: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("admin")
        .args(args)
        .arg("--database")
        .arg(format!("sqlite:{}", db.display()))
        .env_remove("WAYPOINT_DATABASE")
        .output()
        .unwrap()
}

fn ok(db: &Path, args: &[&str]) -> String {
    let out = admin(db, args);
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

fn json(db: &Path) -> serde_json::Value {
    serde_json::from_str(&ok(db, &["held", "--json"])).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hq_lists_gives_and_drops_held_changes_with_the_admin_commands() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    let store = SqliteStore::open(db.to_str().unwrap()).await.unwrap();
    // Nairobi makes Kigali's number first; Kigali's case and person are held.
    let (prober, _) = device(&store, "NBO-TC2", "nbo-laptop-1").await;
    let (kgl, _) = device(&store, "KGL-TC1", "kgl-laptop-1").await;
    store
        .push(&prober, vec![create_case(1, CASE, "NBO-TC2")], NOW)
        .await
        .unwrap();
    let held = store
        .push(
            &kgl,
            vec![
                create_case(1, CASE, "KGL-TC1"),
                create_individual(2, CASE, "KGL-2025-000001-01"),
            ],
            NOW,
        )
        .await
        .unwrap();
    assert!(held.refused.is_empty(), "{:?}", held.refused);

    // The list: number, site, count and times; never a value of the changes.
    let text = ok(&db, &["held"]);
    assert!(
        text.lines()
            .any(|l| l.starts_with(&format!("{CASE}\tKGL-TC1\t2 change(s)\tfirst 2026-01-15"))),
        "{text}"
    );
    for personal in ["Haddad", "Amina", "1990", "962"] {
        assert!(!text.contains(personal), "{text}");
    }
    let listed = json(&db);
    assert_eq!(listed["held"].as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed["held"][0]["case_no"], CASE);
    assert_eq!(listed["held"][0]["site"], "KGL-TC1");
    assert_eq!(listed["held"][0]["changes"], 2);
    assert_eq!(listed["held"][0]["first_received"], "2026-01-15T12:00:00Z");
    assert_eq!(listed["settled"], serde_json::json!([]));
    assert!(!listed.to_string().contains("Haddad"), "{listed}");

    // Give: the number is Kigali's, taken from Nairobi, both changes applied.
    let given = ok(&db, &["held", "give", CASE, "--site", "KGL-TC1"]);
    assert!(given.contains("taken from NBO-TC2"), "{given}");
    assert!(
        given.contains("2 applied, 0 refused, 0 still held"),
        "{given}"
    );
    let kgl_view = store.pull(&kgl, 0, 1000).await.unwrap();
    assert!(
        kgl_view
            .changes
            .iter()
            .any(|c| c.entity == "KGL-2025-000001-01"),
        "Kigali now has its person"
    );

    // Nairobi's later edit of the number is held in turn; HQ drops it.
    let late = store
        .push(
            &prober,
            vec![set_field(
                2,
                hlc_at(NOW),
                Scope::Case,
                CASE,
                CASE,
                Field::Programme,
                Some("CAN"),
                0,
            )],
            NOW,
        )
        .await
        .unwrap();
    assert!(late.refused.is_empty(), "{:?}", late.refused);
    let listed = json(&db);
    assert_eq!(listed["held"][0]["site"], "NBO-TC2", "{listed}");
    let dropped = ok(&db, &["held", "drop", CASE, "--site", "NBO-TC2"]);
    assert!(dropped.contains("Dropped 1 held change(s)"), "{dropped}");

    // Both settlements are on record, and nothing is held any more.
    let listed = json(&db);
    assert_eq!(listed["held"], serde_json::json!([]), "{listed}");
    let settled = listed["settled"].as_array().unwrap();
    assert_eq!(settled.len(), 2, "{listed}");
    assert_eq!(settled[0]["action"], "give");
    assert_eq!(settled[0]["from_site"], "NBO-TC2");
    assert_eq!(settled[0]["applied"], 2);
    assert_eq!(settled[1]["action"], "drop");
    assert_eq!(settled[1]["site"], "NBO-TC2");
    let text = ok(&db, &["held"]);
    assert!(text.contains("No held changes."), "{text}");
    assert!(text.contains("Settled by HQ:"), "{text}");

    // What cannot be done is refused, saying why, and changes nothing.
    let again = admin(&db, &["held", "drop", CASE, "--site", "NBO-TC2"]);
    assert!(!again.status.success());
    let why = String::from_utf8_lossy(&again.stderr);
    assert!(why.contains("has no changes held for case"), "{why}");
    let nowhere = admin(&db, &["held", "give", CASE, "--site", "XYZ-TC9"]);
    assert!(!nowhere.status.success());
    assert!(
        String::from_utf8_lossy(&nowhere.stderr).contains("no site with code"),
        "{nowhere:?}"
    );
    assert_eq!(json(&db)["settled"].as_array().unwrap().len(), 2);
    // `waypoint-server admin held` alone needs its database.
    let bare = Command::new(BIN)
        .args(["admin", "held"])
        .env_remove("WAYPOINT_DATABASE")
        .output()
        .unwrap();
    assert!(!bare.status.success());
}
