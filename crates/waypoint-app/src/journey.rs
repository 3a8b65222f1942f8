//! Where a case stands on its journey, member by member, and what each member still needs
//! before travelling: derived from what was recorded, never typed in
//! ([docs/journey.md](../../../docs/journey.md)).

use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;
use waypoint_domain::{
    Action, ArrivalStep, BookingStatus, CaseFacts, ExitPermitEvent, FieldEvent, JourneyEvent,
    Movement, MovementFact, ReadinessRules, Role, Travellers, arrival_movements, departed_facts,
    journey,
};
pub use waypoint_domain::{
    CancelReason, DocumentProblem, HoldReason, IndividualJourney, Journey, JourneyChange,
    JourneyStep, Missing,
};
use waypoint_store::{CaseView, Store};

use crate::lookup::number;
use crate::{AppError, Context, SignedIn};

/// The programmes' readiness rules shipped with Waypoint, read once.
pub(crate) fn rules() -> &'static ReadinessRules {
    static RULES: OnceLock<ReadinessRules> = OnceLock::new();
    RULES.get_or_init(ReadinessRules::shipped)
}

/// The journey of case `case_no` on `today`. Every role may ask: the answer names steps and
/// what is missing, never a value. It is worked out on the whole record, not on what the role
/// may see, or a role that may not see document numbers would read "no number" where there is
/// one; as no value is shown, no view of one is recorded.
pub fn of_case(store: &Store, case_no: &str, today: NaiveDate) -> Result<Journey, AppError> {
    let case_no = number(case_no);
    let view = store
        .case_for_rules(&case_no)?
        .ok_or_else(|| AppError::UnknownCase(case_no.clone()))?;
    of_view(store, &view, today)
}

/// [`of_case`] for a case already read whole (with [`Store::case_for_rules`]).
pub(crate) fn of_view(
    store: &Store,
    view: &CaseView,
    today: NaiveDate,
) -> Result<Journey, AppError> {
    let case_no = &view.case.case_no;
    let events: Vec<FieldEvent> = view.events.iter().map(|e| e.event.clone()).collect();
    let exit_permits: Vec<ExitPermitEvent> = events
        .iter()
        .filter_map(|e| match e {
            FieldEvent::ExitPermit(p) => Some(p.clone()),
            _ => None,
        })
        .collect();
    let journey_events: Vec<JourneyEvent> = events
        .iter()
        .filter_map(|e| match e {
            FieldEvent::Journey(j) => Some(j.clone()),
            _ => None,
        })
        .collect();
    let mut movements = booked(store, case_no)?;
    // Departed is a fact of the departure notices: the latest version of each booking's.
    movements.extend(departed_facts(&store.departure_notices_of_case(case_no)?));
    // Arrived and at final destination come from the arrival checklist's steps.
    let arrival_steps: Vec<ArrivalStep> = events
        .iter()
        .filter_map(|e| match e {
            FieldEvent::ArrivalStep(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    let members: Vec<String> = view
        .case
        .members
        .iter()
        .map(|m| m.individual_no.clone())
        .collect();
    movements.extend(arrival_movements(&members, &arrival_steps));
    let facts = CaseFacts {
        events: &events,
        exit_permits: &exit_permits,
        journey_events: &journey_events,
        movements: &movements,
        open_problems: &[],
    };
    Ok(journey(&view.case, &facts, rules(), today))
}

/// The members of `case_no` on a confirmed or ticketed booking that is neither cancelled nor
/// replaced by a rebooking: booked is a fact of the bookings, never typed in.
fn booked(store: &Store, case_no: &str) -> Result<Vec<MovementFact>, AppError> {
    let theirs = store.bookings_of_case(case_no)?;
    let mut current = Vec::new();
    for b in theirs {
        let booked = matches!(b.status, BookingStatus::Confirmed | BookingStatus::Ticketed);
        if booked && store.bookings_replacing(&b.booking_ref)?.is_empty() {
            current.push(b);
        }
    }
    Ok(current
        .iter()
        .flat_map(|b| {
            b.travellers
                .iter()
                .filter(|t| t.case_no == case_no)
                .map(|t| MovementFact {
                    individual_no: t.individual_no.clone(),
                    at: DateTime::<Utc>::UNIX_EPOCH,
                    movement: Movement::Booked {
                        booking: b.booking_ref.clone(),
                    },
                })
        })
        .collect())
}

/// Puts (part of) case `case_no` on hold, cancels or resumes its journey, as `who`: the whole
/// case when `members` is empty, else those members. A hold or cancellation of someone who has
/// already departed is refused. Gives the journey as it is now.
pub fn change(
    store: &mut Store,
    who: &SignedIn,
    ctx: &Context,
    case_no: &str,
    members: &[String],
    change: JourneyChange,
) -> Result<Journey, AppError> {
    store.require(who.role, Action::HoldJourney)?;
    let case_no = number(case_no);
    let today = ctx.today();
    let before = of_case(store, &case_no, today)?;
    let travellers = if members.is_empty() {
        Travellers::WholeCase
    } else {
        let mut individual_nos: Vec<String> = members.iter().map(|m| number(m)).collect();
        individual_nos.sort();
        individual_nos.dedup();
        Travellers::Members { individual_nos }
    };
    if !matches!(change, JourneyChange::Resumed { .. }) {
        if let Some(gone) = before.departed_among(&travellers) {
            return Err(AppError::AfterDeparture {
                individual_no: gone.to_string(),
            });
        }
    }
    // Only the case's site is needed: read as the role that sees no need-to-know field, so
    // that it is not recorded as a view of one.
    let site = store
        .case_as(Role::Administrator, &case_no)?
        .map(|v| v.case.site)
        .unwrap_or_default();
    let event = FieldEvent::Journey(JourneyEvent {
        id: Uuid::now_v7(),
        case_no: case_no.clone(),
        travellers,
        site: ctx.site_for(&site),
        recorded_by: who.name.clone(),
        at: ctx.now,
        change: trimmed(change),
    });
    store.record_event_as(who.role, &event)?;
    of_case(store, &case_no, today)
}

/// The words as a person meant them, without surrounding blanks.
fn trimmed(change: JourneyChange) -> JourneyChange {
    match change {
        JourneyChange::OnHold { reason, text } => JourneyChange::OnHold {
            reason,
            text: text.trim().to_string(),
        },
        JourneyChange::Cancelled { reason, text } => JourneyChange::Cancelled {
            reason,
            text: text.trim().to_string(),
        },
        JourneyChange::Resumed { text } => JourneyChange::Resumed {
            text: text.trim().to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use waypoint_domain::{ExitPermitStep, may};
    use waypoint_store::StoreError;

    use super::*;
    use crate::testing;

    #[test]
    fn a_registered_family_is_not_travel_ready_and_each_member_says_what_is_missing() {
        let (_dir, store) = testing::store();
        let journey = of_case(&store, " kgl-2025-000104 ", testing::now().date_naive()).unwrap();
        assert_eq!(journey.case_no, "KGL-2025-000104");
        assert!(!journey.individuals.is_empty());
        for member in &journey.individuals {
            assert!(
                member.step < JourneyStep::TravelReady,
                "{}: {:?}",
                member.individual_no,
                member.step
            );
            // Nobody was checked or counselled yet.
            assert!(
                member.missing.contains(&Missing::IdentityCheck),
                "{member:?}"
            );
        }
    }

    #[test]
    fn the_imported_exit_permit_counts_until_a_later_step_is_recorded() {
        let (_dir, mut store) = testing::store();
        let today = testing::now().date_naive();
        let permit_of = |store: &Store, no: &str| {
            let journey = of_case(store, "KGL-2025-000103", today).unwrap();
            journey
                .individual(no)
                .unwrap_or_else(|| panic!("{no} not in {journey:?}"))
                .missing
                .iter()
                .find_map(|m| match m {
                    Missing::ExitPermit { status } => Some(*status),
                    _ => None,
                })
        };
        // The sample's row says I-0001020's permit (USRAP needs one) was submitted: the
        // import made that a step.
        assert_eq!(
            permit_of(&store, "I-0001020"),
            Some(Some(waypoint_domain::ExitPermitStatus::Submitted))
        );
        crate::exit_permit::record(
            &mut store,
            &testing::supervisor(),
            &testing::context(),
            "I-0001020",
            ExitPermitStep::Approved {
                on: Some(today),
                reference: "EP-1".into(),
            },
        )
        .unwrap();
        assert_eq!(
            permit_of(&store, "I-0001020"),
            None,
            "approved: nothing missing"
        );
    }

    fn hold(text: &str) -> JourneyChange {
        JourneyChange::OnHold {
            reason: HoldReason::MedicalClearance,
            text: text.into(),
        }
    }

    #[test]
    fn a_member_put_on_hold_waits_while_the_others_go_on_and_a_resumption_lifts_it() {
        let (_dir, mut store) = testing::store();
        let (who, ctx) = (testing::supervisor(), testing::context());
        let case = "KGL-2025-000101";
        let before = of_case(&store, case, ctx.today()).unwrap();
        let child = before.individuals[2].individual_no.clone();
        let held = change(
            &mut store,
            &who,
            &ctx,
            case,
            &[child.to_lowercase()],
            hold("  Waiting for the TB clearance "),
        )
        .unwrap();
        for (was, now) in before.individuals.iter().zip(&held.individuals) {
            if now.individual_no == child {
                assert_eq!(now.step, JourneyStep::OnHold);
                assert_eq!(now.reached, was.step);
                let by = now.stopped_by.as_ref().expect("the hold in force");
                assert_eq!(by.change, hold("Waiting for the TB clearance"));
                assert_eq!(by.recorded_by, testing::OFFICER);
                assert_eq!(by.at, ctx.now);
            } else {
                assert_eq!(now, was, "the others go on");
            }
        }
        let resumed = change(
            &mut store,
            &who,
            &ctx,
            case,
            &[],
            JourneyChange::Resumed {
                text: "clearance received".into(),
            },
        )
        .unwrap();
        assert_eq!(resumed, before);
    }

    #[test]
    fn a_whole_case_cancelled_lists_nothing_to_do() {
        let (_dir, mut store) = testing::store();
        let (who, ctx) = (testing::supervisor(), testing::context());
        let j = change(
            &mut store,
            &who,
            &ctx,
            "KGL-2025-000104",
            &[],
            JourneyChange::Cancelled {
                reason: CancelReason::Withdrawn,
                text: "The family withdrew".into(),
            },
        )
        .unwrap();
        assert!(
            j.individuals
                .iter()
                .all(|i| i.step == JourneyStep::Cancelled && i.missing.is_empty())
        );
    }

    #[test]
    fn a_hold_is_refused_for_a_role_without_the_right_for_a_stranger_and_without_words() {
        let (_dir, mut store) = testing::store();
        let ctx = testing::context();
        let case = "KGL-2025-000101";
        let before = of_case(&store, case, ctx.today()).unwrap();
        for role in Role::ALL
            .iter()
            .copied()
            .filter(|r| !may(*r, Action::HoldJourney))
        {
            let e = change(
                &mut store,
                &SignedIn::new("someone", role),
                &ctx,
                case,
                &[],
                hold("x"),
            )
            .unwrap_err();
            assert!(
                matches!(e, AppError::Store(StoreError::NotAllowed { .. })),
                "{role}: {e}"
            );
        }
        let who = testing::supervisor();
        let e = change(
            &mut store,
            &who,
            &ctx,
            case,
            &["I-0001020".into()],
            hold("x"),
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("I-0001020 is not a member of case"),
            "{e}"
        );
        let e = change(&mut store, &who, &ctx, case, &[], hold("   ")).unwrap_err();
        assert!(e.to_string().contains("why, in words"), "{e}");
        let e = change(&mut store, &who, &ctx, "KGL-1", &[], hold("x")).unwrap_err();
        assert!(matches!(e, AppError::UnknownCase(_)), "{e}");
        assert_eq!(of_case(&store, case, ctx.today()).unwrap(), before);
    }

    #[test]
    fn an_unknown_case_is_said_so() {
        let (_dir, store) = testing::store();
        let e = of_case(&store, "KGL-1", testing::now().date_naive()).unwrap_err();
        assert!(matches!(e, AppError::UnknownCase(_)), "{e}");
    }
}
