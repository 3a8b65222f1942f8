//! `waypoint case journey`: where each member of a case stands and what they still need, on the
//! real binary: a recorded exit-permit step changes what is missing; an unknown case is refused.

use serde_json::Value;

use crate::custody::json as parse;
use crate::util::Env;

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
