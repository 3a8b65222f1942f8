//! `waypoint case history`: everything recorded about a case, newest first, on the real binary:
//! an exit-permit step and a hold recorded on the command line come first, with who recorded
//! them; `--member` keeps what concerns one person; a role that may not see a denial's words or
//! the permit does not get them; an unknown case is refused.

use serde_json::Value;
use waypoint_domain::Role;

use crate::custody::{as_staff, json as parse, sample_with};
use crate::util::{TEST_STAFF, stdout_of};

/// A family of four of the sample (USRAP, permits approved on the record).
const FAMILY: &str = "KGL-2025-000101";
const CHILD: &str = "I-0001003";

fn kinds(history: &Value) -> Vec<String> {
    history
        .as_array()
        .expect("a list of entries")
        .iter()
        .map(|e| e["what"]["kind"].as_str().expect("a kind").to_string())
        .collect()
}

#[test]
fn a_step_and_a_hold_come_first_with_who_recorded_them_and_whom_they_concern() {
    let env = sample_with(&[("Pat Assist", Role::PoeAssociate)]);
    env.ok([
        "exit-permit",
        "record",
        CHILD,
        "--step",
        "denied",
        "--reason",
        "incomplete_documents",
        "--text",
        "Birth certificate missing",
    ]);
    env.ok([
        "case",
        "hold",
        FAMILY,
        "--reason",
        "exit_permit",
        "--text",
        "Waiting for the new permit",
        "--member",
        CHILD,
    ]);
    let history = parse(&env.ok(["case", "history", FAMILY, "--json"]));
    let whole = kinds(&history);
    assert_eq!(whole[..2], ["journey", "exit_permit"], "{history}");
    // The import's first steps of the four permits follow.
    assert_eq!(whole.len(), 2 + 4, "{history}");
    let hold = &history[0];
    assert_eq!(hold["recorded_by"], TEST_STAFF);
    assert_eq!(hold["individual_nos"], serde_json::json!([CHILD]));
    assert_eq!(hold["what"]["change"]["change"], "on_hold");
    assert_eq!(history[1]["what"]["step"]["reason"], "incomplete_documents");

    let text = env.ok(["case", "history", &FAMILY.to_lowercase()]);
    let first = text.lines().nth(1).unwrap_or_default();
    assert!(
        first.contains(&format!(
            "{CHILD}: journey on hold (exit_permit): Waiting for the new permit"
        )) && first.contains(&format!("by {TEST_STAFF}")),
        "{text}"
    );
    assert!(
        text.contains("exit permit denied (incomplete_documents): Birth certificate missing"),
        "{text}"
    );

    // Only what concerns the father: his permit's first step, not the child's hold.
    let father = parse(&env.ok(["case", "history", FAMILY, "--member", "I-0001001", "--json"]));
    assert_eq!(kinds(&father), ["exit_permit"], "{father}");

    // A POE associate sees the hold and the permit's steps, not what the authority said.
    let out = as_staff(&env, "Pat Assist", &["case", "history", FAMILY]);
    let seen = stdout_of(&out);
    assert!(out.status.success(), "{seen}");
    assert!(seen.contains("Waiting for the new permit"), "{seen}");
    assert!(
        seen.contains("exit permit denied (incomplete_documents)"),
        "{seen}"
    );
    assert!(!seen.contains("Birth certificate"), "{seen}");
}

#[test]
fn an_unknown_case_or_a_stranger_is_refused() {
    let env = sample_with(&[]);
    let err = env.fails(["case", "history", "KGL-0000-000000"]);
    assert!(err.contains("no case with number KGL-0000-000000"), "{err}");
    let err = env.fails(["case", "history", FAMILY, "--member", "I-0001020"]);
    assert!(err.contains("I-0001020 is not a member of case"), "{err}");
}
