//! `waypoint-server admin site airport` run as the real binary on a SQLite file: a site made
//! the port of entry of an airport, listed, and what is refused (docs/poe-scope.md).
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_waypoint-server");

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

#[test]
fn hq_makes_a_site_the_port_of_entry_of_an_airport_and_lists_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    ok(&db, &["site", "add", "YYZ-POE", "Toronto Pearson arrivals"]);
    ok(&db, &["site", "add", "KGL-TC1", "Kigali transit centre"]);

    let said = ok(&db, &["site", "airport", "yyz-poe", " yyz "]);
    assert!(said.contains("YYZ-POE") && said.contains("YYZ"), "{said}");
    assert_eq!(ok(&db, &["site", "airport"]), "YYZ-POE\tYYZ\n");
    assert_eq!(
        ok(&db, &["site", "airport", "KGL-TC1"]),
        "",
        "Kigali is no port of entry"
    );

    for (args, why) in [
        (
            ["site", "airport", "YYZ-POE", "QQQ"],
            "not an IATA airport code",
        ),
        (["site", "airport", "XYZ-TC9", "YUL"], "no site with code"),
    ] {
        let out = admin(&db, &args);
        assert!(!out.status.success(), "{args:?} is refused");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(why), "{args:?}: {err}");
    }
    assert_eq!(
        ok(&db, &["site", "airport"]),
        "YYZ-POE\tYYZ\n",
        "nothing changed"
    );
}
