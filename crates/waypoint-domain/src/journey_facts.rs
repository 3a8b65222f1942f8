//! What a journey is derived from besides the field events and exit permits: the holds,
//! cancellations and resumptions people record ([`JourneyEvent`]), the movement facts the
//! booking and departure work will produce ([`MovementFact`]), and the data-quality problems
//! still open ([`OpenProblem`]).

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::codes::code_enum;
use crate::event_check::{check_text, require};
use crate::{BookingRef, CodeList, EventError, Field, FieldError, ValueProblem};

code_enum!(
    /// Why a journey is put on hold.
    HoldReason, "a reason to put a journey on hold" {
        MedicalClearance = "medical_clearance",
        SecurityClearance = "security_clearance",
        Documents = "documents",
        ExitPermit = "exit_permit",
        FamilyComposition = "family_composition",
        Protection = "protection",
        TravelRestrictions = "travel_restrictions",
        TravellerRequest = "traveller_request",
        Other = "other",
    }
);

code_enum!(
    /// Why a journey is cancelled.
    CancelReason, "a reason to cancel a journey" {
        Withdrawn = "withdrawn",
        NotAdmitted = "not_admitted",
        Deceased = "deceased",
        WhereaboutsUnknown = "whereabouts_unknown",
        Duplicate = "duplicate",
        ProgrammeClosed = "programme_closed",
        Other = "other",
    }
);

/// Whom a hold, cancellation or resumption is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Travellers {
    /// Every member of the case, also one added later.
    WholeCase,
    /// These members only: the others go on (a member may travel later).
    Members { individual_nos: Vec<String> },
}

impl Travellers {
    pub fn includes(&self, individual_no: &str) -> bool {
        match self {
            Self::WholeCase => true,
            Self::Members { individual_nos } => individual_nos.iter().any(|n| n == individual_no),
        }
    }
}

/// What a person changed in the journey.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum JourneyChange {
    OnHold {
        reason: HoldReason,
        text: String,
    },
    Cancelled {
        reason: CancelReason,
        text: String,
    },
    /// A hold lifted or a cancellation withdrawn: the journey goes on from where it was.
    Resumed {
        text: String,
    },
}

/// The longest explanation of a hold, cancellation or resumption, in characters.
const TEXT_MAX: usize = 2000;

/// A hold, cancellation or resumption of (part of) a case's journey, recorded once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JourneyEvent {
    pub id: Uuid,
    pub case_no: String,
    pub travellers: Travellers,
    pub site: String,
    pub recorded_by: String,
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub change: JourneyChange,
}

impl JourneyEvent {
    /// Checks what every such event must have; a hold or cancellation says why in words too,
    /// for the colleague who finds the case stopped.
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
        match &self.change {
            JourneyChange::OnHold { text, .. } | JourneyChange::Cancelled { text, .. } => {
                require(text, "why, in words")?;
                check_text(text, "the explanation", TEXT_MAX, true)
            }
            JourneyChange::Resumed { text } => check_text(text, "the explanation", TEXT_MAX, true),
        }
    }
}

/// What booking and departure work will produce about an individual, so that booked,
/// departed and arrived need no typing in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MovementFact {
    pub individual_no: String,
    pub at: DateTime<Utc>,
    pub movement: Movement,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "movement", rename_all = "snake_case")]
pub enum Movement {
    /// On a booking's itinerary.
    Booked {
        booking: BookingRef,
    },
    /// Off that booking again (cancelled, replaced by a rebooking, removed from it).
    Unbooked {
        booking: BookingRef,
    },
    Departed,
    /// At the port of entry.
    Arrived,
    AtFinalDestination,
}

/// A kind of data-quality problem that keeps an individual from being travel-ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ProblemKind {
    /// Two devices changed a field and nobody has settled it.
    UnsettledConflict,
    LikelyDuplicate,
    InconsistentAge,
}

/// A data-quality problem still open, about one individual or (`individual_no` `None`) the
/// whole case; `field` names the field to correct, when there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenProblem {
    pub individual_no: Option<String>,
    pub field: Option<Field>,
    pub kind: ProblemKind,
}
