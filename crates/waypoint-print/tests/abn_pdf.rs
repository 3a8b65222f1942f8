//! The ABN as a real PDF, read back by a real PDF reader (poppler's `pdftotext` and `pdfinfo`):
//! what a stakeholder's machine will extract is what these tests check. Every name is fake.

use std::process::Command;

use unicode_normalization::UnicodeNormalization;
use waypoint_print::{
    AbnBooking, AbnDocument, AbnEscort, AbnLabels, AbnSegment, AbnTraveller, AbnVersionKind, Paper,
    PrintError, abn_pdf,
};

const ARABIC_NAME: &str = "تجربة اختبار";
const ETHIOPIC_NAME: &str = "ተስፋይ ፈተና";
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
        traveller(
            "TST-0004",
            "PLACEHOLDER, Omar",
            Some(ETHIOPIC_NAME),
            &[&["BLND"]],
        ),
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

/// A PDF on disk, read with poppler. Missing poppler fails the test: it is a dependency of the
/// test suite (scripts/test installs it), not an optional extra. Each paper stays in
/// `target/tmp/abn-pdf/`, named after its test, for a person to look at (docs/print.md).
struct Pdf {
    path: std::path::PathBuf,
}

impl Pdf {
    fn write(bytes: &[u8]) -> Pdf {
        static WRITTEN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("abn-pdf");
        std::fs::create_dir_all(&dir).expect("the papers' directory");
        let test = std::thread::current()
            .name()
            .unwrap_or("abn")
            .replace("::", "-");
        let n = WRITTEN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = dir.join(format!("{test}-{n}.pdf"));
        std::fs::write(&path, bytes).expect("write the PDF");
        Pdf { path }
    }

    /// The text as poppler extracts it, NFKC-normalised with whitespace runs made one space.
    /// NFKC because a PDF may carry Arabic as presentation forms (the joined shapes, U+FExx)
    /// where the data had base letters; NFKC maps them back and leaves every other letter here
    /// as it was. Whitespace because a table cell may wrap a name onto two lines.
    fn text(&self) -> String {
        self.text_of_pages(None)
    }

    fn page_text(&self, page: u32) -> String {
        self.text_of_pages(Some(page))
    }

    fn text_of_pages(&self, page: Option<u32>) -> String {
        let mut cmd = Command::new("pdftotext");
        cmd.args(["-enc", "UTF-8"]);
        if let Some(p) = page {
            cmd.args(["-f", &p.to_string(), "-l", &p.to_string()]);
        }
        let out = run(cmd.arg(&self.path).arg("-"));
        let text: String = out.nfkc().collect();
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// `pdfinfo`'s "Page size" in points, and the page count.
    fn page_size_and_count(&self) -> ((f64, f64), u32) {
        let info = run(Command::new("pdfinfo").arg(&self.path));
        let field = |name: &str| {
            info.lines()
                .find_map(|l| l.strip_prefix(name))
                .unwrap_or_else(|| panic!("pdfinfo printed no {name:?}: {info}"))
                .trim()
                .to_owned()
        };
        let size = field("Page size:");
        let mut numbers = size
            .split_whitespace()
            .filter_map(|w| w.parse::<f64>().ok());
        let (w, h) = (
            numbers.next().expect("width"),
            numbers.next().expect("height"),
        );
        let pages = field("Pages:").parse().expect("page count");
        ((w, h), pages)
    }
}

fn run(cmd: &mut Command) -> String {
    let program = cmd.get_program().to_string_lossy().into_owned();
    let out = cmd.output().unwrap_or_else(|e| {
        panic!(
            "could not run {program} ({e}): install poppler-utils (apt-get install poppler-utils)"
        )
    });
    assert!(
        out.status.success(),
        "{program} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("poppler prints UTF-8 with -enc UTF-8")
}

/// The Arabic run as poppler gives it: in logical order (first letter first, as typed), because
/// typst maps each shaped glyph back to the characters it stands for, wrapped in the bidi marks
/// U+202B and U+202C, which poppler puts around a right-to-left run (outside the name, so the
/// name stays one unbroken substring). A reader that gave the visual order would give the letters reversed: not accepted, since
/// the logical order is what a stakeholder copying the name out of the PDF must get.
fn contains_arabic_name(text: &str) -> bool {
    let name: String = ARABIC_NAME.nfkc().collect();
    text.contains(&name)
}

fn assert_lists_everything(pdf: &Pdf) {
    let text = pdf.text();
    for t in travellers() {
        assert!(
            text.contains(&t.name),
            "traveller {:?} missing from:\n{text}",
            t.name
        );
        assert!(
            text.contains(&t.individual_no),
            "{:?} missing",
            t.individual_no
        );
    }
    for flight in ["KQ471", "ET308"] {
        assert!(
            text.contains(flight),
            "flight {flight} missing from:\n{text}"
        );
    }
    for code in ["WCHR", "MEDA", "INFT", "BLND", "DEAF", "DPNA"] {
        assert!(text.contains(code), "SSR code {code} missing from:\n{text}");
    }
    assert!(
        contains_arabic_name(&text),
        "the Arabic name is missing from:\n{text}"
    );
    assert!(text.contains("Тестов Юсуф"), "the Cyrillic name is missing");
    assert!(
        text.contains(ETHIOPIC_NAME),
        "the Ge'ez-script name is missing"
    );
    assert!(text.contains("ESCORTFAKE, Medic"), "the escort is missing");
    assert!(text.contains("QZXTST"), "the record locator is missing");
    assert!(
        text.contains("Uses a wheelchair at both airports."),
        "the needs note is missing"
    );
    assert!(
        text.contains("Africa/Kigali (UTC+02:00)"),
        "the departure's zone is missing"
    );
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1.0
}

#[test]
fn an_a4_abn_lists_every_traveller_flight_and_ssr_code_on_a4_pages() {
    let pdf = Pdf::write(&abn_pdf(&document(Paper::A4)).expect("the ABN renders"));
    assert_lists_everything(&pdf);
    let ((w, h), _) = pdf.page_size_and_count();
    assert!(
        close(w, 595.28) && close(h, 841.89),
        "A4 is 595 x 842 pt, got {w} x {h}"
    );
}

#[test]
fn a_letter_abn_lists_every_traveller_flight_and_ssr_code_on_letter_pages() {
    let pdf = Pdf::write(&abn_pdf(&document(Paper::Letter)).expect("the ABN renders"));
    assert_lists_everything(&pdf);
    let ((w, h), _) = pdf.page_size_and_count();
    assert!(
        close(w, 612.0) && close(h, 792.0),
        "US Letter is 612 x 792 pt, got {w} x {h}"
    );
}

#[test]
fn native_names_are_set_in_the_fonts_of_their_scripts() {
    // The text checks prove the characters are in the PDF, which would be true even if they
    // printed as empty boxes (the text of a missing glyph is kept); these prove the Arabic and
    // Ge'ez fonts were used. The Latin font has neither script.
    let pdf = Pdf::write(&abn_pdf(&document(Paper::A4)).expect("the ABN renders"));
    let fonts = run(Command::new("pdffonts").arg(&pdf.path));
    for font in [
        "NotoNaskhArabic-Regular",
        "NotoSansEthiopic-Regular",
        "NotoSans-Regular",
    ] {
        assert!(fonts.contains(font), "{font} is not embedded:\n{fonts}");
    }
}

#[test]
fn a_name_with_typst_markup_prints_as_written() {
    let pdf = Pdf::write(&abn_pdf(&document(Paper::A4)).expect("the ABN renders"));
    let text = pdf.text();
    assert!(
        text.contains(MARKUP_NAME),
        "{MARKUP_NAME:?} not printed literally in:\n{text}"
    );
}

#[test]
fn an_update_says_so_in_its_title_and_shows_what_changed() {
    let mut doc = document(Paper::A4);
    doc.version = 2;
    doc.kind = AbnVersionKind::Updated;
    doc.changes = vec!["Segment 2 moved to ET308 (was ET306).".into()];
    let text = Pdf::write(&abn_pdf(&doc).expect("the update renders")).text();
    assert!(
        text.contains("UPDATE · Version 2"),
        "no update title in:\n{text}"
    );
    assert!(
        text.contains("Changes since the previous version"),
        "no changes box"
    );
    assert!(
        text.contains("Segment 2 moved to ET308 (was ET306)."),
        "the change is missing"
    );
    assert!(
        text.contains("CHANGED"),
        "the changed traveller is not marked"
    );
}

#[test]
fn a_cancellation_says_so_in_its_title() {
    let mut doc = document(Paper::Letter);
    doc.version = 3;
    doc.kind = AbnVersionKind::Cancelled;
    let text = Pdf::write(&abn_pdf(&doc).expect("the cancellation renders")).text();
    assert!(
        text.contains("CANCELLED · Version 3"),
        "no cancellation title in:\n{text}"
    );
    assert!(
        text.contains("This ABN is cancelled"),
        "no cancellation notice"
    );
}

#[test]
fn a_long_abn_numbers_its_pages_and_repeats_the_abn_number_and_table_header_on_each() {
    let mut doc = document(Paper::A4);
    let base = travellers();
    doc.bookings[0].travellers = (0..120)
        .map(|i| {
            let mut t = base[i % base.len()].clone();
            t.individual_no = format!("TST-{i:04}");
            t
        })
        .collect();
    let pdf = Pdf::write(&abn_pdf(&doc).expect("the long ABN renders"));
    let (_, pages) = pdf.page_size_and_count();
    assert!(
        pages >= 3,
        "120 travellers should take several pages, got {pages}"
    );
    for page in 1..=pages {
        let text = pdf.page_text(page);
        assert!(
            text.contains(&format!("Page {page} of {pages}")),
            "page {page} unnumbered:\n{text}"
        );
        assert!(
            text.contains("ABN-TST-2026-0042"),
            "page {page} lacks the ABN number"
        );
    }
    // The travellers table starts on page 1 and runs onto the next pages: its header with it.
    for page in 2..pages {
        let text = pdf.page_text(page);
        assert!(
            text.contains("Name (native script)"),
            "page {page} lacks the table header:\n{text}"
        );
    }
    let all = pdf.text();
    for i in 0..120 {
        assert!(
            all.contains(&format!("TST-{i:04}")),
            "traveller TST-{i:04} missing"
        );
    }
}

#[test]
fn french_and_spanish_papers_use_their_own_words() {
    for (labels, title) in [
        (AbnLabels::french(), "Notification préalable de réservation"),
        (AbnLabels::spanish(), "Notificación anticipada de reserva"),
    ] {
        let mut doc = document(Paper::A4);
        doc.labels = labels;
        let text = Pdf::write(&abn_pdf(&doc).expect("the ABN renders")).text();
        assert!(text.contains(title), "{title:?} missing from:\n{text}");
        assert!(contains_arabic_name(&text), "the Arabic name is missing");
    }
}

#[test]
fn an_abn_without_bookings_or_with_codes_past_the_itinerary_is_refused_without_its_data() {
    let mut empty = document(Paper::A4);
    empty.bookings.clear();
    assert!(matches!(abn_pdf(&empty), Err(PrintError::NoBooking)));

    let mut too_many = document(Paper::A4);
    too_many.bookings[0].travellers[0]
        .ssr_by_segment
        .push(vec!["WCHR".into()]);
    let err = abn_pdf(&too_many).expect_err("three segments of codes on a two-segment itinerary");
    assert!(matches!(err, PrintError::SsrBeyondItinerary));
    let message = err.to_string();
    assert!(
        !message.contains("NOTREAL") && !message.contains("BKG-TST"),
        "data in {message:?}"
    );
}

#[test]
fn the_same_abn_renders_to_the_same_bytes() {
    // No clock and no machine fonts: a paper can be made again and compared.
    let doc = document(Paper::A4);
    assert_eq!(
        abn_pdf(&doc).expect("first"),
        abn_pdf(&doc).expect("second")
    );
}
