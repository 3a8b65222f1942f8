//! The Advance Booking Notification (ABN): the notice to stakeholders (receiving office, port
//! of entry, partner agencies) that these people are booked on this itinerary. Each version
//! (the first issue, its updates, its cancellation) is recorded once, with its number and who
//! issued it, and holds the bookings as they were notified, so that the next version can say
//! what changed.
//!
//! Like a booking, a version is filed per case (each case's part holds the whole itinerary
//! and that case's travellers); the parts of one issue share its `issue` id.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::codes::code_enum;
use crate::event_check::require;
use crate::{Booking, BookingRef, CodeList, EventError, FieldError, SsrCode, ValueProblem};

code_enum!(
    /// What a version of an ABN does.
    AbnVersionKind, "an ABN version" {
        Issued = "issued",
        Updated = "updated",
        Cancelled = "cancelled",
    }
);

/// One case's part of one version of an ABN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AbnVersion {
    pub id: Uuid,
    /// Shared by every case's part of the same issue.
    pub issue: Uuid,
    pub abn_no: String,
    /// 1 for the first issue, then one more for each update or the cancellation.
    pub number: u32,
    pub kind: AbnVersionKind,
    pub case_no: String,
    /// The bookings as notified, with this case's travellers and escorts only.
    pub bookings: Vec<Booking>,
    pub site: String,
    pub issued_by: String,
    pub at: DateTime<Utc>,
}

impl AbnVersion {
    pub fn validate(&self) -> Result<(), EventError> {
        if self.id.get_version_num() != 7 {
            return Err(EventError::Invalid("an event id must be a UUID v7".into()));
        }
        require(&self.abn_no, "the ABN number")?;
        require(&self.case_no, "the case")?;
        require(&self.site, "the site")?;
        require(&self.issued_by, "who issued it")?;
        if self.number == 0 {
            return Err(EventError::Invalid(
                "ABN versions are numbered from 1".into(),
            ));
        }
        if let Some(t) = self
            .bookings
            .iter()
            .flat_map(|b| &b.travellers)
            .find(|t| t.case_no != self.case_no)
        {
            return Err(EventError::Invalid(format!(
                "{} is not a member of case {}",
                t.individual_no, self.case_no
            )));
        }
        Ok(())
    }
}

/// What changed between two versions of an ABN, for the update to mark.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum AbnChange {
    BookingAdded {
        booking_ref: BookingRef,
    },
    /// Replaced by a rebooking, or cancelled.
    BookingRemoved {
        booking_ref: BookingRef,
    },
    Replaced {
        booking_ref: BookingRef,
        by: BookingRef,
    },
    ItineraryChanged {
        booking_ref: BookingRef,
    },
    StatusChanged {
        booking_ref: BookingRef,
    },
    RecordLocatorChanged {
        booking_ref: BookingRef,
    },
    TravellerAdded {
        individual_no: String,
    },
    TravellerRemoved {
        individual_no: String,
    },
    SsrChanged {
        individual_no: String,
    },
    EscortsChanged {
        booking_ref: BookingRef,
    },
}

impl fmt::Display for AbnChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BookingAdded { booking_ref } => write!(f, "booking {booking_ref} added"),
            Self::BookingRemoved { booking_ref } => write!(f, "booking {booking_ref} removed"),
            Self::Replaced { booking_ref, by } => {
                write!(f, "booking {booking_ref} replaced by {by}")
            }
            Self::ItineraryChanged { booking_ref } => {
                write!(f, "itinerary of {booking_ref} changed")
            }
            Self::StatusChanged { booking_ref } => write!(f, "status of {booking_ref} changed"),
            Self::RecordLocatorChanged { booking_ref } => {
                write!(f, "record locator of {booking_ref} changed")
            }
            Self::TravellerAdded { individual_no } => write!(f, "{individual_no} added"),
            Self::TravellerRemoved { individual_no } => write!(f, "{individual_no} removed"),
            Self::SsrChanged { individual_no } => write!(f, "SSR codes of {individual_no} changed"),
            Self::EscortsChanged { booking_ref } => write!(f, "escorts of {booking_ref} changed"),
        }
    }
}

fn travellers(bookings: &[Booking]) -> BTreeSet<&str> {
    bookings
        .iter()
        .flat_map(|b| &b.travellers)
        .map(|t| t.individual_no.as_str())
        .collect()
}

fn ssr_of<'a>(bookings: &'a [Booking], individual_no: &str) -> Option<&'a Vec<Vec<SsrCode>>> {
    bookings
        .iter()
        .find_map(|b| b.traveller(individual_no))
        .map(|t| &t.ssr)
}

/// What changed from the bookings of the last version to those notified now, in a stable order.
pub fn abn_changes(before: &[Booking], now: &[Booking]) -> Vec<AbnChange> {
    let mut changes = Vec::new();
    for b in now {
        let Some(old) = before.iter().find(|o| o.booking_ref == b.booking_ref) else {
            match &b.replaces {
                Some(r) if before.iter().any(|o| &o.booking_ref == r) => {
                    changes.push(AbnChange::Replaced {
                        booking_ref: r.clone(),
                        by: b.booking_ref.clone(),
                    })
                }
                _ => changes.push(AbnChange::BookingAdded {
                    booking_ref: b.booking_ref.clone(),
                }),
            }
            continue;
        };
        let booking_ref = || b.booking_ref.clone();
        if old.segments != b.segments {
            changes.push(AbnChange::ItineraryChanged {
                booking_ref: booking_ref(),
            });
        }
        if old.status != b.status {
            changes.push(AbnChange::StatusChanged {
                booking_ref: booking_ref(),
            });
        }
        if old.record_locator != b.record_locator {
            changes.push(AbnChange::RecordLocatorChanged {
                booking_ref: booking_ref(),
            });
        }
        if old.escorts != b.escorts {
            changes.push(AbnChange::EscortsChanged {
                booking_ref: booking_ref(),
            });
        }
    }
    for old in before {
        let replaced = now
            .iter()
            .any(|b| b.replaces.as_ref() == Some(&old.booking_ref));
        if !replaced && !now.iter().any(|b| b.booking_ref == old.booking_ref) {
            changes.push(AbnChange::BookingRemoved {
                booking_ref: old.booking_ref.clone(),
            });
        }
    }
    let (was, is) = (travellers(before), travellers(now));
    for n in is.difference(&was) {
        changes.push(AbnChange::TravellerAdded {
            individual_no: (*n).to_owned(),
        });
    }
    for n in was.difference(&is) {
        changes.push(AbnChange::TravellerRemoved {
            individual_no: (*n).to_owned(),
        });
    }
    for n in is.intersection(&was) {
        if ssr_of(before, n) != ssr_of(now, n) {
            changes.push(AbnChange::SsrChanged {
                individual_no: (*n).to_owned(),
            });
        }
    }
    changes
}

/// The travellers a notice marks as changed: added, with other SSR codes, or on a booking
/// whose itinerary changed or that replaces another.
pub fn changed_travellers<'a>(changes: &'a [AbnChange], now: &'a [Booking]) -> BTreeSet<&'a str> {
    let mut marked = BTreeSet::new();
    for c in changes {
        match c {
            AbnChange::TravellerAdded { individual_no }
            | AbnChange::SsrChanged { individual_no } => {
                marked.insert(individual_no.as_str());
            }
            AbnChange::Replaced {
                by: booking_ref, ..
            }
            | AbnChange::ItineraryChanged { booking_ref } => {
                if let Some(b) = now.iter().find(|b| &b.booking_ref == booking_ref) {
                    marked.extend(b.travellers.iter().map(|t| t.individual_no.as_str()));
                }
            }
            _ => {}
        }
    }
    marked
}
