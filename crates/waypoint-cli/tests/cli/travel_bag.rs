//! `waypoint bag`: a case's travel bag with the real binary. Its checklist from what was
//! recorded (custody, permits, the booking, the ABN), a paper ticked by hand, the check before
//! boarding (exit code 1 while incomplete), and the handover under the custody rules.

use std::ffi::OsStr;

use crate::departure_notice::{CASE, FARID, GUL, json, with_past_booking};
use crate::util::{Env, stdout_of};

/// Both laissez-passers from the office safe into the bag.
fn pack(env: &Env) {
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
}

fn missing(env: &Env) -> Vec<String> {
    let bag = json(&env.ok(["bag", "show", CASE, "--json"]));
    bag["missing"]
        .as_array()
        .expect("the bag lists what is missing")
        .iter()
        .map(|m| m.as_str().expect("an item id").to_owned())
        .collect()
}

#[test]
fn the_bag_is_ticked_from_what_was_recorded_and_by_hand_and_checked_before_boarding() {
    let env = with_past_booking();
    let bag = json(&env.ok(["bag", "show", CASE, "--json"]));
    assert_eq!(bag["complete"], false);
    assert_eq!(bag["travellers"], serde_json::json!([GUL, FARID]));
    assert_eq!(
        missing(&env),
        [
            "document:I-0001040",
            "medical:I-0001040",
            "document:I-0001041",
            "abn:BKG-26-0105",
        ]
    );
    let check = env.run(["bag", "check", CASE]);
    assert_eq!(
        check.status.code(),
        Some(1),
        "an incomplete bag fails the check"
    );
    let text = stdout_of(&check);
    assert!(text.contains("NOT COMPLETE (4 missing)"), "{text}");
    assert!(
        text.contains("medical:I-0001040") && text.contains("MISSING: needed for MEDA OXYG WCHC"),
        "{text}"
    );
    assert!(text.contains("[x] ticket:I-0001040"), "{text}");

    pack(&env);
    env.ok([
        OsStr::new("abn"),
        OsStr::new("csv"),
        OsStr::new("ABN-26-0105"),
        OsStr::new("--out"),
        env.path("abn.csv").as_os_str(),
    ]);
    assert_eq!(missing(&env), ["medical:I-0001040"]);
    let ticked = env.ok([
        "bag",
        "tick",
        CASE,
        "medical:i-0001040",
        "--note",
        "MEDIF signed by the clinic, in the bag",
    ]);
    assert!(
        ticked.contains("travel bag of KGL-2025-000105: complete"),
        "{ticked}"
    );
    assert!(
        ticked.contains("ticked by hand by Test Officer") && ticked.contains("MEDIF signed"),
        "{ticked}"
    );
    let check = env.ok(["bag", "check", CASE]);
    assert!(check.contains("complete"), "{check}");

    let err = env.fails(["bag", "tick", CASE, "visa:I-0001040", "--note", "seen"]);
    assert!(
        err.contains("has no item 'visa:I-0001040'") && err.contains("document:I-0001040"),
        "{err}"
    );
}

#[test]
fn the_bag_goes_to_a_verified_receiver_with_its_documents_and_to_a_member_only_after_their_check() {
    let env = with_past_booking();
    pack(&env);
    // Incomplete (the ABN and the medical papers): only with a note.
    let err = env.fails([
        "bag",
        "handover",
        CASE,
        "--to",
        "E. Escort",
        "--check",
        "verified",
    ]);
    assert!(
        err.contains("is not complete (missing: medical:I-0001040, abn:BKG-26-0105)"),
        "{err}"
    );
    let err = env.fails([
        "bag",
        "handover",
        CASE,
        "--to",
        "E. Escort",
        "--check",
        "not_verified",
        "--note",
        "papers follow",
    ]);
    assert!(err.contains("not verified"), "{err}");
    let err = env.fails([
        "bag",
        "handover",
        CASE,
        "--to",
        "E. Escort",
        "--check",
        "maybe",
    ]);
    assert!(
        err.contains("outcomes are: verified, not_verified"),
        "{err}"
    );
    let err = env.fails([
        "bag",
        "handover",
        CASE,
        "--to",
        "individual:I-0001041",
        "--check",
        "verified",
        "--note",
        "Farid carries the bag",
    ]);
    assert!(
        err.contains("I-0001041 has not passed an identity check"),
        "{err}"
    );
    assert_eq!(
        json(&env.ok(["bag", "show", CASE, "--json"]))["holder"],
        serde_json::Value::Null
    );

    let bag = json(&env.ok([
        "bag",
        "handover",
        CASE,
        "--to",
        "E. Escort",
        "--check",
        "verified",
        "--location",
        "KGL airport, check-in",
        "--note",
        "ABN and MEDIF sent to the airline by e-mail",
        "--json",
    ]));
    assert_eq!(bag["holder"]["kind"], "staff");
    assert_eq!(bag["holder"]["name"], "E. Escort");
    assert_eq!(
        bag["handovers"][0]["missing"],
        serde_json::json!(["medical:I-0001040", "abn:BKG-26-0105"])
    );
    assert_eq!(bag["handovers"][0]["check"], "verified");
    let custody = json(&env.ok(["custody", "list", CASE, "--json"]));
    for d in custody.as_array().unwrap() {
        assert_eq!(d["current"]["name"], "E. Escort", "{d}");
    }
    let text = env.ok(["bag", "show", CASE]);
    assert!(
        text.contains("handed over to staff member E. Escort by Test Officer"),
        "{text}"
    );
}
