//! `waypoint case history`: every event of a case on one timeline, newest first, in words for
//! the person at the terminal (`--json` gives the application layer's entries). What the role
//! may not see is not in the entries (`waypoint_app::history` leaves it out).

use std::io::Write;

use anyhow::Result;
use waypoint_app::history::{BookingField, Happened, HistoryEntry};
use waypoint_domain::{CheckOutcome, Custodian, ExitPermitStep, JourneyChange};

use crate::output;

/// Prints `entries` as lines: when, whom, what, who and where.
pub fn print(out: &mut impl Write, case_no: &str, entries: &[HistoryEntry]) -> Result<()> {
    writeln!(out, "History of case {case_no}, newest first")?;
    if entries.is_empty() {
        writeln!(out, "  nothing recorded")?;
    }
    for e in entries {
        let whom = if e.individual_nos.is_empty() {
            "case".to_string()
        } else {
            e.individual_nos.join(", ")
        };
        writeln!(
            out,
            "  {}  {whom}: {}  (by {}, {})",
            e.at.format("%Y-%m-%d %H:%M"),
            what(&e.what),
            e.recorded_by,
            e.site
        )?;
    }
    Ok(())
}

fn custodian(c: &Custodian) -> String {
    match c {
        Custodian::Individual { individual_no } => individual_no.clone(),
        Custodian::Staff { name } => format!("staff {name}"),
        Custodian::Storage { place } => place.clone(),
        Custodian::TravelBag { case_no } => format!("travel bag of {case_no}"),
        Custodian::Authority { name } => name.clone(),
    }
}

fn what(h: &Happened) -> String {
    match h {
        Happened::IdentityCheck {
            outcome,
            mismatched,
            ..
        } => match outcome {
            CheckOutcome::Verified => "identity verified".into(),
            CheckOutcome::Mismatch { reason } if mismatched.is_empty() => {
                format!("identity check: mismatch ({reason})")
            }
            CheckOutcome::Mismatch { reason } => format!(
                "identity check: mismatch in {} ({reason})",
                mismatched.join(", ")
            ),
            CheckOutcome::NotVerified { reason } => format!("identity not verified ({reason})"),
        },
        Happened::Counselling {
            programme,
            complete,
            topics_covered,
            duration_minutes,
        } => format!(
            "counselling{} {}, {topics_covered} topic(s), {duration_minutes} min",
            programme
                .as_deref()
                .map(|p| format!(" ({p})"))
                .unwrap_or_default(),
            if *complete {
                "complete"
            } else {
                "not complete"
            },
        ),
        Happened::CustodyTransfer {
            document_no,
            from,
            to,
            location,
        } => {
            let doc = if document_no.is_empty() {
                output::NOT_SHOWN.to_string()
            } else {
                document_no.clone()
            };
            format!(
                "document {doc}: {} -> {} at {location}",
                custodian(from),
                custodian(to)
            )
        }
        Happened::ExitPermit { step } => permit(step),
        Happened::Journey { change } => match change {
            JourneyChange::OnHold { reason, text } => format!("journey on hold ({reason}): {text}"),
            JourneyChange::Cancelled { reason, text } => {
                format!("journey cancelled ({reason}): {text}")
            }
            JourneyChange::Resumed { text } if text.is_empty() => "journey resumed".into(),
            JourneyChange::Resumed { text } => format!("journey resumed: {text}"),
        },
        Happened::Booking {
            booking_ref,
            made,
            fields,
            status,
        } => {
            let fields: Vec<&str> = fields.iter().map(|f| booking_field(*f)).collect();
            let status = status.map(|s| format!(", now {s}")).unwrap_or_default();
            format!(
                "booking {booking_ref} {} ({}){status}",
                if *made { "made" } else { "changed" },
                fields.join(", ")
            )
        }
        Happened::WarningAcknowledged {
            booking_ref,
            warning,
            reason,
        } => format!("warning {warning} of booking {booking_ref} acknowledged: {reason}"),
        Happened::AbnVersion {
            abn_no,
            number,
            version,
        } => format!("ABN {abn_no} version {number} {version}"),
    }
}

fn booking_field(f: BookingField) -> &'static str {
    match f {
        BookingField::Status => "status",
        BookingField::RecordLocator => "record locator",
        BookingField::Replaces => "replaced booking",
        BookingField::Abn => "ABN",
        BookingField::Segments => "itinerary",
        BookingField::Travellers => "travellers",
        BookingField::Escorts => "escorts",
    }
}

fn permit(step: &ExitPermitStep) -> String {
    let on = step
        .on()
        .map(|d| format!(" on {d}"))
        .unwrap_or_else(|| " (no day)".into());
    let what = match step {
        ExitPermitStep::NotRequired { .. } => "not required".to_string(),
        ExitPermitStep::Requested { .. } => "requested".to_string(),
        ExitPermitStep::Submitted { authority, .. } => format!("submitted to {authority}"),
        ExitPermitStep::Approved { reference, .. } => format!("approved, {reference}"),
        ExitPermitStep::Denied { reason, text, .. } if text.is_empty() => {
            format!("denied ({reason})")
        }
        ExitPermitStep::Denied {
            reason,
            text,
            solution,
            ..
        } => match solution {
            Some(s) => format!("denied ({reason}): {text}; possible solution: {s}"),
            None => format!("denied ({reason}): {text}"),
        },
    };
    format!("exit permit {what}{on}")
}
