//! `waypoint needs list` and `record`: special needs on the real binary, each part changed only
//! by a role that may, and never shown to a role that may not see it.

use waypoint_domain::Role;

use super::custody::{as_staff, json, sample_with};
use crate::util::{Env, stderr_of, stdout_of};

#[test]
fn a_case_or_one_individual_is_listed_with_its_codes() {
    let env = Env::with_sample();
    let text = env.ok(["needs", "list", "kgl-2025-000101"]);
    for member in ["I-0001001", "I-0001002", "I-0001003", "I-0001004"] {
        assert!(text.contains(member), "{text}");
    }
    assert!(text.contains("SSR code: CHML"), "{text}");
    assert!(
        text.contains("vulnerabilities (sensitive): PREGNANT"),
        "{text}"
    );
    let one = json(&env.ok(["needs", "list", "I-0001010", "--json"]));
    let one = one.as_array().expect("a list");
    assert_eq!(one.len(), 1);
    assert_eq!(one[0]["ssr_codes"], serde_json::json!(["WCHS", "DBML"]));
    assert_eq!(
        one[0]["vulnerabilities"],
        serde_json::json!(["ELDERLY", "MEDICAL"])
    );
    let err = env.fails(["needs", "list", "NOPE-1"]);
    assert!(
        err.contains("there is no case or individual with number NOPE-1"),
        "{err}"
    );
}

#[test]
fn a_record_replaces_only_the_parts_given_and_a_bad_one_changes_nothing() {
    let env = Env::with_sample();
    let before = env.pending();
    let out = env.ok([
        "needs",
        "record",
        "i-0001031",
        "--ssr",
        "wchr,DBML",
        "--notes",
        "Uses a cane",
    ]);
    assert!(out.contains("saved: special needs of I-0001031"), "{out}");
    assert!(
        out.contains("SSR code: WCHR") && out.contains("Uses a cane"),
        "{out}"
    );
    assert_eq!(env.pending(), before + 2);
    let err = env.fails([
        "needs",
        "record",
        "I-0001031",
        "--ssr",
        "MAAS",
        "--vulnerability",
        "SAD",
    ]);
    assert!(err.contains("'SAD' is not a vulnerability"), "{err}");
    assert_eq!(
        env.pending(),
        before + 2,
        "nothing of the refused change was saved"
    );
    let now = json(&env.ok(["needs", "list", "I-0001031", "--json"]));
    assert_eq!(now[0]["ssr_codes"], serde_json::json!(["WCHR", "DBML"]));
    // An empty --ssr removes every code.
    env.ok(["needs", "record", "I-0001031", "--ssr", ""]);
    let now = json(&env.ok(["needs", "list", "I-0001031", "--json"]));
    assert_eq!(now[0]["ssr_codes"], serde_json::json!([]));
    let err = env.fails(["needs", "record", "I-0001031"]);
    assert!(err.contains("nothing to change"), "{err}");
}

#[test]
fn roles_change_and_see_only_what_the_table_lets_them() {
    let env = sample_with(&[
        ("Data Clerk", Role::DataProcessing),
        ("Poe Desk", Role::PoeAssociate),
    ]);
    let before = env.pending();
    let out = as_staff(
        &env,
        "Data Clerk",
        &[
            "needs",
            "record",
            "I-0001010",
            "--ssr",
            "WCHR",
            "--vulnerability",
            "AT_RISK",
        ],
    );
    assert!(!out.status.success());
    assert!(
        stderr_of(&out)
            .contains("not allowed: the data_processing role may not change vulnerabilities"),
        "{}",
        stderr_of(&out)
    );
    let out = as_staff(
        &env,
        "Poe Desk",
        &["needs", "record", "I-0001010", "--ssr", "WCHR"],
    );
    assert!(!out.status.success());
    assert!(
        stderr_of(&out).contains("poe_associate role may not change ssr_codes"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(env.pending(), before);
    // The clerk sees the codes, not the medical notes or the vulnerabilities.
    for extra in [None, Some("--json")] {
        let mut list = vec!["needs", "list", "KGL-2025-000102"];
        list.extend(extra);
        let out = as_staff(&env, "Data Clerk", &list);
        assert!(out.status.success(), "{}", stderr_of(&out));
        let text = stdout_of(&out);
        assert!(text.contains("WCHS"), "{text}");
        for hidden in ["Insulin", "ELDERLY", "MEDICAL"] {
            assert!(
                !text.contains(hidden),
                "{hidden} reached data processing:\n{text}"
            );
        }
    }
    // POE staff see the notes but not the vulnerabilities.
    let text = stdout_of(&as_staff(&env, "Poe Desk", &["needs", "list", "I-0001010"]));
    assert!(
        text.contains("Insulin") && !text.contains("ELDERLY"),
        "{text}"
    );
    assert!(text.contains("vulnerabilities: (not shown"), "{text}");
}
