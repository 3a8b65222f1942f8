//! Reading a paper back as its reader would: the PDF kept in `target/tmp/FOLDER/` (named after
//! the test, to look at), its text from poppler's `pdftotext`, NFKC-normalised (Arabic may come
//! out as presentation forms) with every run of blanks made one space.

use std::process::Command;

use unicode_normalization::UnicodeNormalization;

pub fn text_of(pdf: &[u8], folder: &str) -> String {
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(folder);
    std::fs::create_dir_all(&dir).expect("the papers' directory");
    let name = std::thread::current()
        .name()
        .unwrap_or(folder)
        .replace("::", "-");
    let path = dir.join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).expect("write the PDF");
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (install poppler-utils)");
    assert!(out.status.success(), "pdftotext failed");
    let text: String = String::from_utf8(out.stdout)
        .expect("UTF-8")
        .nfkc()
        .collect();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
