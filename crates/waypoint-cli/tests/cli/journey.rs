//! `waypoint case journey`: where each member of a case stands and what they still need, on the
//! real binary: a recorded exit-permit step changes what is missing; an unknown case is refused.
//! `waypoint case hold|cancel|resume`: a member held while the others go on, a hold lifted, a
//! whole case cancelled, and what is refused (a role without the right, a stranger, a reason
//! not on the list).

use serde_json::Value;
use waypoint_domain::Role;

use crate::custody::{as_staff, json as parse, sample_with};
use crate::util::{Env, TEST_STAFF, stderr_of, stdout_of};

/// The case of the sample whose programme (USRAP) needs an exit permit; its record says
/// "submitted".
const CASE: &str = "KGL-2025-000103";
const PERSON: &str = "I-0001020";

fn missing_of(journey: &Value, individual_no: &str) -> Vec<String> {
    journey["individuals"]
        .as_array()
        .expect("individuals")
        .iter()
        .find(|i| i["individual_no"] == individual_no)
        .unwrap_or_else(|| panic!("{individual_no} not in {journey}"))["missing"]
        .as_array()
        .expect("missing")
        .iter()
        .map(|m| m["missing"].as_str().expect("a kind").to_string())
        .collect()
}

#[test]
fn a_case_says_each_member_s_step_and_what_is_missing_until_it_is_done() {
    let env = Env::with_sample();
    let before = parse(&env.ok(["case", "journey", CASE, "--json"]));
    assert_eq!(before["case_no"], CASE);
    assert_eq!(before["individuals"][0]["step"], "registered");
    let missing = missing_of(&before, PERSON);
    for kind in ["identity_check", "counselling", "exit_permit"] {
        assert!(missing.contains(&kind.to_string()), "{kind}: {missing:?}");
    }
    // In words, with the command that does each.
    let text = env.ok(["case", "journey", CASE]);
    assert!(text.contains(PERSON), "{text}");
    assert!(
        text.contains("an approved exit permit: it is SUBMITTED"),
        "{text}"
    );

    env.ok([
        "exit-permit",
        "record",
        PERSON,
        "--step",
        "approved",
        "--reference",
        "EP-77",
    ]);
    let after = parse(&env.ok(["case", "journey", CASE, "--json"]));
    let missing = missing_of(&after, PERSON);
    assert!(!missing.contains(&"exit_permit".to_string()), "{missing:?}");
    assert!(
        missing.contains(&"identity_check".to_string()),
        "{missing:?}"
    );
}

#[test]
fn an_unknown_case_is_refused_with_its_number() {
    let env = Env::with_sample();
    let err = env.fails(["case", "journey", "KGL-0000-000000"]);
    assert!(err.contains("no case with number KGL-0000-000000"), "{err}");
}

/// A family of four of the sample.
const FAMILY: &str = "KGL-2025-000101";
const CHILD: &str = "I-0001003";

fn steps_of(journey: &Value) -> Vec<(String, String)> {
    journey["individuals"]
        .as_array()
        .expect("individuals")
        .iter()
        .map(|i| {
            (
                i["individual_no"].as_str().expect("a number").to_string(),
                i["step"].as_str().expect("a step").to_string(),
            )
        })
        .collect()
}

#[test]
fn a_child_on_hold_waits_while_the_family_goes_on_until_the_hold_is_lifted() {
    let env = Env::with_sample();
    let before = parse(&env.ok(["case", "journey", FAMILY, "--json"]));
    let held = parse(&env.ok([
        "case",
        "hold",
        FAMILY,
        "--reason",
        "medical_clearance",
        "--text",
        "Waiting for the TB clearance",
        "--member",
        &CHILD.to_lowercase(),
        "--json",
    ]));
    for ((no, was), (_, now)) in steps_of(&before).into_iter().zip(steps_of(&held)) {
        if no == CHILD {
            assert_eq!(now, "on_hold");
        } else {
            assert_eq!(now, was, "{no} goes on");
        }
    }
    // The journey says why, who and when.
    let text = env.ok(["case", "journey", FAMILY]);
    let line = text
        .lines()
        .skip_while(|l| !l.contains(CHILD))
        .nth(1)
        .unwrap_or_default();
    assert!(
        line.contains("on hold (medical_clearance): Waiting for the TB clearance")
            && line.contains(&format!("by {TEST_STAFF}")),
        "{text}"
    );

    let out = env.ok([
        "case",
        "resume",
        FAMILY,
        "--member",
        CHILD,
        "--text",
        "Clearance received",
    ]);
    assert!(
        out.starts_with(&format!("resumed: {FAMILY} ({CHILD})")),
        "{out}"
    );
    let after = parse(&env.ok(["case", "journey", FAMILY, "--json"]));
    assert_eq!(steps_of(&after), steps_of(&before));
}

#[test]
fn a_whole_case_cancelled_lists_nothing_left_to_do() {
    let env = Env::with_sample();
    let out = env.ok([
        "case",
        "cancel",
        FAMILY,
        "--reason",
        "withdrawn",
        "--text",
        "The family withdrew from the programme",
    ]);
    assert!(
        out.starts_with(&format!("cancelled: {FAMILY} (the whole case)")),
        "{out}"
    );
    let journey = parse(&env.ok(["case", "journey", FAMILY, "--json"]));
    for member in journey["individuals"].as_array().expect("individuals") {
        assert_eq!(member["step"], "cancelled", "{member}");
        assert_eq!(member["missing"], Value::Array(vec![]), "{member}");
        assert_eq!(member["stopped_by"]["reason"], "withdrawn", "{member}");
    }
}

#[test]
fn a_hold_is_refused_for_a_stranger_a_reason_off_the_list_and_a_role_without_the_right() {
    let env = sample_with(&[("Amina Field", Role::FieldAssistant)]);
    let before = env.ok(["case", "journey", FAMILY, "--json"]);
    let err = env.fails([
        "case", "hold", FAMILY, "--reason", "weather", "--text", "Storm",
    ]);
    assert!(
        err.contains("--reason weather") && err.contains("medical_clearance"),
        "{err}"
    );
    let err = env.fails([
        "case",
        "hold",
        FAMILY,
        "--reason",
        "withdrawn",
        "--text",
        "A cancellation's reason is not a hold's",
    ]);
    assert!(err.contains("--reason withdrawn"), "{err}");
    let err = env.fails([
        "case",
        "hold",
        FAMILY,
        "--reason",
        "documents",
        "--text",
        "Passport lost",
        "--member",
        "I-0001020",
    ]);
    assert!(err.contains("I-0001020 is not a member of case"), "{err}");
    let err = env.fails([
        "case",
        "hold",
        FAMILY,
        "--reason",
        "documents",
        "--text",
        " ",
    ]);
    assert!(err.contains("why, in words"), "{err}");
    let out = as_staff(
        &env,
        "Amina Field",
        &[
            "case",
            "cancel",
            FAMILY,
            "--reason",
            "withdrawn",
            "--text",
            "Withdrew",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout_of(&out).is_empty(), "{}", stdout_of(&out));
    assert!(
        stderr_of(&out).contains("the field_assistant role may not hold journey"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(env.ok(["case", "journey", FAMILY, "--json"]), before);
}
