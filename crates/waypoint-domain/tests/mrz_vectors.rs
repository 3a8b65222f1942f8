//! Reading published MRZs: ICAO 9303's specimens and other MRZ readers' test vectors, each
//! with where it comes from. Only vectors from the ICAO documents and from projects under a
//! permissive licence are copied here; the few made up for a case no one publishes say so and
//! carry obviously fake names.
#![allow(clippy::unwrap_used)]

use waypoint_domain::mrz::{CheckedField, DocumentDate, MrzError, MrzFormat, read_mrz};

/// A published zone and what it must read as.
struct Vector {
    /// Project or document, file, licence.
    source: &'static str,
    lines: &'static [&'static str],
    format: MrzFormat,
    document_number: &'static str,
    surname: &'static str,
    given_names: &'static str,
    date_of_birth: &'static str,
}

const VALID: &[Vector] = &[
    Vector {
        source: "ICAO Doc 9303 Part 4, Appendix A (TD3 specimen)",
        lines: &[
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
        ],
        format: MrzFormat::Td3,
        document_number: "L898902C3",
        surname: "ERIKSSON",
        given_names: "ANNA MARIA",
        date_of_birth: "1974-08-12",
    },
    Vector {
        source: "ICAO Doc 9303 Part 5, Appendix A (TD1 specimen)",
        lines: &[
            "I<UTOD231458907<<<<<<<<<<<<<<<",
            "7408122F1204159UTO<<<<<<<<<<<6",
            "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
        ],
        format: MrzFormat::Td1,
        document_number: "D23145890",
        surname: "ERIKSSON",
        given_names: "ANNA MARIA",
        date_of_birth: "1974-08-12",
    },
    Vector {
        source: "ICAO Doc 9303 Part 6, Appendix A (TD2 specimen)",
        lines: &[
            "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
            "D231458907UTO7408122F1204159<<<<<<<6",
        ],
        format: MrzFormat::Td2,
        document_number: "D23145890",
        surname: "ERIKSSON",
        given_names: "ANNA MARIA",
        date_of_birth: "1974-08-12",
    },
    Vector {
        source: "ICAO Doc 9303 Part 11, Appendix D.2 (TD1 with a 12-character document number)",
        lines: &[
            "I<UTOD23145890<7349<<<<<<<<<<<",
            "3407127M9507122UTO<<<<<<<<<<<2",
            "STEVENSON<<PETER<JOHN<<<<<<<<<",
        ],
        format: MrzFormat::Td1,
        document_number: "D23145890734",
        surname: "STEVENSON",
        given_names: "PETER JOHN",
        date_of_birth: "1934-07-12",
    },
    Vector {
        source: "ICAO Doc 9303 Part 11, Appendix D.2 (TD2 with a 12-character document number)",
        lines: &[
            "I<UTOSTEVENSON<<PETER<JOHN<<<<<<<<<<",
            "D23145890<UTO3407127M95071227349<<<8",
        ],
        format: MrzFormat::Td2,
        document_number: "D23145890734",
        surname: "STEVENSON",
        given_names: "PETER JOHN",
        date_of_birth: "1934-07-12",
    },
    Vector {
        source: "ICAO Doc 9303 Part 7, Appendix A (MRV-A specimen)",
        lines: &[
            "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L8988901C4XXX4009078F96121096ZE184226B<<<<<<",
        ],
        format: MrzFormat::MrvA,
        document_number: "L8988901C",
        surname: "ERIKSSON",
        given_names: "ANNA MARIA",
        date_of_birth: "1940-09-07",
    },
    Vector {
        source: "ICAO Doc 9303 Part 7, Appendix A (MRV-B specimen)",
        lines: &[
            "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
            "L8988901C4XXX4009078F9612109<<<<<<<<",
        ],
        format: MrzFormat::MrvB,
        document_number: "L8988901C",
        surname: "ERIKSSON",
        given_names: "ANNA MARIA",
        date_of_birth: "1940-09-07",
    },
    Vector {
        source: "cheminfo/mrz, src/parse/__tests__/td1.test.ts, MIT (Portuguese card PRT-BO-04001 from the EU's PRADO)",
        lines: &[
            "I<PRT007666667<ZZ00<<<<<<<<<<<",
            "8303143M3405293PRT<<<<<<<<<<<4",
            "CACADOR<DE<ARAUJO<<ANDRE<ESTEV",
        ],
        format: MrzFormat::Td1,
        document_number: "007666667ZZ0",
        surname: "CACADOR DE ARAUJO",
        given_names: "ANDRE ESTEV",
        date_of_birth: "1983-03-14",
    },
    Vector {
        source: "cheminfo/mrz, src/parse/__tests__/td1.test.ts, MIT (Portuguese card)",
        lines: &[
            "I<PRT007777779<ZZ92<<<<<<<<<<<",
            "8303143M3405282PRT<<<<<<<<<<<2",
            "CACADOR<DE<ARAUJO<<ANDRE<ESTEV",
        ],
        format: MrzFormat::Td1,
        document_number: "007777779ZZ9",
        surname: "CACADOR DE ARAUJO",
        given_names: "ANDRE ESTEV",
        date_of_birth: "1983-03-14",
    },
    Vector {
        source: "cheminfo/mrz, src/parse/__tests__/td1.test.ts, MIT (Belgian card BEL-BO-11005 from PRADO)",
        lines: &[
            "IDBEL600001795<0152<<<<<<<<<<<",
            "1301014F2311207BEL130101987398",
            "SPECIMEN<<SPECIMEN<<<<<<<<<<<<",
        ],
        format: MrzFormat::Td1,
        document_number: "600001795015",
        surname: "SPECIMEN",
        given_names: "SPECIMEN",
        date_of_birth: "2013-01-01",
    },
    Vector {
        source: "cheminfo/mrz, src/parse/__tests__/td1.test.ts, MIT (a 12-character number)",
        lines: &[
            "I<UTOD23145890<1233<<<<<<<<<<<",
            "7408122F1204159UTO<<<<<<<<<<<2",
            "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
        ],
        format: MrzFormat::Td1,
        document_number: "D23145890123",
        surname: "ERIKSSON",
        given_names: "ANNA MARIA",
        date_of_birth: "1974-08-12",
    },
    Vector {
        source: "cheminfo/mrz, src/parse/__tests__/td1.js (2019), MIT (a long number whose digit counts the filler, optional data after it)",
        lines: &[
            "I<UTOD23145890<1240<XYZ<<<<<<<",
            "7408122F1204159UTO<<<<<<<<<<<8",
            "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
        ],
        format: MrzFormat::Td1,
        document_number: "D23145890124",
        surname: "ERIKSSON",
        given_names: "ANNA MARIA",
        date_of_birth: "1974-08-12",
    },
    Vector {
        // Line 1 is PRADO's BEL-BO-03003 as quoted in cheminfo/mrz,
        // src/parsers/__tests__/check.test.ts (MIT); lines 2 and 3 are made up around it.
        source: "Belgian card BEL-BO-03003, line 1 (check digit over the number with the filler)",
        lines: &[
            "IDBEL000590240<6013<<<<<<<<<<<",
            "8001014F3001019BEL<<<<<<<<<<<4",
            "SPECIMEN<<SAMPLE<<<<<<<<<<<<<<",
        ],
        format: MrzFormat::Td1,
        document_number: "000590240601",
        surname: "SPECIMEN",
        given_names: "SAMPLE",
        date_of_birth: "1980-01-01",
    },
    Vector {
        source: "cheminfo/mrz, src/parse/__tests__/td1.test.ts, MIT (Finnish card FIN-BO-12001 from PRADO: a filler inside the optional data)",
        lines: &[
            "I<FINXA10000585010195<112X<<<<",
            "9501016F2803135FIN<<<<<<<<<<<7",
            "SPECIMEN<TRAVEL<<VILMA<SOFIA<<",
        ],
        format: MrzFormat::Td1,
        document_number: "XA1000058",
        surname: "SPECIMEN TRAVEL",
        given_names: "VILMA SOFIA",
        date_of_birth: "1995-01-01",
    },
    Vector {
        source: "cheminfo/mrz, src/parse/__tests__/td1.test.ts, MIT (Swiss card: an 8-character number)",
        lines: &[
            "IDCHEA1234567<6<<<<<<<<<<<<<<<",
            "7510256M2009018CHE<<<<<<<<<<<8",
            "SMITH<<JOHN<ALBERT<<<<<<<<<<<<",
        ],
        format: MrzFormat::Td1,
        document_number: "A1234567",
        surname: "SMITH",
        given_names: "JOHN ALBERT",
        date_of_birth: "1975-10-25",
    },
    Vector {
        source: "cheminfo/mrz, src/parse/__tests__/td1.test.ts, MIT (no surname)",
        lines: &[
            "I<CHED231458907ABC<<<<<<<<<<<<",
            "7408122F1204159CHE<<<<<<<<<<<1",
            "<<ANNA<MARIA<<<<<<<<<<<<<<<<<<",
        ],
        format: MrzFormat::Td1,
        document_number: "D23145890",
        surname: "",
        given_names: "ANNA MARIA",
        date_of_birth: "1974-08-12",
    },
];

#[test]
fn published_zones_read_as_valid_with_the_whole_document_number() {
    for v in VALID {
        let r = read_mrz(&v.lines.join("\n")).unwrap_or_else(|e| panic!("{}: {e}", v.source));
        let failed: Vec<CheckedField> = r.failed_checks().collect();
        assert!(failed.is_empty(), "{}: {failed:?}", v.source);
        assert!(r.is_valid(), "{}", v.source);
        assert_eq!(r.format, v.format, "{}", v.source);
        assert_eq!(r.document_number, v.document_number, "{}", v.source);
        assert_eq!(r.surname, v.surname, "{}", v.source);
        assert_eq!(r.given_names, v.given_names, "{}", v.source);
        assert_eq!(r.date_of_birth.to_string(), v.date_of_birth, "{}", v.source);
        // A scanner's one line reads the same.
        let joined = read_mrz(&v.lines.concat()).unwrap();
        assert_eq!(joined, r, "{}", v.source);
    }
}

#[test]
fn each_format_has_its_check_digits() {
    let fields = |i: usize| -> Vec<&str> {
        let r = read_mrz(&VALID[i].lines.join("\n")).unwrap();
        r.check_digits.iter().map(|c| c.field.code()).collect()
    };
    let all = [
        "document_number",
        "date_of_birth",
        "date_of_expiry",
        "personal_number",
        "composite",
    ];
    assert_eq!(fields(0), all, "TD3");
    let no_personal = [all[0], all[1], all[2], all[4]];
    assert_eq!(fields(1), no_personal, "TD1");
    assert_eq!(fields(2), no_personal, "TD2");
    assert_eq!(fields(5), all[..3], "MRV-A");
    assert_eq!(fields(6), all[..3], "MRV-B");
}

/// `lines` with the character at `line`, `col` replaced by `c`.
fn changed(lines: &[&str], line: usize, col: usize, c: char) -> String {
    edited(lines, &[(line, col, c)])
}

/// `lines` with each (line, column, character) of `edits` made.
fn edited(lines: &[&str], edits: &[(usize, usize, char)]) -> String {
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    for &(line, col, c) in edits {
        out[line].replace_range(col..col + 1, &c.to_string());
    }
    out.join("\n")
}

fn failed(text: &str) -> Vec<CheckedField> {
    read_mrz(text).unwrap().failed_checks().collect()
}

#[test]
fn a_wrong_digit_in_a_long_number_fails_its_check_digit_and_the_composite() {
    let icao = VALID[3].lines;
    // D23145890734 -> D23145890735.
    let text = changed(icao, 0, 17, '5');
    let r = read_mrz(&text).unwrap();
    assert_eq!(r.document_number, "D23145890735");
    assert_eq!(
        failed(&text),
        [CheckedField::DocumentNumber, CheckedField::Composite]
    );
    // Its check digit changed instead: the number's digit and the composite fail.
    assert_eq!(
        failed(&changed(icao, 0, 18, '8')),
        [CheckedField::DocumentNumber, CheckedField::Composite]
    );
    // The same in a TD2.
    let td2 = VALID[4].lines;
    assert_eq!(
        failed(&changed(td2, 1, 30, '5')),
        [CheckedField::DocumentNumber, CheckedField::Composite]
    );
}

#[test]
fn a_filler_for_a_check_digit_fails_except_where_icao_allows_it() {
    // TD1: the marker of a long number with nothing after it.
    let td1 = VALID[1].lines;
    let text = changed(td1, 0, 14, '<');
    assert!(
        failed(&text).contains(&CheckedField::DocumentNumber),
        "{text}"
    );
    // A date's check digit as a filler, where the digit is 0 (the arithmetic cannot tell).
    let td3 = [
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    ];
    // Passports have no long numbers: a filler for the number's digit fails.
    assert!(
        failed(&changed(&td3, 1, 9, '<')).contains(&CheckedField::DocumentNumber),
        "TD3"
    );
    // An empty personal number may have a filler for its digit (or 0), not a filled one.
    let empty = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159<<<<<<<<<<<<<<<<";
    let composite_ok = read_mrz(empty).unwrap();
    assert!(
        !composite_ok
            .failed_checks()
            .any(|f| f == CheckedField::PersonalNumber),
        "{composite_ok:?}"
    );
    assert!(
        failed(&changed(&td3, 1, 42, '<')).contains(&CheckedField::PersonalNumber),
        "a filled personal number's digit as a filler"
    );
}

#[test]
fn a_date_with_a_filler_for_its_zero_check_digit_fails() {
    // Made up: born 2002-01-07, whose check digit is 0.
    let base = [
        "I<UTOD231458907<<<<<<<<<<<<<<<",
        "0201070F1204159UTO<<<<<<<<<<<0",
        "SPECIMEN<<SAMPLE<<<<<<<<<<<<<<",
    ];
    let with_zero = read_mrz(&base.join("\n")).unwrap();
    assert!(
        !with_zero
            .failed_checks()
            .any(|f| f == CheckedField::DateOfBirth),
        "{with_zero:?}"
    );
    assert!(failed(&changed(&base, 1, 6, '<')).contains(&CheckedField::DateOfBirth));
}

#[test]
fn dates_partly_unknown_or_unreadable_are_kept_as_printed() {
    let td1 = VALID[1].lines;
    let unknown_day = edited(td1, &[(1, 4, '<'), (1, 5, '<')]);
    let r = read_mrz(&unknown_day).unwrap();
    assert_eq!(
        r.date_of_birth,
        DocumentDate::PartlyUnknown("7408<<".into())
    );
    let letter = changed(td1, 1, 2, 'O');
    let r = read_mrz(&letter).unwrap();
    assert!(
        matches!(r.date_of_birth, DocumentDate::Unreadable(_)),
        "{r:?}"
    );
    assert!(!r.is_valid());
}

#[test]
fn a_text_that_is_no_zone_is_explained() {
    let e = read_mrz("P<UTO\nL898").unwrap_err();
    assert_eq!(
        e,
        MrzError::Shape {
            lengths: vec![5, 4]
        }
    );
    assert!(
        e.to_string().contains("2 line(s) of 5, 4 characters"),
        "{e}"
    );
    let e = read_mrz("").unwrap_err();
    assert!(e.to_string().contains("0 line(s) of 0 characters"), "{e}");
    // The right shape, a character no zone has.
    let e = read_mrz(&changed(VALID[1].lines, 2, 3, '-')).unwrap_err();
    assert!(matches!(e, MrzError::Unreadable(_)), "{e:?}");
    // Blanks and lower case as a person types them are fine.
    let typed = "p<uto eriksson<<anna<maria<<<<<<<<<<<<<<<<<<<\n  L898902C36UTO7408122F1204159ZE184226B<<<<<10  \n\n";
    assert!(read_mrz(typed).unwrap().is_valid());
}
