//! Need-to-know on the command line (docs/roles.md): the real `waypoint` binary, run by a staff
//! member of each role, never gives a role without the right a vulnerability or a medical note,
//! through any command, search result, export, report or error; a role with the right does see
//! them (so the check can fail); every change names the person who made it; refusals say why.
//!
//! Markers: every special-needs note holds `ZZQ` (and nothing else the commands print does),
//! and the vulnerabilities are the codes themselves (`PREGNANT`, `URM`, ...), which nothing else
//! generated here spells in capitals. The temporary directory's path is taken out of what is
//! checked (a random name could spell a code).

use std::ffi::OsStr;
use std::path::Path;
use std::process::Output;

use proptest::prelude::*;
use serde_json::Value;
use waypoint_domain::{Action, Field, Role, Vulnerability, may, may_edit, may_see};

use crate::util::{Env, TEST_STAFF, assert_no_panic, stderr_of, stdout_of};

/// The PIN of every staff member added here.
const PIN: &str = "135791";

/// What every note holds, and nothing else does.
const NOTE_MARK: &str = "ZZQ";

/// The staff member working in `role` (the test officer who made the store is a supervisor;
/// this is another one, added like the others).
fn staff_name(role: Role) -> String {
    format!("{} worker", role.code().replace('_', " "))
}

/// One generated person.
#[derive(Debug, Clone)]
struct Person {
    /// The letters after `ZZQNOTE`.
    note: Option<String>,
    vulnerabilities: Vec<Vulnerability>,
    document: bool,
    adult: bool,
}

fn person() -> impl Strategy<Value = Person> {
    (
        proptest::option::of("[a-z]{6}"),
        proptest::sample::subsequence(Vulnerability::ALL.to_vec(), 0..=3),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(note, vulnerabilities, document, adult)| Person {
            note,
            vulnerabilities,
            document,
            adult,
        })
}

fn case_no(c: usize) -> String {
    format!("TST-2026-{c:06}")
}

fn individual_no(c: usize, m: usize) -> String {
    format!("I-{c:03}{m:04}")
}

/// A family name of letters that spell no vulnerability code.
fn family(c: usize) -> String {
    format!("TESTFAMILY{}", char::from(b'A' + c as u8))
}

fn document_no(c: usize, m: usize) -> String {
    format!("TD{c:03}{m:04}")
}

fn note(p: &Person) -> Option<String> {
    p.note.as_ref().map(|n| format!("{NOTE_MARK}NOTE{n}"))
}

fn codes(vs: &[Vulnerability]) -> String {
    vs.iter().map(|v| v.code()).collect::<Vec<_>>().join(";")
}

/// The case-import CSV of `cases`: the sample's columns, need-to-know fields filled with
/// markers (URM on adults too: the import then warns about it, quoting the code).
fn csv_of(cases: &[Vec<Person>]) -> String {
    let header = crate::util::sample_text()
        .lines()
        .next()
        .expect("the sample has a header")
        .to_string();
    let mut text = header + "\n";
    for (c, members) in cases.iter().enumerate() {
        for (m, p) in members.iter().enumerate() {
            let (doc_type, doc_no, issuer) = if p.document {
                ("PASSPORT", document_no(c, m), "COD")
            } else {
                ("", String::new(), "")
            };
            let row = [
                case_no(c),
                individual_no(c, m),
                if m == 0 { "PA" } else { "CH" }.into(),
                family(c),
                "Test Person".into(),
                String::new(),
                String::new(),
                "F".into(),
                if p.adult { "1980" } else { "2015" }.into(),
                "COD".into(),
                String::new(),
                String::new(),
                "KGL-TC1".into(),
                String::new(),
                String::new(),
                String::new(),
                doc_type.into(),
                doc_no,
                issuer.into(),
                String::new(),
                String::new(),
                note(p).unwrap_or_default(),
                codes(&p.vulnerabilities),
                String::new(),
                String::new(),
            ];
            text += &row.join(",");
            text += "\n";
        }
    }
    text
}

/// What one command gave a person: its output streams and any file it wrote.
struct Seen {
    what: String,
    ok: bool,
    text: String,
}

/// The device of one case of the property: the generated data imported, a staff member per
/// role, a local edit of a note, and a conflict on each need-to-know field.
struct Device {
    env: Env,
    cases: Vec<Vec<Person>>,
    csv: std::path::PathBuf,
    /// The note of the first person, as edited on this device by a field assistant.
    edited_note: String,
}

impl Device {
    fn new(cases: Vec<Vec<Person>>) -> Self {
        let env = Env::new();
        let csv = env.write("cases.csv", csv_of(&cases));
        env.ok([OsStr::new("import"), csv.as_os_str()]);
        for role in Role::ALL {
            let out = env
                .cmd(["staff", "add", &staff_name(*role), "--role", role.code()])
                .env("WAYPOINT_NEW_PIN", PIN)
                .output()
                .expect("running waypoint");
            assert!(out.status.success(), "staff add: {}", stderr_of(&out));
        }
        // A local edit: a re-import then reports a clash on the note (both values).
        let edited_note = format!("{NOTE_MARK}EDITED{}", cases.len());
        let device = Self {
            env,
            cases,
            csv,
            edited_note,
        };
        let out = device.run_as(
            Role::FieldAssistant,
            &[
                "individual",
                "set",
                &individual_no(0, 0),
                "special_needs_notes",
                &device.edited_note,
            ],
        );
        assert!(out.ok, "{}", out.text);
        // Conflicts as a sync leaves them (two devices edited the same need-to-know field):
        // written into the store directly, since making them takes a server and two laptops
        // (the sync tests do that); what is tested here is what the commands show of them.
        device
            .env
            .connection()
            .execute_batch(&format!(
                "INSERT INTO conflict (id, scope, entity, case_no, field, winner, loser, winner_device, loser_device)
                 VALUES ('c-notes', 'individual', '{i}', '{c}', 'special_needs_notes',
                         '{NOTE_MARK}CONFLICTWIN', '{NOTE_MARK}CONFLICTLOSE', 'laptop-one', 'laptop-two'),
                        ('c-vuln', 'individual', '{i}', '{c}', 'vulnerabilities',
                         'PREGNANT', 'AT_RISK;ELDERLY', 'laptop-one', 'laptop-two');",
                i = individual_no(0, 0),
                c = case_no(0),
            ))
            .expect("conflicts written");
        device
    }

    /// `waypoint ARGS` as the staff member working in `role`.
    fn run_as(&self, role: Role, args: &[&str]) -> Seen {
        let mut cmd = self.env.cmd(args);
        cmd.env("WAYPOINT_STAFF", staff_name(role))
            .env("WAYPOINT_PIN", PIN);
        let what = format!("{role}: waypoint {}", args.join(" "));
        let out: Output = cmd.output().expect("running waypoint");
        assert_no_panic(&what, &out);
        Seen {
            what,
            ok: out.status.success(),
            text: format!("{}\n{}", stdout_of(&out), stderr_of(&out)),
        }
    }

    /// Every command that shows data, as `role`: the reads, the reports, the errors, the
    /// refused (or idle) edits and imports. None changes what the others read.
    fn everything_as(&self, role: Role) -> Vec<Seen> {
        let mut seen = Vec::new();
        let mut run = |args: &[&str]| seen.push(self.run_as(role, args));
        let first = individual_no(0, 0);
        run(&["search", &family(0)]);
        run(&["search", &family(0), "--json"]);
        run(&["search", &case_no(0)]);
        run(&["search", &first, "--json"]);
        if let Some(m) = self.cases[0].iter().position(|p| p.document) {
            run(&["search", &document_no(0, m), "--json"]);
        }
        if let Some(n) = self.cases.iter().flatten().find_map(note) {
            run(&["search", &n]);
        }
        for c in 0..self.cases.len() {
            run(&["case", "show", &case_no(c)]);
            run(&["case", "show", &case_no(c), "--json"]);
            run(&["case", "journey", &case_no(c)]);
            run(&["case", "journey", &case_no(c), "--json"]);
            run(&["case", "history", &case_no(c)]);
            run(&["case", "history", &case_no(c), "--json"]);
        }
        // Special needs, custody and counselling have their own listings.
        run(&["needs", "list", &case_no(0)]);
        run(&["needs", "list", &first, "--json"]);
        run(&["custody", "list", &case_no(0), "--json"]);
        run(&["counselling", "list", &case_no(0)]);
        run(&["exit-permit", "show", &first]);
        run(&["exit-permit", "show", &first, "--json"]);
        run(&["export"]);
        run(&["outbox"]);
        run(&["outbox", "--json"]);
        run(&["conflicts", "list"]);
        run(&["conflicts", "list", "--json"]);
        run(&["status"]);
        run(&["status", "--json"]);
        run(&["audit", "list"]);
        run(&["audit", "list", "--json"]);
        run(&["audit", "verify"]);
        // Errors.
        run(&["case", "show", "TST-2026-999999"]);
        run(&["individual", "set", "I-9999999", "special_needs_notes", "x"]);
        // Edits that change nothing where allowed: refused first where not, so that
        // "unchanged" never tells a role what a hidden field holds.
        run(&[
            "individual",
            "set",
            &first,
            "special_needs_notes",
            &self.edited_note,
        ]);
        let vulns = codes(&self.cases[0][0].vulnerabilities);
        run(&["individual", "set", &first, "vulnerabilities", &vulns]);
        // A re-import: its clash (the edited note) and its URM warnings quote values.
        let csv = self.csv.to_string_lossy().into_owned();
        run(&["import", "--dry-run", &csv]);
        run(&["import", &csv]);
        // The export to a file: what is in the file counts as received.
        let file = self.env.path(&format!("export-{role}.jsonl"));
        let mut out = self.run_as(role, &["export", "--out", file.to_string_lossy().as_ref()]);
        for written in [file.clone(), file.with_extension("partial")] {
            if let Ok(bytes) = std::fs::read(&written) {
                out.text += &String::from_utf8_lossy(&bytes);
            }
        }
        if !may(role, Action::Export) {
            assert!(
                !file.exists(),
                "{}: a refused export wrote a file",
                out.what
            );
        }
        seen.push(out);
        seen
    }

    /// Every need-to-know value a role with the right must find in a case's view.
    fn expected_in_case(&self, c: usize, field: Field) -> Vec<String> {
        self.cases[c]
            .iter()
            .enumerate()
            .flat_map(|(m, p)| match field {
                Field::SpecialNeedsNotes if (c, m) == (0, 0) => vec![self.edited_note.clone()],
                Field::SpecialNeedsNotes => note(p).into_iter().collect(),
                _ => p.vulnerabilities.iter().map(|v| v.code().into()).collect(),
            })
            .collect()
    }
}

/// Fails if `seen` holds a value of a need-to-know field `role` may not see.
fn assert_nothing_hidden(role: Role, seen: &Seen, tmp: &Path) {
    let text = seen.text.replace(&*tmp.to_string_lossy(), "<tmp>");
    if !may_see(role, Field::SpecialNeedsNotes) {
        assert!(
            !text.contains(NOTE_MARK),
            "{}: a special-needs note reached the {role} role:\n{text}",
            seen.what
        );
    }
    if !may_see(role, Field::Vulnerabilities) {
        for v in Vulnerability::ALL {
            assert!(
                !text.contains(v.code()),
                "{}: the vulnerability {} reached the {role} role:\n{text}",
                seen.what,
                v.code()
            );
        }
    }
}

fn seen_of<'a>(seen: &'a [Seen], what: &str) -> &'a Seen {
    seen.iter()
        .find(|s| s.what.ends_with(what))
        .unwrap_or_else(|| panic!("no command '{what}' was run"))
}

proptest! {
    // Every case runs about 150 real processes (each unlocking with Argon2id): few cases, and
    // few shrinking steps.
    #![proptest_config(ProptestConfig { cases: 8, failure_persistence: None, max_shrink_iters: 8, ..ProptestConfig::default() })]

    #[test]
    fn a_role_without_need_to_know_never_receives_a_vulnerability_or_a_medical_note(
        cases in proptest::collection::vec(proptest::collection::vec(person(), 1..4), 1..3)
    ) {
        // Whatever was generated, the first person is an adult marked URM (the import warns,
        // quoting the code) with a note (a re-import's clash then has two values to hide).
        let mut cases = cases;
        let first = &mut cases[0][0];
        first.adult = true;
        if !first.vulnerabilities.contains(&Vulnerability::UnaccompaniedMinor) {
            first.vulnerabilities.insert(0, Vulnerability::UnaccompaniedMinor);
        }
        first.note.get_or_insert_with(|| "first".into());
        let device = Device::new(cases);
        let tmp = device.env.tmp.path().to_path_buf();
        // The roles work at the same time (the machine's two cores, and a store that many
        // processes open at once, as on a shared laptop).
        let by_role: Vec<(Role, Vec<Seen>)> = std::thread::scope(|s| {
            let running: Vec<_> = Role::ALL
                .iter()
                .map(|role| (*role, s.spawn(|| device.everything_as(*role))))
                .collect();
            running
                .into_iter()
                .map(|(role, h)| (role, h.join().expect("a role's commands")))
                .collect()
        });
        for (role, seen) in &by_role {
            for s in seen {
                assert_nothing_hidden(*role, s, &tmp);
            }
            // A role with the right sees the values (the check above can fail).
            for field in [Field::SpecialNeedsNotes, Field::Vulnerabilities] {
                if !may_see(*role, field) {
                    continue;
                }
                for c in 0..device.cases.len() {
                    let mut shown = vec![
                        seen_of(seen, &format!("case show {}", case_no(c))),
                        seen_of(seen, &format!("case show {} --json", case_no(c))),
                    ];
                    if may(*role, Action::Export) {
                        shown.push(seen_of(seen, "export"));
                    }
                    for s in shown {
                        prop_assert!(s.ok, "{}: {}", s.what, s.text);
                        for value in device.expected_in_case(c, field) {
                            prop_assert!(
                                s.text.contains(&value),
                                "{}: {value} not shown to the {role} role:\n{}",
                                s.what,
                                s.text
                            );
                        }
                    }
                }
                let conflicts = seen_of(seen, "conflicts list");
                let shown = match field {
                    Field::SpecialNeedsNotes => "ZZQCONFLICTWIN",
                    _ => "PREGNANT",
                };
                prop_assert!(conflicts.text.contains(shown), "{}: {}", conflicts.what, conflicts.text);
            }
            // What each role may do, it did; what it may not, it was told why.
            let export = seen_of(seen, "export");
            prop_assert_eq!(export.ok, may(*role, Action::Export), "{}", &export.text);
            let set = seen.iter().find(|s| s.what.contains("set I-0000000 special_needs_notes")).expect("the set was run");
            prop_assert_eq!(set.ok, may_edit(*role, Field::SpecialNeedsNotes), "{}", &set.text);
            if !set.ok {
                prop_assert!(set.text.contains(&format!("the {role} role may not change special_needs_notes")), "{}", &set.text);
            }
            let import = seen_of(seen, &format!("import {}", device.csv.display()));
            prop_assert_eq!(import.ok, may(*role, Action::Import), "{}", &import.text);
        }

        // Then the edits that change things, one role after the other: settling the
        // conflicts, adding staff.
        for role in Role::ALL {
            for id in ["c-notes", "c-vuln"] {
                let s = device.run_as(*role, &["conflicts", "resolve", id, "--keep", "settled by review"]);
                assert_nothing_hidden(*role, &s, &tmp);
                let field = if id == "c-notes" { Field::SpecialNeedsNotes } else { Field::Vulnerabilities };
                let allowed = may(*role, Action::ResolveConflict) && may_edit(*role, field);
                // The notes' conflict is settled by the first role allowed to (a supervisor).
                if !allowed {
                    prop_assert!(!s.ok && s.text.contains("not allowed"), "{}: {}", s.what, s.text);
                }
            }
            // Recording an exit-permit step, as the table says.
            let s = device.run_as(*role, &["exit-permit", "record", &individual_no(0, 0), "--step", "requested"]);
            assert_nothing_hidden(*role, &s, &tmp);
            prop_assert_eq!(s.ok, may(*role, Action::ExitPermit), "{}: {}", s.what, s.text);
            if !s.ok {
                prop_assert!(s.text.contains("may not exit permit"), "{}: {}", s.what, s.text);
            }
            // Putting a journey on hold and lifting it, as the table says.
            for args in [
                &["case", "hold", &case_no(0), "--reason", "documents", "--text", "Waiting for the passport"][..],
                &["case", "resume", &case_no(0), "--text", "Passport received"][..],
            ] {
                let s = device.run_as(*role, args);
                assert_nothing_hidden(*role, &s, &tmp);
                prop_assert_eq!(s.ok, may(*role, Action::HoldJourney), "{}: {}", s.what, s.text);
                if !s.ok {
                    prop_assert!(s.text.contains("may not hold journey"), "{}: {}", s.what, s.text);
                }
            }
            let s = device.run_as(*role, &["staff", "add", "new colleague", "--role", "field_assistant"]);
            prop_assert!(!s.text.contains(PIN));
            if !may(*role, Action::ManageStaff) {
                prop_assert!(!s.ok && s.text.contains("may not manage staff"), "{}: {}", s.what, s.text);
            }
            // Every role sees the changes HQ refused; only a supervisor dismisses one (there is
            // none here: the refusal of a role comes before that is said).
            let s = device.run_as(*role, &["outbox", "--refused"]);
            prop_assert!(s.ok, "{}: {}", s.what, s.text);
            let s = device.run_as(*role, &["outbox", "--dismiss", "1"]);
            prop_assert!(!s.ok, "{}: {}", s.what, s.text);
            if may(*role, Action::DismissRefused) {
                prop_assert!(s.text.contains("there is no refused change 1"), "{}: {}", s.what, s.text);
            } else {
                prop_assert!(s.text.contains("may not dismiss refused"), "{}: {}", s.what, s.text);
            }
        }
    }
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

/// The sample imported by the test officer (a supervisor), and one colleague per `roles`.
fn sample_with(staff: &[(&str, Role)]) -> Env {
    let env = Env::with_sample();
    for (name, role) in staff {
        let out = env
            .cmd(["staff", "add", name, "--role", role.code()])
            .env("WAYPOINT_NEW_PIN", PIN)
            .output()
            .expect("running waypoint");
        assert!(out.status.success(), "staff add: {}", stderr_of(&out));
        assert!(stdout_of(&out).contains(role.code()), "{}", stdout_of(&out));
    }
    env
}

fn as_staff(env: &Env, name: &str, args: &[&str]) -> Output {
    let out = env
        .cmd(args)
        .env("WAYPOINT_STAFF", name)
        .env("WAYPOINT_PIN", PIN)
        .output()
        .expect("running waypoint");
    assert_no_panic(name, &out);
    out
}

#[test]
fn every_change_names_the_staff_member_who_made_it() {
    let env = sample_with(&[("Amina Field", Role::FieldAssistant)]);
    let out = as_staff(
        &env,
        "Amina Field",
        &[
            "individual",
            "set",
            "I-0001001",
            "family_name",
            "HABIMANA-NKURU",
        ],
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    let out = as_staff(&env, "Amina Field", &["case", "show", "KGL-2025-000101"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    env.ok([
        "individual",
        "set",
        "I-0001002",
        "phone",
        "+250 788 000 555",
    ]);

    let list = json(&env.ok(["audit", "list", "--json"]));
    let list = list.as_array().expect("a list of entries");
    let who = |action: &str, entity: &str, field: &str| -> Vec<String> {
        list.iter()
            .filter(|e| e["action"] == action && e["entity"] == entity && e["field"] == field)
            .map(|e| e["staff"].as_str().unwrap_or("").to_string())
            .collect()
    };
    let officer = format!("staff:{TEST_STAFF}");
    assert_eq!(
        who("change", "I-0001001", "family_name"),
        ["staff:Amina Field"]
    );
    assert_eq!(who("change", "I-0001002", "phone"), [officer.as_str()]);
    // Her view of the case's need-to-know values is hers too.
    assert_eq!(
        who("view_sensitive", "I-0001002", "vulnerabilities"),
        ["staff:Amina Field"]
    );
    // The import was the officer's.
    assert!(
        list.iter()
            .any(|e| e["action"] == "import" && e["staff"] == officer.as_str()),
        "{list:?}"
    );
}

#[test]
fn refusals_say_which_role_may_not_do_what_and_leave_nothing_behind() {
    let env = sample_with(&[
        ("Poe Desk", Role::PoeAssociate),
        ("Data Clerk", Role::DataProcessing),
        ("Amina Field", Role::FieldAssistant),
        ("Sys Admin", Role::Administrator),
    ]);
    let refused = |name: &str, args: &[&str], says: &str| {
        let out = as_staff(&env, name, args);
        assert!(!out.status.success(), "{name}: {args:?} was allowed");
        assert!(stdout_of(&out).is_empty(), "{}", stdout_of(&out));
        let err = stderr_of(&out);
        assert!(err.contains(says), "{name}: {args:?}: {err}");
    };
    refused(
        "Poe Desk",
        &["export"],
        "not allowed: the poe_associate role may not export",
    );
    let file = env.path("dump.jsonl");
    refused(
        "Poe Desk",
        &["export", "--out", file.to_string_lossy().as_ref()],
        "may not export",
    );
    assert!(!file.exists() && !file.with_extension("partial").exists());
    refused(
        "Data Clerk",
        &[
            "individual",
            "set",
            "I-0001002",
            "vulnerabilities",
            "AT_RISK",
        ],
        "not allowed: the data_processing role may not change vulnerabilities",
    );
    refused(
        "Amina Field",
        &["import", &crate::util::sample_path().to_string_lossy()],
        "the field_assistant role may not import",
    );
    refused(
        "Amina Field",
        &["audit", "list"],
        "the field_assistant role may not verify audit",
    );
    refused(
        "Poe Desk",
        &["conflicts", "resolve", "anything", "--keep", "mine"],
        "the poe_associate role may not resolve conflict",
    );
    let out = as_staff(
        &env,
        "Amina Field",
        &["staff", "add", "Someone", "--role", "supervisor"],
    );
    assert!(
        stderr_of(&out).contains("the field_assistant role may not manage staff"),
        "{}",
        stderr_of(&out)
    );
    // The data was not changed by any of it.
    let export = env.export();
    assert!(export.contains("PREGNANT"));
    assert!(!export.contains("AT_RISK"));
    // An administrator audits, and sees no need-to-know value.
    let out = as_staff(&env, "Sys Admin", &["audit", "verify"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let out = as_staff(&env, "Sys Admin", &["case", "show", "KGL-2025-000102"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let shown = stdout_of(&out);
    assert!(shown.contains("AL-HASSAN"), "{shown}");
    assert!(
        !shown.contains("Insulin") && !shown.contains("ELDERLY"),
        "{shown}"
    );
}

#[test]
fn staff_are_added_with_a_role_by_a_supervisor_and_not_on_an_enrolled_device() {
    let env = Env::with_sample();
    // A newcomer needs a role; an unknown role is named as such.
    let out = env
        .cmd(["staff", "add", "New Person"])
        .env("WAYPOINT_NEW_PIN", PIN)
        .output()
        .expect("running waypoint");
    assert!(!out.status.success());
    assert!(stderr_of(&out).contains("--role"), "{}", stderr_of(&out));
    let out = env
        .cmd(["staff", "add", "New Person", "--role", "boss"])
        .env("WAYPOINT_NEW_PIN", PIN)
        .output()
        .expect("running waypoint");
    assert!(!out.status.success());
    assert!(
        stderr_of(&out).contains("'boss' is not a role"),
        "{}",
        stderr_of(&out)
    );
    // Added as a POE associate, they work as one: notes yes, vulnerabilities no.
    let out = env
        .cmd(["staff", "add", "New Person", "--role", "poe_associate"])
        .env("WAYPOINT_NEW_PIN", PIN)
        .output()
        .expect("running waypoint");
    assert!(out.status.success(), "{}", stderr_of(&out));
    let out = as_staff(&env, "New Person", &["case", "show", "KGL-2025-000101"]);
    let shown = stdout_of(&out);
    assert!(shown.contains("iron supplements"), "{shown}");
    assert!(!shown.contains("PREGNANT"), "{shown}");
    // The test officer, who made the store, stays a supervisor.
    assert!(
        env.ok(["case", "show", "KGL-2025-000101"])
            .contains("PREGNANT")
    );

    // Someone given a key before roles came to the command line (no directory entry) is
    // refused now that the directory has people, until a supervisor gives them a role; their
    // own PIN stays theirs.
    waypoint_keys::DeviceKeys::load(
        &env.data,
        &waypoint_keys::SecretPlace::File(env.secret_file()),
    )
    .and_then(|mut keys| keys.add_staff(&env.store_key(), "Legacy Clerk", PIN))
    .expect("a key without a role");
    let out = as_staff(&env, "Legacy Clerk", &["search", "habimana"]);
    assert!(!out.status.success());
    assert!(
        stderr_of(&out).contains("staff add NAME --role ROLE"),
        "{}",
        stderr_of(&out)
    );
    let said = env.ok(["staff", "add", "Legacy Clerk", "--role", "data_processing"]);
    assert!(said.contains("their role is now data_processing"), "{said}");
    let out = as_staff(&env, "Legacy Clerk", &["export"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let export = stdout_of(&out);
    assert!(export.contains("HABIMANA"), "{export}");
    assert!(!export.contains("iron supplements") && !export.contains("PREGNANT"));

    // An enrolled device's staff come from HQ.
    {
        let mut store =
            waypoint_store::Store::open(&env.data, &env.store_key()).expect("the store");
        store
            .set_enrolment("https://127.0.0.1:1", "dev-1", "laptop-1", "token")
            .expect("enrolment saved");
    }
    let out = env
        .cmd(["staff", "add", "Other Person", "--role", "field_assistant"])
        .env("WAYPOINT_NEW_PIN", PIN)
        .output()
        .expect("running waypoint");
    assert!(!out.status.success());
    assert!(
        stderr_of(&out).contains("staff accounts of an enrolled device are managed at HQ"),
        "{}",
        stderr_of(&out)
    );
}
