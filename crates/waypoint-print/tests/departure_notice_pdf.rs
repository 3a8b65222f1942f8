//! The departure notice as a real PDF, read back by poppler's `pdftotext`: what a stakeholder's
//! machine extracts is what these tests check. Every name is fake.

mod common;

use unicode_normalization::UnicodeNormalization;

use waypoint_print::{
    DepartureNoticeDocument, DepartureNoticeLabels, NoticeTraveller, Paper, PrintError,
    departure_notice_pdf,
};

const ARABIC_NAME: &str = "تجربة اختبار";
const MARKUP_NAME: &str = "#FAKE *Not* ]Real $x$ _y_";

fn traveller(no: &str, name: &str, reason: Option<(&str, &str)>) -> NoticeTraveller {
    NoticeTraveller {
        individual_no: no.into(),
        case_no: "TST-CASE-0001".into(),
        name: name.into(),
        native_name: None,
        sex: "F".into(),
        age: "30-34".into(),
        nationality: "SYR".into(),
        reason: reason.map(|r| r.0.into()),
        text: reason.map(|r| r.1.into()),
        changed: false,
    }
}

fn document(labels: DepartureNoticeLabels, version: u32) -> DepartureNoticeDocument {
    let mut amina = traveller("TST-0001", "NOTREAL, Amina", None);
    amina.native_name = Some(ARABIC_NAME.into());
    let mut yusuf = traveller(
        "TST-0002",
        "NOTREAL, Yusuf",
        Some((
            labels.reasons.word("denied_boarding").as_str(),
            "Offloaded: the flight was overbooked",
        )),
    );
    yusuf.changed = version > 1;
    DepartureNoticeDocument {
        booking_ref: "BKG-TST-7".into(),
        record_locator: Some("QZXTST".into()),
        version,
        issued_at: "2026-12-14 16:03 UTC".into(),
        issued_by: "Test Officer".into(),
        site: "Test Site Kigali".into(),
        paper: Paper::A4,
        flight: "KQ471".into(),
        from: "KGL".into(),
        from_name: "Kigali International".into(),
        to: "NBO".into(),
        to_name: "Jomo Kenyatta International".into(),
        left_at: "2026-12-14 14:45".into(),
        left_zone: "Africa/Kigali (UTC+02:00)".into(),
        changes: if version > 1 {
            vec!["TST-0002 did not depart after all".into()]
        } else {
            vec![]
        },
        labels,
        departed: vec![amina, traveller("TST-0003", MARKUP_NAME, None)],
        not_departed: vec![yusuf],
    }
}

fn text_of(pdf: &[u8]) -> String {
    common::text_of(pdf, "departure-notice-pdf")
}

#[test]
fn the_notice_lists_who_departed_and_who_did_not_with_the_reason_and_names_as_written() {
    let text =
        text_of(&departure_notice_pdf(&document(DepartureNoticeLabels::english(), 1)).unwrap());
    for expected in [
        "Departure Notification",
        "NOTICE · Version 1",
        "BKG-TST-7",
        "QZXTST",
        "KQ471",
        "Kigali International",
        "2026-12-14 14:45",
        "Departed (2)",
        "Did not depart (1)",
        "NOTREAL, Amina",
        "Denied boarding",
        "Offloaded: the flight was overbooked",
        MARKUP_NAME,
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    let arabic: String = ARABIC_NAME.nfkc().collect();
    assert!(
        text.contains(&arabic),
        "the Arabic name is missing from:\n{text}"
    );
    assert!(
        !text.contains("Changes since"),
        "a first notice has no changes box"
    );
}

#[test]
fn a_correction_says_so_marks_the_change_and_is_worded_in_spanish() {
    let text =
        text_of(&departure_notice_pdf(&document(DepartureNoticeLabels::spanish(), 2)).unwrap());
    for expected in [
        "Notificación de salida",
        "CORRECCIÓN · Versión 2",
        "Cambios desde la versión anterior",
        "TST-0002 did not depart after all",
        "CAMBIADO",
        "Embarque denegado",
        "No salieron (1)",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
}

#[test]
fn a_notice_about_nobody_is_refused_with_a_message_that_names_no_one() {
    let mut doc = document(DepartureNoticeLabels::french(), 1);
    doc.departed.clear();
    doc.not_departed.clear();
    let e = departure_notice_pdf(&doc).unwrap_err();
    assert!(matches!(e, PrintError::NoTraveller), "{e}");
    assert!(!e.to_string().contains("NOTREAL"));
}
