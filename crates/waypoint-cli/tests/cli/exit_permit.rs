//! `waypoint exit-permit record` and `show`: the steps of a permit on the real binary, a new
//! attempt after a denial, the roles that may not record a step, and the words of a denial
//! kept from roles that may not see the denial reason.

use serde_json::{Value, json};
use waypoint_domain::{ExitPermitStatus, Role};

use crate::custody::{as_staff, json as parse, sample_with};
use crate::util::{Env, stderr_of, stdout_of};

const PERSON: &str = "I-0001010";
const DENIAL: &str = "Birth certificate missing";

fn record(env: &Env, args: &[&str]) -> Value {
    let mut all = vec!["exit-permit", "record", PERSON];
    all.extend_from_slice(args);
    all.push("--json");
    parse(&env.ok(all))
}

fn show(env: &Env) -> Value {
    parse(&env.ok(["exit-permit", "show", PERSON, "--json"]))
}

fn steps(state: &Value) -> Vec<String> {
    state["history"]
        .as_array()
        .expect("a history")
        .iter()
        .map(|e| e["step"].as_str().expect("a step").to_string())
        .collect()
}

#[test]
fn a_denied_permit_requested_again_and_approved_shows_every_step_in_order() {
    let env = Env::with_sample();
    let first = record(&env, &["--step", "requested", "--on", "2025-06-02"]);
    assert_eq!(first["status"], json!(ExitPermitStatus::Requested));
    record(
        &env,
        &[
            "--step",
            "denied",
            "--on",
            "2025-06-20",
            "--reason",
            "incomplete_documents",
            "--text",
            DENIAL,
            "--solution",
            "Bring it from the civil registry",
        ],
    );
    // Recorded in another order than it happened: the day decides.
    record(
        &env,
        &[
            "--step",
            "approved",
            "--on",
            "2025-07-15",
            "--reference",
            "EXP-2025-0042",
        ],
    );
    record(&env, &["--step", "requested", "--on", "2025-06-25"]);

    let state = show(&env);
    assert_eq!(
        steps(&state),
        ["requested", "denied", "requested", "approved"]
    );
    assert_eq!(state["status"], json!(ExitPermitStatus::Approved));
    assert_eq!(state["cleared"], json!(true));
    let denial = &state["history"][1];
    assert_eq!(denial["reason"], "incomplete_documents");
    assert_eq!(denial["text"], DENIAL);
    assert_eq!(denial["on"], "2025-06-20");

    let text = env.ok(["exit-permit", "show", PERSON]);
    assert!(text.contains("exit permit approved"), "{text}");
    assert!(text.contains(DENIAL), "{text}");
    assert!(text.contains("EXP-2025-0042"), "{text}");
}

#[test]
fn a_role_that_may_not_record_a_step_is_refused_and_nothing_is_recorded() {
    let env = sample_with(&[("Arrival Desk", Role::PoeAssociate)]);
    let out = as_staff(
        &env,
        "Arrival Desk",
        &["exit-permit", "record", PERSON, "--step", "requested"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout_of(&out).is_empty(), "{}", stdout_of(&out));
    assert!(
        stderr_of(&out).contains("not allowed: the poe_associate role may not exit permit"),
        "{}",
        stderr_of(&out)
    );
    assert!(steps(&show(&env)).is_empty());
}

#[test]
fn a_denial_without_what_the_authority_said_is_refused() {
    let env = Env::with_sample();
    let err = env.fails([
        "exit-permit",
        "record",
        PERSON,
        "--step",
        "denied",
        "--reason",
        "security_check",
    ]);
    assert!(err.contains("what the authority said is required"), "{err}");
    let err = env.fails(["exit-permit", "record", PERSON, "--step", "denied"]);
    assert!(err.contains("--reason"), "{err}");
    assert!(steps(&show(&env)).is_empty());
}

#[test]
fn the_words_of_a_denial_are_kept_from_a_role_that_may_not_see_the_denial_reason() {
    let env = sample_with(&[("Arrival Desk", Role::PoeAssociate)]);
    record(
        &env,
        &[
            "--step",
            "denied",
            "--reason",
            "quota",
            "--text",
            DENIAL,
            "--solution",
            "Apply next month",
        ],
    );
    let out = as_staff(&env, "Arrival Desk", &["exit-permit", "show", PERSON]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    assert!(text.contains("denied (quota)"), "{text}");
    assert!(
        !text.contains(DENIAL) && !text.contains("Apply next month"),
        "{text}"
    );
}
