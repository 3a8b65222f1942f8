//! The journey forms of the case screen: a hold, cancellation or resumption
//! (`waypoint_app::journey::change`) and a step of an exit permit
//! (`waypoint_app::exit_permit::record`). The rules and the refusals are the use cases'.

use chrono::NaiveDate;
use waypoint_app::{AppError, StoreError};
use waypoint_domain::{ExitPermitStep, Field, FieldError, PartialDate, ValueProblem};

use super::cases::member_journey;
use super::exit_permit_to_dto;
use crate::dto::{
    ExitPermitRecord, ExitPermitStepInput, ExitPermitStepRequest, JourneyChange,
    JourneyChangeRequest, MemberJourney,
};
use crate::error::CommandError;
use waypoint_app::session::Session;

/// Records the hold, cancellation or resumption and gives each member's journey as it is now.
pub fn change_journey(
    state: &Session,
    request: &JourneyChangeRequest,
) -> Result<Vec<MemberJourney>, CommandError> {
    let mut store = state.store()?;
    let who = store.who();
    let journey = waypoint_app::journey::change(
        &mut store,
        &who,
        &state.context(),
        &request.case_no,
        &request.members,
        change_from_dto(request.change.clone()),
    )?;
    Ok(journey.individuals.iter().map(member_journey).collect())
}

/// Records the step and gives every step of the permit, oldest first, as the role may see them.
pub fn record_exit_permit(
    state: &Session,
    request: &ExitPermitStepRequest,
) -> Result<Vec<ExitPermitRecord>, CommandError> {
    let step = step_from_dto(&request.step, state.today())?;
    let mut store = state.store()?;
    let who = store.who();
    let permit = waypoint_app::exit_permit::record(
        &mut store,
        &who,
        &state.context(),
        &request.individual_no,
        step,
    )?;
    Ok(permit.history.iter().map(exit_permit_to_dto).collect())
}

fn change_from_dto(c: JourneyChange) -> waypoint_domain::JourneyChange {
    use waypoint_domain::JourneyChange as C;
    match c {
        JourneyChange::OnHold { reason, text } => C::OnHold { reason, text },
        JourneyChange::Cancelled { reason, text } => C::Cancelled { reason, text },
        JourneyChange::Resumed { text } => C::Resumed { text },
    }
}

pub(crate) fn change_to_dto(c: waypoint_domain::JourneyChange) -> JourneyChange {
    use waypoint_domain::JourneyChange as C;
    match c {
        C::OnHold { reason, text } => JourneyChange::OnHold { reason, text },
        C::Cancelled { reason, text } => JourneyChange::Cancelled { reason, text },
        C::Resumed { text } => JourneyChange::Resumed { text },
    }
}

/// The step asked for, its day read here: the window sends a full date or none (today).
fn step_from_dto(
    s: &ExitPermitStepInput,
    today: NaiveDate,
) -> Result<ExitPermitStep, CommandError> {
    let day = |on: &Option<String>| day_of(on.as_deref(), today);
    Ok(match s {
        ExitPermitStepInput::NotRequired { on } => ExitPermitStep::NotRequired { on: day(on)? },
        ExitPermitStepInput::Requested { on } => ExitPermitStep::Requested { on: day(on)? },
        ExitPermitStepInput::Submitted { on, authority } => ExitPermitStep::Submitted {
            on: day(on)?,
            authority: authority.clone(),
        },
        ExitPermitStepInput::Approved { on, reference } => ExitPermitStep::Approved {
            on: day(on)?,
            reference: reference.clone(),
        },
        ExitPermitStepInput::Denied {
            on,
            reason,
            text,
            solution,
        } => ExitPermitStep::Denied {
            on: day(on)?,
            reason: *reason,
            text: text.clone(),
            solution: solution.clone(),
        },
    })
}

/// `None` (or blank) is today, as on the command line: a step a person records always has its
/// day (only one carried over from the record has none). Anything else must be a full date.
fn day_of(on: Option<&str>, today: NaiveDate) -> Result<Option<NaiveDate>, CommandError> {
    let Some(text) = on.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(Some(today));
    };
    match PartialDate::parse(text) {
        Ok(PartialDate::Full(d)) => Ok(Some(d)),
        _ => Err(AppError::Store(StoreError::InvalidValue {
            field: Field::ExitPermit,
            error: FieldError::new(ValueProblem::NotFullDate {
                value: text.to_string(),
            }),
        })
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testing;
    use crate::error::FailureKind;
    use waypoint_app::MessageCode;
    use waypoint_domain::{ExitPermitStatus, HoldReason, JourneyStep, Role};

    fn hold(members: &[&str]) -> JourneyChangeRequest {
        JourneyChangeRequest {
            case_no: "KGL-2025-000101".into(),
            members: members.iter().map(|m| m.to_string()).collect(),
            change: JourneyChange::OnHold {
                reason: HoldReason::MedicalClearance,
                text: "Waiting for the TB clearance".into(),
            },
        }
    }

    #[test]
    fn a_member_on_hold_waits_and_a_resumption_of_the_whole_case_lifts_it() {
        let (_dir, state) = testing::state();
        let held = change_journey(&state, &hold(&["i-0001003"])).unwrap();
        let step =
            |j: &[MemberJourney], no: &str| j.iter().find(|m| m.individual_no == no).unwrap().step;
        assert_eq!(step(&held, "I-0001003"), JourneyStep::OnHold);
        assert_ne!(step(&held, "I-0001001"), JourneyStep::OnHold);
        let resumed = change_journey(
            &state,
            &JourneyChangeRequest {
                members: vec![],
                change: JourneyChange::Resumed {
                    text: "Clearance received".into(),
                },
                ..hold(&[])
            },
        )
        .unwrap();
        assert_ne!(step(&resumed, "I-0001003"), JourneyStep::OnHold);
    }

    #[test]
    fn a_role_without_the_right_is_refused_as_not_allowed() {
        let (_dir, state) = testing::state_as(Role::FieldAssistant);
        let e = change_journey(&state, &hold(&[])).unwrap_err();
        assert_eq!(e.failure_kind(), FailureKind::NotAllowed, "{}", e.message());
        let (_dir, state) = testing::state_as(Role::PoeAssociate);
        let e = record_exit_permit(
            &state,
            &ExitPermitStepRequest {
                individual_no: "I-0001010".into(),
                step: ExitPermitStepInput::Requested { on: None },
            },
        )
        .unwrap_err();
        assert_eq!(e.failure_kind(), FailureKind::NotAllowed, "{}", e.message());
    }

    #[test]
    fn a_step_is_recorded_on_its_day_or_today_and_a_day_that_is_no_date_is_refused() {
        let (_dir, state) = testing::state();
        let submitted = record_exit_permit(
            &state,
            &ExitPermitStepRequest {
                individual_no: "I-0001010".into(),
                step: ExitPermitStepInput::Submitted {
                    on: Some("2025-11-20".into()),
                    authority: "DGIE Kigali".into(),
                },
            },
        )
        .unwrap();
        let last = submitted.last().unwrap();
        assert_eq!(last.step, ExitPermitStatus::Submitted);
        assert_eq!(last.on.as_deref(), Some("2025-11-20"));
        assert_eq!(last.authority.as_deref(), Some("DGIE Kigali"));
        let approved = record_exit_permit(
            &state,
            &ExitPermitStepRequest {
                individual_no: "I-0001010".into(),
                step: ExitPermitStepInput::Approved {
                    on: None,
                    reference: "EXP-2025-0042".into(),
                },
            },
        )
        .unwrap();
        assert_eq!(
            approved.last().unwrap().on.as_deref(),
            Some(state.today().to_string().as_str())
        );
        let e = record_exit_permit(
            &state,
            &ExitPermitStepRequest {
                individual_no: "I-0001010".into(),
                step: ExitPermitStepInput::Requested {
                    on: Some("2025-11".into()),
                },
            },
        )
        .unwrap_err();
        assert!(
            matches!(
                e.code(),
                MessageCode::InvalidValue {
                    field: Field::ExitPermit,
                    ..
                }
            ),
            "{:?}",
            e.code()
        );
    }
}
