//! The manifest as a printable PDF (`waypoint_print` lays it out): the view's travellers with a
//! box to tick at the door, the head count and the no-shows with their reasons.

use chrono::{DateTime, Utc};
use waypoint_domain::{Boarding, Language, NoShowReason};
use waypoint_print::{ManifestDocument, ManifestLabels, ManifestPaperRow, Paper};

use super::ManifestView;
use crate::AppError;

fn labels(language: Language) -> ManifestLabels {
    match language {
        Language::En => ManifestLabels::english(),
        Language::Fr => ManifestLabels::french(),
        Language::Es => ManifestLabels::spanish(),
    }
}

/// The PDF of `manifest` as `printed_by` sees it now, its fixed words in `language`.
pub fn manifest_pdf(
    manifest: &ManifestView,
    printed_by: &str,
    printed_at: DateTime<Utc>,
    paper: Paper,
    language: Language,
) -> Result<Vec<u8>, AppError> {
    let labels = labels(language);
    let worded = |r: &NoShowReason| {
        let w = &labels.reasons;
        match r {
            NoShowReason::DidNotCome => &w.did_not_come,
            NoShowReason::Ill => &w.ill,
            NoShowReason::Declined => &w.declined,
            NoShowReason::Documents => &w.documents,
            NoShowReason::FamilyEmergency => &w.family_emergency,
            NoShowReason::Late => &w.late,
            NoShowReason::Other => &w.other,
        }
        .clone()
    };
    let utc = |t: &DateTime<Utc>| t.format("%Y-%m-%d %H:%M UTC").to_string();
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let travellers = manifest
        .travellers
        .iter()
        .map(|r| {
            let (state, note) = match &r.boarding {
                Boarding::Waiting => ("waiting", None),
                Boarding::Boarded { .. } => ("boarded", None),
                Boarding::NoShow { reason, text, .. } => {
                    ("no_show", Some(format!("{}: {text}", worded(reason))))
                }
            };
            ManifestPaperRow {
                individual_no: r.individual_no.clone(),
                case_no: r.case_no.clone(),
                booking_ref: r.booking_ref.as_ref().map(ToString::to_string),
                name: format!("{}, {}", r.family_name, r.given_names),
                native_name: r.native_name.clone(),
                sex: r.sex.clone(),
                age: r.age.map(|a| a.to_string()).unwrap_or_default(),
                nationality: r.nationality.clone(),
                document_no: r.document_no.clone(),
                state: state.into(),
                note,
            }
        })
        .collect();
    let doc = ManifestDocument {
        manifest_id: manifest.id.to_string(),
        plate: manifest.vehicle.plate.clone(),
        driver: manifest.vehicle.driver.clone(),
        departs: utc(&manifest.vehicle.departs),
        printed_at: utc(&printed_at),
        printed_by: printed_by.to_owned(),
        paper,
        labels,
        boarded: count(manifest.count.boarded),
        expected: count(manifest.count.expected),
        no_shows: count(manifest.count.no_shows),
        travellers,
    };
    waypoint_print::manifest_pdf(&doc)
        .map_err(|e| AppError::invalid(format!("the manifest could not be laid out as a PDF: {e}")))
}
