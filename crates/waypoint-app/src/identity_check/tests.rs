//! The use cases on a real store file, loaded with the sample cases.
#![allow(clippy::unwrap_used)]

use waypoint_domain::Role;
use waypoint_domain::mrz::check_digit;
use waypoint_store::StoreError;

use super::*;
use crate::testing::{context, store_with};

fn digit(field: &str) -> char {
    char::from(b'0' + check_digit(field))
}

/// A passport (TD3) zone for the sample's Mohammed Ali AL-HASSAN (passport N0045821, SYR).
/// Dates are `YYMMDD`.
fn passport(birth: &str, expiry: &str, number: &str) -> String {
    let names = format!("{:<<39}", "AL<HASSAN<<MOHAMMED<ALI");
    let number = format!("{number:<<9}");
    let personal = "<".repeat(14);
    let body = format!(
        "{number}{}SYR{birth}{}M{expiry}{}{personal}0",
        digit(&number),
        digit(birth),
        digit(expiry)
    );
    let composite = format!("{}{}{}", &body[0..10], &body[13..20], &body[21..43]);
    format!("P<SYR{names}\n{body}{}", digit(&composite))
}

fn fields(c: &MrzComparison) -> Vec<&str> {
    c.mismatches.iter().map(|m| m.field.as_str()).collect()
}

#[test]
fn compares_with_the_record() {
    let (_dir, store) = store_with("");
    // The record has only the birth year, and expiry 2025-12-31.
    let good = passport("520601", "251231", "N0045821");
    let c = check_mrz(&store, Role::FieldAssistant, "I-0001010", &good).unwrap();
    assert!(c.reading.is_valid(), "{:?}", c.reading);
    assert!(c.mismatches.is_empty(), "{:?}", c.mismatches);
    let bad = passport("530601", "261231", "N0045812");
    let c = check_mrz(&store, Role::PoeAssociate, " i-0001010", &bad).unwrap();
    assert!(c.reading.is_valid());
    assert_eq!(
        fields(&c),
        ["date_of_birth", "document_expiry", "document_no"]
    );
    assert_eq!(c.mismatches[0].on_record, "1952");
    assert_eq!(c.mismatches[0].on_document, "1953-06-01");
    // Another person's record: names, sex and nationality differ too.
    let c = check_mrz(&store, Role::Supervisor, "I-0001020", &good).unwrap();
    let f = fields(&c);
    assert!(f.contains(&"family_name") && f.contains(&"nationality") && f.contains(&"sex"));
}

#[test]
fn roles_that_may_not_check_identities_are_refused_before_anything_is_read() {
    let (_dir, store) = store_with("");
    let good = passport("520601", "251231", "N0045821");
    for role in [Role::DataProcessing, Role::Administrator] {
        let e = check_mrz(&store, role, "I-0001010", &good).unwrap_err();
        assert!(
            matches!(e, AppError::Store(StoreError::NotAllowed { .. })),
            "{role}: {e}"
        );
    }
    // Refused before the individual is looked up: nothing says whether the number exists.
    let e = check_mrz(&store, Role::Administrator, "I-9999999", &good).unwrap_err();
    assert!(
        matches!(e, AppError::Store(StoreError::NotAllowed { .. })),
        "{e}"
    );
    let e = check_mrz(&store, Role::FieldAssistant, "I-9999999", &good).unwrap_err();
    assert!(matches!(e, AppError::UnknownIndividual(_)), "{e}");
    let e = check_mrz(&store, Role::FieldAssistant, "I-0001010", "P<SYR").unwrap_err();
    assert!(matches!(e, AppError::Mrz(_)), "{e}");
}

#[test]
fn records_outcomes_and_refuses_inconsistent_ones() {
    let (_dir, mut store) = store_with("");
    let cx = context();
    let ok = record_identity_check(
        &mut store,
        &cx,
        Role::FieldAssistant,
        "A. Officer",
        IdentityCheckRequest {
            individual_no: "i-0001010 ".into(),
            document_no: Some(" N0045821 ".into()),
            outcome: CheckOutcome::Verified,
            mismatches: vec![],
        },
    )
    .unwrap();
    assert_eq!(ok.site, "KGL-TC1");
    assert_eq!(ok.checked_by, "A. Officer");
    assert_eq!(ok.individual_no, "I-0001010");
    assert_eq!(ok.document_no.as_deref(), Some("N0045821"));
    assert_eq!(ok.checked_at, cx.now);
    let at_the_airport = Context::new(Some("KGL-AIRPORT".into()), cx.now);
    let mismatch = Mismatch {
        field: "date_of_birth".into(),
        on_record: "1952".into(),
        on_document: "1953-06-01".into(),
    };
    let e = record_identity_check(
        &mut store,
        &at_the_airport,
        Role::FieldAssistant,
        "A. Officer",
        IdentityCheckRequest {
            individual_no: "I-0001010".into(),
            document_no: None,
            outcome: CheckOutcome::Verified,
            mismatches: vec![mismatch.clone()],
        },
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("cannot be recorded as verified"),
        "{e}"
    );
    let e = record_identity_check(
        &mut store,
        &at_the_airport,
        Role::FieldAssistant,
        "A. Officer",
        IdentityCheckRequest {
            individual_no: "I-0001010".into(),
            document_no: None,
            outcome: CheckOutcome::Mismatch { reason: " ".into() },
            mismatches: vec![mismatch.clone()],
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("a reason is required"), "{e}");
    let e = record_identity_check(
        &mut store,
        &at_the_airport,
        Role::DataProcessing,
        "A. Clerk",
        IdentityCheckRequest {
            individual_no: "I-0001010".into(),
            document_no: None,
            outcome: CheckOutcome::Mismatch {
                reason: "older than on record".into(),
            },
            mismatches: vec![mismatch.clone()],
        },
    )
    .unwrap_err();
    assert!(
        matches!(e, AppError::Store(StoreError::NotAllowed { .. })),
        "{e}"
    );
    let done = record_identity_check(
        &mut store,
        &at_the_airport,
        Role::Supervisor,
        "A. Supervisor",
        IdentityCheckRequest {
            individual_no: "I-0001010".into(),
            document_no: None,
            outcome: CheckOutcome::Mismatch {
                reason: " older than on record ".into(),
            },
            mismatches: vec![mismatch],
        },
    )
    .unwrap();
    assert_eq!(done.site, "KGL-AIRPORT");
    assert_eq!(
        done.outcome,
        CheckOutcome::Mismatch {
            reason: "older than on record".into()
        }
    );
    let view = store
        .case_as(Role::Supervisor, "KGL-2025-000102")
        .unwrap()
        .unwrap();
    let checks = view
        .events
        .iter()
        .filter(|e| e.kind == "identity_check")
        .count();
    assert_eq!(checks, 2, "the two recorded checks");
}

/// A part of an MRZ: line, first column, column after the last.
type Span = (usize, usize, usize);

/// An ICAO 9303 specimen, the record it must match, where its check digits reach (the fields
/// covered by a check digit, the check digits included), and the parts of those fields the
/// record has nothing to compare with (personal number, optional data).
struct Specimen {
    mrz: &'static str,
    individual_no: &'static str,
    checked: &'static [Span],
    not_on_record: &'static [Span],
}

const SPECIMENS: &[Specimen] = &[
    Specimen {
        mrz: "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",
        individual_no: "I-0009001",
        checked: &[(1, 0, 10), (1, 13, 20), (1, 21, 44)],
        not_on_record: &[(1, 28, 42)],
    },
    Specimen {
        mrz: "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<",
        individual_no: "I-0009002",
        checked: &[(0, 5, 30), (1, 0, 7), (1, 8, 15), (1, 18, 30)],
        not_on_record: &[(0, 15, 30), (1, 18, 29)],
    },
    Specimen {
        mrz: "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6",
        individual_no: "I-0009003",
        checked: &[(1, 0, 10), (1, 13, 20), (1, 21, 36)],
        not_on_record: &[(1, 28, 35)],
    },
    // ICAO 9303 Part 11, Appendix D.2: a TD1 whose document number has 12 characters.
    Specimen {
        mrz: "I<UTOD23145890<7349<<<<<<<<<<<\n3407127M9507122UTO<<<<<<<<<<<2\nSTEVENSON<<PETER<JOHN<<<<<<<<<",
        individual_no: "I-0009004",
        checked: &[(0, 5, 30), (1, 0, 7), (1, 8, 15), (1, 18, 30)],
        not_on_record: &[(0, 19, 30), (1, 18, 29)],
    },
];

/// The specimens' holders, once per document. Utopia (UTO) is no real state, so a record
/// cannot hold it: the records say stateless (XXA), the one difference from the specimens.
const SPECIMEN_RECORDS: &str = "\
KGL-2025-000901,I-0009001,PA,ERIKSSON,Anna Maria,,,F,1974-08-12,XXA,,,KGL-TC1,USRAP,ORD,,PASSPORT,L898902C3,,2012-04-15,,,,APPROVED,
KGL-2025-000902,I-0009002,PA,ERIKSSON,Anna Maria,,,F,1974-08-12,XXA,,,KGL-TC1,USRAP,ORD,,NATIONAL_ID,D23145890,,2012-04-15,,,,APPROVED,
KGL-2025-000903,I-0009003,PA,ERIKSSON,Anna Maria,,,F,1974-08-12,XXA,,,KGL-TC1,USRAP,ORD,,NATIONAL_ID,D23145890,,2012-04-15,,,,APPROVED,
KGL-2025-000904,I-0009004,PA,STEVENSON,Peter John,,,M,1934-07-12,XXA,,,KGL-TC1,USRAP,ORD,,NATIONAL_ID,D23145890734,,2095-07-12,,,,APPROVED,
";

/// ICAO 9303 character values.
fn value(c: char) -> u32 {
    match c {
        '0'..='9' => c as u32 - '0' as u32,
        'A'..='Z' => c as u32 - 'A' as u32 + 10,
        _ => 0,
    }
}

fn within(spans: &[Span], line: usize, col: usize) -> bool {
    spans
        .iter()
        .any(|&(l, from, to)| l == line && (from..to).contains(&col))
}

/// Every single-character change of every checked field of the TD3, TD1, TD2 and long-number
/// TD1 specimens is rejected: by a check digit, or by the comparison with the holder's record
/// (the changes no check digit can see: values equal modulo 10, such as A/K/U or 0/<). The
/// only changes left are those no check digit can see in the personal number and optional
/// data, which the record does not hold.
#[test]
fn the_icao_specimens_pass_and_every_single_change_in_a_checked_field_is_rejected() {
    let (_dir, store) = store_with(SPECIMEN_RECORDS);
    let alphabet: Vec<char> = ('0'..='9').chain('A'..='Z').chain(['<']).collect();
    for specimen in SPECIMENS {
        let text = specimen.mrz;
        let person = specimen.individual_no;
        let base = check_mrz(&store, Role::FieldAssistant, person, text).unwrap();
        assert!(base.reading.is_valid(), "{text}");
        assert_eq!(fields(&base), ["nationality"], "{text}");
        let lines: Vec<Vec<char>> = text.lines().map(|l| l.chars().collect()).collect();
        let (mut tried, mut by_digits, mut by_record, mut unseen) = (0, 0, 0, 0);
        for &(line, from, to) in specimen.checked {
            for col in from..to {
                let original = lines[line][col];
                for &c in alphabet.iter().filter(|&&c| c != original) {
                    let mut changed = lines.clone();
                    changed[line][col] = c;
                    let changed: Vec<String> = changed.iter().map(|l| l.iter().collect()).collect();
                    let changed = changed.join("\n");
                    tried += 1;
                    match check_mrz(&store, Role::FieldAssistant, person, &changed) {
                        Err(_) => by_digits += 1,
                        Ok(r) if !r.reading.is_valid() => by_digits += 1,
                        Ok(r) if r.mismatches.iter().any(|m| m.field != "nationality") => {
                            by_record += 1
                        }
                        Ok(_) => {
                            let blind = value(c) % 10 == value(original) % 10;
                            assert!(
                                blind && within(specimen.not_on_record, line, col),
                                "accepted with {c} for {original} at line {line} column {col}: {changed}"
                            );
                            unseen += 1;
                        }
                    }
                }
            }
        }
        assert!(tried > 1000, "{tried}");
        assert!(by_digits > 900 && by_record > 40, "{by_digits} {by_record}");
        let not_on_record: usize = specimen
            .not_on_record
            .iter()
            .map(|&(_, from, to)| to - from)
            .sum();
        assert!(unseen <= 4 * not_on_record, "{unseen}");
    }
}
