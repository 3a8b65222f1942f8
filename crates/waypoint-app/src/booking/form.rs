//! A booking made or changed from a form, opened from one case: the values as a person typed
//! them (times in each airport's local time), checked here, and merged into what is stored so
//! that the travellers and escorts of other cases on the booking stay as they are.

use chrono::NaiveDateTime;
use uuid::Uuid;
use waypoint_domain::{
    Action, AirportCode, Booking, BookingRef, BookingStatus, Carrier, Escort, EscortKind,
    FieldError, FlightNo, RecordLocator, Segment, SsrCode, Traveller, ValueProblem,
};
use waypoint_store::Store;

use super::{BookingView, save, show, stored};
use crate::lookup::{self, non_blank, number};
use crate::{AppError, Context, SignedIn};

/// One flight as typed: the times as the clocks of its airports show them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentForm {
    pub carrier: String,
    pub flight_no: String,
    pub from: String,
    pub to: String,
    /// `YYYY-MM-DDTHH:MM` at the departure airport.
    pub departs: String,
    /// `YYYY-MM-DDTHH:MM` at the arrival airport.
    pub arrives: String,
}

/// A member of the case put on the booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TravellerForm {
    pub individual_no: String,
    /// One list per segment; `None`: as stored when the itinerary kept its length, else their
    /// special needs on every segment.
    pub ssr: Option<Vec<Vec<String>>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscortForm {
    pub name: String,
    pub kind: EscortKind,
    pub organisation: Option<String>,
    pub contact: Option<String>,
    pub accompanies: Vec<String>,
}

/// The booking form of case `case_no`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingForm {
    /// `None`: a new booking, given a reference here.
    pub booking_ref: Option<String>,
    pub case_no: String,
    pub status: BookingStatus,
    pub record_locator: Option<String>,
    pub abn: Option<String>,
    pub segments: Vec<SegmentForm>,
    /// Members of `case_no` only; travellers of other cases on the booking are kept.
    pub travellers: Vec<TravellerForm>,
    /// The escorts of this case's travellers.
    pub escorts: Vec<EscortForm>,
}

pub(crate) fn value<T>(parsed: Result<T, FieldError>) -> Result<T, AppError> {
    parsed.map_err(|e| AppError::BookingValue(e.problem().clone()))
}

fn local_time(text: &str) -> Result<NaiveDateTime, AppError> {
    let text = text.trim();
    ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .ok_or_else(|| {
            AppError::BookingValue(ValueProblem::BadLocalTime {
                value: text.to_owned(),
            })
        })
}

pub(crate) fn segment(s: &SegmentForm) -> Result<Segment, AppError> {
    value(Segment::from_local(
        value(Carrier::parse(&s.carrier))?,
        value(FlightNo::parse(&s.flight_no))?,
        value(AirportCode::parse(&s.from))?,
        value(AirportCode::parse(&s.to))?,
        local_time(&s.departs)?,
        local_time(&s.arrives)?,
    ))
}

/// A reference for a booking made in the window, unique without asking any other laptop.
pub(crate) fn new_ref(ctx: &Context) -> Result<BookingRef, AppError> {
    let random = Uuid::now_v7().simple().to_string().to_ascii_uppercase();
    let text = format!(
        "BKG-{}-{}",
        ctx.now.format("%y%m%d"),
        &random[random.len() - 8..]
    );
    value(BookingRef::parse(&text))
}

/// The booking `form` describes, over what is stored of it. Checked whole by [`save`].
pub fn booking_from_form(
    store: &Store,
    who: &SignedIn,
    ctx: &Context,
    form: &BookingForm,
) -> Result<Booking, AppError> {
    let case_no = number(&form.case_no);
    let case = lookup::case(store, who.role, &case_no)?;
    // The whole record: the default SSR codes are the person's whatever the role sees.
    let whole = store
        .case(&case_no)?
        .ok_or_else(|| AppError::UnknownCase(case_no.clone()))?;
    let before = match &form.booking_ref {
        Some(r) => Some(stored(store, r)?),
        None => None,
    };
    let segments = form
        .segments
        .iter()
        .map(segment)
        .collect::<Result<Vec<_>, _>>()?;
    let mut travellers: Vec<Traveller> = before
        .iter()
        .flat_map(|b| &b.travellers)
        .filter(|t| t.case_no != case_no)
        .cloned()
        .collect();
    for t in &form.travellers {
        let individual_no = number(&t.individual_no);
        if !case
            .case
            .members
            .iter()
            .any(|m| m.individual_no == individual_no)
        {
            return Err(AppError::UnknownIndividual(individual_no));
        }
        let ssr = match &t.ssr {
            Some(lists) => lists
                .iter()
                .map(|codes| {
                    codes
                        .iter()
                        .filter(|c| !c.trim().is_empty())
                        .map(|c| value(SsrCode::parse(c)))
                        .collect::<Result<Vec<_>, _>>()
                })
                .collect::<Result<Vec<_>, _>>()?,
            None => {
                let kept = before
                    .as_ref()
                    .and_then(|b| b.traveller(&individual_no))
                    .filter(|s| s.ssr.len() == segments.len())
                    .map(|s| s.ssr.clone());
                let needs = whole
                    .case
                    .members
                    .iter()
                    .find(|m| m.individual_no == individual_no)
                    .map(|m| m.special_needs.ssr_codes.clone())
                    .unwrap_or_default();
                kept.unwrap_or_else(|| vec![needs; segments.len()])
            }
        };
        travellers.push(Traveller {
            individual_no,
            case_no: case_no.clone(),
            ssr,
        });
    }
    travellers.sort_by(|a, b| a.case_no.cmp(&b.case_no));
    // Escorts of other cases' travellers stay; this case's are the form's.
    let ours = |n: &String| {
        before
            .as_ref()
            .and_then(|b| b.traveller(n))
            .is_some_and(|t| t.case_no == case_no)
    };
    let mut escorts: Vec<Escort> = before
        .iter()
        .flat_map(|b| &b.escorts)
        .filter(|e| !e.accompanies.first().is_some_and(ours))
        .cloned()
        .collect();
    for e in &form.escorts {
        let name =
            non_blank(Some(&e.name)).ok_or_else(|| AppError::invalid("give the escort's name"))?;
        escorts.push(Escort {
            name,
            kind: e.kind,
            organisation: non_blank(e.organisation.as_deref()),
            contact: non_blank(e.contact.as_deref()),
            accompanies: e.accompanies.iter().map(|n| number(n)).collect(),
        });
    }
    let record_locator = match non_blank(form.record_locator.as_deref()) {
        Some(l) => Some(value(RecordLocator::parse(&l))?),
        None => None,
    };
    let abn = match non_blank(form.abn.as_deref()) {
        Some(a) => value(waypoint_domain::Field::Abn.normalize(&a, ctx.today()))?,
        None => None,
    };
    let booking_ref = match &before {
        Some(b) => b.booking_ref.clone(),
        None => new_ref(ctx)?,
    };
    Ok(Booking {
        booking_ref,
        record_locator,
        status: form.status,
        replaces: before.as_ref().and_then(|b| b.replaces.clone()),
        abn,
        segments,
        travellers,
        escorts,
    })
}

/// Saves the booking of `form` (recording only what changed) and gives it back with its
/// warnings, for the person to look at where they made it.
pub fn save_form(
    store: &mut Store,
    who: &SignedIn,
    ctx: &Context,
    form: &BookingForm,
) -> Result<BookingView, AppError> {
    store.require(who.role, Action::Book)?;
    let booking = booking_from_form(store, who, ctx, form)?;
    save(store, who, ctx, &booking)?;
    show(store, who.role, booking.booking_ref.as_str(), ctx.today())
}

#[cfg(test)]
#[path = "form_tests.rs"]
mod tests;
