//! `waypoint arrival`: the port of entry on the real binary. The sample cases and bookings and
//! a booking of case 104 on the same Doha–Washington flight as case 105, with a connection on
//! to Chicago: the day's expected arrivals, the checklist step by step (and the journey it
//! moves), a flight's incident, a missed connection rebooked, the hotel paper read back with
//! pdftotext in French (every arrival command as every role: `arrival_roles`).

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::util::Env;

const CONNECTING: &str = "\
booking_ref,record_locator,status,replaces,abn,traveller,escort_type,escorts,segment,carrier,flight_no,from,to,departs,arrives,ssr_codes
BKG-26-0104,K7TZ2Q,TICKETED,,ABN-26-0104,I-0001030,,,1,QR,1350,KGL,DOH,2026-12-16T01:40,2026-12-16T07:10,
BKG-26-0104,K7TZ2Q,TICKETED,,ABN-26-0104,I-0001030,,,2,QR,707,DOH,IAD,2026-12-16T08:35,2026-12-16T15:20,
BKG-26-0104,K7TZ2Q,TICKETED,,ABN-26-0104,I-0001030,,,3,UA,1234,IAD,ORD,2026-12-16T19:00,2026-12-16T20:10,VGML
BKG-26-0104,K7TZ2Q,TICKETED,,ABN-26-0104,I-0001031,,,1,QR,1350,KGL,DOH,2026-12-16T01:40,2026-12-16T07:10,
BKG-26-0104,K7TZ2Q,TICKETED,,ABN-26-0104,I-0001031,,,2,QR,707,DOH,IAD,2026-12-16T08:35,2026-12-16T15:20,
BKG-26-0104,K7TZ2Q,TICKETED,,ABN-26-0104,I-0001031,,,3,UA,1234,IAD,ORD,2026-12-16T19:00,2026-12-16T20:10,
";

pub(crate) const GUL_BIBI_CASE: &str = "KGL-2025-000105";
pub(crate) const ALINE_CASE: &str = "KGL-2025-000104";

fn sample_bookings() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/sample-bookings.csv")
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}:\n{text}"))
}

/// The sample cases and bookings, and the connecting booking of case 104.
pub(crate) fn port_of_entry() -> Env {
    let env = Env::with_sample();
    let connecting = env.write("connecting.csv", CONNECTING);
    for file in [sample_bookings(), connecting] {
        env.ok([
            OsStr::new("bookings"),
            OsStr::new("import"),
            file.as_os_str(),
        ]);
    }
    env
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

fn journey_step(env: &Env, case: &str, individual_no: &str) -> String {
    let journey = json(&env.ok(["case", "journey", case, "--json"]));
    journey["individuals"]
        .as_array()
        .expect("members")
        .iter()
        .find(|i| i["individual_no"] == individual_no)
        .and_then(|i| i["step"].as_str())
        .unwrap_or_else(|| panic!("{individual_no} in {journey}"))
        .to_owned()
}

#[test]
fn expected_arrivals_are_the_days_travellers_per_flight_with_codes_notes_escorts_and_onward_flight()
{
    let env = port_of_entry();
    let day = json(&env.ok([
        "arrival",
        "expected",
        "--airport",
        "iad",
        "--date",
        "2026-12-16",
        "--json",
    ]));
    assert_eq!(day["airport"], "IAD");
    let flights = day["flights"].as_array().expect("flights");
    assert_eq!(flights.len(), 1, "{day}");
    let qr = &flights[0];
    assert_eq!(qr["flight"], "QR707");
    assert_eq!(qr["arrives_local"], "2026-12-16T15:20");
    assert_eq!(qr["arrives_zone"], "America/New_York");
    let travellers = qr["travellers"].as_array().expect("travellers");
    let nos: Vec<&str> = travellers
        .iter()
        .filter_map(|t| t["individual_no"].as_str())
        .collect();
    assert_eq!(nos, ["I-0001030", "I-0001031", "I-0001040", "I-0001041"]);
    let gul = &travellers[2];
    assert!(gul["ssr"].to_string().contains("WCHC"), "{gul}");
    assert!(
        gul["needs_note"]
            .as_str()
            .unwrap_or_default()
            .contains("Oxygen"),
        "{gul}"
    );
    assert_eq!(gul["escorts"][0]["kind"], "MEDICAL");
    assert_eq!(gul["next"], "met_at_arrival");
    assert_eq!(travellers[0]["onward"][0]["flight_no"], "1234");
    // The same in words, and nobody on another day.
    let text = env.ok([
        "arrival",
        "expected",
        "--airport",
        "IAD",
        "--date",
        "2026-12-16",
    ]);
    assert!(text.contains("QR707 from DOH"), "{text}");
    assert!(text.contains("onward: UA1234 to ORD"), "{text}");
    let other = env.ok([
        "arrival",
        "expected",
        "--airport",
        "IAD",
        "--date",
        "2026-12-17",
    ]);
    assert!(other.contains("nobody is expected"), "{other}");
    let err = env.fails([
        "arrival",
        "expected",
        "--airport",
        "NOPE",
        "--date",
        "2026-12-16",
    ]);
    assert!(err.contains("airport"), "{err}");
}

#[test]
fn the_checklist_step_by_step_moves_the_journey_to_arrived_and_at_final_destination() {
    let env = port_of_entry();
    assert_eq!(journey_step(&env, GUL_BIBI_CASE, "I-0001040"), "booked");
    env.ok([
        "arrival",
        "step",
        GUL_BIBI_CASE,
        "met_at_arrival",
        "--airport",
        "IAD",
    ]);
    assert_eq!(journey_step(&env, GUL_BIBI_CASE, "I-0001040"), "arrived");
    env.ok([
        "arrival",
        "step",
        GUL_BIBI_CASE,
        "immigration_done",
        "--airport",
        "IAD",
    ]);
    env.ok([
        "arrival",
        "step",
        GUL_BIBI_CASE,
        "customs_done",
        "--airport",
        "IAD",
    ]);
    let bag = json(&env.ok([
        "arrival",
        "step",
        GUL_BIBI_CASE,
        "baggage_claimed",
        "--airport",
        "IAD",
        "--count",
        "3",
        "--lost",
        "1",
        "--pir",
        "IADQR10234",
        "--member",
        "I-0001040",
        "--json",
    ]));
    let lines = &bag["checklists"][0]["lines"];
    assert_eq!(lines[3]["item"], "baggage");
    assert_eq!(lines[3]["step"]["detail"]["pir"], "IADQR10234");
    assert_eq!(lines[3]["step"]["recorded_by"], crate::util::TEST_STAFF);
    assert_eq!(
        bag["checklists"][1]["lines"][3]["done"], false,
        "only her bags"
    );
    let err = env.fails([
        "arrival",
        "step",
        GUL_BIBI_CASE,
        "baggage_claimed",
        "--airport",
        "IAD",
        "--count",
        "1",
        "--lost",
        "1",
    ]);
    assert!(err.contains("property irregularity report"), "{err}");
    let err = env.fails([
        "arrival",
        "step",
        GUL_BIBI_CASE,
        "hotel",
        "--airport",
        "IAD",
    ]);
    assert!(err.contains("hotel needs --hotel"), "{err}");
    let err = env.fails([
        "arrival",
        "step",
        GUL_BIBI_CASE,
        "lounge",
        "--airport",
        "IAD",
    ]);
    assert!(err.contains("met_at_arrival"), "{err}");
    env.ok([
        "arrival",
        "step",
        GUL_BIBI_CASE,
        "ground_transport",
        "--airport",
        "IAD",
        "--provider",
        "Capital Shuttle",
        "--destination",
        "Alexandria",
    ]);
    env.ok([
        "arrival",
        "step",
        GUL_BIBI_CASE,
        "handed_over",
        "--airport",
        "IAD",
        "--agency",
        "Resettlement agency",
    ]);
    assert_eq!(
        journey_step(&env, GUL_BIBI_CASE, "I-0001040"),
        "at_final_destination"
    );
    let text = env.ok(["arrival", "show", GUL_BIBI_CASE]);
    assert!(text.contains("I-0001040: at final destination"), "{text}");
    assert!(
        text.contains("baggage claimed: 3 piece(s), 1 lost (PIR IADQR10234)"),
        "{text}"
    );
    assert!(text.contains("[x] customs"), "{text}");
    assert!(
        text.contains("handed over to Resettlement agency"),
        "{text}"
    );
    // The transport paper, in English, with the bags counted.
    let pdf = env.path("transport.pdf");
    env.ok([
        OsStr::new("arrival"),
        OsStr::new("paperwork"),
        OsStr::new(GUL_BIBI_CASE),
        OsStr::new("transport"),
        OsStr::new("--out"),
        pdf.as_os_str(),
    ]);
    let paper = pdf_text(&pdf);
    assert!(paper.contains("Ground transport request"), "{paper}");
    assert!(
        paper.contains("Capital Shuttle") && paper.contains("Alexandria"),
        "{paper}"
    );
    assert!(
        paper.contains("WCHC"),
        "her wheelchair for the driver:\n{paper}"
    );
}

#[test]
fn a_flight_incident_reaches_each_case_and_a_missed_connection_is_rebooked_with_a_hotel_paper() {
    let env = port_of_entry();
    let filed = json(&env.ok([
        "arrival",
        "incident",
        "missed_connection",
        "--airport",
        "IAD",
        "--flight",
        "QR707",
        "--date",
        "2026-12-16",
        "--text",
        "Landed 3 hours late",
        "--json",
    ]));
    let cases: Vec<&str> = filed
        .as_array()
        .expect("incidents")
        .iter()
        .filter_map(|i| i["case_no"].as_str())
        .collect();
    assert_eq!(cases, [ALINE_CASE, GUL_BIBI_CASE]);
    assert_eq!(filed[0]["about"]["incident"], filed[1]["about"]["incident"]);
    let err = env.fails([
        "arrival",
        "incident",
        "other",
        "--airport",
        "IAD",
        "--case",
        ALINE_CASE,
    ]);
    assert!(err.contains("what happened, in words"), "{err}");
    let err = env.fails([
        "arrival",
        "incident",
        "delay",
        "--airport",
        "IAD",
        "--case",
        ALINE_CASE,
    ]);
    assert!(err.contains("missed_connection"), "{err}");

    let rebooked = json(&env.ok([
        "arrival",
        "rebook",
        ALINE_CASE,
        "BKG-26-0104",
        "--airport",
        "IAD",
        "--flight",
        "UA1290",
        "--to",
        "ORD",
        "--departs",
        "2026-12-17T08:00",
        "--arrives",
        "2026-12-17T09:10",
        "--locator",
        "UA7Q2Z",
        "--json",
    ]));
    let new_ref = rebooked["rebooking"]["booking_ref"]
        .as_str()
        .expect("a new booking")
        .to_owned();
    assert_eq!(rebooked["rebooking"]["replaces"], "BKG-26-0104");
    assert_eq!(rebooked["rebooking"]["status"], "CONFIRMED");
    assert_eq!(
        rebooked["checklists"][0]["lines"][4]["step"]["detail"]["rebooking"],
        new_ref.as_str()
    );
    let old = json(&env.ok(["booking", "show", "BKG-26-0104", "--json"]));
    assert_eq!(old["replaced_by"][0], new_ref.as_str());

    env.ok([
        "arrival",
        "step",
        ALINE_CASE,
        "hotel",
        "--airport",
        "IAD",
        "--hotel",
        "Dulles Airport Inn",
        "--nights",
        "1",
        "--meal",
        "dinner",
        "--meal",
        "breakfast",
    ]);
    let pdf = env.path("hotel.pdf");
    env.ok([
        OsStr::new("arrival"),
        OsStr::new("paperwork"),
        OsStr::new(ALINE_CASE),
        OsStr::new("hotel"),
        OsStr::new("--out"),
        pdf.as_os_str(),
        OsStr::new("--language"),
        OsStr::new("fr"),
    ]);
    let paper = pdf_text(&pdf);
    assert!(paper.contains("Réservation d’hôtel"), "{paper}");
    assert!(paper.contains("Dulles Airport Inn"), "{paper}");
    assert!(
        paper.contains("NIYONZIMA, Aline") && paper.contains("IRAKOZE, Kevin"),
        "{paper}"
    );
    assert!(
        paper.contains("UA1290"),
        "the onward flight is the rebooked one:\n{paper}"
    );
    let meals = env.path("meals.pdf");
    env.ok([
        OsStr::new("arrival"),
        OsStr::new("paperwork"),
        OsStr::new(ALINE_CASE),
        OsStr::new("meals"),
        OsStr::new("--out"),
        meals.as_os_str(),
        OsStr::new("--language"),
        OsStr::new("es"),
    ]);
    let paper = pdf_text(&meals);
    assert!(
        paper.contains("Pedido de comidas") && paper.contains("Cena"),
        "{paper}"
    );
    let err = env.fails([
        OsStr::new("arrival"),
        OsStr::new("paperwork"),
        OsStr::new(GUL_BIBI_CASE),
        OsStr::new("hotel"),
        OsStr::new("--out"),
        env.path("none.pdf").as_os_str(),
    ]);
    assert!(err.contains("no hotel stay"), "{err}");
    assert!(!env.path("none.pdf").exists());
}
