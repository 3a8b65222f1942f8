//! The movement commands as every role (docs/roles.md, docs/bookings.md): the real `waypoint`
//! binary, run by a staff member of each of the five roles on a copy of one store that holds
//! the sample cases and bookings. Each role is allowed exactly what `roles.csv` grants
//! (`book`, `acknowledge_warning`, `issue_abn`, `hold_journey`, `exit_permit`); a refusal
//! exits with code 1, says which role may not do what, prints nothing on standard output and
//! writes nothing: no event, no outbox entry, no file.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use serde_json::Value;
use waypoint_domain::{Action, Field, Role, may, may_see};

use crate::util::{Env, assert_no_panic, stderr_of, stdout_of};

/// The PIN of every staff member added here.
pub(crate) const PIN: &str = "135791";

pub(crate) fn staff_name(role: Role) -> String {
    format!("{} mover", role.code().replace('_', " "))
}

fn sample_bookings() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/sample-bookings.csv")
}

/// A new booking of Aline and Kevin (case 104), for the import every role tries.
const NEW_BOOKING: &str = "\
booking_ref,record_locator,status,replaces,abn,traveller,escort_type,escorts,segment,carrier,flight_no,from,to,departs,arrives,ssr_codes
BKG-26-0104,K7TZ2Q,CONFIRMED,,ABN-26-0104,I-0001030,,,1,KQ,479,KGL,NBO,2026-12-20T06:30,2026-12-20T08:25,
BKG-26-0104,K7TZ2Q,CONFIRMED,,ABN-26-0104,I-0001031,,,1,KQ,479,KGL,NBO,2026-12-20T06:30,2026-12-20T08:25,
";

/// Copies `from` into `to`, folders included (a data directory with no process on it).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("a folder");
    for entry in std::fs::read_dir(from).expect("a readable folder") {
        let entry = entry.expect("a folder entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("a copied file");
        }
    }
}

/// The store every role starts from: the sample cases and bookings, loaded by the test
/// officer (a supervisor), and a staff member of each role.
pub(crate) fn template() -> Env {
    let env = Env::with_sample();
    env.ok([
        OsStr::new("bookings"),
        OsStr::new("import"),
        sample_bookings().as_os_str(),
    ]);
    for role in Role::ALL {
        let out = env
            .cmd(["staff", "add", &staff_name(*role), "--role", role.code()])
            .env("WAYPOINT_NEW_PIN", PIN)
            .output()
            .expect("running waypoint");
        assert!(out.status.success(), "staff add: {}", stderr_of(&out));
    }
    env
}

/// A copy of `template` for one role: its data directory and its computer's secrets.
pub(crate) fn copy_of(template: &Env) -> Env {
    let env = Env::new();
    copy_tree(template.tmp.path(), env.tmp.path());
    env
}

/// Events and outbox entries in the store: what any change of a movement command writes.
pub(crate) fn written(conn: &rusqlite::Connection) -> (i64, i64) {
    let count = |table: &str| -> i64 {
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .expect("a count")
    };
    (count("event"), count("outbox"))
}

/// One movement command and what it needs: `None` for a command every role may run.
struct Step {
    args: Vec<String>,
    needs: Option<Action>,
    /// A file the command writes when allowed.
    writes: Option<PathBuf>,
    /// Whether, when allowed, it records something (a dry run or a reading records nothing).
    records: bool,
}

fn step(args: &[&str], needs: Option<Action>, records: bool) -> Step {
    Step {
        args: args.iter().map(|a| (*a).to_owned()).collect(),
        needs,
        writes: None,
        records,
    }
}

/// The movement commands in an order that works for a role allowed everything: the warning
/// is acknowledged before the booking changes, the hold is lifted after it was put.
fn steps(env: &Env, warning: &str) -> Vec<Step> {
    let new_booking = env.write("new-booking.csv", NEW_BOOKING);
    let new_booking = new_booking.to_string_lossy().into_owned();
    let csv = env.path("abn-4411.csv");
    let pdf = env.path("abn-4410.pdf");
    let mut csv_step = step(
        &["abn", "csv", "ABN-25-4411", "--out", &csv.to_string_lossy()],
        Some(Action::IssueAbn),
        true,
    );
    csv_step.writes = Some(csv);
    let mut pdf_step = step(
        &["abn", "pdf", "ABN-25-4410", "--out", &pdf.to_string_lossy()],
        Some(Action::IssueAbn),
        true,
    );
    pdf_step.writes = Some(pdf);
    vec![
        step(&["booking", "show", "BKG-25-0002"], None, false),
        step(&["booking", "show", "BKG-25-0002", "--json"], None, false),
        step(&["abn", "show", "ABN-25-4411"], None, false),
        step(&["abn", "show", "ABN-25-4411", "--json"], None, false),
        step(
            &[
                "booking",
                "acknowledge",
                "BKG-25-0002",
                warning,
                "--reason",
                "Checked with the movement coordinator",
            ],
            Some(Action::AcknowledgeWarning),
            true,
        ),
        step(
            &["bookings", "import", "--dry-run", &new_booking],
            Some(Action::Book),
            false,
        ),
        step(
            &["bookings", "import", &new_booking],
            Some(Action::Book),
            true,
        ),
        csv_step,
        pdf_step,
        step(
            &["booking", "remove", "BKG-25-0002", "I-0001041"],
            Some(Action::Book),
            true,
        ),
        step(
            &["booking", "cancel", "BKG-25-0001"],
            Some(Action::Book),
            true,
        ),
        step(
            &[
                "case",
                "hold",
                "KGL-2025-000101",
                "--reason",
                "documents",
                "--text",
                "Waiting for the passport",
            ],
            Some(Action::HoldJourney),
            true,
        ),
        step(
            &[
                "case",
                "resume",
                "KGL-2025-000101",
                "--text",
                "Passport received",
            ],
            Some(Action::HoldJourney),
            true,
        ),
        step(
            &[
                "case",
                "cancel",
                "KGL-2025-000104",
                "--reason",
                "withdrawn",
                "--text",
                "The family withdrew",
            ],
            Some(Action::HoldJourney),
            true,
        ),
        step(
            &[
                "exit-permit",
                "record",
                "I-0001020",
                "--step",
                "approved",
                "--reference",
                "EP-1",
            ],
            Some(Action::ExitPermit),
            true,
        ),
    ]
}

/// Runs every movement command as `role` on its own copy of the store; returns what went
/// wrong, one line per failed expectation.
fn everything_as(role: Role, template: &Env, warning: &str) -> Vec<String> {
    let env = copy_of(template);
    let conn = env.connection();
    let mut wrong = Vec::new();
    for s in steps(&env, warning) {
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
        let (stdout, stderr) = (stdout_of(&out), stderr_of(&out));
        let allowed = s.needs.is_none_or(|a| may(role, a));
        if allowed {
            if !out.status.success() {
                wrong.push(format!(
                    "{what}: refused, but roles.csv allows it:\n{stderr}"
                ));
                continue;
            }
            if s.records && after == before {
                wrong.push(format!("{what}: allowed, and recorded nothing"));
            }
            if !s.records && after != before {
                wrong.push(format!("{what}: recorded {before:?} -> {after:?}"));
            }
            if let Some(file) = &s.writes
                && !file.exists()
            {
                wrong.push(format!("{what}: {} was not written", file.display()));
            }
            // SSR codes are shown only to the roles that see the field (Gul Bibi's WCHC).
            if s.args[..2] == ["booking", "show"]
                && stdout.contains("WCHC") != may_see(role, Field::SsrCodes)
            {
                wrong.push(format!("{what}: SSR codes against the table:\n{stdout}"));
            }
        } else {
            let action = s
                .needs
                .map(|a| a.code().replace('_', " "))
                .unwrap_or_default();
            let says = format!("not allowed: the {} role may not {action}", role.code());
            if out.status.code() != Some(1) {
                wrong.push(format!("{what}: exit {:?}, not 1", out.status.code()));
            }
            if !stderr.contains(&says) {
                wrong.push(format!("{what}: does not say '{says}':\n{stderr}"));
            }
            if !stdout.is_empty() {
                wrong.push(format!("{what}: printed on a refusal:\n{stdout}"));
            }
            if after != before {
                wrong.push(format!("{what}: a refusal wrote {before:?} -> {after:?}"));
            }
            if let Some(file) = &s.writes
                && (file.exists() || file.with_extension("partial").exists())
            {
                wrong.push(format!("{what}: a refusal wrote {}", file.display()));
            }
        }
    }
    wrong
}

fn warning_of(env: &Env, booking_ref: &str) -> String {
    let shown: Value = serde_json::from_str(&env.ok(["booking", "show", booking_ref, "--json"]))
        .expect("booking show --json gives JSON");
    shown["warnings"][0]["key"]
        .as_str()
        .unwrap_or_else(|| panic!("{booking_ref} has no warning: {shown}"))
        .to_owned()
}

#[test]
fn each_role_runs_exactly_the_movement_commands_roles_csv_grants_and_a_refusal_writes_nothing() {
    let template = template();
    // Gul Bibi's connection at Doha is too short: a warning to acknowledge.
    let warning = warning_of(&template, "BKG-25-0002");
    let wrong: Vec<String> = std::thread::scope(|s| {
        let running: Vec<_> = Role::ALL
            .iter()
            .map(|role| s.spawn(|| everything_as(*role, &template, &warning)))
            .collect();
        running
            .into_iter()
            .flat_map(|h| h.join().expect("a role's commands"))
            .collect()
    });
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
    // The table grants each of these to someone and refuses it to someone, so both branches
    // above were taken.
    for action in [
        Action::Book,
        Action::AcknowledgeWarning,
        Action::IssueAbn,
        Action::HoldJourney,
        Action::ExitPermit,
    ] {
        assert!(Role::ALL.iter().any(|r| may(*r, action)), "{action:?}");
        assert!(Role::ALL.iter().any(|r| !may(*r, action)), "{action:?}");
    }
}
