//! What a use case's refusal or failure means, as a code with typed parameters: the window
//! words each code in the person's language (see docs/messages.md); the CLI keeps the English
//! `Display` of the errors.

use serde::{Deserialize, Serialize};
use waypoint_domain::{Action, BookingProblem, Field, Refused, Role, SessionProblem, ValueProblem};
use waypoint_import::ImportError;
use waypoint_keys::KeyError;
use waypoint_store::StoreError;
use waypoint_sync::SyncError;

use crate::session::SignInError;
use crate::{AppError, LeaseOver};

/// One message a person reads, as a code (`code`) and its parameters (`params`). Role, action
/// and field parameters are the codes the UI already words (`role_*`, `action_*`, `field_*`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "code", content = "params", rename_all = "snake_case")]
pub enum MessageCode {
    // ---- records
    UnknownCase {
        case_no: String,
    },
    UnknownIndividual {
        individual_no: String,
    },
    /// A field that identifies the record (a case or individual number).
    ReadOnlyField {
        field: Field,
    },
    /// The record's old exit-permit fields: a step is recorded instead.
    RecordedAsSteps {
        field: Field,
    },
    /// A value the field does not take, and why.
    InvalidValue {
        field: Field,
        problem: ValueProblem,
    },
    /// The MRZ text typed or scanned is no machine-readable zone.
    MrzUnreadable,
    /// No case and no individual has this number.
    UnknownNumber {
        number: String,
    },

    // ---- field work
    /// The individual has no document with this number on record.
    NoSuchDocument {
        individual_no: String,
        document_no: String,
    },
    /// A handover recorded from someone who does not hold the document.
    HeldElsewhere {
        document_no: String,
    },
    NoChecklist {
        programme: String,
    },
    /// A hold or cancellation of someone who has already departed.
    AfterDeparture {
        individual_no: String,
    },
    UnknownTopic {
        topic: String,
        programme: String,
    },
    /// Saved as complete without every mandatory topic of the checklist.
    MandatoryTopicsMissing {
        programme: String,
        count: u64,
    },

    // ---- movements
    UnknownBooking {
        booking_ref: String,
    },
    UnknownAbn {
        abn_no: String,
    },
    /// A booking that cannot stand as given.
    BookingProblem {
        problem: BookingProblem,
    },
    /// A value of a booking form that is not what it should be, and why.
    BadBookingValue {
        problem: ValueProblem,
    },
    NotOnBooking {
        booking_ref: String,
        individual_no: String,
    },
    NoSuchWarning {
        booking_ref: String,
        warning: String,
    },

    // ---- refusals of the role
    NotAllowed {
        role: Role,
        action: Action,
    },
    NotAllowedChange {
        role: Role,
        field: Field,
    },

    // ---- locks and the offline lease
    /// Nobody is signed in.
    Locked,
    /// HQ revoked this laptop: its data is erased.
    Wiped,
    /// Waypoint's data is unavailable after an earlier failure.
    Unavailable,
    /// Past the offline lease, with the days since the last sync.
    LeaseOver {
        days_offline: u64,
        lease_days: u32,
        pending: u64,
    },
    /// Past the offline lease, and there is no record of a sync.
    LeaseOverNeverSynced {
        lease_days: u32,
        pending: u64,
    },
    /// Past the offline lease (the window's own check, without the numbers).
    LeaseOverLocked,

    // ---- sign-in and staff
    WrongPin {
        attempts_left: u32,
    },
    KeyErased {
        name: String,
    },
    NoKey {
        name: String,
    },
    PinTooShort {
        min_chars: u32,
    },
    NameNeeded,
    /// A first sign-in needs the network, which could not be reached.
    SignInNeedsNetwork {
        name: String,
    },
    StaffUnknown {
        name: String,
    },
    StaffDisabled {
        name: String,
    },
    NotInDirectory {
        name: String,
    },
    StaffManagedAtHq,
    RoleNeeded {
        name: String,
    },
    AlreadyUnlocks {
        name: String,
    },
    NewPinNeeded,
    /// The data directory belongs to another device, or this device's secret is missing.
    OtherDevicesData,
    /// The computer has no platform data directory: one is given with WAYPOINT_DATA_DIR.
    NoDataDir,

    // ---- sync conflicts
    UnknownConflict {
        id: String,
    },
    ConflictResolved {
        id: String,
    },
    NeitherValueMadeHere {
        id: String,
    },

    // ---- sync
    NotEnrolled,
    SyncRunning,
    ServerUnreachable {
        url: String,
    },
    /// The server refused this device (unknown, or its credentials).
    SyncRefused,
    /// HQ revoked this device.
    DeviceRevoked,
    /// The server needs a newer Waypoint.
    UpgradeRequired,
    /// The data was written by a newer Waypoint.
    DataTooNew {
        found: u32,
        known: u32,
    },
    UnreadableAnswer,
    ServerError {
        status: u16,
    },
    BadServerAddress {
        address: String,
    },

    // ---- import files
    /// The file could not be read at all.
    FileUnreadable {
        file_name: String,
    },
    FileEmpty {
        file_name: String,
    },
    FileNotUtf8 {
        file_name: String,
        encoding: String,
    },
    /// The columns are separated by semicolons or tabs, not by commas.
    FileWrongSeparator {
        file_name: String,
    },
    FileNoHeader {
        file_name: String,
    },

    /// A failure with no code of its own (a database I/O error, a damaged file): the English
    /// text, worded "Waypoint could not do this: {detail}".
    Other {
        detail: String,
    },
}

impl MessageCode {
    /// The fallback for a failure without a code of its own.
    pub fn other(detail: impl Into<String>) -> Self {
        MessageCode::Other {
            detail: detail.into(),
        }
    }
}

impl AppError {
    /// What this error means, for a window to word in the person's language.
    pub fn code(&self) -> MessageCode {
        match self {
            AppError::Store(e) => store_code(e),
            AppError::File { file_name, source } => file_code(file_name, source),
            AppError::SignIn(e) => sign_in_code(e),
            AppError::Keys(e) => key_code(e),
            AppError::Sync(e) => sync_code(e),
            AppError::LeaseOver(l) => lease_code(l),
            AppError::LockedPastLease => MessageCode::LeaseOverLocked,
            AppError::UnknownNumber(number) => MessageCode::UnknownNumber {
                number: number.clone(),
            },
            AppError::NoSuchDocument {
                individual_no,
                document_no,
            } => MessageCode::NoSuchDocument {
                individual_no: individual_no.clone(),
                document_no: document_no.clone(),
            },
            AppError::HeldElsewhere(e) => MessageCode::HeldElsewhere {
                document_no: e.document_no.clone(),
            },
            AppError::AfterDeparture { individual_no } => MessageCode::AfterDeparture {
                individual_no: individual_no.clone(),
            },
            AppError::NoChecklist(programme) => MessageCode::NoChecklist {
                programme: programme.clone(),
            },
            AppError::Session(SessionProblem::UnknownTopic { topic, programme }) => {
                MessageCode::UnknownTopic {
                    topic: topic.clone(),
                    programme: programme.clone(),
                }
            }
            AppError::Session(SessionProblem::MandatoryTopicsMissing { programme, titles }) => {
                MessageCode::MandatoryTopicsMissing {
                    programme: programme.clone(),
                    count: titles.len() as u64,
                }
            }
            AppError::Locked => MessageCode::Locked,
            AppError::Unavailable => MessageCode::Unavailable,
            AppError::Wiped => MessageCode::Wiped,
            AppError::SyncRunning => MessageCode::SyncRunning,
            AppError::UnknownCase(n) => MessageCode::UnknownCase { case_no: n.clone() },
            AppError::UnknownIndividual(n) => MessageCode::UnknownIndividual {
                individual_no: n.clone(),
            },
            AppError::ConflictResolved(id) => MessageCode::ConflictResolved { id: id.clone() },
            AppError::NeitherValueMadeHere { id, .. } => {
                MessageCode::NeitherValueMadeHere { id: id.clone() }
            }
            AppError::NotInDirectory(name) => MessageCode::NotInDirectory { name: name.clone() },
            AppError::StaffManagedAtHq => MessageCode::StaffManagedAtHq,
            AppError::RoleNeeded(name) => MessageCode::RoleNeeded { name: name.clone() },
            AppError::AlreadyUnlocks(name) => MessageCode::AlreadyUnlocks { name: name.clone() },
            AppError::NewPinNeeded => MessageCode::NewPinNeeded,
            AppError::Mrz(_) => MessageCode::MrzUnreadable,
            AppError::NoDataDir => MessageCode::NoDataDir,
            AppError::UnknownBooking(r) => MessageCode::UnknownBooking {
                booking_ref: r.clone(),
            },
            AppError::UnknownAbn(n) => MessageCode::UnknownAbn { abn_no: n.clone() },
            AppError::Booking(p) => MessageCode::BookingProblem { problem: p.clone() },
            AppError::BookingValue(p) => MessageCode::BadBookingValue { problem: p.clone() },
            AppError::NotOnBooking {
                booking_ref,
                individual_no,
            } => MessageCode::NotOnBooking {
                booking_ref: booking_ref.clone(),
                individual_no: individual_no.clone(),
            },
            AppError::NoSuchWarning {
                booking_ref,
                warning,
            } => MessageCode::NoSuchWarning {
                booking_ref: booking_ref.clone(),
                warning: warning.clone(),
            },
            AppError::Invalid(_) => MessageCode::other(self.to_string()),
            // Worded in English until the departure-day screens give them codes of their own.
            AppError::Departure(_) => MessageCode::other(self.to_string()),
        }
    }
}

fn lease_code(l: &LeaseOver) -> MessageCode {
    match l.since {
        Some(_) => MessageCode::LeaseOver {
            days_offline: l.days_offline,
            lease_days: l.lease_days,
            pending: l.pending,
        },
        None => MessageCode::LeaseOverNeverSynced {
            lease_days: l.lease_days,
            pending: l.pending,
        },
    }
}

/// The store's errors: refusals, unknown records, bad values; its I/O failures fall back.
pub fn store_code(e: &StoreError) -> MessageCode {
    match e {
        StoreError::NotAllowed { role, what } => match *what {
            Refused::Action { action } => MessageCode::NotAllowed {
                role: *role,
                action,
            },
            Refused::Change { field } => MessageCode::NotAllowedChange { role: *role, field },
        },
        StoreError::UnknownCase(n) => MessageCode::UnknownCase { case_no: n.clone() },
        StoreError::UnknownIndividual(n) => MessageCode::UnknownIndividual {
            individual_no: n.clone(),
        },
        StoreError::ReadOnlyField(field) => MessageCode::ReadOnlyField { field: *field },
        StoreError::RecordedAsSteps(field) => MessageCode::RecordedAsSteps { field: *field },
        StoreError::InvalidValue { field, error } => MessageCode::InvalidValue {
            field: *field,
            problem: error.problem().clone(),
        },
        StoreError::UnknownStaff(name) => MessageCode::StaffUnknown { name: name.clone() },
        StoreError::StaffDisabled(name) => MessageCode::StaffDisabled { name: name.clone() },
        StoreError::UnknownConflict(id) => MessageCode::UnknownConflict { id: id.clone() },
        StoreError::TooNew { found, known } => MessageCode::DataTooNew {
            found: *found,
            known: *known,
        },
        StoreError::WrongKey { .. } => MessageCode::OtherDevicesData,
        e => MessageCode::other(with_causes(e)),
    }
}

fn sync_code(e: &SyncError) -> MessageCode {
    match e {
        SyncError::NotEnrolled => MessageCode::NotEnrolled,
        SyncError::Unreachable { url, .. } => MessageCode::ServerUnreachable { url: url.clone() },
        SyncError::Unauthorized(_) => MessageCode::SyncRefused,
        SyncError::Revoked { .. } => MessageCode::DeviceRevoked,
        SyncError::UpgradeRequired(_) => MessageCode::UpgradeRequired,
        SyncError::Server { status, .. } => MessageCode::ServerError { status: *status },
        SyncError::Protocol(_) | SyncError::UnreadableAnswer(_) => MessageCode::UnreadableAnswer,
        SyncError::BadUrl(address) | SyncError::PlainHttp(address) => {
            MessageCode::BadServerAddress {
                address: address.clone(),
            }
        }
        SyncError::Store(e) => store_code(e),
        e => MessageCode::other(with_causes(e)),
    }
}

fn key_code(e: &KeyError) -> MessageCode {
    match e {
        KeyError::WrongPin { attempts_left, .. } => MessageCode::WrongPin {
            attempts_left: *attempts_left,
        },
        KeyError::KeyErased { staff } => MessageCode::KeyErased {
            name: staff.clone(),
        },
        KeyError::UnknownStaff { staff } => MessageCode::NoKey {
            name: staff.clone(),
        },
        KeyError::PinTooShort => MessageCode::PinTooShort {
            min_chars: u32::try_from(waypoint_keys::MIN_PIN_CHARS).unwrap_or(u32::MAX),
        },
        KeyError::EmptyStaffName => MessageCode::NameNeeded,
        KeyError::NoDeviceSecret { .. } | KeyError::WrongDevice { .. } => {
            MessageCode::OtherDevicesData
        }
        e => MessageCode::other(with_causes(e)),
    }
}

fn sign_in_code(e: &SignInError) -> MessageCode {
    match e {
        SignInError::Keys(e) => key_code(e),
        SignInError::NeedsNetwork { name, .. } => {
            MessageCode::SignInNeedsNetwork { name: name.clone() }
        }
        SignInError::Disabled(name) => MessageCode::StaffDisabled { name: name.clone() },
        SignInError::Online(e) => sync_code(e),
        SignInError::Store(e) => store_code(e),
        SignInError::Refused(_) | SignInError::TooManyAttempts(_) => {
            MessageCode::other(with_causes(e))
        }
    }
}

fn file_code(file_name: &str, e: &ImportError) -> MessageCode {
    let file_name = file_name.to_string();
    match e {
        ImportError::Io(_) => MessageCode::FileUnreadable { file_name },
        ImportError::Empty => MessageCode::FileEmpty { file_name },
        ImportError::NotUtf8 { encoding } => MessageCode::FileNotUtf8 {
            file_name,
            encoding: (*encoding).to_string(),
        },
        ImportError::WrongSeparator { .. } => MessageCode::FileWrongSeparator { file_name },
        ImportError::NoHeader { .. } => MessageCode::FileNoHeader { file_name },
        e => MessageCode::other(format!("{file_name}: {e}")),
    }
}

/// The English message with its causes (`database error: disk I/O error`).
pub fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_names_the_role_and_the_action_as_codes() {
        let e = AppError::Store(StoreError::NotAllowed {
            role: Role::FieldAssistant,
            what: Refused::Action {
                action: Action::Import,
            },
        });
        assert_eq!(
            serde_json::to_value(e.code()).unwrap(),
            serde_json::json!({
                "code": "not_allowed",
                "params": { "role": "field_assistant", "action": "import" }
            })
        );
        // The CLI's English is unchanged.
        assert_eq!(
            e.to_string(),
            "not allowed: the field_assistant role may not import"
        );
    }

    #[test]
    fn a_refused_change_names_the_field() {
        let e = AppError::Store(StoreError::NotAllowed {
            role: Role::PoeAssociate,
            what: Refused::Change {
                field: Field::FamilyName,
            },
        });
        let v = serde_json::to_value(e.code()).unwrap();
        assert_eq!(v["code"], "not_allowed_change");
        assert_eq!(v["params"]["field"], "family_name");
        assert!(e.to_string().ends_with("may not change family_name"), "{e}");
    }

    #[test]
    fn the_lease_says_its_numbers_and_a_code_without_params_has_none() {
        let e = AppError::LeaseOver(LeaseOver {
            since: Some(chrono::Utc::now()),
            lease_days: 14,
            days_offline: 20,
            pending: 3,
        });
        let v = serde_json::to_value(e.code()).unwrap();
        assert_eq!(v["code"], "lease_over");
        assert_eq!(v["params"]["days_offline"], 20);
        assert_eq!(v["params"]["pending"], 3);
        let locked = serde_json::to_value(MessageCode::Locked).unwrap();
        assert_eq!(locked, serde_json::json!({ "code": "locked" }));
    }

    #[test]
    fn an_invalid_value_says_why_as_a_code_not_in_english() {
        let error = Field::Sex
            .normalize("male", chrono::NaiveDate::MIN)
            .unwrap_err();
        let e = AppError::Store(StoreError::InvalidValue {
            field: Field::Sex,
            error,
        });
        assert_eq!(
            serde_json::to_value(e.code()).unwrap(),
            serde_json::json!({
                "code": "invalid_value",
                "params": {
                    "field": "sex",
                    "problem": { "code": "not_one_of", "params": { "value": "male", "list": "sex" } }
                }
            })
        );
    }

    #[test]
    fn a_computer_without_a_data_directory_has_a_code_of_its_own() {
        assert_eq!(AppError::NoDataDir.code(), MessageCode::NoDataDir);
        assert_eq!(
            serde_json::to_value(AppError::NoDataDir.code()).unwrap(),
            serde_json::json!({ "code": "no_data_dir" })
        );
    }

    #[test]
    fn an_internal_failure_falls_back_to_its_english_with_causes() {
        let e = AppError::Store(StoreError::Io(std::io::Error::other("disk full")));
        assert_eq!(e.code(), MessageCode::other("disk full"));
        let e = AppError::invalid("type a case number");
        assert_eq!(e.code(), MessageCode::other("type a case number"));
    }
}
