//! The bookings reader on the sample file and on files with mistakes.

use std::cell::Cell;
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use proptest::prelude::*;
use waypoint_domain::{BookingProblem, BookingStatus, CodeList, EscortKind, Field, ValueProblem};

use super::*;
use crate::{ImportOptions, parse_bytes};

const SAMPLE_BOOKINGS: &[u8] = include_bytes!("../../../../tests/fixtures/sample-bookings.csv");
const SAMPLE_CASES: &[u8] = include_bytes!("../../../../tests/fixtures/sample-cases.csv");

/// What the store would know after importing the sample cases: read with the case import.
fn sample_individuals() -> HashMap<String, KnownTraveller> {
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let cases = parse_bytes(
        SAMPLE_CASES.to_vec(),
        &ImportOptions::new(today),
        &mut |_, _| {},
    )
    .unwrap();
    assert!(cases.is_clean(), "{:?}", cases.problems);
    cases
        .rows
        .iter()
        .map(|r| {
            let ssr_codes = r
                .record
                .get(Field::SsrCodes)
                .unwrap_or_default()
                .split(';')
                .filter(|c| !c.is_empty())
                .map(|c| SsrCode::parse(c).unwrap())
                .collect();
            let known = KnownTraveller {
                case_no: r.record.get(Field::CaseNo).unwrap().to_string(),
                ssr_codes,
            };
            (
                r.record.get(Field::IndividualNo).unwrap().to_string(),
                known,
            )
        })
        .collect()
}

pub(super) fn read(bytes: &[u8]) -> BookingsFile {
    let known = sample_individuals();
    read_bookings(bytes, &|no| known.get(no).cloned())
}

fn utc(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn ssr(codes: &[&str]) -> Vec<SsrCode> {
    codes.iter().map(|c| SsrCode::parse(c).unwrap()).collect()
}

#[test]
fn the_sample_file_reads_into_three_bookings() {
    let file = read(SAMPLE_BOOKINGS);
    assert!(file.problems.is_empty(), "{:?}", file.problems);
    assert_eq!(file.rows_read, 17);
    let refs: Vec<&str> = file
        .bookings
        .iter()
        .map(|b| b.booking_ref.as_str())
        .collect();
    assert_eq!(refs, ["BKG-25-0001", "BKG-25-0002", "BKG-25-0003"]);

    // Kigali (UTC+2) 14:45 → Addis Ababa (UTC+3) 17:55 → Chicago (UTC−6) 06:05 next day.
    let b = &file.bookings[0];
    assert_eq!(b.status, BookingStatus::Ticketed);
    assert_eq!(b.record_locator.as_ref().unwrap().as_str(), "QX7K2M");
    assert_eq!(b.abn.as_deref(), Some("ABN-25-4410"));
    assert_eq!(b.replaces, None);
    let flights: Vec<String> = b.segments.iter().map(|s| s.flight()).collect();
    assert_eq!(flights, ["ET812", "ET654"]);
    assert_eq!(b.segments[0].departs, utc("2026-12-14T12:45:00Z"));
    assert_eq!(b.segments[0].arrives, utc("2026-12-14T14:55:00Z"));
    assert_eq!(b.segments[1].departs, utc("2026-12-14T19:40:00Z"));
    assert_eq!(b.segments[1].arrives, utc("2026-12-15T12:05:00Z"));
    let who: Vec<&str> = b
        .travellers
        .iter()
        .map(|t| t.individual_no.as_str())
        .collect();
    assert_eq!(who, ["I-0001001", "I-0001002", "I-0001003", "I-0001004"]);
    assert!(b.travellers.iter().all(|t| t.case_no == "KGL-2025-000101"));
    // Empty ssr_codes cells: each traveller's special needs, on every segment.
    assert_eq!(b.travellers[0].ssr, vec![Vec::<SsrCode>::new(); 2]);
    assert_eq!(b.travellers[2].ssr, vec![ssr(&["CHML"]); 2]);
    assert_eq!(b.travellers[3].ssr, vec![ssr(&["INFT", "BBML"]); 2]);
    assert!(b.escorts.is_empty());

    // Kigali 01:40 is 23:40 UTC the day before; Washington Dulles is UTC−5.
    let b = &file.bookings[1];
    assert_eq!(b.status, BookingStatus::Confirmed);
    assert_eq!(b.segments[0].departs, utc("2026-12-15T23:40:00Z"));
    assert_eq!(b.segments[1].arrives, utc("2026-12-16T20:20:00Z"));
    assert_eq!(b.travellers[0].ssr, vec![ssr(&["WCHC", "MEDA", "OXYG"]); 2]);
    assert_eq!(b.travellers[1].case_no, "KGL-2025-000105");
    assert_eq!(b.escorts.len(), 1);
    let e = &b.escorts[0];
    assert_eq!(e.name, "Test Escort (medical)");
    assert_eq!(e.kind, EscortKind::Medical);
    assert_eq!(e.accompanies, ["I-0001040"]);
    assert_eq!(
        (e.organisation.as_deref(), e.contact.as_deref()),
        (None, None)
    );

    // Proposed: no record locator, no ABN; Amsterdam (UTC+1) to Seattle (UTC−8).
    let b = &file.bookings[2];
    assert_eq!(b.status, BookingStatus::Proposed);
    assert_eq!((&b.record_locator, &b.abn), (&None, &None));
    assert_eq!(b.segments.len(), 3);
    assert_eq!(b.segments[1].arrives, utc("2026-12-19T05:10:00Z"));
    assert_eq!(b.segments[2].departs, utc("2026-12-19T09:25:00Z"));
    assert_eq!(b.segments[2].arrives, utc("2026-12-19T20:05:00Z"));
    assert_eq!(b.travellers[0].ssr, vec![ssr(&["UMNR"]); 3]);
    for b in &file.bookings {
        assert_eq!(b.check(), Ok(()));
    }
}

#[test]
fn a_bom_crlf_line_ends_and_blank_lines_change_nothing() {
    let plain = read(SAMPLE_BOOKINGS);
    let text = String::from_utf8(SAMPLE_BOOKINGS.to_vec()).unwrap();
    let mut windows = b"\xEF\xBB\xBF".to_vec();
    windows.extend(text.replace('\n', "\r\n\r\n").bytes());
    let file = read(&windows);
    assert_eq!(file.bookings, plain.bookings);
    assert_eq!(file.rows_read, plain.rows_read);
    assert!(file.is_clean());
}

#[test]
fn each_individual_is_looked_up_once() {
    let known = sample_individuals();
    let asked = Cell::new(0);
    let file = read_bookings(SAMPLE_BOOKINGS, &|no| {
        asked.set(asked.get() + 1);
        known.get(no).cloned()
    });
    assert!(file.is_clean());
    assert_eq!(asked.get(), 7);
}

const HEADER: &str = "booking_ref,record_locator,status,replaces,abn,traveller,escort_type,escorts,segment,carrier,flight_no,from,to,departs,arrives,ssr_codes";

/// One mistake per line, of many kinds (lines counted with the header as 1).
const BROKEN: &[&str] = &[
    "BKG-1,QX7K2M,TICKETED,,,I-0001001,,,1,ET,812,KGL,ADD,2026-12-14T14:45,2026-12-14T17:55,", // 2
    "BKG-1,QX7K2M,TICKETED,,,I-0001001,,,2,ET,654,ADD,ORD,2026-12-14T22:40,2026-12-15T06:05,", // 3
    "BKG-1,QX7K2M,TICKETED,,,I-0001002,,,1,ET,812,KGL,ADD,2026-12-14T14:45,2026-12-14T18:55,", // 4
    "BKG-1,QX7K2M,CONFIRMED,,,I-0001002,,,2,ET,654,ADD,ORD,2026-12-14T22:40,2026-12-15T06:05,", // 5
    "BKG-1,QX7K2M,TICKETED,,,I-0009999,,,1,ET,812,KGL,ADD,2026-12-14T14:45,2026-12-14T17:55,", // 6
    "BKG-1,QX7K2M,TICKETED,,,I-0009999,,,2,ET,654,ADD,ORD,2026-12-14T22:40,2026-12-15T06:05,", // 7
    "",                                                                                        // 8
    "BKG-2,,CONFIRMED,,,I-0001040,,,1,QR,1350,KGL,DOH,2026-12-16T01:40,2026-12-16T07:10,",     // 9
    "BKG-2,,CONFIRMED,,,I-0001040,,,2,QR,707,DOH,IAD,2026-12-16T08:35,2026-12-16T15:20,",      // 10
    r#"BKG-2,,CONFIRMED,,,"ESCORT:Dr ""Jo"" Smith",MEDICAL,I-0001099,1,QR,1350,KGL,DOH,2026-12-16T01:40,2026-12-16T07:10,"#, // 11
    r#"BKG-2,,CONFIRMED,,,"ESCORT:Dr ""Jo"" Smith",MEDICAL,I-0001099,2,QR,707,DOH,IAD,2026-12-16T08:35,2026-12-16T15:20,"#, // 12
    "BKG-3,AB12CD,TICKETED,,,I-0001041,,,1,XX9,479,KGL,NBO,2026-12-18T06:30,2026-12-18T08:25,", // 13
    "BKG-3,AB12CD,TICKETED,,,I-0001041,,,2,KQ,116,NBO,A1B,2026-12-18T23:55,2026-12-19T06:10,", // 14
    "BKG-4,AB12CE,TICKETED,,,I-0001041,,,1,KQ,479,KGL,NBO,2026-12-18T06:30,2026-12-18T08:25,", // 15
    "BKG-4,AB12CE,TICKETED,,,I-0001041,,,2,KQ,116,ADD,AMS,2026-12-18T23:55,2026-12-19T06:10,", // 16
    "BKG-5,AB12CF,TICKETED,,,I-0001041,,,1,KQ,479,KGL,NBO,2026-12-18T06:30,2026-12-18T05:25,", // 17
    "BKG-6,AB12CG,TICKETED,,,I-0001041,,,1,KL,536,KGL,AMS,2026-03-29T01:00,2026-03-29T02:30,", // 18
    "BKG-7,AB12CH,BOOKED,,,I-0001041,,,1,KQ,479,KGL,NBO,2026-12-18T06:30,2026-12-18T08:25,",   // 19
    "BKG-8,AB12CI,TICKETED,,,I-0001041,,,1,KQ,479,KGL,NBO,2026-12-18T06:30,2026-12-18T08:25,", // 20
    "BKG-8,AB12CI,TICKETED,,,I-0001041,,,2,KQ,116,NBO,AMS,2026-12-18T23:55,2026-12-19T06:10,", // 21
    "BKG-8,AB12CI,TICKETED,,,I-0001040,,,1,KQ,479,KGL,NBO,2026-12-18T06:30,2026-12-18T08:25,", // 22
    "BKG-9,AB12CJ,TICKETED,,,I-0001041,MEDICAL,,1,KQ,479,KGL,NBO,2026-12-18T06:30,2026-12-18T08:25,", // 23
    "BKG-10,,PROPOSED,,,I-0001041,,,1,KQ,12345,KGL,NBO,2026-12-18T06:30,2026-12-18T08:25,", // 24
    "BKG-11,,PROPOSED,,,I-0001041,,,1,KQ,479,KGL,NBO,2026-12-18 06:30,2026-12-18T08:25,",   // 25
    "BKG-12,,PROPOSED,,,ESCORT:,MEDICAL,I-0001041,1,KQ,479,KGL,NBO,2026-12-18T06:30,2026-12-18T08:25,", // 26
    "BKG-13,,PROPOSED,,,ESCORT:Ann Lee,,I-0001041,1,KQ,479,KGL,NBO,2026-12-18T06:30,2026-12-18T08:25,", // 27
    "BKG-13,,PROPOSED,,,I-0001041,,,1,KQ,479,KGL,NBO,2026-12-18T06:30,2026-12-18T08:25,", // 28
    "BKG-14,,PROPOSED,,,I-0001041,,,0,KQ,479,KGL,NBO,2026-12-18T06:30,2026-12-18T08:25,", // 29
    "BKG-15,,PROPOSED",                                                                   // 30
    "BKG-16,,PROPOSED,,,I-0001041,,,1,KQ,479,KGL,NBO,2026-12-18T06:30,2026-12-18T08:25,WCHR;WC1", // 31
    "BKG-17,,PROPOSED,,,I-0001041,,,1,KQ,479,KGL,NBO,2026-12-18T06:30,2026-12-18T08:25,\"WCHR;\nDBML\"", // 32-33
    "BKG-18,,PROPOSED,,,I-0001041,,,1,KQ,479,KGL,NBO,2026-12-18T06:30,2026-02-30T08:25,", // 34
    "BKG-19,AB12,TICKETED,,,I-0001041,,,1,KQ,479,KGL,NBO,2026-12-18T06:30,2026-12-18T08:25,", // 35
];

fn broken_file() -> String {
    let mut text = format!("{HEADER}\n");
    for line in BROKEN {
        text.push_str(line);
        text.push('\n');
    }
    text
}

fn invalid(problem: ValueProblem) -> BookingProblemCode {
    BookingProblemCode::InvalidValue(problem)
}

#[test]
fn a_broken_file_reports_every_mistake_on_its_line_and_column_and_nothing_else() {
    let file = read(broken_file().as_bytes());
    let found: Vec<(u64, &str, &BookingProblemCode)> = file
        .problems
        .iter()
        .map(|p| (p.line, p.column.as_str(), &p.code))
        .collect();
    let value = |s: &str| s.to_string();
    let expected: Vec<(u64, &str, BookingProblemCode)> = vec![
        (
            4,
            "arrives",
            BookingProblemCode::SegmentValueDiffers {
                segment: 1,
                first_value: Some(value("2026-12-14T17:55")),
                first_line: 2,
            },
        ),
        (
            5,
            "status",
            BookingProblemCode::BookingValueDiffers {
                booking_ref: value("BKG-1"),
                first_value: Some(value("TICKETED")),
                first_line: 2,
            },
        ),
        (6, "traveller", BookingProblemCode::UnknownTraveller),
        (7, "traveller", BookingProblemCode::UnknownTraveller),
        (
            9,
            "record_locator",
            BookingProblemCode::Booking(BookingProblem::NoRecordLocator {
                status: BookingStatus::Confirmed,
            }),
        ),
        (
            11,
            "escorts",
            BookingProblemCode::Booking(BookingProblem::EscortOfStranger {
                escort: value("Dr \"Jo\" Smith"),
                individual_no: value("I-0001099"),
            }),
        ),
        (
            13,
            "carrier",
            invalid(ValueProblem::BadCarrier {
                value: value("XX9"),
            }),
        ),
        (
            14,
            "to",
            invalid(ValueProblem::UnknownAirport {
                value: value("A1B"),
            }),
        ),
        (
            16,
            "from",
            BookingProblemCode::Booking(BookingProblem::DoesNotChain {
                segment: 1,
                arrives_at: value("NBO"),
                next_departs_from: value("ADD"),
            }),
        ),
        (
            17,
            "arrives",
            BookingProblemCode::Booking(BookingProblem::ArrivesBeforeDeparts { segment: 1 }),
        ),
        (
            18,
            "arrives",
            invalid(ValueProblem::NoSuchLocalTime {
                value: value("2026-03-29T02:30"),
                zone: value("Europe/Amsterdam"),
            }),
        ),
        (
            19,
            "status",
            invalid(ValueProblem::NotOneOf {
                value: value("BOOKED"),
                list: CodeList::BookingStatus,
            }),
        ),
        (
            22,
            "traveller",
            BookingProblemCode::NotOnEverySegment { missing: vec![2] },
        ),
        (23, "escort_type", BookingProblemCode::OnlyForEscorts),
        (
            24,
            "flight_no",
            invalid(ValueProblem::BadFlightNo {
                value: value("12345"),
            }),
        ),
        (
            25,
            "departs",
            invalid(ValueProblem::BadLocalTime {
                value: value("2026-12-18 06:30"),
            }),
        ),
        (26, "traveller", BookingProblemCode::EscortWithoutName),
        (27, "escort_type", BookingProblemCode::Required),
        (29, "segment", BookingProblemCode::BadSegmentNumber),
        (
            30,
            "",
            BookingProblemCode::WrongFieldCount {
                found: 3,
                expected: 16,
            },
        ),
        (
            31,
            "ssr_codes",
            invalid(ValueProblem::BadSsrCode {
                value: value("WC1"),
            }),
        ),
        (
            34,
            "arrives",
            invalid(ValueProblem::BadLocalTime {
                value: value("2026-02-30T08:25"),
            }),
        ),
        (
            35,
            "record_locator",
            invalid(ValueProblem::BadRecordLocator {
                value: value("AB12"),
            }),
        ),
    ];
    let expected: Vec<(u64, &str, &BookingProblemCode)> =
        expected.iter().map(|(l, c, p)| (*l, *c, p)).collect();
    assert_eq!(found, expected);
    assert!(!file.is_clean());
    // A booking without a problem of its own still reads (a dry run can say what would
    // load): the one with the multi-line cell.
    let good: Vec<&str> = file
        .bookings
        .iter()
        .map(|b| b.booking_ref.as_str())
        .collect();
    assert_eq!(good, ["BKG-17"]);
    assert_eq!(
        file.bookings[0].travellers[0].ssr,
        vec![ssr(&["WCHR", "DBML"])]
    );
}

#[test]
fn problems_quote_the_value_and_say_where_it_differs() {
    let file = read(broken_file().as_bytes());
    let line = |n: u64| {
        file.problems
            .iter()
            .find(|p| p.line == n)
            .unwrap()
            .to_string()
    };
    assert_eq!(
        line(4),
        "4:arrives: segment 1 has arrives '2026-12-14T18:55' here but arrives '2026-12-14T17:55' on line 2: every row of a segment must have the same arrives"
    );
    assert_eq!(
        line(6),
        "6:traveller: 'I-0009999' is not an individual of an imported case: import the case first, or write ESCORT: and the name for an escort"
    );
    assert_eq!(
        line(22),
        "22:traveller: I-0001040 has no row for segment 2 of this booking: a traveller flies the whole itinerary (a partial journey is a booking of its own)"
    );
    assert_eq!(
        line(16),
        "16:from: the itinerary does not chain: segment 1 arrives at NBO but segment 2 departs from ADD"
    );
    assert_eq!(
        line(30).split(": ").nth(1),
        Some("this row has 3 fields but the header has 16")
    );
}

#[test]
fn header_problems_are_reported_on_line_one() {
    let row =
        "BKG-1,PROPOSED,I-0001001,1,ET,812,KGL,ADD,2026-12-14T14:45,2026-12-14T17:55,x,TICKETED";
    let text = format!(
        "booking_ref,status,traveller,segment,carrier,flight_no,from,to,departs,Arrives,fare,status\n{row}\n"
    );
    let file = read(text.as_bytes());
    let found: Vec<(u64, &str, &BookingProblemCode)> = file
        .problems
        .iter()
        .map(|p| (p.line, p.column.as_str(), &p.code))
        .collect();
    assert_eq!(
        found,
        [
            (
                1,
                "status",
                &BookingProblemCode::DuplicateColumn { first: 2 }
            ),
            (1, "fare", &BookingProblemCode::UnknownColumn),
        ]
    );
    // The rows are still read, by the first of each column.
    assert_eq!(file.rows_read, 1);

    let file =
        read(b"booking_ref,status,traveller,segment,carrier,flight_no,from,to,arrives\nBKG-1\n");
    let missing: Vec<(&str, &BookingProblemCode)> = file
        .problems
        .iter()
        .map(|p| (p.column.as_str(), &p.code))
        .collect();
    assert_eq!(missing, [("departs", &BookingProblemCode::MissingColumn)]);
    assert_eq!(file.rows_read, 0);

    for empty in [&b""[..], b"\xEF\xBB\xBF\n\n"] {
        let file = read(empty);
        assert_eq!(file.problems[0].code, BookingProblemCode::Empty);
    }
    let file = read(b"\xFF\xFEb\0o\0");
    assert_eq!(file.problems[0].code, BookingProblemCode::NotUtf8File);
}

#[test]
fn two_bookings_may_replace_the_same_one() {
    let text = format!(
        "{HEADER}\n\
         BKG-2,AB12CD,TICKETED,BKG-1,,I-0001001,,,1,ET,812,KGL,ADD,2026-12-14T14:45,2026-12-14T17:55,\n\
         BKG-3,AB12CE,TICKETED,BKG-1,,I-0001002,,,1,ET,812,KGL,ADD,2026-12-14T14:45,2026-12-14T17:55,\n"
    );
    let file = read(text.as_bytes());
    assert!(file.is_clean(), "{:?}", file.problems);
    assert!(
        file.bookings
            .iter()
            .all(|b| b.replaces.as_ref().unwrap().as_str() == "BKG-1")
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// The rows may come in any order: the same bookings, the same segments, the same people.
    #[test]
    fn row_order_does_not_change_the_bookings(
        rows in Just(String::from_utf8(SAMPLE_BOOKINGS.to_vec()).unwrap().lines().skip(1).map(String::from).collect::<Vec<_>>()).prop_shuffle()
    ) {
        let text = format!("{}\n{}\n", HEADER, rows.join("\n"));
        let file = read(text.as_bytes());
        prop_assert!(file.is_clean());
        let mut got = file.bookings;
        got.sort_by(|a, b| a.booking_ref.cmp(&b.booking_ref));
        for b in &mut got {
            b.travellers.sort_by(|x, y| x.individual_no.cmp(&y.individual_no));
        }
        prop_assert_eq!(got, read(SAMPLE_BOOKINGS).bookings);
    }

    /// Whatever the bytes, a file is read to the end without a panic, and every problem is on
    /// a line of the file.
    #[test]
    fn any_bytes_are_read_without_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let mut text = HEADER.as_bytes().to_vec();
        text.push(b'\n');
        text.extend(&bytes);
        for input in [&text[..], &bytes[..]] {
            let lines = input.iter().filter(|b| matches!(b, b'\n' | b'\r')).count() as u64 + 1;
            let file = read(input);
            for p in &file.problems {
                prop_assert!(p.line >= 1 && p.line <= lines, "{} of {}", p.line, lines);
            }
        }
    }
}
