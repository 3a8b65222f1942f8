//! A transport manifest: the travellers of one or more bookings assigned to one bus or vehicle
//! (plate, driver, departure time), stored as per-case [`ManifestEvent`]s.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::DepartureProblem;
use super::boarding::{Boarding, BoardingEvent, BoardingMark};
pub use super::manifest_id::ManifestId;
use crate::BookingRef;
use crate::EventError;
use crate::event_check::{check_text, require};

/// The bus or vehicle, who drives it and when it leaves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vehicle {
    /// The registration plate, as painted (upper case, spaces kept).
    pub plate: String,
    pub driver: String,
    pub departs: DateTime<Utc>,
}

impl Vehicle {
    fn validate(&self) -> Result<(), EventError> {
        require(&self.plate, "the vehicle's plate")?;
        require(&self.driver, "the driver")?;
        check_text(&self.plate, "the plate", 20, false)?;
        check_text(&self.driver, "the driver's name", 100, false)
    }
}

/// One traveller put on a manifest, with the booking they travel on (none for someone added
/// by hand, e.g. a late addition whose booking is not on this laptop yet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestTraveller {
    pub individual_no: String,
    pub booking_ref: Option<BookingRef>,
}

/// What a manifest event does to the case's travellers on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum ManifestChange {
    PutOn { travellers: Vec<ManifestTraveller> },
    TakenOff { individual_nos: Vec<String> },
}

/// A change to a manifest as it concerns one case. Each carries the vehicle as it stands, so a
/// laptop that holds only this case's events still knows the bus.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEvent {
    pub id: Uuid,
    pub manifest_id: ManifestId,
    pub case_no: String,
    pub site: String,
    pub recorded_by: String,
    pub at: DateTime<Utc>,
    pub vehicle: Vehicle,
    pub change: ManifestChange,
}

impl ManifestEvent {
    pub fn validate(&self) -> Result<(), EventError> {
        if self.id.get_version_num() != 7 {
            return Err(EventError::Invalid("an event id must be a UUID v7".into()));
        }
        require(&self.case_no, "the case")?;
        require(&self.site, "the site")?;
        require(&self.recorded_by, "who recorded it")?;
        self.vehicle.validate()?;
        let numbers: Vec<&str> = match &self.change {
            ManifestChange::PutOn { travellers } => travellers
                .iter()
                .map(|t| t.individual_no.as_str())
                .collect(),
            ManifestChange::TakenOff { individual_nos } => {
                individual_nos.iter().map(String::as_str).collect()
            }
        };
        if numbers.is_empty() {
            return Err(EventError::Missing("at least one traveller"));
        }
        for n in &numbers {
            require(n, "the traveller's individual number")?;
        }
        let mut sorted = numbers.clone();
        sorted.sort_unstable();
        if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
            return Err(EventError::Invalid(format!("{} is given twice", w[0])));
        }
        Ok(())
    }
}

/// One line of a manifest: a traveller and where they stand at the bus door.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManifestLine {
    pub individual_no: String,
    pub case_no: String,
    pub booking_ref: Option<BookingRef>,
    pub boarding: Boarding,
}

/// How many have boarded of how many expected, and how many were recorded as no-shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HeadCount {
    pub boarded: usize,
    pub expected: usize,
    pub no_shows: usize,
}

/// A manifest as its events make it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Manifest {
    pub id: ManifestId,
    pub vehicle: Vehicle,
    /// In the order they were put on it (a bus is filled case by case).
    pub travellers: Vec<ManifestLine>,
}

impl Manifest {
    /// The manifest as its events make it: the vehicle of the latest event by (time, id), the
    /// travellers put on and not taken off since, each with their latest boarding mark (an
    /// undo takes them back to waiting). Events of other manifests are ignored; `None`
    /// without any event of `id`.
    pub fn from_events<'a>(
        id: &ManifestId,
        events: impl IntoIterator<Item = &'a ManifestEvent>,
        boarding: impl IntoIterator<Item = &'a BoardingEvent>,
    ) -> Option<Manifest> {
        let mut events: Vec<&ManifestEvent> = events
            .into_iter()
            .filter(|e| &e.manifest_id == id)
            .collect();
        events.sort_by_key(|e| (e.at, e.id));
        let vehicle = events.last()?.vehicle.clone();
        let mut travellers: Vec<ManifestLine> = Vec::new();
        for e in &events {
            match &e.change {
                ManifestChange::PutOn { travellers: put } => {
                    for t in put {
                        match travellers
                            .iter_mut()
                            .find(|l| l.individual_no == t.individual_no)
                        {
                            Some(line) => line.booking_ref.clone_from(&t.booking_ref),
                            None => travellers.push(ManifestLine {
                                individual_no: t.individual_no.clone(),
                                case_no: e.case_no.clone(),
                                booking_ref: t.booking_ref.clone(),
                                boarding: Boarding::Waiting,
                            }),
                        }
                    }
                }
                ManifestChange::TakenOff { individual_nos } => {
                    travellers.retain(|l| !individual_nos.contains(&l.individual_no));
                }
            }
        }
        let mut marks: Vec<&BoardingEvent> = boarding
            .into_iter()
            .filter(|b| &b.manifest_id == id)
            .collect();
        marks.sort_by_key(|b| (b.at, b.id));
        let mut latest: BTreeMap<&str, &BoardingEvent> = BTreeMap::new();
        for b in marks {
            latest.insert(&b.individual_no, b);
        }
        for line in &mut travellers {
            if let Some(b) = latest.get(line.individual_no.as_str()) {
                line.boarding = match &b.mark {
                    BoardingMark::Boarded => Boarding::Boarded {
                        by: b.recorded_by.clone(),
                        at: b.at,
                    },
                    BoardingMark::NoShow { reason, text } => Boarding::NoShow {
                        reason: *reason,
                        text: text.clone(),
                        by: b.recorded_by.clone(),
                        at: b.at,
                    },
                    BoardingMark::Undo => Boarding::Waiting,
                };
            }
        }
        Some(Manifest {
            id: id.clone(),
            vehicle,
            travellers,
        })
    }

    /// Boarded of expected (every traveller on the manifest), and the no-shows.
    pub fn count(&self) -> HeadCount {
        let boarded = self
            .travellers
            .iter()
            .filter(|l| matches!(l.boarding, Boarding::Boarded { .. }))
            .count();
        let no_shows = self
            .travellers
            .iter()
            .filter(|l| matches!(l.boarding, Boarding::NoShow { .. }))
            .count();
        HeadCount {
            boarded,
            expected: self.travellers.len(),
            no_shows,
        }
    }

    /// Who has not boarded: those still awaited and the no-shows, in the manifest's order.
    pub fn missing(&self) -> Vec<&ManifestLine> {
        self.travellers
            .iter()
            .filter(|l| !matches!(l.boarding, Boarding::Boarded { .. }))
            .collect()
    }

    pub fn line(&self, individual_no: &str) -> Option<&ManifestLine> {
        self.travellers
            .iter()
            .find(|l| l.individual_no == individual_no)
    }

    /// The line of `individual_no`, or why there is none.
    pub fn require_line(&self, individual_no: &str) -> Result<&ManifestLine, DepartureProblem> {
        self.line(individual_no)
            .ok_or_else(|| DepartureProblem::NotOnManifest {
                manifest_id: self.id.to_string(),
                individual_no: individual_no.to_owned(),
            })
    }

    /// The cases with travellers on the manifest, each once, in order.
    pub fn case_nos(&self) -> Vec<&str> {
        let mut cases: Vec<&str> = self.travellers.iter().map(|l| l.case_no.as_str()).collect();
        cases.sort_unstable();
        cases.dedup();
        cases
    }
}
