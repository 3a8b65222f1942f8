//! The port of entry: who is expected off which flight ([`expected_arrivals`]), the arrival
//! checklist of each traveller ([`ArrivalStep`] events folded by [`arrival_checklist`]) and
//! what went wrong ([`Incident`]). See [docs/port-of-entry.md](../../../../docs/port-of-entry.md).
//!
//! Both events are filed per case, like every field event, so that they reach exactly the
//! laptops that hold the case; an incident about a whole flight is one event per affected case,
//! sharing the flight incident's id.

mod checklist;
mod expected;
mod incident;

pub use checklist::{
    ArrivalCheck, ArrivalChecklist, ArrivalStep, ChecklistItem, ChecklistLine, Meal,
    arrival_checklist, arrival_movements,
};
pub use expected::{
    ExpectedFlight, ExpectedTraveller, arrival_window, expected_arrivals, local_at,
};
pub use incident::{Incident, IncidentAbout, IncidentKind};

/// Parses one of `all` by its code, ignoring case; the error lists the codes.
pub(crate) fn parse_code<T: Copy>(
    raw: &str,
    all: &[T],
    code: fn(T) -> &'static str,
    what: &str,
) -> Result<T, crate::EventError> {
    let s = raw.trim();
    all.iter()
        .copied()
        .find(|v| code(*v).eq_ignore_ascii_case(s))
        .ok_or_else(|| {
            let codes: Vec<&str> = all.iter().map(|v| code(*v)).collect();
            crate::EventError::Invalid(format!(
                "{s:?} is not {what}: use one of {}",
                codes.join(", ")
            ))
        })
}
