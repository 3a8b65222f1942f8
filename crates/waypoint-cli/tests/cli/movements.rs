//! The movement acceptance, with real `waypoint` and `waypoint-server` processes: a bookings
//! file with a connection too short, an infant and a wheelchair traveller, its warnings seen
//! and acknowledged, the ABN as PDF (read back with pdftotext) and CSV, a rebooking (the ABN
//! update marks it), a traveller taken off a booking; a second laptop syncs and sees the same
//! bookings, warnings, acknowledgements, ABN versions and journeys.

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::sync::{Server, sync};
use crate::util::Env;

fn sample_bookings() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/sample-bookings.csv")
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}:\n{text}"))
}

fn import_bookings(laptop: &Env, file: &Path) -> Value {
    json(&laptop.ok([
        OsStr::new("bookings"),
        OsStr::new("import"),
        file.as_os_str(),
        OsStr::new("--json"),
    ]))
}

fn booking(laptop: &Env, booking_ref: &str) -> Value {
    json(&laptop.ok(["booking", "show", booking_ref, "--json"]))
}

fn warning_keys(booking: &Value) -> Vec<String> {
    booking["warnings"]
        .as_array()
        .expect("a booking lists its warnings")
        .iter()
        .map(|w| w["key"].as_str().expect("a warning has a key").to_owned())
        .collect()
}

fn pdf_text(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-layout"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (install poppler-utils)");
    assert!(out.status.success(), "pdftotext failed");
    String::from_utf8(out.stdout).expect("pdftotext writes UTF-8")
}

/// The rebooking of BKG-25-0002 on later flights, notified under the same ABN.
const REBOOKING: &str = "\
booking_ref,record_locator,status,replaces,abn,traveller,escort_type,escorts,segment,carrier,flight_no,from,to,departs,arrives,ssr_codes
BKG-25-0012,R4TZ9Q,CONFIRMED,BKG-25-0002,ABN-25-4411,I-0001040,,,1,QR,1352,KGL,DOH,2026-12-17T01:40,2026-12-17T07:10,
BKG-25-0012,R4TZ9Q,CONFIRMED,BKG-25-0002,ABN-25-4411,I-0001040,,,2,QR,709,DOH,IAD,2026-12-17T09:55,2026-12-17T16:40,
BKG-25-0012,R4TZ9Q,CONFIRMED,BKG-25-0002,ABN-25-4411,I-0001041,,,1,QR,1352,KGL,DOH,2026-12-17T01:40,2026-12-17T07:10,
BKG-25-0012,R4TZ9Q,CONFIRMED,BKG-25-0002,ABN-25-4411,I-0001041,,,2,QR,709,DOH,IAD,2026-12-17T09:55,2026-12-17T16:40,
BKG-25-0012,R4TZ9Q,CONFIRMED,BKG-25-0002,ABN-25-4411,ESCORT:Test Escort (medical),MEDICAL,I-0001040,1,QR,1352,KGL,DOH,2026-12-17T01:40,2026-12-17T07:10,
BKG-25-0012,R4TZ9Q,CONFIRMED,BKG-25-0002,ABN-25-4411,ESCORT:Test Escort (medical),MEDICAL,I-0001040,2,QR,709,DOH,IAD,2026-12-17T09:55,2026-12-17T16:40,
";

#[test]
fn acceptance_a_bookings_file_to_the_abn_and_its_update_and_a_second_laptop_sees_the_same() {
    let server = Server::start();
    let (one, two) = (Env::new(), Env::new());
    server.enrol("KGL-TC1", &one, "kgl-laptop-1");
    server.enrol("KGL-TC1", &two, "kgl-laptop-2");
    one.import_sample();
    // A step towards travel-ready: the permit of the one member still waiting is approved.
    one.ok([
        "exit-permit",
        "record",
        "I-0001020",
        "--step",
        "approved",
        "--reference",
        "EP-1",
    ]);

    // The bookings file loads with its warnings; loading it again records nothing.
    let loaded = import_bookings(&one, &sample_bookings());
    assert_eq!(loaded["problems"].as_array().unwrap().len(), 0, "{loaded}");
    assert_eq!(loaded["changed"].as_array().unwrap().len(), 3, "{loaded}");
    let again = import_bookings(&one, &sample_bookings());
    assert_eq!(again["changed"].as_array().unwrap().len(), 0, "{again}");
    assert_eq!(again["events"], 0, "{again}");

    // KGL→DOH→IAD connects in 85 minutes at Doha: too short. The wheelchair traveller's
    // codes are on both segments, from her special needs.
    let qr = booking(&one, "BKG-25-0002");
    let keys = warning_keys(&qr);
    assert!(
        keys.iter().any(|k| k.starts_with("short_connection")),
        "{keys:?}"
    );
    let gul = qr["travellers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["individual_no"] == "I-0001040")
        .unwrap();
    assert!(
        gul["ssr"][0]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "WCHC"),
        "{gul}"
    );
    assert!(
        gul["ssr"][1]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "WCHC"),
        "{gul}"
    );
    // The infant flies with her family.
    let et = booking(&one, "BKG-25-0001");
    let eric = et["travellers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["individual_no"] == "I-0001004")
        .unwrap();
    assert!(
        eric["ssr"][0]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "INFT"),
        "{eric}"
    );

    // Each warning is acknowledged with a reason, and stays listed as acknowledged.
    for booking_ref in ["BKG-25-0001", "BKG-25-0002"] {
        for key in warning_keys(&booking(&one, booking_ref)) {
            one.ok([
                "booking",
                "acknowledge",
                booking_ref,
                &key,
                "--reason",
                "Checked with the movement coordinator",
            ]);
        }
        let seen = booking(&one, booking_ref);
        for w in seen["warnings"].as_array().unwrap() {
            assert!(w["acknowledged"].is_object(), "{w}");
        }
    }
    let unknown = one.fails([
        "booking",
        "acknowledge",
        "BKG-25-0002",
        "no_such:1",
        "--reason",
        "x",
    ]);
    assert!(unknown.contains("no warning no_such:1"), "{unknown}");

    // The ABN as PDF and CSV: every traveller, flight and SSR code; the Persian-script name.
    let pdf = one.path("abn-4411.pdf");
    one.ok([
        OsStr::new("abn"),
        OsStr::new("pdf"),
        OsStr::new("ABN-25-4411"),
        OsStr::new("--out"),
        pdf.as_os_str(),
    ]);
    let text = pdf_text(&pdf);
    for needle in [
        "AHMADI",
        "Gul Bibi",
        "Farid",
        "QR1350",
        "QR707",
        "WCHC",
        "MEDA",
        "OXYG",
        "Test Escort",
    ] {
        assert!(text.contains(needle), "{needle} not in the PDF:\n{text}");
    }
    assert!(
        text.contains("احمدی"),
        "the native-script name is not in the PDF:\n{text}"
    );
    let csv = one.path("abn-4411.csv");
    one.ok([
        OsStr::new("abn"),
        OsStr::new("csv"),
        OsStr::new("ABN-25-4411"),
        OsStr::new("--out"),
        csv.as_os_str(),
    ]);
    let rows = std::fs::read_to_string(&csv).unwrap();
    assert!(
        rows.contains("ABN-25-4411,1,issued,BKG-25-0002,R4TZ8P"),
        "{rows}"
    );

    // The rebooking replaces BKG-25-0002: the ABN's next version is an update that says so.
    let file = one.write("rebooking.csv", REBOOKING);
    import_bookings(&one, &file);
    one.ok([
        OsStr::new("abn"),
        OsStr::new("csv"),
        OsStr::new("ABN-25-4411"),
        OsStr::new("--out"),
        csv.as_os_str(),
    ]);
    let rows = std::fs::read_to_string(&csv).unwrap();
    assert!(rows.contains("ABN-25-4411,2,updated,BKG-25-0012"), "{rows}");
    assert!(!rows.contains("BKG-25-0002,R4TZ8P"), "{rows}");
    assert!(
        rows.lines().filter(|l| l.ends_with(",yes")).count() >= 2,
        "{rows}"
    );
    let abn = json(&one.ok(["abn", "show", "ABN-25-4411", "--json"]));
    let changes = abn["versions"][1]["changes"].to_string();
    assert!(
        changes.contains("BKG-25-0002 replaced by BKG-25-0012"),
        "{changes}"
    );

    // One traveller is taken off the first booking; the others travel.
    let taken = json(&one.ok(["booking", "remove", "BKG-25-0001", "I-0001004", "--json"]));
    assert_eq!(taken["travellers"].as_array().unwrap().len(), 3, "{taken}");

    // The second laptop sees the same.
    sync(&one);
    sync(&two);
    for booking_ref in ["BKG-25-0001", "BKG-25-0002", "BKG-25-0003", "BKG-25-0012"] {
        assert_eq!(
            booking(&two, booking_ref),
            booking(&one, booking_ref),
            "{booking_ref}"
        );
    }
    assert_eq!(
        json(&two.ok(["abn", "show", "ABN-25-4411", "--json"])),
        json(&one.ok(["abn", "show", "ABN-25-4411", "--json"]))
    );
    for case in ["KGL-2025-000101", "KGL-2025-000105"] {
        assert_eq!(
            json(&two.ok(["case", "journey", case, "--json"])),
            json(&one.ok(["case", "journey", case, "--json"])),
            "{case}"
        );
    }
}

#[test]
fn a_broken_bookings_file_is_refused_whole_with_every_problem_on_its_line_and_column() {
    let env = Env::with_sample();
    let broken = "\
booking_ref,record_locator,status,replaces,abn,traveller,escort_type,escorts,segment,carrier,flight_no,from,to,departs,arrives,ssr_codes
BKG-1,QX7K2M,TICKETED,,,I-0001001,,,1,ET,812,KGL,XXX,2026-12-14T14:45,2026-12-14T17:55,
BKG-1,QX7K2M,TICKETED,,,I-9999999,,,1,ET,812,KGL,ADD,2026-12-14T14:45,2026-12-14T17:55,
BKG-2,QX7K2N,TICKETED,,,I-0001010,,,1,E,812,KGL,ADD,2026-12-14T14:45,2026-13-14T17:55,
";
    let file = env.write("broken.csv", broken);
    let out = env.run([
        OsStr::new("bookings"),
        OsStr::new("import"),
        file.as_os_str(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let name = file.display().to_string();
    for place in [":2:to:", ":3:traveller:", ":4:carrier:", ":4:arrives:"] {
        assert!(
            err.contains(&format!("{name}{place}")),
            "{place} not in:\n{err}"
        );
    }
    assert!(err.contains("nothing was imported"), "{err}");
    let shown = env.run(["booking", "show", "BKG-2"]);
    assert!(!shown.status.success(), "the store is unchanged");
}
