//! Profile data: cases and individuals, field by field.
//!
//! [`Field`] names every profile field by its column in the case-import CSV. A [`Record`] holds
//! one individual's fields (with its case's fields) as canonical text: the one spelling a value
//! has everywhere (store, outbox, export, sync), made by [`Field::normalize`]. The typed
//! [`Individual`] and [`Case`] are read from records for people and screens.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::{
    AirportCode, CountryCode, DocumentIssuer, DocumentType, ExitPermitStatus, Field, FieldError,
    PartialDate, Relationship, Sex, SsrCode, ValueProblem, Vulnerability,
};

impl Field {
    /// Turns what a person typed into the field's canonical text, or `None` for "no value".
    ///
    /// `today` bounds dates of birth. A required field given no value is an error.
    pub fn normalize(self, raw: &str, today: NaiveDate) -> Result<Option<String>, FieldError> {
        let raw = raw.trim();
        if raw.is_empty() {
            if self.required() {
                return Err(FieldError::new(ValueProblem::Required { field: self }));
            }
            return Ok(None);
        }
        let value = match self {
            Field::CaseNo | Field::IndividualNo | Field::Abn => identifier(raw, 40)?,
            Field::Site => identifier(raw, 20)?,
            Field::Programme => programme(raw)?,
            Field::Relationship => Relationship::parse(raw)?.code().to_string(),
            Field::FamilyName
            | Field::GivenNames
            | Field::FamilyNameNative
            | Field::GivenNamesNative => name(raw)?,
            Field::Sex => Sex::parse(raw)?.code().to_string(),
            Field::DateOfBirth => PartialDate::parse_birth(raw, today)?.to_canonical(),
            Field::Nationality => CountryCode::parse(raw)?.as_str().to_owned(),
            Field::Languages => list(raw, language)?,
            Field::Phone => free_text(raw, 60, false)?,
            Field::Destination => AirportCode::parse(raw)?.as_str().to_owned(),
            Field::DocumentType => DocumentType::parse(raw)?.code().to_string(),
            Field::DocumentNo => document_no(raw)?,
            Field::DocumentIssuer => DocumentIssuer::parse(raw)?.as_str().to_owned(),
            Field::DocumentExpiry => PartialDate::Full(full_date(raw)?).to_canonical(),
            Field::SsrCodes => list(raw, |c| SsrCode::parse(c).map(|c| c.as_str().to_owned()))?,
            Field::SpecialNeedsNotes | Field::ExitPermitDenialReason => free_text(raw, 2000, true)?,
            Field::Vulnerabilities => list(raw, |v| {
                Vulnerability::parse(v).map(|v| v.code().to_string())
            })?,
            Field::ExitPermit => ExitPermitStatus::parse(raw)?.code().to_string(),
        };
        Ok(Some(value))
    }
}

fn has_control(s: &str, allow_newlines: bool) -> bool {
    s.chars()
        .any(|c| c.is_control() && !(allow_newlines && (c == '\n' || c == '\r' || c == '\t')))
}

/// Case, individual, site and ABN numbers: letters, digits and `-_/.`, upper case.
pub(crate) fn identifier(raw: &str, max: usize) -> Result<String, FieldError> {
    let s = raw.to_ascii_uppercase();
    let ok = s.len() <= max
        && s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_/.".contains(&b));
    if ok {
        Ok(s)
    } else {
        Err(FieldError::new(ValueProblem::BadNumber {
            value: raw.to_owned(),
            max,
        }))
    }
}

fn programme(raw: &str) -> Result<String, FieldError> {
    let s = raw.to_ascii_uppercase();
    if s.len() <= 40 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        Ok(s)
    } else {
        Err(FieldError::new(ValueProblem::BadProgramme {
            value: raw.to_owned(),
        }))
    }
}

/// Unicode NFC of `s`, without copying twice when it already is (the usual case).
fn nfc(s: &str) -> String {
    match unicode_normalization::is_nfc_quick(s.chars()) {
        unicode_normalization::IsNormalized::Yes => s.to_owned(),
        _ => s.nfc().collect(),
    }
}

/// The longest name, in characters.
const NAME_MAX: usize = 200;

/// A name: Unicode NFC, blanks collapsed, no control characters.
fn name(raw: &str) -> Result<String, FieldError> {
    if has_control(raw, false) {
        return Err(FieldError::new(ValueProblem::NameHasControlCharacters));
    }
    let s = nfc(raw);
    let single_spaced = !s.contains("  ") && !s.chars().any(|c| c.is_whitespace() && c != ' ');
    let s = if single_spaced {
        s
    } else {
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    if s.chars().count() > NAME_MAX {
        return Err(FieldError::new(ValueProblem::NameTooLong { max: NAME_MAX }));
    }
    Ok(s)
}

fn free_text(raw: &str, max: usize, allow_newlines: bool) -> Result<String, FieldError> {
    if has_control(raw, allow_newlines) {
        return Err(FieldError::new(ValueProblem::TextHasControlCharacters));
    }
    let s = if raw.contains('\r') {
        nfc(&raw.replace("\r\n", "\n"))
    } else {
        nfc(raw)
    };
    if s.chars().count() > max {
        return Err(FieldError::new(ValueProblem::TextTooLong { max }));
    }
    Ok(s)
}

fn document_no(raw: &str) -> Result<String, FieldError> {
    let s = raw.to_ascii_uppercase();
    if s.len() <= 30
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-/. ".contains(&b))
    {
        Ok(s)
    } else {
        Err(FieldError::new(ValueProblem::BadDocumentNumber {
            value: raw.to_owned(),
        }))
    }
}

fn full_date(raw: &str) -> Result<NaiveDate, FieldError> {
    match PartialDate::parse(raw)? {
        PartialDate::Full(d) => Ok(d),
        _ => Err(FieldError::new(ValueProblem::NotFullDate {
            value: raw.to_owned(),
        })),
    }
}

/// An ISO 639 code: two or three lower-case letters.
fn language(raw: &str) -> Result<String, FieldError> {
    let s = raw.to_ascii_lowercase();
    if (2..=3).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase()) {
        Ok(s)
    } else {
        Err(FieldError::new(ValueProblem::BadLanguage {
            value: raw.to_owned(),
        }))
    }
}

/// A `;`-separated list: each item checked, duplicates dropped, order kept.
fn list(
    raw: &str,
    item: impl Fn(&str) -> Result<String, FieldError>,
) -> Result<String, FieldError> {
    let mut out: Vec<String> = Vec::new();
    for part in raw.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let v = item(part)?;
        if !out.contains(&v) {
            out.push(v);
        }
    }
    Ok(out.join(";"))
}

/// One individual's profile with its case's fields, as canonical text indexed by [`Field`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    values: Vec<Option<String>>,
}

impl Record {
    pub fn new() -> Self {
        Self {
            values: vec![None; Field::COUNT],
        }
    }

    pub fn get(&self, field: Field) -> Option<&str> {
        self.values.get(field.index()).and_then(|v| v.as_deref())
    }

    /// Sets a canonical value (from [`Field::normalize`] or the store).
    pub fn set(&mut self, field: Field, value: Option<String>) {
        if self.values.len() < Field::COUNT {
            self.values.resize(Field::COUNT, None);
        }
        self.values[field.index()] = value;
    }

    /// The fields whose values differ from `other`'s.
    pub fn diff<'a>(&'a self, other: &'a Record) -> impl Iterator<Item = Field> + 'a {
        Field::ALL
            .iter()
            .copied()
            .filter(move |f| self.get(*f) != other.get(*f))
    }

    pub fn case_no(&self) -> &str {
        self.get(Field::CaseNo).unwrap_or_default()
    }

    pub fn individual_no(&self) -> &str {
        self.get(Field::IndividualNo).unwrap_or_default()
    }
}

/// A travel document as the organisation holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TravelDocument {
    pub document_type: DocumentType,
    pub number: Option<String>,
    pub issuer: Option<DocumentIssuer>,
    pub expiry: Option<NaiveDate>,
}

/// Special needs: SSR codes for the airline, with free-text notes (medical: need-to-know).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecialNeeds {
    pub ssr_codes: Vec<SsrCode>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExitPermit {
    pub status: ExitPermitStatus,
    pub denial_reason: Option<String>,
}

/// One member of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Individual {
    pub individual_no: String,
    pub case_no: String,
    pub relationship: Relationship,
    pub family_name: String,
    pub given_names: String,
    pub family_name_native: Option<String>,
    pub given_names_native: Option<String>,
    pub sex: Sex,
    pub date_of_birth: PartialDate,
    pub nationality: CountryCode,
    pub languages: Vec<String>,
    pub phone: Option<String>,
    pub document: Option<TravelDocument>,
    pub special_needs: SpecialNeeds,
    pub vulnerabilities: Vec<Vulnerability>,
    pub exit_permit: Option<ExitPermit>,
}

/// A family or group processed together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    pub case_no: String,
    pub site: String,
    pub programme: Option<String>,
    pub destination: Option<AirportCode>,
    pub abn: Option<String>,
    pub members: Vec<Individual>,
}

fn split_list(s: Option<&str>) -> impl Iterator<Item = &str> {
    s.unwrap_or_default().split(';').filter(|p| !p.is_empty())
}

impl Individual {
    /// Reads an individual from a record of canonical values.
    pub fn from_record(r: &Record) -> Result<Self, FieldError> {
        let req = |f: Field| {
            r.get(f)
                .ok_or_else(|| FieldError::new(ValueProblem::Required { field: f }))
        };
        let opt = |f: Field| r.get(f).map(str::to_string);
        let document = match r.get(Field::DocumentType) {
            None if r.get(Field::DocumentNo).is_none() => None,
            t => Some(TravelDocument {
                document_type: t
                    .map(DocumentType::parse)
                    .transpose()?
                    .unwrap_or(DocumentType::None),
                number: opt(Field::DocumentNo),
                issuer: r
                    .get(Field::DocumentIssuer)
                    .map(DocumentIssuer::parse)
                    .transpose()?,
                expiry: r.get(Field::DocumentExpiry).map(full_date).transpose()?,
            }),
        };
        Ok(Self {
            individual_no: req(Field::IndividualNo)?.to_string(),
            case_no: req(Field::CaseNo)?.to_string(),
            relationship: Relationship::parse(req(Field::Relationship)?)?,
            family_name: req(Field::FamilyName)?.to_string(),
            given_names: req(Field::GivenNames)?.to_string(),
            family_name_native: opt(Field::FamilyNameNative),
            given_names_native: opt(Field::GivenNamesNative),
            sex: Sex::parse(req(Field::Sex)?)?,
            date_of_birth: PartialDate::parse(req(Field::DateOfBirth)?)?,
            nationality: CountryCode::parse(req(Field::Nationality)?)?,
            languages: split_list(r.get(Field::Languages))
                .map(str::to_string)
                .collect(),
            phone: opt(Field::Phone),
            document,
            special_needs: SpecialNeeds {
                ssr_codes: split_list(r.get(Field::SsrCodes))
                    .map(SsrCode::parse)
                    .collect::<Result<_, _>>()?,
                notes: opt(Field::SpecialNeedsNotes),
            },
            vulnerabilities: split_list(r.get(Field::Vulnerabilities))
                .map(Vulnerability::parse)
                .collect::<Result<_, _>>()?,
            exit_permit: r
                .get(Field::ExitPermit)
                .map(|s| -> Result<ExitPermit, FieldError> {
                    Ok(ExitPermit {
                        status: ExitPermitStatus::parse(s)?,
                        denial_reason: opt(Field::ExitPermitDenialReason),
                    })
                })
                .transpose()?,
        })
    }
}

impl Case {
    /// Builds a case from its members' records (all of one case number).
    pub fn from_records(records: &[Record]) -> Result<Self, FieldError> {
        let first = records
            .first()
            .ok_or_else(|| FieldError::new(ValueProblem::CaseWithoutMembers))?;
        Ok(Self {
            case_no: first.case_no().to_string(),
            site: first.get(Field::Site).unwrap_or_default().to_string(),
            programme: first.get(Field::Programme).map(str::to_string),
            destination: first
                .get(Field::Destination)
                .map(AirportCode::parse)
                .transpose()?,
            abn: first.get(Field::Abn).map(str::to_string),
            members: records
                .iter()
                .map(Individual::from_record)
                .collect::<Result<_, _>>()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    #[test]
    fn columns_round_trip_and_are_case_insensitive() {
        for f in Field::ALL {
            assert_eq!(Field::from_column(f.column()), Some(*f));
            assert_eq!(Field::from_column(&f.column().to_uppercase()), Some(*f));
        }
        assert_eq!(Field::COUNT, 25);
        assert_eq!(Field::from_column("nickname"), None);
    }

    #[test]
    fn normalizes_to_one_canonical_spelling() {
        let n = |f: Field, s: &str| f.normalize(s, today()).unwrap();
        assert_eq!(n(Field::Nationality, " cod "), Some("COD".into()));
        assert_eq!(n(Field::Languages, "FR; sw;;fr"), Some("fr;sw".into()));
        assert_eq!(n(Field::SsrCodes, "wchr;DBML"), Some("WCHR;DBML".into()));
        assert_eq!(
            n(Field::GivenNames, "  Jean   Claude "),
            Some("Jean Claude".into())
        );
        // NFD input (e + combining acute) is stored as NFC.
        assert_eq!(
            n(Field::FamilyName, "Me\u{301}lanie"),
            Some("M\u{e9}lanie".into())
        );
        assert_eq!(n(Field::Phone, ""), None);
        assert_eq!(n(Field::Relationship, "pa"), Some("PA".into()));
    }

    #[test]
    fn rejects_bad_values_with_a_readable_reason() {
        let e = |f: Field, s: &str| f.normalize(s, today()).unwrap_err().to_string();
        assert!(e(Field::FamilyName, "").contains("family_name is required"));
        assert!(e(Field::Sex, "male").contains("use one of M, F, X"));
        assert!(e(Field::Nationality, "ZZZ").contains("not a nationality"));
        assert!(e(Field::Vulnerabilities, "URM;SAD").contains("'SAD' is not a vulnerability"));
        assert!(e(Field::DocumentExpiry, "2026-02").contains("full date"));
        assert!(e(Field::Destination, "XQX").contains("IATA"));
        assert!(e(Field::GivenNames, "Jean\nClaude").contains("line breaks"));
        assert!(e(Field::CaseNo, "KGL 2025").contains("not a valid number"));
    }

    #[test]
    fn a_record_reads_as_a_typed_individual() {
        let mut r = Record::new();
        for (f, v) in [
            (Field::CaseNo, "KGL-2025-000101"),
            (Field::IndividualNo, "I-0001002"),
            (Field::Relationship, "SP"),
            (Field::FamilyName, "TESTPERSON"),
            (Field::GivenNames, "Fictional"),
            (Field::Sex, "F"),
            (Field::DateOfBirth, "1984"),
            (Field::Nationality, "COD"),
            (Field::Site, "KGL-TC1"),
            (Field::DocumentType, "ICRC_TRAVEL_DOCUMENT"),
            (Field::DocumentNo, "ICRC-1"),
            (Field::DocumentIssuer, "ICRC"),
            (Field::Vulnerabilities, "PREGNANT"),
            (Field::ExitPermit, "DENIED"),
            (Field::ExitPermitDenialReason, "pending court case"),
        ] {
            r.set(f, f.normalize(v, today()).unwrap());
        }
        let i = Individual::from_record(&r).unwrap();
        assert_eq!(i.date_of_birth, PartialDate::Year(1984));
        assert_eq!(i.vulnerabilities, vec![Vulnerability::Pregnant]);
        assert_eq!(i.document.unwrap().issuer, Some(DocumentIssuer::Icrc));
        assert_eq!(
            i.exit_permit.unwrap().denial_reason.as_deref(),
            Some("pending court case")
        );
        let mut other = r.clone();
        other.set(Field::Phone, Some("+250".into()));
        assert_eq!(r.diff(&other).collect::<Vec<_>>(), vec![Field::Phone]);
    }
}
