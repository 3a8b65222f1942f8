//! The transport manifest as a real PDF, read back with poppler's `pdftotext`: every
//! traveller, the plate, the head count line, a name in Arabic script. Every name is fake.

mod common;

use unicode_normalization::UnicodeNormalization;

use waypoint_print::{
    ManifestDocument, ManifestLabels, ManifestPaperRow, Paper, PrintError, manifest_pdf,
};

const ARABIC_NAME: &str = "تجربة اختبار";
const MARKUP_NAME: &str = "#FAKE *Not* ]Real $x$ _y_";

fn row(no: &str, name: &str, native: Option<&str>, state: &str) -> ManifestPaperRow {
    ManifestPaperRow {
        individual_no: no.into(),
        case_no: "TST-CASE-0001".into(),
        booking_ref: Some("BKG-TST-7".into()),
        name: name.into(),
        native_name: native.map(Into::into),
        sex: "F".into(),
        age: "30".into(),
        nationality: "SYR".into(),
        document_no: Some(format!("DOC-{no}")),
        state: state.into(),
        note: (state == "no_show").then(|| "Ill: fever this morning".to_string()),
    }
}

fn document(labels: ManifestLabels) -> ManifestDocument {
    ManifestDocument {
        manifest_id: "MAN-20261214-ABC123".into(),
        plate: "RAD 123 B".into(),
        driver: "TESTDRIVER, Paul".into(),
        departs: "2026-12-14 06:00 UTC".into(),
        printed_at: "2026-12-14 05:10 UTC".into(),
        printed_by: "Test Officer".into(),
        paper: Paper::A4,
        labels,
        boarded: 2,
        expected: 4,
        no_shows: 1,
        travellers: vec![
            row("TST-0001", "NOTREAL, Amina", Some(ARABIC_NAME), "boarded"),
            row("TST-0002", "NOTREAL, Yusuf", None, "boarded"),
            row("TST-0003", "PLACEHOLDER, Omar", None, "no_show"),
            row("TST-0004", MARKUP_NAME, None, "waiting"),
        ],
    }
}

fn text_of(pdf: &[u8]) -> String {
    common::text_of(pdf, "manifest-pdf")
}

#[test]
fn the_manifest_lists_every_traveller_the_vehicle_and_the_head_count() {
    let text = text_of(&manifest_pdf(&document(ManifestLabels::english())).unwrap());
    for t in document(ManifestLabels::english()).travellers {
        assert!(text.contains(&t.name), "{:?} missing from:\n{text}", t.name);
        assert!(
            text.contains(&t.individual_no),
            "{:?} missing",
            t.individual_no
        );
    }
    let arabic: String = ARABIC_NAME.nfkc().collect();
    assert!(
        text.contains(&arabic),
        "the Arabic name is missing from:\n{text}"
    );
    for expected in [
        "RAD 123 B",
        "TESTDRIVER, Paul",
        "MAN-20261214-ABC123",
        "Boarded 2 of 4 · No-shows 1",
        "Ill: fever this morning",
        "DOC-TST-0003",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
}

#[test]
fn the_manifests_fixed_words_follow_the_papers_language() {
    let text = text_of(&manifest_pdf(&document(ManifestLabels::french())).unwrap());
    assert!(text.contains("Manifeste de transport"), "{text}");
    assert!(text.contains("À bord 2 sur 4 · Absents 1"), "{text}");
    let text = text_of(&manifest_pdf(&document(ManifestLabels::spanish())).unwrap());
    assert!(text.contains("Manifiesto de transporte"), "{text}");
    assert!(text.contains("A bordo 2 de 4 · Ausentes 1"), "{text}");
}

#[test]
fn an_empty_manifest_is_not_printed() {
    let mut doc = document(ManifestLabels::english());
    doc.travellers.clear();
    assert!(matches!(manifest_pdf(&doc), Err(PrintError::NoTraveller)));
}
