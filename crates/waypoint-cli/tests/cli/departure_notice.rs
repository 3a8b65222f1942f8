//! `waypoint departure`: the departure notification of a booking whose flight has left, with
//! the real binary. Who departed and who did not (and why), its versions and what a correction
//! changed, the journey moved to departed, the CSV, and the PDF read back with pdftotext in
//! English and French.

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::util::Env;

/// Gul Bibi and Farid (case 105) on a flight that left in January, under ABN-26-0105.
pub const PAST_BOOKING: &str = "\
booking_ref,record_locator,status,replaces,abn,traveller,escort_type,escorts,segment,carrier,flight_no,from,to,departs,arrives,ssr_codes
BKG-26-0105,P4ST0Q,TICKETED,,ABN-26-0105,I-0001040,,,1,QR,1350,KGL,DOH,2026-01-10T01:40,2026-01-10T07:10,
BKG-26-0105,P4ST0Q,TICKETED,,ABN-26-0105,I-0001041,,,1,QR,1350,KGL,DOH,2026-01-10T01:40,2026-01-10T07:10,
";

pub const BOOKING: &str = "BKG-26-0105";
pub const CASE: &str = "KGL-2025-000105";
pub const GUL: &str = "I-0001040";
pub const FARID: &str = "I-0001041";

/// The sample cases and the past booking, loaded by the test officer (a supervisor).
pub fn with_past_booking() -> Env {
    let env = Env::with_sample();
    let file = env.write("past-booking.csv", PAST_BOOKING);
    env.ok([
        OsStr::new("bookings"),
        OsStr::new("import"),
        file.as_os_str(),
    ]);
    env
}

pub fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}:\n{text}"))
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

fn step_of(env: &Env, individual_no: &str) -> String {
    let journey = json(&env.ok(["case", "journey", CASE, "--json"]));
    journey["individuals"]
        .as_array()
        .expect("a journey lists its individuals")
        .iter()
        .find(|i| i["individual_no"] == individual_no)
        .unwrap_or_else(|| panic!("{individual_no} in {journey}"))["step"]
        .as_str()
        .expect("a step")
        .to_owned()
}

#[test]
fn a_notice_says_who_departed_and_who_did_not_and_moves_the_journey_of_those_who_left() {
    let env = with_past_booking();
    assert_eq!(step_of(&env, FARID), "booked");
    let notice = json(&env.ok([
        "departure",
        "notify",
        BOOKING,
        "--departed",
        FARID,
        "--not-departed",
        "i-0001040:medical:Unfit to fly: the airline refused the oxygen concentrator",
        "--json",
    ]));
    let v1 = &notice["versions"][0];
    assert_eq!(v1["number"], 1);
    assert_eq!(v1["departed"][0], FARID);
    assert_eq!(v1["not_departed"][0]["individual_no"], GUL);
    assert_eq!(v1["not_departed"][0]["reason"], "medical");
    assert_eq!(
        v1["not_departed"][0]["text"], "Unfit to fly: the airline refused the oxygen concentrator",
        "the text keeps its colons"
    );
    assert_eq!(v1["flight_left_at"], "2026-01-09T23:40:00Z");
    assert_eq!(step_of(&env, FARID), "departed");
    assert_eq!(step_of(&env, GUL), "booked");

    let text = env.ok(["departure", "show", BOOKING]);
    assert!(text.contains("version 1 by Test Officer"), "{text}");
    assert!(text.contains("departed: I-0001041"), "{text}");
    assert!(
        text.contains("did not depart: I-0001040 (medical)"),
        "{text}"
    );

    // Saying it again records nothing.
    let again = env.run([
        "departure",
        "notify",
        BOOKING,
        "--departed",
        FARID,
        "--not-departed",
        "I-0001040:medical:Unfit to fly: the airline refused the oxygen concentrator",
    ]);
    assert!(again.status.success());
    assert!(
        crate::util::stderr_of(&again).contains("nothing changed since the last version"),
        "{}",
        crate::util::stderr_of(&again)
    );
}

#[test]
fn a_correction_is_version_two_its_csv_marks_the_change_and_the_pdf_reads_back() {
    let env = with_past_booking();
    env.ok([
        "departure",
        "notify",
        BOOKING,
        "--departed",
        FARID,
        "--not-departed",
        "I-0001040:no_show:Not at the consolidation point",
    ]);
    let notice = json(&env.ok([
        "departure",
        "notify",
        BOOKING,
        "--departed",
        FARID,
        GUL,
        "--json",
    ]));
    let versions = notice["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[1]["changes"][0], "I-0001040 departed");
    assert_eq!(step_of(&env, GUL), "departed", "the latest version wins");

    let csv = env.ok(["departure", "csv", BOOKING]);
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    assert!(
        header.starts_with("booking_ref,record_locator,version"),
        "{header}"
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 2, "{csv}");
    assert!(
        rows.iter()
            .any(|r| r.contains("I-0001040") && r.contains("AHMADI") && r.ends_with(",yes,,,yes")),
        "{csv}"
    );
    let first = env.ok(["departure", "csv", BOOKING, "--version", "1"]);
    assert!(
        first.contains(",no,no_show,Not at the consolidation point,"),
        "{first}"
    );
    let err = env.fails(["departure", "csv", BOOKING, "--version", "3"]);
    assert!(err.contains("no version 3"), "{err}");

    let pdf = env.path("notice.pdf");
    env.ok([
        OsStr::new("departure"),
        OsStr::new("pdf"),
        OsStr::new(BOOKING),
        OsStr::new("--version"),
        OsStr::new("1"),
        OsStr::new("--out"),
        pdf.as_os_str(),
    ]);
    let text = pdf_text(&pdf);
    for expected in [
        "Departure Notification",
        "BKG-26-0105",
        "QR1350",
        "Departed (1)",
        "Did not depart (1)",
        "Did not show up",
        "Not at the consolidation point",
        "AHMADI",
        "I-0001041",
    ] {
        assert!(text.contains(expected), "{expected}:\n{text}");
    }
    let fr = env.path("notice-fr.pdf");
    env.ok([
        OsStr::new("departure"),
        OsStr::new("pdf"),
        OsStr::new(BOOKING),
        OsStr::new("--language"),
        OsStr::new("fr"),
        OsStr::new("--out"),
        fr.as_os_str(),
    ]);
    let text = pdf_text(&fr);
    for expected in [
        "Notification de départ",
        "RECTIFICATIF · Version 2",
        "Partis (2)",
        "I-0001040 est parti(e)",
    ] {
        assert!(text.contains(expected), "{expected}:\n{text}");
    }
}

#[test]
fn a_notice_before_the_flight_left_leaving_someone_out_or_mistyped_is_refused() {
    let env = with_past_booking();
    env.ok([
        OsStr::new("bookings"),
        OsStr::new("import"),
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/sample-bookings.csv")
            .as_os_str(),
    ]);
    let err = env.fails([
        "departure",
        "notify",
        "BKG-25-0001",
        "--departed",
        "I-0001001",
        "I-0001002",
        "I-0001003",
        "I-0001004",
    ]);
    assert!(
        err.contains("a departure notice is issued once it has left"),
        "{err}"
    );
    let err = env.fails(["departure", "notify", BOOKING, "--departed", FARID]);
    assert!(err.contains("say whether I-0001040 departed"), "{err}");
    let err = env.fails([
        "departure",
        "notify",
        BOOKING,
        "--departed",
        FARID,
        "--not-departed",
        "I-0001040:lost:somewhere",
    ]);
    assert!(err.contains("'lost' is not a reason"), "{err}");
    let err = env.fails([
        "departure",
        "notify",
        BOOKING,
        "--departed",
        FARID,
        "--not-departed",
        "I-0001040",
    ]);
    assert!(err.contains("is not INDIVIDUAL:REASON:TEXT"), "{err}");
    let err = env.fails(["departure", "csv", BOOKING]);
    assert!(
        err.contains("no departure notice for booking BKG-26-0105 yet"),
        "{err}"
    );
    let shown = json(&env.ok(["departure", "show", BOOKING, "--json"]));
    assert_eq!(shown["versions"].as_array().unwrap().len(), 0);
}

#[test]
fn a_second_laptop_syncs_the_notice_and_the_bag_and_sees_the_same_departures() {
    use crate::sync::{Server, sync};
    let server = Server::start();
    let (one, two) = (Env::new(), Env::new());
    server.enrol("KGL-TC1", &one, "kgl-laptop-1");
    server.enrol("KGL-TC1", &two, "kgl-laptop-2");
    one.import_sample();
    let file = one.write("past-booking.csv", PAST_BOOKING);
    one.ok([
        OsStr::new("bookings"),
        OsStr::new("import"),
        file.as_os_str(),
    ]);
    one.ok([
        "bag",
        "tick",
        CASE,
        "medical:I-0001040",
        "--note",
        "MEDIF signed by the clinic",
    ]);
    one.ok([
        "departure",
        "notify",
        BOOKING,
        "--departed",
        FARID,
        "--not-departed",
        "I-0001040:medical:Unfit to fly",
    ]);
    sync(&one);
    sync(&two);
    assert_eq!(
        json(&two.ok(["departure", "show", BOOKING, "--json"])),
        json(&one.ok(["departure", "show", BOOKING, "--json"]))
    );
    assert_eq!(
        json(&two.ok(["bag", "show", CASE, "--json"])),
        json(&one.ok(["bag", "show", CASE, "--json"]))
    );
    assert_eq!(step_of(&two, FARID), "departed");
    assert_eq!(step_of(&two, GUL), "booked");
}
