//! The departure notice as CSV, for partners who load it into their own systems: one row per
//! traveller, the flight's departure in the airport's local time with its zone, whether they
//! departed and, if not, why; the travellers a correction changed marked. Columns in
//! docs/travel-bag-and-notice.md.

use std::collections::BTreeSet;

use waypoint_store::Store;

use super::{Notice, NoticeIssue};
use crate::booking::traveller_lines;
use crate::{AppError, SignedIn};

pub const COLUMNS: [&str; 21] = [
    "booking_ref",
    "record_locator",
    "version",
    "issued_at",
    "issued_by",
    "site",
    "flight",
    "from",
    "to",
    "departed_local",
    "departed_zone",
    "traveller",
    "case_no",
    "family_name",
    "given_names",
    "sex",
    "age",
    "departed",
    "reason",
    "reason_text",
    "changed",
];

/// The CSV of version `issue` of `notice`, with the names `who` may see.
pub fn notice_csv(
    store: &Store,
    who: &SignedIn,
    notice: &Notice,
    issue: &NoticeIssue,
) -> Result<Vec<u8>, AppError> {
    let io = |e: csv::Error| {
        AppError::invalid(format!(
            "the departure notice could not be written as CSV: {e}"
        ))
    };
    let b = &notice.booking;
    let names = traveller_lines(store, who.role, b)?;
    let changed: BTreeSet<&str> = issue.changes.iter().map(|c| c.individual_no()).collect();
    let first = b.segments.first();
    let local = first.map(|s| s.departs_local());
    let head = [
        b.booking_ref.to_string(),
        b.record_locator
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        issue.number.to_string(),
        issue.at.format("%Y-%m-%dT%H:%MZ").to_string(),
        issue.issued_by.clone(),
        issue.site.clone(),
        first.map_or(String::new(), |s| format!("{}{}", s.carrier, s.flight_no)),
        first.map_or(String::new(), |s| s.from.to_string()),
        first.map_or(String::new(), |s| s.to.to_string()),
        local
            .as_ref()
            .map_or(String::new(), |l| l.at.format("%Y-%m-%dT%H:%M").to_string()),
        local
            .as_ref()
            .map_or(String::new(), |l| l.zone.name().to_owned()),
    ];
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(COLUMNS).map_err(io)?;
    let d = &issue.departures;
    let rows = d
        .departed
        .iter()
        .map(|n| (n, None))
        .chain(d.not_departed.iter().map(|n| (&n.individual_no, Some(n))));
    for (no, not) in rows {
        let line = names.iter().find(|l| &l.individual_no == no);
        let case_no = b
            .traveller(no)
            .map(|t| t.case_no.clone())
            .unwrap_or_default();
        let row = head.iter().cloned().chain([
            no.clone(),
            case_no,
            line.map(|l| l.family_name.clone()).unwrap_or_default(),
            line.map(|l| l.given_names.clone()).unwrap_or_default(),
            line.map(|l| l.sex.clone()).unwrap_or_default(),
            line.and_then(|l| l.age)
                .map(|a| a.to_string())
                .unwrap_or_default(),
            if not.is_none() { "yes" } else { "no" }.to_owned(),
            not.map(|n| n.reason.to_string()).unwrap_or_default(),
            not.map(|n| n.text.clone()).unwrap_or_default(),
            if changed.contains(no.as_str()) {
                "yes"
            } else {
                ""
            }
            .to_owned(),
        ]);
        w.write_record(row).map_err(io)?;
    }
    w.into_inner().map_err(|e| {
        AppError::invalid(format!(
            "the departure notice could not be written as CSV: {e}"
        ))
    })
}
