//! The departure notification: once a booking's flight has left, who of its travellers
//! departed and who did not, and why, for the stakeholders who received the ABN. Laid out like
//! the ABN (same fonts, header and footer), by `templates/departure_notice.typ`.

use serde::Serialize;
use typst::layout::PagedDocument;

use crate::Paper;
use crate::departure_notice_labels::DepartureNoticeLabels;
use crate::error::PrintError;
use crate::world::{PaperWorld, messages};

const TEMPLATE: &str = include_str!("../templates/departure_notice.typ");
/// Where the template finds its data, read only as JSON (a name is never typst source).
const DATA_PATH: &str = "/departure_notice.json";

/// One version of one booking's departure notice, every value already worded for the reader.
#[derive(Debug, Clone, Serialize)]
pub struct DepartureNoticeDocument {
    pub booking_ref: String,
    pub record_locator: Option<String>,
    /// 1 for the first notice; a later one is a correction.
    pub version: u32,
    /// Already formatted, e.g. "2026-12-14 16:03 UTC".
    pub issued_at: String,
    pub issued_by: String,
    pub site: String,
    pub paper: Paper,
    pub labels: DepartureNoticeLabels,
    /// The flight that left: its number, where from and to, when (local time and zone).
    pub flight: String,
    pub from: String,
    pub from_name: String,
    pub to: String,
    pub to_name: String,
    pub left_at: String,
    pub left_zone: String,
    /// What changed since the previous version (shown in a marked box); empty for the first.
    pub changes: Vec<String>,
    pub departed: Vec<NoticeTraveller>,
    pub not_departed: Vec<NoticeTraveller>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NoticeTraveller {
    pub individual_no: String,
    pub case_no: String,
    pub name: String,
    pub native_name: Option<String>,
    pub sex: String,
    pub age: String,
    pub nationality: String,
    /// Why they did not depart, worded in the paper's language; `None` for who departed.
    pub reason: Option<String>,
    /// The explanation in the words it was recorded in.
    pub text: Option<String>,
    /// Changed since the previous version: the row is marked.
    pub changed: bool,
}

/// Lays the notice out and returns the PDF's bytes, offline, with the crate's own fonts.
pub fn departure_notice_pdf(doc: &DepartureNoticeDocument) -> Result<Vec<u8>, PrintError> {
    if doc.departed.is_empty() && doc.not_departed.is_empty() {
        return Err(PrintError::NoTraveller);
    }
    let data = serde_json::to_vec(doc).map_err(PrintError::Data)?;
    let world = PaperWorld::new(TEMPLATE, DATA_PATH, data);
    let pdf = typst::compile::<PagedDocument>(&world)
        .output
        .map_err(|d| PrintError::Layout {
            diagnostics: messages(&d),
        })
        .and_then(|paged| {
            typst_pdf::pdf(&paged, &typst_pdf::PdfOptions::default()).map_err(|d| PrintError::Pdf {
                diagnostics: messages(&d),
            })
        });
    // As for the ABN: keep what the last few papers used, drop the rest.
    typst::comemo::evict(10);
    pdf
}
