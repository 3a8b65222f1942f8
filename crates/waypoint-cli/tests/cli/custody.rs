//! `waypoint custody list` and `transfer`: a document's chain on the real binary, the rule that
//! a document is handed to a person only after their identity check at this site today, the
//! chain without gaps, and the roles that may not record a transfer.

use std::process::Output;

use chrono::Utc;
use serde_json::Value;
use waypoint_domain::{CheckOutcome, FieldEvent, IdentityCheck, Role};

use crate::util::{Env, assert_no_panic, stderr_of, stdout_of};

/// The PIN of every colleague added here.
pub const PIN: &str = "135792";

/// The sample imported by the test officer (a supervisor), and one colleague per `staff`.
pub fn sample_with(staff: &[(&str, Role)]) -> Env {
    let env = Env::with_sample();
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

/// `waypoint ARGS` run by the colleague `name`.
pub fn as_staff(env: &Env, name: &str, args: &[&str]) -> Output {
    let out = env
        .cmd(args)
        .env("WAYPOINT_STAFF", name)
        .env("WAYPOINT_PIN", PIN)
        .output()
        .expect("running waypoint");
    assert_no_panic(name, &out);
    out
}

pub fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

/// An identity check of `individual_no` passed at `site` now, recorded through the store (the
/// command line has no identity check yet).
fn record_identity_check(env: &Env, individual_no: &str, site: &str) {
    let mut store = waypoint_store::Store::open(&env.data, &env.store_key()).expect("the store");
    store
        .record_event(&FieldEvent::IdentityCheck(IdentityCheck {
            id: uuid::Uuid::now_v7(),
            individual_no: individual_no.into(),
            document_no: None,
            outcome: CheckOutcome::Verified,
            mismatches: vec![],
            site: site.into(),
            checked_by: "Test Checker".into(),
            checked_at: Utc::now(),
        }))
        .expect("recording the identity check");
}

const CASE: &str = "KGL-2025-000102";
const PERSON: &str = "I-0001010";
const DOC: &str = "N0045821";

fn transfer(from: &str, to: &str) -> Vec<String> {
    [
        "custody",
        "transfer",
        PERSON,
        DOC,
        "--from",
        from,
        "--to",
        to,
        "--location",
        "Office 2",
    ]
    .map(str::to_string)
    .to_vec()
}

/// The chain of the one document of the case, from `custody list --json`.
fn chain(env: &Env) -> Vec<Value> {
    let docs = json(&env.ok(["custody", "list", CASE, "--json"]));
    let docs = docs.as_array().expect("a list of documents");
    assert_eq!(docs.len(), 1, "{docs:?}");
    assert_eq!(docs[0]["document_no"], DOC);
    docs[0]["chain"].as_array().expect("a chain").clone()
}

#[test]
fn a_chain_grows_with_each_transfer_and_is_listed() {
    let env = Env::with_sample();
    let before = env.ok(["custody", "list", CASE]);
    assert!(
        before.contains(DOC) && before.contains("no transfer recorded yet"),
        "{before}"
    );
    assert!(chain(&env).is_empty());
    let out = env.ok(transfer("authority:UNHCR", "storage:Office safe"));
    assert!(out.contains("handed from UNHCR to Office safe"), "{out}");
    let saved = json(
        &env.ok([
            transfer("storage:Office safe", "travel-bag:kgl-2025-000102"),
            vec!["--json".into()],
        ]
        .concat()),
    );
    assert_eq!(saved["current"]["kind"], "travel_bag");
    assert_eq!(saved["current"]["case_no"], CASE);
    let links = chain(&env);
    assert_eq!(links.len(), 2);
    assert_eq!(links[0]["from"]["name"], "UNHCR");
    assert_eq!(links[1]["recorded_by"], crate::util::TEST_STAFF);
    assert_eq!(links[1]["site"], "KGL-TC1");
    let text = env.ok(["custody", "list", CASE]);
    assert!(
        text.contains("held by the travel bag of KGL-2025-000102, at Office 2"),
        "{text}"
    );
}

#[test]
fn handing_to_a_person_needs_their_identity_check_here_today() {
    let env = Env::with_sample();
    env.ok(transfer("individual:i-0001010", "storage:Office safe"));
    let err = env.fails(transfer("storage:Office safe", "individual:I-0001010"));
    assert!(
        err.contains("I-0001010 has not passed an identity check at KGL-TC1")
            && err.contains("check their identity before handing over the document"),
        "{err}"
    );
    assert_eq!(
        chain(&env).len(),
        1,
        "the refused transfer left nothing behind"
    );
    // A check at another site does not count; one here today does.
    record_identity_check(&env, PERSON, "GOM-TC2");
    env.fails(transfer("storage:Office safe", "individual:I-0001010"));
    record_identity_check(&env, PERSON, "KGL-TC1");
    env.ok(transfer("storage:Office safe", "individual:I-0001010"));
    assert_eq!(chain(&env).len(), 2);
}

#[test]
fn a_transfer_starts_from_the_holder_and_names_its_custodians_plainly() {
    let env = Env::with_sample();
    env.ok(transfer("authority:UNHCR", "storage:Office safe"));
    let err = env.fails(transfer("staff:Someone", "authority:Embassy"));
    assert!(
        err.contains("is held by Office safe, not by staff member Someone"),
        "{err}"
    );
    let err = env.fails(transfer("pocket:mine", "authority:Embassy"));
    assert!(err.contains("'pocket' is not a kind of custodian"), "{err}");
    let err = env.fails(transfer("UNHCR", "authority:Embassy"));
    assert!(err.contains("is not KIND:VALUE"), "{err}");
    let err = env.fails(["custody", "list", "KGL-2025-999999"]);
    assert!(
        err.contains("there is no case with number KGL-2025-999999"),
        "{err}"
    );
    assert_eq!(chain(&env).len(), 1);
}

#[test]
fn a_role_without_the_right_is_refused_and_document_numbers_stay_hidden() {
    let env = sample_with(&[
        ("Data Clerk", Role::DataProcessing),
        ("Sys Admin", Role::Administrator),
    ]);
    let args = transfer("authority:UNHCR", "storage:Office safe");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = as_staff(&env, "Data Clerk", &args);
    assert!(!out.status.success());
    assert!(stdout_of(&out).is_empty(), "{}", stdout_of(&out));
    assert!(
        stderr_of(&out).contains("not allowed: the data_processing role may not custody transfer"),
        "{}",
        stderr_of(&out)
    );
    assert!(chain(&env).is_empty());
    // Administrators do not see document numbers: not even in the custody list.
    let out = as_staff(&env, "Sys Admin", &["custody", "list", CASE]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    assert!(!text.contains(DOC) && text.contains("not shown"), "{text}");
    let out = as_staff(&env, "Sys Admin", &["custody", "list", CASE, "--json"]);
    assert_eq!(json(&stdout_of(&out)), serde_json::json!([]));
}
