//! Whom an event is about: the people and bookings it concerns. The HQ server uses it to send a
//! port-of-entry laptop the events of the travellers booked to its airport, and nothing about
//! their case's other members (a case may split; a member may travel later).

use std::collections::BTreeSet;

use crate::FieldEvent;
use crate::journey_facts::Travellers;

/// The people and bookings an event concerns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventConcerns {
    /// About the whole case: every member, also one added later.
    pub whole_case: bool,
    /// Individual numbers, each once, in order.
    pub individuals: BTreeSet<String>,
    /// Booking references, each once, in order.
    pub bookings: BTreeSet<String>,
}

impl EventConcerns {
    /// Whether the event concerns this person, or the booking they travel on.
    pub fn touches(&self, individual_no: &str, booking_ref: &str) -> bool {
        self.whole_case
            || self.individuals.contains(individual_no)
            || self.bookings.contains(booking_ref)
    }
}

impl FieldEvent {
    /// Whom the event concerns. Every kind answers: a new kind must say whom it is about, or
    /// a port-of-entry laptop would receive it about people it has no business with.
    pub fn concerns(&self) -> EventConcerns {
        let mut c = EventConcerns::default();
        let people = &mut c.individuals;
        match self {
            Self::IdentityCheck(e) => add(people, &e.individual_no),
            Self::CounsellingSession(e) => e.attendees.iter().for_each(|n| add(people, n)),
            Self::CustodyTransfer(e) => add(people, &e.individual_no),
            Self::ExitPermit(e) => add(people, &e.individual_no),
            Self::Booking(e) => {
                for change in &e.changes {
                    match change {
                        crate::BookingChange::Travellers(ts) => {
                            ts.iter().for_each(|t| add(people, &t.individual_no));
                        }
                        crate::BookingChange::Escorts(es) => es
                            .iter()
                            .flat_map(|x| x.accompanies.iter())
                            .for_each(|n| add(people, n)),
                        _ => {}
                    }
                }
                c.bookings.insert(e.booking_ref.to_string());
            }
            Self::WarningAcknowledgement(e) => {
                c.bookings.insert(e.booking_ref.to_string());
            }
            Self::AbnVersion(e) => {
                for b in &e.bookings {
                    b.travellers
                        .iter()
                        .for_each(|t| add(people, &t.individual_no));
                }
                c.bookings
                    .extend(e.bookings.iter().map(|b| b.booking_ref.to_string()));
            }
            Self::Journey(e) => match &e.travellers {
                Travellers::WholeCase => c.whole_case = true,
                Travellers::Members { individual_nos } => {
                    individual_nos.iter().for_each(|n| add(people, n))
                }
            },
            // A tick names an item, not a person: only a bag handed to a member concerns them.
            Self::TravelBag(e) => {
                if let crate::BagChange::HandedOver {
                    to: crate::Custodian::Individual { individual_no },
                    ..
                } = &e.change
                {
                    add(people, individual_no);
                }
            }
            Self::DepartureNotice(e) => {
                e.departures
                    .travellers()
                    .into_iter()
                    .for_each(|n| add(people, n));
                c.bookings.insert(e.booking_ref.to_string());
            }
            Self::Manifest(e) => match &e.change {
                crate::ManifestChange::PutOn { travellers } => travellers
                    .iter()
                    .for_each(|t| add(people, &t.individual_no)),
                crate::ManifestChange::TakenOff { individual_nos } => {
                    individual_nos.iter().for_each(|n| add(people, n))
                }
            },
            Self::Boarding(e) => add(people, &e.individual_no),
            Self::ItemsHanded(e) => add(people, &e.individual_no),
            Self::ArrivalStep(e) => match &e.travellers {
                Travellers::WholeCase => c.whole_case = true,
                Travellers::Members { individual_nos } => {
                    individual_nos.iter().for_each(|n| add(people, n))
                }
            },
            // A flight's incident is filed with each case for its travellers on that flight.
            Self::Incident(e) => match &e.about {
                crate::IncidentAbout::Travellers {
                    travellers: Travellers::Members { individual_nos },
                } => individual_nos.iter().for_each(|n| add(people, n)),
                crate::IncidentAbout::Travellers {
                    travellers: Travellers::WholeCase,
                }
                | crate::IncidentAbout::Flight { .. } => c.whole_case = true,
            },
        }
        c
    }
}

fn add(people: &mut BTreeSet<String>, individual_no: &str) {
    people.insert(individual_no.to_owned());
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use uuid::Uuid;

    use super::*;
    use crate::{JourneyChange, JourneyEvent};

    fn journey(travellers: Travellers) -> FieldEvent {
        FieldEvent::Journey(JourneyEvent {
            id: Uuid::now_v7(),
            case_no: "C-1".into(),
            travellers,
            site: "KGL-TC1".into(),
            recorded_by: "supervisor".into(),
            at: Utc::now(),
            change: JourneyChange::Resumed { text: "ok".into() },
        })
    }

    #[test]
    fn a_hold_of_some_members_concerns_them_only_and_one_of_the_whole_case_everyone() {
        let some = journey(Travellers::Members {
            individual_nos: vec!["C-1-02".into()],
        })
        .concerns();
        assert!(some.touches("C-1-02", "B-1"));
        assert!(
            !some.touches("C-1-01", "B-1"),
            "another member is not concerned"
        );
        let all = journey(Travellers::WholeCase).concerns();
        assert!(all.touches("C-1-01", "B-1") && all.touches("C-1-09", "B-2"));
    }

    #[test]
    fn an_identity_check_concerns_the_person_checked_and_no_booking() {
        let e = FieldEvent::IdentityCheck(crate::IdentityCheck {
            id: Uuid::now_v7(),
            individual_no: "C-1-01".into(),
            document_no: None,
            outcome: crate::CheckOutcome::Verified,
            mismatches: vec![],
            site: "KGL-TC1".into(),
            checked_by: "officer".into(),
            checked_at: Utc::now(),
        });
        let c = e.concerns();
        assert_eq!(c.individuals.iter().collect::<Vec<_>>(), ["C-1-01"]);
        assert!(c.bookings.is_empty() && !c.whole_case);
        assert!(!c.touches("C-1-02", "B-1"));
    }
}
