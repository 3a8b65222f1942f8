//! A case's history: every event recorded about it on one timeline, newest first, each with who
//! recorded it, where, when, and whom it is about. Typed, never worded: the CLI and the window
//! say each kind in the person's language.
//!
//! What a role may not see is not in it: the events are redacted as the case view's are, an
//! exit-permit step is left out for a role that may not see the permit, an ABN version for one
//! that may not see the ABN, and no entry carries counselling notes or the values of a
//! mismatch (only the fields that differed).

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;
use waypoint_domain::{
    AbnVersionKind, BookingChange, BookingRef, BookingStatus, CheckOutcome, Custodian,
    ExitPermitStep, Field, FieldEvent, JourneyChange, Role, Travellers, may_see,
};
use waypoint_store::Store;
use waypoint_store::roles::redact_event;

use crate::AppError;
use crate::lookup::number;

/// One thing that happened to a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    pub id: Uuid,
    /// When it was recorded (an exit-permit step also says the day it happened).
    pub at: DateTime<Utc>,
    pub recorded_by: String,
    pub site: String,
    /// Whom it is about: the individual checked, the attendees, the members held, the
    /// travellers booked; empty when it is about the whole case.
    pub individual_nos: Vec<String>,
    pub what: Happened,
}

/// What happened, by kind, with what the role may see of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Happened {
    IdentityCheck {
        outcome: CheckOutcome,
        /// The record's fields that differed from the document (CSV column names).
        mismatched: Vec<String>,
        /// `None` also for a role that may not see document numbers.
        document_no: Option<String>,
    },
    Counselling {
        programme: Option<String>,
        complete: bool,
        topics_covered: usize,
        duration_minutes: u32,
    },
    CustodyTransfer {
        /// Blank for a role that may not see document numbers.
        document_no: String,
        from: Custodian,
        to: Custodian,
        location: String,
    },
    ExitPermit {
        step: ExitPermitStep,
    },
    /// A hold, cancellation or resumption; `individual_nos` empty: the whole case.
    Journey {
        change: JourneyChange,
    },
    Booking {
        booking_ref: BookingRef,
        /// The first event of this booking for the case: it was made (or first received).
        made: bool,
        /// Which of the booking's fields this event set.
        fields: Vec<BookingField>,
        /// The status it set, when it set one.
        status: Option<BookingStatus>,
    },
    WarningAcknowledged {
        booking_ref: BookingRef,
        warning: String,
        reason: String,
    },
    AbnVersion {
        abn_no: String,
        number: u32,
        version: AbnVersionKind,
    },
}

/// A field of a booking that an event set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BookingField {
    Status,
    RecordLocator,
    Replaces,
    Abn,
    Segments,
    Travellers,
    Escorts,
}

/// The history of case `case_no` as `role` may see it, newest first; only what concerns
/// `member` (and the whole case) when one is given.
pub fn of_case(
    store: &Store,
    role: Role,
    case_no: &str,
    member: Option<&str>,
) -> Result<Vec<HistoryEntry>, AppError> {
    let case_no = number(case_no);
    // The members only, read as the role that sees no need-to-know field, and the events
    // whole, redacted here for `role`: the history shows no need-to-know field of the
    // records, so reading it is not recorded as a view of one.
    let view = store
        .case_as(Role::Administrator, &case_no)?
        .ok_or_else(|| AppError::UnknownCase(case_no.clone()))?;
    let member = member.map(number);
    if let Some(m) = &member {
        if !view.case.members.iter().any(|i| &i.individual_no == m) {
            return Err(AppError::Invalid(format!(
                "{m} is not a member of case {case_no}"
            )));
        }
    }
    let mut events: Vec<FieldEvent> = store
        .events_of_case(&case_no)?
        .into_iter()
        .map(|e| e.event)
        .collect();
    events.sort_by_key(|e| (e.at(), e.id()));
    let mut bookings_seen: Vec<BookingRef> = Vec::new();
    let mut entries = Vec::new();
    for mut event in events {
        redact_event(role, &mut event);
        let made = match &event {
            FieldEvent::Booking(b) if !bookings_seen.contains(&b.booking_ref) => {
                bookings_seen.push(b.booking_ref.clone());
                true
            }
            _ => false,
        };
        let Some(entry) = entry(role, event, made) else {
            continue;
        };
        let concerns = match &member {
            Some(m) => entry.individual_nos.is_empty() || entry.individual_nos.contains(m),
            None => true,
        };
        if concerns {
            entries.push(entry);
        }
    }
    entries.reverse();
    Ok(entries)
}

/// The entry of one (redacted) event; `None` when the role may not see that kind at all.
fn entry(role: Role, event: FieldEvent, made: bool) -> Option<HistoryEntry> {
    let id = event.id();
    let at = event.at();
    let (recorded_by, site, individual_nos, what) = match event {
        FieldEvent::IdentityCheck(c) => (
            c.checked_by,
            c.site,
            vec![c.individual_no],
            Happened::IdentityCheck {
                outcome: c.outcome,
                mismatched: c.mismatches.into_iter().map(|m| m.field).collect(),
                document_no: c.document_no,
            },
        ),
        FieldEvent::CounsellingSession(s) => (
            s.counsellor,
            s.site,
            s.attendees,
            Happened::Counselling {
                programme: s.programme,
                complete: s.complete,
                topics_covered: s.topics_covered.len(),
                duration_minutes: s.duration_minutes,
            },
        ),
        FieldEvent::CustodyTransfer(t) => (
            t.recorded_by,
            t.site,
            vec![t.individual_no],
            Happened::CustodyTransfer {
                document_no: t.document_no,
                from: t.from,
                to: t.to,
                location: t.location,
            },
        ),
        FieldEvent::ExitPermit(p) => {
            if !may_see(role, Field::ExitPermit) {
                return None;
            }
            (
                p.recorded_by,
                p.site,
                vec![p.individual_no],
                Happened::ExitPermit { step: p.step },
            )
        }
        FieldEvent::Journey(j) => (
            j.recorded_by,
            j.site,
            match j.travellers {
                Travellers::WholeCase => Vec::new(),
                Travellers::Members { individual_nos } => individual_nos,
            },
            Happened::Journey { change: j.change },
        ),
        FieldEvent::Booking(b) => {
            let mut travellers = Vec::new();
            let mut status = None;
            let fields = b
                .changes
                .iter()
                .map(|c| match c {
                    BookingChange::Status(s) => {
                        status = Some(*s);
                        BookingField::Status
                    }
                    BookingChange::RecordLocator(_) => BookingField::RecordLocator,
                    BookingChange::Replaces(_) => BookingField::Replaces,
                    BookingChange::Abn(_) => BookingField::Abn,
                    BookingChange::Segments(_) => BookingField::Segments,
                    BookingChange::Travellers(ts) => {
                        travellers.extend(ts.iter().map(|t| t.individual_no.clone()));
                        BookingField::Travellers
                    }
                    BookingChange::Escorts(_) => BookingField::Escorts,
                })
                .collect();
            (
                b.recorded_by,
                b.site,
                travellers,
                Happened::Booking {
                    booking_ref: b.booking_ref,
                    made,
                    fields,
                    status,
                },
            )
        }
        FieldEvent::WarningAcknowledgement(w) => (
            w.recorded_by,
            w.site,
            Vec::new(),
            Happened::WarningAcknowledged {
                booking_ref: w.booking_ref,
                warning: w.warning,
                reason: w.reason,
            },
        ),
        // Shown by `arrival show` (the checklist and incidents) until the history words them.
        FieldEvent::ArrivalStep(_) | FieldEvent::Incident(_) => return None,
        FieldEvent::AbnVersion(v) => {
            if !may_see(role, Field::Abn) {
                return None;
            }
            (
                v.issued_by,
                v.site,
                Vec::new(),
                Happened::AbnVersion {
                    abn_no: v.abn_no,
                    number: v.number,
                    version: v.kind,
                },
            )
        }
        // Shown by the bag and the notice themselves (`waypoint bag show`, `departure show`):
        // the history's kinds are a typed list each front end words, not extended here yet.
        FieldEvent::TravelBag(_) | FieldEvent::DepartureNotice(_) => return None,
        // Departure day has its own screens (the manifest, the items handed); the timeline
        // words it once the window has words for it.
        FieldEvent::Manifest(_) | FieldEvent::Boarding(_) | FieldEvent::ItemsHanded(_) => {
            return None;
        }
    };
    Some(HistoryEntry {
        id,
        at,
        recorded_by,
        site,
        individual_nos,
        what,
    })
}

#[cfg(test)]
#[path = "history_tests.rs"]
mod tests;
