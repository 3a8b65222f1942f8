//! Waypoint's domain model, in the words field staff use.
//!
//! A [`Case`] is a family or group processed together; its members are [`Individual`]s. Their
//! biographic data, travel document, special needs (as IATA [`SsrCode`]s), vulnerabilities and
//! exit permit are *profile* data, addressed field by field with [`Field`] (the column names of
//! the case-import CSV) and held as canonical text in a [`Record`]. What staff do in the field is
//! recorded as append-only [`FieldEvent`]s: [`IdentityCheck`], [`CounsellingSession`],
//! [`CustodyTransfer`]. An individual's exit permit is a history of [`ExitPermitEvent`]s, and
//! where a case stands on its [`Journey`] is derived from all of these, under its programme's
//! [`TravelReadiness`] rules.
//!
//! Every value is validated when it is made. This crate knows nothing of SQL, files or HTTP.

mod abn;
mod airport;
mod arrival;
pub mod audit_chain;
mod booking;
mod code_list;
mod codes;
mod counselling;
mod country;
mod custodian;
mod custody;
mod date;
mod departure;
mod departure_notice;
mod event;
mod event_check;
mod event_concerns;
mod exit_permit;
mod field;
mod journey;
mod journey_facts;
pub mod mrz;
mod policy;
mod readiness;
mod record;
mod role;
mod scope;
mod ssr;
mod travel_bag;
mod travel_bag_event;
mod value_problem;

use std::fmt;

pub use abn::{AbnChange, AbnVersion, AbnVersionKind, abn_changes, changed_travellers};
pub use airport::{Airport, AirportCode};
pub use arrival::{
    ArrivalCheck, ArrivalChecklist, ArrivalStep, ChecklistItem, ChecklistLine, ExpectedFlight,
    ExpectedTraveller, Incident, IncidentAbout, IncidentKind, Meal, arrival_checklist,
    arrival_movements, arrival_window, expected_arrivals, local_at,
};
pub use booking::{
    Booking, BookingChange, BookingEvent, BookingProblem, BookingRef, BookingRuleSet, BookingRules,
    BookingStatus, BookingWarning, Carrier, Escort, EscortKind, FlightNo, LocalTime, RecordLocator,
    Segment, Traveller, TravellerFacts, WarningAcknowledgement, WarningDetail, WarningKey,
    WarningRule, booking_changes, booking_warnings, local_instant,
};
pub use codes::{DocumentType, ExitPermitStatus, Relationship, Sex, Vulnerability};
pub use counselling::{Checklist, ChecklistTopic, Checklists, Localized, SessionProblem};
pub use country::{CountryCode, DocumentIssuer};
pub use custodian::Custodian;
pub use custody::{DocumentCustody, HeldElsewhere, document_custody};
pub use date::{AgeRange, PartialDate};
pub use departure::{
    Boarding, BoardingEvent, BoardingMark, DepartureProblem, EssentialItem, HeadCount, ItemList,
    ItemLists, ItemsHanded, Manifest, ManifestChange, ManifestEvent, ManifestId, ManifestLine,
    ManifestTraveller, MatchedBy, NoShowReason, ScanMatch, Vehicle, find_on_manifest,
};
pub use departure_notice::{
    DepartureNoticeVersion, Departures, NotDeparted, NotDepartedReason, NoticeChange,
    departed_facts, notice_changes,
};
pub use event::{
    CheckOutcome, CounsellingSession, CustodyTransfer, FieldEvent, IdentityCheck, Mismatch,
};
pub use event_check::EventError;
pub use event_concerns::EventConcerns;
pub use exit_permit::{
    DenialReason, ExitPermitEvent, ExitPermitState, ExitPermitStep, exit_permit_state,
};
pub use field::{Field, FieldScope};
pub use journey::{
    CaseFacts, DocumentProblem, IndividualJourney, Journey, JourneyStep, Missing, journey,
};
pub use journey_facts::{
    CancelReason, HoldReason, JourneyChange, JourneyEvent, Movement, MovementFact, OpenProblem,
    ProblemKind, Travellers,
};
pub use policy::SitePolicy;
pub use readiness::{DocumentRule, ReadinessRules, Requirement, TravelReadiness};
pub use record::{Case, ExitPermit, Individual, Record, SpecialNeeds, TravelDocument};
pub use role::{
    Access, Action, ROLES_CSV, Refused, Role, RoleError, RoleTable, may, may_edit, may_see,
};
pub use scope::Scope;
pub use ssr::{SSR_CODES, SsrCategory, SsrCode, SsrInfo, ssr_info};
pub use travel_bag::{
    AbnState, BagFacts, BagItem, BagItemKind, ItemState, KnownFrom, MissingWhy, TravelBag,
    TravelBagRules,
};
pub use travel_bag_event::{BagChange, ReceiverCheck, TravelBagEvent};
pub use value_problem::{CodeList, ValueProblem};

/// A value that cannot be accepted: a [`ValueProblem`], worded in English by `Display` and
/// [`FieldError::message`] for a data clerk.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[error("{problem}")]
pub struct FieldError {
    problem: ValueProblem,
}

impl FieldError {
    pub fn new(problem: ValueProblem) -> Self {
        Self { problem }
    }

    /// What is wrong, in English.
    pub fn message(&self) -> String {
        self.problem.to_string()
    }

    /// What is wrong, as a code a window words in the person's language.
    pub fn problem(&self) -> &ValueProblem {
        &self.problem
    }
}

/// The organisation's three working languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    En,
    Fr,
    Es,
}

impl Language {
    pub const ALL: [Language; 3] = [Language::En, Language::Fr, Language::Es];

    pub fn code(&self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Fr => "fr",
            Self::Es => "es",
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}
