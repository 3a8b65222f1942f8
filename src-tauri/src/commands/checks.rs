//! Identity and document checks: read a typed or scanned MRZ (TD1, TD2, TD3 and the two visa
//! formats) with the `mrz` crate, with every check digit; compare it with the record; record
//! the officer's conclusion as an `IdentityCheck` event.

use mrz::{MrzData, MrzDate, TransliterationStyle};
use uuid::Uuid;
use waypoint_domain::{FieldEvent, IdentityCheck, Individual, PartialDate};

use super::{cases, event_to_dto, non_blank};
use crate::dto::{
    self, CheckDigit, EventRecord, IdentityCheckRecord, IdentityCheckRequest, Mismatch,
    MrzComparison, MrzReading,
};
use crate::error::CommandError;
use crate::state::AppState;

/// Reads an MRZ as typed or scanned: two or three lines; blanks ignored, lower case accepted.
pub fn read_mrz(text: &str) -> Result<MrzReading, CommandError> {
    let mut lines: Vec<String> = text
        .lines()
        .map(|l| {
            l.chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_ascii_uppercase()
        })
        .filter(|l| !l.is_empty())
        .collect();
    // A scanner that sends the whole zone as one line.
    if let [one] = lines.as_slice() {
        let n = one.chars().count();
        let width = match n {
            88 => Some(44),
            72 => Some(36),
            90 => Some(30),
            _ => None,
        };
        if let Some(w) = width {
            let chars: Vec<char> = one.chars().collect();
            lines = chars.chunks(w).map(|c| c.iter().collect()).collect();
        }
    }
    let lens: Vec<usize> = lines.iter().map(|l| l.chars().count()).collect();
    let parsed = match (lines.as_slice(), lens.as_slice()) {
        ([a, b, c], [30, 30, 30]) => mrz::parse_td1(a, b, c),
        ([a, b], [44, 44]) if a.starts_with('V') => mrz::parse_mrv_a(a, b),
        ([a, b], [44, 44]) => mrz::parse_td3(a, b),
        ([a, b], [36, 36]) if a.starts_with('V') => mrz::parse_mrv_b(a, b),
        ([a, b], [36, 36]) => mrz::parse_td2(a, b),
        _ => {
            let got: Vec<String> = lens.iter().map(|n| n.to_string()).collect();
            return Err(CommandError::invalid(format!(
                "an MRZ is 2 lines of 44 characters (passport, TD3), 2 lines of 36 (TD2) or 3 lines of 30 (ID card, TD1); this one has {} line(s) of {} characters",
                lines.len(),
                if got.is_empty() {
                    "0".to_string()
                } else {
                    got.join(", ")
                }
            )));
        }
    };
    let data = parsed.map_err(|e| CommandError::invalid(format!("the MRZ cannot be read: {e}")))?;
    Ok(reading(&data))
}

fn reading(d: &MrzData) -> MrzReading {
    let format = match d.format {
        mrz::Format::Td1 => "TD1",
        mrz::Format::Td2 => "TD2",
        mrz::Format::Td3 => "TD3",
        mrz::Format::MrvA => "MRV-A",
        mrz::Format::MrvB => "MRV-B",
        _ => "MRZ",
    };
    let c = &d.checks;
    let check_digits: Vec<CheckDigit> = [
        ("document_number", c.document_number),
        ("date_of_birth", c.date_of_birth),
        ("date_of_expiry", c.date_of_expiry),
        ("personal_number", c.personal_number),
        ("composite", c.composite),
    ]
    .into_iter()
    .filter_map(|(field, ok)| {
        ok.map(|ok| CheckDigit {
            field: field.to_string(),
            ok,
        })
    })
    .collect();
    MrzReading {
        format: format.to_string(),
        document_code: d.document_type.trim_end_matches('<').to_string(),
        issuing_country: d.issuing_country.trim_end_matches('<').to_string(),
        document_number: d
            .document_number_full
            .clone()
            .unwrap_or_else(|| d.document_number.clone())
            .trim_end_matches('<')
            .to_string(),
        surname: d.surname.clone(),
        given_names: d.given_names.clone(),
        nationality: d.nationality.trim_end_matches('<').to_string(),
        date_of_birth: d.date_of_birth.to_string(),
        sex: d.sex.to_string(),
        date_of_expiry: d.date_of_expiry.to_string(),
        valid: check_digits.iter().all(|c| c.ok),
        check_digits,
    }
}

/// Reads an MRZ and compares it with `individual_no`'s record.
pub fn check_mrz(
    state: &AppState,
    individual_no: &str,
    text: &str,
) -> Result<MrzComparison, CommandError> {
    let view = cases::load_of_individual(state, individual_no)?;
    let individual_no = individual_no.trim().to_ascii_uppercase();
    let person = view
        .case
        .members
        .iter()
        .find(|m| m.individual_no == individual_no)
        .ok_or_else(|| CommandError::UnknownIndividual(individual_no.clone()))?;
    let reading = read_mrz(text)?;
    let data = mrz_dates(text);
    Ok(MrzComparison {
        mismatches: compare(person, &reading, data),
        reading,
    })
}

/// The typed dates of the MRZ again (the reading keeps them as text).
fn mrz_dates(text: &str) -> Option<(MrzDate, MrzDate)> {
    let lines: Vec<String> = text
        .lines()
        .map(|l| {
            l.chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_ascii_uppercase()
        })
        .filter(|l| !l.is_empty())
        .collect();
    let data = match lines.as_slice() {
        [a, b, c] => mrz::parse_td1(a, b, c).ok(),
        [a, b] if a.len() == 44 && a.starts_with('V') => mrz::parse_mrv_a(a, b).ok(),
        [a, b] if a.len() == 44 => mrz::parse_td3(a, b).ok(),
        [a, b] if a.starts_with('V') => mrz::parse_mrv_b(a, b).ok(),
        [a, b] => mrz::parse_td2(a, b).ok(),
        _ => None,
    }?;
    Some((data.date_of_birth, data.date_of_expiry))
}

/// A name as an MRZ spells it: Latin capitals, one space between parts.
fn mrz_name(s: &str, style: TransliterationStyle) -> String {
    mrz::transliterate(s, style)
        .chars()
        .map(|c| if c.is_ascii_uppercase() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn same_name(record: &str, document: &str) -> bool {
    let doc = mrz_name(document, TransliterationStyle::Simple);
    [
        TransliterationStyle::Expanded,
        TransliterationStyle::Simple,
        TransliterationStyle::XxSuffix,
    ]
    .into_iter()
    .any(|style| mrz_name(record, style) == doc)
}

/// Whether a date of birth on record (possibly partial) can be the MRZ's.
fn same_birth(record: &PartialDate, doc: &MrzDate) -> bool {
    let (ry, rm, rd) = match *record {
        PartialDate::Unknown => return true,
        PartialDate::Year(y) => (y, None, None),
        PartialDate::YearMonth(y, m) => (y, Some(m), None),
        PartialDate::Full(d) => {
            use chrono::Datelike;
            (d.year(), Some(d.month()), Some(d.day()))
        }
    };
    match doc {
        MrzDate::Calendar(d) | MrzDate::OutOfCalendar(d) => {
            d.year == ry && rm.is_none_or(|m| m == d.month) && rd.is_none_or(|x| x == d.day)
        }
        MrzDate::PartiallyUnknown(raw) => {
            // YYMMDD with fillers where unknown: compare the digits that are there.
            let raw = raw.as_str().as_bytes();
            let part = |i: usize| -> Option<u32> {
                let s = std::str::from_utf8(raw.get(i..i + 2)?).ok()?;
                s.parse().ok()
            };
            part(0).is_none_or(|yy| yy == (ry.rem_euclid(100)) as u32)
                && part(2).is_none_or(|mm| rm.is_none_or(|m| m == mm))
                && part(4).is_none_or(|dd| rd.is_none_or(|x| x == dd))
        }
        _ => true,
    }
}

fn compare(
    person: &Individual,
    reading: &MrzReading,
    dates: Option<(MrzDate, MrzDate)>,
) -> Vec<Mismatch> {
    let mut out = Vec::new();
    let mut differ = |field: &str, on_record: String, on_document: String| {
        out.push(Mismatch {
            field: field.to_string(),
            on_record,
            on_document,
        });
    };
    if !same_name(&person.family_name, &reading.surname) {
        differ(
            "family_name",
            person.family_name.clone(),
            reading.surname.clone(),
        );
    }
    if !same_name(&person.given_names, &reading.given_names) {
        differ(
            "given_names",
            person.given_names.clone(),
            reading.given_names.clone(),
        );
    }
    if let Some((birth, expiry)) = &dates {
        if !same_birth(&person.date_of_birth, birth) {
            differ(
                "date_of_birth",
                person.date_of_birth.to_canonical(),
                reading.date_of_birth.clone(),
            );
        }
        if let Some(on_record) = person.document.as_ref().and_then(|d| d.expiry) {
            let matches = match expiry {
                MrzDate::Calendar(d) | MrzDate::OutOfCalendar(d) => {
                    on_record.format("%Y-%m-%d").to_string()
                        == format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)
                }
                _ => false,
            };
            if !matches {
                differ(
                    "document_expiry",
                    on_record.format("%Y-%m-%d").to_string(),
                    reading.date_of_expiry.clone(),
                );
            }
        }
    }
    let alnum = |s: &str| -> String { s.chars().filter(|c| c.is_ascii_alphanumeric()).collect() };
    if let Some(number) = person.document.as_ref().and_then(|d| d.number.as_deref()) {
        if alnum(number) != alnum(&reading.document_number) {
            differ(
                "document_no",
                number.to_string(),
                reading.document_number.clone(),
            );
        }
    }
    let nationality = person.nationality.as_str();
    if !mrz::codes_equivalent(nationality, &reading.nationality) {
        differ(
            "nationality",
            nationality.to_string(),
            reading.nationality.clone(),
        );
    }
    let sex_doc = match reading.sex.as_str() {
        "<" => "X",
        s => s,
    };
    if person.sex.code() != sex_doc {
        differ("sex", person.sex.code().to_string(), sex_doc.to_string());
    }
    out
}

/// Records the officer's conclusion as an identity check at this site, now.
pub fn record_identity_check(
    state: &AppState,
    request: &IdentityCheckRequest,
) -> Result<IdentityCheckRecord, CommandError> {
    let view = cases::load_of_individual(state, &request.individual_no)?;
    let outcome = match &request.outcome {
        dto::CheckOutcome::Verified => waypoint_domain::CheckOutcome::Verified,
        dto::CheckOutcome::Mismatch { reason } => waypoint_domain::CheckOutcome::Mismatch {
            reason: reason.trim().to_string(),
        },
        dto::CheckOutcome::NotVerified { reason } => waypoint_domain::CheckOutcome::NotVerified {
            reason: reason.trim().to_string(),
        },
    };
    let event = FieldEvent::IdentityCheck(IdentityCheck {
        id: Uuid::now_v7(),
        individual_no: request.individual_no.trim().to_ascii_uppercase(),
        document_no: non_blank(request.document_no.as_deref()),
        outcome,
        mismatches: request
            .mismatches
            .iter()
            .map(|m| waypoint_domain::Mismatch {
                field: m.field.clone(),
                on_record: m.on_record.clone(),
                on_document: m.on_document.clone(),
            })
            .collect(),
        site: state.site_for(&view.case.site),
        checked_by: state.officer.clone(),
        checked_at: state.now(),
    });
    state.store()?.record_event(&event)?;
    match event_to_dto(&event) {
        EventRecord::IdentityCheck(c) => Ok(c),
        _ => Err(CommandError::invalid(
            "the check was not recorded as a check",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testing;

    /// A TD3 MRZ for the sample's Mohammed Ali AL-HASSAN (passport N0045821, born 1952).
    fn passport(dob: &str, expiry: &str, number: &str) -> String {
        let fields = mrz::Td3Fields {
            document_code: "P".into(),
            issuing_country: "SYR".into(),
            document_number: number.into(),
            surname: "AL-HASSAN".into(),
            given_names: "MOHAMMED ALI".into(),
            nationality: "SYR".into(),
            date_of_birth: dob.parse().unwrap(),
            sex: "M".parse().unwrap(),
            date_of_expiry: expiry.parse().unwrap(),
            personal_number: None,
        };
        mrz::format_td3(&fields)
    }

    #[test]
    fn reads_td3_with_every_check_digit() {
        let text = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";
        let r = read_mrz(text).unwrap();
        assert_eq!(r.format, "TD3");
        assert_eq!(r.surname, "ERIKSSON");
        assert_eq!(r.date_of_birth, "1974-08-12");
        assert!(r.valid);
        assert_eq!(r.check_digits.len(), 5);
    }

    #[test]
    fn a_typo_fails_its_check_digit_and_a_bad_shape_is_explained() {
        let text = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408132F1204159ZE184226B<<<<<10";
        let r = read_mrz(text).unwrap();
        assert!(!r.valid);
        assert!(
            r.check_digits
                .iter()
                .any(|c| c.field == "date_of_birth" && !c.ok)
        );
        let e = read_mrz("P<UTO\nL898").unwrap_err().message();
        assert!(e.contains("2 line(s) of 5, 4 characters"), "{e}");
    }

    #[test]
    fn reads_td1_and_td2() {
        let td1 = "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<";
        let r = read_mrz(td1).unwrap();
        assert_eq!(r.format, "TD1");
        assert!(r.valid, "{r:?}");
        let td2 = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6";
        let r = read_mrz(td2).unwrap();
        assert_eq!(r.format, "TD2");
        assert!(r.valid, "{r:?}");
    }

    #[test]
    fn compares_with_the_record() {
        let (_dir, state) = testing::state();
        // The record has only the birth year and expiry 2025-12-31.
        let good = passport("1952-06-01", "2025-12-31", "N0045821");
        let c = check_mrz(&state, "I-0001010", &good).unwrap();
        assert!(c.reading.valid);
        assert!(c.mismatches.is_empty(), "{:?}", c.mismatches);
        let bad = passport("1953-06-01", "2026-12-31", "N0045812");
        let c = check_mrz(&state, "i-0001010", &bad).unwrap();
        let fields: Vec<&str> = c.mismatches.iter().map(|m| m.field.as_str()).collect();
        assert_eq!(fields, ["date_of_birth", "document_expiry", "document_no"]);
        // Another person's record: names, sex and nationality differ too.
        let c = check_mrz(&state, "I-0001020", &good).unwrap();
        let fields: Vec<&str> = c.mismatches.iter().map(|m| m.field.as_str()).collect();
        assert!(fields.contains(&"family_name") && fields.contains(&"nationality"));
        assert!(fields.contains(&"sex"));
    }

    #[test]
    fn records_outcomes_and_refuses_inconsistent_ones() {
        let (_dir, state) = testing::state();
        let ok = record_identity_check(
            &state,
            &IdentityCheckRequest {
                individual_no: "I-0001010".into(),
                document_no: Some("N0045821".into()),
                outcome: dto::CheckOutcome::Verified,
                mismatches: vec![],
            },
        )
        .unwrap();
        assert_eq!(ok.site, "KGL-TC1");
        assert_eq!(ok.checked_by, "A. Officer");
        let mismatch = Mismatch {
            field: "date_of_birth".into(),
            on_record: "1952".into(),
            on_document: "1953-06-01".into(),
        };
        let e = record_identity_check(
            &state,
            &IdentityCheckRequest {
                individual_no: "I-0001010".into(),
                document_no: None,
                outcome: dto::CheckOutcome::Verified,
                mismatches: vec![mismatch.clone()],
            },
        )
        .unwrap_err();
        assert!(e.message().contains("cannot be recorded as verified"));
        let e = record_identity_check(
            &state,
            &IdentityCheckRequest {
                individual_no: "I-0001010".into(),
                document_no: None,
                outcome: dto::CheckOutcome::Mismatch { reason: " ".into() },
                mismatches: vec![mismatch],
            },
        )
        .unwrap_err();
        assert!(
            e.message().contains("a reason is required"),
            "{}",
            e.message()
        );
        let case = cases::get_case(&state, "KGL-2025-000102").unwrap();
        assert!(case.members[0].verified_today);
        assert_eq!(case.events_today.len(), 1);
    }
    /// The ICAO 9303 specimens, and where their check digits reach: (line, from, to) ranges of
    /// the fields covered by a check digit, the check digits included.
    /// A part of an MRZ: line, first column, column after the last.
    type Span = (usize, usize, usize);

    const SPECIMENS: &[(&str, &[Span])] = &[
        (
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",
            &[(1, 0, 10), (1, 13, 20), (1, 21, 44)],
        ),
        (
            "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<",
            &[(0, 5, 30), (1, 0, 7), (1, 8, 15), (1, 18, 30)],
        ),
        (
            "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6",
            &[(1, 0, 10), (1, 13, 20), (1, 21, 36)],
        ),
    ];

    /// ICAO 9303 character values.
    fn value(c: char) -> u32 {
        match c {
            '0'..='9' => c as u32 - '0' as u32,
            'A'..='Z' => c as u32 - 'A' as u32 + 10,
            _ => 0,
        }
    }

    #[test]
    fn the_icao_specimens_pass_and_any_detectable_single_change_in_a_checked_field_fails() {
        let alphabet: Vec<char> = ('0'..='9').chain('A'..='Z').chain(['<']).collect();
        for (text, checked) in SPECIMENS {
            assert!(read_mrz(text).unwrap().valid, "{text}");
            let lines: Vec<Vec<char>> = text.lines().map(|l| l.chars().collect()).collect();
            let mut tried = 0;
            for &(line, from, to) in *checked {
                for pos in from..to {
                    let original = lines[line][pos];
                    for &c in &alphabet {
                        // A check digit is a weighted sum modulo 10: a change that keeps a
                        // character's value modulo 10 (A for K, 0 for <) cannot be seen by
                        // any MRZ reader; every other change must be.
                        if value(c) % 10 == value(original) % 10 {
                            continue;
                        }
                        let mut changed = lines.clone();
                        changed[line][pos] = c;
                        let changed: Vec<String> =
                            changed.iter().map(|l| l.iter().collect()).collect();
                        let changed = changed.join("\n");
                        tried += 1;
                        if let Ok(r) = read_mrz(&changed) {
                            assert!(
                                !r.valid,
                                "accepted with {c} at line {line} col {pos}: {changed}"
                            );
                        }
                    }
                }
            }
            assert!(tried > 500, "{tried}");
        }
    }
}
