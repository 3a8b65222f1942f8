//! The port of entry's paperwork: the hotel booking, the meal order and the domestic (ground)
//! transport request for arriving travellers, each a one-page paper for the vendor, filled from
//! the record and the booking by the application layer.

use serde::Serialize;
use typst::layout::PagedDocument;

use crate::abn::Paper;
use crate::error::PrintError;
use crate::paperwork_labels::PaperworkLabels;
use crate::world::{PaperWorld, messages};

/// One template for the three papers: they share the header, the travellers and the flight.
const TEMPLATE: &str = include_str!("../templates/paperwork.typ");
/// Where the template finds its data, read as JSON only (never as typst source).
const DATA_PATH: &str = "/paperwork.json";

/// Which paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PaperworkKind {
    Hotel,
    Meals,
    Transport,
}

/// One paper, every value already worded for the vendor.
#[derive(Debug, Clone, Serialize)]
pub struct PaperworkDocument {
    pub kind: PaperworkKind,
    pub paper: Paper,
    pub labels: PaperworkLabels,
    pub case_no: String,
    /// The port of entry's code and name.
    pub airport: String,
    pub airport_name: String,
    pub site: String,
    /// Already formatted, e.g. "2026-12-16 21:05 America/New_York (UTC-05:00)".
    pub prepared_at: String,
    pub prepared_by: String,
    /// The flight they arrived on, when known.
    pub arrived_on: Option<PaperFlight>,
    /// The flight they go on with, when known (after the hotel night, say).
    pub onward: Option<PaperFlight>,
    pub travellers: Vec<PaperTraveller>,
    /// Escorts travelling with them, worded ("Name (medical)").
    pub escorts: Vec<String>,
    pub hotel: Option<PaperHotel>,
    pub transport: Option<PaperTransport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PaperFlight {
    /// `QR707`
    pub flight: String,
    pub from: String,
    pub to: String,
    /// Local time at the airport it lands at, and its zone.
    pub arrives: String,
    pub arrives_zone: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PaperTraveller {
    pub individual_no: String,
    /// In Latin script.
    pub name: String,
    pub sex: String,
    pub age: String,
    pub languages: String,
    /// The SSR codes that matter to this vendor (meal codes for the kitchen, mobility codes
    /// for the driver), worded as code and description.
    pub codes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PaperHotel {
    pub name: String,
    /// The local dates at the port of entry.
    pub check_in: String,
    pub check_out: String,
    pub nights: u32,
    /// The meals ordered for each night, worded.
    pub meals: Vec<String>,
    /// Travellers × nights × meals: the count the kitchen bills.
    pub meal_count: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct PaperTransport {
    pub provider: String,
    pub destination: String,
    /// Pieces of baggage claimed, when recorded.
    pub pieces: Option<u32>,
}

/// Lays the paper out and returns the PDF's bytes; offline, with the crate's own fonts.
pub fn paperwork_pdf(doc: &PaperworkDocument) -> Result<Vec<u8>, PrintError> {
    if doc.travellers.is_empty() {
        return Err(PrintError::NoTraveller);
    }
    let needs_hotel = matches!(doc.kind, PaperworkKind::Hotel | PaperworkKind::Meals);
    if (needs_hotel && doc.hotel.is_none())
        || (doc.kind == PaperworkKind::Transport && doc.transport.is_none())
    {
        return Err(PrintError::NothingToRequest);
    }
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
    typst::comemo::evict(10);
    pdf
}
