//! The arrival checklist: what the port-of-entry staff did for each arriving traveller, each
//! step an event with who and when ([`ArrivalStep`]), and the checklist that the events make
//! ([`arrival_checklist`]), member by member. Steps may be recorded in any order (a step is
//! often typed in after the rush); the latest event of a line wins, so a correction is a new
//! event (three pieces of baggage, not two).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::parse_code;
use crate::event_check::{check_text, require};
use crate::{AirportCode, BookingRef, EventError, Movement, MovementFact, Travellers};

/// The longest name or reference a step holds (a hotel, an agency, a PIR number), in characters.
const NAME_MAX: usize = 200;
/// The longest stay at a contracted hotel a step may book: an overnight, or a few nights while
/// a connection is found.
const NIGHTS_MAX: u32 = 14;

/// A meal ordered for each traveller for each night at the hotel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Meal {
    Breakfast,
    Lunch,
    Dinner,
}

impl Meal {
    pub const ALL: &'static [Meal] = &[Meal::Breakfast, Meal::Lunch, Meal::Dinner];

    pub fn code(self) -> &'static str {
        match self {
            Self::Breakfast => "breakfast",
            Self::Lunch => "lunch",
            Self::Dinner => "dinner",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, EventError> {
        parse_code(raw, Self::ALL, Self::code, "a meal")
    }
}

/// What was done for the travellers of a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum ArrivalCheck {
    /// Met off the plane (or at the gate) by port-of-entry staff.
    MetAtArrival,
    /// Through immigration (CBP in the United States).
    ImmigrationDone,
    CustomsDone,
    /// Baggage collected: `pieces` claimed; `lost` pieces did not arrive, reported to the
    /// airline under its property irregularity report (PIR) number.
    BaggageClaimed {
        pieces: u32,
        lost: u32,
        pir: Option<String>,
    },
    /// Taken to the domestic connection (the flight, e.g. `UA1234`).
    DomesticConnection {
        flight: String,
    },
    /// The domestic connection was missed; `rebooking` is the booking that replaces the missed
    /// one, when it was rebooked at once.
    ConnectionMissed {
        flight: String,
        rebooking: Option<BookingRef>,
    },
    /// Taken to a contracted hotel for `nights`, with these meals ordered for each night.
    Hotel {
        hotel: String,
        nights: u32,
        meals: Vec<Meal>,
    },
    /// Onward by road: the transport company and where to.
    GroundTransport {
        provider: String,
        destination: String,
    },
    /// Handed over to the receiving agency: the journey ends here.
    HandedOver {
        agency: String,
    },
}

/// The lines of the checklist, in the order they are usually done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChecklistItem {
    MetAtArrival,
    Immigration,
    Customs,
    Baggage,
    /// The onward step: a domestic connection, a hotel for the night or ground transport.
    Onward,
    HandedOver,
}

impl ChecklistItem {
    pub const ALL: &'static [ChecklistItem] = &[
        Self::MetAtArrival,
        Self::Immigration,
        Self::Customs,
        Self::Baggage,
        Self::Onward,
        Self::HandedOver,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::MetAtArrival => "met_at_arrival",
            Self::Immigration => "immigration",
            Self::Customs => "customs",
            Self::Baggage => "baggage",
            Self::Onward => "onward",
            Self::HandedOver => "handed_over",
        }
    }
}

impl ArrivalCheck {
    /// The step codes a person types (`waypoint arrival step CASE STEP`).
    pub const CODES: &'static [&'static str] = &[
        "met_at_arrival",
        "immigration_done",
        "customs_done",
        "baggage_claimed",
        "domestic_connection",
        "connection_missed",
        "hotel",
        "ground_transport",
        "handed_over",
    ];

    pub fn code(&self) -> &'static str {
        match self {
            Self::MetAtArrival => "met_at_arrival",
            Self::ImmigrationDone => "immigration_done",
            Self::CustomsDone => "customs_done",
            Self::BaggageClaimed { .. } => "baggage_claimed",
            Self::DomesticConnection { .. } => "domestic_connection",
            Self::ConnectionMissed { .. } => "connection_missed",
            Self::Hotel { .. } => "hotel",
            Self::GroundTransport { .. } => "ground_transport",
            Self::HandedOver { .. } => "handed_over",
        }
    }

    /// The checklist line this step is recorded on.
    pub fn item(&self) -> ChecklistItem {
        match self {
            Self::MetAtArrival => ChecklistItem::MetAtArrival,
            Self::ImmigrationDone => ChecklistItem::Immigration,
            Self::CustomsDone => ChecklistItem::Customs,
            Self::BaggageClaimed { .. } => ChecklistItem::Baggage,
            Self::DomesticConnection { .. }
            | Self::ConnectionMissed { .. }
            | Self::Hotel { .. }
            | Self::GroundTransport { .. } => ChecklistItem::Onward,
            Self::HandedOver { .. } => ChecklistItem::HandedOver,
        }
    }

    /// Whether the step completes its line: a missed connection leaves the onward step open
    /// (the rebooked flight, or a hotel, completes it).
    pub fn completes(&self) -> bool {
        !matches!(self, Self::ConnectionMissed { .. })
    }

    fn validate(&self) -> Result<(), EventError> {
        let name = |value: &str, what: &'static str| {
            require(value, what)?;
            check_text(value, what, NAME_MAX, false)
        };
        match self {
            Self::MetAtArrival | Self::ImmigrationDone | Self::CustomsDone => Ok(()),
            Self::BaggageClaimed { lost, pir, .. } => match pir {
                Some(pir) => name(pir, "the property irregularity report number"),
                None if *lost > 0 => Err(EventError::Missing(
                    "the property irregularity report number of the lost baggage",
                )),
                None => Ok(()),
            },
            Self::DomesticConnection { flight } => name(flight, "the domestic flight"),
            Self::ConnectionMissed { flight, .. } => name(flight, "the missed flight"),
            Self::Hotel {
                hotel,
                nights,
                meals,
            } => {
                name(hotel, "the hotel")?;
                if *nights == 0 || *nights > NIGHTS_MAX {
                    return Err(EventError::Invalid(format!(
                        "a hotel stay is 1 to {NIGHTS_MAX} nights, not {nights}"
                    )));
                }
                let mut sorted = meals.clone();
                sorted.sort_unstable();
                sorted.dedup();
                if sorted.len() != meals.len() {
                    return Err(EventError::Invalid("a meal is ordered twice".into()));
                }
                Ok(())
            }
            Self::GroundTransport {
                provider,
                destination,
            } => {
                name(provider, "the transport company")?;
                name(destination, "where the transport goes")
            }
            Self::HandedOver { agency } => name(agency, "the receiving agency"),
        }
    }
}

/// One step of the arrival checklist for (part of) a case, recorded once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArrivalStep {
    pub id: Uuid,
    pub case_no: String,
    pub travellers: Travellers,
    /// The port of entry.
    pub airport: AirportCode,
    pub site: String,
    pub recorded_by: String,
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub check: ArrivalCheck,
}

impl ArrivalStep {
    pub fn validate(&self) -> Result<(), EventError> {
        if self.id.get_version_num() != 7 {
            return Err(EventError::Invalid("an event id must be a UUID v7".into()));
        }
        require(&self.case_no, "the case")?;
        require(&self.recorded_by, "who recorded it")?;
        require(&self.site, "the site")?;
        if let Travellers::Members { individual_nos } = &self.travellers {
            if individual_nos.is_empty() {
                return Err(EventError::Missing("at least one member"));
            }
            for n in individual_nos {
                require(n, "the member's number")?;
            }
        }
        self.check.validate()
    }
}

/// One line of a traveller's checklist: the latest step recorded on it, and whether that
/// step completes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistLine {
    pub item: ChecklistItem,
    pub latest: Option<ArrivalStep>,
    pub done: bool,
}

/// Where one traveller stands in the arrival hall.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArrivalChecklist {
    pub individual_no: String,
    /// Every line, in [`ChecklistItem::ALL`]'s order.
    pub lines: Vec<ChecklistLine>,
    /// Any step was recorded: they reached the port of entry.
    pub arrived: bool,
    /// Handed over to the receiving agency.
    pub at_final_destination: bool,
}

impl ArrivalChecklist {
    pub fn line(&self, item: ChecklistItem) -> Option<&ChecklistLine> {
        self.lines.iter().find(|l| l.item == item)
    }

    /// The first line not done yet, `None` once everything is.
    pub fn next(&self) -> Option<ChecklistItem> {
        self.lines.iter().find(|l| !l.done).map(|l| l.item)
    }
}

/// The steps of `steps` that concern `individual_no`, oldest first by (time, id).
fn steps_of<'a>(individual_no: &str, steps: &'a [ArrivalStep]) -> Vec<&'a ArrivalStep> {
    let mut theirs: Vec<&ArrivalStep> = steps
        .iter()
        .filter(|s| s.travellers.includes(individual_no))
        .collect();
    theirs.sort_by_key(|s| (s.at, s.id));
    theirs
}

/// The checklist of each of `members` (in that order) from a case's arrival steps.
pub fn arrival_checklist(members: &[String], steps: &[ArrivalStep]) -> Vec<ArrivalChecklist> {
    members
        .iter()
        .map(|no| {
            let theirs = steps_of(no, steps);
            let lines = ChecklistItem::ALL
                .iter()
                .map(|item| {
                    let latest = theirs
                        .iter()
                        .rev()
                        .find(|s| s.check.item() == *item)
                        .map(|s| (*s).clone());
                    ChecklistLine {
                        item: *item,
                        done: latest.as_ref().is_some_and(|s| s.check.completes()),
                        latest,
                    }
                })
                .collect();
            ArrivalChecklist {
                individual_no: no.clone(),
                lines,
                arrived: !theirs.is_empty(),
                at_final_destination: theirs
                    .iter()
                    .any(|s| matches!(s.check, ArrivalCheck::HandedOver { .. })),
            }
        })
        .collect()
}

/// The journey's movement facts the arrival steps make: arrived at the first step recorded for
/// a member (met at arrival, or any later step when that one was not recorded), at final
/// destination when handed over to the receiving agency.
pub fn arrival_movements(members: &[String], steps: &[ArrivalStep]) -> Vec<MovementFact> {
    let mut facts = Vec::new();
    for no in members {
        let theirs = steps_of(no, steps);
        if let Some(first) = theirs.first() {
            facts.push(MovementFact {
                individual_no: no.clone(),
                at: first.at,
                movement: Movement::Arrived,
            });
        }
        if let Some(handed) = theirs
            .iter()
            .find(|s| matches!(s.check, ArrivalCheck::HandedOver { .. }))
        {
            facts.push(MovementFact {
                individual_no: no.clone(),
                at: handed.at,
                movement: Movement::AtFinalDestination,
            });
        }
    }
    facts
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 16, 20, 0, 0).unwrap() + Duration::minutes(minutes)
    }

    fn step(minutes: i64, travellers: Travellers, check: ArrivalCheck) -> ArrivalStep {
        ArrivalStep {
            id: Uuid::now_v7(),
            case_no: "C-1".into(),
            travellers,
            airport: AirportCode::parse("IAD").unwrap(),
            site: "IAD-POE".into(),
            recorded_by: "poe associate".into(),
            at: at(minutes),
            check,
        }
    }

    fn members() -> Vec<String> {
        vec!["I-1".into(), "I-2".into()]
    }

    fn only(no: &str) -> Travellers {
        Travellers::Members {
            individual_nos: vec![no.into()],
        }
    }

    #[test]
    fn nothing_recorded_means_not_arrived_and_met_at_arrival_comes_first() {
        let lists = arrival_checklist(&members(), &[]);
        assert_eq!(lists.len(), 2);
        for l in &lists {
            assert!(!l.arrived && !l.at_final_destination);
            assert_eq!(l.next(), Some(ChecklistItem::MetAtArrival));
            assert_eq!(l.lines.len(), ChecklistItem::ALL.len());
        }
        assert!(arrival_movements(&members(), &[]).is_empty());
    }

    #[test]
    fn a_whole_case_step_ticks_every_member_and_a_member_step_only_that_member() {
        let steps = [
            step(0, Travellers::WholeCase, ArrivalCheck::MetAtArrival),
            step(30, only("I-2"), ArrivalCheck::ImmigrationDone),
        ];
        let lists = arrival_checklist(&members(), &steps);
        assert!(lists.iter().all(|l| l.arrived));
        assert_eq!(lists[0].next(), Some(ChecklistItem::Immigration));
        assert_eq!(lists[1].next(), Some(ChecklistItem::Customs));
        let met = lists[0].line(ChecklistItem::MetAtArrival).unwrap();
        assert_eq!(met.latest.as_ref().unwrap().recorded_by, "poe associate");
        assert_eq!(met.latest.as_ref().unwrap().at, at(0));
    }

    #[test]
    fn the_latest_baggage_count_wins_and_lost_baggage_needs_its_report_number() {
        let claimed = |pieces, lost, pir: Option<&str>| ArrivalCheck::BaggageClaimed {
            pieces,
            lost,
            pir: pir.map(Into::into),
        };
        let later = step(50, Travellers::WholeCase, claimed(3, 1, Some("IADUA12345")));
        // Recorded out of order: the later step still wins.
        let steps = [
            later.clone(),
            step(40, Travellers::WholeCase, claimed(2, 0, None)),
        ];
        let lists = arrival_checklist(&members(), &steps);
        let line = lists[0].line(ChecklistItem::Baggage).unwrap();
        assert!(line.done);
        assert_eq!(line.latest.as_ref(), Some(&later));
        assert!(later.validate().is_ok());
        let no_pir = step(50, Travellers::WholeCase, claimed(3, 1, None));
        assert!(
            no_pir
                .validate()
                .unwrap_err()
                .to_string()
                .contains("property irregularity report")
        );
    }

    #[test]
    fn a_missed_connection_leaves_the_onward_step_open_until_the_hotel() {
        let missed = ArrivalCheck::ConnectionMissed {
            flight: "UA1234".into(),
            rebooking: None,
        };
        let mut steps = vec![
            step(
                60,
                Travellers::WholeCase,
                ArrivalCheck::DomesticConnection {
                    flight: "UA1234".into(),
                },
            ),
            step(90, Travellers::WholeCase, missed),
        ];
        let onward = |steps: &[ArrivalStep]| {
            arrival_checklist(&members(), steps)[0]
                .line(ChecklistItem::Onward)
                .unwrap()
                .clone()
        };
        assert!(!onward(&steps).done, "missed after being taken to the gate");
        steps.push(step(
            120,
            Travellers::WholeCase,
            ArrivalCheck::Hotel {
                hotel: "Airport Inn".into(),
                nights: 1,
                meals: vec![Meal::Dinner, Meal::Breakfast],
            },
        ));
        assert!(onward(&steps).done);
    }

    #[test]
    fn arrived_from_the_first_step_and_at_final_destination_when_handed_over() {
        // Met at arrival was never recorded for I-2: customs done still says they arrived.
        let steps = [
            step(10, only("I-1"), ArrivalCheck::MetAtArrival),
            step(45, Travellers::WholeCase, ArrivalCheck::CustomsDone),
            step(
                300,
                only("I-1"),
                ArrivalCheck::HandedOver {
                    agency: "Receiving agency".into(),
                },
            ),
        ];
        let facts = arrival_movements(&members(), &steps);
        let of = |no: &str| -> Vec<(Movement, DateTime<Utc>)> {
            facts
                .iter()
                .filter(|f| f.individual_no == no)
                .map(|f| (f.movement.clone(), f.at))
                .collect()
        };
        assert_eq!(
            of("I-1"),
            [
                (Movement::Arrived, at(10)),
                (Movement::AtFinalDestination, at(300))
            ]
        );
        assert_eq!(of("I-2"), [(Movement::Arrived, at(45))]);
        let lists = arrival_checklist(&members(), &steps);
        assert!(lists[0].at_final_destination && !lists[1].at_final_destination);
    }

    #[test]
    fn steps_without_what_they_need_are_refused() {
        let refused = |check: ArrivalCheck| step(0, Travellers::WholeCase, check).validate();
        assert!(
            refused(ArrivalCheck::HandedOver { agency: " ".into() }).is_err(),
            "handed over to whom"
        );
        assert!(
            refused(ArrivalCheck::Hotel {
                hotel: "Inn".into(),
                nights: 0,
                meals: vec![]
            })
            .is_err()
        );
        assert!(
            refused(ArrivalCheck::Hotel {
                hotel: "Inn".into(),
                nights: 1,
                meals: vec![Meal::Lunch, Meal::Lunch]
            })
            .is_err()
        );
        assert!(
            refused(ArrivalCheck::GroundTransport {
                provider: "Bus Co".into(),
                destination: "\u{7}".into()
            })
            .is_err()
        );
        let nobody = step(
            0,
            Travellers::Members {
                individual_nos: vec![],
            },
            ArrivalCheck::MetAtArrival,
        );
        assert!(nobody.validate().is_err());
        assert_eq!(Meal::parse(" DINNER ").unwrap(), Meal::Dinner);
        assert!(
            Meal::parse("supper")
                .unwrap_err()
                .to_string()
                .contains("breakfast")
        );
    }

    #[test]
    fn a_step_round_trips_through_json_with_its_code() {
        let s = step(
            0,
            Travellers::WholeCase,
            ArrivalCheck::GroundTransport {
                provider: "Bus Co".into(),
                destination: "Baltimore".into(),
            },
        );
        let json = serde_json::to_string(&s).unwrap();
        assert!(json.contains("\"step\":\"ground_transport\""), "{json}");
        assert_eq!(serde_json::from_str::<ArrivalStep>(&json).unwrap(), s);
        assert!(ArrivalCheck::CODES.contains(&s.check.code()));
    }
}
