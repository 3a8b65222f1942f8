//! `waypoint counselling`: the checklists, recording a session (refused as complete until every
//! mandatory topic is covered) and listing a case's sessions, on the real binary; POE staff may
//! not counsel, and data processing does not read the notes.

use waypoint_domain::Role;

use super::custody::{as_staff, json, sample_with};
use crate::util::{Env, stderr_of, stdout_of};

const CASE: &str = "KGL-2025-000104";

/// The mandatory topics of RELOCATION, from `counselling checklist --json`.
fn mandatory(env: &Env) -> Vec<String> {
    let lists = json(&env.ok(["counselling", "checklist", "relocation", "--json"]));
    lists[0]["topics"]
        .as_array()
        .expect("topics")
        .iter()
        .filter(|t| t["mandatory"] == true)
        .map(|t| t["id"].as_str().expect("an id").to_string())
        .collect()
}

fn record(topics: &[String], complete: bool) -> Vec<String> {
    let mut args: Vec<String> = [
        "counselling",
        "record",
        CASE,
        "--programme",
        "RELOCATION",
        "--attendee",
        "I-0001030,I-0001031",
        "--language",
        "fr",
        "--minutes",
        "45",
        "--notes",
        "Asked about the luggage allowance ZZQ",
    ]
    .map(str::to_string)
    .to_vec();
    for t in topics {
        args.push("--topic".into());
        args.push(t.clone());
    }
    if complete {
        args.push("--complete".into());
    }
    args
}

#[test]
fn a_session_is_complete_only_with_every_mandatory_topic() {
    let env = Env::with_sample();
    let all = env.ok(["counselling", "checklist"]);
    assert!(all.contains("USRAP") && all.contains("RELOCATION"), "{all}");
    let topics = mandatory(&env);
    assert!(topics.len() > 1, "{topics:?}");
    let err = env.fails(record(&topics[1..], true));
    assert!(
        err.contains("the session cannot be saved as complete: mandatory topics not covered"),
        "{err}"
    );
    assert!(stdout_of(&env.run(["counselling", "list", CASE])).contains("no counselling session"));
    let saved = env.ok(record(&topics[1..], false));
    assert!(saved.contains("incomplete"), "{saved}");
    let done = json(&env.ok([record(&topics, true), vec!["--json".into()]].concat()));
    assert_eq!(done["complete"], true);
    assert_eq!(done["counsellor"], crate::util::TEST_STAFF);
    assert_eq!(
        done["attendees"],
        serde_json::json!(["I-0001030", "I-0001031"])
    );
    let listed = json(&env.ok(["counselling", "list", CASE, "--json"]));
    let listed = listed.as_array().expect("sessions");
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[1]["id"], done["id"]);
    let text = env.ok(["counselling", "list", CASE]);
    assert!(
        text.contains("RELOCATION  complete") && text.contains("ZZQ"),
        "{text}"
    );
}

#[test]
fn unknown_topics_strangers_and_programmes_are_refused() {
    let env = Env::with_sample();
    let err = env.fails(record(&["juggling".to_string()], false));
    assert!(
        err.contains("'juggling' is not a topic of the RELOCATION checklist"),
        "{err}"
    );
    let mut stranger = record(&[], false);
    stranger[6] = "I-0001001".into();
    let err = env.fails(stranger);
    assert!(
        err.contains("I-0001001 is not a member of case KGL-2025-000104"),
        "{err}"
    );
    let err = env.fails(["counselling", "checklist", "NOPE"]);
    assert!(
        err.contains("no counselling checklist for programme NOPE"),
        "{err}"
    );
}

#[test]
fn poe_staff_may_not_counsel_and_data_processing_does_not_read_notes() {
    let env = sample_with(&[
        ("Poe Desk", Role::PoeAssociate),
        ("Data Clerk", Role::DataProcessing),
    ]);
    let args = record(&[], false);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = as_staff(&env, "Poe Desk", &args);
    assert!(!out.status.success());
    assert!(
        stderr_of(&out).contains("not allowed: the poe_associate role may not counselling"),
        "{}",
        stderr_of(&out)
    );
    env.ok(args.iter().copied());
    for extra in [None, Some("--json")] {
        let mut list = vec!["counselling", "list", CASE];
        list.extend(extra);
        let out = as_staff(&env, "Data Clerk", &list);
        assert!(out.status.success(), "{}", stderr_of(&out));
        let text = stdout_of(&out);
        assert!(text.contains("I-0001030"), "{text}");
        assert!(
            !text.contains("ZZQ"),
            "a note reached data processing:\n{text}"
        );
    }
}
