//! Identity and document checks: the MRZ read and compared with the record, the officer's
//! conclusion recorded. The rules are `waypoint_app::identity_check`'s; this translates.

use waypoint_app::identity_check;
use waypoint_domain::mrz::MrzReading;

use super::{event_to_dto, mismatch_to_dto};
use crate::dto::{
    self, CheckDigit, EventRecord, IdentityCheckRecord, IdentityCheckRequest, MrzComparison,
};
use crate::error::CommandError;
use waypoint_app::session::Session;

/// Reads an MRZ as typed or scanned: two or three lines; blanks ignored, lower case accepted.
pub fn read_mrz(text: &str) -> Result<dto::MrzReading, CommandError> {
    Ok(reading_to_dto(&identity_check::read_mrz(text)?))
}

/// Reads an MRZ and compares it with `individual_no`'s record.
pub fn check_mrz(
    state: &Session,
    individual_no: &str,
    text: &str,
) -> Result<MrzComparison, CommandError> {
    let store = state.store()?;
    let compared = identity_check::check_mrz(&store, store.role(), individual_no, text)?;
    Ok(MrzComparison {
        reading: reading_to_dto(&compared.reading),
        mismatches: compared
            .mismatches
            .iter()
            .filter_map(mismatch_to_dto)
            .collect(),
    })
}

/// Records the officer's conclusion as an identity check at this site, now.
pub fn record_identity_check(
    state: &Session,
    request: &IdentityCheckRequest,
) -> Result<IdentityCheckRecord, CommandError> {
    let cx = waypoint_app::Context::new(state.site.clone(), state.now());
    let request = identity_check::IdentityCheckRequest {
        individual_no: request.individual_no.clone(),
        document_no: request.document_no.clone(),
        outcome: outcome_from_dto(&request.outcome),
        mismatches: request
            .mismatches
            .iter()
            .map(|m| waypoint_domain::Mismatch {
                field: m.field.column().to_string(),
                on_record: m.on_record.clone(),
                on_document: m.on_document.clone(),
            })
            .collect(),
    };
    let mut store = state.store()?;
    let role = store.role();
    let checked_by = store.signed_in().to_string();
    let check = identity_check::record_identity_check(&mut store, &cx, role, &checked_by, request)?;
    match event_to_dto(&waypoint_domain::FieldEvent::IdentityCheck(check)) {
        Some(EventRecord::IdentityCheck(c)) => Ok(c),
        _ => Err(CommandError::invalid(
            "the check was not recorded as a check",
        )),
    }
}

fn outcome_from_dto(o: &dto::CheckOutcome) -> waypoint_domain::CheckOutcome {
    use waypoint_domain::CheckOutcome as O;
    match o {
        dto::CheckOutcome::Verified => O::Verified,
        dto::CheckOutcome::Mismatch { reason } => O::Mismatch {
            reason: reason.clone(),
        },
        dto::CheckOutcome::NotVerified { reason } => O::NotVerified {
            reason: reason.clone(),
        },
    }
}

fn reading_to_dto(r: &MrzReading) -> dto::MrzReading {
    dto::MrzReading {
        format: r.format.name().to_string(),
        document_code: r.document_code.clone(),
        issuing_country: r.issuing_country.clone(),
        document_number: r.document_number.clone(),
        surname: r.surname.clone(),
        given_names: r.given_names.clone(),
        nationality: r.nationality.clone(),
        date_of_birth: r.date_of_birth.to_string(),
        sex: r.sex.to_string(),
        date_of_expiry: r.date_of_expiry.to_string(),
        check_digits: r
            .check_digits
            .iter()
            .map(|c| CheckDigit {
                field: c.field,
                ok: c.ok,
            })
            .collect(),
        valid: r.is_valid(),
    }
}

#[cfg(test)]
mod tests {
    //! The translation only: the rules are tested in waypoint-app and waypoint-domain.
    use super::*;
    use crate::commands::{cases, testing};

    const ICAO_LONG_NUMBER: &str = "I<UTOD23145890<7349<<<<<<<<<<<\n3407127M9507122UTO<<<<<<<<<<<2\nSTEVENSON<<PETER<JOHN<<<<<<<<<";

    #[test]
    fn the_reading_keeps_the_shape_the_ui_knows() {
        let r = read_mrz(ICAO_LONG_NUMBER).unwrap();
        assert_eq!(r.format, "TD1");
        assert_eq!(r.document_number, "D23145890734");
        assert_eq!(r.date_of_birth, "1934-07-12");
        assert_eq!(r.sex, "M");
        assert!(r.valid);
        let fields: Vec<&str> = r.check_digits.iter().map(|c| c.field.code()).collect();
        assert_eq!(
            fields,
            [
                "document_number",
                "date_of_birth",
                "date_of_expiry",
                "composite"
            ]
        );
        let e = read_mrz("P<UTO\nL898").unwrap_err().message();
        assert!(e.contains("2 line(s) of 5, 4 characters"), "{e}");
    }

    #[test]
    fn compares_and_records_as_the_person_signed_in() {
        let (_dir, state) = testing::state();
        let c = check_mrz(&state, "I-0001020", ICAO_LONG_NUMBER).unwrap();
        assert!(c.reading.valid);
        assert!(
            c.mismatches
                .iter()
                .any(|m| m.field == waypoint_domain::Field::FamilyName)
        );
        let ok = record_identity_check(
            &state,
            &IdentityCheckRequest {
                individual_no: "I-0001010".into(),
                document_no: Some("N0045821".into()),
                outcome: dto::CheckOutcome::Verified,
                mismatches: vec![],
            },
        )
        .unwrap();
        assert_eq!(ok.site, "KGL-TC1");
        assert_eq!(ok.checked_by, "A. Officer");
        assert_eq!(ok.checked_at, testing::now().to_rfc3339());
        let case = cases::get_case(&state, "KGL-2025-000102").unwrap();
        assert!(case.members[0].verified_today);
        assert_eq!(case.events_today.len(), 1);
    }

    #[test]
    fn a_role_that_may_not_check_identities_is_refused() {
        let (_dir, state) = testing::state_as(waypoint_domain::Role::DataProcessing);
        let e = check_mrz(&state, "I-0001010", ICAO_LONG_NUMBER).unwrap_err();
        assert_eq!(
            e.failure_kind(),
            crate::error::FailureKind::NotAllowed,
            "{}",
            e.message()
        );
    }
}
