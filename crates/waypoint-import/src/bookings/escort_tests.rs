//! The escorts' organisation and contact: optional columns, read on an escort's rows only,
//! trimmed and held to the case file's limits, the same on every row of the escort.

use waypoint_domain::ValueProblem;

use super::tests::read;
use super::*;

const HEADER: &str = "booking_ref,record_locator,status,replaces,abn,traveller,escort_type,escorts,escort_organisation,escort_contact,segment,carrier,flight_no,from,to,departs,arrives,ssr_codes";

/// A two-segment booking of I-0001040 and its escort, the escort's cells as given.
fn escort_file(organisation: [&str; 2], contact: [&str; 2], traveller_contact: &str) -> String {
    let segments = [
        "1,QR,1350,KGL,DOH,2026-12-16T01:40,2026-12-16T07:10",
        "2,QR,707,DOH,IAD,2026-12-16T08:35,2026-12-16T15:20",
    ];
    let mut text = format!("{HEADER}\n");
    for (i, s) in segments.iter().enumerate() {
        text += &format!("BKG-2,R4TZ8P,CONFIRMED,,,I-0001040,,,,{traveller_contact},{s},\n");
        text += &format!(
            "BKG-2,R4TZ8P,CONFIRMED,,,ESCORT:Test Escort,MEDICAL,I-0001040,\"{}\",\"{}\",{s},\n",
            organisation[i], contact[i]
        );
    }
    text
}

fn problems(file: &BookingsFile) -> Vec<(u64, &str, &BookingProblemCode)> {
    file.problems
        .iter()
        .map(|p| (p.line, p.column.as_str(), &p.code))
        .collect()
}

#[test]
fn an_escorts_organisation_and_contact_are_read_trimmed() {
    let org = "  Test  Health Partner ";
    let contact = " +000 0000 0000\t";
    let file = read(escort_file([org, org], [contact, contact], "").as_bytes());
    assert!(file.is_clean(), "{:?}", file.problems);
    let e = &file.bookings[0].escorts[0];
    assert_eq!(e.organisation.as_deref(), Some("Test Health Partner"));
    assert_eq!(e.contact.as_deref(), Some("+000 0000 0000"));

    // Both may be left empty: the escort is known by name and kind alone.
    let file = read(escort_file(["", ""], ["", ""], "").as_bytes());
    assert!(file.is_clean(), "{:?}", file.problems);
    let e = &file.bookings[0].escorts[0];
    assert_eq!(
        (e.organisation.as_deref(), e.contact.as_deref()),
        (None, None)
    );
}

#[test]
fn an_organisation_or_contact_too_long_or_on_a_travellers_row_is_refused_where_it_is() {
    let long_org = "O".repeat(201);
    let long_contact = "1".repeat(61);
    let file = read(
        escort_file(
            [&long_org, &long_org],
            [&long_contact, "+000 0000 0000"],
            "+111 1111",
        )
        .as_bytes(),
    );
    assert!(file.bookings.is_empty());
    let found = problems(&file);
    let too_long_org = BookingProblemCode::InvalidValue(ValueProblem::NameTooLong { max: 200 });
    let too_long_contact = BookingProblemCode::InvalidValue(ValueProblem::TextTooLong { max: 60 });
    assert_eq!(
        found,
        [
            (2, "escort_contact", &BookingProblemCode::OnlyForEscorts),
            (3, "escort_organisation", &too_long_org),
            (3, "escort_contact", &too_long_contact),
            (4, "escort_contact", &BookingProblemCode::OnlyForEscorts),
            (5, "escort_organisation", &too_long_org),
        ]
    );
    // A contact with a line break in it is not a contact.
    let file = read(escort_file(["", ""], ["+000\n0000", "+000\n0000"], "").as_bytes());
    assert!(
        file.problems.iter().all(|p| p.column == "escort_contact"
            && p.code == BookingProblemCode::InvalidValue(ValueProblem::TextHasControlCharacters)),
        "{:?}",
        file.problems
    );
    assert_eq!(file.problems.len(), 2);
}

#[test]
fn an_escorts_rows_must_agree_on_organisation_and_contact() {
    let file = read(
        escort_file(
            ["Test Health Partner", "Other Partner"],
            ["+000 0000 0000", ""],
            "",
        )
        .as_bytes(),
    );
    assert!(file.bookings.is_empty());
    let said: Vec<String> = file.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        said,
        [
            "5:escort_organisation: this escort has escort_organisation 'Other Partner' here but escort_organisation 'Test Health Partner' on line 3: every row of an escort must have the same escort_organisation",
            "5:escort_contact: this escort has no escort_contact here but escort_contact '+000 0000 0000' on line 3: every row of an escort must have the same escort_contact",
        ]
    );
}
