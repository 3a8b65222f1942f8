//! A booking that spans two sites, synced through a real `waypoint-server` on 127.0.0.1 with
//! real `waypoint` laptops (docs/bookings.md, "Scope"): each site's laptops receive the
//! itinerary, the booking-wide fields and their own travellers, never the other site's; a
//! laptop of a third site receives nothing of it; a booking-wide change made at one site
//! reaches that site's laptops only.

use std::ffi::OsStr;

use serde_json::Value;

use crate::sync::{Server, sync};
use crate::util::Env;

/// Nairobi's own case: two people no Kigali laptop may learn of.
const NAIROBI_CASES: &str = "\
case_no,individual_no,relationship,family_name,given_names,sex,date_of_birth,nationality,site
NBO-2025-000201,I-0002001,PA,NAIROBITEST,Amani,F,1988,SOM,NBO-TC2
NBO-2025-000201,I-0002002,CH,NAIROBITEST,Yusuf,M,2016,SOM,NBO-TC2
";

const HEADER: &str = "booking_ref,record_locator,status,replaces,abn,traveller,escort_type,escorts,escort_organisation,escort_contact,segment,carrier,flight_no,from,to,departs,arrives,ssr_codes";

const ITINERARY: [&str; 2] = [
    "1,KQ,116,NBO,AMS,2026-12-18T23:55,2026-12-19T06:10",
    "2,DL,167,AMS,SEA,2026-12-19T10:25,2026-12-19T12:05",
];

/// One site's rows of booking BKG-26-0200 (the booking system's file, cut to the travellers
/// that site's laptops know), with an escort of the first traveller when given.
fn bookings_file(travellers: &[&str], escort: Option<&str>) -> String {
    let mut text = format!("{HEADER}\n");
    for segment in ITINERARY {
        let head = "BKG-26-0200,M2S7TQ,CONFIRMED,,ABN-26-0200";
        for t in travellers {
            text += &format!("{head},{t},,,,,{segment},\n");
        }
        if let Some(name) = escort {
            text += &format!(
                "{head},ESCORT:{name},MEDICAL,{},Test Health Partner,+000 0000 0000,{segment},\n",
                travellers[0]
            );
        }
    }
    text
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}:\n{text}"))
}

fn booking(laptop: &Env) -> Value {
    json(&laptop.ok(["booking", "show", "BKG-26-0200", "--json"]))
}

fn travellers(b: &Value) -> Vec<String> {
    b["travellers"]
        .as_array()
        .expect("a booking lists its travellers")
        .iter()
        .map(|t| t["individual_no"].as_str().expect("a number").to_owned())
        .collect()
}

fn flights(b: &Value) -> Vec<String> {
    b["segments"]
        .as_array()
        .expect("a booking has segments")
        .iter()
        .map(|s| {
            let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            format!(
                "{}{} {}-{}",
                text(&s["carrier"]),
                text(&s["flight_no"]),
                text(&s["from"]),
                text(&s["to"])
            )
        })
        .collect()
}

fn import_bookings(laptop: &Env, name: &str, text: &str) {
    let file = laptop.write(name, text);
    laptop.ok([
        OsStr::new("bookings"),
        OsStr::new("import"),
        file.as_os_str(),
    ]);
}

/// Everything a laptop shows of the booking and of its people, to search for another site's.
fn everything(laptop: &Env) -> String {
    let mut seen = laptop.export();
    for args in [
        &["booking", "show", "BKG-26-0200"][..],
        &["booking", "show", "BKG-26-0200", "--json"],
        &["abn", "show", "ABN-26-0200", "--json"],
        &["search", "nairobitest"],
        &["search", "ahmadi"],
    ] {
        seen += &laptop.ok(args);
    }
    seen
}

#[test]
fn a_two_site_booking_gives_each_site_the_itinerary_and_only_its_own_travellers_a_third_site_nothing_and_a_booking_wide_change_reaches_only_its_own_site()
 {
    let server = Server::start();
    let (kgl, kgl_two, nbo, dar) = (Env::new(), Env::new(), Env::new(), Env::new());
    server.enrol("KGL-TC1", &kgl, "kgl-laptop-1");
    server.enrol("KGL-TC1", &kgl_two, "kgl-laptop-2");
    server.enrol("NBO-TC2", &nbo, "nbo-laptop-1");
    server.enrol("DAR-TC3", &dar, "dar-laptop-1");
    kgl.import_sample();
    let own = nbo.write("nairobi.csv", NAIROBI_CASES);
    nbo.ok([OsStr::new("import"), own.as_os_str()]);

    // One booking, BKG-26-0200, of Gul Bibi and Farid (Kigali, with a medical escort) and of
    // Amani and Yusuf (Nairobi): each site loads its travellers' rows.
    import_bookings(
        &kgl,
        "kigali.csv",
        &bookings_file(&["I-0001040", "I-0001041"], Some("Test Escort")),
    );
    import_bookings(
        &nbo,
        "nairobi-bookings.csv",
        &bookings_file(&["I-0002001", "I-0002002"], None),
    );
    for laptop in [&kgl, &nbo, &kgl, &nbo, &kgl_two, &dar] {
        let report = sync(laptop);
        assert_eq!(
            report["refused"].as_array().map(Vec::len),
            Some(0),
            "{report}"
        );
        assert_eq!(report["pending"], 0, "{report}");
    }

    // Kigali's other laptop receives the itinerary, the booking-wide fields, its travellers
    // and their escort with organisation and contact: the same booking as the first laptop.
    let received = booking(&kgl_two);
    assert_eq!(received, booking(&kgl));
    assert_eq!(flights(&received), ["KQ116 NBO-AMS", "DL167 AMS-SEA"]);
    assert_eq!(
        (
            &received["status"],
            &received["record_locator"],
            &received["abn"]
        ),
        (
            &Value::from("CONFIRMED"),
            &Value::from("M2S7TQ"),
            &Value::from("ABN-26-0200")
        )
    );
    assert_eq!(travellers(&received), ["I-0001040", "I-0001041"]);
    let escort = &received["escorts"][0];
    assert_eq!(
        (&escort["organisation"], &escort["contact"]),
        (
            &Value::from("Test Health Partner"),
            &Value::from("+000 0000 0000")
        ),
        "{received}"
    );
    let shown = kgl_two.ok(["booking", "show", "BKG-26-0200"]);
    assert!(
        shown.contains("Test Escort (MEDICAL) of Test Health Partner, contact +000 0000 0000"),
        "{shown}"
    );
    // Nairobi holds the same itinerary and its own travellers.
    let theirs = booking(&nbo);
    assert_eq!(flights(&theirs), flights(&received));
    assert_eq!(theirs["status"], received["status"]);
    assert_eq!(travellers(&theirs), ["I-0002001", "I-0002002"]);
    assert_eq!(theirs["escorts"], Value::Array(Vec::new()));

    // Neither site learnt the other's people, through any command.
    for laptop in [&kgl, &kgl_two] {
        let seen = everything(laptop);
        for other in ["I-0002001", "I-0002002", "NAIROBITEST", "NBO-2025-000201"] {
            assert!(!seen.contains(other), "{other} reached Kigali:\n{seen}");
        }
    }
    let seen = everything(&nbo);
    for other in [
        "I-0001040",
        "I-0001041",
        "AHMADI",
        "KGL-2025-000105",
        "Test Escort",
    ] {
        assert!(!seen.contains(other), "{other} reached Nairobi:\n{seen}");
    }

    // A laptop of a third site receives nothing of it.
    let elsewhere = sync(&dar);
    assert_eq!(elsewhere["received_fields"], 0, "{elsewhere}");
    assert_eq!(elsewhere["received_events"], 0, "{elsewhere}");
    assert!(dar.export().trim().is_empty(), "{}", dar.export());
    let err = dar.fails(["booking", "show", "BKG-26-0200"]);
    assert!(!err.contains("I-000"), "{err}");
    dar.fails(["abn", "show", "ABN-26-0200"]);

    // An ABN issued at Kigali notifies Kigali's travellers: its version is Kigali's alone,
    // and Nairobi, which issues its own part, has none.
    let csv = kgl.path("abn-0200.csv");
    kgl.ok([
        OsStr::new("abn"),
        OsStr::new("csv"),
        OsStr::new("ABN-26-0200"),
        OsStr::new("--out"),
        csv.as_os_str(),
    ]);
    let rows = std::fs::read_to_string(&csv).expect("the ABN was written");
    assert!(
        rows.contains("I-0001040") && rows.contains("ESCORT:Test Escort"),
        "{rows}"
    );
    assert!(!rows.contains("I-0002001"), "{rows}");
    // The escort's row says who they work for and how to reach them.
    let mut lines = rows.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let escort: Vec<&str> = lines
        .find(|l| l.contains("ESCORT:Test Escort"))
        .expect("an escort row")
        .split(',')
        .collect();
    let cell = |name: &str| {
        let at = header.iter().position(|h| *h == name);
        at.map(|i| escort[i])
            .unwrap_or_else(|| panic!("no {name} column"))
    };
    assert_eq!(
        (
            cell("escort_type"),
            cell("escort_organisation"),
            cell("escort_contact")
        ),
        ("MEDICAL", "Test Health Partner", "+000 0000 0000")
    );

    // Kigali cancels the booking: a booking-wide field, recorded under the cases Kigali's
    // laptops hold. Kigali's other laptop receives it; Nairobi's travellers stay booked on
    // Nairobi's laptops until Nairobi cancels its part.
    kgl.ok(["booking", "cancel", "BKG-26-0200"]);
    for laptop in [&kgl, &nbo, &kgl_two, &nbo] {
        sync(laptop);
    }
    assert_eq!(booking(&kgl_two)["status"], "CANCELLED");
    let theirs = booking(&nbo);
    assert_eq!(theirs["status"], "CONFIRMED", "{theirs}");
    assert_eq!(travellers(&theirs), ["I-0002001", "I-0002002"]);
    let abn = json(&nbo.ok(["abn", "show", "ABN-26-0200", "--json"]));
    assert_eq!(abn["versions"], Value::Array(Vec::new()), "{abn}");
    nbo.ok(["booking", "cancel", "BKG-26-0200"]);
    sync(&nbo);
    assert_eq!(booking(&nbo)["status"], "CANCELLED");
    // Still nothing at the third site.
    let elsewhere = sync(&dar);
    assert_eq!(elsewhere["received_fields"], 0, "{elsewhere}");
    assert_eq!(elsewhere["received_events"], 0, "{elsewhere}");
    dar.fails(["booking", "show", "BKG-26-0200"]);
}
