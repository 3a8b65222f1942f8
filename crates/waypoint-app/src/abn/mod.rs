//! The ABN (Advance Booking Notification): the notice of the bookings under one ABN number.
//! Issuing records a new version when something changed since the last one (an update with
//! the changes marked, or the cancellation once no booking is left), else the last version
//! stands. See [docs/bookings.md](../../../docs/bookings.md).

mod csv;
#[cfg(feature = "pdf")]
mod pdf;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;
use waypoint_domain::{
    AbnChange, AbnVersion, AbnVersionKind, Action, Booking, BookingStatus, FieldEvent, Role,
    abn_changes,
};
use waypoint_store::Store;

use crate::lookup::number;
use crate::{AppError, Context, SignedIn};

pub use self::csv::{COLUMNS as CSV_COLUMNS, abn_csv};
#[cfg(feature = "pdf")]
pub use self::pdf::abn_pdf;
#[cfg(feature = "pdf")]
pub use waypoint_print::Paper;

/// One version of an ABN, its parts for every case put together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbnIssue {
    pub abn_no: String,
    pub number: u32,
    pub kind: AbnVersionKind,
    pub issued_by: String,
    pub site: String,
    pub at: DateTime<Utc>,
    /// The bookings as notified, by reference.
    pub bookings: Vec<Booking>,
    /// What changed since the version before (empty for the first).
    pub changes: Vec<AbnChange>,
}

/// An ABN: its versions and whether the bookings changed since the last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Abn {
    pub abn_no: String,
    /// Oldest first.
    pub versions: Vec<AbnIssue>,
    /// The bookings notified under the number now.
    pub current: Vec<Booking>,
    /// What a new version would say changed (empty: the last version is up to date).
    pub pending: Vec<AbnChange>,
}

impl Abn {
    pub fn last(&self) -> Option<&AbnIssue> {
        self.versions.last()
    }
}

/// The bookings notified under `abn_no` now: those that carry the number, are not cancelled,
/// and are not replaced by a rebooking (a replaced booking stays out even if its rebooking
/// is cancelled later: the airline was told).
fn current_bookings(store: &Store, abn_no: &str) -> Result<Vec<Booking>, AppError> {
    let mut current = Vec::new();
    for b in store.bookings_of_abn(abn_no)? {
        if b.status != BookingStatus::Cancelled
            && store.bookings_replacing(&b.booking_ref)?.is_empty()
        {
            current.push(b);
        }
    }
    Ok(current)
}

/// The versions from their per-case parts: grouped by issue, the bookings of the parts merged.
fn issues(parts: Vec<AbnVersion>) -> Vec<AbnIssue> {
    let mut by_issue: BTreeMap<(DateTime<Utc>, Uuid), Vec<AbnVersion>> = BTreeMap::new();
    for p in parts {
        by_issue.entry((p.at, p.issue)).or_default().push(p);
    }
    let mut out: Vec<AbnIssue> = Vec::new();
    for parts in by_issue.into_values() {
        let first = &parts[0];
        let mut bookings: BTreeMap<String, Booking> = BTreeMap::new();
        for b in parts.iter().flat_map(|p| &p.bookings) {
            match bookings.get_mut(b.booking_ref.as_str()) {
                Some(merged) => {
                    merged.travellers.extend(b.travellers.iter().cloned());
                    merged.escorts.extend(b.escorts.iter().cloned());
                }
                None => {
                    bookings.insert(b.booking_ref.to_string(), b.clone());
                }
            }
        }
        let bookings: Vec<Booking> = bookings.into_values().collect();
        let changes = match out.last() {
            Some(before) => abn_changes(&before.bookings, &bookings),
            None => Vec::new(),
        };
        out.push(AbnIssue {
            abn_no: first.abn_no.clone(),
            number: first.number,
            kind: first.kind,
            issued_by: first.issued_by.clone(),
            site: first.site.clone(),
            at: first.at,
            bookings,
            changes,
        });
    }
    out
}

/// ABN `abn_no` as `role` may see it.
pub fn show(store: &Store, role: Role, abn_no: &str) -> Result<Abn, AppError> {
    let abn_no = number(abn_no);
    let mut current = current_bookings(store, &abn_no)?;
    let mut versions = issues(store.abn_versions(&abn_no)?);
    if current.is_empty() && versions.is_empty() {
        return Err(AppError::UnknownAbn(abn_no));
    }
    let pending = match versions.last() {
        Some(last) => abn_changes(&last.bookings, &current),
        None => abn_changes(&[], &current),
    };
    for b in current
        .iter_mut()
        .chain(versions.iter_mut().flat_map(|v| v.bookings.iter_mut()))
    {
        waypoint_store::roles::redact_booking(role, b);
    }
    Ok(Abn {
        abn_no,
        versions,
        current,
        pending,
    })
}

/// Issues ABN `abn_no` if something changed since its last version: the first issue, an
/// update, or the cancellation when no booking is left under it. Returns the ABN with its
/// last version, new or not.
pub fn issue(
    store: &mut Store,
    who: &SignedIn,
    ctx: &Context,
    abn_no: &str,
) -> Result<Abn, AppError> {
    store.require(who.role, Action::IssueAbn)?;
    let abn = show(store, Role::Supervisor, abn_no)?;
    let last = abn.last();
    let kind = match last {
        None => AbnVersionKind::Issued,
        Some(_) if abn.current.is_empty() => AbnVersionKind::Cancelled,
        Some(_) => AbnVersionKind::Updated,
    };
    let up_to_date = match last {
        None => abn.current.is_empty(),
        Some(l) if abn.current.is_empty() => l.kind == AbnVersionKind::Cancelled,
        Some(l) => abn.pending.is_empty() && l.kind != AbnVersionKind::Cancelled,
    };
    if up_to_date {
        return show(store, who.role, abn_no);
    }
    // The cancellation notifies the bookings of the last version, marked as withdrawn.
    let notified: Vec<Booking> = match (kind, last) {
        (AbnVersionKind::Cancelled, Some(l)) => l.bookings.clone(),
        _ => abn.current.clone(),
    };
    let number = abn.versions.iter().map(|v| v.number).max().unwrap_or(0) + 1;
    let issue_id = Uuid::now_v7();
    let mut cases: BTreeMap<&str, Vec<Booking>> = BTreeMap::new();
    for b in &notified {
        for case_no in b.case_nos() {
            let mut part = b.clone();
            part.travellers.retain(|t| t.case_no == case_no);
            let theirs = |n: &String| b.traveller(n).is_some_and(|t| t.case_no == case_no);
            part.escorts
                .retain(|e| e.accompanies.first().is_some_and(theirs));
            cases.entry(case_no).or_default().push(part);
        }
    }
    let mut events = Vec::new();
    for (case_no, bookings) in cases {
        let case = store
            .case_as(Role::Administrator, case_no)?
            .ok_or_else(|| AppError::UnknownCase(case_no.to_owned()))?;
        events.push(FieldEvent::AbnVersion(AbnVersion {
            id: Uuid::now_v7(),
            issue: issue_id,
            abn_no: abn.abn_no.clone(),
            number,
            kind,
            case_no: case_no.to_owned(),
            bookings,
            site: ctx.site_for(&case.case.site),
            issued_by: who.name.clone(),
            at: ctx.now,
        }));
    }
    store.record_events(&events)?;
    show(store, who.role, abn_no)
}
#[cfg(test)]
mod tests;
