//! A missed domestic connection, rebooked at the port of entry: a new booking that replaces
//! the missed one (so the ABN and the journey follow it, as for any rebooking), with the same
//! travellers and escorts, the flights up to the port of entry as they were and the new
//! connection from there; and the missed connection recorded on the checklist, naming the
//! rebooking. All in one transaction.
//!
//! POE staff may do this under `arrival`, not `book`: it is this one narrow rebooking (the
//! same travellers, leaving from the port of entry), not any booking.

use waypoint_domain::{
    Action, ArrivalCheck, Booking, BookingStatus, RecordLocator, Segment, Traveller,
};
use waypoint_store::Store;

use super::airport;
use super::checklist::{CaseArrival, show, step_event};
use crate::booking::{SegmentForm, events_for, new_ref, segment, stored, value};
use crate::lookup::{non_blank, number};
use crate::{AppError, Context, SignedIn};

/// The new connection as a person typed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rebooking {
    /// The booking whose connection was missed.
    pub booking_ref: String,
    /// The new flights from the port of entry, times as the airports' clocks show them.
    pub segments: Vec<SegmentForm>,
    /// The airline's record locator: with it the rebooking is confirmed, without it proposed.
    pub record_locator: Option<String>,
}

/// Rebooks the connection case `case_no` missed at `airport_code`; gives the new booking and
/// the case's checklist as it is now.
pub fn rebook_connection(
    store: &mut Store,
    who: &SignedIn,
    ctx: &Context,
    case_no: &str,
    airport_code: &str,
    rebooking: &Rebooking,
) -> Result<(Booking, CaseArrival), AppError> {
    store.require(who.role, Action::RecordArrival)?;
    let case_no = number(case_no);
    let poe = airport(airport_code)?;
    let old = stored(store, &rebooking.booking_ref)?;
    let ours: Vec<String> = old
        .travellers
        .iter()
        .filter(|t| t.case_no == case_no)
        .map(|t| t.individual_no.clone())
        .collect();
    if ours.is_empty() {
        return Err(AppError::invalid(format!(
            "no member of case {case_no} is on booking {}",
            old.booking_ref
        )));
    }
    if let Some(newer) = store.bookings_replacing(&old.booking_ref)?.first() {
        return Err(AppError::invalid(format!(
            "booking {} was already rebooked as {}",
            old.booking_ref, newer.booking_ref
        )));
    }
    // The last landing at the port of entry: what follows it is the connection missed.
    let Some(landed) = old.segments.iter().rposition(|s| s.to == poe) else {
        return Err(AppError::invalid(format!(
            "booking {} does not land at {poe}",
            old.booking_ref
        )));
    };
    let Some(missed) = old.segments.get(landed + 1) else {
        return Err(AppError::invalid(format!(
            "booking {} has no connection after {poe}",
            old.booking_ref
        )));
    };
    let new_segments = rebooking
        .segments
        .iter()
        .map(segment)
        .collect::<Result<Vec<Segment>, _>>()?;
    match new_segments.first() {
        None => return Err(AppError::invalid("give the new connection's flight")),
        Some(first) if first.from != poe => {
            return Err(AppError::invalid(format!(
                "the new connection leaves from {}, not from the port of entry {poe}",
                first.from
            )));
        }
        Some(_) => {}
    }
    let record_locator = match non_blank(rebooking.record_locator.as_deref()) {
        Some(l) => Some(value(RecordLocator::parse(&l))?),
        None => None,
    };
    let kept = landed + 1;
    let booking = Booking {
        booking_ref: new_ref(ctx)?,
        status: if record_locator.is_some() {
            BookingStatus::Confirmed
        } else {
            BookingStatus::Proposed
        },
        record_locator,
        replaces: Some(old.booking_ref.clone()),
        abn: old.abn.clone(),
        segments: old.segments[..kept]
            .iter()
            .cloned()
            .chain(new_segments.iter().cloned())
            .collect(),
        // The codes they had on the missed connection go on the new one.
        travellers: old
            .travellers
            .iter()
            .map(|t| {
                let onward = t.ssr.get(kept).cloned().unwrap_or_default();
                Traveller {
                    ssr: t.ssr[..kept.min(t.ssr.len())]
                        .iter()
                        .cloned()
                        .chain(std::iter::repeat_n(onward, new_segments.len()))
                        .collect(),
                    ..t.clone()
                }
            })
            .collect(),
        escorts: old.escorts.clone(),
    };
    let mut events = events_for(store, who, ctx, std::slice::from_ref(&booking))?;
    events.push(step_event(
        store,
        who,
        ctx,
        &case_no,
        &ours,
        airport_code,
        ArrivalCheck::ConnectionMissed {
            flight: missed.flight(),
            rebooking: Some(booking.booking_ref.clone()),
        },
    )?);
    store.record_events(&events)?;
    let arrival = show(store, who.role, &case_no)?;
    Ok((booking, arrival))
}
