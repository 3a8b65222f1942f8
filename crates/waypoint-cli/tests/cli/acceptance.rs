//! The acceptance list of the CLI issue, one test per promise, against the real binary.

use std::collections::BTreeSet;
use std::ffi::OsStr;

use serde_json::Value;

use crate::util::{
    Env, ImportCounts, assert_no_panic, bare_command, count_type, individual, parse_jsonl,
    pending_of, sample_path, sample_text, stderr_of, stdout_of,
};

/// Replaces `from` by `to` in the one line of `lines` that holds `individual_no`; `from` must be
/// in that line exactly once, so the edit is the one intended.
fn edit(lines: &mut [String], individual_no: &str, from: &str, to: &str) {
    let line = lines
        .iter_mut()
        .find(|l| l.contains(&format!(",{individual_no},")))
        .unwrap_or_else(|| panic!("{individual_no} is not in the sample"));
    assert_eq!(
        line.matches(from).count(),
        1,
        "'{from}' must be once in: {line}"
    );
    *line = line.replacen(from, to, 1);
}

/// The problems planted in [`broken_sample`]: physical line, column, and a word of the message.
const PLANTED: [(u64, &str, &str); 5] = [
    (2, "date_of_birth", "1979-02-30"),
    (5, "nationality", "QQQ"),
    (6, "family_name", "family_name"),
    (10, "individual_no", "line 9"),
    (12, "special_needs_notes", "quote"),
];

/// The individuals of the sample whose rows stay good in [`broken_sample`].
const GOOD_IN_BROKEN: [&str; 5] = [
    "I-0001002",
    "I-0001010",
    "I-0001020",
    "I-0001030",
    "I-0001040",
];

/// The sample with five broken rows, and one good row whose quoted value spans two lines so
/// every later row starts one physical line further down than its record number suggests:
///
/// | line | individual | problem |
/// |---|---|---|
/// | 2 | I-0001001 | date of birth 1979-02-30 |
/// | 3-4 | I-0001002 | (good; special_needs_notes has a line break) |
/// | 5 | I-0001003 | nationality QQQ |
/// | 6 | I-0001004 | family_name empty |
/// | 10 | I-0001031 | individual_no I-0001030, already on line 9 |
/// | 12 | I-0001041 | special_needs_notes opens a quote never closed |
fn broken_sample() -> String {
    let mut lines: Vec<String> = sample_text().lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 11, "the sample has a header and 10 rows");
    edit(&mut lines, "I-0001001", ",1979-03-14,", ",1979-02-30,");
    edit(
        &mut lines,
        "I-0001002",
        "7 months; carries",
        "7 months;\ncarries",
    );
    edit(&mut lines, "I-0001003", ",2019-11,COD,", ",2019-11,QQQ,");
    edit(&mut lines, "I-0001004", ",CH,HABIMANA,Eric,", ",CH,,Eric,");
    edit(&mut lines, "I-0001031", ",I-0001031,", ",I-0001030,");
    edit(
        &mut lines,
        "I-0001041",
        ",Travels as family escort,",
        ",\"Travels as family escort,",
    );
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

/// The `NAME:LINE:COLUMN: message` lines of standard error, as (line, column, message).
fn located_problems(stderr: &str, name: &str) -> Vec<(u64, String, String)> {
    let prefix = format!("{name}:");
    stderr
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix(&prefix)?;
            let (line, rest) = rest.split_once(':')?;
            let line: u64 = line.parse().ok()?;
            let (column, message) = rest.split_once(": ")?;
            Some((line, column.to_string(), message.to_string()))
        })
        .collect()
}

fn assert_planted_problems(stderr: &str, name: &str) {
    // One line per problem (and the verdict): no message runs over several lines.
    let prefix = format!("{name}:");
    let stray: Vec<&str> = stderr.lines().filter(|l| !l.starts_with(&prefix)).collect();
    assert!(
        stray.is_empty(),
        "lines not naming the file: {stray:?}\n{stderr}"
    );
    let found = located_problems(stderr, name);
    let got: Vec<(u64, &str)> = found.iter().map(|(l, c, _)| (*l, c.as_str())).collect();
    let want: Vec<(u64, &str)> = PLANTED.iter().map(|(l, c, _)| (*l, *c)).collect();
    assert_eq!(got, want, "problem lines on standard error:\n{stderr}");
    for ((line, column, message), (_, _, word)) in found.iter().zip(PLANTED) {
        assert!(
            message.contains(word),
            "{name}:{line}:{column}: the message should mention '{word}': {message}"
        );
    }
}

#[test]
fn importing_the_sample_creates_5_cases_and_10_individuals_and_again_changes_nothing() {
    let env = Env::new();
    let first = env.import_sample();
    let counts = ImportCounts::parse(&first);
    assert_eq!(
        counts,
        ImportCounts {
            cases: (5, 0, 0),
            individuals: (10, 0, 0)
        },
        "{first}"
    );
    assert!(first.contains(": 10 row(s)"), "{first}");
    let lines = env.export_lines();
    assert_eq!(
        (count_type(&lines, "case"), count_type(&lines, "individual")),
        (5, 10)
    );
    let export_before = env.export();
    let pending_before = env.pending();
    // 15 records and the 10 exit-permit steps of the permit columns.
    assert_eq!(pending_before, 25);

    let again = env.ok([OsStr::new("import"), sample_path().as_os_str()]);
    let counts = ImportCounts::parse(&again);
    assert_eq!(
        counts,
        ImportCounts {
            cases: (0, 0, 5),
            individuals: (0, 0, 10)
        },
        "{again}"
    );
    assert!(again.contains("clashes:     0"), "{again}");
    assert_eq!(
        env.export(),
        export_before,
        "re-importing the same file changed the export"
    );
    assert_eq!(
        env.pending(),
        pending_before,
        "re-importing the same file added to the outbox"
    );
}

#[test]
fn a_file_with_broken_rows_is_rejected_with_one_located_line_per_problem_and_changes_nothing() {
    let env = Env::new();
    env.write("broken.csv", broken_sample());

    // Into an empty store, naming the file relative to the working directory: the messages
    // name it exactly as given.
    let empty_export = env.export();
    assert_eq!(empty_export, "");
    let out = env
        .cmd(["import", "broken.csv"])
        .current_dir(env.tmp.path())
        .output()
        .unwrap();
    assert_no_panic("import broken.csv", &out);
    let err = stderr_of(&out);
    assert!(
        !out.status.success(),
        "a broken file was accepted:\n{}",
        stdout_of(&out)
    );
    assert_planted_problems(&err, "broken.csv");
    assert!(
        err.contains("broken.csv: rejected: 5 problem(s) in 5 row(s); nothing was imported"),
        "{err}"
    );
    assert_eq!(stdout_of(&out), "", "nothing may be reported as imported");
    assert_eq!(env.export(), empty_export);
    assert_eq!(env.pending(), 0);

    // Into a store that already holds the sample, naming the file by its full path.
    env.import_sample();
    let export_before = env.export();
    let pending_before = env.pending();
    let path = env.path("broken.csv");
    let out = env.run([OsStr::new("import"), path.as_os_str()]);
    assert!(
        !out.status.success(),
        "a broken file was accepted:\n{}",
        stdout_of(&out)
    );
    assert_planted_problems(&stderr_of(&out), &path.display().to_string());
    assert_eq!(
        env.export(),
        export_before,
        "a rejected file changed the store"
    );
    assert_eq!(
        env.pending(),
        pending_before,
        "a rejected file added to the outbox"
    );

    // As a spreadsheet on Windows saves it: byte-order mark and CRLF line ends. Same lines.
    let windows = format!("\u{feff}{}", broken_sample().replace('\n', "\r\n"));
    let path = env.write("broken-windows.csv", windows);
    let out = env.run([OsStr::new("import"), path.as_os_str()]);
    assert!(
        !out.status.success(),
        "a broken file was accepted:\n{}",
        stdout_of(&out)
    );
    assert_planted_problems(&stderr_of(&out), &path.display().to_string());
    assert_eq!(
        env.export(),
        export_before,
        "a rejected file changed the store"
    );
    assert_eq!(
        env.pending(),
        pending_before,
        "a rejected file added to the outbox"
    );
}

#[test]
fn a_local_edit_survives_a_reimport_of_older_data_and_the_clash_is_reported() {
    let env = Env::with_sample();
    let saved = env.ok(["individual", "set", "I-0001002", "family_name", "NEWNAME"]);
    assert!(
        saved.starts_with("saved: family_name of I-0001002"),
        "{saved}"
    );
    assert_eq!(
        individual(&env.export_lines(), "I-0001002")["family_name"],
        "NEWNAME"
    );

    let sample = sample_path();
    let summary = env.ok([OsStr::new("import"), sample.as_os_str()]);
    let lines = env.export_lines();
    assert_eq!(
        individual(&lines, "I-0001002")["family_name"],
        "NEWNAME",
        "the edit was lost"
    );
    assert_eq!(individual(&lines, "I-0001001")["family_name"], "HABIMANA");
    assert!(summary.contains("clashes:     1"), "{summary}");
    let clash = format!(
        "{}:3: I-0001002 family_name: kept 'NEWNAME' (edited in Waypoint), file has 'MUKAMANA'",
        sample.display()
    );
    assert!(
        summary.lines().any(|l| l.trim() == clash),
        "no line '{clash}' in:\n{summary}"
    );
    let counts = ImportCounts::parse(&summary);
    assert_eq!(counts.individuals, (0, 0, 10), "{summary}");
    // The edit is the only change waiting: 15 creations, 10 exit-permit steps and one field.
    assert_eq!(env.pending(), 26);
}

fn search(env: &Env, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["search"];
    all.extend_from_slice(args);
    all.push("--json");
    let out = env.ok(&all);
    let value: Value = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("search --json is not JSON ({e}):\n{out}"));
    let results = value
        .as_array()
        .unwrap_or_else(|| panic!("not an array:\n{out}"))
        .clone();
    for r in &results {
        for key in ["case_no", "individual_no", "family_name", "given_names"] {
            assert!(r[key].is_string(), "a result without {key}: {r}");
        }
    }
    results
}

fn numbers(results: &[Value]) -> Vec<&str> {
    results
        .iter()
        .map(|r| r["individual_no"].as_str().unwrap_or_default())
        .collect()
}

#[test]
fn search_tolerates_typos_and_diacritics_and_answers_in_json() {
    let env = Env::with_sample();

    let r = search(&env, &["habimna"]);
    assert!(!r.is_empty(), "'habimna' found no one");
    assert_eq!(r[0]["family_name"], "HABIMANA", "'habimna': {r:?}");
    let habimanas: BTreeSet<&str> = r
        .iter()
        .filter(|x| x["family_name"] == "HABIMANA")
        .map(|x| x["individual_no"].as_str().unwrap())
        .collect();
    assert_eq!(
        habimanas,
        BTreeSet::from(["I-0001001", "I-0001003", "I-0001004"]),
        "{r:?}"
    );
    let first = &r[0];
    assert_eq!(first["case_no"], "KGL-2025-000101");

    let r = search(&env, &["muhamad"]);
    assert_eq!(numbers(&r).first(), Some(&"I-0001010"), "'muhamad': {r:?}");
    assert_eq!(r[0]["family_name"], "AL-HASSAN");
    assert_eq!(r[0]["given_names"], "Mohammed Ali");

    let r = search(&env, &["Mérön Tesfáy"]);
    assert_eq!(
        numbers(&r).first(),
        Some(&"I-0001020"),
        "'Mérön Tesfáy': {r:?}"
    );

    let r = search(&env, &["I-0001031"]);
    assert_eq!(
        numbers(&r).first(),
        Some(&"I-0001031"),
        "by individual number: {r:?}"
    );

    // The text form shows the same person.
    let text = env.ok(["search", "muhamad"]);
    let first_line = text.lines().next().unwrap_or_default();
    assert!(
        first_line.contains("I-0001010") && first_line.contains("AL-HASSAN"),
        "{text}"
    );
}

#[test]
fn search_returns_no_more_than_the_limit() {
    let env = Env::with_sample();
    assert!(search(&env, &["habimana"]).len() >= 3);
    assert_eq!(search(&env, &["habimana", "--limit", "1"]).len(), 1);
    let two = search(&env, &["habimana", "--limit", "2"]);
    assert_eq!(two.len(), 2);
    assert!(
        two.iter().all(|r| r["family_name"] == "HABIMANA"),
        "{two:?}"
    );
}

#[test]
fn case_show_lists_the_four_members_of_a_case_as_text_and_json() {
    let env = Env::with_sample();
    let text = env.ok(["case", "show", "KGL-2025-000101"]);
    assert!(text.starts_with("Case KGL-2025-000101"), "{text}");
    let members: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("  I-"))
        .map(|l| l.split_whitespace().next().unwrap_or_default())
        .collect();
    assert_eq!(
        members,
        ["I-0001001", "I-0001002", "I-0001003", "I-0001004"],
        "{text}"
    );

    // Case numbers are matched whatever their case.
    let json = env.ok(["case", "show", "kgl-2025-000101", "--json"]);
    let view: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(view["case"]["case_no"], "KGL-2025-000101");
    let members = view["case"]["members"].as_array().expect("members");
    assert_eq!(members.len(), 4, "{json}");
    assert_eq!(members[0]["individual_no"], "I-0001001");
    assert_eq!(members[0]["relationship"], "PA");
}

#[test]
fn an_unknown_case_is_a_clear_error_not_a_panic() {
    let env = Env::with_sample();
    for args in [
        &["case", "show", "KGL-2025-999999"][..],
        &["case", "show", "--json", "KGL-2025-999999"],
    ] {
        let err = env.fails(args);
        assert!(
            err.contains("there is no case with number KGL-2025-999999"),
            "{err}"
        );
    }
}

#[test]
fn export_to_a_file_is_byte_identical_to_standard_output_with_sorted_keys() {
    let env = Env::with_sample();
    env.ok(["individual", "set", "I-0001041", "phone", "+1 555 0100"]);
    let stdout = env.export();
    let out = env.path("dump.jsonl");
    assert_eq!(
        env.ok([OsStr::new("export"), OsStr::new("--out"), out.as_os_str()]),
        ""
    );
    let file = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        file, stdout,
        "export --out and export to standard output differ"
    );
    assert!(
        !env.path("dump.partial").exists(),
        "the temporary file was left behind"
    );
    assert!(file.ends_with('\n'));

    let lines = parse_jsonl(&file);
    // Cases, individuals, and each member's exit-permit step.
    assert_eq!(lines.len(), 25);
    assert_eq!(count_type(&lines, "event"), 10);
    assert_eq!(
        (count_type(&lines, "case"), count_type(&lines, "individual")),
        (5, 10)
    );
    // serde_json's map is sorted: a line written back is the same text only if its keys were
    // sorted (at every level) and it was compact.
    for (raw, value) in file.lines().zip(&lines) {
        assert_eq!(
            serde_json::to_string(value).unwrap(),
            raw,
            "keys not sorted or not canonical"
        );
    }
    assert_eq!(individual(&lines, "I-0001041")["phone"], "+1 555 0100");

    // Writing again over the file gives the same bytes.
    env.ok([OsStr::new("export"), OsStr::new("--out"), out.as_os_str()]);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), stdout);
}

#[test]
fn the_outbox_has_one_entry_per_created_record_and_per_edit() {
    let env = Env::new();
    assert_eq!(env.pending(), 0);
    assert!(
        env.ok(["outbox"])
            .starts_with("0 change(s) waiting to be synced")
    );

    env.import_sample();
    let outbox = env.outbox();
    // 5 cases, 10 individuals, and the 10 exit-permit steps of the sample's permit columns.
    assert_eq!(pending_of(&outbox), 25);
    let entries = outbox["entries"].as_array().unwrap();
    let creates = |scope: &str| {
        entries
            .iter()
            .filter(|e| e["kind"] == "create" && e["scope"] == scope)
            .count()
    };
    assert_eq!((creates("case"), creates("individual")), (5, 10));
    let events = entries.iter().filter(|e| e["kind"] == "event").count();
    assert_eq!(events, 10);
    let text = env.ok(["outbox"]);
    assert!(
        text.starts_with("25 change(s) waiting to be synced"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 26, "{text}");

    env.ok(["individual", "set", "I-0001020", "phone", "+1 555 0101"]);
    let outbox = env.outbox();
    assert_eq!(pending_of(&outbox), 26);
    let last = outbox["entries"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["kind"], "field");
    assert_eq!(last["entity"], "I-0001020");
    assert_eq!(last["field"], "phone");
    assert!(
        env.ok(["outbox"])
            .starts_with("26 change(s) waiting to be synced")
    );

    // Setting the value it already has is no change and no entry.
    let same = env.ok(["individual", "set", "I-0001020", "phone", "+1 555 0101"]);
    assert!(same.starts_with("unchanged:"), "{same}");
    assert_eq!(env.pending(), 26);
    // A case field is one entry for the case, not one per member.
    env.ok(["individual", "set", "I-0001001", "destination", "JFK"]);
    let outbox = env.outbox();
    assert_eq!(pending_of(&outbox), 27);
    let last = outbox["entries"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (&last["scope"], &last["entity"]),
        (&Value::from("case"), &Value::from("KGL-2025-000101"))
    );
}

/// A deterministic run of bytes that are not text.
fn noise(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

#[test]
fn bad_input_is_refused_with_a_message_and_never_a_panic() {
    let env = Env::with_sample();
    let export_before = env.export();
    let pending_before = env.pending();

    let header = sample_text().lines().next().unwrap().to_string();
    let binary = env.write("noise.csv", noise(4096));
    let empty = env.write("empty.csv", "");
    let blank = env.write("blank.csv", "\n\n  \n");
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(header.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let utf16 = env.write("utf16.csv", utf16);
    let semicolons = env.write("semicolons.csv", format!("{}\n", header.replace(',', ";")));
    let no_sex = env.write("no-sex.csv", format!("{}\n", header.replace(",sex,", ",")));
    let missing = env.path("does-not-exist.csv");
    let directory = env.tmp.path().to_path_buf();

    let p = |p: &std::path::Path| p.display().to_string();
    let a = |xs: &[&str]| -> Vec<String> { xs.iter().map(|x| x.to_string()).collect() };
    let set = |field: &str, value: &str| a(&["individual", "set", "I-0001002", field, value]);
    let import = |path: &std::path::Path| a(&["import", &p(path)]);
    let cases: Vec<(Vec<String>, String)> = vec![
        (
            set("no_such_field", "x"),
            "'no_such_field' is not a field".into(),
        ),
        (
            set("date_of_birth", "1984-13"),
            "date_of_birth: '1984-13' has no month 13".into(),
        ),
        (set("date_of_birth", "2999-01-01"), "in the future".into()),
        (
            set("nationality", "QQQ"),
            "'QQQ' is not a nationality code".into(),
        ),
        (set("family_name", "  "), "family_name is required".into()),
        (
            set("individual_no", "I-0009999"),
            "cannot be changed".into(),
        ),
        (
            set("case_no", "KGL-2025-999999"),
            "no case with number KGL-2025-999999".into(),
        ),
        (
            a(&["individual", "set", "I-9999999", "phone", "+1 555 0102"]),
            "no individual with number I-9999999".into(),
        ),
        (import(&missing), format!("cannot read {}", p(&missing))),
        (import(&directory), p(&directory)),
        (import(&binary), p(&binary)),
        (import(&empty), "the file is empty".into()),
        (import(&blank), "the file is empty".into()),
        (import(&utf16), "UTF-16".into()),
        (import(&semicolons), "semicolons".into()),
        (import(&no_sex), "no column sex".into()),
        (
            a(&["case", "show", "NO-SUCH-CASE"]),
            "no case with number NO-SUCH-CASE".into(),
        ),
        (a(&["frobnicate"]), "frobnicate".into()),
        (a(&["search"]), "<QUERY>".into()),
        (
            a(&["search", "habimana", "--limit", "lots"]),
            "'lots'".into(),
        ),
        (a(&["individual", "set", "I-0001002"]), "<FIELD>".into()),
    ];
    for (args, expect) in &cases {
        let err = env.fails(args);
        assert!(
            err.contains(expect),
            "waypoint {}: expected '{expect}' in:\n{err}",
            args.join(" ")
        );
    }

    // Legitimately fine: a file with only the header imports nothing, and says so.
    let header_only = env.write("header-only.csv", format!("{header}\n"));
    let out = env.ok([OsStr::new("import"), header_only.as_os_str()]);
    assert!(out.contains(": 0 row(s)"), "{out}");
    assert_eq!(
        ImportCounts::parse(&out),
        ImportCounts {
            cases: (0, 0, 0),
            individuals: (0, 0, 0)
        }
    );
    // An empty query is no error: it finds what it finds, as JSON.
    let out = env.ok(["search", "", "--json"]);
    assert!(
        serde_json::from_str::<Value>(&out).is_ok_and(|v| v.is_array()),
        "{out}"
    );

    assert_eq!(env.export(), export_before, "bad input changed the store");
    assert_eq!(
        env.pending(),
        pending_before,
        "bad input added to the outbox"
    );
}

#[test]
fn an_unusable_data_directory_is_an_error_and_a_damaged_store_is_left_alone() {
    let env = Env::new();
    // The data directory is a file.
    std::fs::write(&env.data, "not a directory").unwrap();
    let err = env.fails(["export"]);
    assert!(err.contains(&env.data.display().to_string()), "{err}");
    assert_eq!(
        std::fs::read_to_string(&env.data).unwrap(),
        "not a directory"
    );

    // The store file is not a database: refused, and not replaced by an empty store.
    let env = Env::new();
    std::fs::create_dir_all(&env.data).unwrap();
    let db = env.data.join(waypoint_store::DB_FILE);
    let garbage = noise(8192);
    std::fs::write(&db, &garbage).unwrap();
    for args in [vec!["export"], vec!["outbox"], vec!["search", "habimana"]] {
        let err = env.fails(&args);
        assert!(err.contains("waypoint: error:"), "{err}");
    }
    let out = env.run([OsStr::new("import"), sample_path().as_os_str()]);
    assert!(
        !out.status.success(),
        "imported into a damaged store:\n{}",
        stdout_of(&out)
    );
    assert_eq!(
        std::fs::read(&db).unwrap(),
        garbage,
        "the damaged store file was changed"
    );
}

#[test]
fn partial_loads_the_good_rows_and_reports_the_bad_ones() {
    let env = Env::new();
    let broken = env.write("broken.csv", broken_sample());
    let out = env.run([
        OsStr::new("import"),
        OsStr::new("--partial"),
        broken.as_os_str(),
    ]);
    let (stdout, stderr) = (stdout_of(&out), stderr_of(&out));
    assert!(
        out.status.success(),
        "--partial failed:\n{stdout}\n{stderr}"
    );
    assert_planted_problems(&stderr, &broken.display().to_string());
    assert!(!stderr.contains("rejected"), "{stderr}");
    assert_eq!(
        ImportCounts::parse(&stdout),
        ImportCounts {
            cases: (5, 0, 0),
            individuals: (5, 0, 0)
        },
        "{stdout}"
    );
    assert!(
        stdout.contains("skipped:     5 row(s) with problems"),
        "{stdout}"
    );

    let lines = env.export_lines();
    let loaded: Vec<&str> = lines
        .iter()
        .filter(|l| l["type"] == "individual")
        .map(|l| l["individual_no"].as_str().unwrap())
        .collect();
    assert_eq!(loaded, GOOD_IN_BROKEN);
    // The good row whose value spans two lines kept its line break.
    assert_eq!(
        individual(&lines, "I-0001002")["special_needs_notes"],
        "Pregnant, 7 months;\ncarries iron supplements"
    );
    // The good rows' records and the exit-permit step of each.
    assert_eq!(env.pending(), 15);
}

#[test]
fn dry_run_says_what_an_import_would_do_and_changes_nothing() {
    let env = Env::new();
    let sample = sample_path();
    let out = env.ok([
        OsStr::new("import"),
        OsStr::new("--dry-run"),
        sample.as_os_str(),
    ]);
    assert!(out.starts_with("Checked (dry run, nothing saved)"), "{out}");
    assert_eq!(
        ImportCounts::parse(&out),
        ImportCounts {
            cases: (5, 0, 0),
            individuals: (10, 0, 0)
        }
    );
    assert_eq!(env.export(), "");
    assert_eq!(env.pending(), 0);

    // Over data with a local edit: the clash is reported, nothing is written.
    env.import_sample();
    env.ok([
        "individual",
        "set",
        "I-0001030",
        "given_names",
        "Testvalue Dry",
    ]);
    let export_before = env.export();
    let pending_before = env.pending();
    let out = env.ok([
        OsStr::new("import"),
        OsStr::new("--dry-run"),
        sample.as_os_str(),
    ]);
    assert!(out.starts_with("Checked (dry run, nothing saved)"), "{out}");
    assert!(
        out.contains("I-0001030 given_names: kept 'Testvalue Dry'"),
        "{out}"
    );

    // And with --partial on a broken file.
    let broken = env.write("broken.csv", broken_sample());
    let out = env.run([
        OsStr::new("import"),
        OsStr::new("--partial"),
        OsStr::new("--dry-run"),
        broken.as_os_str(),
    ]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(stdout_of(&out).starts_with("Checked (dry run, nothing saved)"));
    assert_planted_problems(&stderr_of(&out), &broken.display().to_string());

    assert_eq!(env.export(), export_before, "a dry run changed the store");
    assert_eq!(
        env.pending(),
        pending_before,
        "a dry run added to the outbox"
    );
}

#[test]
fn the_data_directory_can_be_given_by_environment_variable() {
    let env = Env::new();
    let out = env
        .keyed(&mut bare_command())
        .env("WAYPOINT_DATA_DIR", &env.data)
        .arg("import")
        .arg(sample_path())
        .output()
        .unwrap();
    assert_no_panic("import with WAYPOINT_DATA_DIR", &out);
    assert!(out.status.success(), "{}", stderr_of(&out));
    // The data went where the variable said.
    assert_eq!(count_type(&env.export_lines(), "individual"), 10);
    let outbox = env
        .keyed(&mut bare_command())
        .env("WAYPOINT_DATA_DIR", &env.data)
        .args(["outbox", "--json"])
        .output()
        .unwrap();
    assert!(outbox.status.success(), "{}", stderr_of(&outbox));
    assert_eq!(
        pending_of(&serde_json::from_slice(&outbox.stdout).unwrap()),
        25
    );

    // --data-dir wins over the variable.
    let other = Env::new();
    let out = other
        .keyed(&mut bare_command())
        .env("WAYPOINT_DATA_DIR", &env.data)
        .arg("--data-dir")
        .arg(&other.data)
        .arg("export")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(
        stdout_of(&out),
        "",
        "--data-dir should have been used, not WAYPOINT_DATA_DIR"
    );
}

/// Standard output that nobody reads any more (`waypoint ... | head -1`, a script that died):
/// every write fails with "broken pipe". The write end of a pipe whose reader is gone.
#[cfg(unix)]
fn closed_pipe() -> std::process::Stdio {
    let mut reader = std::process::Command::new("true")
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("running `true`");
    let write_end = reader.stdin.take().expect("the pipe to `true`");
    reader.wait().expect("waiting for `true`");
    write_end.into()
}

#[cfg(unix)]
#[test]
fn a_closed_standard_output_is_an_error_not_a_panic_and_loses_no_write() {
    let env = Env::with_sample();
    let sample = sample_path().display().to_string();
    let commands: [&[&str]; 8] = [
        &["individual", "set", "I-0001030", "phone", "+1 555 0103"],
        &["import", &sample],
        &["export"],
        &["outbox"],
        &["outbox", "--json"],
        &["search", "habimana"],
        &["search", "habimana", "--json"],
        &["case", "show", "KGL-2025-000101"],
    ];
    for args in commands {
        let out = env
            .cmd(args)
            .stdout(closed_pipe())
            .output()
            .expect("running waypoint");
        assert_no_panic(&format!("waypoint {} > closed pipe", args.join(" ")), &out);
    }
    // The edit was committed before anything was printed: it is kept.
    assert_eq!(
        individual(&env.export_lines(), "I-0001030")["phone"],
        "+1 555 0103"
    );
    assert_eq!(env.pending(), 26);
}
