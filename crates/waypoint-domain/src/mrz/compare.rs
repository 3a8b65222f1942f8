//! Comparing a zone with an individual's record: names as an MRZ spells them, the date of
//! birth the record knows (possibly partial), the document's number and expiry, nationality
//! and sex.

use ::mrz::TransliterationStyle;
use chrono::Datelike;
use serde::Serialize;

use super::{DocumentDate, MrzReading};
use crate::{Individual, Mismatch, PartialDate};

/// A zone compared with an individual's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MrzComparison {
    pub reading: MrzReading,
    /// The fields where the record and the document disagree, in the order of the record.
    pub mismatches: Vec<Mismatch>,
}

/// Where `person`'s record and the zone disagree. Fields are named as in the import CSV
/// (`family_name`, `date_of_birth`, `document_no`, ...); values as each side shows them.
pub fn compare(person: &Individual, reading: &MrzReading) -> Vec<Mismatch> {
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
    if !same_birth(&person.date_of_birth, &reading.date_of_birth) {
        differ(
            "date_of_birth",
            person.date_of_birth.to_canonical(),
            reading.date_of_birth.to_string(),
        );
    }
    if let Some(on_record) = person.document.as_ref().and_then(|d| d.expiry) {
        let same = match reading.date_of_expiry {
            DocumentDate::Day { year, month, day } => {
                (on_record.year(), on_record.month(), on_record.day()) == (year, month, day)
            }
            _ => false,
        };
        if !same {
            differ(
                "document_expiry",
                on_record.format("%Y-%m-%d").to_string(),
                reading.date_of_expiry.to_string(),
            );
        }
    }
    // Numbers are compared on their letters and digits: records keep them as typed
    // (`N 004-5821`), a zone without separators.
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
    if !::mrz::codes_equivalent(nationality, &reading.nationality) {
        differ(
            "nationality",
            nationality.to_string(),
            reading.nationality.clone(),
        );
    }
    // The zone's `<` is the `X` (unspecified) of the visual zone and of the record.
    let sex_on_document = match reading.sex {
        '<' => 'X',
        c => c,
    }
    .to_string();
    if person.sex.code() != sex_on_document {
        differ("sex", person.sex.code().to_string(), sex_on_document);
    }
    out
}

/// A name as an MRZ spells it: Latin capitals, one space between parts.
fn mrz_name(s: &str, style: TransliterationStyle) -> String {
    ::mrz::transliterate(s, style)
        .chars()
        .map(|c| if c.is_ascii_uppercase() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether the record's name can be the document's: issuers transliterate `Ä` as `AE` or
/// `A` (or `Ü` as `UXX`); any of ICAO's styles is the same name.
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

/// Whether a date of birth on record (possibly partial) can be the zone's: every part the
/// record knows is on the document, the same. A part the document leaves unknown (`<<`) or a
/// date that is not one (letters where digits go) differs from a record that knows it.
fn same_birth(record: &PartialDate, document: &DocumentDate) -> bool {
    let (ry, rm, rd) = match *record {
        PartialDate::Unknown => return true,
        PartialDate::Year(y) => (y, None, None),
        PartialDate::YearMonth(y, m) => (y, Some(m), None),
        PartialDate::Full(d) => (d.year(), Some(d.month()), Some(d.day())),
    };
    match document {
        DocumentDate::Day { year, month, day } => {
            *year == ry && rm.is_none_or(|m| m == *month) && rd.is_none_or(|x| x == *day)
        }
        DocumentDate::PartlyUnknown(raw) => {
            // YYMMDD with fillers where unknown: the record's parts must be there, the same.
            let raw = raw.as_bytes();
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
        DocumentDate::Unreadable(_) => false,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::{Field, Record};

    /// A made-up person with a passport, as the record holds them.
    fn person(changes: &[(Field, &str)]) -> Individual {
        let mut r = Record::new();
        let fields = [
            (Field::CaseNo, "TST-2025-000001"),
            (Field::IndividualNo, "I-9990001"),
            (Field::Relationship, "PA"),
            (Field::FamilyName, "Testperson"),
            (Field::GivenNames, "Sample Müller"),
            (Field::Sex, "F"),
            (Field::DateOfBirth, "1974-08-12"),
            (Field::Nationality, "SYR"),
            (Field::DocumentType, "PASSPORT"),
            (Field::DocumentNo, "L898902C3"),
            (Field::DocumentExpiry, "2012-04-15"),
        ];
        for (field, value) in fields.iter().chain(changes) {
            r.set(*field, Some(value.to_string()).filter(|v| !v.is_empty()));
        }
        Individual::from_record(&r).unwrap()
    }

    fn passport(surname: &str, given: &str, dob: &str) -> MrzReading {
        MrzReading {
            format: super::super::MrzFormat::Td3,
            document_code: "P".into(),
            issuing_country: "SYR".into(),
            document_number: "L898902C3".into(),
            surname: surname.into(),
            given_names: given.into(),
            nationality: "SYR".into(),
            date_of_birth: dob.parse::<chrono::NaiveDate>().map_or_else(
                |_| DocumentDate::PartlyUnknown(dob.into()),
                |d| DocumentDate::Day {
                    year: d.year(),
                    month: d.month(),
                    day: d.day(),
                },
            ),
            sex: 'F',
            date_of_expiry: DocumentDate::Day {
                year: 2012,
                month: 4,
                day: 15,
            },
            check_digits: vec![],
        }
    }

    fn fields(person: &Individual, reading: &MrzReading) -> Vec<String> {
        compare(person, reading)
            .into_iter()
            .map(|m| m.field)
            .collect()
    }

    #[test]
    fn the_same_person_matches_whichever_way_the_issuer_transliterated() {
        let p = person(&[]);
        for given in ["SAMPLE MUELLER", "SAMPLE MULLER", "SAMPLE MUXXLLER"] {
            let r = passport("TESTPERSON", given, "1974-08-12");
            assert!(fields(&p, &r).is_empty(), "{given}");
        }
        let r = passport("TESTPERSON", "SAMPLE MILLER", "1974-08-12");
        assert_eq!(fields(&p, &r), ["given_names"]);
    }

    #[test]
    fn a_partial_birth_date_on_record_matches_what_it_knows() {
        let year_only = person(&[(Field::DateOfBirth, "1974")]);
        assert!(
            fields(
                &year_only,
                &passport("TESTPERSON", "SAMPLE MUELLER", "1974-01-01")
            )
            .is_empty()
        );
        assert_eq!(
            fields(
                &year_only,
                &passport("TESTPERSON", "SAMPLE MUELLER", "1975-08-12")
            ),
            ["date_of_birth"]
        );
        // The document knows less than the record: that differs.
        let full = person(&[]);
        assert_eq!(
            fields(&full, &passport("TESTPERSON", "SAMPLE MUELLER", "7408<<")),
            ["date_of_birth"]
        );
        assert!(
            fields(
                &year_only,
                &passport("TESTPERSON", "SAMPLE MUELLER", "74<<<<")
            )
            .is_empty()
        );
        let unknown = person(&[(Field::DateOfBirth, "UNKNOWN")]);
        assert!(
            fields(
                &unknown,
                &passport("TESTPERSON", "SAMPLE MUELLER", "<<<<<<")
            )
            .is_empty()
        );
    }

    #[test]
    fn number_expiry_nationality_and_sex_are_compared() {
        let p = person(&[(Field::DocumentNo, "L 898-902 C3")]);
        let mut r = passport("TESTPERSON", "SAMPLE MUELLER", "1974-08-12");
        assert!(
            fields(&p, &r).is_empty(),
            "separators on record do not count"
        );
        r.document_number = "L898902C4".into();
        r.date_of_expiry = DocumentDate::Day {
            year: 2013,
            month: 4,
            day: 15,
        };
        r.nationality = "IRQ".into();
        r.sex = '<';
        assert_eq!(
            fields(&p, &r),
            ["document_expiry", "document_no", "nationality", "sex"]
        );
        let m = compare(&p, &r);
        assert_eq!(m[3].on_document, "X", "the zone's < is the record's X");
    }
}
