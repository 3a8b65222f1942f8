//! Need-to-know, enforced in the store: over every role and every reading function, a role
//! without the right never receives a vulnerability or a medical note (property test over
//! generated cases), and the audit log records as viewed only what was shown.
#![allow(clippy::unwrap_used)] // a test that cannot set up fails loudly

use chrono::NaiveDate;
use proptest::prelude::*;
use waypoint_domain::{Action, Field, Record, Role, Vulnerability, may, may_edit, may_see};
use waypoint_store::{Store, StoreError};

fn test_key() -> waypoint_store::StoreKey {
    waypoint_store::StoreKey::from_bytes([7; 32])
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

/// One generated person: the need-to-know values are unmistakable markers.
#[derive(Debug, Clone)]
struct Person {
    notes: Option<String>,
    vulnerabilities: Vec<Vulnerability>,
    document: bool,
}

fn person() -> impl Strategy<Value = Person> {
    (
        proptest::option::of("[a-z]{6}"),
        proptest::sample::subsequence(Vulnerability::ALL.to_vec(), 0..=3),
        any::<bool>(),
    )
        .prop_map(|(notes, vulnerabilities, document)| Person {
            notes: notes.map(|n| format!("ZZQNOTE{n}")),
            vulnerabilities,
            document,
        })
}

/// A family name of letters only (names take no digits).
fn family(case: usize) -> String {
    format!("TESTFAMILY{}", char::from(b'A' + case as u8))
}

fn record(case: usize, member: usize, p: &Person) -> Record {
    let mut r = Record::new();
    let mut set = |f: Field, raw: &str| {
        r.set(f, f.normalize(raw, today()).unwrap());
    };
    set(Field::CaseNo, &format!("TST-2026-{case:06}"));
    set(Field::IndividualNo, &format!("I-{case:03}{member:04}"));
    set(Field::Relationship, if member == 0 { "PA" } else { "CH" });
    set(Field::FamilyName, &family(case));
    set(Field::GivenNames, "Test Person");
    set(Field::Sex, "X");
    set(Field::DateOfBirth, "2001");
    set(Field::Nationality, "COD");
    set(Field::Site, "KGL-TC1");
    if p.document {
        set(Field::DocumentType, "PASSPORT");
        set(Field::DocumentNo, &format!("TD{case:03}{member:04}"));
    }
    if let Some(n) = &p.notes {
        set(Field::SpecialNeedsNotes, n);
    }
    let v: Vec<&str> = p.vulnerabilities.iter().map(|v| v.code()).collect();
    set(Field::Vulnerabilities, &v.join(";"));
    r
}

fn store_of(cases: &[Vec<Person>]) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), &test_key()).unwrap();
    let rows: Vec<(u64, Record)> = cases
        .iter()
        .enumerate()
        .flat_map(|(c, members)| {
            members
                .iter()
                .enumerate()
                .map(move |(m, p)| (1, record(c, m, p)))
        })
        .collect();
    store
        .import(rows.iter().map(|(l, r)| (*l, r)), false, &mut |_| {})
        .unwrap();
    (dir, store)
}

/// The reading functions a person's screens, searches, exports and reports go through.
#[derive(Debug, Clone, Copy)]
enum Reading {
    Case,
    Individual,
    Search,
    Export,
}

const READINGS: [Reading; 4] = [
    Reading::Case,
    Reading::Individual,
    Reading::Search,
    Reading::Export,
];

/// Everything `role` receives through `reading` over the whole store, as text.
fn read_all(store: &mut Store, role: Role, reading: Reading, cases: &[Vec<Person>]) -> String {
    let mut out = String::new();
    for (c, members) in cases.iter().enumerate() {
        match reading {
            Reading::Case => {
                let view = store
                    .case_as(role, &format!("TST-2026-{c:06}"))
                    .unwrap()
                    .unwrap();
                for m in &view.case.members {
                    if !may_see(role, Field::Vulnerabilities) {
                        assert!(m.vulnerabilities.is_empty(), "{role}: {m:?}");
                    }
                    if !may_see(role, Field::SpecialNeedsNotes) {
                        assert_eq!(m.special_needs.notes, None, "{role}");
                    }
                }
                out += &serde_json::to_string(&view).unwrap();
            }
            Reading::Individual => {
                for m in 0..members.len() {
                    let r = store
                        .individual_as(role, &format!("I-{c:03}{m:04}"))
                        .unwrap()
                        .unwrap();
                    for f in Field::ALL.iter().filter(|f| !may_see(role, **f)) {
                        assert_eq!(r.get(*f), None, "{role} receives {f}");
                    }
                    out += &serde_json::to_string(&r).unwrap();
                }
            }
            Reading::Search => {
                let hits = store.search_as(role, &family(c), 50).unwrap();
                assert!(!hits.is_empty());
                out += &serde_json::to_string(&hits).unwrap();
            }
            Reading::Export => {}
        }
    }
    if let Reading::Export = reading {
        let mut dump = Vec::new();
        match store.export_as(role, &mut dump) {
            Ok(()) => out += &String::from_utf8(dump).unwrap(),
            Err(StoreError::NotAllowed { .. }) => assert!(!may(role, Action::Export)),
            Err(e) => panic!("{e}"),
        }
    }
    out
}

/// Whether `text` holds a vulnerability value (the codes, as stored and as serialised).
fn holds_vulnerability(text: &str) -> bool {
    Vulnerability::ALL
        .iter()
        .any(|v| text.contains(&format!("\"{}\"", v.code())) || text.contains(v.code()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn a_role_without_need_to_know_never_receives_vulnerabilities_or_medical_notes(
        cases in proptest::collection::vec(proptest::collection::vec(person(), 1..4), 1..4)
    ) {
        let (_dir, mut store) = store_of(&cases);
        let any_notes = cases.iter().flatten().any(|p| p.notes.is_some());
        let any_vulnerability = cases.iter().flatten().any(|p| !p.vulnerabilities.is_empty());
        for role in Role::ALL {
            for reading in READINGS {
                let before = store.audit_entries(0, usize::MAX).unwrap().len();
                let text = read_all(&mut store, *role, reading, &cases);
                if !may_see(*role, Field::SpecialNeedsNotes) {
                    prop_assert!(!text.contains("ZZQNOTE"), "{} via {:?}: {}", role, reading, text);
                    prop_assert!(!text.contains("special_needs_notes"), "{} via {:?}", role, reading);
                }
                if !may_see(*role, Field::Vulnerabilities) {
                    prop_assert!(!holds_vulnerability(&text), "{} via {:?}: {}", role, reading, text);
                    prop_assert!(!text.contains("\"vulnerabilities\":\""), "{} via {:?}", role, reading);
                }
                // Not vacuous: a role that may see them receives them through profile reads.
                if matches!(reading, Reading::Case | Reading::Individual) {
                    if may_see(*role, Field::SpecialNeedsNotes) && any_notes {
                        prop_assert!(text.contains("ZZQNOTE"), "{} via {:?}", role, reading);
                    }
                    if may_see(*role, Field::Vulnerabilities) && any_vulnerability {
                        prop_assert!(holds_vulnerability(&text), "{} via {:?}", role, reading);
                    }
                }
                // Only what was shown is recorded as viewed.
                let log = store.audit_entries(0, usize::MAX).unwrap();
                for e in &log[before..] {
                    if e.action == "view_sensitive" {
                        let f = Field::from_column(e.field.as_deref().unwrap_or("")).unwrap();
                        prop_assert!(may_see(*role, f), "{} recorded as viewing {}", role, f);
                    }
                }
            }
        }
        prop_assert!(store.verify_audit().unwrap().is_intact());
    }
}

#[test]
fn edits_and_actions_follow_the_roles_table() {
    let cases = vec![vec![Person {
        notes: Some("ZZQNOTEA".into()),
        vulnerabilities: vec![Vulnerability::Elderly],
        document: true,
    }]];
    let (_dir, mut store) = store_of(&cases);
    for role in Role::ALL {
        for field in [
            Field::Vulnerabilities,
            Field::SpecialNeedsNotes,
            Field::Phone,
        ] {
            let value = match field {
                Field::Vulnerabilities => "URM",
                Field::SpecialNeedsNotes => "Changed",
                _ => "+250 788 000 001",
            };
            let result = store.set_field_as(*role, "I-0000000", field, value, today());
            if may_edit(*role, field) {
                assert!(result.is_ok(), "{role} may change {field}: {result:?}");
            } else {
                let e = result.unwrap_err();
                assert!(matches!(e, StoreError::NotAllowed { .. }), "{e}");
                assert!(
                    e.to_string()
                        .contains(&format!("the {role} role may not change {field}")),
                    "{e}"
                );
            }
        }
        assert_eq!(
            store.require(*role, Action::Import).is_ok(),
            may(*role, Action::Import)
        );
    }
    // The table's promises for the roles without need-to-know.
    for role in [Role::DataProcessing, Role::Administrator] {
        assert!(!may_see(role, Field::Vulnerabilities));
        assert!(!may_see(role, Field::SpecialNeedsNotes));
    }
    assert!(!may_see(Role::PoeAssociate, Field::Vulnerabilities));
}

#[test]
fn exit_permit_steps_follow_the_roles_table_and_a_denials_words_are_need_to_know() {
    use waypoint_domain::{DenialReason, ExitPermitEvent, ExitPermitStep, FieldEvent};
    let cases = vec![vec![Person {
        notes: None,
        vulnerabilities: vec![],
        document: true,
    }]];
    let (_dir, mut store) = store_of(&cases);
    let denial = |role: Role| {
        FieldEvent::ExitPermit(ExitPermitEvent {
            id: uuid::Uuid::now_v7(),
            individual_no: "I-0000000".into(),
            case_no: "TST-2026-000000".into(),
            site: "KGL-TC1".into(),
            recorded_by: role.code().into(),
            at: chrono::Utc::now(),
            step: ExitPermitStep::Denied {
                on: Some(today()),
                reason: DenialReason::SecurityCheck,
                text: "ZZQDENIAL".into(),
                solution: Some("ZZQSOLUTION".into()),
            },
        })
    };
    for role in Role::ALL {
        let result = store.record_event_as(*role, &denial(*role));
        if may(*role, Action::ExitPermit) {
            assert!(result.is_ok(), "{role} may record a step: {result:?}");
        } else {
            let e = result.unwrap_err();
            assert!(
                e.to_string()
                    .contains(&format!("the {role} role may not exit permit")),
                "{e}"
            );
        }
    }
    for role in Role::ALL {
        let view = store.case_as(*role, "TST-2026-000000").unwrap().unwrap();
        let text = serde_json::to_string(&view).unwrap();
        assert!(text.contains("security_check"), "{role}: {text}");
        let sees = may_see(*role, Field::ExitPermitDenialReason);
        assert_eq!(text.contains("ZZQDENIAL"), sees, "{role}: {text}");
        assert_eq!(text.contains("ZZQSOLUTION"), sees, "{role}: {text}");
    }
}
