//! The Advance Booking Notification: the notice to stakeholders (receiving office, port of
//! entry, partner agencies) that these people are booked on this itinerary.

use serde::Serialize;
use typst::layout::PagedDocument;

use crate::error::PrintError;
use crate::labels::AbnLabels;
use crate::world::{PaperWorld, messages};

/// The template, in the crate so that what is printed is reviewed like code.
const TEMPLATE: &str = include_str!("../templates/abn.typ");
/// Where the template finds its data. The data is only ever read as JSON, never pasted into
/// typst source: a name holding `#` or `]` prints as written and cannot run as code.
const DATA_PATH: &str = "/abn.json";

/// The sheet the ABN is laid out for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Paper {
    #[serde(rename = "a4")]
    A4,
    #[serde(rename = "us-letter")]
    Letter,
}

/// Which version of the notice this is: the first, an update, or the cancellation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AbnVersionKind {
    Issued,
    Updated,
    Cancelled,
}

/// One version of one ABN, every value already worded for the reader.
#[derive(Debug, Clone, Serialize)]
pub struct AbnDocument {
    pub abn_no: String,
    pub version: u32,
    pub kind: AbnVersionKind,
    /// Already formatted, e.g. "2026-12-05 14:03 UTC".
    pub issued_at: String,
    pub issued_by: String,
    pub site: String,
    pub paper: Paper,
    pub labels: AbnLabels,
    /// What changed since the previous version (shown in a marked box); empty for the first.
    pub changes: Vec<String>,
    pub bookings: Vec<AbnBooking>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AbnBooking {
    pub booking_ref: String,
    pub record_locator: Option<String>,
    pub status: String,
    /// The booking this one replaces (a rebooking).
    pub replaces: Option<String>,
    pub segments: Vec<AbnSegment>,
    pub travellers: Vec<AbnTraveller>,
    pub escorts: Vec<AbnEscort>,
}

/// One flight of the itinerary, times in the local time of each airport.
#[derive(Debug, Clone, Serialize)]
pub struct AbnSegment {
    pub number: u32,
    /// IATA airline code, e.g. "KQ".
    pub carrier: String,
    pub flight_no: String,
    /// IATA airport code and the airport's name.
    pub from: String,
    pub from_name: String,
    pub to: String,
    pub to_name: String,
    /// Local time and its zone, e.g. "2026-12-14 14:45" and "Africa/Kigali (UTC+02:00)".
    pub departs: String,
    pub departs_zone: String,
    pub arrives: String,
    pub arrives_zone: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AbnTraveller {
    pub individual_no: String,
    pub case_no: String,
    /// The name in Latin script.
    pub name: String,
    /// The name in the traveller's own script (Arabic, Cyrillic...), when recorded.
    pub native_name: Option<String>,
    pub sex: String,
    /// An age or an age range (from a partial date of birth), already worded.
    pub age: String,
    pub nationality: String,
    /// IATA SSR codes for each segment, in the itinerary's order; may be shorter than the
    /// itinerary (no codes on the remaining segments), never longer.
    pub ssr_by_segment: Vec<Vec<String>>,
    /// The special-needs note the issuer's role may share with the receiving side.
    pub needs_note: Option<String>,
    /// Changed since the previous version: the row is marked.
    pub changed: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct AbnEscort {
    pub name: String,
    /// Medical or operational, worded.
    pub kind: String,
    pub organisation: Option<String>,
    pub contact: Option<String>,
    /// The names of the travellers this escort accompanies.
    pub accompanies: Vec<String>,
}

/// Lays the ABN out and returns the PDF's bytes. Offline, no file or font of the machine is
/// read; the fonts are the crate's own.
pub fn abn_pdf(doc: &AbnDocument) -> Result<Vec<u8>, PrintError> {
    check(doc)?;
    let data = serde_json::to_vec(doc).map_err(PrintError::Data)?;
    let world = PaperWorld::new(TEMPLATE, DATA_PATH, data);
    let laid_out = typst::compile::<PagedDocument>(&world).output;
    let pdf = laid_out
        .map_err(|d| PrintError::Layout {
            diagnostics: messages(&d),
        })
        .and_then(|paged| {
            typst_pdf::pdf(&paged, &typst_pdf::PdfOptions::default()).map_err(|d| PrintError::Pdf {
                diagnostics: messages(&d),
            })
        });
    // typst memoizes layout work across calls; keep what the last few papers used (a second
    // render of a similar ABN is faster) and drop the rest, so a long-running app does not grow.
    typst::comemo::evict(10);
    pdf
}

fn check(doc: &AbnDocument) -> Result<(), PrintError> {
    if doc.bookings.is_empty() {
        return Err(PrintError::NoBooking);
    }
    for booking in &doc.bookings {
        if booking.segments.is_empty() {
            return Err(PrintError::NoSegment);
        }
        if booking
            .travellers
            .iter()
            .any(|t| t.ssr_by_segment.len() > booking.segments.len())
        {
            return Err(PrintError::SsrBeyondItinerary);
        }
    }
    Ok(())
}
