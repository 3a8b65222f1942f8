//! Bookings: recording one (from a form or a bookings file), reading it with its travellers'
//! names and local times, and the changes a person makes to it (cancel it, take a traveller
//! off it). A booking is stored as events per case and read back merged
//! ([docs/bookings.md](../../../docs/bookings.md)).

use uuid::Uuid;
use waypoint_domain::{
    Action, AgeRange, Booking, BookingEvent, BookingRef, BookingStatus, FieldEvent, Role,
    WarningAcknowledgement, booking_changes,
};
use waypoint_store::Store;

use crate::lookup::{self, number};
use crate::{AppError, Context, SignedIn};

mod form;
mod import;
mod warnings;

pub use form::{BookingForm, EscortForm, SegmentForm, TravellerForm, booking_from_form, save_form};
// A missed connection rebooked at the port of entry (`crate::arrival`) makes its segment and
// reference the same way.
pub(crate) use form::{new_ref, segment, value};
pub use import::{BookingsImport, import_bookings};
pub use warnings::{WarningLine, acknowledge, warnings};

/// A traveller as the booking screen lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TravellerLine {
    pub individual_no: String,
    pub case_no: String,
    pub family_name: String,
    pub given_names: String,
    /// In the script of their language, when recorded.
    pub native_name: Option<String>,
    pub sex: String,
    pub nationality: String,
    /// On the day the booking departs.
    pub age: Option<AgeRange>,
    /// The special-needs notes, for the receiving side, where the role may see them.
    pub needs_note: Option<String>,
}

/// A booking with what a person needs to read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingView {
    /// Without the SSR codes of a role that may not see them.
    pub booking: Booking,
    pub travellers: Vec<TravellerLine>,
    /// The bookings that replace this one (a rebooking).
    pub replaced_by: Vec<BookingRef>,
    /// The warnings of the booking today, each with its acknowledgement if there is one.
    pub warnings: Vec<WarningLine>,
    /// Every acknowledgement recorded, also of warnings whose cause is gone.
    pub acknowledgements: Vec<WarningAcknowledgement>,
}

/// What saving a booking did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Saved {
    /// Events recorded: one per case whose part changed; 0 when nothing changed.
    pub events: usize,
}

pub(crate) fn parse_ref(booking_ref: &str) -> Result<BookingRef, AppError> {
    BookingRef::parse(booking_ref)
        .map_err(|_| AppError::UnknownBooking(booking_ref.trim().to_owned()))
}

/// The events that turn the stored bookings into `bookings` (none for one that did not
/// change). Each booking is checked whole first.
pub(crate) fn events_for(
    store: &Store,
    who: &SignedIn,
    ctx: &Context,
    bookings: &[Booking],
) -> Result<Vec<FieldEvent>, AppError> {
    let mut events = Vec::new();
    for booking in bookings {
        booking.check().map_err(AppError::Booking)?;
        let stored = store.booking(&booking.booking_ref)?;
        for (case_no, changes) in booking_changes(stored.as_ref(), booking) {
            let case = store
                .case_as(Role::Administrator, &case_no)?
                .ok_or_else(|| AppError::UnknownCase(case_no.clone()))?;
            events.push(FieldEvent::Booking(BookingEvent {
                id: Uuid::now_v7(),
                booking_ref: booking.booking_ref.clone(),
                site: ctx.site_for(&case.case.site),
                case_no,
                recorded_by: who.name.clone(),
                at: ctx.now,
                changes,
            }));
        }
    }
    Ok(events)
}

/// Records `booking` as it now stands: the fields that changed, one event per case, all or
/// nothing.
pub fn save(
    store: &mut Store,
    who: &SignedIn,
    ctx: &Context,
    booking: &Booking,
) -> Result<Saved, AppError> {
    store.require(who.role, Action::Book)?;
    let events = events_for(store, who, ctx, std::slice::from_ref(booking))?;
    store.record_events(&events)?;
    Ok(Saved {
        events: events.len(),
    })
}

pub(crate) fn stored(store: &Store, booking_ref: &str) -> Result<Booking, AppError> {
    let r = parse_ref(booking_ref)?;
    store
        .booking(&r)?
        .ok_or_else(|| AppError::UnknownBooking(r.to_string()))
}

/// The travellers of `booking` as `role` may see them, with their age on the departure day.
pub fn traveller_lines(
    store: &Store,
    role: Role,
    booking: &Booking,
) -> Result<Vec<TravellerLine>, AppError> {
    let departs = booking.departs().map(|d| d.date_naive());
    let mut travellers = Vec::new();
    for case_no in booking.case_nos() {
        let view = lookup::case(store, role, case_no)?;
        for t in booking.travellers.iter().filter(|t| t.case_no == case_no) {
            let Some(m) = view
                .case
                .members
                .iter()
                .find(|m| m.individual_no == t.individual_no)
            else {
                continue;
            };
            let native = [&m.family_name_native, &m.given_names_native]
                .into_iter()
                .flatten()
                .cloned()
                .collect::<Vec<_>>();
            travellers.push(TravellerLine {
                individual_no: m.individual_no.clone(),
                case_no: case_no.to_owned(),
                family_name: m.family_name.clone(),
                given_names: m.given_names.clone(),
                native_name: (!native.is_empty()).then(|| native.join(" ")),
                sex: m.sex.code().to_owned(),
                nationality: m.nationality.to_string(),
                age: departs.and_then(|d| m.date_of_birth.age_on(d)),
                needs_note: m.special_needs.notes.clone(),
            });
        }
    }
    Ok(travellers)
}

/// The booking `booking_ref` as `role` may see it, with its warnings on `today`.
pub fn show(
    store: &Store,
    role: Role,
    booking_ref: &str,
    today: chrono::NaiveDate,
) -> Result<BookingView, AppError> {
    let mut booking = stored(store, booking_ref)?;
    let travellers = traveller_lines(store, role, &booking)?;
    let warnings = warnings(store, &booking, today)?;
    waypoint_store::roles::redact_booking(role, &mut booking);
    let replaced_by = store
        .bookings_replacing(&booking.booking_ref)?
        .into_iter()
        .map(|b| b.booking_ref)
        .collect();
    let acknowledgements = store.acknowledgements(&booking.booking_ref)?;
    Ok(BookingView {
        booking,
        travellers,
        replaced_by,
        warnings,
        acknowledgements,
    })
}

/// The bookings with travellers of case `case_no`, as `role` may see them.
pub fn of_case(store: &Store, role: Role, case_no: &str) -> Result<Vec<Booking>, AppError> {
    let case_no = number(case_no);
    lookup::case(store, role, &case_no)?;
    let mut bookings = store.bookings_of_case(&case_no)?;
    for b in &mut bookings {
        waypoint_store::roles::redact_booking(role, b);
    }
    Ok(bookings)
}

/// Cancels booking `booking_ref` (the airline was told; the travellers are no longer booked).
pub fn cancel(
    store: &mut Store,
    who: &SignedIn,
    ctx: &Context,
    booking_ref: &str,
) -> Result<BookingView, AppError> {
    let mut booking = stored(store, booking_ref)?;
    booking.status = BookingStatus::Cancelled;
    save(store, who, ctx, &booking)?;
    show(store, who.role, booking_ref, ctx.today())
}

/// Takes `individual_no` off booking `booking_ref` (with them, any escort who accompanied
/// only them); the others travel as booked.
pub fn remove_traveller(
    store: &mut Store,
    who: &SignedIn,
    ctx: &Context,
    booking_ref: &str,
    individual_no: &str,
) -> Result<BookingView, AppError> {
    let individual_no = number(individual_no);
    let mut booking = stored(store, booking_ref)?;
    if booking.traveller(&individual_no).is_none() {
        return Err(AppError::NotOnBooking {
            booking_ref: booking.booking_ref.to_string(),
            individual_no,
        });
    }
    if booking.travellers.len() == 1 {
        // An empty booking cannot stand: the last traveller off it cancels it.
        booking.status = BookingStatus::Cancelled;
    } else {
        booking
            .travellers
            .retain(|t| t.individual_no != individual_no);
        for e in &mut booking.escorts {
            e.accompanies.retain(|n| *n != individual_no);
        }
        booking.escorts.retain(|e| !e.accompanies.is_empty());
    }
    save(store, who, ctx, &booking)?;
    show(store, who.role, booking_ref, ctx.today())
}
