//! A booking's warnings (the programme's rules, as data) with their acknowledgements, and
//! acknowledging one. A warning never blocks the booking; it stays listed, acknowledged or
//! not, for as long as its cause stands.

use std::sync::OnceLock;

use chrono::NaiveDate;
use uuid::Uuid;
use waypoint_domain::{
    Action, Booking, BookingRules, BookingWarning, FieldEvent, JourneyStep, TravellerFacts,
    WarningAcknowledgement, booking_warnings, exit_permit_state,
};
use waypoint_store::Store;

use super::{BookingView, show, stored};
use crate::lookup::non_blank;
use crate::{AppError, Context, SignedIn};

/// A warning and, once a person acknowledged it, who, when and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarningLine {
    pub warning: BookingWarning,
    pub acknowledged: Option<WarningAcknowledgement>,
}

/// The programmes' booking rules shipped with Waypoint, read once.
fn rules() -> &'static BookingRules {
    static RULES: OnceLock<BookingRules> = OnceLock::new();
    RULES.get_or_init(BookingRules::shipped)
}

/// What the rules need to know of each traveller, from the whole record (not what a role
/// sees: the warning names a rule, never a value the role may not see).
fn facts(
    store: &Store,
    booking: &Booking,
    today: NaiveDate,
) -> Result<Vec<TravellerFacts>, AppError> {
    let mut facts = Vec::new();
    for case_no in booking.case_nos() {
        let Some(view) = store.case_for_rules(case_no)? else {
            continue;
        };
        let journey = crate::journey::of_view(store, &view, today)?;
        for t in booking.travellers.iter().filter(|t| t.case_no == case_no) {
            let Some(m) = view
                .case
                .members
                .iter()
                .find(|m| m.individual_no == t.individual_no)
            else {
                continue;
            };
            let permit = exit_permit_state(
                &m.individual_no,
                view.events.iter().filter_map(|e| match &e.event {
                    FieldEvent::ExitPermit(p) => Some(p),
                    _ => None,
                }),
            );
            let travel_ready = journey
                .individual(&m.individual_no)
                .is_some_and(|j| j.missing.is_empty() && j.reached >= JourneyStep::TravelReady);
            facts.push(TravellerFacts {
                individual_no: m.individual_no.clone(),
                date_of_birth: m.date_of_birth,
                vulnerabilities: m.vulnerabilities.clone(),
                document_expiry: m.document.as_ref().and_then(|d| d.expiry),
                exit_permit: permit
                    .status()
                    .or_else(|| m.exit_permit.as_ref().map(|p| p.status)),
                travel_ready,
                programme: view.case.programme.clone(),
            });
        }
    }
    Ok(facts)
}

/// Every warning of `booking` today, with the acknowledgements recorded.
pub fn warnings(
    store: &Store,
    booking: &Booking,
    today: NaiveDate,
) -> Result<Vec<WarningLine>, AppError> {
    let facts = facts(store, booking, today)?;
    let acks = store.acknowledgements(&booking.booking_ref)?;
    Ok(booking_warnings(booking, &facts, rules())
        .into_iter()
        .map(|warning| WarningLine {
            acknowledged: acks
                .iter()
                .rev()
                .find(|a| a.warning == warning.key.as_str())
                .cloned(),
            warning,
        })
        .collect())
}

/// Acknowledges warning `key` of booking `booking_ref` with `reason`: the booking goes ahead
/// knowingly. Refused for a warning the booking does not have today.
pub fn acknowledge(
    store: &mut Store,
    who: &SignedIn,
    ctx: &Context,
    booking_ref: &str,
    key: &str,
    reason: &str,
) -> Result<BookingView, AppError> {
    store.require(who.role, Action::AcknowledgeWarning)?;
    let booking = stored(store, booking_ref)?;
    let key = key.trim();
    let lines = warnings(store, &booking, ctx.today())?;
    let Some(line) = lines.iter().find(|l| l.warning.key.as_str() == key) else {
        return Err(AppError::NoSuchWarning {
            booking_ref: booking.booking_ref.to_string(),
            warning: key.to_owned(),
        });
    };
    let reason = non_blank(Some(reason)).ok_or_else(|| {
        AppError::invalid("say why the booking goes ahead despite the warning (--reason)")
    })?;
    // Filed under the case of the traveller it is about, or the booking's first case.
    let case_no = line
        .warning
        .individual_no
        .as_deref()
        .and_then(|n| booking.traveller(n))
        .map(|t| t.case_no.clone())
        .or_else(|| booking.case_nos().first().map(|c| (*c).to_owned()))
        .ok_or_else(|| AppError::UnknownBooking(booking.booking_ref.to_string()))?;
    let site = store
        .case_as(waypoint_domain::Role::Administrator, &case_no)?
        .map(|v| v.case.site)
        .unwrap_or_default();
    let event = FieldEvent::WarningAcknowledgement(WarningAcknowledgement {
        id: Uuid::now_v7(),
        booking_ref: booking.booking_ref.clone(),
        warning: key.to_owned(),
        case_no,
        reason,
        site: ctx.site_for(&site),
        recorded_by: who.name.clone(),
        at: ctx.now,
    });
    store.record_event_as(who.role, &event)?;
    show(store, who.role, booking_ref, ctx.today())
}
