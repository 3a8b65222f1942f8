//! The departure notification of a booking: once its flight has left, who of its travellers
//! departed and who did not (and why), for the stakeholders the ABN went to. Notifying records
//! a new version when it says something other than the last one (the changes are marked),
//! else the last version stands; the journey takes the latest version's departed travellers as
//! departed. See docs/travel-bag-and-notice.md.

mod csv;
#[cfg(feature = "pdf")]
mod pdf;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;
use waypoint_domain::{
    Action, Booking, BookingStatus, DepartureNoticeVersion, FieldEvent, Role, notice_changes,
};
pub use waypoint_domain::{Departures, NotDeparted, NotDepartedReason, NoticeChange};
use waypoint_store::Store;

use crate::lookup::number;
use crate::{AppError, Context, SignedIn};

pub use self::csv::{COLUMNS as CSV_COLUMNS, notice_csv};
#[cfg(feature = "pdf")]
pub use self::pdf::notice_pdf;

/// One version of a booking's notice, its parts for every case put together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeIssue {
    pub number: u32,
    pub issued_by: String,
    pub site: String,
    pub at: DateTime<Utc>,
    pub flight_left_at: DateTime<Utc>,
    /// Every case's travellers, in number order.
    pub departures: Departures,
    /// What changed since the version before (empty for the first).
    pub changes: Vec<NoticeChange>,
}

/// A booking's departure notice: the booking as it stands and every version, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub booking: Booking,
    pub versions: Vec<NoticeIssue>,
}

impl Notice {
    pub fn last(&self) -> Option<&NoticeIssue> {
        self.versions.last()
    }
}

/// The versions from their per-case parts: grouped by issue, the travellers merged.
fn issues(parts: Vec<DepartureNoticeVersion>) -> Vec<NoticeIssue> {
    let mut by_issue: BTreeMap<(u32, DateTime<Utc>, Uuid), Vec<DepartureNoticeVersion>> =
        BTreeMap::new();
    for p in parts {
        by_issue
            .entry((p.number, p.at, p.issue))
            .or_default()
            .push(p);
    }
    let mut out: Vec<NoticeIssue> = Vec::new();
    for parts in by_issue.into_values() {
        let first = &parts[0];
        let mut departures = Departures::default();
        for p in &parts {
            departures
                .departed
                .extend(p.departures.departed.iter().cloned());
            departures
                .not_departed
                .extend(p.departures.not_departed.iter().cloned());
        }
        let departures = departures.sorted();
        let changes = match out.last() {
            Some(before) => notice_changes(&before.departures, &departures),
            None => Vec::new(),
        };
        out.push(NoticeIssue {
            number: first.number,
            issued_by: first.issued_by.clone(),
            site: first.site.clone(),
            at: first.at,
            flight_left_at: first.flight_left_at,
            departures,
            changes,
        });
    }
    out
}

/// Booking `booking_ref`'s departure notice as `role` may see it (a version names numbers
/// and reasons only; the booking's SSR codes are left out for a role that may not see them).
pub fn show(store: &Store, role: Role, booking_ref: &str) -> Result<Notice, AppError> {
    let mut booking = crate::booking::stored(store, booking_ref)?;
    let versions = issues(store.departure_notices(&booking.booking_ref)?);
    waypoint_store::roles::redact_booking(role, &mut booking);
    Ok(Notice { booking, versions })
}

/// Notifies who of booking `booking_ref`'s travellers departed and who did not, as `who`.
/// Every traveller of the booking is named once; the flight must have left and the booking
/// must stand (confirmed or ticketed). A notice that says what the last version said records
/// nothing. Gives the notice with its last version.
pub fn notify(
    store: &mut Store,
    who: &SignedIn,
    ctx: &Context,
    booking_ref: &str,
    departures: &Departures,
) -> Result<Notice, AppError> {
    store.require(who.role, Action::NotifyDeparture)?;
    let notice = show(store, Role::Supervisor, booking_ref)?;
    let booking = &notice.booking;
    if !matches!(
        booking.status,
        BookingStatus::Confirmed | BookingStatus::Ticketed
    ) {
        return Err(AppError::invalid(format!(
            "booking {} is {}: only a confirmed or ticketed booking's travellers depart",
            booking.booking_ref, booking.status
        )));
    }
    let left_at = booking.departs().ok_or_else(|| {
        AppError::invalid(format!("booking {} has no flight", booking.booking_ref))
    })?;
    if left_at > ctx.now {
        return Err(AppError::invalid(format!(
            "the flight of booking {} leaves at {}: a departure notice is issued once it has left",
            booking.booking_ref,
            left_at.format("%Y-%m-%d %H:%M UTC")
        )));
    }
    let departures = Departures {
        departed: departures.departed.iter().map(|n| number(n)).collect(),
        not_departed: departures
            .not_departed
            .iter()
            .map(|n| NotDeparted {
                individual_no: number(&n.individual_no),
                reason: n.reason,
                text: n.text.trim().to_string(),
            })
            .collect(),
    }
    .sorted();
    departures
        .check()
        .map_err(|e| AppError::invalid(e.to_string()))?;
    let named = departures.travellers();
    if let Some(stranger) = named.iter().find(|n| booking.traveller(n).is_none()) {
        return Err(AppError::NotOnBooking {
            booking_ref: booking.booking_ref.to_string(),
            individual_no: (*stranger).to_owned(),
        });
    }
    let unnamed: Vec<&str> = booking
        .travellers
        .iter()
        .map(|t| t.individual_no.as_str())
        .filter(|n| !named.contains(n))
        .collect();
    if !unnamed.is_empty() {
        return Err(AppError::invalid(format!(
            "say whether {} departed: a departure notice names every traveller of booking {}",
            unnamed.join(", "),
            booking.booking_ref
        )));
    }
    if notice.last().is_some_and(|l| l.departures == departures) {
        return show(store, who.role, booking_ref);
    }
    let number = notice.last().map_or(0, |l| l.number) + 1;
    let issue = Uuid::now_v7();
    let mut events = Vec::new();
    for case_no in booking.case_nos() {
        let theirs = |n: &str| booking.traveller(n).is_some_and(|t| t.case_no == case_no);
        let part = Departures {
            departed: departures
                .departed
                .iter()
                .filter(|n| theirs(n.as_str()))
                .cloned()
                .collect(),
            not_departed: departures
                .not_departed
                .iter()
                .filter(|n| theirs(n.individual_no.as_str()))
                .cloned()
                .collect(),
        };
        let case = store
            .case_as(Role::Administrator, case_no)?
            .ok_or_else(|| AppError::UnknownCase(case_no.to_owned()))?;
        events.push(FieldEvent::DepartureNotice(DepartureNoticeVersion {
            id: Uuid::now_v7(),
            issue,
            booking_ref: booking.booking_ref.clone(),
            number,
            case_no: case_no.to_owned(),
            flight_left_at: left_at,
            departures: part,
            site: ctx.site_for(&case.case.site),
            issued_by: who.name.clone(),
            at: ctx.now,
        }));
    }
    store.record_events(&events)?;
    show(store, who.role, booking_ref)
}

#[cfg(test)]
mod tests;
