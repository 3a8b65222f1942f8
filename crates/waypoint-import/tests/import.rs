//! The import against the spec: the sample export, broken files, and the format's corners.

// Helpers outside #[test] functions unwrap too: a failure here is a failed test.
#![allow(clippy::unwrap_used)]

use chrono::NaiveDate;
use waypoint_domain::Field;
use waypoint_import::{ImportError, ImportOptions, ParsedFile, parse};

const SAMPLE: &str = include_str!("data/sample-cases.csv");
const BROKEN: &str = include_str!("data/broken-cases.csv");

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

fn try_read(bytes: &[u8]) -> Result<ParsedFile, ImportError> {
    parse(bytes, &ImportOptions::new(today()), &mut |_, _| {})
}

fn read(text: &str) -> ParsedFile {
    try_read(text.as_bytes()).unwrap()
}

/// (line, column) of every problem.
fn problem_places(parsed: &ParsedFile) -> Vec<(u64, &str)> {
    parsed
        .problems
        .iter()
        .map(|p| (p.line, p.column.as_str()))
        .collect()
}

fn warning_places(parsed: &ParsedFile) -> Vec<(u64, &str)> {
    parsed
        .warnings
        .iter()
        .map(|w| (w.line, w.column.as_str()))
        .collect()
}

/// The sample's header and one of its rows (1-based data row number).
fn header() -> &'static str {
    SAMPLE.lines().next().unwrap()
}

fn sample_row(n: usize) -> &'static str {
    SAMPLE.lines().nth(n).unwrap()
}

/// A sample row with one cell replaced.
fn row_with(n: usize, field: Field, value: &str) -> String {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(sample_row(n).as_bytes());
    let mut cells: Vec<String> = rdr
        .records()
        .next()
        .unwrap()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    cells[field.index()] = value.to_string();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&cells).unwrap();
    String::from_utf8(w.into_inner().unwrap())
        .unwrap()
        .trim_end()
        .to_string()
}

fn file(rows: &[&str]) -> String {
    let mut s = String::from(header());
    for r in rows {
        s.push('\n');
        s.push_str(r);
    }
    s.push('\n');
    s
}

// --- the sample export ---

#[test]
fn the_sample_reads_to_ten_clean_rows_in_five_cases() {
    let parsed = read(SAMPLE);
    assert!(parsed.is_clean(), "{:#?}", parsed.problems);
    assert_eq!(parsed.rows_read, 10);
    assert_eq!(parsed.rows.len(), 10);
    assert!(parsed.unknown_columns.is_empty());
    let lines: Vec<u64> = parsed.rows.iter().map(|r| r.line).collect();
    assert_eq!(lines, (2..=11).collect::<Vec<_>>());
    let mut cases: Vec<&str> = parsed.rows.iter().map(|r| r.record.case_no()).collect();
    cases.dedup();
    assert_eq!(cases.len(), 5);

    let solange = &parsed.rows[1].record;
    assert_eq!(solange.individual_no(), "I-0001002");
    assert_eq!(solange.get(Field::DateOfBirth), Some("1984"));
    assert_eq!(
        solange.get(Field::SpecialNeedsNotes),
        Some("Pregnant, 7 months; carries iron supplements")
    );
    assert_eq!(solange.get(Field::Phone), None);
    let ahmadi = &parsed.rows[8].record;
    assert_eq!(ahmadi.get(Field::DateOfBirth), Some("UNKNOWN"));
    assert_eq!(ahmadi.get(Field::FamilyNameNative), Some("احمدی"));
    assert_eq!(ahmadi.get(Field::SsrCodes), Some("WCHC;MEDA;OXYG"));
    assert_eq!(
        parsed.rows[6].record.get(Field::ExitPermitDenialReason),
        Some("Exit clearance refused: pending court case, to be resubmitted")
    );
}

#[test]
fn the_sample_warns_of_expired_and_expiring_documents_only() {
    let parsed = read(SAMPLE);
    // Expired: the ICRC documents of case 101 (2026-02-28), the Syrian passport (2025-12-31),
    // the laissez-passers of case 105 (2026-08-15). Expiring within 6 months: the refugee travel
    // documents of case 104 (2027-05-01). The URM of case 103 is 17 and alone: no warning.
    let expiry = Field::DocumentExpiry.column();
    assert_eq!(
        warning_places(&parsed),
        [2, 3, 4, 5, 6, 8, 9, 10, 11].map(|l| (l, expiry))
    );
    let w = &parsed.warnings[0];
    assert_eq!(w.value, "2026-02-28");
    assert!(
        w.message().contains("expired on 2026-02-28"),
        "{}",
        w.message()
    );
    let w = &parsed.warnings[5];
    assert_eq!((w.line, w.value.as_str()), (8, "2027-05-01"));
    assert!(
        w.message().contains("less than 6 months"),
        "{}",
        w.message()
    );
    assert_eq!(w.to_string(), format!("8:document_expiry: {}", w.message()));
}

#[test]
fn progress_is_reported_with_bytes_and_rows() {
    let mut calls = Vec::new();
    let rows: Vec<String> = (0..2500)
        .map(|i| row_with(1, Field::IndividualNo, &format!("I-{i}")))
        .collect();
    let text = file(&rows.iter().map(String::as_str).collect::<Vec<_>>());
    let parsed = parse(
        text.as_bytes(),
        &ImportOptions::new(today()),
        &mut |bytes, rows| calls.push((bytes, rows)),
    )
    .unwrap();
    assert!(parsed.is_clean());
    assert_eq!(calls.len(), 3);
    assert_eq!(calls[0].1, 1000);
    assert_eq!(calls[1].1, 2000);
    assert!(calls[0].0 < calls[1].0);
    assert_eq!(calls[2], (text.len() as u64, 2500));
}

// --- a broken file: one problem per defect, at the right place ---

#[test]
fn a_broken_file_gives_one_problem_per_defect() {
    let parsed = read(BROKEN);
    assert_eq!(
        problem_places(&parsed),
        [
            (2, "date_of_birth"),
            (3, "nationality"),
            (4, "sex"),
            (5, "individual_no"),
            (6, "special_needs_notes"),
        ],
        "{:#?}",
        parsed.problems
    );
    let p = &parsed.problems;
    assert_eq!(p[0].value, "1984-13");
    assert!(
        p[0].message().contains("'1984-13' has no month 13"),
        "{}",
        p[0]
    );
    assert_eq!(p[1].value, "ZZZ");
    assert!(
        p[1].message().contains("'ZZZ' is not a nationality"),
        "{}",
        p[1]
    );
    assert_eq!(p[2].value, "");
    assert!(p[2].message().contains("sex is required"), "{}", p[2]);
    assert_eq!(p[3].value, "I-0001001");
    assert!(p[3].message().contains("already on line 2"), "{}", p[3]);
    // The quote opened on line 6 is closed by the first quote of line 8: lines 6 to 8 were one row.
    assert!(p[4].message().starts_with("unclosed quote"), "{}", p[4]);
    assert!(p[4].message().contains("lines 6 to 8"), "{}", p[4]);
    assert!(p[4].value.starts_with("\"Insulin, needs cool storage"));
    // The rows after the swallowed lines read normally again.
    let lines: Vec<u64> = parsed.rows.iter().map(|r| r.line).collect();
    assert_eq!(lines, [9, 10, 11]);
    assert!(!parsed.is_clean());
    assert_eq!(parsed.rows_read, 8);
}

#[test]
fn every_bad_value_of_a_row_is_reported_not_only_the_first() {
    let row = row_with(1, Field::Sex, "male");
    let row = row.replace(",COD,", ",ZZZ,").replace(",ORD,", ",XQX,");
    let parsed = read(&file(&[&row, sample_row(2)]));
    assert_eq!(
        problem_places(&parsed),
        [(2, "sex"), (2, "nationality"), (2, "destination")]
    );
    // The bad destination is not taken as the case's: the next row agrees with nothing.
    assert_eq!(parsed.rows.len(), 1);
}

#[test]
fn an_unclosed_quote_running_to_the_end_of_the_file_is_reported_where_it_opens() {
    let bad = sample_row(5).replace("walks short distances only\"", "walks short distances only");
    let text = file(&[
        sample_row(1),
        sample_row(2),
        &bad,
        sample_row(6),
        sample_row(10),
    ]);
    let parsed = read(&text);
    assert_eq!(problem_places(&parsed), [(4, "special_needs_notes")]);
    let m = &parsed.problems[0].message();
    assert!(m.starts_with("unclosed quote"), "{m}");
    assert!(m.contains("lines 4 to 6 (the end of the file)"), "{m}");
    assert_eq!(parsed.rows.len(), 2);
}

#[test]
fn an_unclosed_quote_on_the_second_line_of_a_row_is_reported_on_that_line() {
    // Line 2-3: a row whose notes hold a line break, then an unclosed quote on line 3.
    let row = row_with(7, Field::SpecialNeedsNotes, "walks\nslowly")
        .replace("to be resubmitted\"", "to be resubmitted");
    let parsed = read(&file(&[&row, sample_row(1)]));
    assert_eq!(
        problem_places(&parsed),
        [(3, "exit_permit_denial_reason")],
        "{:#?}",
        parsed.problems
    );
}

#[test]
fn a_quote_in_the_middle_of_a_quoted_value_is_a_problem() {
    let row = sample_row(2).replace(
        "\"Pregnant, 7 months; carries iron supplements\"",
        "\"Pregnant \"7 months\"\"",
    );
    let parsed = read(&file(&[&row, sample_row(3)]));
    assert_eq!(problem_places(&parsed), [(2, "special_needs_notes")]);
    assert!(
        parsed.problems[0]
            .message()
            .contains("write each quote inside it twice"),
        "{}",
        parsed.problems[0]
    );
    assert_eq!(parsed.rows.len(), 1);
}

#[test]
fn a_row_with_the_wrong_number_of_fields_is_one_problem() {
    let short = sample_row(1)
        .strip_suffix(",APPROVED,")
        .unwrap()
        .to_string()
        + ",APPROVED";
    let long = sample_row(3).to_string() + ",extra";
    let parsed = read(&file(&[&short, sample_row(2), &long]));
    assert_eq!(
        problem_places(&parsed),
        [(2, "exit_permit_denial_reason"), (4, "")]
    );
    let m = &parsed.problems[0].message();
    assert!(m.contains("24 fields but the header has 25"), "{m}");
    assert!(parsed.problems[1].message().contains("26 fields"));
    assert_eq!(parsed.rows.len(), 1);
}

#[test]
fn invalid_utf8_in_a_row_is_a_problem_for_that_row() {
    let mut bytes = file(&[sample_row(1), sample_row(2), sample_row(3)]).into_bytes();
    // Latin-1 é in the second data row's given names.
    let at = bytes.windows(7).position(|w| w == b"Solange").unwrap();
    bytes[at + 1] = 0xE9;
    let parsed = try_read(&bytes).unwrap();
    assert_eq!(problem_places(&parsed), [(3, "given_names")]);
    assert!(parsed.problems[0].message().contains("not UTF-8"));
    assert_eq!(parsed.rows.len(), 2);
}

#[test]
fn a_duplicate_individual_names_the_first_line() {
    let dup = row_with(9, Field::IndividualNo, "I-0001001");
    let parsed = read(&file(&[sample_row(1), sample_row(2), &dup]));
    assert_eq!(problem_places(&parsed), [(4, "individual_no")]);
    assert!(parsed.problems[0].message().contains("already on line 2"));
    // Spelled differently but the same canonical number.
    let dup = row_with(9, Field::IndividualNo, " i-0001001 ");
    let parsed = read(&file(&[sample_row(1), &dup]));
    assert_eq!(problem_places(&parsed), [(3, "individual_no")]);
}

#[test]
fn rows_of_one_case_must_agree_on_the_case_fields() {
    let other_site = row_with(2, Field::Site, "KGL-TC2");
    let no_abn = row_with(3, Field::Abn, "");
    let other_dest = row_with(4, Field::Destination, "SEA");
    let parsed = read(&file(&[sample_row(1), &other_site, &no_abn, &other_dest]));
    assert_eq!(
        problem_places(&parsed),
        [(3, "site"), (4, "abn"), (5, "destination")]
    );
    let m = &parsed.problems[0].message();
    assert!(
        m.contains("site 'KGL-TC2' here but site 'KGL-TC1' on line 2"),
        "{m}"
    );
    assert!(parsed.problems[1].message().contains("no abn here"));
    assert_eq!(parsed.rows.len(), 1);
}

// --- the format ---

#[test]
fn a_byte_order_mark_is_ignored() {
    let with_bom = format!("\u{feff}{SAMPLE}");
    assert_eq!(read(&with_bom), read(SAMPLE));
}

#[test]
fn crlf_and_lone_cr_line_breaks_count_lines_right() {
    let bad = row_with(2, Field::DateOfBirth, "1984-02-30");
    let text = file(&[sample_row(1), &bad, sample_row(3)]);
    for eol in ["\r\n", "\r"] {
        let parsed = read(&text.replace('\n', eol));
        assert_eq!(problem_places(&parsed), [(3, "date_of_birth")], "{eol:?}");
        let lines: Vec<u64> = parsed.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 4], "{eol:?}");
    }
}

#[test]
fn a_line_break_inside_a_quoted_value_is_counted() {
    let multi = row_with(2, Field::SpecialNeedsNotes, "first line\nsecond\r\nthird");
    let bad = row_with(3, Field::DateOfBirth, "2019-13");
    let parsed = read(&file(&[sample_row(1), &multi, &bad, sample_row(4)]));
    // Row 3 takes lines 3 to 5; the bad row is on line 6.
    assert_eq!(problem_places(&parsed), [(6, "date_of_birth")]);
    let lines: Vec<u64> = parsed.rows.iter().map(|r| r.line).collect();
    assert_eq!(lines, [2, 3, 7]);
    assert_eq!(
        parsed.rows[1].record.get(Field::SpecialNeedsNotes),
        Some("first line\nsecond\nthird")
    );
}

#[test]
fn blank_lines_and_empty_rows_are_skipped_and_lines_still_count() {
    let bad = row_with(2, Field::Sex, "Q");
    let empty = ",".repeat(24);
    let text = file(&[sample_row(1), "", &empty, &bad, "  "]);
    let parsed = read(&text);
    assert_eq!(problem_places(&parsed), [(5, "sex")]);
    assert_eq!(parsed.rows_read, 2);
}

#[test]
fn columns_are_found_by_name_in_any_order_and_case() {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(SAMPLE.as_bytes());
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    for (i, row) in rows.iter().enumerate() {
        let mut cells: Vec<String> = row.iter().rev().map(str::to_string).collect();
        if i == 0 {
            for (j, c) in cells.iter_mut().enumerate() {
                *c = if j % 2 == 0 {
                    format!("  {}\t", c.to_uppercase())
                } else {
                    format!(" {c}")
                };
            }
        }
        w.write_record(&cells).unwrap();
    }
    let shuffled = String::from_utf8(w.into_inner().unwrap()).unwrap();
    let (a, b) = (read(&shuffled), read(SAMPLE));
    assert!(a.is_clean());
    assert_eq!(a.rows, b.rows);
    assert_eq!(a.warnings, b.warnings);
}

#[test]
fn optional_columns_may_be_left_out() {
    let text = "case_no,individual_no,relationship,family_name,given_names,sex,date_of_birth,nationality,site\n\
                KGL-1,I-1,PA,TESTPERSON,Fictional,F,1990,SYR,KGL-TC1\n";
    let parsed = read(text);
    assert!(parsed.is_clean(), "{:#?}", parsed.problems);
    assert_eq!(parsed.rows[0].record.get(Field::Programme), None);
}

#[test]
fn unknown_columns_are_ignored_and_reported_once() {
    let mut text = String::from(header());
    text.push_str(",nickname,Notes 2,nickname,\n");
    for n in 1..=10 {
        text.push_str(sample_row(n));
        text.push_str(",Jojo,x,y,\n");
    }
    let parsed = read(&text);
    assert!(parsed.is_clean(), "{:#?}", parsed.problems);
    assert_eq!(
        parsed.unknown_columns,
        ["nickname", "Notes 2", "(column 29 has no name)"]
    );
    assert_eq!(parsed.rows, read(SAMPLE).rows);
}

#[test]
fn a_missing_required_column_stops_the_import_and_names_it() {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(SAMPLE.as_bytes());
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in rdr.records() {
        let row = row.unwrap();
        let cells: Vec<&str> = row
            .iter()
            .enumerate()
            .filter(|(i, _)| ![Field::Sex.index(), Field::Site.index()].contains(i))
            .map(|(_, c)| c)
            .collect();
        w.write_record(&cells).unwrap();
    }
    let err = try_read(&w.into_inner().unwrap()).unwrap_err();
    match &err {
        ImportError::MissingColumns { columns, unknown } => {
            assert_eq!(columns, &["sex", "site"]);
            assert!(unknown.is_empty());
        }
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string()
            .starts_with("the header (line 1) has no column sex, site"),
        "{err}"
    );
}

#[test]
fn files_that_are_not_a_case_import_are_refused_with_a_reason() {
    assert!(matches!(try_read(b""), Err(ImportError::Empty)));
    assert!(matches!(
        try_read(b"\xEF\xBB\xBF\n\n"),
        Err(ImportError::Empty)
    ));
    assert!(matches!(
        try_read(sample_row(1).as_bytes()),
        Err(ImportError::NoHeader { .. })
    ));
    assert!(matches!(
        try_read(SAMPLE.replace(',', ";").as_bytes()),
        Err(ImportError::WrongSeparator { .. })
    ));
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(SAMPLE.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    assert!(matches!(try_read(&utf16), Err(ImportError::NotUtf8 { .. })));
    assert!(matches!(
        try_read(&utf16[2..]),
        Err(ImportError::NotUtf8 { .. })
    ));
    let typo = try_read(SAMPLE.replacen("sex,", "sexe,", 1).as_bytes()).unwrap_err();
    assert!(
        typo.to_string()
            .contains("has no column sex (it has columns that are not in the spec: sexe)"),
        "{typo}"
    );
    let unclosed = SAMPLE.replacen("case_no,", "case_no,\"", 1);
    assert!(matches!(
        try_read(unclosed.as_bytes()),
        Err(ImportError::HeaderNotOneLine)
    ));
    let twice = SAMPLE.replacen("phone", "SEX", 1);
    assert!(matches!(
        try_read(twice.as_bytes()),
        Err(ImportError::DuplicateColumn {
            first: 8,
            second: 12,
            ..
        })
    ));
}

#[test]
fn an_io_error_is_an_import_error() {
    struct Failing;
    impl std::io::Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk on fire"))
        }
    }
    let err = parse(Failing, &ImportOptions::new(today()), &mut |_, _| {}).unwrap_err();
    assert!(err.to_string().contains("disk on fire"), "{err}");
}

// --- warnings ---

#[test]
fn a_child_certainly_older_than_a_parent_is_a_warning() {
    // PA born 1979-03-14, SP born 1984; a child born 1975 is older than both, one born 1984
    // might be younger than the SP.
    let older = row_with(3, Field::DateOfBirth, "1975");
    let maybe = row_with(4, Field::DateOfBirth, "1984");
    let parsed = read(&file(&[sample_row(1), sample_row(2), &older, &maybe]));
    assert!(parsed.is_clean());
    let dob: Vec<_> = parsed
        .warnings
        .iter()
        .filter(|w| w.column == "date_of_birth")
        .collect();
    assert_eq!(dob.len(), 1, "{dob:#?}");
    assert_eq!((dob[0].line, dob[0].value.as_str()), (4, "1975"));
    assert!(dob[0].message().contains("principal applicant on line 2"));
}

#[test]
fn a_urm_with_an_adult_in_the_case_is_a_warning() {
    // Case 103's URM, born 2009-08-19, is 17: alone she is fine; with an adult, or adult
    // herself, it is suspicious. An adult whose age is uncertain (born 2008) does not count.
    let urm = sample_row(6);
    let adult = row_with(1, Field::CaseNo, "KGL-2025-000103").replace("I-0001001", "I-9");
    let adult = adult.replace("USRAP,ORD,ABN-25-4410", "USRAP,SEA,");
    let parsed = read(&file(&[urm, &adult]));
    assert!(parsed.is_clean(), "{:#?}", parsed.problems);
    let w: Vec<_> = parsed
        .warnings
        .iter()
        .filter(|w| w.column == "vulnerabilities")
        .collect();
    assert_eq!(w.len(), 1);
    assert_eq!((w[0].line, w[0].value.as_str()), (2, "URM"));
    assert!(w[0].message().contains("line 3"), "{}", w[0].message());

    let maybe_adult = adult.replace("1979-03-14", "2008");
    let parsed = read(&file(&[urm, &maybe_adult]));
    assert!(
        parsed
            .warnings
            .iter()
            .all(|w| w.column != "vulnerabilities")
    );

    let herself = urm.replace("2009-08-19", "2001-08-19");
    let parsed = read(&file(&[&herself]));
    assert_eq!(warning_places(&parsed), [(2, "vulnerabilities")]);
}

#[test]
fn an_unknown_ssr_code_is_a_warning_not_a_problem() {
    let row = row_with(5, Field::SsrCodes, "WCHS;ZZZZ;DBML");
    let parsed = read(&file(&[&row]));
    assert!(parsed.is_clean());
    let w: Vec<_> = parsed
        .warnings
        .iter()
        .filter(|w| w.column == "ssr_codes")
        .collect();
    assert_eq!(w.len(), 1);
    assert!(w[0].message().contains("'ZZZZ'"));
}

#[test]
fn the_same_name_and_birth_date_in_two_cases_is_a_warning() {
    let again = row_with(8, Field::FamilyName, "habimana")
        .replace("Kevin", "JEAN CLAUDE")
        .replace(",2015,", ",1979-03-14,")
        .replace("I-0001031", "I-7");
    let same_case_twin = row_with(4, Field::GivenNames, "Divine").replace("2024-06-02", "2019-11");
    let parsed = read(&file(&[
        sample_row(1),
        sample_row(3),
        &same_case_twin,
        sample_row(7),
        &again,
    ]));
    assert!(parsed.is_clean(), "{:#?}", parsed.problems);
    let w: Vec<_> = parsed
        .warnings
        .iter()
        .filter(|w| w.column == "family_name")
        .collect();
    assert_eq!(w.len(), 1, "{w:#?}");
    assert_eq!(w[0].line, 6);
    assert!(
        w[0].message().contains("case KGL-2025-000101 (line 2"),
        "{}",
        w[0].message()
    );
}

#[test]
fn exit_permit_and_denial_reason_must_go_together() {
    let denied_no_reason = row_with(1, Field::ExitPermit, "DENIED");
    let reason_not_denied = row_with(8, Field::ExitPermit, "APPROVED");
    let parsed = read(&file(&[
        &denied_no_reason,
        sample_row(7),
        &reason_not_denied,
    ]));
    assert!(parsed.is_clean());
    let w: Vec<_> = parsed
        .warnings
        .iter()
        .filter(|w| w.column.starts_with("exit_permit"))
        .map(|w| (w.line, w.column.as_str()))
        .collect();
    assert_eq!(w, [(2, "exit_permit"), (4, "exit_permit_denial_reason")]);
}

#[test]
fn streaming_hands_over_the_rows_parse_keeps_with_the_same_problems_and_warnings() {
    let twin = row_with(8, Field::FamilyName, "habimana")
        .replace("Kevin", "JEAN CLAUDE")
        .replace(",2015,", ",1979-03-14,")
        .replace("I-0001031", "I-7");
    let denied = row_with(1, Field::ExitPermit, "DENIED");
    let mut rows: Vec<String> = SAMPLE.lines().skip(1).map(str::to_string).collect();
    rows.extend([twin, denied.replace("I-0001001", "I-8")]);
    rows.extend(BROKEN.lines().skip(1).map(str::to_string));
    let text = file(&rows.iter().map(String::as_str).collect::<Vec<_>>());
    let kept = read(&text);
    assert!(!kept.problems.is_empty() && !kept.warnings.is_empty());
    let mut handed = Vec::new();
    let streamed = waypoint_import::parse_streaming(
        text.as_bytes(),
        &ImportOptions::new(today()),
        &mut |_, _| {},
        &mut |line, record| handed.push(waypoint_import::ImportRow { line, record }),
    )
    .unwrap();
    assert!(streamed.rows.is_empty(), "handed over, not kept");
    assert_eq!(handed, kept.rows);
    assert_eq!(streamed.problems, kept.problems);
    assert_eq!(streamed.warnings, kept.warnings);
    assert_eq!(streamed.rows_read, kept.rows_read);
}

// --- robustness and speed ---

/// A small deterministic PRNG (xorshift64*), so the test needs no extra crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn no_input_makes_it_panic() {
    let mut rng = Rng(0x5EED_CAFE_F00D_0001);
    let interesting = b"\",\r\n;\xEF\xBB\xBF\xFF\x00 -aZ9";
    for round in 0..3000 {
        let mut bytes = SAMPLE.as_bytes().to_vec();
        match round % 3 {
            0 => {
                for _ in 0..1 + rng.below(8) {
                    let at = rng.below(bytes.len());
                    bytes[at] = interesting[rng.below(interesting.len())];
                }
            }
            1 => {
                for _ in 0..1 + rng.below(4) {
                    let at = rng.below(bytes.len());
                    match rng.below(3) {
                        0 => {
                            bytes.remove(at);
                        }
                        1 => bytes.insert(at, interesting[rng.below(interesting.len())]),
                        _ => bytes.truncate(at),
                    }
                    if bytes.is_empty() {
                        break;
                    }
                }
            }
            _ => {
                let len = rng.below(400);
                bytes = (0..len)
                    .map(|_| {
                        if rng.below(2) == 0 {
                            interesting[rng.below(interesting.len())]
                        } else {
                            rng.next() as u8
                        }
                    })
                    .collect();
                if rng.below(2) == 0 {
                    let mut with_header = header().as_bytes().to_vec();
                    with_header.push(b'\n');
                    with_header.extend(bytes);
                    bytes = with_header;
                }
            }
        }
        if let Ok(parsed) = try_read(&bytes) {
            // Whatever the input, a row is good or reported.
            assert!(parsed.rows.len() as u64 <= parsed.rows_read);
            if parsed.is_clean() {
                assert_eq!(parsed.rows.len() as u64, parsed.rows_read);
            }
        }
    }
}

#[test]
fn fifty_thousand_rows_parse_quickly() {
    let mut text = String::from(header());
    text.push('\n');
    for i in 0..50_000 {
        let n = 1 + i % 10;
        let row = sample_row(n)
            .replacen("KGL-2025-", &format!("KGL-{:06}-", i / 10), 1)
            .replacen(",I-", &format!(",I{i}-"), 1);
        text.push_str(&row);
        text.push('\n');
    }
    let start = std::time::Instant::now();
    let parsed = read(&text);
    let elapsed = start.elapsed();
    assert!(parsed.is_clean(), "{:#?}", &parsed.problems[..3]);
    assert_eq!(parsed.rows.len(), 50_000);
    eprintln!("50,000 rows in {elapsed:?}");
    if !cfg!(debug_assertions) {
        assert!(elapsed.as_secs_f64() < 1.0, "{elapsed:?}");
    }
}
