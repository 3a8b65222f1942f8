//! What is wrong with a value, as a code with typed parameters.
//!
//! A window words a [`ValueProblem`] in the person's language from its code and parameters;
//! [`ValueProblem`]'s `Display` is the English the command line and the logs show.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Field;

/// Which code list a value had to come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum CodeList {
    Relationship,
    Sex,
    DocumentType,
    Vulnerability,
    ExitPermitStatus,
    DenialReason,
    HoldReason,
    CancelReason,
    BookingStatus,
    EscortKind,
    AbnVersionKind,
}

impl CodeList {
    /// The list's name in an English sentence: "'Q' is not {what}".
    pub fn what(self) -> &'static str {
        match self {
            Self::Relationship => "a relationship",
            Self::Sex => "a sex",
            Self::DocumentType => "a document type",
            Self::Vulnerability => "a vulnerability",
            Self::ExitPermitStatus => "an exit permit status",
            Self::DenialReason => "a reason for an exit permit denial",
            Self::HoldReason => "a reason to put a journey on hold",
            Self::CancelReason => "a reason to cancel a journey",
            Self::BookingStatus => "a booking status",
            Self::EscortKind => "an escort type",
            Self::AbnVersionKind => "an ABN version",
        }
    }
}

/// Why a value cannot be accepted. `value` is the value as typed, trimmed (for a list: the
/// item that is wrong).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", content = "params", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ValueProblem {
    /// A required field has no value.
    Required {
        field: Field,
    },
    /// A case, individual, site or ABN number with other characters, or too long.
    BadNumber {
        value: String,
        max: usize,
    },
    BadProgramme {
        value: String,
    },
    NameHasControlCharacters,
    NameTooLong {
        max: usize,
    },
    TextHasControlCharacters,
    TextTooLong {
        max: usize,
    },
    BadDocumentNumber {
        value: String,
    },
    NotFullDate {
        value: String,
    },
    BadLanguage {
        value: String,
    },
    /// Not a code of the list.
    NotOneOf {
        value: String,
        list: CodeList,
    },
    BadDate {
        value: String,
    },
    NoSuchMonth {
        value: String,
        month: u32,
    },
    NoSuchDay {
        value: String,
    },
    TooEarly {
        value: String,
        min_year: i32,
    },
    BirthInFuture {
        value: String,
    },
    UnknownNationality {
        value: String,
    },
    UnknownDocumentIssuer {
        value: String,
    },
    BadSsrCode {
        value: String,
    },
    UnknownAirport {
        value: String,
    },
    CaseWithoutMembers,
    BadRecordLocator {
        value: String,
    },
    BadCarrier {
        value: String,
    },
    BadFlightNo {
        value: String,
    },
    /// Not a local date and time `YYYY-MM-DDTHH:MM`.
    BadLocalTime {
        value: String,
    },
    /// A local time the clocks of `zone` skip (when summer time starts).
    NoSuchLocalTime {
        value: String,
        zone: String,
    },
}

impl ValueProblem {
    /// The value the English message quotes, if it quotes one.
    pub fn value(&self) -> Option<&str> {
        match self {
            Self::BadNumber { value, .. }
            | Self::BadProgramme { value }
            | Self::BadDocumentNumber { value }
            | Self::NotFullDate { value }
            | Self::BadLanguage { value }
            | Self::NotOneOf { value, .. }
            | Self::BadDate { value }
            | Self::NoSuchMonth { value, .. }
            | Self::NoSuchDay { value }
            | Self::TooEarly { value, .. }
            | Self::BirthInFuture { value }
            | Self::UnknownNationality { value }
            | Self::UnknownDocumentIssuer { value }
            | Self::BadSsrCode { value }
            | Self::UnknownAirport { value }
            | Self::BadRecordLocator { value }
            | Self::BadCarrier { value }
            | Self::BadFlightNo { value }
            | Self::BadLocalTime { value }
            | Self::NoSuchLocalTime { value, .. } => Some(value),
            Self::Required { .. }
            | Self::NameHasControlCharacters
            | Self::NameTooLong { .. }
            | Self::TextHasControlCharacters
            | Self::TextTooLong { .. }
            | Self::CaseWithoutMembers => None,
        }
    }
}

/// The English words, for the command line and the logs.
impl fmt::Display for ValueProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Required { field } => write!(f, "{} is required", field.column()),
            Self::BadNumber { value, max } => write!(
                f,
                "'{value}' is not a valid number: use at most {max} letters, digits and - _ / ."
            ),
            Self::BadProgramme { value } => write!(
                f,
                "'{value}' is not a programme code: use letters, digits and _, e.g. USRAP"
            ),
            Self::NameHasControlCharacters => {
                f.write_str("a name cannot contain line breaks or control characters")
            }
            Self::NameTooLong { max } => write!(f, "a name cannot be longer than {max} characters"),
            Self::TextHasControlCharacters => f.write_str("this text contains control characters"),
            Self::TextTooLong { max } => write!(f, "this text is longer than {max} characters"),
            Self::BadDocumentNumber { value } => write!(
                f,
                "'{value}' is not a document number: use at most 30 letters, digits and - / ."
            ),
            Self::NotFullDate { value } => {
                write!(f, "'{value}' is not a full date: use YYYY-MM-DD")
            }
            Self::BadLanguage { value } => write!(
                f,
                "'{value}' is not an ISO 639 language code (e.g. ar, fr, prs)"
            ),
            Self::NotOneOf { value, list } => write!(
                f,
                "'{value}' is not {}: use one of {}",
                list.what(),
                list.codes().join(", ")
            ),
            Self::BadDate { value } => write!(
                f,
                "'{value}' is not a date: use YYYY-MM-DD, YYYY-MM, YYYY (when only that is known) or UNKNOWN"
            ),
            Self::NoSuchMonth { value, month } => {
                write!(f, "'{value}' has no month {month}: months run 01 to 12")
            }
            Self::NoSuchDay { value } => write!(f, "'{value}' is not a day of the calendar"),
            Self::TooEarly { value, min_year } => write!(f, "'{value}' is before {min_year}"),
            Self::BirthInFuture { value } => {
                write!(f, "date of birth '{value}' is in the future")
            }
            Self::UnknownNationality { value } => write!(
                f,
                "'{value}' is not a nationality code: use ISO 3166-1 alpha-3 (e.g. SYR, COD) or XXA (stateless), XXB / XXC (refugee), XXX (unspecified)"
            ),
            Self::UnknownDocumentIssuer { value } => write!(
                f,
                "'{value}' is not a document issuer: use the issuing state's ISO 3166-1 alpha-3 code, an ICAO organisation code (UNO, XOM, ...) or ICRC"
            ),
            Self::BadSsrCode { value } => write!(
                f,
                "'{value}' is not an SSR code: SSR codes are four letters, e.g. WCHR"
            ),
            Self::UnknownAirport { value } => write!(
                f,
                "'{value}' is not a known IATA airport code (three letters, e.g. ORD)"
            ),
            Self::CaseWithoutMembers => f.write_str("a case has no members"),
            Self::BadRecordLocator { value } => write!(
                f,
                "'{value}' is not a record locator: six letters or digits, e.g. QX7K2M"
            ),
            Self::BadCarrier { value } => write!(
                f,
                "'{value}' is not an airline code: two letters or digits (IATA), e.g. ET"
            ),
            Self::BadFlightNo { value } => write!(
                f,
                "'{value}' is not a flight number: one to four digits and perhaps a letter, e.g. 812"
            ),
            Self::BadLocalTime { value } => write!(
                f,
                "'{value}' is not a local date and time: use YYYY-MM-DDTHH:MM, e.g. 2026-12-14T14:45"
            ),
            Self::NoSuchLocalTime { value, zone } => write!(
                f,
                "'{value}' does not exist in {zone}: the clocks skip that hour"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::{CountryCode, DocumentIssuer, FieldError, PartialDate};

    fn error(field: Field, raw: &str) -> FieldError {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        field.normalize(raw, today).unwrap_err()
    }

    /// The English of each kind of problem is the text the import showed before the codes.
    #[test]
    fn english_is_unchanged() {
        let long = "x".repeat(201);
        let cases = [
            (error(Field::Sex, ""), "sex is required"),
            (
                error(Field::CaseNo, "KGL 1"),
                "'KGL 1' is not a valid number: use at most 40 letters, digits and - _ / .",
            ),
            (
                error(Field::Programme, "US-RAP"),
                "'US-RAP' is not a programme code: use letters, digits and _, e.g. USRAP",
            ),
            (
                error(Field::FamilyName, "TEST\u{7}NAME"),
                "a name cannot contain line breaks or control characters",
            ),
            (
                error(Field::GivenNames, &long),
                "a name cannot be longer than 200 characters",
            ),
            (
                error(Field::Phone, "+000\u{1b}1"),
                "this text contains control characters",
            ),
            (
                error(Field::Phone, &long),
                "this text is longer than 60 characters",
            ),
            (
                error(Field::DocumentNo, "X#1"),
                "'X#1' is not a document number: use at most 30 letters, digits and - / .",
            ),
            (
                error(Field::DocumentExpiry, "2030-05"),
                "'2030-05' is not a full date: use YYYY-MM-DD",
            ),
            (
                error(Field::Languages, "ar;english"),
                "'english' is not an ISO 639 language code (e.g. ar, fr, prs)",
            ),
            (
                error(Field::Relationship, " cousin "),
                "'cousin' is not a relationship: use one of PA, SP, CH, PR, SB, OT",
            ),
            (
                error(Field::Sex, "male"),
                "'male' is not a sex: use one of M, F, X",
            ),
            (
                error(Field::Vulnerabilities, "URM;OLD"),
                "'OLD' is not a vulnerability: use one of URM, ELDERLY, PREGNANT, MEDICAL, DISABILITY, AT_RISK",
            ),
            (
                error(Field::ExitPermit, "YES"),
                "'YES' is not an exit permit status: use one of NOT_REQUIRED, REQUESTED, SUBMITTED, APPROVED, DENIED",
            ),
            (
                error(Field::DateOfBirth, "01/02/1990"),
                "'01/02/1990' is not a date: use YYYY-MM-DD, YYYY-MM, YYYY (when only that is known) or UNKNOWN",
            ),
            (
                error(Field::DateOfBirth, "1984-13"),
                "'1984-13' has no month 13: months run 01 to 12",
            ),
            (
                error(Field::DateOfBirth, "1990-02-30"),
                "'1990-02-30' is not a day of the calendar",
            ),
            (error(Field::DateOfBirth, "1700"), "'1700' is before 1880"),
            (
                error(Field::DateOfBirth, " 2027-01-01"),
                "date of birth '2027-01-01' is in the future",
            ),
            (
                CountryCode::parse(" ZZZ ").unwrap_err(),
                "'ZZZ' is not a nationality code: use ISO 3166-1 alpha-3 (e.g. SYR, COD) or XXA (stateless), XXB / XXC (refugee), XXX (unspecified)",
            ),
            (
                DocumentIssuer::parse("QQQ").unwrap_err(),
                "'QQQ' is not a document issuer: use the issuing state's ISO 3166-1 alpha-3 code, an ICAO organisation code (UNO, XOM, ...) or ICRC",
            ),
            (
                error(Field::SsrCodes, "WCHR;WC1"),
                "'WC1' is not an SSR code: SSR codes are four letters, e.g. WCHR",
            ),
            (
                error(Field::Destination, "QQQ"),
                "'QQQ' is not a known IATA airport code (three letters, e.g. ORD)",
            ),
            (
                crate::Case::from_records(&[]).unwrap_err(),
                "a case has no members",
            ),
        ];
        for (e, expected) in cases {
            assert_eq!(e.message(), expected, "{:?}", e.problem());
            assert_eq!(e.to_string(), expected);
        }
        assert_eq!(
            PartialDate::parse("1990-1").unwrap_err().problem(),
            &ValueProblem::BadDate {
                value: "1990-1".into()
            }
        );
    }

    #[test]
    fn value_is_the_quoted_value() {
        let e = error(Field::SsrCodes, "WCHR;WC1");
        assert_eq!(e.problem().value(), Some("WC1"));
        assert_eq!(error(Field::Phone, "a\u{1}").problem().value(), None);
    }

    #[test]
    fn serde_gives_code_and_params() {
        let e = error(Field::Relationship, "cousin");
        let json = serde_json::to_value(e.problem()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "not_one_of", "params": {"value": "cousin", "list": "relationship"}})
        );
        let back: ValueProblem = serde_json::from_value(json).unwrap();
        assert_eq!(&back, e.problem());
        assert_eq!(
            serde_json::to_value(error(Field::Sex, " ").problem()).unwrap(),
            serde_json::json!({"code": "required", "params": {"field": "sex"}})
        );
        assert_eq!(
            serde_json::to_value(ValueProblem::TextTooLong { max: 60 }).unwrap(),
            serde_json::json!({"code": "text_too_long", "params": {"max": 60}})
        );
        assert_eq!(
            serde_json::to_value(ValueProblem::CaseWithoutMembers).unwrap(),
            serde_json::json!({"code": "case_without_members"})
        );
    }
}
