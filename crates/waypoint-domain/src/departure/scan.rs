//! Finding a traveller on a manifest from what was typed or scanned at the bus door: an
//! individual number, a document number, or a document's machine-readable zone.
//!
//! One pass over the manifest's travellers and their documents (no store read): a scan is
//! answered as fast as the scanner types.

use serde::Serialize;

use super::DepartureProblem;
use super::manifest::{Manifest, ManifestLine};
use crate::mrz::{CheckedField, read_mrz};

/// How a scan found its traveller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    IndividualNo,
    DocumentNo,
    Mrz,
}

/// The traveller a scan found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanMatch<'a> {
    pub line: &'a ManifestLine,
    pub by: MatchedBy,
}

/// Letters and digits only, upper case: `icrc-778 1203` and the MRZ's `ICRC7781203` compare
/// equal (a zone has no room for dashes or blanks).
fn key(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The one traveller on `manifest` that `scan` names. `documents` are the travel documents on
/// record of the manifest's travellers, as (individual number, document number). A text with
/// `<` in it is read as an MRZ and matched by its document number; anything else is matched
/// against individual numbers and document numbers, ignoring case, blanks and dashes.
pub fn find_on_manifest<'a>(
    manifest: &'a Manifest,
    scan: &str,
    documents: &[(String, String)],
) -> Result<ScanMatch<'a>, DepartureProblem> {
    if scan.trim().is_empty() {
        return Err(DepartureProblem::EmptyScan);
    }
    let (wanted, by) = if scan.contains('<') {
        let reading = read_mrz(scan).map_err(|e| DepartureProblem::Mrz(e.to_string()))?;
        if reading
            .failed_checks()
            .any(|f| f == CheckedField::DocumentNumber)
        {
            return Err(DepartureProblem::Mrz(
                "its document number's check digit does not agree: scan it again or type the number"
                    .into(),
            ));
        }
        (key(&reading.document_number), MatchedBy::Mrz)
    } else {
        (key(scan), MatchedBy::DocumentNo)
    };
    if wanted.is_empty() {
        return Err(DepartureProblem::EmptyScan);
    }
    let mut found: Vec<ScanMatch<'a>> = Vec::new();
    for line in &manifest.travellers {
        let by_number = by != MatchedBy::Mrz && key(&line.individual_no) == wanted;
        let by_document = documents
            .iter()
            .any(|(n, d)| *n == line.individual_no && key(d) == wanted);
        if by_number || by_document {
            found.push(ScanMatch {
                line,
                by: if by_number {
                    MatchedBy::IndividualNo
                } else {
                    by
                },
            });
        }
    }
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(DepartureProblem::NoMatch {
            manifest_id: manifest.id.to_string(),
        }),
        several => Err(DepartureProblem::SeveralMatch {
            manifest_id: manifest.id.to_string(),
            individual_nos: several
                .iter()
                .map(|m| m.line.individual_no.clone())
                .collect(),
        }),
    }
}
