//! Loading a bookings file from the booking system: all or nothing, every problem of the file
//! at once (`FILE:LINE:COLUMN`), and a re-import of the same file records nothing. What the
//! file holds is read by `waypoint_import::bookings`; what it changes is decided here.

use waypoint_domain::{Action, BookingRef, Field, SsrCode};
use waypoint_import::{BookingsFile, KnownTraveller, read_bookings};
use waypoint_store::Store;

use super::{WarningLine, events_for, warnings};
use crate::{AppError, Context, SignedIn};

/// What loading a bookings file did (or, for a dry run, would do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingsImport {
    pub file_name: String,
    /// The bookings read and every problem: nothing is saved while there is one.
    pub file: BookingsFile,
    pub dry_run: bool,
    /// Bookings that are new or changed (saved unless a dry run or a problem).
    pub changed: Vec<BookingRef>,
    /// Bookings exactly as stored already.
    pub unchanged: Vec<BookingRef>,
    /// Events recorded (0 for a dry run or a refused file).
    pub events: usize,
    /// Each booking's warnings after the load, to acknowledge.
    pub warnings: Vec<(BookingRef, Vec<WarningLine>)>,
}

/// Loads bookings file `file_name` with content `bytes`.
pub fn import_bookings(
    store: &mut Store,
    who: &SignedIn,
    ctx: &Context,
    file_name: &str,
    bytes: &[u8],
    dry_run: bool,
) -> Result<BookingsImport, AppError> {
    store.require(who.role, Action::Book)?;
    let known = |individual_no: &str| -> Option<KnownTraveller> {
        // The whole record: the SSR codes are the default of an empty cell whatever the role.
        let record = store.individual(individual_no).ok()??;
        let ssr_codes = record
            .get(Field::SsrCodes)
            .unwrap_or_default()
            .split(';')
            .filter_map(|c| SsrCode::parse(c).ok())
            .collect();
        Some(KnownTraveller {
            case_no: record.case_no().to_owned(),
            ssr_codes,
        })
    };
    let file = read_bookings(bytes, &known);
    let mut outcome = BookingsImport {
        file_name: file_name.to_owned(),
        dry_run,
        changed: Vec::new(),
        unchanged: Vec::new(),
        events: 0,
        warnings: Vec::new(),
        file,
    };
    if !outcome.file.is_clean() {
        return Ok(outcome);
    }
    let events = events_for(store, who, ctx, &outcome.file.bookings)?;
    for b in &outcome.file.bookings {
        let touched = events.iter().any(|e| match e {
            waypoint_domain::FieldEvent::Booking(e) => e.booking_ref == b.booking_ref,
            _ => false,
        });
        if touched {
            outcome.changed.push(b.booking_ref.clone());
        } else {
            outcome.unchanged.push(b.booking_ref.clone());
        }
    }
    if !dry_run {
        store.record_events(&events)?;
        outcome.events = events.len();
    }
    for b in &outcome.file.bookings {
        outcome
            .warnings
            .push((b.booking_ref.clone(), warnings(store, b, ctx.today())?));
    }
    Ok(outcome)
}
