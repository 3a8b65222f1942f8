//! Identity and document checks: read a typed or scanned MRZ (TD1, TD2, TD3 and the two visa
//! formats) with the `mrz` crate, with every check digit; compare it with the record; record
//! the officer's conclusion as an `IdentityCheck` event.

use mrz::{MrzData, MrzDate, TransliterationStyle};
use uuid::Uuid;
use waypoint_domain::{Action, Field, FieldEvent, IdentityCheck, Individual, PartialDate, may_see};

use super::{cases, event_to_dto, non_blank};
use crate::dto::{
    self, CheckDigit, EventRecord, IdentityCheckRecord, IdentityCheckRequest, Mismatch,
    MrzComparison, MrzReading,
};
use crate::error::CommandError;
use crate::state::AppState;

/// Reads an MRZ as typed or scanned: two or three lines; blanks ignored, lower case accepted.
pub fn read_mrz(text: &str) -> Result<MrzReading, CommandError> {
    parse_mrz(text).map(|(_, reading)| reading)
}

/// Parses an MRZ (see [`read_mrz`]): the `mrz` crate's data, and the reading shown.
fn parse_mrz(text: &str) -> Result<(MrzData, MrzReading), CommandError> {
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
    let mut reading = reading(&data);
    refuse_filler_check_digits(&lines, &data, &mut reading);
    Ok((data, reading))
}

/// A check digit is a numeral (ICAO 9303 Part 3 §4.9). The filler `<` counts as 0 in the
/// arithmetic, so a `<` printed where the digit is 0 would pass; it is allowed only where ICAO
/// allows it: the check digit of an empty TD3 personal number, and that of a TD1 or TD2
/// document number that goes on in the optional data. Anywhere else its check fails.
fn refuse_filler_check_digits(lines: &[String], data: &MrzData, reading: &mut MrzReading) {
    let at = |line: usize, col: usize| lines.get(line).and_then(|l| l.as_bytes().get(col).copied());
    let long_number = data.document_number_full.is_some();
    // (check, line, column) of each check digit.
    let digits: &[(&str, usize, usize)] = match data.format {
        mrz::Format::Td1 => &[
            ("document_number", 0, 14),
            ("date_of_birth", 1, 6),
            ("date_of_expiry", 1, 14),
            ("composite", 1, 29),
        ],
        mrz::Format::Td2 | mrz::Format::MrvB => &[
            ("document_number", 1, 9),
            ("date_of_birth", 1, 19),
            ("date_of_expiry", 1, 27),
            ("composite", 1, 35),
        ],
        mrz::Format::Td3 | mrz::Format::MrvA => &[
            ("document_number", 1, 9),
            ("date_of_birth", 1, 19),
            ("date_of_expiry", 1, 27),
            ("personal_number", 1, 42),
            ("composite", 1, 43),
        ],
        _ => &[],
    };
    let td3 = matches!(data.format, mrz::Format::Td3);
    for &(field, line, col) in digits {
        if at(line, col) != Some(b'<') {
            continue;
        }
        let allowed = match field {
            "personal_number" => td3 && lines[line].as_bytes()[28..42].iter().all(|&b| b == b'<'),
            "document_number" => !td3 && long_number,
            _ => false,
        };
        if !allowed {
            for check in reading.check_digits.iter_mut().filter(|c| c.field == field) {
                check.ok = false;
            }
        }
    }
    reading.valid = reading.check_digits.iter().all(|c| c.ok);
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
    let role = {
        let store = state.store()?;
        store.require(store.role(), Action::IdentityCheck)?;
        store.role()
    };
    let view = cases::load_of_individual(state, individual_no)?;
    let individual_no = individual_no.trim().to_ascii_uppercase();
    let person = view
        .case
        .members
        .iter()
        .find(|m| m.individual_no == individual_no)
        .ok_or_else(|| CommandError::UnknownIndividual(individual_no.clone()))?;
    let (data, reading) = parse_mrz(text)?;
    let mut mismatches = compare(
        person,
        &reading,
        (&data.date_of_birth, &data.date_of_expiry),
    );
    // A field the role may not see is not compared (its value is not in the view).
    mismatches.retain(|m| Field::from_column(&m.field).is_none_or(|f| may_see(role, f)));
    Ok(MrzComparison {
        mismatches,
        reading,
    })
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

/// Whether a date of birth on record (possibly partial) can be the MRZ's: every part the
/// record knows is on the document, the same. A part the document leaves unknown (`<<`) or a
/// date that is not one (letters where digits go) differs from a record that knows it.
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
            // YYMMDD with fillers where unknown: the record's parts must be there, the same.
            let raw = raw.as_str().as_bytes();
            let part = |i: usize| -> Option<u32> {
                let two = raw.get(i..i + 2)?;
                if !two.iter().all(u8::is_ascii_digit) {
                    return None;
                }
                std::str::from_utf8(two).ok()?.parse().ok()
            };
            part(0) == Some(ry.rem_euclid(100) as u32)
                && rm.is_none_or(|m| part(2) == Some(m))
                && rd.is_none_or(|x| part(4) == Some(x))
        }
        // Malformed (letters where digits go), or a shape this version does not know.
        _ => false,
    }
}

/// Compares the MRZ with the record; `dates` are the MRZ's date of birth and expiry.
fn compare(
    person: &Individual,
    reading: &MrzReading,
    dates: (&MrzDate, &MrzDate),
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
    let (birth, expiry) = dates;
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
    {
        let store = state.store()?;
        store.require(store.role(), Action::IdentityCheck)?;
    }
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
        checked_by: String::new(),
        checked_at: state.now(),
    });
    let event = super::record(state, event)?;
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
    /// A part of an MRZ: line, first column, column after the last.
    type Span = (usize, usize, usize);

    /// An ICAO 9303 specimen, the record it must match, where its check digits reach (the
    /// fields covered by a check digit, the check digits included), and the parts of those
    /// fields the record has nothing to compare with (personal number, optional data).
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
    ];

    /// The specimens' holder, once per document. Utopia (UTO) is no real state, so a record
    /// cannot hold it: the records say stateless (XXA), the one difference from the specimens.
    const SPECIMEN_RECORDS: &str = "\
KGL-2025-000901,I-0009001,PA,ERIKSSON,Anna Maria,,,F,1974-08-12,XXA,,,KGL-TC1,USRAP,ORD,,PASSPORT,L898902C3,,2012-04-15,,,,APPROVED,
KGL-2025-000902,I-0009002,PA,ERIKSSON,Anna Maria,,,F,1974-08-12,XXA,,,KGL-TC1,USRAP,ORD,,NATIONAL_ID,D23145890,,2012-04-15,,,,APPROVED,
KGL-2025-000903,I-0009003,PA,ERIKSSON,Anna Maria,,,F,1974-08-12,XXA,,,KGL-TC1,USRAP,ORD,,NATIONAL_ID,D23145890,,2012-04-15,,,,APPROVED,
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

    /// Every single-character change of every checked field of the TD3, TD1 and TD2 specimens
    /// is rejected: by a check digit, or by the comparison with the holder's record (the
    /// changes no check digit can see: values equal modulo 10, such as A/K/U or 0/<). The only
    /// changes left are those no check digit can see in the personal number and optional data,
    /// which the record does not hold.
    #[test]
    fn the_icao_specimens_pass_and_every_single_change_in_a_checked_field_is_rejected() {
        let (_dir, state) = testing::state();
        let header = testing::SAMPLE.lines().next().unwrap();
        let outcome = super::super::import::import_csv(
            &state,
            &crate::dto::ImportRequest {
                file_name: "specimens.csv".into(),
                content: format!("{header}\n{SPECIMEN_RECORDS}"),
                partial: false,
                dry_run: false,
            },
            &mut |_| {},
        )
        .unwrap();
        assert!(!outcome.rejected, "{outcome:?}");
        let alphabet: Vec<char> = ('0'..='9').chain('A'..='Z').chain(['<']).collect();
        for specimen in SPECIMENS {
            let text = specimen.mrz;
            let person = specimen.individual_no;
            let base = check_mrz(&state, person, text).unwrap();
            assert!(base.reading.valid, "{text}");
            let fields: Vec<&str> = base.mismatches.iter().map(|m| m.field.as_str()).collect();
            assert_eq!(fields, ["nationality"], "{text}");
            let lines: Vec<Vec<char>> = text.lines().map(|l| l.chars().collect()).collect();
            let (mut tried, mut by_digits, mut by_record, mut unseen) = (0, 0, 0, 0);
            for &(line, from, to) in specimen.checked {
                for col in from..to {
                    let original = lines[line][col];
                    for &c in alphabet.iter().filter(|&&c| c != original) {
                        let mut changed = lines.clone();
                        changed[line][col] = c;
                        let changed: Vec<String> =
                            changed.iter().map(|l| l.iter().collect()).collect();
                        let changed = changed.join("\n");
                        tried += 1;
                        match check_mrz(&state, person, &changed) {
                            Err(_) => by_digits += 1,
                            Ok(r) if !r.reading.valid => by_digits += 1,
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
}
