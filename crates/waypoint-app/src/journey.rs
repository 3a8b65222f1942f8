//! Where a case stands on its journey, member by member, and what each member still needs
//! before travelling: derived from what was recorded, never typed in
//! ([docs/journey.md](../../../docs/journey.md)).

use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;
use waypoint_domain::{
    Booking, BookingStatus, CaseFacts, ExitPermitEvent, FieldEvent, Movement, MovementFact,
    ReadinessRules, journey,
};
pub use waypoint_domain::{DocumentProblem, IndividualJourney, Journey, JourneyStep, Missing};
use waypoint_store::Store;

use crate::AppError;
use crate::lookup::number;

/// The programmes' readiness rules shipped with Waypoint, read once.
fn rules() -> &'static ReadinessRules {
    static RULES: OnceLock<ReadinessRules> = OnceLock::new();
    RULES.get_or_init(ReadinessRules::shipped)
}

/// The journey of case `case_no` on `today`. Every role may ask: the answer names steps and
/// what is missing, never a value. It is worked out on the whole record, not on what the role
/// may see, or a role that may not see document numbers would read "no number" where there is
/// one.
pub fn of_case(store: &Store, case_no: &str, today: NaiveDate) -> Result<Journey, AppError> {
    let case_no = number(case_no);
    let view = store
        .case(&case_no)?
        .ok_or_else(|| AppError::UnknownCase(case_no.clone()))?;
    let events: Vec<FieldEvent> = view.events.into_iter().map(|e| e.event).collect();
    let mut exit_permits: Vec<ExitPermitEvent> = events
        .iter()
        .filter_map(|e| match e {
            FieldEvent::ExitPermit(p) => Some(p.clone()),
            _ => None,
        })
        .collect();
    exit_permits.extend(from_records(&view.case, &exit_permits));
    let movements = booked(store, &case_no)?;
    let facts = CaseFacts {
        events: &events,
        exit_permits: &exit_permits,
        journey_events: &[],
        movements: &movements,
        open_problems: &[],
    };
    Ok(journey(&view.case, &facts, rules(), today))
}

/// The members of `case_no` on a confirmed or ticketed booking that is neither cancelled nor
/// replaced by a rebooking: booked is a fact of the bookings, never typed in.
fn booked(store: &Store, case_no: &str) -> Result<Vec<MovementFact>, AppError> {
    let theirs = store.bookings_of_case(case_no)?;
    if theirs.is_empty() {
        return Ok(Vec::new());
    }
    let all = store.bookings()?;
    let replaced = |b: &Booking| {
        all.iter()
            .any(|o| o.replaces.as_ref() == Some(&b.booking_ref))
    };
    Ok(theirs
        .iter()
        .filter(|b| matches!(b.status, BookingStatus::Confirmed | BookingStatus::Ticketed))
        .filter(|b| !replaced(b))
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

/// Until the record's exit-permit fields are carried into events, a member's status on the
/// record counts as a first step, older than any step recorded since (so a recorded step wins).
fn from_records(
    case: &waypoint_domain::Case,
    recorded: &[ExitPermitEvent],
) -> Vec<ExitPermitEvent> {
    case.members
        .iter()
        .filter(|m| !recorded.iter().any(|e| e.individual_no == m.individual_no))
        .filter_map(|m| {
            ExitPermitEvent::from_record(
                Uuid::now_v7(),
                m,
                &case.site,
                "the case record",
                DateTime::<Utc>::UNIX_EPOCH,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use waypoint_domain::ExitPermitStep;

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
    fn the_record_s_exit_permit_counts_until_a_step_is_recorded() {
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
        // The sample records I-0001020's permit (USRAP needs one) as submitted.
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

    #[test]
    fn an_unknown_case_is_said_so() {
        let (_dir, store) = testing::store();
        let e = of_case(&store, "KGL-1", testing::now().date_naive()).unwrap_err();
        assert!(matches!(e, AppError::UnknownCase(_)), "{e}");
    }
}
