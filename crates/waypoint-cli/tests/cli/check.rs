//! `waypoint check mrz`: an MRZ on standard input, read and checked by the real binary; with
//! `--individual`, compared with the record of the sample import.

use std::io::Write;
use std::process::{Output, Stdio};

use serde_json::Value;

use crate::util::{Env, assert_no_panic, stderr_of, stdout_of};

/// ICAO 9303 Part 4's passport specimen.
const ICAO_PASSPORT: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\n";

/// ICAO 9303 Part 11's identity card (TD1) whose document number has 12 characters.
const ICAO_LONG_NUMBER: &str = "I<UTOD23145890<7349<<<<<<<<<<<\n3407127M9507122UTO<<<<<<<<<<<2\nSTEVENSON<<PETER<JOHN<<<<<<<<<\n";

/// A Belgian identity card specimen (PRADO BEL-BO-11005, as in cheminfo/mrz's tests, MIT).
const BELGIAN_CARD: &str = "IDBEL600001795<0152<<<<<<<<<<<\n1301014F2311207BEL130101987398\nSPECIMEN<<SPECIMEN<<<<<<<<<<<<\n";

/// A passport for the sample's Mohammed Ali AL-HASSAN (I-0001010: passport N0045821, born
/// 1952, expiring 2025-12-31), born 1952-06-01 by the document.
const AL_HASSAN: &str =
    "P<SYRAL<HASSAN<<MOHAMMED<ALI<<<<<<<<<<<<<<<<\nN0045821<9SYR5206014M2512314<<<<<<<<<<<<<<06\n";

/// The same passport saying 1953: every check digit agrees, the record does not.
const AL_HASSAN_1953: &str =
    "P<SYRAL<HASSAN<<MOHAMMED<ALI<<<<<<<<<<<<<<<<\nN0045821<9SYR5306017M2512314<<<<<<<<<<<<<<06\n";

/// `waypoint check mrz ARGS...` with `input` on standard input.
fn check(env: &Env, args: &[&str], input: &str) -> Output {
    let mut cmd = env.cmd(["check", "mrz"].iter().chain(args));
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("running waypoint");
    let mut stdin = child.stdin.take().expect("standard input");
    // The command may stop reading once it has seen too much (a 100,000-character "MRZ"): a
    // broken pipe then only means it answered early, which the caller checks.
    if let Err(e) = stdin.write_all(input.as_bytes()) {
        assert_eq!(
            e.kind(),
            std::io::ErrorKind::BrokenPipe,
            "writing the MRZ: {e}"
        );
    }
    drop(stdin);
    let out = child.wait_with_output().expect("waiting for waypoint");
    assert_no_panic(&format!("check mrz {args:?}"), &out);
    out
}

fn json(out: &Output) -> Value {
    let text = stdout_of(out);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

#[test]
fn a_valid_passport_is_read_and_exits_0() {
    let env = Env::new();
    let out = check(&env, &[], ICAO_PASSPORT);
    let text = stdout_of(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr_of(&out));
    assert!(text.contains("ERIKSSON"), "{text}");
    assert!(text.contains("1974-08-12"), "{text}");
    assert!(text.contains("valid: every check digit agrees"), "{text}");
    let out = check(&env, &["--json"], ICAO_PASSPORT);
    assert_eq!(out.status.code(), Some(0));
    let answer = json(&out);
    assert_eq!(answer["valid"], true);
    assert_eq!(answer["reading"]["format"], "TD3");
    assert_eq!(answer["reading"]["document_number"], "L898902C3");
    let checks = answer["reading"]["check_digits"]
        .as_array()
        .expect("check digits");
    assert_eq!(checks.len(), 5, "{answer}");
    assert!(checks.iter().all(|c| c["ok"] == true), "{answer}");
    // Reading a zone opens no store: no data directory was made.
    assert!(!env.data.exists());
}

#[test]
fn identity_cards_with_long_document_numbers_are_valid_with_the_whole_number() {
    let env = Env::new();
    for (zone, number) in [
        (ICAO_LONG_NUMBER, "D23145890734"),
        (BELGIAN_CARD, "600001795015"),
    ] {
        let out = check(&env, &["--json"], zone);
        let answer = json(&out);
        assert_eq!(out.status.code(), Some(0), "{answer}");
        assert_eq!(answer["valid"], true, "{answer}");
        assert_eq!(answer["reading"]["format"], "TD1");
        assert_eq!(answer["reading"]["document_number"], number);
    }
    // A scanner's single line reads the same.
    let out = check(&env, &[], &ICAO_LONG_NUMBER.replace('\n', ""));
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(
        stdout_of(&out).contains("I UTO D23145890734"),
        "{}",
        stdout_of(&out)
    );
}

#[test]
fn a_wrong_check_digit_exits_1_and_says_which_field() {
    let env = Env::new();
    // A typo in the date of birth: 1974-08-12 typed as 1974-08-13.
    let typo = ICAO_PASSPORT.replace("7408122F", "7408132F");
    let out = check(&env, &[], &typo);
    let text = stdout_of(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.lines()
            .any(|l| l.contains("date of birth") && l.ends_with("WRONG")),
        "{text}"
    );
    assert!(text.contains("INVALID"), "{text}");
    let answer = json(&check(&env, &["--json"], &typo));
    assert_eq!(answer["valid"], false);
    let failed: Vec<&str> = answer["reading"]["check_digits"]
        .as_array()
        .expect("check digits")
        .iter()
        .filter(|c| c["ok"] == false)
        .filter_map(|c| c["field"].as_str())
        .collect();
    // The composite digit covers the date too.
    assert_eq!(failed, ["date_of_birth", "composite"]);
    // A long number's digit, wrong.
    let out = check(&env, &[], &ICAO_LONG_NUMBER.replace("7349<", "7348<"));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout_of(&out).contains("document number"),
        "{}",
        stdout_of(&out)
    );
}

#[test]
fn what_is_no_mrz_exits_2_with_the_reason() {
    let env = Env::new();
    let out = check(&env, &[], "P<UTOERIKSSON\nL898902C3\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("2 line(s) of 13, 9 characters"),
        "{}",
        stderr_of(&out)
    );
    assert!(stdout_of(&out).is_empty());
    let out = check(&env, &[], "\n \n");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("no MRZ"), "{}", stderr_of(&out));
    let out = check(&env, &[], &"<".repeat(100_000));
    assert_eq!(out.status.code(), Some(2));
    // A usage mistake is clap's exit code 2 too.
    let out = check(&env, &["--individaul", "I-0001010"], ICAO_PASSPORT);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn compared_with_a_record_a_difference_exits_1_and_names_the_field() {
    let env = Env::with_sample();
    let out = check(&env, &["--individual", "I-0001010"], AL_HASSAN);
    let text = stdout_of(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr_of(&out));
    assert!(
        text.contains("record of I-0001010: matches the document"),
        "{text}"
    );

    let out = check(
        &env,
        &["--individual", "i-0001010", "--json"],
        AL_HASSAN_1953,
    );
    let answer = json(&out);
    assert_eq!(out.status.code(), Some(1), "{answer}");
    assert_eq!(answer["valid"], true, "every check digit agrees: {answer}");
    assert_eq!(answer["matches"], false);
    let mismatches = answer["mismatches"].as_array().expect("mismatches");
    assert_eq!(mismatches.len(), 1, "{answer}");
    assert_eq!(mismatches[0]["field"], "date_of_birth");
    assert_eq!(mismatches[0]["on_record"], "1952");
    assert_eq!(mismatches[0]["on_document"], "1953-06-01");

    // Another person's record.
    let out = check(&env, &["--individual", "I-0001020"], AL_HASSAN);
    let text = stdout_of(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("DIFFERS"), "{text}");
    assert!(text.contains("family_name"), "{text}");

    let out = check(&env, &["--individual", "I-9999999"], AL_HASSAN);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("no individual with number I-9999999"));
}

#[test]
fn a_role_that_may_not_see_the_record_to_compare_is_refused_and_shown_nothing() {
    const PIN: &str = "135791";
    let env = Env::with_sample();
    let added = env
        .cmd(["staff", "add", "Ada Admin", "--role", "administrator"])
        .env("WAYPOINT_NEW_PIN", PIN)
        .output()
        .expect("running waypoint");
    assert!(added.status.success(), "{}", stderr_of(&added));
    let mut cmd = env.cmd(["check", "mrz", "--individual", "I-0001010"]);
    cmd.env("WAYPOINT_STAFF", "Ada Admin")
        .env("WAYPOINT_PIN", PIN)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("running waypoint");
    child
        .stdin
        .take()
        .expect("standard input")
        .write_all(AL_HASSAN.as_bytes())
        .expect("writing the MRZ");
    let out = child.wait_with_output().expect("waiting for waypoint");
    assert_no_panic("check mrz as administrator", &out);
    assert_eq!(out.status.code(), Some(2), "{}", stdout_of(&out));
    let err = stderr_of(&out);
    assert!(
        err.contains("the administrator role may not identity check"),
        "{err}"
    );
    // Neither the record's values nor the document's are printed.
    assert!(stdout_of(&out).is_empty(), "{}", stdout_of(&out));
    for value in ["N0045821", "1952", "HASSAN"] {
        assert!(!err.contains(value), "{value} in {err}");
    }
}
