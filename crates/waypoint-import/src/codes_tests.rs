//! The English and the JSON of the codes.

use super::*;
use waypoint_domain::CodeList;

fn problem(line: u64, column: &str, value: &str, code: ProblemCode) -> Problem {
    Problem {
        line,
        column: column.to_string(),
        value: value.to_string(),
        code,
    }
}

fn warning(column: &str, value: &str, code: WarningCode) -> Warning {
    Warning {
        line: 4,
        column: column.to_string(),
        value: value.to_string(),
        code,
    }
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap_or_default()
}

fn json<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_default()
}

/// The English of each code is the text the import gave before the codes.
#[test]
fn problems_read_as_before() {
    let not_a_sex = ValueProblem::NotOneOf {
        value: "male".into(),
        list: CodeList::Sex,
    };
    let cases = [
        (
            problem(
                3,
                "sex",
                "male",
                ProblemCode::InvalidValue(not_a_sex.clone()),
            ),
            "'male' is not a sex: use one of M, F, X",
        ),
        (
            problem(3, "sex", " male ", ProblemCode::InvalidValue(not_a_sex)),
            "'male' is not a sex: use one of M, F, X",
        ),
        (
            problem(
                3,
                "ssr_codes",
                "WCHR;WC1",
                ProblemCode::InvalidValue(ValueProblem::BadSsrCode {
                    value: "WC1".into(),
                }),
            ),
            "'WCHR;WC1': 'WC1' is not an SSR code: SSR codes are four letters, e.g. WCHR",
        ),
        (
            problem(
                3,
                "phone",
                "+000\u{1}",
                ProblemCode::InvalidValue(ValueProblem::TextHasControlCharacters),
            ),
            "'+000\\u{1}': this text contains control characters",
        ),
        (
            problem(
                3,
                "sex",
                "",
                ProblemCode::InvalidValue(ValueProblem::Required { field: Field::Sex }),
            ),
            "sex is required",
        ),
        (
            problem(3, "phone", "\u{ff}", ProblemCode::NotUtf8),
            "'\u{ff}' is not UTF-8 text: the file may have been saved in another encoding; save it again as \"CSV UTF-8\"",
        ),
        (
            problem(
                5,
                "individual_no",
                "TEST-1",
                ProblemCode::DuplicateIndividual { first_line: 2 },
            ),
            "individual_no TEST-1 is already on line 2: each individual must appear once in a file",
        ),
        (
            problem(
                5,
                "abn",
                "",
                ProblemCode::CaseValueDiffers {
                    case_no: "KGL-1".into(),
                    first_value: Some("ABN1".into()),
                    first_line: 2,
                },
            ),
            "case KGL-1 has no abn here but abn 'ABN1' on line 2: every row of a case must have the same abn",
        ),
        (
            problem(
                5,
                "site",
                "NBO",
                ProblemCode::CaseValueDiffers {
                    case_no: "KGL-1".into(),
                    first_value: None,
                    first_line: 2,
                },
            ),
            "case KGL-1 has site 'NBO' here but no site on line 2: every row of a case must have the same site",
        ),
        (
            problem(
                6,
                "family_name",
                "\"TEST",
                ProblemCode::QuoteNotClosedOnLine { next_quote_line: 8 },
            ),
            "unclosed quote: the value of family_name starts with a quote (\") that is not closed on its line, so lines 6 to 8 were read as one row (the next quote is on line 8). Add the closing quote; a quote inside a value is written twice (\"\")",
        ),
        (
            problem(
                6,
                "",
                "\"TEST",
                ProblemCode::QuoteNeverClosed { last_line: Some(9) },
            ),
            "unclosed quote: a value starts with a quote (\") that is never closed, so lines 6 to 9 (the end of the file) were read as one value. Add the closing quote; a quote inside a value is written twice (\"\")",
        ),
        (
            problem(
                6,
                "phone",
                "\"1",
                ProblemCode::QuoteNeverClosed { last_line: None },
            ),
            "unclosed quote: the value of phone starts with a quote (\") that is never closed. Add the closing quote; a quote inside a value is written twice (\"\")",
        ),
        (
            problem(
                6,
                "given_names",
                "\"Jean \"JC\" Claude\"",
                ProblemCode::TextAfterClosingQuote,
            ),
            "\"Jean \"JC\" Claude\": a quote (\") ends the quoted value but more text follows it. In a value between quotes, write each quote inside it twice, e.g. \"Jean \"\"JC\"\" Claude\"",
        ),
        (
            problem(
                7,
                "sex",
                "A,B",
                ProblemCode::WrongFieldCount {
                    found: 5,
                    expected: 26,
                    ends_before: Some("sex".into()),
                },
            ),
            "this row has 5 fields but the header has 26: the row ends before the column sex. Check for a missing or extra comma, or a value with a comma that is not between quotes",
        ),
        (
            problem(
                7,
                "",
                "A,B",
                ProblemCode::WrongFieldCount {
                    found: 27,
                    expected: 26,
                    ends_before: None,
                },
            ),
            "this row has 27 fields but the header has 26: it has more values than columns. Check for a missing or extra comma, or a value with a comma that is not between quotes",
        ),
    ];
    for (p, expected) in cases {
        assert_eq!(p.message(), expected, "{:?}", p.code);
        assert_eq!(
            p.to_string(),
            format!("{}:{}: {expected}", p.line, p.column)
        );
    }
}

#[test]
fn warnings_read_as_before() {
    let cases = [
        (
            warning(
                "document_expiry",
                "2026-02-28",
                WarningCode::DocumentExpired { today: today() },
            ),
            "the travel document expired on 2026-02-28 (today is 2026-11-25): it cannot be used to travel",
        ),
        (
            warning(
                "document_expiry",
                "2027-01-31",
                WarningCode::DocumentExpiresSoon {
                    today: today(),
                    months: 6,
                },
            ),
            "the travel document expires on 2027-01-31, less than 6 months after today (2026-11-25): most countries and airlines want 6 months of validity left on the travel date",
        ),
        (
            warning(
                "family_name",
                "TESTER",
                WarningCode::SamePersonInTwoCases {
                    given_names: "Ann".into(),
                    date_of_birth: "1990-01-01".into(),
                    other_case_no: "KGL-1".into(),
                    other_line: 2,
                    other_individual_no: "KGL-1-01".into(),
                },
            ),
            "TESTER Ann, born 1990-01-01, is also in case KGL-1 (line 2, individual_no KGL-1-01): is this the same person in two cases?",
        ),
        (
            warning(
                "ssr_codes",
                "WCHR;ZZZZ",
                WarningCode::UnknownSsrCode {
                    code: "ZZZZ".into(),
                },
            ),
            "'ZZZZ' is not an SSR code Waypoint knows: check the code with the airline or the medical team",
        ),
        (
            warning("exit_permit", "DENIED", WarningCode::DeniedWithoutReason),
            "the exit permit is DENIED but exit_permit_denial_reason is empty: give the reason",
        ),
        (
            warning(
                "exit_permit_denial_reason",
                "test reason",
                WarningCode::DenialReasonWithoutDenial {
                    status: Some(ExitPermitStatus::Approved),
                },
            ),
            "there is an exit_permit_denial_reason but the exit permit is APPROVED, not DENIED: check which is right",
        ),
        (
            warning(
                "exit_permit_denial_reason",
                "test reason",
                WarningCode::DenialReasonWithoutDenial { status: None },
            ),
            "there is an exit_permit_denial_reason but no exit permit status: check whether the permit was DENIED",
        ),
        (
            warning(
                "date_of_birth",
                "1970",
                WarningCode::ChildOlderThanParent {
                    parent: Relationship::PrincipalApplicant,
                    parent_line: 2,
                    parent_birth: "1980-05".into(),
                },
            ),
            "this child (CH), born 1970, is older than the principal applicant on line 2, born 1980-05: check the dates of birth and relationships",
        ),
        (
            warning(
                "date_of_birth",
                "1970",
                WarningCode::ChildOlderThanParent {
                    parent: Relationship::Spouse,
                    parent_line: 3,
                    parent_birth: "1980".into(),
                },
            ),
            "this child (CH), born 1970, is older than the spouse on line 3, born 1980: check the dates of birth and relationships",
        ),
        (
            warning(
                "vulnerabilities",
                "URM",
                WarningCode::UrmIsAdult {
                    date_of_birth: "1990".into(),
                },
            ),
            "URM (unaccompanied minor), but this person, born 1990, is an adult: check the date of birth and the vulnerabilities",
        ),
        (
            warning(
                "vulnerabilities",
                "URM;MEDICAL",
                WarningCode::UrmWithAdultInCase {
                    adult_line: 3,
                    adult_birth: "1980-01-01".into(),
                },
            ),
            "URM (unaccompanied minor), but the case has an adult: line 3, born 1980-01-01: check the vulnerabilities and the case's members",
        ),
    ];
    for (w, expected) in cases {
        assert_eq!(w.message(), expected, "{:?}", w.code);
        assert_eq!(w.to_string(), format!("4:{}: {expected}", w.column));
    }
}

#[test]
fn hiding_forgets_the_value_and_what_was_said_of_it() {
    let mut p = problem(
        3,
        "vulnerabilities",
        "SECRET",
        ProblemCode::InvalidValue(ValueProblem::NotOneOf {
            value: "SECRET".into(),
            list: CodeList::Vulnerability,
        }),
    );
    p.hide();
    assert_eq!((p.value.as_str(), &p.code), ("", &ProblemCode::NotShown));
    assert_eq!(
        p.message(),
        format!("a value that is not valid {NOT_SHOWN}")
    );
    assert!(
        !serde_json::to_string(&p)
            .unwrap_or_default()
            .contains("SECRET")
    );

    let mut w = warning(
        "vulnerabilities",
        "URM",
        WarningCode::UrmIsAdult {
            date_of_birth: "1990".into(),
        },
    );
    w.hide();
    assert_eq!((w.value.as_str(), &w.code), ("", &WarningCode::NotShown));
    assert_eq!(w.message(), format!("a value to check {NOT_SHOWN}"));
}

#[test]
fn serde_gives_code_and_params() {
    assert_eq!(
        json(&ProblemCode::DuplicateIndividual { first_line: 2 }),
        serde_json::json!({"code": "duplicate_individual", "params": {"first_line": 2}})
    );
    assert_eq!(
        json(&ProblemCode::InvalidValue(ValueProblem::BadSsrCode {
            value: "WC1".into()
        })),
        serde_json::json!({"code": "invalid_value", "params": {"code": "bad_ssr_code", "params": {"value": "WC1"}}})
    );
    assert_eq!(
        json(&ProblemCode::NotShown),
        serde_json::json!({"code": "not_shown"})
    );
    assert_eq!(
        json(&WarningCode::DocumentExpiresSoon {
            today: today(),
            months: 6
        }),
        serde_json::json!({"code": "document_expires_soon", "params": {"today": "2026-11-25", "months": 6}})
    );
    assert_eq!(
        json(&WarningCode::DenialReasonWithoutDenial {
            status: Some(ExitPermitStatus::Approved)
        }),
        serde_json::json!({"code": "denial_reason_without_denial", "params": {"status": "APPROVED"}})
    );
    let w = warning("exit_permit", "DENIED", WarningCode::DeniedWithoutReason);
    let back: Warning =
        serde_json::from_value(serde_json::to_value(&w).unwrap_or_default()).unwrap();
    assert_eq!(back, w);
}

/// The window's types come from these: every code is exported with its parameters.
#[cfg(feature = "ts")]
#[test]
fn codes_export_to_typescript() {
    use ts_rs::TS;
    let cfg = ts_rs::Config::new();
    let problem = ProblemCode::decl(&cfg);
    assert!(
        problem.contains("\"code\": \"duplicate_individual\""),
        "{problem}"
    );
    assert!(problem.contains("first_line: number"), "{problem}");
    assert!(problem.contains("ValueProblem"), "{problem}");
    let warning = WarningCode::decl(&cfg);
    assert!(warning.contains("\"code\": \"urm_is_adult\""), "{warning}");
    assert!(warning.contains("today: string"), "{warning}");
    let value = ValueProblem::decl(&cfg);
    assert!(value.contains("\"code\": \"not_one_of\""), "{value}");
    assert!(value.contains("list: CodeList"), "{value}");
    assert!(Problem::decl(&cfg).contains("code: ProblemCode"));
}
