//! `waypoint exit-permit record` and `show`: the steps of a permit on the real binary, a new
//! attempt after a denial, the roles that may not record a step, and the words of a denial
//! kept from roles that may not see the denial reason.

use std::ffi::OsStr;

use serde_json::{Value, json};
use waypoint_domain::{ExitPermitStatus, Role};

use crate::custody::{PIN, as_staff, json as parse};
use crate::util::{Env, sample_text, stderr_of, stdout_of};

const PERSON: &str = "I-0001010";
const DENIAL: &str = "Birth certificate missing";

/// The sample with PERSON's permit columns left empty, and these colleagues: the tests record
/// the permit's history from its start (the file's value would be a first step, on the day of
/// the import, after the days these tests give).
fn sample_with(staff: &[(&str, Role)]) -> Env {
    let env = Env::new();
    let text = sample_text();
    let line = text
        .lines()
        .find(|l| l.contains(PERSON))
        .expect("PERSON in the sample");
    let blank = line
        .strip_suffix(",REQUESTED,")
        .unwrap_or_else(|| panic!("PERSON's permit is no longer REQUESTED: {line}"));
    let file = env.write("sample.csv", text.replace(line, &format!("{blank},,")));
    env.ok([OsStr::new("import"), file.as_os_str()]);
    for (name, role) in staff {
        let out = env
            .cmd(["staff", "add", name, "--role", role.code()])
            .env("WAYPOINT_NEW_PIN", PIN)
            .output()
            .expect("running waypoint");
        assert!(out.status.success(), "staff add: {}", stderr_of(&out));
    }
    env
}

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
    let env = sample_with(&[]);
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
    let env = sample_with(&[]);
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

#[test]
fn the_import_s_permit_columns_are_a_first_step_written_once_and_never_typed_in() {
    let env = Env::with_sample();
    let state = show(&env);
    assert_eq!(steps(&state), ["requested"]);
    assert_eq!(
        state["history"][0]["on"],
        Value::Null,
        "the file gives no day"
    );
    // Importing the same file again records nothing twice.
    env.ok([OsStr::new("import"), crate::util::sample_path().as_os_str()]);
    assert_eq!(steps(&show(&env)), ["requested"]);
    // A denial's words come over whole, under "other".
    let denied = parse(&env.ok(["exit-permit", "show", "I-0001030", "--json"]));
    assert_eq!(steps(&denied), ["denied"]);
    assert_eq!(denied["history"][0]["reason"], "other");
    assert!(
        denied["history"][0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("pending court case")),
        "{denied}"
    );
    // The record's old fields are no longer typed in.
    for field in ["exit_permit", "exit_permit_denial_reason"] {
        let err = env.fails(["individual", "set", PERSON, field, "APPROVED"]);
        assert!(err.contains("record the exit permit's step"), "{err}");
    }
    assert_eq!(steps(&show(&env)), ["requested"]);
}
