//! A case's history: every event on one timeline, newest first (`waypoint_app::history`), as
//! the window lists it.

use waypoint_app::history::{self, BookingField as Changed, Happened};

use super::{custodian_to_dto, outcome_to_dto, step_details};
use crate::dto::{self, BookingField, HistoryEntry};
use crate::error::CommandError;
use waypoint_app::session::Session;

/// The history of case `case_no` as the role signed in may see it; only what concerns
/// `individual_no` (and the whole case) when one is given.
pub fn case_history(
    state: &Session,
    case_no: &str,
    individual_no: Option<&str>,
) -> Result<Vec<HistoryEntry>, CommandError> {
    let store = state.store()?;
    let entries = history::of_case(&store, store.role(), case_no, individual_no)?;
    Ok(entries.into_iter().map(entry_to_dto).collect())
}

fn entry_to_dto(e: history::HistoryEntry) -> HistoryEntry {
    HistoryEntry {
        id: e.id.to_string(),
        at: e.at.to_rfc3339(),
        recorded_by: e.recorded_by,
        site: e.site,
        individual_nos: e.individual_nos,
        what: happened_to_dto(e.what),
    }
}

fn happened_to_dto(h: Happened) -> dto::Happened {
    match h {
        Happened::IdentityCheck {
            outcome,
            mismatched,
            document_no,
        } => dto::Happened::IdentityCheck {
            outcome: outcome_to_dto(&outcome),
            mismatched: mismatched
                .iter()
                .filter_map(|f| waypoint_domain::Field::from_column(f))
                .collect(),
            document_no,
        },
        Happened::Counselling {
            programme,
            complete,
            topics_covered,
            duration_minutes,
        } => dto::Happened::Counselling {
            programme,
            complete,
            topics_covered: u32::try_from(topics_covered).unwrap_or(u32::MAX),
            duration_minutes,
        },
        Happened::CustodyTransfer {
            document_no,
            from,
            to,
            location,
        } => dto::Happened::CustodyTransfer {
            document_no,
            from: custodian_to_dto(&from),
            to: custodian_to_dto(&to),
            location,
        },
        Happened::ExitPermit { step } => {
            let f = step_details(&step);
            dto::Happened::ExitPermit {
                step: step.status(),
                on: step.on().map(|d| d.to_string()),
                authority: f.authority,
                reference: f.reference,
                reason: f.reason,
                text: f.text,
                solution: f.solution,
            }
        }
        Happened::Journey { change } => dto::Happened::Journey {
            change: super::journey::change_to_dto(change),
        },
        Happened::Booking {
            booking_ref,
            made,
            fields,
            status,
        } => dto::Happened::Booking {
            booking_ref: booking_ref.to_string(),
            made,
            fields: fields.into_iter().map(booking_field).collect(),
            status,
        },
        Happened::WarningAcknowledged {
            booking_ref,
            warning,
            reason,
        } => dto::Happened::WarningAcknowledged {
            booking_ref: booking_ref.to_string(),
            warning,
            reason,
        },
        Happened::AbnVersion {
            abn_no,
            number,
            version,
        } => dto::Happened::AbnVersion {
            abn_no,
            number,
            version,
        },
    }
}

fn booking_field(f: Changed) -> BookingField {
    match f {
        Changed::Status => BookingField::Status,
        Changed::RecordLocator => BookingField::RecordLocator,
        Changed::Replaces => BookingField::Replaces,
        Changed::Abn => BookingField::Abn,
        Changed::Segments => BookingField::Segments,
        Changed::Travellers => BookingField::Travellers,
        Changed::Escorts => BookingField::Escorts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::{journey, testing};
    use crate::dto::{
        ExitPermitStepInput, ExitPermitStepRequest, JourneyChange, JourneyChangeRequest,
    };
    use waypoint_domain::{DenialReason, ExitPermitStatus, HoldReason, Role};

    #[test]
    fn a_step_and_a_hold_recorded_in_the_window_come_first_in_the_history() {
        let (_dir, state) = testing::state();
        journey::record_exit_permit(
            &state,
            &ExitPermitStepRequest {
                individual_no: "I-0001003".into(),
                step: ExitPermitStepInput::Denied {
                    on: Some("2025-11-24".into()),
                    reason: DenialReason::IncompleteDocuments,
                    text: "Birth certificate missing".into(),
                    solution: Some("Ask the civil registry".into()),
                },
            },
        )
        .unwrap();
        journey::change_journey(
            &state,
            &JourneyChangeRequest {
                case_no: "KGL-2025-000101".into(),
                members: vec!["I-0001003".into()],
                change: JourneyChange::OnHold {
                    reason: HoldReason::ExitPermit,
                    text: "Waiting for the new permit".into(),
                },
            },
        )
        .unwrap();
        let history = case_history(&state, "kgl-2025-000101", None).unwrap();
        assert_eq!(history[0].recorded_by, "A. Officer");
        assert_eq!(history[0].individual_nos, ["I-0001003"]);
        assert_eq!(
            history[0].what,
            dto::Happened::Journey {
                change: JourneyChange::OnHold {
                    reason: HoldReason::ExitPermit,
                    text: "Waiting for the new permit".into(),
                }
            }
        );
        assert_eq!(
            history[1].what,
            dto::Happened::ExitPermit {
                step: ExitPermitStatus::Denied,
                on: Some("2025-11-24".into()),
                authority: None,
                reference: None,
                reason: Some(DenialReason::IncompleteDocuments),
                text: Some("Birth certificate missing".into()),
                solution: Some("Ask the civil registry".into()),
            }
        );
        let father = case_history(&state, "KGL-2025-000101", Some("I-0001001")).unwrap();
        assert!(
            father.iter().all(|e| e.individual_nos == ["I-0001001"]),
            "{father:?}"
        );
    }

    #[test]
    fn a_role_that_may_not_see_the_permit_gets_none_of_its_steps() {
        let (_dir, state) = testing::state_as(Role::Administrator);
        let history = case_history(&state, "KGL-2025-000104", None).unwrap();
        assert!(
            !history
                .iter()
                .any(|e| matches!(e.what, dto::Happened::ExitPermit { .. })),
            "{history:?}"
        );
        let (_dir, state) = testing::state();
        let history = case_history(&state, "KGL-2025-000104", None).unwrap();
        assert!(
            history
                .iter()
                .any(|e| matches!(e.what, dto::Happened::ExitPermit { .. }))
        );
    }
}
