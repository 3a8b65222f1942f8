//! Warnings: data that is valid but suspicious.
//!
//! They are found as the rows are read, so that a row need not be kept once it is handed on:
//! the checks of one row are made at once, and of each row only what the checks across rows
//! need (a few codes and dates per case member, the first row of each name and birth date) is
//! kept until the end of the file.

use std::collections::HashMap;
use std::collections::hash_map::Entry as MapEntry;

use chrono::{Months, NaiveDate};
use waypoint_domain::{
    ExitPermitStatus, Field, PartialDate, Record, Relationship, Vulnerability, ssr_info,
};

use crate::{Warning, WarningCode};

/// Documents must usually be valid this long after travel; travel is rarely sooner than today.
const VALIDITY_MONTHS: u32 = 6;

/// An individual is an adult from this age.
const ADULT_AGE: u32 = 18;

/// The warnings of a file, gathered row by row.
pub(crate) struct Checks {
    today: NaiveDate,
    out: Vec<Warning>,
    /// (family name, given names) folded, and the date of birth, as one key: names hold no
    /// control characters, so the separator cannot occur in them → the first row with it.
    first_person: HashMap<String, FirstRow>,
    /// The case and individual numbers of the rows in `first_person`, one after the other.
    numbers: String,
}

/// Where a person (by name and date of birth) was first seen: the line, and where its case
/// number and individual number are in [`Checks::numbers`].
struct FirstRow {
    line: u64,
    case_no: std::ops::Range<usize>,
    individual_no: std::ops::Range<usize>,
}

/// What the checks across one case's rows need of one row.
pub(crate) struct Member {
    line: u64,
    relationship: Option<Relationship>,
    birth: Option<PartialDate>,
    /// The vulnerabilities, when they include URM (unaccompanied minor).
    urm: Option<String>,
}

impl Member {
    pub(crate) fn new(line: u64, record: &Record) -> Self {
        let urm_code = Vulnerability::UnaccompaniedMinor.code();
        Self {
            line,
            // The record holds a relationship's code exactly.
            relationship: record
                .get(Field::Relationship)
                .and_then(|r| Relationship::ALL.iter().copied().find(|v| v.code() == r)),
            birth: record
                .get(Field::DateOfBirth)
                .and_then(|d| PartialDate::parse(d).ok()),
            urm: record
                .get(Field::Vulnerabilities)
                .filter(|v| v.split(';').any(|c| c == urm_code))
                .map(str::to_string),
        }
    }

    /// The date of birth as stored: its canonical text (only asked for when it parsed).
    fn birth_text(&self) -> String {
        self.birth.map(|b| b.to_canonical()).unwrap_or_default()
    }

    fn is_certainly_adult(&self, today: NaiveDate) -> bool {
        self.birth
            .and_then(|b| b.age_on(today))
            .is_some_and(|age| age.min >= ADULT_AGE)
    }
}

impl Checks {
    /// `rows`: about how many rows the file has (the maps are sized for it).
    pub(crate) fn new(today: NaiveDate, rows: usize) -> Self {
        Self {
            today,
            out: Vec::new(),
            first_person: HashMap::with_capacity(rows),
            numbers: String::new(),
        }
    }

    /// The checks of one row (good or bad: `record` holds the values that normalized), and of
    /// the row against the rows before it.
    pub(crate) fn row(&mut self, line: u64, record: &Record) {
        document_expiry(line, record, self.today, &mut self.out);
        unknown_ssr_codes(line, record, &mut self.out);
        exit_permit(line, record, &mut self.out);
        self.same_person_in_two_cases(line, record);
    }

    /// The checks that need whole cases, once every row is read; then every warning, in the
    /// order they were found (the caller sorts them).
    pub(crate) fn finish<'a>(mut self, cases: impl Iterator<Item = &'a [Member]>) -> Vec<Warning> {
        for members in cases {
            child_older_than_parent(members, &mut self.out);
            urm_with_adult(members, self.today, &mut self.out);
        }
        self.out
    }

    fn same_person_in_two_cases(&mut self, line: u64, r: &Record) {
        let (Some(family), Some(given), Some(birth), Some(case_no)) = (
            r.get(Field::FamilyName),
            r.get(Field::GivenNames),
            r.get(Field::DateOfBirth),
            r.get(Field::CaseNo),
        ) else {
            return;
        };
        if PartialDate::parse(birth) == Ok(PartialDate::Unknown) {
            return;
        }
        let mut key = String::with_capacity(family.len() + given.len() + birth.len() + 2);
        push_lowercase(&mut key, family);
        key.push('\0');
        push_lowercase(&mut key, given);
        key.push('\0');
        key.push_str(birth);
        match self.first_person.entry(key) {
            MapEntry::Vacant(v) => {
                let start = self.numbers.len();
                self.numbers.push_str(case_no);
                let middle = self.numbers.len();
                self.numbers.push_str(r.individual_no());
                v.insert(FirstRow {
                    line,
                    case_no: start..middle,
                    individual_no: middle..self.numbers.len(),
                });
            }
            MapEntry::Occupied(o) => {
                let earlier = o.get();
                let earlier_case = self.numbers.get(earlier.case_no.clone()).unwrap_or("");
                if earlier_case != case_no {
                    let code = WarningCode::SamePersonInTwoCases {
                        given_names: given.to_string(),
                        date_of_birth: birth.to_string(),
                        other_case_no: earlier_case.to_string(),
                        other_line: earlier.line,
                        other_individual_no: self
                            .numbers
                            .get(earlier.individual_no.clone())
                            .unwrap_or("")
                            .to_string(),
                    };
                    warn(&mut self.out, line, Field::FamilyName, family, code);
                }
            }
        }
    }
}

/// Appends `s` lower-cased, exactly as `str::to_lowercase` makes it, without making a string
/// of its own.
fn push_lowercase(out: &mut String, s: &str) {
    if s.is_ascii() {
        let start = out.len();
        out.push_str(s);
        if let Some(added) = out.get_mut(start..) {
            added.make_ascii_lowercase();
        }
    } else if s.contains('Σ') {
        // The one letter whose lower case depends on its place in the word (σ or ς).
        out.push_str(&s.to_lowercase());
    } else {
        out.extend(s.chars().flat_map(char::to_lowercase));
    }
}

fn warn(out: &mut Vec<Warning>, line: u64, field: Field, value: &str, code: WarningCode) {
    out.push(Warning {
        line,
        column: field.column().to_string(),
        value: value.to_string(),
        code,
    });
}

fn document_expiry(line: u64, r: &Record, today: NaiveDate, out: &mut Vec<Warning>) {
    let Some(value) = r.get(Field::DocumentExpiry) else {
        return;
    };
    let Ok(PartialDate::Full(expiry)) = PartialDate::parse(value) else {
        return;
    };
    let limit = today
        .checked_add_months(Months::new(VALIDITY_MONTHS))
        .unwrap_or(NaiveDate::MAX);
    let code = if expiry < today {
        WarningCode::DocumentExpired { today }
    } else if expiry < limit {
        WarningCode::DocumentExpiresSoon {
            today,
            months: VALIDITY_MONTHS,
        }
    } else {
        return;
    };
    warn(out, line, Field::DocumentExpiry, value, code);
}

fn unknown_ssr_codes(line: u64, r: &Record, out: &mut Vec<Warning>) {
    let Some(value) = r.get(Field::SsrCodes) else {
        return;
    };
    for code in value.split(';').filter(|c| !c.is_empty()) {
        if ssr_info(code).is_none() {
            let code = WarningCode::UnknownSsrCode {
                code: code.to_string(),
            };
            warn(out, line, Field::SsrCodes, value, code);
        }
    }
}

fn exit_permit(line: u64, r: &Record, out: &mut Vec<Warning>) {
    let status = r.get(Field::ExitPermit);
    let denied = status == Some(ExitPermitStatus::Denied.code());
    let reason = r.get(Field::ExitPermitDenialReason);
    match (status, reason) {
        (Some(status), None) if denied => warn(
            out,
            line,
            Field::ExitPermit,
            status,
            WarningCode::DeniedWithoutReason,
        ),
        (_, Some(reason)) if !denied => {
            let code = WarningCode::DenialReasonWithoutDenial {
                // The record holds a status's code exactly.
                status: status.and_then(|s| ExitPermitStatus::parse(s).ok()),
            };
            warn(out, line, Field::ExitPermitDenialReason, reason, code);
        }
        _ => {}
    }
}

fn child_older_than_parent(members: &[Member], out: &mut Vec<Warning>) {
    let parents = members.iter().filter(|m| {
        matches!(
            m.relationship,
            Some(Relationship::PrincipalApplicant | Relationship::Spouse)
        )
    });
    for child in members
        .iter()
        .filter(|m| m.relationship == Some(Relationship::Child))
    {
        let Some(child_latest) = child.birth.and_then(|b| b.latest()) else {
            continue;
        };
        // Certainly older: born before the earliest day the parent can have been born.
        let older_than = parents.clone().find(|p| {
            p.birth
                .and_then(|b| b.earliest())
                .is_some_and(|parent_earliest| child_latest < parent_earliest)
        });
        if let Some(parent) = older_than {
            let code = WarningCode::ChildOlderThanParent {
                parent: parent
                    .relationship
                    .unwrap_or(Relationship::PrincipalApplicant),
                parent_line: parent.line,
                parent_birth: parent.birth_text(),
            };
            warn(
                out,
                child.line,
                Field::DateOfBirth,
                &child.birth_text(),
                code,
            );
        }
    }
}

fn urm_with_adult(members: &[Member], today: NaiveDate, out: &mut Vec<Warning>) {
    for (i, m) in members.iter().enumerate() {
        let Some(value) = &m.urm else {
            continue;
        };
        let code = if m.is_certainly_adult(today) {
            WarningCode::UrmIsAdult {
                date_of_birth: m.birth_text(),
            }
        } else if let Some(adult) = members
            .iter()
            .enumerate()
            .find(|(j, a)| *j != i && a.is_certainly_adult(today))
            .map(|(_, a)| a)
        {
            WarningCode::UrmWithAdultInCase {
                adult_line: adult.line,
                adult_birth: adult.birth_text(),
            }
        } else {
            continue;
        };
        warn(out, m.line, Field::Vulnerabilities, value, code);
    }
}

#[cfg(test)]
mod tests {
    use super::push_lowercase;

    #[test]
    fn lower_case_is_the_standard_librarys() {
        for s in [
            "",
            "MULLER",
            "Müller",
            "NGUYỄN Văn",
            "ΟΔΥΣΣΕΥΣ",
            "Σίσυφος ΣΑΣ",
            "İSTANBUL",
            "STRAẞE",
            "محمد",
            "ǅemal ǈuba",
            "Ⅻ Ⅸ",
            "BÄXI Motë Saçe ŠÍĞA",
        ] {
            let mut out = String::from("x\0");
            push_lowercase(&mut out, s);
            assert_eq!(out, format!("x\0{}", s.to_lowercase()), "{s}");
        }
    }
}
