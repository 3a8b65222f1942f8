//! What the commands take and give: plain data, serialised as JSON for the UI, with TypeScript
//! types generated from these definitions (see [`crate::bindings`]). Domain types are mapped
//! into these here, so the core crates need no knowledge of the UI or of TypeScript.

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use waypoint_domain::mrz::CheckedField;
use waypoint_domain::{
    Action, DenialReason, DocumentType, ExitPermitStatus, Field, JourneyStep, Relationship, Role,
    Sex, SsrCategory, Vulnerability,
};

mod bookings;
mod history;
mod import;
pub use bookings::*;
pub use history::*;
pub use import::*;

/// An age in completed years: `min == max` when the date of birth is complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AgeRange {
    pub min: u32,
    pub max: u32,
}

// ---- search ---------------------------------------------------------------------------------

/// One person found. Need-to-know fields are never part of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SearchHit {
    pub case_no: String,
    pub individual_no: String,
    pub family_name: String,
    pub given_names: String,
    pub family_name_native: Option<String>,
    pub given_names_native: Option<String>,
    /// `None` when the search index holds a value this version does not know.
    pub relationship: Option<Relationship>,
    pub sex: Option<Sex>,
    /// Canonical partial date: `1984`, `1984-03`, `1984-03-14` or `UNKNOWN`.
    pub date_of_birth: String,
    pub age: Option<AgeRange>,
    pub nationality: String,
    pub document_no: Option<String>,
    pub site: String,
}

// ---- cases ----------------------------------------------------------------------------------

/// A case as the case view shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CaseDetail {
    pub case_no: String,
    pub site: String,
    pub programme: Option<String>,
    /// IATA airport code.
    pub destination: Option<String>,
    /// The airport's name and city, from the shipped airport table.
    pub destination_name: Option<String>,
    pub abn: Option<String>,
    /// Principal applicant first.
    pub members: Vec<Member>,
    /// Every document of the case and where it physically is now.
    pub documents: Vec<DocumentCustody>,
    /// Events recorded today (UTC day), oldest first.
    pub events_today: Vec<EventRecord>,
    /// The site this device records events for when working on this case.
    pub working_site: String,
    /// Where each member stands on the journey, in member order.
    pub journey: Vec<MemberJourney>,
}

/// Where a member stands on the journey and what they still need before travelling
/// (docs/journey.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MemberJourney {
    pub individual_no: String,
    pub step: JourneyStep,
    pub missing: Vec<MissingItem>,
}

/// One thing a member still needs; the window links each to where it is done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MissingItem {
    /// The case's programme has no readiness rules (or the case none): the strictest apply.
    ReadinessRules {
        programme: Option<String>,
    },
    IdentityCheck,
    Counselling,
    /// Why the travel document does not do, as a code (`no_document`, `expires_too_soon`...).
    TravelDocument {
        problem: String,
    },
    /// Where the exit permit stands; `None`: never requested.
    ExitPermit {
        status: Option<ExitPermitStatus>,
    },
    /// A data problem to settle, in `field` when there is one.
    DataProblem {
        field: Option<Field>,
    },
}

/// One member of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Member {
    pub individual_no: String,
    pub relationship: Relationship,
    pub family_name: String,
    pub given_names: String,
    pub family_name_native: Option<String>,
    pub given_names_native: Option<String>,
    pub sex: Sex,
    pub date_of_birth: String,
    pub age: Option<AgeRange>,
    pub nationality: String,
    pub languages: Vec<String>,
    pub phone: Option<String>,
    pub document: Option<Document>,
    pub special_needs: SpecialNeeds,
    pub exit_permit: Option<ExitPermit>,
    /// Passed an identity check at the working site today.
    pub verified_today: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Document {
    pub document_type: DocumentType,
    pub number: Option<String>,
    pub issuer: Option<String>,
    /// `YYYY-MM-DD`.
    pub expiry: Option<String>,
}

/// Special needs and vulnerabilities. `notes` and `vulnerabilities` are need-to-know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SpecialNeeds {
    pub ssr_codes: Vec<String>,
    pub notes: Option<String>,
    pub vulnerabilities: Vec<Vulnerability>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ExitPermit {
    pub status: ExitPermitStatus,
    pub denial_reason: Option<String>,
}

// ---- events ---------------------------------------------------------------------------------

/// A recorded field event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventRecord {
    IdentityCheck(IdentityCheckRecord),
    CounsellingSession(CounsellingRecord),
    CustodyTransfer(TransferRecord),
    ExitPermit(ExitPermitRecord),
}

/// What the officer concluded from an identity and document check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum CheckOutcome {
    Verified,
    Mismatch { reason: String },
    NotVerified { reason: String },
}

/// A field where the record and the document disagree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Mismatch {
    /// The record's field, sent as its CSV column name, e.g. `date_of_birth`.
    pub field: Field,
    pub on_record: String,
    pub on_document: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct IdentityCheckRecord {
    pub id: String,
    pub individual_no: String,
    pub document_no: Option<String>,
    pub outcome: CheckOutcome,
    pub mismatches: Vec<Mismatch>,
    pub site: String,
    pub checked_by: String,
    /// RFC 3339, UTC.
    pub checked_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CounsellingRecord {
    pub id: String,
    pub case_no: String,
    pub programme: Option<String>,
    pub topics_covered: Vec<String>,
    pub attendees: Vec<String>,
    pub language: String,
    pub interpreter: Option<String>,
    pub counsellor: String,
    pub held_at: String,
    pub duration_minutes: u32,
    pub notes: Option<String>,
    pub complete: bool,
    pub site: String,
}

/// Who or what holds a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Custodian {
    /// A member of a case.
    Individual { individual_no: String },
    /// A staff member of the organisation.
    Staff { name: String },
    /// A safe, cabinet or office.
    Storage { place: String },
    /// The envelope of documents that travels with the case.
    TravelBag { case_no: String },
    /// An authority or partner (embassy, immigration, airline).
    Authority { name: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TransferRecord {
    pub id: String,
    pub individual_no: String,
    pub document_no: String,
    pub from: Custodian,
    pub to: Custodian,
    pub location: String,
    pub site: String,
    pub recorded_by: String,
    pub at: String,
}

/// One step of an individual's exit permit. What a step does not have is `None`; a denial's
/// text and solution are blank for a role that may not see the denial reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ExitPermitRecord {
    pub id: String,
    pub individual_no: String,
    pub case_no: String,
    pub step: ExitPermitStatus,
    /// The day the step happened (YYYY-MM-DD); `None` for a step carried over from the record.
    pub on: Option<String>,
    pub authority: Option<String>,
    pub reference: Option<String>,
    pub reason: Option<DenialReason>,
    pub text: Option<String>,
    pub solution: Option<String>,
    pub site: String,
    pub recorded_by: String,
    /// When it was recorded, RFC 3339, UTC.
    pub at: String,
}

// ---- custody --------------------------------------------------------------------------------

/// One document and its chain of custody, oldest transfer first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DocumentCustody {
    pub individual_no: String,
    /// The document holder's name, as on the record.
    pub holder_name: String,
    /// `None` when the record holds a type this version does not know.
    pub document_type: Option<DocumentType>,
    pub document_no: String,
    /// Who holds it now; `None` until its first transfer is recorded.
    pub current: Option<Custodian>,
    /// Where the last transfer happened.
    pub location: Option<String>,
    pub chain: Vec<TransferRecord>,
}

/// A request to record a document changing hands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TransferRequest {
    pub individual_no: String,
    pub document_no: String,
    pub from: Custodian,
    pub to: Custodian,
    pub location: String,
}

// ---- identity and document checks -----------------------------------------------------------

/// One check digit of an MRZ: the field it covers and whether it agrees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CheckDigit {
    /// `document_number`, `date_of_birth`, `date_of_expiry`, `personal_number` or `composite`.
    pub field: CheckedField,
    pub ok: bool,
}

/// What an MRZ says, read and checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MrzReading {
    /// TD1, TD2, TD3, MRV-A or MRV-B.
    pub format: String,
    pub document_code: String,
    pub issuing_country: String,
    pub document_number: String,
    pub surname: String,
    pub given_names: String,
    pub nationality: String,
    /// `YYYY-MM-DD`, or the raw six characters when the date is partly unknown.
    pub date_of_birth: String,
    pub sex: String,
    pub date_of_expiry: String,
    /// Every check digit the format has.
    pub check_digits: Vec<CheckDigit>,
    /// Every check digit agrees.
    pub valid: bool,
}

/// An MRZ compared with an individual's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MrzComparison {
    pub reading: MrzReading,
    pub mismatches: Vec<Mismatch>,
}

/// A request to record an identity check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct IdentityCheckRequest {
    pub individual_no: String,
    pub document_no: Option<String>,
    pub outcome: CheckOutcome,
    pub mismatches: Vec<Mismatch>,
}

// ---- counselling ----------------------------------------------------------------------------

/// A text in the organisation's three working languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Localized {
    pub en: String,
    pub fr: String,
    pub es: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SopTopic {
    pub id: String,
    pub mandatory: bool,
    pub title: Localized,
}

/// A programme's pre-departure counselling checklist, from its SOP data file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SopProgramme {
    /// The programme code as in case records, e.g. `USRAP`.
    pub programme: String,
    pub name: Localized,
    /// Which edition of the SOP the checklist follows.
    pub sop_version: String,
    pub topics: Vec<SopTopic>,
}

/// A request to record a counselling session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CounsellingRequest {
    pub case_no: String,
    pub programme: String,
    pub topics_covered: Vec<String>,
    pub attendees: Vec<String>,
    /// ISO 639 code of the session's language.
    pub language: String,
    pub interpreter: Option<String>,
    pub duration_minutes: u32,
    pub notes: Option<String>,
    /// Save as complete: refused unless every mandatory topic is covered.
    pub complete: bool,
}

// ---- special needs --------------------------------------------------------------------------

/// One row of the SSR table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SsrCode {
    pub code: String,
    pub category: SsrCategory,
    pub description: Localized,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SpecialNeedsOptions {
    pub ssr_codes: Vec<SsrCode>,
    pub vulnerabilities: Vec<Vulnerability>,
}

/// New special needs of one individual; each field replaces the stored one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SpecialNeedsUpdate {
    pub individual_no: String,
    /// Each part is left as it is when `None` (the UI sends only what the role may edit).
    pub ssr_codes: Option<Vec<String>>,
    pub notes: Option<String>,
    pub vulnerabilities: Option<Vec<String>>,
}

// ---- sync conflicts -------------------------------------------------------------------------

/// A field that two devices changed at the same time; sync kept one value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ConflictItem {
    pub id: String,
    pub case_no: String,
    /// `case` or `individual`.
    pub scope: String,
    /// The case or individual number.
    pub record: String,
    /// Sent as its CSV column name.
    pub field: Field,
    /// The values are need-to-know (special-needs notes, vulnerabilities).
    pub need_to_know: bool,
    /// The role signed in may not see this field: `kept` and `other` are left out.
    pub hidden: bool,
    /// The value sync kept (the record has it now); `None`: empty.
    pub kept: Option<String>,
    /// The other device's value.
    pub other: Option<String>,
}

/// A person's decision on a conflict: the value the field should have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ConflictResolution {
    pub id: String,
    pub value: Option<String>,
}

// ---- sync -----------------------------------------------------------------------------------

/// What "Sync now" did, as the status area reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SyncOutcome {
    /// Changes of this device sent, and of those taken by the server.
    pub sent: u64,
    pub accepted: u64,
    /// Changes the server did not take in this sync (kept whole on this device, see
    /// `refused_kept`).
    pub refused: u64,
    /// Every refused change kept on this device (until a supervisor dismisses it): never say
    /// that everything reached HQ while there is one.
    pub refused_kept: u64,
    /// HQ retired this laptop, and it did not erase itself yet: changes still wait
    /// (`pending`, `refused_kept`).
    pub retired: bool,
    /// Field values, events and removed cases received and applied.
    pub received: u64,
    /// Conflicts waiting for review after the sync.
    pub open_conflicts: u64,
    /// Changes still waiting to be synced.
    pub pending: u64,
    /// HQ refused this laptop's audit log (it no longer matches the copy HQ holds), and why:
    /// the data synced, but a supervisor must be told.
    pub audit_refused: Option<String>,
}

// ---- status ---------------------------------------------------------------------------------

/// What the always-visible status area shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Status {
    /// Changes waiting to be synced (the outbox).
    pub pending_changes: u64,
    /// RFC 3339 time of the last successful sync; `None` if this device never synced.
    pub last_sync: Option<String>,
    /// Whether this device is enrolled with a sync server.
    pub sync_configured: bool,
    /// Conflicts that sync reported and nobody has reviewed yet.
    pub conflicts: u64,
    /// Events received that this version cannot read (a newer version's kind): kept, not shown.
    pub unreadable_events: u64,
    /// Changes the server refused, kept on this device until a supervisor dismisses them.
    pub refused_changes: u64,
    /// Who is signed in (events record this name) and their role's code.
    pub staff: String,
    pub role: Role,
    /// The site set for this device (WAYPOINT_SITE), if any; else each case's own site.
    pub site: Option<String>,
    pub device_id: String,
    pub data_dir: String,
}

// ---- sign-in and locks ----------------------------------------------------------------------

/// Why the app is locked (the application layer's, exported as it is).
pub use waypoint_app::session::LockReason;

/// Who is signed in and what their role lets them see and do; or, when locked, the name the
/// sign-in screen keeps and why the app locked. Holds no data of the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SessionInfo {
    pub locked: bool,
    /// Signed in: their name; locked: the name of the last person signed in, if any.
    pub name: Option<String>,
    /// While signed in.
    pub role: Option<Role>,
    pub lock_reason: Option<LockReason>,
    /// The device has no keys yet: the first sign-in sets its PIN.
    pub first_use: bool,
    /// Seconds without keyboard or pointer activity before the app locks.
    pub idle_seconds: u32,
    /// Signed in past the site's offline lease: nothing but "Sync now" until a sync succeeds.
    pub lease_over: bool,
    /// The actions the role may do (`import`, `identity_check`, ...).
    pub may: Vec<Action>,
    /// The fields (sent as CSV column names) the role may see, and may change.
    pub sees: Vec<Field>,
    pub edits: Vec<Field>,
}

/// What a sign-in came to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum SignInOutcome {
    SignedIn {
        session: SessionInfo,
    },
    /// Wrong PIN; after `attempts_left` more wrong PINs in a row the device erases this
    /// person's key.
    WrongPin {
        attempts_left: u32,
    },
    /// The fifth wrong PIN in a row: this person's key on this device is erased.
    KeyErased,
    /// This person has no key on this device (never added, or erased).
    NoKey,
    /// A new PIN is too short (first sign-in on a device).
    PinTooShort,
    /// Refused for a reason the code gives (account disabled, unknown in the staff
    /// directory, data of another device, ...); `message` is its English.
    Refused {
        message: String,
        code: waypoint_app::MessageCode,
    },
}

impl SignInOutcome {
    /// A refused sign-in, with its English and its code.
    pub fn refused(e: impl Into<waypoint_app::AppError>) -> Self {
        let e = e.into();
        SignInOutcome::Refused {
            message: e.to_string(),
            code: e.code(),
        }
    }
}
