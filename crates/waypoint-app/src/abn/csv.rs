//! The ABN as CSV, for partners who load it into their own systems: one row per traveller
//! (or escort) per segment, times in each airport's local time with its zone, the travellers
//! an update changed marked. Columns in docs/bookings.md.

use waypoint_domain::changed_travellers;
use waypoint_store::Store;

use super::AbnIssue;
use crate::booking::traveller_lines;
use crate::{AppError, SignedIn};

pub const COLUMNS: [&str; 29] = [
    "abn_no",
    "version",
    "kind",
    "booking_ref",
    "record_locator",
    "status",
    "replaces",
    "segment",
    "carrier",
    "flight_no",
    "from",
    "to",
    "departs_local",
    "departs_zone",
    "arrives_local",
    "arrives_zone",
    "traveller",
    "case_no",
    "family_name",
    "given_names",
    "native_name",
    "sex",
    "age",
    "nationality",
    "escort_type",
    "escort_organisation",
    "escort_contact",
    "ssr_codes",
    "changed",
];

/// The CSV of version `issue`, with the names `who` may see.
pub fn abn_csv(store: &Store, who: &SignedIn, issue: &AbnIssue) -> Result<Vec<u8>, AppError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| AppError::invalid(format!("the ABN could not be written as CSV: {e}"));
    w.write_record(COLUMNS).map_err(io)?;
    let changed = changed_travellers(&issue.changes, &issue.bookings);
    for b in &issue.bookings {
        let names = traveller_lines(store, who.role, b)?;
        for (i, s) in b.segments.iter().enumerate() {
            let (dep, arr) = (s.departs_local(), s.arrives_local());
            let head = [
                issue.abn_no.clone(),
                issue.number.to_string(),
                issue.kind.to_string(),
                b.booking_ref.to_string(),
                b.record_locator
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                b.status.to_string(),
                b.replaces
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                (i + 1).to_string(),
                s.carrier.to_string(),
                s.flight_no.to_string(),
                s.from.to_string(),
                s.to.to_string(),
                dep.at.format("%Y-%m-%dT%H:%M").to_string(),
                dep.zone.name().to_owned(),
                arr.at.format("%Y-%m-%dT%H:%M").to_string(),
                arr.zone.name().to_owned(),
            ];
            for t in &b.travellers {
                let line = names.iter().find(|l| l.individual_no == t.individual_no);
                let codes: Vec<&str> = t
                    .ssr
                    .get(i)
                    .map_or(Vec::new(), |c| c.iter().map(|c| c.as_str()).collect());
                let row = head.iter().cloned().chain([
                    t.individual_no.clone(),
                    t.case_no.clone(),
                    line.map(|l| l.family_name.clone()).unwrap_or_default(),
                    line.map(|l| l.given_names.clone()).unwrap_or_default(),
                    line.and_then(|l| l.native_name.clone()).unwrap_or_default(),
                    line.map(|l| l.sex.clone()).unwrap_or_default(),
                    line.and_then(|l| l.age)
                        .map(|a| a.to_string())
                        .unwrap_or_default(),
                    line.map(|l| l.nationality.clone()).unwrap_or_default(),
                    String::new(),
                    String::new(),
                    String::new(),
                    codes.join(";"),
                    if changed.contains(t.individual_no.as_str()) {
                        "yes"
                    } else {
                        ""
                    }
                    .to_owned(),
                ]);
                w.write_record(row).map_err(io)?;
            }
            for e in &b.escorts {
                let row = head.iter().cloned().chain([
                    format!("ESCORT:{}", e.name),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    e.kind.to_string(),
                    e.organisation.clone().unwrap_or_default(),
                    e.contact.clone().unwrap_or_default(),
                    String::new(),
                    String::new(),
                ]);
                w.write_record(row).map_err(io)?;
            }
        }
    }
    w.into_inner()
        .map_err(|e| AppError::invalid(format!("the ABN could not be written as CSV: {e}")))
}
