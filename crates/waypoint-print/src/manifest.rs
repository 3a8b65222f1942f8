//! The transport manifest: who rides which bus or vehicle to the airport or the consolidation
//! point, with a box per traveller to tick at the door, the head count and the no-shows; signed
//! by the driver and the staff member in charge.

use serde::Serialize;
use typst::layout::PagedDocument;

use crate::abn::Paper;
use crate::error::PrintError;
use crate::manifest_labels::ManifestLabels;
use crate::world::{PaperWorld, messages};

const TEMPLATE: &str = include_str!("../templates/manifest.typ");
/// Read by the template as JSON only, never as typst source (see `abn.rs`).
const DATA_PATH: &str = "/manifest.json";

/// One manifest, every value already worded for the reader.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestDocument {
    pub manifest_id: String,
    pub plate: String,
    pub driver: String,
    /// Already formatted, e.g. "2026-12-14 06:00 UTC".
    pub departs: String,
    pub printed_at: String,
    pub printed_by: String,
    pub paper: Paper,
    pub labels: ManifestLabels,
    pub boarded: u32,
    pub expected: u32,
    pub no_shows: u32,
    pub travellers: Vec<ManifestPaperRow>,
}

/// One traveller's line.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestPaperRow {
    pub individual_no: String,
    pub case_no: String,
    pub booking_ref: Option<String>,
    /// The name in Latin script.
    pub name: String,
    /// The name in the traveller's own script, when recorded.
    pub native_name: Option<String>,
    pub sex: String,
    pub age: String,
    pub nationality: String,
    pub document_no: Option<String>,
    /// `waiting`, `boarded` or `no_show`: a waiting traveller gets an empty box to tick.
    pub state: String,
    /// For a no-show: the reason and what happened, already worded.
    pub note: Option<String>,
}

/// Lays the manifest out and returns the PDF's bytes; offline, with the crate's own fonts.
pub fn manifest_pdf(doc: &ManifestDocument) -> Result<Vec<u8>, PrintError> {
    if doc.travellers.is_empty() {
        return Err(PrintError::NoTraveller);
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
