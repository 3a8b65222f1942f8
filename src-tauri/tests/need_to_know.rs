//! Need-to-know through the desktop's commands: over generated cases, every role and every
//! command function that returns data (search, case, custody, conflicts, status, MRZ check,
//! recording a check, a transfer, special needs, a booking with its warnings), a role without the right never receives a
//! vulnerability or a medical note — not in a result, not in an error message. Modelled on
//! `crates/waypoint-store/tests/roles.rs`, one layer up: what the window would receive.
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use uuid::Uuid;
use waypoint_app::session::{Session, SignInOutcome};
use waypoint_desktop::commands::{
    bookings, cases, checks, conflicts, custody, search, special_needs, status,
};
use waypoint_desktop::dto::{
    BookingRequest, CheckOutcome, Custodian, IdentityCheckRequest, SegmentRequest,
    SpecialNeedsUpdate, TransferRequest, TravellerRequest,
};
use waypoint_desktop::error::CommandError;
use waypoint_domain::{
    CounsellingSession, Field, FieldEvent, Record, Role, Scope, Vulnerability, may_see,
};
use waypoint_store::{Conflict, Store, StoreKey};

fn key() -> StoreKey {
    StoreKey::from_bytes([9; 32])
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 9, 30, 0).unwrap()
}

fn today() -> NaiveDate {
    now().date_naive()
}

/// One generated person: the need-to-know values are unmistakable markers.
#[derive(Debug, Clone)]
struct Person {
    notes: Option<String>,
    vulnerabilities: Vec<Vulnerability>,
}

fn person() -> impl Strategy<Value = Person> {
    (
        proptest::option::of("[a-z]{6}"),
        proptest::sample::subsequence(Vulnerability::ALL.to_vec(), 0..=3),
    )
        .prop_map(|(notes, vulnerabilities)| Person {
            notes: notes.map(|n| format!("ZZQNOTE{n}")),
            vulnerabilities,
        })
}

fn family(case: usize) -> String {
    format!("TESTFAMILY{}", char::from(b'A' + case as u8))
}

fn case_no(case: usize) -> String {
    format!("TST-2026-{case:06}")
}

fn individual_no(case: usize, member: usize) -> String {
    format!("I-{case:03}{member:04}")
}

fn document_no(case: usize, member: usize) -> String {
    format!("TD{case:03}{member:04}")
}

fn record(case: usize, member: usize, p: &Person) -> Record {
    let mut r = Record::new();
    let mut set = |f: Field, raw: &str| {
        r.set(f, f.normalize(raw, today()).unwrap());
    };
    set(Field::CaseNo, &case_no(case));
    set(Field::IndividualNo, &individual_no(case, member));
    set(Field::Relationship, if member == 0 { "PA" } else { "CH" });
    set(Field::FamilyName, &family(case));
    set(Field::GivenNames, "Test Person");
    set(Field::Sex, "X");
    set(Field::DateOfBirth, "2001-02-03");
    set(Field::Nationality, "COD");
    set(Field::Site, "KGL-TC1");
    set(Field::Programme, "RELOCATION");
    set(Field::DocumentType, "PASSPORT");
    set(Field::DocumentNo, &document_no(case, member));
    if let Some(n) = &p.notes {
        set(Field::SpecialNeedsNotes, n);
    }
    let v: Vec<&str> = p.vulnerabilities.iter().map(|v| v.code()).collect();
    set(Field::Vulnerabilities, &v.join(";"));
    r
}

/// The name of the staff member of `role`.
fn staff(role: Role) -> String {
    format!("Staff {role}")
}

/// A store with the generated cases, a counselling session with a medical note in each case,
/// conflicts over need-to-know values, and one staff member per role.
fn store_of(cases: &[Vec<Person>]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), &key()).unwrap();
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
    let mut conflicts = Vec::new();
    for c in 0..cases.len() {
        store
            .record_event(&FieldEvent::CounsellingSession(CounsellingSession {
                id: Uuid::now_v7(),
                case_no: case_no(c),
                programme: Some("RELOCATION".into()),
                topics_covered: vec![],
                attendees: vec![individual_no(c, 0)],
                language: "fr".into(),
                interpreter: None,
                counsellor: "Setup".into(),
                held_at: now(),
                duration_minutes: 30,
                notes: Some(format!("ZZQNOTECOUNSEL{c}")),
                complete: false,
                site: "KGL-TC1".into(),
            }))
            .unwrap();
        for (field, winner, loser) in [
            (
                Field::SpecialNeedsNotes,
                format!("ZZQNOTEKEPT{c}"),
                format!("ZZQNOTELOST{c}"),
            ),
            (
                Field::Vulnerabilities,
                "ELDERLY".to_string(),
                "AT_RISK".to_string(),
            ),
        ] {
            conflicts.push(Conflict {
                id: format!("c-{c}-{}", field.column()),
                scope: Scope::Individual,
                entity: individual_no(c, 0),
                case_no: case_no(c),
                field,
                winner: Some(winner),
                loser: Some(loser),
                winner_device: "laptop-2".into(),
                loser_device: "laptop-1".into(),
                resolved: false,
            });
        }
    }
    store.apply_incoming(&[], &conflicts, 1, 0).unwrap();
    for role in Role::ALL {
        store
            .add_local_staff("Setup", &staff(*role), *role)
            .unwrap();
    }
    dir
}

/// A TD3 MRZ for member `m` of case `c`, agreeing with the record.
fn mrz(c: usize, m: usize) -> String {
    let fields = mrz::Td3Fields {
        document_code: "P".into(),
        issuing_country: "COD".into(),
        document_number: document_no(c, m),
        surname: family(c),
        given_names: "TEST PERSON".into(),
        nationality: "COD".into(),
        date_of_birth: "2001-02-03".parse().unwrap(),
        sex: "<".parse().unwrap(),
        date_of_expiry: "2030-01-01".parse().unwrap(),
        personal_number: None,
    };
    mrz::format_td3(&fields)
}

/// Everything `role` receives from every data-returning command, as text: results as JSON,
/// refusals as their messages.
fn receive_all(dir: &std::path::Path, role: Role, cases: &[Vec<Person>]) -> String {
    let state = Session::locked(dir.to_path_buf(), None, None).with_clock(now);
    let store = Store::open(dir, &key()).unwrap();
    match state.open_with(store, &staff(role)).unwrap() {
        SignInOutcome::SignedIn => assert_eq!(state.store().unwrap().role(), role),
        other => panic!("{role}: {other:?}"),
    }
    let mut out = String::new();
    let mut take = |what: &str, result: Result<serde_json::Value, CommandError>| match result {
        Ok(v) => out += &format!("{what}: {v}\n"),
        Err(e) => out += &format!("{what} refused: {} ({:?})\n", e.message(), e.failure_kind()),
    };
    fn json<T: serde::Serialize>(
        r: Result<T, CommandError>,
    ) -> Result<serde_json::Value, CommandError> {
        r.map(|v| serde_json::to_value(v).unwrap())
    }
    take("status", json(status::status(&state)));
    take("conflicts", json(conflicts::conflicts(&state)));
    for (c, members) in cases.iter().enumerate() {
        let hits = search::search(&state, &family(c), 50);
        if let Ok(h) = &hits {
            assert!(!h.is_empty(), "{role} finds case {c}");
        }
        take("search", json(hits));
        take("case", json(cases::get_case(&state, &case_no(c))));
        take(
            "custody",
            json(custody::document_custody(&state, &case_no(c))),
        );
        for m in 0..members.len() {
            take(
                "mrz",
                json(checks::check_mrz(&state, &individual_no(c, m), &mrz(c, m))),
            );
        }
        take(
            "check",
            json(checks::record_identity_check(
                &state,
                &IdentityCheckRequest {
                    individual_no: individual_no(c, 0),
                    document_no: Some(document_no(c, 0)),
                    outcome: CheckOutcome::Verified,
                    mismatches: vec![],
                },
            )),
        );
        take(
            "transfer",
            json(custody::record_custody_transfer(
                &state,
                &TransferRequest {
                    individual_no: individual_no(c, 0),
                    document_no: document_no(c, 0),
                    from: Custodian::Authority {
                        name: "UNHCR".into(),
                    },
                    to: Custodian::Storage {
                        place: "Office safe".into(),
                    },
                    location: "Office 2".into(),
                },
            )),
        );
        take(
            "special needs",
            json(special_needs::update_special_needs(
                &state,
                &SpecialNeedsUpdate {
                    individual_no: individual_no(c, 0),
                    ssr_codes: Some(vec!["WCHR".into()]),
                    notes: None,
                    vulnerabilities: None,
                },
            )),
        );
        // A booking of the whole case (its warnings read every record), then the case's list.
        take(
            "booking",
            json(bookings::save_booking(
                &state,
                &BookingRequest {
                    booking_ref: None,
                    case_no: case_no(c),
                    status: waypoint_domain::BookingStatus::Proposed,
                    record_locator: None,
                    abn: None,
                    segments: vec![SegmentRequest {
                        carrier: "ET".into(),
                        flight_no: "813".into(),
                        from: "KGL".into(),
                        to: "ADD".into(),
                        departs_local: "2026-01-14T14:45".into(),
                        arrives_local: "2026-01-14T18:50".into(),
                    }],
                    travellers: (0..members.len())
                        .map(|m| TravellerRequest {
                            individual_no: individual_no(c, m),
                            ssr: None,
                        })
                        .collect(),
                    escorts: vec![],
                },
            )),
        );
        take(
            "bookings",
            json(bookings::case_bookings(&state, &case_no(c))),
        );
    }
    out
}

/// Whether `text` holds a vulnerability value.
fn holds_vulnerability(text: &str) -> bool {
    Vulnerability::ALL.iter().any(|v| text.contains(v.code()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn a_role_without_need_to_know_never_receives_vulnerabilities_or_medical_notes(
        cases in proptest::collection::vec(proptest::collection::vec(person(), 1..4), 1..4)
    ) {
        let dir = store_of(&cases);
        let any_vulnerability = cases.iter().flatten().any(|p| !p.vulnerabilities.is_empty());
        for role in Role::ALL {
            let text = receive_all(dir.path(), *role, &cases);
            if !may_see(*role, Field::SpecialNeedsNotes) {
                prop_assert!(!text.contains("ZZQNOTE"), "{} receives a medical note: {}", role, text);
            } else {
                // Not vacuous: the counselling notes and the conflicts' notes are there.
                prop_assert!(text.contains("ZZQNOTECOUNSEL"), "{}", role);
                prop_assert!(text.contains("ZZQNOTEKEPT"), "{}", role);
            }
            if !may_see(*role, Field::Vulnerabilities) {
                prop_assert!(!holds_vulnerability(&text), "{} receives a vulnerability: {}", role, text);
            } else {
                prop_assert!(text.contains("AT_RISK"), "{} sees the conflict", role);
                if any_vulnerability {
                    prop_assert!(holds_vulnerability(&text), "{}", role);
                }
            }
        }
    }
}

/// The shipped table gives need-to-know to some roles and not to others: the property above
/// tests both sides.
#[test]
fn the_table_has_roles_on_both_sides() {
    assert!(
        Role::ALL
            .iter()
            .any(|r| !may_see(*r, Field::Vulnerabilities))
    );
    assert!(
        Role::ALL
            .iter()
            .any(|r| may_see(*r, Field::Vulnerabilities))
    );
    assert!(
        Role::ALL
            .iter()
            .any(|r| !may_see(*r, Field::SpecialNeedsNotes))
    );
}
