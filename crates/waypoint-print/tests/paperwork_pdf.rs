//! The port of entry's papers as real PDFs, read back by poppler's `pdftotext`: what the hotel,
//! the kitchen and the driver will read. Every name is fake.

use std::process::Command;

use waypoint_print::{
    Paper, PaperFlight, PaperHotel, PaperTransport, PaperTraveller, PaperworkDocument,
    PaperworkKind, PaperworkLabels, PrintError, paperwork_pdf,
};

fn text_of(pdf: &[u8]) -> String {
    let dir = tempfile_dir();
    let path = dir.join("paper.pdf");
    std::fs::write(&path, pdf).expect("writing the PDF");
    let out = Command::new("pdftotext")
        .args(["-layout"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (install poppler-utils)");
    assert!(out.status.success(), "pdftotext failed");
    let _ = std::fs::remove_dir_all(&dir);
    String::from_utf8(out.stdout).expect("pdftotext writes UTF-8")
}

/// A directory of this test's own (the crate has no tempfile dependency).
fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "waypoint-paperwork-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    dir
}

fn doc(kind: PaperworkKind, labels: PaperworkLabels) -> PaperworkDocument {
    PaperworkDocument {
        kind,
        paper: Paper::Letter,
        labels,
        case_no: "TST-CASE-0001".into(),
        airport: "IAD".into(),
        airport_name: "Washington Dulles International Airport".into(),
        site: "IAD-POE".into(),
        prepared_at: "2026-12-16 21:05 America/New_York (UTC-05:00)".into(),
        prepared_by: "Test Associate".into(),
        arrived_on: Some(PaperFlight {
            flight: "QR707".into(),
            from: "DOH".into(),
            to: "IAD".into(),
            arrives: "2026-12-16 15:20".into(),
            arrives_zone: "America/New_York (UTC-05:00)".into(),
        }),
        onward: None,
        travellers: vec![PaperTraveller {
            individual_no: "TST-0001".into(),
            name: "NOTREAL, Amina #[x]".into(),
            sex: "F".into(),
            age: "30-34".into(),
            languages: "fa, ps".into(),
            codes: vec!["VGML – Vegetarian meal".into()],
        }],
        escorts: vec!["Test Escort (MEDICAL)".into()],
        hotel: Some(PaperHotel {
            name: "Test Airport Inn".into(),
            check_in: "2026-12-16".into(),
            check_out: "2026-12-17".into(),
            nights: 1,
            meals: vec!["Dinner".into(), "Breakfast".into()],
            meal_count: 2,
        }),
        transport: Some(PaperTransport {
            provider: "Test Shuttle".into(),
            destination: "Alexandria".into(),
            pieces: Some(3),
        }),
    }
}

#[test]
fn each_paper_says_what_is_requested_for_whom_in_the_language_asked() {
    let hotel =
        text_of(&paperwork_pdf(&doc(PaperworkKind::Hotel, PaperworkLabels::english())).unwrap());
    assert!(hotel.contains("Hotel booking"), "{hotel}");
    assert!(
        hotel.contains("Test Airport Inn") && hotel.contains("2026-12-17"),
        "{hotel}"
    );
    assert!(
        hotel.contains("NOTREAL, Amina #[x]"),
        "markup prints as written:\n{hotel}"
    );
    assert!(
        hotel.contains("QR707") && hotel.contains("Test Escort (MEDICAL)"),
        "{hotel}"
    );
    let meals =
        text_of(&paperwork_pdf(&doc(PaperworkKind::Meals, PaperworkLabels::french())).unwrap());
    assert!(meals.contains("Commande de repas"), "{meals}");
    assert!(meals.contains("VGML"), "{meals}");
    assert!(
        !meals.contains("Test Shuttle"),
        "a meal order is not a transport request"
    );
    let ride = text_of(
        &paperwork_pdf(&doc(PaperworkKind::Transport, PaperworkLabels::spanish())).unwrap(),
    );
    assert!(ride.contains("Solicitud de transporte terrestre"), "{ride}");
    assert!(
        ride.contains("Test Shuttle") && ride.contains("Alexandria"),
        "{ride}"
    );
    assert!(
        !ride.contains("Test Airport Inn"),
        "a transport request names no hotel"
    );
}

#[test]
fn a_paper_without_travellers_or_without_what_it_requests_is_refused() {
    let mut empty = doc(PaperworkKind::Hotel, PaperworkLabels::english());
    empty.travellers.clear();
    assert!(matches!(
        paperwork_pdf(&empty),
        Err(PrintError::NoTraveller)
    ));
    let mut no_ride = doc(PaperworkKind::Transport, PaperworkLabels::english());
    no_ride.transport = None;
    assert!(matches!(
        paperwork_pdf(&no_ride),
        Err(PrintError::NothingToRequest)
    ));
}

#[test]
fn every_language_has_every_label() {
    for labels in [
        PaperworkLabels::english(),
        PaperworkLabels::french(),
        PaperworkLabels::spanish(),
    ] {
        let json = serde_json::to_value(&labels).unwrap();
        for (key, value) in json.as_object().unwrap() {
            assert!(
                !value.as_str().unwrap_or_default().trim().is_empty(),
                "{} {key}",
                labels.lang
            );
        }
    }
}
