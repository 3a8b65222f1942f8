//! Each warning fires when its condition holds and not when it is met, with a stable key.

use chrono::NaiveDateTime;

use super::*;
use crate::booking::{
    BookingRef, BookingStatus, Carrier, Escort, FlightNo, RecordLocator, Segment,
};

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn segment(flight: &str, from: &str, to: &str, dep: &str, arr: &str) -> Segment {
    Segment::from_local(
        Carrier::parse(&flight[..2]).unwrap(),
        FlightNo::parse(&flight[2..]).unwrap(),
        AirportCode::parse(from).unwrap(),
        AirportCode::parse(to).unwrap(),
        at(dep),
        at(arr),
    )
    .unwrap()
}

fn ssr(codes: &[&str]) -> Vec<SsrCode> {
    codes.iter().map(|c| SsrCode::parse(c).unwrap()).collect()
}

fn traveller(no: &str, case: &str, codes: &[&str]) -> Traveller {
    Traveller {
        individual_no: no.into(),
        case_no: case.into(),
        ssr: vec![ssr(codes); 2],
    }
}

/// The sample's BKG-25-0001: Kigali to Chicago through Addis Ababa, the HABIMANA family.
fn kgl_ord() -> Booking {
    Booking {
        booking_ref: BookingRef::parse("BKG-25-0001").unwrap(),
        record_locator: Some(RecordLocator::parse("QX7K2M").unwrap()),
        status: BookingStatus::Ticketed,
        replaces: None,
        abn: Some("ABN-25-4410".into()),
        segments: vec![
            segment(
                "ET812",
                "KGL",
                "ADD",
                "2026-12-14T14:45",
                "2026-12-14T17:55",
            ),
            segment(
                "ET654",
                "ADD",
                "ORD",
                "2026-12-14T22:40",
                "2026-12-15T06:05",
            ),
        ],
        travellers: vec![
            traveller("I-0001001", "KGL-2025-000101", &[]),
            traveller("I-0001002", "KGL-2025-000101", &[]),
            traveller("I-0001003", "KGL-2025-000101", &["CHML"]),
            traveller("I-0001004", "KGL-2025-000101", &["INFT", "BBML"]),
        ],
        escorts: vec![],
    }
}

/// Someone travel-ready with an approved permit and a document valid long after the journey.
fn fine(no: &str, born: &str) -> TravellerFacts {
    TravellerFacts {
        individual_no: no.into(),
        date_of_birth: PartialDate::parse(born).unwrap(),
        vulnerabilities: vec![],
        document_expiry: Some(date("2030-01-01")),
        exit_permit: Some(ExitPermitStatus::Approved),
        travel_ready: true,
        programme: Some("USRAP".into()),
    }
}

/// The sample family's facts as in the sample cases file, with documents renewed.
fn family() -> Vec<TravellerFacts> {
    vec![
        fine("I-0001001", "1979-03-14"),
        fine("I-0001002", "1984"),
        fine("I-0001003", "2019-11"),
        fine("I-0001004", "2024-06-02"),
    ]
}

/// No warning at all.
const NONE: Vec<BookingWarning> = Vec::new();

fn warnings(b: &Booking, facts: &[TravellerFacts]) -> Vec<BookingWarning> {
    booking_warnings(b, facts, &BookingRules::shipped())
}

fn rules_of(w: &[BookingWarning]) -> Vec<(WarningRule, Option<&str>)> {
    w.iter()
        .map(|w| (w.rule, w.individual_no.as_deref()))
        .collect()
}

fn keys(w: &[BookingWarning]) -> Vec<&str> {
    w.iter().map(|w| w.key.as_str()).collect()
}

#[test]
fn the_sample_family_booking_has_no_warning_when_everything_is_in_order() {
    // ADD 17:55 → 22:40 is 285 minutes; the infant travels with both parents.
    assert_eq!(warnings(&kgl_ord(), &family()), NONE);
}

#[test]
fn the_sample_cases_documents_expire_before_the_journey() {
    // The sample cases file has documents expiring on 2026-02-28, before the December flights.
    let mut facts = family();
    for f in &mut facts {
        f.document_expiry = Some(date("2026-02-28"));
    }
    let w = warnings(&kgl_ord(), &facts);
    assert_eq!(
        keys(&w),
        [
            "document_expires:I-0001001",
            "document_expires:I-0001002",
            "document_expires:I-0001003",
            "document_expires:I-0001004",
        ]
    );
    assert_eq!(
        w[0].detail,
        WarningDetail::DocumentExpiry {
            expires: date("2026-02-28"),
            last_arrival: date("2026-12-15"),
            months: 0,
            valid_until: date("2026-12-15"),
        }
    );
    assert_eq!(
        w[0].to_string(),
        "I-0001001's travel document expires on 2026-02-28, before the last arrival on 2026-12-15"
    );
}

#[test]
fn a_fifty_minute_connection_is_short_and_the_minimum_may_be_bigger_at_an_airport() {
    let mut b = kgl_ord();
    b.segments[1] = segment(
        "ET654",
        "ADD",
        "ORD",
        "2026-12-14T18:45",
        "2026-12-15T02:05",
    );
    let w = warnings(&b, &family());
    assert_eq!(rules_of(&w), [(WarningRule::ShortConnection, None)]);
    assert_eq!(w[0].key.as_str(), "short_connection:1:ADD");
    assert_eq!(w[0].segment, Some(1));
    let add = AirportCode::parse("ADD").unwrap();
    assert_eq!(
        w[0].detail,
        WarningDetail::Connection {
            airport: add,
            minutes: 50,
            minimum: 90
        }
    );
    assert_eq!(
        w[0].to_string(),
        "the connection at ADD from segment 1 to segment 2 is 50 minutes, less than the 90 minutes asked"
    );

    // 100 minutes at ADD is enough; at ORD, USRAP asks for 150.
    b.segments[1] = segment(
        "ET654",
        "ADD",
        "ORD",
        "2026-12-14T19:35",
        "2026-12-15T02:55",
    );
    assert_eq!(warnings(&b, &family()), NONE);
    b.segments[0] = segment(
        "ET812",
        "KGL",
        "ORD",
        "2026-12-14T01:00",
        "2026-12-14T10:00",
    );
    b.segments[1] = segment(
        "UA100",
        "ORD",
        "SEA",
        "2026-12-14T11:40",
        "2026-12-14T14:30",
    );
    let w = warnings(&b, &family());
    assert_eq!(keys(&w), ["short_connection:1:ORD"]);
    assert!(matches!(
        w[0].detail,
        WarningDetail::Connection {
            minutes: 100,
            minimum: 150,
            ..
        }
    ));
    // A traveller of a programme on the default counts only the default's 90 minutes.
    let mut default = family();
    for f in &mut default {
        f.programme = Some("FAMILY_REUNIFICATION".into());
    }
    assert_eq!(warnings(&b, &default), NONE);
}

#[test]
fn an_infant_needs_an_adult_of_their_case() {
    let mut b = kgl_ord();
    // Only the children travel: the INFT infant, and the 7-year-old is not an adult.
    b.travellers.drain(..2);
    let w = warnings(&b, &family());
    assert_eq!(
        rules_of(&w),
        [(WarningRule::InfantWithoutAdult, Some("I-0001004"))]
    );
    assert_eq!(w[0].key.as_str(), "infant_without_adult:I-0001004");
    assert_eq!(
        w[0].to_string(),
        "I-0001004 has the SSR code INFT, and no adult (18 or older) of their case is on the booking"
    );

    // An adult of another case does not count.
    b.travellers
        .push(traveller("I-0002001", "KGL-2025-000202", &[]));
    let mut facts = family();
    facts.push(fine("I-0002001", "1970-01-01"));
    assert_eq!(rules_of(&warnings(&b, &facts)).len(), 1);
    // One of their own does.
    b.travellers
        .push(traveller("I-0001002", "KGL-2025-000101", &[]));
    assert_eq!(warnings(&b, &facts), NONE);
}

#[test]
fn an_infant_by_age_counts_a_partial_date_that_may_be_under_two() {
    let mut b = kgl_ord();
    b.travellers = vec![
        traveller("I-0003001", "KGL-2025-000303", &[]),
        traveller("I-0003002", "KGL-2025-000303", &[]),
    ];
    // Born some time in 2025: aged 0 or 1 on 2026-12-14. The other was born in 2008: 17 or 18,
    // not certainly an adult.
    let facts = vec![fine("I-0003001", "2025"), fine("I-0003002", "2008")];
    let w = warnings(&b, &facts);
    assert_eq!(keys(&w), ["infant_without_adult:I-0003001"]);
    assert_eq!(
        w[0].to_string(),
        "I-0003001 may be younger than 2 on 2026-12-14 (aged 0–1), and no adult (18 or older) of their case is on the booking"
    );
    // Born in 2024: 1 or 2, still possibly an infant; born 2023-12: certainly 2 or older.
    let facts = vec![fine("I-0003001", "2024"), fine("I-0003002", "1990")];
    assert_eq!(warnings(&b, &facts), NONE);
    let facts = vec![fine("I-0003001", "2024"), fine("I-0003002", "2008")];
    assert_eq!(
        keys(&warnings(&b, &facts)),
        ["infant_without_adult:I-0003001"]
    );
    let facts = vec![fine("I-0003001", "2023-11"), fine("I-0003002", "2008")];
    assert_eq!(warnings(&b, &facts), NONE);
}

fn escort(kind: EscortKind, of: &[&str]) -> Escort {
    Escort {
        name: "Test Escort".into(),
        kind,
        organisation: None,
        contact: None,
        accompanies: of.iter().map(|s| s.to_string()).collect(),
    }
}

#[test]
fn a_stretcher_oxygen_or_medical_case_needs_a_medical_escort() {
    let mut b = kgl_ord();
    b.travellers[0].ssr[1] = ssr(&["OXYG", "STCR"]);
    let w = warnings(&b, &family());
    assert_eq!(keys(&w), ["medical_needs_without_medical_escort:I-0001001"]);
    assert_eq!(w[0].segment, Some(2));
    assert_eq!(
        w[0].to_string(),
        "I-0001001 has OXYG, STCR on the booking, but no MEDICAL escort accompanies them"
    );
    // An operational escort, or a medical escort of someone else, is not enough.
    b.escorts = vec![
        escort(EscortKind::Operational, &["I-0001001"]),
        escort(EscortKind::Medical, &["I-0001002"]),
    ];
    assert_eq!(warnings(&b, &family()).len(), 1);
    b.escorts
        .push(escort(EscortKind::Medical, &["I-0001003", "I-0001001"]));
    assert_eq!(warnings(&b, &family()), NONE);
}

#[test]
fn an_unaccompanied_minor_needs_an_escort() {
    let mut b = kgl_ord();
    b.travellers[2].ssr[0] = ssr(&["UMNR"]);
    let mut facts = family();
    facts[1].vulnerabilities = vec![Vulnerability::UnaccompaniedMinor];
    let w = warnings(&b, &facts);
    assert_eq!(
        keys(&w),
        [
            "unaccompanied_minor_without_escort:I-0001002",
            "unaccompanied_minor_without_escort:I-0001003",
        ]
    );
    assert_eq!(w[1].segment, Some(1));
    // The wording does not say whether it comes from the vulnerability (need-to-know).
    assert_eq!(
        w[0].to_string(),
        "I-0001002 is an unaccompanied minor, but no escort accompanies them"
    );
    b.escorts = vec![escort(EscortKind::Operational, &["I-0001002", "I-0001003"])];
    assert_eq!(warnings(&b, &facts), NONE);
}

#[test]
fn a_document_must_last_the_journey_and_the_months_the_destination_asks() {
    let mut b = kgl_ord();
    b.travellers.truncate(1);
    let mut facts = vec![fine("I-0001001", "1979-03-14")];
    // Valid on the arrival day is enough where no months are asked.
    facts[0].document_expiry = Some(date("2026-12-15"));
    assert_eq!(warnings(&b, &facts), NONE);
    facts[0].document_expiry = Some(date("2026-12-14"));
    assert_eq!(keys(&warnings(&b, &facts)), ["document_expires:I-0001001"]);

    // RELOCATION to Amsterdam (NL) asks for 3 months after the arrival.
    b.segments = vec![
        segment(
            "KQ479",
            "KGL",
            "NBO",
            "2026-12-18T06:30",
            "2026-12-18T08:25",
        ),
        segment(
            "KQ116",
            "NBO",
            "AMS",
            "2026-12-18T23:55",
            "2026-12-19T06:10",
        ),
    ];
    facts[0].programme = Some("RELOCATION".into());
    facts[0].document_expiry = Some(date("2027-02-01"));
    let w = warnings(&b, &facts);
    assert_eq!(
        w[0].detail,
        WarningDetail::DocumentExpiry {
            expires: date("2027-02-01"),
            last_arrival: date("2026-12-19"),
            months: 3,
            valid_until: date("2027-03-19"),
        }
    );
    facts[0].document_expiry = Some(date("2027-03-19"));
    assert_eq!(warnings(&b, &facts), NONE);
}

#[test]
fn an_exit_permit_must_be_approved_or_not_required_where_the_programme_asks_for_one() {
    let mut b = kgl_ord();
    b.travellers.truncate(1);
    let mut facts = vec![fine("I-0001001", "1979-03-14")];
    for (status, warned) in [
        (Some(ExitPermitStatus::Approved), false),
        (Some(ExitPermitStatus::NotRequired), false),
        (Some(ExitPermitStatus::Requested), true),
        (Some(ExitPermitStatus::Submitted), true),
        (Some(ExitPermitStatus::Denied), true),
        (None, true),
    ] {
        facts[0].exit_permit = status;
        let w = warnings(&b, &facts);
        assert_eq!(w.len(), usize::from(warned), "{status:?}");
        if warned {
            assert_eq!(w[0].key.as_str(), "exit_permit_not_approved:I-0001001");
            assert_eq!(w[0].detail, WarningDetail::ExitPermit { status });
        }
    }
    facts[0].exit_permit = Some(ExitPermitStatus::Requested);
    assert_eq!(
        warnings(&b, &facts)[0].to_string(),
        "I-0001001's exit permit is REQUESTED, not APPROVED (or NOT_REQUIRED)"
    );
    // RELOCATION needs no exit permit.
    facts[0].programme = Some("RELOCATION".into());
    assert_eq!(warnings(&b, &facts), NONE);
}

#[test]
fn a_traveller_who_is_not_travel_ready_is_warned_about_and_one_without_facts_is_not() {
    let mut b = kgl_ord();
    b.travellers.truncate(2);
    let mut facts = family();
    facts[1].travel_ready = false;
    let w = warnings(&b, &facts);
    assert_eq!(keys(&w), ["not_travel_ready:I-0001002"]);
    assert_eq!(w[0].to_string(), "I-0001002 is not travel-ready");
    // Without facts, the rules that read what the store knows say nothing; the booking's own
    // (SSR codes) still speak.
    b.travellers[0].ssr[0] = ssr(&["STCR"]);
    assert_eq!(
        keys(&warnings(&b, &[])),
        ["medical_needs_without_medical_escort:I-0001001"]
    );
}

#[test]
fn keys_stay_the_same_when_nothing_about_the_warning_changed() {
    let mut b = kgl_ord();
    b.segments[1] = segment(
        "ET654",
        "ADD",
        "ORD",
        "2026-12-14T18:45",
        "2026-12-15T02:05",
    );
    b.travellers.drain(..2);
    let mut facts = family();
    facts[3].travel_ready = false;
    let first = warnings(&b, &facts);
    assert_eq!(
        keys(&first),
        [
            "short_connection:1:ADD",
            "infant_without_adult:I-0001004",
            "not_travel_ready:I-0001004",
        ]
    );
    // The same booking read again on another laptop: facts in another order, a copy of the
    // booking through JSON.
    facts.reverse();
    let copy: Booking = serde_json::from_str(&serde_json::to_string(&b).unwrap()).unwrap();
    assert_eq!(warnings(&copy, &facts), first);
    // The connection moves by ten minutes: the same warning, with new numbers.
    b.segments[1] = segment(
        "ET654",
        "ADD",
        "ORD",
        "2026-12-14T18:35",
        "2026-12-15T01:55",
    );
    let moved = warnings(&b, &facts);
    assert_eq!(keys(&moved), keys(&first));
    assert_ne!(moved[0].detail, first[0].detail);
    // A connection elsewhere is another warning.
    b.segments[0] = segment(
        "ET812",
        "KGL",
        "NBO",
        "2026-12-14T14:45",
        "2026-12-14T17:55",
    );
    b.segments[1] = segment(
        "KQ100",
        "NBO",
        "ORD",
        "2026-12-14T18:35",
        "2026-12-15T01:55",
    );
    assert_eq!(
        warnings(&b, &facts)[0].key.as_str(),
        "short_connection:1:NBO"
    );
}

#[test]
fn warnings_are_sent_with_snake_case_codes() {
    let mut b = kgl_ord();
    b.travellers.truncate(1);
    let mut facts = vec![fine("I-0001001", "1979-03-14")];
    facts[0].exit_permit = None;
    let w = serde_json::to_value(&warnings(&b, &facts)[0]).unwrap();
    assert_eq!(w["rule"], "exit_permit_not_approved");
    assert_eq!(w["key"], "exit_permit_not_approved:I-0001001");
    assert_eq!(w["detail"]["detail"], "exit_permit");
}

#[test]
fn a_booking_of_five_hundred_travellers_gets_its_warnings_in_one_pass() {
    let mut b = kgl_ord();
    b.travellers.clear();
    let mut facts = Vec::new();
    for case in 0..100 {
        let case_no = format!("KGL-2025-{case:06}");
        for member in 0..5 {
            let no = format!("I-{case:05}{member}");
            // The youngest of each case is an infant; every tenth case has no adult with them
            // on the booking (its adults' dates unknown).
            let born = match (member, case % 10) {
                (4, _) => "2026-01-01",
                (_, 0) => "UNKNOWN",
                _ => "1990-05-05",
            };
            facts.push(fine(&no, born));
            b.travellers.push(traveller(&no, &case_no, &[]));
        }
    }
    let w = warnings(&b, &facts);
    assert_eq!(w.len(), 10);
    assert!(w.iter().all(|w| w.rule == WarningRule::InfantWithoutAdult));
}
