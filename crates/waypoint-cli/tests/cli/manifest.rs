//! Departure day with the real `waypoint` binary: a manifest made from two bookings of the
//! sample, the head count at the bus door (a document number typed, an MRZ scanned, a scan
//! that matches nobody or two travellers), a no-show with its reason, a traveller added late,
//! the manifest as PDF (read back with pdftotext) and CSV, the items handed; and every role
//! runs these commands as roles.csv says.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use waypoint_domain::mrz::check_digit;
use waypoint_domain::{Action, Role, may};

use crate::roles_movements::{PIN, copy_of, staff_name, template, written};
use crate::sync::{Server, sync};
use crate::util::{Env, assert_no_panic, stderr_of, stdout_of};

fn sample_bookings() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/sample-bookings.csv")
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}:\n{text}"))
}

fn with_bookings() -> Env {
    let env = Env::with_sample();
    env.ok([
        OsStr::new("bookings"),
        OsStr::new("import"),
        sample_bookings().as_os_str(),
    ]);
    env
}

/// The Habimana family (BKG-25-0001) and the Ahmadis (BKG-25-0002) on one bus; its number.
fn create(env: &Env) -> String {
    let made = json(&env.ok([
        "manifest",
        "create",
        "--booking",
        "BKG-25-0001",
        "--booking",
        "BKG-25-0002",
        "--plate",
        "RAD 123 B",
        "--driver",
        "Test Driver",
        "--departs",
        "2026-12-14T06:00+02:00",
        "--json",
    ]));
    made["id"].as_str().expect("a manifest number").to_owned()
}

/// A passport's zone (TD3) for document `number`, every check digit right.
fn passport_mrz(number: &str) -> String {
    let cd = |s: &str| char::from(b'0' + check_digit(s));
    let number = format!("{number:<<9}");
    let (dob, expiry, personal) = ("750101", "300101", "<<<<<<<<<<<<<<");
    let composite = format!(
        "{number}{}{dob}{}{expiry}{}{personal}{}",
        cd(&number),
        cd(dob),
        cd(expiry),
        cd(personal)
    );
    format!(
        "{:<<44}\n{number}{}SYR{dob}{}M{expiry}{}{personal}{}{}",
        "P<SYRALHASSAN<<MOHAMMED<ALI",
        cd(&number),
        cd(dob),
        cd(expiry),
        cd(personal),
        cd(&composite)
    )
}

fn numbers(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("a list")
        .iter()
        .map(|n| n.as_str().expect("a number").to_owned())
        .collect()
}

fn pdf_text(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (install poppler-utils)");
    assert!(out.status.success(), "pdftotext failed");
    let text = String::from_utf8(out.stdout).expect("pdftotext writes UTF-8");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn a_manifest_of_two_bookings_is_counted_at_the_bus_door_by_typed_and_scanned_documents() {
    let env = with_bookings();
    let id = create(&env);
    assert!(id.starts_with("MAN-20261214-"), "{id}");
    let shown = json(&env.ok(["manifest", "show", &id, "--json"]));
    assert_eq!(shown["vehicle"]["plate"], "RAD 123 B");
    assert_eq!(shown["vehicle"]["departs"], "2026-12-14T04:00:00Z");
    assert_eq!(shown["count"]["expected"], 6, "{shown}");
    assert_eq!(numbers(&shown["missing"]).len(), 6);

    // A document number typed as printed: who was ticked, and the count.
    let ticked = env.ok(["manifest", "board", &id, "ICRC-7781203"]);
    assert!(
        ticked.contains("boarded: I-0001001 HABIMANA, Jean Claude (by document number)"),
        "{ticked}"
    );
    assert!(ticked.contains("boarded 1 of 6"), "{ticked}");
    // Scanned again: said, not counted twice.
    let again = env.ok(["manifest", "board", &id, "i-0001001"]);
    assert!(again.contains("already boarded"), "{again}");
    assert!(again.contains("boarded 1 of 6"), "{again}");

    // A passport number on record, but of someone not on this bus: exit 1, nobody ticked.
    let out = env.run(["manifest", "board", &id, "N0045821"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains(&format!("nobody on manifest {id}")),
        "{}",
        stderr_of(&out)
    );
    assert!(stdout_of(&out).is_empty());

    // Added late, then found by the MRZ a scanner types.
    let added = json(&env.ok([
        "manifest",
        "add",
        &id,
        "--individual",
        "I-0001010",
        "--json",
    ]));
    assert_eq!(added["count"]["expected"], 7);
    let scanned = json(&env.ok([
        "manifest",
        "board",
        &id,
        &passport_mrz("N0045821"),
        "--json",
    ]));
    assert_eq!(scanned["ticked"]["individual_no"], "I-0001010");
    assert_eq!(scanned["matched_by"], "mrz");
    assert_eq!(scanned["manifest"]["count"]["boarded"], 2);

    // A no-show with its reason, then the count and who is missing.
    env.ok([
        "manifest",
        "no-show",
        &id,
        "I-0001041",
        "--reason",
        "ill",
        "--text",
        "Fever, seen by the clinic",
    ]);
    let err = env.fails([
        "manifest",
        "no-show",
        &id,
        "I-0001040",
        "--reason",
        "sick",
        "--text",
        "x",
    ]);
    assert!(err.contains("DID_NOT_COME"), "{err}");
    let text = env.ok(["manifest", "show", &id]);
    assert!(text.contains("boarded 2 of 7 · no-shows 1"), "{text}");
    assert!(
        text.contains("[-] I-0001041") && text.contains("no-show ILL: Fever, seen by the clinic"),
        "{text}"
    );
    assert!(
        text.contains("missing (5): I-0001002, I-0001003, I-0001004, I-0001040, I-0001041"),
        "{text}"
    );
    let shown = json(&env.ok(["manifest", "show", &id, "--json"]));
    let farid = shown["travellers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["individual_no"] == "I-0001041")
        .unwrap();
    assert_eq!(farid["boarding"]["state"], "no_show");
    assert_eq!(farid["boarding"]["reason"], "ILL");

    // Undone, and taken off the bus.
    env.ok(["manifest", "undo", &id, "I-0001041"]);
    let v = json(&env.ok(["manifest", "remove", &id, "I-0001004", "--json"]));
    assert_eq!(v["count"]["expected"], 6);
    assert_eq!(v["count"]["no_shows"], 0);
    let listed = env.ok(["manifest", "list"]);
    assert!(
        listed.contains(&id) && listed.contains("boarded 2 of 6"),
        "{listed}"
    );
}

#[test]
fn a_scan_that_matches_two_travellers_ticks_no_one_and_names_them() {
    let env = with_bookings();
    // Two records holding the same document number (a data-entry slip the bus door must
    // not guess through).
    env.ok([
        "individual",
        "set",
        "I-0001041",
        "document_no",
        "LP-2219087",
    ]);
    let id = create(&env);
    let before = written(&env.connection());
    let out = env.run(["manifest", "board", &id, "LP-2219087"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(
        err.contains("matches 2 travellers") && err.contains("I-0001040, I-0001041"),
        "{err}"
    );
    assert_eq!(written(&env.connection()), before, "nobody was ticked");
    let err = env.fails(["manifest", "board", "MAN-19990101-000000", "I-0001001"]);
    assert!(err.contains("no manifest MAN-19990101-000000"), "{err}");
    let err = env.fails(["manifest", "board", "BUS-1", "I-0001001"]);
    assert!(err.contains("not a manifest number"), "{err}");
}

#[test]
fn the_manifest_prints_as_pdf_and_csv_and_items_are_handed_from_the_programmes_list() {
    let env = with_bookings();
    let id = create(&env);
    env.ok(["manifest", "board", &id, "I-0001002"]);
    let pdf = env.path("manifest.pdf");
    env.ok([
        OsStr::new("manifest"),
        OsStr::new("pdf"),
        OsStr::new(&id),
        OsStr::new("--out"),
        pdf.as_os_str(),
    ]);
    let text = pdf_text(&pdf);
    for expected in [
        "RAD 123 B",
        "Test Driver",
        "Boarded 1 of 6 · No-shows 0",
        "HABIMANA, Jean Claude",
        "MUKAMANA, Solange",
        "HABIMANA, Divine",
        "HABIMANA, Eric",
        "AHMADI, Gul Bibi",
        "AHMADI, Farid",
        "احمدی",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    let fr = env.path("manifest-fr.pdf");
    env.ok([
        OsStr::new("manifest"),
        OsStr::new("pdf"),
        OsStr::new(&id),
        OsStr::new("--out"),
        fr.as_os_str(),
        OsStr::new("--language"),
        OsStr::new("fr"),
    ]);
    assert!(pdf_text(&fr).contains("Manifeste de transport"));
    // A no-show's reason is worded in the paper's language; what happened stays as written.
    env.ok([
        "manifest",
        "no-show",
        id.as_str(),
        "I-0001041",
        "--reason",
        "family-emergency",
        "--text",
        "Mother in hospital",
    ]);
    env.ok([
        OsStr::new("manifest"),
        OsStr::new("pdf"),
        OsStr::new(&id),
        OsStr::new("--out"),
        fr.as_os_str(),
        OsStr::new("--language"),
        OsStr::new("fr"),
    ]);
    let text = pdf_text(&fr);
    assert!(
        text.contains("Urgence familiale: Mother in hospital"),
        "{text}"
    );
    assert!(text.contains("À bord 1 sur 6 · Absents 1"), "{text}");
    let csv = env.ok(["manifest", "csv", &id]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 7, "{csv}");
    assert!(
        lines[0].starts_with("manifest_id,plate,driver,departs_utc,individual_no"),
        "{csv}"
    );
    assert!(
        lines[2].contains("I-0001002") && lines[2].contains(",boarded,"),
        "{csv}"
    );

    let list = env.ok(["items", "list", "--programme", "usrap", "--language", "fr"]);
    assert!(
        list.contains("food_pack") && list.contains("Colis alimentaire"),
        "{list}"
    );
    let handed = env.ok(["items", "hand", "I-0001003", "food_pack", "WATER"]);
    assert!(
        handed.contains("handed to I-0001003: food_pack, water (USRAP list)"),
        "{handed}"
    );
    let err = env.fails(["items", "hand", "I-0001003", "cash_grant"]);
    assert!(err.contains("not an item of the USRAP list"), "{err}");
    let read = json(&env.ok(["items", "handed", "I-0001003", "--json"]));
    assert_eq!(read.as_array().unwrap().len(), 1, "{read}");
    assert_eq!(read[0]["items"], serde_json::json!(["food_pack", "water"]));
}

#[test]
fn a_head_count_made_offline_on_one_laptop_reaches_the_sites_other_laptop_whole() {
    let server = Server::start();
    let (one, two) = (Env::new(), Env::new());
    server.enrol("KGL-TC1", &one, "kgl-laptop-1");
    server.enrol("KGL-TC1", &two, "kgl-laptop-2");
    one.import_sample();
    one.ok([
        OsStr::new("bookings"),
        OsStr::new("import"),
        sample_bookings().as_os_str(),
    ]);
    let id = create(&one);
    one.ok(["manifest", "board", id.as_str(), "I-0001001"]);
    one.ok([
        "manifest",
        "no-show",
        id.as_str(),
        "I-0001040",
        "--reason",
        "documents",
        "--text",
        "Passport left at home",
    ]);
    one.ok(["items", "hand", "I-0001001", "food_pack"]);
    sync(&one);
    sync(&two);
    let shown = |laptop: &Env| json(&laptop.ok(["manifest", "show", id.as_str(), "--json"]));
    assert_eq!(shown(&two), shown(&one));
    assert_eq!(shown(&two)["count"]["boarded"], 1);
    assert_eq!(
        json(&two.ok(["items", "handed", "I-0001001", "--json"])),
        json(&one.ok(["items", "handed", "I-0001001", "--json"]))
    );
}

/// One departure-day command and the action it needs (`None`: every role may run it).
struct Step {
    args: Vec<String>,
    needs: Option<Action>,
}

fn steps(env: &Env, id: &str) -> Vec<Step> {
    let pdf = env.path("m.pdf").to_string_lossy().into_owned();
    let s = |args: &[&str], needs| Step {
        args: args.iter().map(|a| (*a).to_owned()).collect(),
        needs,
    };
    vec![
        s(&["manifest", "show", id], None),
        s(&["manifest", "list", "--json"], None),
        s(&["manifest", "csv", id], None),
        s(&["manifest", "pdf", id, "--out", &pdf], None),
        s(&["items", "list", "--programme", "USRAP"], None),
        s(&["items", "handed", "I-0001001"], None),
        s(
            &[
                "manifest",
                "create",
                "--booking",
                "BKG-25-0003",
                "--plate",
                "RAC 1",
                "--driver",
                "D",
                "--departs",
                "2026-12-14T06:00",
            ],
            Some(Action::MakeManifest),
        ),
        s(
            &["manifest", "add", id, "--individual", "I-0001010"],
            Some(Action::MakeManifest),
        ),
        s(
            &["manifest", "remove", id, "I-0001004"],
            Some(Action::MakeManifest),
        ),
        s(
            &["manifest", "board", id, "ICRC-7781203"],
            Some(Action::CountHeads),
        ),
        s(
            &[
                "manifest",
                "no-show",
                id,
                "I-0001041",
                "--reason",
                "LATE",
                "--text",
                "Bus left",
            ],
            Some(Action::CountHeads),
        ),
        s(
            &["manifest", "undo", id, "I-0001041"],
            Some(Action::CountHeads),
        ),
        s(
            &["items", "hand", "I-0001001", "food_pack"],
            Some(Action::CountHeads),
        ),
    ]
}

fn everything_as(role: Role, template: &Env, id: &str) -> Vec<String> {
    let env = copy_of(template);
    let conn = env.connection();
    let mut wrong = Vec::new();
    for s in steps(&env, id) {
        let what = format!("{role}: waypoint {}", s.args.join(" "));
        let before = written(&conn);
        let out = env
            .cmd(&s.args)
            .env("WAYPOINT_STAFF", staff_name(role))
            .env("WAYPOINT_PIN", PIN)
            .output()
            .expect("running waypoint");
        assert_no_panic(&what, &out);
        let after = written(&conn);
        if s.needs.is_none_or(|a| may(role, a)) {
            if !out.status.success() {
                wrong.push(format!("{what}: refused:\n{}", stderr_of(&out)));
            } else if s.needs.is_some() && after == before {
                wrong.push(format!("{what}: allowed, and recorded nothing"));
            }
        } else {
            let action = s
                .needs
                .map(|a| a.code().replace('_', " "))
                .unwrap_or_default();
            let says = format!("not allowed: the {} role may not {action}", role.code());
            if out.status.code() != Some(1) || !stderr_of(&out).contains(&says) {
                wrong.push(format!(
                    "{what}: not refused as '{says}':\n{}",
                    stderr_of(&out)
                ));
            }
            if !stdout_of(&out).is_empty() || after != before {
                wrong.push(format!("{what}: a refusal printed or wrote"));
            }
        }
    }
    wrong
}

#[test]
fn each_role_makes_manifests_and_counts_heads_exactly_as_roles_csv_grants() {
    let template = template();
    let id = create(&template);
    let wrong: Vec<String> = std::thread::scope(|s| {
        let running: Vec<_> = Role::ALL
            .iter()
            .map(|role| s.spawn(|| everything_as(*role, &template, &id)))
            .collect();
        running
            .into_iter()
            .flat_map(|h| h.join().expect("a role's commands"))
            .collect()
    });
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
    for action in [Action::MakeManifest, Action::CountHeads] {
        assert!(Role::ALL.iter().any(|r| may(*r, action)), "{action:?}");
        assert!(Role::ALL.iter().any(|r| !may(*r, action)), "{action:?}");
    }
}
