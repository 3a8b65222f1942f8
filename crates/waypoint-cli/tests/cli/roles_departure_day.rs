//! The travel-bag and departure-notice commands as every role, the way `roles_movements` runs
//! the movement commands: the real `waypoint` binary, run by a staff member of each of the five
//! roles on a copy of one store (the sample cases, a booking whose flight has left, the bag
//! packed, a first notice). Each role is allowed exactly what `roles.csv` grants
//! (`travel_bag`, `departure_notice`); a refusal exits with code 1, says which role may not do
//! what, prints nothing on standard output and writes nothing.

use std::path::{Path, PathBuf};

use waypoint_domain::{Action, Role, may};

use crate::departure_notice::{BOOKING, CASE, FARID, GUL, with_past_booking};
use crate::util::{Env, assert_no_panic, stderr_of, stdout_of};

const PIN: &str = "135791";

fn staff_name(role: Role) -> String {
    format!("{} packer", role.code().replace('_', " "))
}

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

fn template() -> Env {
    let env = with_past_booking();
    for (who, document) in [(GUL, "LP-2219087"), (FARID, "LP-2219088")] {
        env.ok([
            "custody",
            "transfer",
            who,
            document,
            "--from",
            "storage:Office safe",
            "--to",
            "travel-bag:KGL-2025-000105",
            "--location",
            "Transit centre",
        ]);
    }
    env.ok(["departure", "notify", BOOKING, "--departed", GUL, FARID]);
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

fn written(conn: &rusqlite::Connection) -> (i64, i64) {
    let count = |table: &str| -> i64 {
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .expect("a count")
    };
    (count("event"), count("outbox"))
}

struct Step {
    args: Vec<String>,
    needs: Option<Action>,
    writes: Option<PathBuf>,
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

fn steps(env: &Env) -> Vec<Step> {
    let csv = env.path("notice.csv");
    let pdf = env.path("notice.pdf");
    let mut csv_step = step(
        &["departure", "csv", BOOKING, "--out", &csv.to_string_lossy()],
        None,
        false,
    );
    csv_step.writes = Some(csv);
    let mut pdf_step = step(
        &["departure", "pdf", BOOKING, "--out", &pdf.to_string_lossy()],
        None,
        false,
    );
    pdf_step.writes = Some(pdf);
    let tick = [
        "bag",
        "tick",
        CASE,
        "medical:I-0001040",
        "--note",
        "MEDIF seen",
    ];
    vec![
        step(&["bag", "show", CASE], None, false),
        step(&["bag", "show", CASE, "--json"], None, false),
        step(&tick, Some(Action::HandleTravelBag), true),
        step(
            &[
                "bag",
                "untick",
                CASE,
                "medical:I-0001040",
                "--note",
                "wrong form",
            ],
            Some(Action::HandleTravelBag),
            true,
        ),
        step(&tick, Some(Action::HandleTravelBag), true),
        step(
            &[
                "bag",
                "handover",
                CASE,
                "--to",
                "E. Escort",
                "--check",
                "verified",
                "--note",
                "ABN sent by e-mail",
            ],
            Some(Action::HandleTravelBag),
            true,
        ),
        step(&["departure", "show", BOOKING], None, false),
        step(&["departure", "show", BOOKING, "--json"], None, false),
        step(
            &[
                "departure",
                "notify",
                BOOKING,
                "--departed",
                FARID,
                "--not-departed",
                "I-0001040:denied_boarding:Offloaded by the airline",
            ],
            Some(Action::NotifyDeparture),
            true,
        ),
        csv_step,
        pdf_step,
    ]
}

fn everything_as(role: Role, template: &Env) -> Vec<String> {
    let env = Env::new();
    copy_tree(template.tmp.path(), env.tmp.path());
    let conn = env.connection();
    let mut wrong = Vec::new();
    for s in steps(&env) {
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
        if s.needs.is_none_or(|a| may(role, a)) {
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
        }
    }
    wrong
}

#[test]
fn each_role_runs_exactly_the_bag_and_notice_commands_roles_csv_grants() {
    let template = template();
    let wrong: Vec<String> = std::thread::scope(|s| {
        let running: Vec<_> = Role::ALL
            .iter()
            .map(|role| s.spawn(|| everything_as(*role, &template)))
            .collect();
        running
            .into_iter()
            .flat_map(|h| h.join().expect("a role's commands"))
            .collect()
    });
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
    for action in [Action::HandleTravelBag, Action::NotifyDeparture] {
        assert!(Role::ALL.iter().any(|r| may(*r, action)), "{action:?}");
        assert!(Role::ALL.iter().any(|r| !may(*r, action)), "{action:?}");
    }
}
