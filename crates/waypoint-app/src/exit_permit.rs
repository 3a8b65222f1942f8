//! Exit permits: recording a step of an individual's permit and reading its history. The state
//! is derived from the steps (the domain's `exit_permit_state`), never typed in; what the
//! authority said about a denial is shown only to roles that see the denial reason.

use uuid::Uuid;
use waypoint_domain::{
    Action, ExitPermitEvent, ExitPermitState, ExitPermitStep, FieldEvent, Role, exit_permit_state,
};
use waypoint_store::Store;

use crate::lookup::{self, non_blank, number};
use crate::{AppError, Context, SignedIn};

/// Records `step` of the exit permit of `individual_no`, as `who`, and gives the permit's
/// history as `who` may see it.
pub fn record(
    store: &mut Store,
    who: &SignedIn,
    ctx: &Context,
    individual_no: &str,
    step: ExitPermitStep,
) -> Result<ExitPermitState, AppError> {
    store.require(who.role, Action::ExitPermit)?;
    let individual_no = number(individual_no);
    let view = lookup::case_of_individual(store, who.role, &individual_no)?;
    let event = FieldEvent::ExitPermit(ExitPermitEvent {
        id: Uuid::now_v7(),
        individual_no: individual_no.clone(),
        case_no: view.case.case_no.clone(),
        site: ctx.site_for(&view.case.site),
        recorded_by: who.name.clone(),
        at: ctx.now,
        step: trimmed(step),
    });
    store.record_event_as(who.role, &event)?;
    history(store, who.role, &individual_no)
}

/// Every step of the exit permit of `individual_no`, in the order they happened, as `role` may
/// see them.
pub fn history(
    store: &Store,
    role: Role,
    individual_no: &str,
) -> Result<ExitPermitState, AppError> {
    let individual_no = number(individual_no);
    let view = lookup::case_of_individual(store, role, &individual_no)?;
    let steps = view.events.iter().filter_map(|e| match &e.event {
        FieldEvent::ExitPermit(p) => Some(p),
        _ => None,
    });
    Ok(exit_permit_state(&individual_no, steps))
}

/// The step as a person meant it: names and texts without surrounding blanks, a blank solution
/// as none.
fn trimmed(step: ExitPermitStep) -> ExitPermitStep {
    match step {
        ExitPermitStep::Submitted { on, authority } => ExitPermitStep::Submitted {
            on,
            authority: authority.trim().to_string(),
        },
        ExitPermitStep::Approved { on, reference } => ExitPermitStep::Approved {
            on,
            reference: reference.trim().to_string(),
        },
        ExitPermitStep::Denied {
            on,
            reason,
            text,
            solution,
        } => ExitPermitStep::Denied {
            on,
            reason,
            text: text.trim().to_string(),
            solution: non_blank(solution.as_deref()),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;
    use chrono::NaiveDate;
    use waypoint_domain::{DenialReason, ExitPermitStatus, may, may_see};
    use waypoint_store::StoreError;

    const WHO: &str = "I-0001010";

    /// Days of the month after the sample's import (whose undated first steps count as of
    /// the day it ran, `testing::now`).
    fn day(d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(2025, 12, d)
    }

    /// Working at the end of that month.
    fn later() -> Context {
        Context::new(None, testing::now() + chrono::Days::new(30))
    }

    fn denied(on: u32, text: &str) -> ExitPermitStep {
        ExitPermitStep::Denied {
            on: day(on),
            reason: DenialReason::IncompleteDocuments,
            text: text.into(),
            solution: Some("  Bring the birth certificate ".into()),
        }
    }

    #[test]
    fn a_new_request_after_a_denial_is_a_new_attempt_and_the_denial_stays_in_the_history() {
        let (_dir, mut store) = testing::store();
        let (who, ctx) = (testing::supervisor(), later());
        // The sample's row says REQUESTED: the import recorded that step.
        let imported = history(&store, who.role, WHO).unwrap().history.len();
        assert_eq!(imported, 1);
        record(
            &mut store,
            &who,
            &ctx,
            "i-0001010",
            ExitPermitStep::Requested { on: day(3) },
        )
        .unwrap();
        let state = record(
            &mut store,
            &who,
            &ctx,
            WHO,
            denied(10, " Birth certificate missing "),
        )
        .unwrap();
        assert_eq!(state.status(), Some(ExitPermitStatus::Denied));
        let again = record(
            &mut store,
            &who,
            &ctx,
            WHO,
            ExitPermitStep::Requested { on: day(12) },
        )
        .unwrap();
        assert_eq!(again.status(), Some(ExitPermitStatus::Requested));
        assert_eq!(again.history.len(), imported + 3);
        let denial = again.denials().next().unwrap();
        assert_eq!(
            denial.step,
            ExitPermitStep::Denied {
                on: day(10),
                reason: DenialReason::IncompleteDocuments,
                text: "Birth certificate missing".into(),
                solution: Some("Bring the birth certificate".into()),
            }
        );
        assert_eq!(denial.recorded_by, testing::OFFICER);
        assert_eq!(denial.site, "KGL-TC1");
        assert_eq!(history(&store, who.role, WHO).unwrap(), again);
    }

    #[test]
    fn a_role_that_may_not_record_steps_is_refused_and_nothing_is_recorded() {
        let (_dir, mut store) = testing::store();
        let ctx = later();
        let before = history(&store, Role::Supervisor, WHO).unwrap();
        let refused: Vec<Role> = Role::ALL
            .iter()
            .copied()
            .filter(|r| !may(*r, Action::ExitPermit))
            .collect();
        assert!(!refused.is_empty());
        for role in refused {
            let who = SignedIn::new("someone", role);
            let e = record(
                &mut store,
                &who,
                &ctx,
                WHO,
                ExitPermitStep::Requested { on: day(3) },
            )
            .unwrap_err();
            assert!(
                matches!(e, AppError::Store(StoreError::NotAllowed { .. })),
                "{role}: {e}"
            );
        }
        assert_eq!(history(&store, Role::Supervisor, WHO).unwrap(), before);
    }

    #[test]
    fn a_denial_for_a_reason_without_what_the_authority_said_is_refused() {
        let (_dir, mut store) = testing::store();
        let (who, ctx) = (testing::supervisor(), later());
        let before = history(&store, who.role, WHO).unwrap();
        let e = record(&mut store, &who, &ctx, WHO, denied(10, "   ")).unwrap_err();
        assert!(e.to_string().contains("what the authority said"), "{e}");
        assert_eq!(history(&store, who.role, WHO).unwrap(), before);
    }

    #[test]
    fn the_denial_text_and_solution_are_hidden_from_roles_that_may_not_see_the_denial_reason() {
        let (_dir, mut store) = testing::store();
        let (who, ctx) = (testing::supervisor(), later());
        record(
            &mut store,
            &who,
            &ctx,
            WHO,
            denied(10, "Birth certificate missing"),
        )
        .unwrap();
        for role in Role::ALL {
            let state = history(&store, *role, WHO).unwrap();
            let Some(ExitPermitStep::Denied {
                reason,
                text,
                solution,
                ..
            }) = state.current()
            else {
                panic!("{role} does not see the denial");
            };
            assert_eq!(*reason, DenialReason::IncompleteDocuments, "{role}");
            if may_see(*role, waypoint_domain::Field::ExitPermitDenialReason) {
                assert_eq!(text, "Birth certificate missing", "{role}");
                assert!(solution.is_some(), "{role}");
            } else {
                assert!(text.is_empty() && solution.is_none(), "{role} sees {text}");
            }
        }
    }

    #[test]
    fn a_step_for_someone_not_in_the_store_is_refused() {
        let (_dir, mut store) = testing::store();
        let (who, ctx) = (testing::supervisor(), later());
        let e = record(
            &mut store,
            &who,
            &ctx,
            "I-9999999",
            ExitPermitStep::Requested { on: None },
        )
        .unwrap_err();
        assert!(matches!(e, AppError::UnknownIndividual(_)), "{e}");
    }
}
