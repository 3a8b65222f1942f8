//! Writes a sample ABN (every name fake) to look at:
//! `cargo run -p waypoint-print --example sample_abn -- out.pdf [a4|letter] [issued|updated|cancelled]`.

use waypoint_print::{
    AbnBooking, AbnDocument, AbnEscort, AbnLabels, AbnSegment, AbnTraveller, AbnVersionKind, Paper,
    abn_pdf,
};

const ARABIC_NAME: &str = "تجربة اختبار";
const MARKUP_NAME: &str = "#FAKE *Not* ]Real $x$ _y_";

fn segment(
    number: u32,
    carrier: &str,
    flight_no: &str,
    from: (&str, &str),
    to: (&str, &str),
) -> AbnSegment {
    AbnSegment {
        number,
        carrier: carrier.into(),
        flight_no: flight_no.into(),
        from: from.0.into(),
        from_name: from.1.into(),
        to: to.0.into(),
        to_name: to.1.into(),
        departs: format!("2026-12-14 0{number}:45"),
        departs_zone: "Africa/Kigali (UTC+02:00)".into(),
        arrives: format!("2026-12-14 1{number}:30"),
        arrives_zone: "Africa/Nairobi (UTC+03:00)".into(),
    }
}

fn traveller(no: &str, name: &str, native: Option<&str>, ssr: &[&[&str]]) -> AbnTraveller {
    AbnTraveller {
        individual_no: no.into(),
        case_no: "TST-CASE-0001".into(),
        name: name.into(),
        native_name: native.map(Into::into),
        sex: "F".into(),
        age: "30-34".into(),
        nationality: "SYR".into(),
        ssr_by_segment: ssr
            .iter()
            .map(|codes| codes.iter().map(|c| c.to_string()).collect())
            .collect(),
        needs_note: None,
        changed: false,
    }
}

fn travellers() -> Vec<AbnTraveller> {
    let mut amina = traveller(
        "TST-0001",
        "NOTREAL, Amina",
        Some(ARABIC_NAME),
        &[&["WCHR"], &["WCHR", "MEDA"]],
    );
    amina.needs_note = Some("Uses a wheelchair at both airports.".into());
    let mut yusuf = traveller(
        "TST-0002",
        "NOTREAL, Yusuf",
        Some("Тестов Юсуф"),
        &[&["INFT"], &["INFT"]],
    );
    yusuf.changed = true;
    vec![
        amina,
        yusuf,
        traveller("TST-0003", "NOTREAL, Infant", None, &[&[], &[]]),
        traveller("TST-0004", "PLACEHOLDER, Omar", None, &[&["BLND"]]),
        traveller("TST-0005", MARKUP_NAME, None, &[&["DEAF"], &["DPNA"]]),
    ]
}

fn document(paper: Paper) -> AbnDocument {
    AbnDocument {
        abn_no: "ABN-TST-2026-0042".into(),
        version: 1,
        kind: AbnVersionKind::Issued,
        issued_at: "2026-12-05 14:03 UTC".into(),
        issued_by: "Test Officer".into(),
        site: "Test Site Kigali".into(),
        paper,
        labels: AbnLabels::english(),
        changes: vec![],
        bookings: vec![AbnBooking {
            booking_ref: "BKG-TST-7".into(),
            record_locator: Some("QZXTST".into()),
            status: "Ticketed".into(),
            replaces: None,
            segments: vec![
                segment(
                    1,
                    "KQ",
                    "471",
                    ("KGL", "Kigali International"),
                    ("NBO", "Jomo Kenyatta International"),
                ),
                segment(
                    2,
                    "ET",
                    "308",
                    ("NBO", "Jomo Kenyatta International"),
                    ("ADD", "Addis Ababa Bole"),
                ),
            ],
            travellers: travellers(),
            escorts: vec![AbnEscort {
                name: "ESCORTFAKE, Medic".into(),
                kind: "Medical".into(),
                organisation: Some("Test Health Partner".into()),
                contact: Some("+000 0000 0000".into()),
                accompanies: vec!["NOTREAL, Amina".into()],
            }],
        }],
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args
        .next()
        .ok_or("usage: sample_abn OUT.pdf [a4|letter] [issued|updated|cancelled]")?;
    let paper = match args.next().as_deref() {
        Some("letter") => Paper::Letter,
        _ => Paper::A4,
    };
    let mut doc = document(paper);
    match args.next().as_deref() {
        Some("updated") => {
            doc.version = 2;
            doc.kind = AbnVersionKind::Updated;
            doc.changes = vec!["Segment 2 moved to ET308 (was ET306).".into()];
        }
        Some("cancelled") => {
            doc.version = 3;
            doc.kind = AbnVersionKind::Cancelled;
        }
        _ => {}
    }
    std::fs::write(out, abn_pdf(&doc)?)?;
    Ok(())
}
