//! Recording an incident: about travellers of one case, or about a whole flight, filed once
//! per case on it that this laptop holds (the copies share the flight incident's id).

use chrono::NaiveDate;
use uuid::Uuid;
use waypoint_domain::{
    Action, Carrier, FieldEvent, FlightNo, Incident, IncidentAbout, IncidentKind, expected_arrivals,
};
use waypoint_store::Store;

use super::checklist::members_and_site;
use super::{airport, travellers};
use crate::booking::value;
use crate::lookup::number;
use crate::{AppError, Context, SignedIn};

/// Whom an incident is about, as a person gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IncidentTarget {
    /// Members of a case (the whole case when `members` is empty).
    Travellers {
        case_no: String,
        members: Vec<String>,
    },
    /// Everyone booked to land at the port of entry on `flight` (e.g. `QR707`) on `date`, the
    /// airport's local date.
    Flight { flight: String, date: NaiveDate },
}

/// `QR707` or `QR 707`: the carrier's two characters, then the number.
fn flight_parts(flight: &str) -> Result<(Carrier, FlightNo), AppError> {
    let compact: String = flight.split_whitespace().collect();
    let split = compact
        .char_indices()
        .nth(2)
        .map_or(compact.len(), |(i, _)| i);
    let (carrier, number) = compact.split_at(split);
    Ok((
        value(Carrier::parse(carrier))?,
        value(FlightNo::parse(number))?,
    ))
}

/// Records an incident of `kind` at `airport_code`, in `text`, as `who`, now; gives the
/// events recorded (one per case).
pub fn record_incident(
    store: &mut Store,
    who: &SignedIn,
    ctx: &Context,
    airport_code: &str,
    target: &IncidentTarget,
    kind: IncidentKind,
    text: &str,
) -> Result<Vec<Incident>, AppError> {
    store.require(who.role, Action::RecordIncident)?;
    let poe = airport(airport_code)?;
    let cases: Vec<(String, IncidentAbout)> = match target {
        IncidentTarget::Travellers { case_no, members } => vec![(
            number(case_no),
            IncidentAbout::Travellers {
                travellers: travellers(members),
            },
        )],
        IncidentTarget::Flight { flight, date } => {
            let (carrier, flight_no) = flight_parts(flight)?;
            let bookings = store.bookings_landing(poe, *date)?;
            let on_it = expected_arrivals(&bookings, poe, *date)
                .into_iter()
                .find(|f| f.carrier == carrier && f.flight_no == flight_no)
                .ok_or_else(|| {
                    AppError::invalid(format!(
                        "nobody on this laptop is booked to land at {poe} on {carrier}{flight_no} on {date}"
                    ))
                })?;
            let incident = Uuid::now_v7();
            on_it
                .case_nos()
                .into_iter()
                .map(|c| {
                    (
                        c.to_string(),
                        IncidentAbout::Flight {
                            carrier: carrier.clone(),
                            flight_no: flight_no.clone(),
                            date: *date,
                            incident,
                        },
                    )
                })
                .collect()
        }
    };
    let mut incidents = Vec::new();
    for (case_no, about) in cases {
        let (_, site) = members_and_site(store, &case_no)?;
        incidents.push(Incident {
            id: Uuid::now_v7(),
            case_no,
            about,
            kind,
            text: text.trim().to_string(),
            airport: poe,
            site: ctx.site_for(&site),
            recorded_by: who.name.clone(),
            at: ctx.now,
        });
    }
    let events: Vec<FieldEvent> = incidents
        .iter()
        .cloned()
        .map(FieldEvent::Incident)
        .collect();
    store.record_events(&events)?;
    Ok(incidents)
}
