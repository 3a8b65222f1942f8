//! What went wrong on the way in: a missed connection, lost baggage, a medical emergency, a
//! no-show, or something else, in words, with who and when. An incident is about travellers of
//! one case, or about a whole flight; a flight's incident is filed once per affected case (each
//! laptop holds only its cases), every copy naming the same flight incident id so that a
//! report counts it once.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::parse_code;
use crate::event_check::{check_text, require};
use crate::{AirportCode, Carrier, EventError, FlightNo, Travellers};

/// The longest account of an incident, in characters.
const TEXT_MAX: usize = 4000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentKind {
    MissedConnection,
    LostBaggage,
    MedicalEmergency,
    /// Booked on the flight, not on it.
    NoShow,
    Other,
}

impl IncidentKind {
    pub const ALL: &'static [IncidentKind] = &[
        Self::MissedConnection,
        Self::LostBaggage,
        Self::MedicalEmergency,
        Self::NoShow,
        Self::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::MissedConnection => "missed_connection",
            Self::LostBaggage => "lost_baggage",
            Self::MedicalEmergency => "medical_emergency",
            Self::NoShow => "no_show",
            Self::Other => "other",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, EventError> {
        parse_code(raw, Self::ALL, Self::code, "a kind of incident")
    }
}

/// Whom an incident is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "scope", rename_all = "snake_case")]
pub enum IncidentAbout {
    /// Travellers of the event's case (the whole case, or some members).
    Travellers { travellers: Travellers },
    /// Everyone of the event's case on a flight: `date` is the flight's arrival date at the
    /// port of entry, local time; `incident` is the id every case's copy shares.
    Flight {
        carrier: Carrier,
        flight_no: FlightNo,
        date: NaiveDate,
        incident: Uuid,
    },
}

/// An incident, as it concerns one case; recorded once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    pub id: Uuid,
    pub case_no: String,
    pub about: IncidentAbout,
    pub kind: IncidentKind,
    /// What happened, in words.
    pub text: String,
    pub airport: AirportCode,
    pub site: String,
    pub recorded_by: String,
    pub at: DateTime<Utc>,
}

impl Incident {
    pub fn validate(&self) -> Result<(), EventError> {
        if self.id.get_version_num() != 7 {
            return Err(EventError::Invalid("an event id must be a UUID v7".into()));
        }
        require(&self.case_no, "the case")?;
        require(&self.recorded_by, "who recorded it")?;
        require(&self.site, "the site")?;
        match &self.about {
            IncidentAbout::Travellers {
                travellers: Travellers::Members { individual_nos },
            } => {
                if individual_nos.is_empty() {
                    return Err(EventError::Missing("at least one traveller"));
                }
                for n in individual_nos {
                    require(n, "the traveller's number")?;
                }
            }
            IncidentAbout::Travellers { .. } => {}
            IncidentAbout::Flight { incident, .. } => {
                if incident.get_version_num() != 7 {
                    return Err(EventError::Invalid(
                        "a flight incident's id must be a UUID v7".into(),
                    ));
                }
            }
        }
        // "Other" says what in words; the named kinds may add words.
        if self.kind == IncidentKind::Other {
            require(&self.text, "what happened, in words")?;
        }
        check_text(&self.text, "the account of the incident", TEXT_MAX, true)
    }

    /// Whether the incident concerns `individual_no`, a member of the event's case on the
    /// flight when it is about a flight.
    pub fn concerns(&self, individual_no: &str) -> bool {
        match &self.about {
            IncidentAbout::Travellers { travellers } => travellers.includes(individual_no),
            IncidentAbout::Flight { .. } => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incident(kind: IncidentKind, text: &str, about: IncidentAbout) -> Incident {
        Incident {
            id: Uuid::now_v7(),
            case_no: "C-1".into(),
            about,
            kind,
            text: text.into(),
            airport: AirportCode::parse("IAD").unwrap(),
            site: "IAD-POE".into(),
            recorded_by: "poe associate".into(),
            at: Utc::now(),
        }
    }

    fn flight() -> IncidentAbout {
        IncidentAbout::Flight {
            carrier: Carrier::parse("QR").unwrap(),
            flight_no: FlightNo::parse("707").unwrap(),
            date: NaiveDate::from_ymd_opt(2026, 12, 16).unwrap(),
            incident: Uuid::now_v7(),
        }
    }

    #[test]
    fn a_flight_incident_concerns_everyone_of_the_case_and_round_trips() {
        let i = incident(IncidentKind::MissedConnection, "", flight());
        assert!(i.validate().is_ok(), "a named kind may go without words");
        assert!(i.concerns("I-1") && i.concerns("I-2"));
        let json = serde_json::to_string(&i).unwrap();
        assert!(json.contains("\"scope\":\"flight\""), "{json}");
        assert!(json.contains("\"kind\":\"missed_connection\""), "{json}");
        assert_eq!(serde_json::from_str::<Incident>(&json).unwrap(), i);
    }

    #[test]
    fn a_traveller_incident_concerns_only_them_and_other_says_what() {
        let about = IncidentAbout::Travellers {
            travellers: Travellers::Members {
                individual_nos: vec!["I-2".into()],
            },
        };
        let i = incident(
            IncidentKind::MedicalEmergency,
            "Fainted at the carousel",
            about.clone(),
        );
        assert!(i.validate().is_ok());
        assert!(i.concerns("I-2") && !i.concerns("I-1"));
        assert_eq!(
            incident(IncidentKind::Other, "  ", about.clone()).validate(),
            Err(EventError::Missing("what happened, in words"))
        );
        let nobody = IncidentAbout::Travellers {
            travellers: Travellers::Members {
                individual_nos: vec![],
            },
        };
        assert!(
            incident(IncidentKind::NoShow, "", nobody)
                .validate()
                .is_err()
        );
        let mut nil = incident(IncidentKind::NoShow, "", flight());
        nil.about = IncidentAbout::Flight {
            carrier: Carrier::parse("QR").unwrap(),
            flight_no: FlightNo::parse("707").unwrap(),
            date: NaiveDate::from_ymd_opt(2026, 12, 16).unwrap(),
            incident: Uuid::nil(),
        };
        assert!(nil.validate().is_err());
        assert_eq!(
            IncidentKind::parse("NO_SHOW").unwrap(),
            IncidentKind::NoShow
        );
        assert!(IncidentKind::parse("delay").is_err());
    }
}
