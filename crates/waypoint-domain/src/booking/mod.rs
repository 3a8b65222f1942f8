//! Bookings: some travellers (part of a case, a whole case, several cases travelling together)
//! on an itinerary of flight [`Segment`]s, with their SSR codes per segment and their escorts.
//! See [docs/bookings.md](../../../../docs/bookings.md).
//!
//! A booking is stored as [`BookingEvent`]s, one per case it touches, each carrying the fields
//! that changed; the current booking is those events merged field by field
//! ([`Booking::from_events`]), so that two laptops converge whatever order they learn them in.

mod acknowledgement;
mod codes;
mod event;
mod rules;
mod segment;
mod warnings;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::codes::code_enum;
use crate::{CodeList, FieldError, SsrCode, ValueProblem};

pub use acknowledgement::WarningAcknowledgement;
pub use codes::{BookingRef, Carrier, FlightNo, RecordLocator};
pub use event::{BookingChange, BookingEvent, booking_changes};
pub use rules::{BookingRuleSet, BookingRules, WarningRule};
pub use segment::{LocalTime, Segment, local_instant};
pub use warnings::{BookingWarning, TravellerFacts, WarningDetail, WarningKey, booking_warnings};

code_enum!(
    /// Where a booking stands with the airline.
    BookingStatus, "a booking status" {
        Proposed = "PROPOSED",
        Confirmed = "CONFIRMED",
        Ticketed = "TICKETED",
        Cancelled = "CANCELLED",
    }
);

code_enum!(
    /// Why an escort travels: a medical escort may care for a stretcher or oxygen case.
    EscortKind, "an escort type" {
        Medical = "MEDICAL",
        Operational = "OPERATIONAL",
    }
);

/// One person of a case on the booking, with their SSR codes on each segment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Traveller {
    pub individual_no: String,
    pub case_no: String,
    /// One list per segment, in the itinerary's order: they start from the person's special
    /// needs and may differ per segment (WCHC only where there is no jet bridge).
    pub ssr: Vec<Vec<SsrCode>>,
}

/// Someone who travels with vulnerable travellers and is not one of the organisation's cases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Escort {
    pub name: String,
    pub kind: EscortKind,
    pub organisation: Option<String>,
    pub contact: Option<String>,
    /// The individual numbers of the travellers this escort accompanies (on this booking).
    pub accompanies: Vec<String>,
}

/// A booking as it stands now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Booking {
    pub booking_ref: BookingRef,
    /// The airline's record locator (PNR); a proposed booking may not have one yet.
    pub record_locator: Option<RecordLocator>,
    pub status: BookingStatus,
    /// The booking this one replaces (a rebooking keeps the link).
    pub replaces: Option<BookingRef>,
    /// The ABN number the booking is notified under; several bookings may share one.
    pub abn: Option<String>,
    pub segments: Vec<Segment>,
    /// By case number, then in the order they were given.
    pub travellers: Vec<Traveller>,
    pub escorts: Vec<Escort>,
}

/// Why a booking cannot stand as it is (the file or the form is refused).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum BookingProblem {
    #[error("a booking needs at least one segment")]
    NoSegments,
    #[error("a booking needs at least one traveller")]
    NoTravellers,
    #[error("segment {segment} arrives before it departs")]
    ArrivesBeforeDeparts { segment: u32 },
    #[error(
        "the itinerary does not chain: segment {segment} arrives at {arrives_at} but segment {} departs from {next_departs_from}", segment + 1
    )]
    DoesNotChain {
        segment: u32,
        arrives_at: String,
        next_departs_from: String,
    },
    #[error(
        "segment {} departs before segment {segment} arrives", segment + 1
    )]
    DepartsBeforePreviousArrives { segment: u32 },
    #[error("a {status} booking needs the airline's record locator")]
    NoRecordLocator { status: BookingStatus },
    #[error("{individual_no} is on the booking twice")]
    TravellerTwice { individual_no: String },
    #[error("{individual_no} has SSR codes for {given} segments; the itinerary has {segments}")]
    SsrNotPerSegment {
        individual_no: String,
        given: u32,
        segments: u32,
    },
    #[error("the escort {escort} accompanies {individual_no}, who is not on this booking")]
    EscortOfStranger {
        escort: String,
        individual_no: String,
    },
    #[error("the escort {escort} accompanies nobody")]
    EscortOfNobody { escort: String },
}

impl Booking {
    /// Checks what every booking must be: an itinerary that chains in time and place, each
    /// traveller once with SSR codes per segment, escorts of travellers on the booking.
    pub fn check(&self) -> Result<(), BookingProblem> {
        match self.problems().into_iter().next() {
            Some(problem) => Err(problem),
            None => Ok(()),
        }
    }

    /// Every reason [`Booking::check`] would give, in the order it looks: a file's reader
    /// reports them all at once.
    pub fn problems(&self) -> Vec<BookingProblem> {
        let mut problems = Vec::new();
        if self.segments.is_empty() {
            problems.push(BookingProblem::NoSegments);
        }
        if self.travellers.is_empty() {
            problems.push(BookingProblem::NoTravellers);
        }
        for (i, s) in self.segments.iter().enumerate() {
            if s.arrives < s.departs {
                problems.push(BookingProblem::ArrivesBeforeDeparts {
                    segment: i as u32 + 1,
                });
            }
        }
        for (i, pair) in self.segments.windows(2).enumerate() {
            if pair[0].to != pair[1].from {
                problems.push(BookingProblem::DoesNotChain {
                    segment: i as u32 + 1,
                    arrives_at: pair[0].to.to_string(),
                    next_departs_from: pair[1].from.to_string(),
                });
            }
            if pair[1].departs < pair[0].arrives {
                problems.push(BookingProblem::DepartsBeforePreviousArrives {
                    segment: i as u32 + 1,
                });
            }
        }
        if self.record_locator.is_none()
            && !matches!(
                self.status,
                BookingStatus::Proposed | BookingStatus::Cancelled
            )
        {
            problems.push(BookingProblem::NoRecordLocator {
                status: self.status,
            });
        }
        let mut seen = std::collections::BTreeSet::new();
        for t in &self.travellers {
            if !seen.insert(t.individual_no.as_str()) {
                problems.push(BookingProblem::TravellerTwice {
                    individual_no: t.individual_no.clone(),
                });
            }
            if t.ssr.len() != self.segments.len() {
                problems.push(BookingProblem::SsrNotPerSegment {
                    individual_no: t.individual_no.clone(),
                    given: t.ssr.len() as u32,
                    segments: self.segments.len() as u32,
                });
            }
        }
        for e in &self.escorts {
            if e.accompanies.is_empty() {
                problems.push(BookingProblem::EscortOfNobody {
                    escort: e.name.clone(),
                });
            }
            for n in e.accompanies.iter().filter(|n| !seen.contains(n.as_str())) {
                problems.push(BookingProblem::EscortOfStranger {
                    escort: e.name.clone(),
                    individual_no: n.clone(),
                });
            }
        }
        problems
    }

    /// The cases with travellers on the booking, each once, in order.
    pub fn case_nos(&self) -> Vec<&str> {
        let mut cases: Vec<&str> = self.travellers.iter().map(|t| t.case_no.as_str()).collect();
        cases.sort_unstable();
        cases.dedup();
        cases
    }

    pub fn traveller(&self, individual_no: &str) -> Option<&Traveller> {
        self.travellers
            .iter()
            .find(|t| t.individual_no == individual_no)
    }

    /// When the first segment leaves (`None` without segments).
    pub fn departs(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.segments.first().map(|s| s.departs)
    }

    /// When the last segment arrives.
    pub fn arrives(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.segments.last().map(|s| s.arrives)
    }
}

#[cfg(test)]
mod tests;
