//! A manifest as CSV (one row per traveller), for the transport company or a spreadsheet
//! at the consolidation point. Columns in docs/departure-day.md.

use waypoint_domain::Boarding;

use super::ManifestView;
use crate::AppError;

pub const COLUMNS: [&str; 19] = [
    "manifest_id",
    "plate",
    "driver",
    "departs_utc",
    "individual_no",
    "case_no",
    "booking_ref",
    "family_name",
    "given_names",
    "native_name",
    "sex",
    "age",
    "nationality",
    "document_no",
    "boarding",
    "no_show_reason",
    "no_show_text",
    "marked_by",
    "marked_at_utc",
];

/// The CSV of `manifest` as its view shows it (the role's view: no document numbers for a
/// role that may not see them).
pub fn manifest_csv(manifest: &ManifestView) -> Result<Vec<u8>, AppError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let io =
        |e: csv::Error| AppError::invalid(format!("the manifest could not be written as CSV: {e}"));
    w.write_record(COLUMNS).map_err(io)?;
    let v = &manifest.vehicle;
    let utc = |t: &chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    for r in &manifest.travellers {
        let (state, reason, text, by, at) = match &r.boarding {
            Boarding::Waiting => ("waiting", "", "", "", String::new()),
            Boarding::Boarded { by, at } => ("boarded", "", "", by.as_str(), utc(at)),
            Boarding::NoShow {
                reason,
                text,
                by,
                at,
            } => (
                "no_show",
                reason.code(),
                text.as_str(),
                by.as_str(),
                utc(at),
            ),
        };
        w.write_record([
            manifest.id.as_str(),
            &v.plate,
            &v.driver,
            &utc(&v.departs),
            &r.individual_no,
            &r.case_no,
            r.booking_ref.as_ref().map_or("", |b| b.as_str()),
            &r.family_name,
            &r.given_names,
            r.native_name.as_deref().unwrap_or_default(),
            &r.sex,
            &r.age.map(|a| a.to_string()).unwrap_or_default(),
            &r.nationality,
            r.document_no.as_deref().unwrap_or_default(),
            state,
            reason,
            text,
            by,
            &at,
        ])
        .map_err(io)?;
    }
    w.into_inner()
        .map_err(|e| AppError::invalid(format!("the manifest could not be written as CSV: {e}")))
}
