//! The port of entry ([docs/port-of-entry.md](../../../docs/port-of-entry.md)): who is expected
//! off which flight (`expected`), each traveller's arrival checklist and a missed connection
//! rebooked (`checklist`, `rebook`), incidents (`incident`) and the paperwork for the hotel,
//! the meals and the ground transport (`paperwork`).
//!
//! The laptop at the port of entry holds the bookings and cases of its arrivals (sync delivers
//! them); the airport is a parameter of each use case.

mod checklist;
mod expected;
mod incident;
#[cfg(feature = "pdf")]
mod paperwork;
mod rebook;

pub use checklist::{CaseArrival, record_step, show};
pub use expected::{ExpectedFlightView, ExpectedLine, expected};
pub use incident::{IncidentTarget, record_incident};
#[cfg(feature = "pdf")]
pub use paperwork::{PaperworkKind, paperwork_pdf};
pub use rebook::{Rebooking, rebook_connection};
pub use waypoint_domain::{
    ArrivalCheck, ArrivalChecklist, ArrivalStep, ChecklistItem, ChecklistLine, ExpectedFlight,
    ExpectedTraveller, Incident, IncidentAbout, IncidentKind, Meal,
};
#[cfg(feature = "pdf")]
pub use waypoint_print::Paper;

use waypoint_domain::{AirportCode, Travellers};

use crate::AppError;
use crate::lookup::number;

/// The port of entry a person named.
pub(crate) fn airport(code: &str) -> Result<AirportCode, AppError> {
    AirportCode::parse(code).map_err(|e| AppError::invalid(format!("the airport: {e}")))
}

/// The whole case when `members` is empty, else those members (each once).
pub(crate) fn travellers(members: &[String]) -> Travellers {
    if members.is_empty() {
        return Travellers::WholeCase;
    }
    let mut individual_nos: Vec<String> = members.iter().map(|m| number(m)).collect();
    individual_nos.sort();
    individual_nos.dedup();
    Travellers::Members { individual_nos }
}

#[cfg(test)]
mod tests;
