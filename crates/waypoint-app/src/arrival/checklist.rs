//! A case's arrival checklist: recording a step (who and when are the person signed in and
//! now) and reading each member's checklist with the case's incidents.

use uuid::Uuid;
use waypoint_domain::{
    Action, ArrivalCheck, ArrivalChecklist, ArrivalStep, FieldEvent, Incident, Role,
    arrival_checklist,
};
use waypoint_store::Store;
use waypoint_store::roles::redact_event;

use super::{airport, travellers};
use crate::lookup::number;
use crate::{AppError, Context, SignedIn};

/// Where a case stands in the arrival hall.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseArrival {
    pub case_no: String,
    /// Each member's checklist, in the case's member order.
    pub checklists: Vec<ArrivalChecklist>,
    /// The incidents recorded about the case, oldest first, as the role may see them.
    pub incidents: Vec<Incident>,
}

/// The case's members and site, read as the role that sees no need-to-know field (only the
/// numbers are used, so reading them is not recorded as a view of one).
pub(crate) fn members_and_site(
    store: &Store,
    case_no: &str,
) -> Result<(Vec<String>, String), AppError> {
    let view = store
        .case_as(Role::Administrator, case_no)?
        .ok_or_else(|| AppError::UnknownCase(case_no.to_string()))?;
    let members = view
        .case
        .members
        .iter()
        .map(|m| m.individual_no.clone())
        .collect();
    Ok((members, view.case.site))
}

/// The arrival checklist of every member of case `case_no` and its incidents, as `role` may
/// see them. Every role may read it: it names steps, hotels and agencies, never a record's
/// value; an incident's account is hidden from a role that may not see medical notes.
pub fn show(store: &Store, role: Role, case_no: &str) -> Result<CaseArrival, AppError> {
    let case_no = number(case_no);
    let (members, _) = members_and_site(store, &case_no)?;
    let (steps, incidents) = store.arrival_events(&case_no)?;
    let incidents = incidents
        .into_iter()
        .filter_map(|i| {
            let mut e = FieldEvent::Incident(i);
            redact_event(role, &mut e);
            match e {
                FieldEvent::Incident(i) => Some(i),
                _ => None,
            }
        })
        .collect();
    Ok(CaseArrival {
        checklists: arrival_checklist(&members, &steps),
        case_no,
        incidents,
    })
}

/// The event of one step, for `members` of `case_no` (the whole case when empty).
pub(crate) fn step_event(
    store: &Store,
    who: &SignedIn,
    ctx: &Context,
    case_no: &str,
    members: &[String],
    airport_code: &str,
    check: ArrivalCheck,
) -> Result<FieldEvent, AppError> {
    let airport = airport(airport_code)?;
    let (_, site) = members_and_site(store, case_no)?;
    Ok(FieldEvent::ArrivalStep(ArrivalStep {
        id: Uuid::now_v7(),
        case_no: case_no.to_string(),
        travellers: travellers(members),
        airport,
        site: ctx.site_for(&site),
        recorded_by: who.name.clone(),
        at: ctx.now,
        check: trimmed(check),
    }))
}

/// Records one step of the arrival checklist of case `case_no` at `airport_code`, for
/// `members` (the whole case when empty), as `who`, now. Gives the checklist as it is now.
pub fn record_step(
    store: &mut Store,
    who: &SignedIn,
    ctx: &Context,
    case_no: &str,
    members: &[String],
    airport_code: &str,
    check: ArrivalCheck,
) -> Result<CaseArrival, AppError> {
    store.require(who.role, Action::RecordArrival)?;
    let case_no = number(case_no);
    if matches!(
        check,
        ArrivalCheck::ConnectionMissed {
            rebooking: Some(_),
            ..
        }
    ) {
        return Err(AppError::invalid(
            "a rebooking is made with `arrival rebook`, which records the missed connection with it",
        ));
    }
    let event = step_event(store, who, ctx, &case_no, members, airport_code, check)?;
    store.record_event_as(who.role, &event)?;
    show(store, who.role, &case_no)
}

/// The names and references as a person meant them, without surrounding blanks; a flight in
/// capitals (`ua 1234` is `UA1234`).
fn trimmed(check: ArrivalCheck) -> ArrivalCheck {
    let t = |s: String| s.trim().to_string();
    let flight = |s: String| {
        s.split_whitespace()
            .collect::<String>()
            .to_ascii_uppercase()
    };
    match check {
        ArrivalCheck::BaggageClaimed { pieces, lost, pir } => ArrivalCheck::BaggageClaimed {
            pieces,
            lost,
            pir: pir.map(t).filter(|p| !p.is_empty()),
        },
        ArrivalCheck::DomesticConnection { flight: f } => {
            ArrivalCheck::DomesticConnection { flight: flight(f) }
        }
        ArrivalCheck::ConnectionMissed {
            flight: f,
            rebooking,
        } => ArrivalCheck::ConnectionMissed {
            flight: flight(f),
            rebooking,
        },
        ArrivalCheck::Hotel {
            hotel,
            nights,
            mut meals,
        } => {
            meals.sort_unstable();
            ArrivalCheck::Hotel {
                hotel: t(hotel),
                nights,
                meals,
            }
        }
        ArrivalCheck::GroundTransport {
            provider,
            destination,
        } => ArrivalCheck::GroundTransport {
            provider: t(provider),
            destination: t(destination),
        },
        ArrivalCheck::HandedOver { agency } => ArrivalCheck::HandedOver { agency: t(agency) },
        other => other,
    }
}
