//! A case's history as the window lists it, and the journey and exit-permit forms' requests.
//! Every entry is typed: the window words each kind in the person's language.

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use waypoint_domain::{
    AbnVersionKind, BookingStatus, CancelReason, DenialReason, ExitPermitStatus, HoldReason,
};

use super::{CheckOutcome, Custodian, Field};

/// One thing that happened to a case: who recorded it, where, when, and whom it is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct HistoryEntry {
    pub id: String,
    /// When it was recorded, RFC 3339, UTC.
    pub at: String,
    pub recorded_by: String,
    pub site: String,
    /// Whom it is about; empty: the whole case.
    pub individual_nos: Vec<String>,
    pub what: Happened,
}

/// What happened, by kind, with what the role signed in may see of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Happened {
    IdentityCheck {
        outcome: CheckOutcome,
        /// The record's fields that differed from the document.
        mismatched: Vec<Field>,
        document_no: Option<String>,
    },
    Counselling {
        programme: Option<String>,
        complete: bool,
        topics_covered: u32,
        duration_minutes: u32,
    },
    CustodyTransfer {
        /// Blank for a role that may not see document numbers.
        document_no: String,
        from: Custodian,
        to: Custodian,
        location: String,
    },
    /// A step of an individual's permit; what the step does not have is `None`, and a denial's
    /// words are blank for a role that may not see the denial reason.
    ExitPermit {
        step: ExitPermitStatus,
        /// The day it happened (YYYY-MM-DD); `None` for a step carried over from the record.
        on: Option<String>,
        authority: Option<String>,
        reference: Option<String>,
        reason: Option<DenialReason>,
        text: Option<String>,
        solution: Option<String>,
    },
    Journey {
        change: JourneyChange,
    },
    Booking {
        booking_ref: String,
        /// The first event of the booking for this case: it was made.
        made: bool,
        fields: Vec<BookingField>,
        status: Option<BookingStatus>,
    },
    WarningAcknowledged {
        booking_ref: String,
        warning: String,
        reason: String,
    },
    AbnVersion {
        abn_no: String,
        number: u32,
        version: AbnVersionKind,
    },
}

/// A field of a booking that a booking event set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum BookingField {
    Status,
    RecordLocator,
    Replaces,
    Abn,
    Segments,
    Travellers,
    Escorts,
}

/// A hold, cancellation or resumption: in a history entry, and as a person asks for one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum JourneyChange {
    OnHold { reason: HoldReason, text: String },
    Cancelled { reason: CancelReason, text: String },
    Resumed { text: String },
}

/// A request to put (part of) a case on hold, cancel its journey or resume it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct JourneyChangeRequest {
    pub case_no: String,
    /// The members it is about; empty: the whole case, also members added later.
    pub members: Vec<String>,
    pub change: JourneyChange,
}

/// A step of an individual's exit permit, as a person records it; `on` is the day it happened
/// (YYYY-MM-DD), today when `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum ExitPermitStepInput {
    NotRequired {
        on: Option<String>,
    },
    Requested {
        on: Option<String>,
    },
    Submitted {
        on: Option<String>,
        authority: String,
    },
    Approved {
        on: Option<String>,
        reference: String,
    },
    Denied {
        on: Option<String>,
        reason: DenialReason,
        text: String,
        solution: Option<String>,
    },
}

/// A request to record a step of `individual_no`'s exit permit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ExitPermitStepRequest {
    pub individual_no: String,
    pub step: ExitPermitStepInput,
}
