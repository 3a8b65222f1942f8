//! Every `waypoint arrival` command as every role (docs/port-of-entry.md, docs/roles.md): the
//! real binary, run by a staff member of each role on a copy of one store holding the sample
//! cases and bookings and a connecting booking. Each role is allowed exactly what `roles.csv`
//! grants (`arrival`, `incident`); reading the expected arrivals shows SSR codes and medical
//! notes only to the roles that see those fields; a refusal exits with code 1, says which role
//! may not do what, prints nothing and writes nothing.

use std::path::Path;

use waypoint_domain::{Action, Field, Role, may, may_see};

use crate::arrival::{ALINE_CASE, GUL_BIBI_CASE, port_of_entry};
use crate::util::{Env, assert_no_panic, stderr_of, stdout_of};

/// The PIN of every staff member added here.
const PIN: &str = "135791";

fn staff_name(role: Role) -> String {
    format!("{} arrivals", role.code().replace('_', " "))
}

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

fn written(conn: &rusqlite::Connection) -> (i64, i64) {
    let count = |table: &str| -> i64 {
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .expect("a count")
    };
    (count("event"), count("outbox"))
}

/// Every arrival command as `role`, on its own copy of `template`; what went wrong.
fn everything_as(role: Role, template: &Env) -> Vec<String> {
    let env = Env::new();
    copy_tree(template.tmp.path(), env.tmp.path());
    let conn = env.connection();
    let pdf = env.path("hotel.pdf");
    let pdf_arg = pdf.to_string_lossy().into_owned();
    // (arguments, action needed, records something, writes the PDF)
    let steps: Vec<(Vec<&str>, Option<Action>, bool, bool)> = vec![
        (
            vec![
                "arrival",
                "expected",
                "--airport",
                "IAD",
                "--date",
                "2026-12-16",
            ],
            None,
            false,
            false,
        ),
        (
            vec![
                "arrival",
                "expected",
                "--airport",
                "IAD",
                "--date",
                "2026-12-16",
                "--json",
            ],
            None,
            false,
            false,
        ),
        (
            vec![
                "arrival",
                "step",
                ALINE_CASE,
                "met_at_arrival",
                "--airport",
                "IAD",
            ],
            Some(Action::RecordArrival),
            true,
            false,
        ),
        (
            vec![
                "arrival",
                "step",
                ALINE_CASE,
                "hotel",
                "--airport",
                "IAD",
                "--hotel",
                "Inn",
                "--nights",
                "1",
            ],
            Some(Action::RecordArrival),
            true,
            false,
        ),
        (
            vec![
                "arrival",
                "paperwork",
                ALINE_CASE,
                "hotel",
                "--out",
                &pdf_arg,
            ],
            Some(Action::RecordArrival),
            false,
            true,
        ),
        (
            vec![
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
            ],
            Some(Action::RecordArrival),
            true,
            false,
        ),
        (
            vec![
                "arrival",
                "incident",
                "lost_baggage",
                "--airport",
                "IAD",
                "--case",
                GUL_BIBI_CASE,
            ],
            Some(Action::RecordIncident),
            true,
            false,
        ),
        (
            vec!["arrival", "show", GUL_BIBI_CASE, "--json"],
            None,
            false,
            false,
        ),
    ];
    let mut wrong = Vec::new();
    for (args, needs, records, writes) in steps {
        let what = format!("{role}: waypoint {}", args.join(" "));
        let before = written(&conn);
        let out = env
            .cmd(&args)
            .env("WAYPOINT_STAFF", staff_name(role))
            .env("WAYPOINT_PIN", PIN)
            .output()
            .expect("running waypoint");
        assert_no_panic(&what, &out);
        let after = written(&conn);
        let (stdout, stderr) = (stdout_of(&out), stderr_of(&out));
        if needs.is_none_or(|a| may(role, a)) {
            if !out.status.success() {
                wrong.push(format!(
                    "{what}: refused, but roles.csv allows it:\n{stderr}"
                ));
                continue;
            }
            if records == (after == before) {
                wrong.push(format!("{what}: recorded {before:?} -> {after:?}"));
            }
            if writes && !pdf.exists() {
                wrong.push(format!("{what}: no PDF"));
            }
            // Gul Bibi's wheelchair and medical note only where the role sees them.
            if args[1] == "expected" {
                if stdout.contains("WCHC") != may_see(role, Field::SsrCodes) {
                    wrong.push(format!("{what}: SSR codes against the table:\n{stdout}"));
                }
                if stdout.contains("Oxygen") != may_see(role, Field::SpecialNeedsNotes) {
                    wrong.push(format!("{what}: needs notes against the table:\n{stdout}"));
                }
            }
        } else {
            let action = needs
                .map(|a| a.code().replace('_', " "))
                .unwrap_or_default();
            let says = format!("not allowed: the {} role may not {action}", role.code());
            if out.status.code() != Some(1) || !stderr.contains(&says) || !stdout.is_empty() {
                wrong.push(format!("{what}: a refusal should exit 1, say '{says}' and print nothing:\n{stdout}\n{stderr}"));
            }
            if after != before || (writes && pdf.exists()) {
                wrong.push(format!("{what}: a refusal wrote something"));
            }
        }
    }
    wrong
}

#[test]
fn each_role_runs_exactly_the_arrival_commands_roles_csv_grants_and_a_refusal_writes_nothing() {
    let template = port_of_entry();
    for role in Role::ALL {
        let out = template
            .cmd(["staff", "add", &staff_name(*role), "--role", role.code()])
            .env("WAYPOINT_NEW_PIN", PIN)
            .output()
            .expect("running waypoint");
        assert!(out.status.success(), "staff add: {}", stderr_of(&out));
    }
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
    for action in [Action::RecordArrival, Action::RecordIncident] {
        assert!(Role::ALL.iter().any(|r| may(*r, action)), "{action:?}");
        assert!(Role::ALL.iter().any(|r| !may(*r, action)), "{action:?}");
    }
}
