//! Warnings: data that is valid but suspicious.

use std::collections::HashMap;

use chrono::{Months, NaiveDate};
use waypoint_domain::{
    ExitPermitStatus, Field, PartialDate, Relationship, Vulnerability, ssr_info,
};

use crate::{Entry, Warning};

/// Documents must usually be valid this long after travel; travel is rarely sooner than today.
const VALIDITY_MONTHS: u32 = 6;

/// An individual is an adult from this age.
const ADULT_AGE: u32 = 18;

pub(crate) fn warnings(entries: &[Entry], today: NaiveDate) -> Vec<Warning> {
    let mut out = Vec::new();
    for e in entries {
        document_expiry(e, today, &mut out);
        unknown_ssr_codes(e, &mut out);
        exit_permit(e, &mut out);
    }
    let mut cases: HashMap<&str, Vec<Member<'_>>> = HashMap::new();
    for e in entries {
        if let Some(case_no) = e.record.get(Field::CaseNo) {
            cases.entry(case_no).or_default().push(Member::new(e));
        }
    }
    for members in cases.values() {
        child_older_than_parent(members, &mut out);
        urm_with_adult(members, today, &mut out);
    }
    same_person_in_two_cases(entries, &mut out);
    out
}

fn warn(out: &mut Vec<Warning>, line: u64, field: Field, value: &str, message: String) {
    out.push(Warning {
        line,
        column: field.column().to_string(),
        value: value.to_string(),
        message,
    });
}

fn document_expiry(e: &Entry, today: NaiveDate, out: &mut Vec<Warning>) {
    let Some(value) = e.record.get(Field::DocumentExpiry) else {
        return;
    };
    let Ok(PartialDate::Full(expiry)) = PartialDate::parse(value) else {
        return;
    };
    let limit = today
        .checked_add_months(Months::new(VALIDITY_MONTHS))
        .unwrap_or(NaiveDate::MAX);
    let message = if expiry < today {
        format!(
            "the travel document expired on {value} (today is {today}): it cannot be used to travel"
        )
    } else if expiry < limit {
        format!(
            "the travel document expires on {value}, less than {VALIDITY_MONTHS} months after today ({today}): most countries and airlines want {VALIDITY_MONTHS} months of validity left on the travel date"
        )
    } else {
        return;
    };
    warn(out, e.line, Field::DocumentExpiry, value, message);
}

fn unknown_ssr_codes(e: &Entry, out: &mut Vec<Warning>) {
    let Some(value) = e.record.get(Field::SsrCodes) else {
        return;
    };
    for code in value.split(';').filter(|c| !c.is_empty()) {
        if ssr_info(code).is_none() {
            let message = format!(
                "'{code}' is not an SSR code Waypoint knows: check the code with the airline or the medical team"
            );
            warn(out, e.line, Field::SsrCodes, value, message);
        }
    }
}

fn exit_permit(e: &Entry, out: &mut Vec<Warning>) {
    let status = e.record.get(Field::ExitPermit);
    let denied = status == Some(ExitPermitStatus::Denied.code());
    let reason = e.record.get(Field::ExitPermitDenialReason);
    match (status, reason) {
        (Some(status), None) if denied => warn(
            out,
            e.line,
            Field::ExitPermit,
            status,
            "the exit permit is DENIED but exit_permit_denial_reason is empty: give the reason"
                .to_string(),
        ),
        (_, Some(reason)) if !denied => {
            let message = match status {
                Some(status) => format!(
                    "there is an exit_permit_denial_reason but the exit permit is {status}, not DENIED: check which is right"
                ),
                None => "there is an exit_permit_denial_reason but no exit permit status: check whether the permit was DENIED".to_string(),
            };
            warn(out, e.line, Field::ExitPermitDenialReason, reason, message);
        }
        _ => {}
    }
}

/// What the case checks need of one row.
struct Member<'a> {
    entry: &'a Entry,
    relationship: Option<Relationship>,
    birth: Option<PartialDate>,
}

impl<'a> Member<'a> {
    fn new(entry: &'a Entry) -> Self {
        let get = |f: Field| entry.record.get(f);
        Self {
            entry,
            relationship: get(Field::Relationship).and_then(|r| Relationship::parse(r).ok()),
            birth: get(Field::DateOfBirth).and_then(|d| PartialDate::parse(d).ok()),
        }
    }

    fn birth_text(&self) -> &str {
        self.entry.record.get(Field::DateOfBirth).unwrap_or("")
    }

    fn is_certainly_adult(&self, today: NaiveDate) -> bool {
        self.birth
            .and_then(|b| b.age_on(today))
            .is_some_and(|age| age.min >= ADULT_AGE)
    }
}

fn child_older_than_parent(members: &[Member<'_>], out: &mut Vec<Warning>) {
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
            let who = match parent.relationship {
                Some(Relationship::Spouse) => "spouse",
                _ => "principal applicant",
            };
            let message = format!(
                "this child (CH), born {}, is older than the {who} on line {}, born {}: check the dates of birth and relationships",
                child.birth_text(),
                parent.entry.line,
                parent.birth_text()
            );
            warn(
                out,
                child.entry.line,
                Field::DateOfBirth,
                child.birth_text(),
                message,
            );
        }
    }
}

fn urm_with_adult(members: &[Member<'_>], today: NaiveDate, out: &mut Vec<Warning>) {
    let urm = Vulnerability::UnaccompaniedMinor.code();
    for m in members.iter().filter(|m| {
        m.entry
            .record
            .get(Field::Vulnerabilities)
            .is_some_and(|v| v.split(';').any(|c| c == urm))
    }) {
        let message = if m.is_certainly_adult(today) {
            format!(
                "URM (unaccompanied minor), but this person, born {}, is an adult: check the date of birth and the vulnerabilities",
                m.birth_text()
            )
        } else if let Some(adult) = members
            .iter()
            .find(|a| !std::ptr::eq(*a, m) && a.is_certainly_adult(today))
        {
            format!(
                "URM (unaccompanied minor), but the case has an adult: line {}, born {}: check the vulnerabilities and the case's members",
                adult.entry.line,
                adult.birth_text()
            )
        } else {
            continue;
        };
        let value = m.entry.record.get(Field::Vulnerabilities).unwrap_or("");
        warn(out, m.entry.line, Field::Vulnerabilities, value, message);
    }
}

fn same_person_in_two_cases(entries: &[Entry], out: &mut Vec<Warning>) {
    // (family name, given names, date of birth) folded → the first row with it.
    let mut first: HashMap<(String, String, &str), &Entry> = HashMap::new();
    for e in entries {
        let r = &e.record;
        let (Some(family), Some(given), Some(birth), Some(case_no)) = (
            r.get(Field::FamilyName),
            r.get(Field::GivenNames),
            r.get(Field::DateOfBirth),
            r.get(Field::CaseNo),
        ) else {
            continue;
        };
        if PartialDate::parse(birth) == Ok(PartialDate::Unknown) {
            continue;
        }
        let key = (family.to_lowercase(), given.to_lowercase(), birth);
        let earlier = *first.entry(key).or_insert(e);
        let earlier_case = earlier.record.case_no();
        if earlier_case != case_no {
            let message = format!(
                "{family} {given}, born {birth}, is also in case {earlier_case} (line {}, individual_no {}): is this the same person in two cases?",
                earlier.line,
                earlier.record.individual_no()
            );
            warn(out, e.line, Field::FamilyName, family, message);
        }
    }
}
