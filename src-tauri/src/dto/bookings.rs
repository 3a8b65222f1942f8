//! Bookings, their warnings and the ABN as the window shows and sends them. Times are the
//! airports' local times with their zone, as the app computes them; the window never converts.

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use waypoint_domain::{AbnVersionKind, BookingStatus, EscortKind, ExitPermitStatus};

use super::AgeRange;

/// One flight, its times as the clocks of each airport show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SegmentLine {
    /// 1-based, in the itinerary's order.
    pub number: u32,
    pub carrier: String,
    pub flight_no: String,
    pub from: String,
    /// The airport's name, from the shipped airports table.
    pub from_name: Option<String>,
    pub to: String,
    pub to_name: Option<String>,
    /// `YYYY-MM-DDTHH:MM` at the departure airport.
    pub departs_local: String,
    /// The IANA zone, e.g. `Africa/Kigali`.
    pub departs_zone: String,
    /// `+02:00`.
    pub departs_offset: String,
    pub arrives_local: String,
    pub arrives_zone: String,
    pub arrives_offset: String,
}

/// A traveller of a booking with what the role may see of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct BookingTraveller {
    pub individual_no: String,
    pub case_no: String,
    /// Empty when the role may not see the case's names.
    pub family_name: String,
    pub given_names: String,
    pub native_name: Option<String>,
    pub sex: String,
    pub nationality: String,
    /// On the day the booking departs.
    pub age: Option<AgeRange>,
    /// One list per segment; empty lists where the role may not see SSR codes.
    pub ssr: Vec<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct EscortLine {
    pub name: String,
    pub kind: EscortKind,
    pub organisation: Option<String>,
    pub contact: Option<String>,
    /// Individual numbers.
    pub accompanies: Vec<String>,
}

/// What a warning is about, a code the window words (`warning_<rule>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum WarningRule {
    ShortConnection,
    InfantWithoutAdult,
    MedicalNeedsWithoutMedicalEscort,
    UnaccompaniedMinorWithoutEscort,
    DocumentExpires,
    ExitPermitNotApproved,
    NotTravelReady,
}

/// The numbers a warning is worded with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "detail", rename_all = "snake_case")]
pub enum WarningDetail {
    Connection {
        airport: String,
        minutes: i64,
        minimum: u32,
    },
    Infant {
        /// By the SSR code INFT rather than by age.
        by_code: bool,
        age: Option<AgeRange>,
        /// `YYYY-MM-DD`, the departure day.
        on: String,
        under: u32,
        adult_from: u32,
    },
    MedicalNeeds {
        codes: Vec<String>,
    },
    UnaccompaniedMinor,
    DocumentExpiry {
        expires: String,
        last_arrival: String,
        months: u32,
        valid_until: String,
    },
    ExitPermit {
        status: Option<ExitPermitStatus>,
    },
    NotTravelReady,
}

/// Who acknowledged a warning, when and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Acknowledgement {
    /// The warning's key.
    pub warning: String,
    pub reason: String,
    pub recorded_by: String,
    /// RFC 3339.
    pub at: String,
}

/// A warning of a booking today, open or acknowledged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct BookingWarningLine {
    /// What acknowledging it names: `short_connection:1:ADD`.
    pub key: String,
    pub rule: WarningRule,
    pub individual_no: Option<String>,
    pub segment: Option<u32>,
    pub detail: WarningDetail,
    pub acknowledged: Option<Acknowledgement>,
}

/// A booking with its warnings, as the booking screen and the case's bookings show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct BookingDetail {
    pub booking_ref: String,
    pub status: BookingStatus,
    pub record_locator: Option<String>,
    pub replaces: Option<String>,
    pub replaced_by: Vec<String>,
    pub abn: Option<String>,
    pub segments: Vec<SegmentLine>,
    pub travellers: Vec<BookingTraveller>,
    pub escorts: Vec<EscortLine>,
    pub warnings: Vec<BookingWarningLine>,
    /// Acknowledgements of warnings whose cause is gone.
    pub past_acknowledgements: Vec<Acknowledgement>,
}

/// One flight as typed in the form, its times local to each airport.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SegmentRequest {
    pub carrier: String,
    pub flight_no: String,
    pub from: String,
    pub to: String,
    /// `YYYY-MM-DDTHH:MM` as the departure airport's clocks show it.
    pub departs_local: String,
    /// `YYYY-MM-DDTHH:MM` as the arrival airport's clocks show it.
    pub arrives_local: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TravellerRequest {
    pub individual_no: String,
    /// One list per segment; `null`: kept as saved, or the person's special needs.
    pub ssr: Option<Vec<Vec<String>>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct EscortRequest {
    pub name: String,
    pub kind: EscortKind,
    pub organisation: Option<String>,
    pub contact: Option<String>,
    pub accompanies: Vec<String>,
}

/// The booking form of one case: a new booking (`booking_ref` null) or a change to one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct BookingRequest {
    pub booking_ref: Option<String>,
    pub case_no: String,
    pub status: BookingStatus,
    pub record_locator: Option<String>,
    pub abn: Option<String>,
    pub segments: Vec<SegmentRequest>,
    /// Members of `case_no`; travellers of other cases on the booking stay as they are.
    pub travellers: Vec<TravellerRequest>,
    /// The escorts of this case's travellers.
    pub escorts: Vec<EscortRequest>,
}

/// A supervisor's acknowledgement of one warning, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AcknowledgeRequest {
    pub booking_ref: String,
    pub warning: String,
    pub reason: String,
}

/// What changed since an ABN's version before, a code the window words (`abnchange_<change>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum AbnChangeLine {
    BookingAdded { booking_ref: String },
    BookingRemoved { booking_ref: String },
    Replaced { booking_ref: String, by: String },
    ItineraryChanged { booking_ref: String },
    StatusChanged { booking_ref: String },
    RecordLocatorChanged { booking_ref: String },
    TravellerAdded { individual_no: String },
    TravellerRemoved { individual_no: String },
    SsrChanged { individual_no: String },
    EscortsChanged { booking_ref: String },
}

/// A booking as an ABN notifies it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AbnBooking {
    pub booking_ref: String,
    pub status: BookingStatus,
    pub record_locator: Option<String>,
    pub replaces: Option<String>,
    pub segments: Vec<SegmentLine>,
    pub travellers: Vec<BookingTraveller>,
    pub escorts: Vec<EscortLine>,
}

/// One version of an ABN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AbnVersionLine {
    pub number: u32,
    pub kind: AbnVersionKind,
    pub issued_by: String,
    pub site: String,
    /// RFC 3339.
    pub at: String,
    pub changes: Vec<AbnChangeLine>,
    /// Travellers this version changed (added, SSR codes changed), to mark.
    pub changed_travellers: Vec<String>,
    pub bookings: Vec<AbnBooking>,
}

/// An ABN: its versions, the bookings under it now and what changed since the last version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AbnDetail {
    pub abn_no: String,
    /// Oldest first.
    pub versions: Vec<AbnVersionLine>,
    pub current: Vec<AbnBooking>,
    /// What the next version would say changed; empty: the last version is up to date.
    pub pending: Vec<AbnChangeLine>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PaperSize {
    A4,
    Letter,
}

/// The languages the printed ABN's fixed words come in (the window's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PaperLanguage {
    En,
    Fr,
    Es,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AbnPdfRequest {
    pub abn_no: String,
    pub paper: PaperSize,
    pub language: PaperLanguage,
}

/// Where the ABN's PDF was written, and which version it is (issued now if the bookings
/// changed since the last).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AbnPdfSaved {
    pub path: String,
    pub version: u32,
    pub kind: AbnVersionKind,
    pub abn: AbnDetail,
}
