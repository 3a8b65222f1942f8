//! Problems and warnings as codes with typed parameters.
//!
//! A window words a [`ProblemCode`] or [`WarningCode`] in the person's language;
//! [`Problem::message`] and [`Warning::message`] are the English the command line prints.
//! The codes are small enums, and the English is made only when it is asked for.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use waypoint_domain::{ExitPermitStatus, Field, Relationship, ValueProblem};

/// Said in place of a value, or a message quoting it, that the person's role may not see.
pub const NOT_SHOWN: &str = "(not shown: your role may not see this field)";

/// A problem that makes a row unusable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Problem {
    /// Physical line where the row (for an unclosed quote: the quote) starts; the header is 1.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub line: u64,
    /// The column's header name as in the spec, lower case, or `""` for the whole row.
    pub column: String,
    /// The offending value as it is in the file (shortened when very long).
    pub value: String,
    /// What is wrong.
    pub code: ProblemCode,
}

/// What is wrong with a row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", content = "params", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ProblemCode {
    /// The value of the column is not valid.
    InvalidValue(ValueProblem),
    /// The bytes of the value are not UTF-8.
    NotUtf8,
    /// The individual_no is on an earlier line too.
    DuplicateIndividual {
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        first_line: u64,
    },
    /// A case-level value differs from the one on the case's first row; `None` is no value.
    CaseValueDiffers {
        case_no: String,
        first_value: Option<String>,
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        first_line: u64,
    },
    /// A quote is not closed on its line: the lines to the next quote were read as one row.
    QuoteNotClosedOnLine {
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        next_quote_line: u64,
    },
    /// A quote is never closed; `last_line` is the end of the file when it is a later line.
    QuoteNeverClosed {
        #[cfg_attr(feature = "ts", ts(type = "number | null"))]
        last_line: Option<u64>,
    },
    /// Text follows the quote that closes a quoted value.
    TextAfterClosingQuote,
    /// The row has another number of fields than the header; `ends_before` names the first
    /// column the row lacks, or is `None` when it has too many.
    WrongFieldCount {
        found: usize,
        expected: usize,
        ends_before: Option<String>,
    },
    /// Something is wrong with a value the person's role may not see.
    NotShown,
}

/// Valid but suspicious data: reported, never a reason to leave a row out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Warning {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub line: u64,
    /// The column's header name as in the spec, lower case.
    pub column: String,
    /// The value concerned, in its canonical spelling.
    pub value: String,
    /// What is suspicious.
    pub code: WarningCode,
}

/// What is suspicious about a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", content = "params", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum WarningCode {
    /// The travel document expired before today.
    DocumentExpired {
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        today: NaiveDate,
    },
    /// The travel document expires less than `months` after today.
    DocumentExpiresSoon {
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        today: NaiveDate,
        months: u32,
    },
    /// The same name and date of birth (the value is the family name) is in another case.
    SamePersonInTwoCases {
        given_names: String,
        date_of_birth: String,
        other_case_no: String,
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        other_line: u64,
        other_individual_no: String,
    },
    /// An SSR code of the list (the value) that Waypoint's table does not have.
    UnknownSsrCode { code: String },
    /// The exit permit is DENIED without a reason.
    DeniedWithoutReason,
    /// A denial reason, but the permit is not DENIED (`None`: no permit status).
    DenialReasonWithoutDenial { status: Option<ExitPermitStatus> },
    /// A child (CH) born before the principal applicant or spouse on another line.
    ChildOlderThanParent {
        parent: Relationship,
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        parent_line: u64,
        parent_birth: String,
    },
    /// Marked URM (unaccompanied minor) but an adult by the date of birth.
    UrmIsAdult { date_of_birth: String },
    /// Marked URM but the case has an adult.
    UrmWithAdultInCase {
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        adult_line: u64,
        adult_birth: String,
    },
    /// Something is suspicious about a value the person's role may not see.
    NotShown,
}

impl Problem {
    /// The field the problem is about, if it is about one field.
    pub fn field(&self) -> Option<Field> {
        Field::from_column(&self.column)
    }

    /// What is wrong and what to do, naming the value, in English words a data clerk
    /// understands.
    pub fn message(&self) -> String {
        let column = self.column.as_str();
        let value = self.value.as_str();
        match &self.code {
            ProblemCode::InvalidValue(problem) => with_value(problem, value),
            ProblemCode::NotUtf8 => format!(
                "'{}' is not UTF-8 text: the file may have been saved in another encoding; save it again as \"CSV UTF-8\"",
                show(value, 60)
            ),
            ProblemCode::DuplicateIndividual { first_line } => format!(
                "individual_no {value} is already on line {first_line}: each individual must appear once in a file"
            ),
            ProblemCode::CaseValueDiffers {
                case_no,
                first_value,
                first_line,
            } => format!(
                "case {case_no} has {} here but {} on line {first_line}: every row of a case must have the same {column}",
                quoted_or_none(Some(value).filter(|v| !v.is_empty()), column),
                quoted_or_none(first_value.as_deref(), column),
            ),
            ProblemCode::QuoteNotClosedOnLine { next_quote_line } => unclosed_quote(
                column,
                &format!(
                    "that is not closed on its line, so lines {} to {next_quote_line} were read as one row (the next quote is on line {next_quote_line})",
                    self.line
                ),
            ),
            ProblemCode::QuoteNeverClosed { last_line } => unclosed_quote(
                column,
                &match last_line {
                    Some(last_line) => format!(
                        "that is never closed, so lines {} to {last_line} (the end of the file) were read as one value",
                        self.line
                    ),
                    None => "that is never closed".to_string(),
                },
            ),
            ProblemCode::TextAfterClosingQuote => format!(
                "{}: a quote (\") ends the quoted value but more text follows it. In a value between quotes, write each quote inside it twice, e.g. \"Jean \"\"JC\"\" Claude\"",
                show(value, 60)
            ),
            ProblemCode::WrongFieldCount {
                found,
                expected,
                ends_before,
            } => {
                let detail = match ends_before {
                    Some(missing) => format!("the row ends before the column {missing}"),
                    None => "it has more values than columns".to_string(),
                };
                format!(
                    "this row has {found} fields but the header has {expected}: {detail}. Check for a missing or extra comma, or a value with a comma that is not between quotes"
                )
            }
            ProblemCode::NotShown => format!("a value that is not valid {NOT_SHOWN}"),
        }
    }

    /// Forgets the value, and what the problem said of it, for a person who may not see it.
    pub fn hide(&mut self) {
        self.value.clear();
        self.code = ProblemCode::NotShown;
    }
}

impl Warning {
    pub fn field(&self) -> Option<Field> {
        Field::from_column(&self.column)
    }

    /// What is suspicious and what to check, in English.
    pub fn message(&self) -> String {
        let value = self.value.as_str();
        match &self.code {
            WarningCode::DocumentExpired { today } => format!(
                "the travel document expired on {value} (today is {today}): it cannot be used to travel"
            ),
            WarningCode::DocumentExpiresSoon { today, months } => format!(
                "the travel document expires on {value}, less than {months} months after today ({today}): most countries and airlines want {months} months of validity left on the travel date"
            ),
            WarningCode::SamePersonInTwoCases {
                given_names,
                date_of_birth,
                other_case_no,
                other_line,
                other_individual_no,
            } => format!(
                "{value} {given_names}, born {date_of_birth}, is also in case {other_case_no} (line {other_line}, individual_no {other_individual_no}): is this the same person in two cases?"
            ),
            WarningCode::UnknownSsrCode { code } => format!(
                "'{code}' is not an SSR code Waypoint knows: check the code with the airline or the medical team"
            ),
            WarningCode::DeniedWithoutReason => {
                "the exit permit is DENIED but exit_permit_denial_reason is empty: give the reason"
                    .to_string()
            }
            WarningCode::DenialReasonWithoutDenial { status } => match status {
                Some(status) => format!(
                    "there is an exit_permit_denial_reason but the exit permit is {status}, not DENIED: check which is right"
                ),
                None => "there is an exit_permit_denial_reason but no exit permit status: check whether the permit was DENIED".to_string(),
            },
            WarningCode::ChildOlderThanParent {
                parent,
                parent_line,
                parent_birth,
            } => {
                let who = match parent {
                    Relationship::Spouse => "spouse",
                    _ => "principal applicant",
                };
                format!(
                    "this child (CH), born {value}, is older than the {who} on line {parent_line}, born {parent_birth}: check the dates of birth and relationships"
                )
            }
            WarningCode::UrmIsAdult { date_of_birth } => format!(
                "URM (unaccompanied minor), but this person, born {date_of_birth}, is an adult: check the date of birth and the vulnerabilities"
            ),
            WarningCode::UrmWithAdultInCase {
                adult_line,
                adult_birth,
            } => format!(
                "URM (unaccompanied minor), but the case has an adult: line {adult_line}, born {adult_birth}: check the vulnerabilities and the case's members"
            ),
            WarningCode::NotShown => format!("a value to check {NOT_SHOWN}"),
        }
    }

    /// Forgets the value, and what the warning said of it, for a person who may not see it.
    pub fn hide(&mut self) {
        self.value.clear();
        self.code = WarningCode::NotShown;
    }
}

/// `LINE:COLUMN: message`; the caller puts the file name in front.
impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message())
    }
}

/// `LINE:COLUMN: message`; the caller puts the file name (and "warning") in front.
impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message())
    }
}

fn unclosed_quote(column: &str, to: &str) -> String {
    let what = if column.is_empty() {
        "a value".to_string()
    } else {
        format!("the value of {column}")
    };
    format!(
        "unclosed quote: {what} starts with a quote (\") {to}. Add the closing quote; a quote inside a value is written twice (\"\")"
    )
}

fn quoted_or_none(value: Option<&str>, column: &str) -> String {
    match value {
        Some(v) => format!("{column} '{v}'"),
        None => format!("no {column}"),
    }
}

/// The domain's message, with the value in front when the message does not quote it (the
/// value of a whole list, when the message quotes the one item that is wrong).
fn with_value(problem: &ValueProblem, value: &str) -> String {
    let value = value.trim();
    // A value kept shortened still starts like the one the message quotes.
    let quoted = problem.value().is_some_and(|q| {
        q == value
            || value
                .strip_suffix('…')
                .is_some_and(|start| q.len() > start.len() && q.starts_with(start))
    });
    if value.is_empty() || quoted {
        problem.to_string()
    } else {
        format!("'{}': {problem}", show(value, 60))
    }
}

/// A value as it may be shown in a message: control characters escaped, at most `max`
/// characters.
pub(crate) fn show(value: &str, max: usize) -> String {
    let mut out = String::new();
    for (n, c) in value.chars().enumerate() {
        if n == max {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
#[path = "codes_tests.rs"]
mod tests;
