//! Why a use case did not do what it was asked, said for a person.

use chrono::{DateTime, Utc};
use waypoint_domain::mrz::MrzError;
use waypoint_keys::KeyError;
use waypoint_store::StoreError;
use waypoint_sync::SyncError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Includes the role refusals (`StoreError::NotAllowed`).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The file could not be read as a case import at all; nothing was saved.
    #[error("{file_name}: {source}")]
    File {
        file_name: String,
        source: waypoint_import::ImportError,
    },
    #[error(transparent)]
    SignIn(#[from] SignInError),
    /// A wrong PIN, an erased key, a PIN too short...
    #[error(transparent)]
    Keys(#[from] waypoint_keys::KeyError),
    #[error(transparent)]
    Sync(#[from] waypoint_sync::SyncError),
    /// Past the offline lease: nothing but a sync (and the status) until a sync succeeds.
    #[error("{0}")]
    LeaseOver(LeaseOver),
    /// Signed in past the offline lease: the window offers only "Sync now".
    #[error(
        "this laptop has not synced for longer than its site allows: it is locked until it syncs (Sync now); its changes are kept"
    )]
    LockedPastLease,
    /// Nobody is signed in: no store is open.
    #[error("Waypoint is locked: sign in with your PIN")]
    Locked,
    /// An earlier command panicked while it held the store.
    #[error("Waypoint's data is unavailable after an earlier failure: restart Waypoint")]
    Unavailable,
    /// HQ revoked this laptop and the sync that learnt it erased the data.
    #[error("HQ revoked this laptop: its Waypoint data has been erased")]
    Wiped,
    #[error("a sync is already running")]
    SyncRunning,
    #[error("there is no case with number {0}")]
    UnknownCase(String),
    #[error("there is no individual with number {0}")]
    UnknownIndividual(String),
    #[error("there is no case or individual with number {0}")]
    UnknownNumber(String),
    #[error("{individual_no} holds no document {document_no} on record")]
    NoSuchDocument {
        individual_no: String,
        document_no: String,
    },
    #[error(transparent)]
    HeldElsewhere(#[from] waypoint_domain::HeldElsewhere),
    /// A hold or cancellation of someone who has left: the movement facts say where they are.
    #[error(
        "{individual_no} has already departed: a journey is put on hold or cancelled only before departure"
    )]
    AfterDeparture { individual_no: String },
    #[error("there is no counselling checklist for programme {0}")]
    NoChecklist(String),
    #[error(transparent)]
    Session(#[from] waypoint_domain::SessionProblem),
    #[error("conflict {0} is already resolved")]
    ConflictResolved(String),
    #[error(
        "neither value of conflict {id} was made on this device ({} and {} made them): give the value to keep",
        devices[0], devices[1]
    )]
    NeitherValueMadeHere { id: String, devices: [String; 2] },
    #[error("{0} is not in this device's staff directory: a supervisor adds them")]
    NotInDirectory(String),
    #[error(
        "staff accounts of an enrolled device are managed at HQ; they sign in here once with a network"
    )]
    StaffManagedAtHq,
    #[error("give {0}'s role")]
    RoleNeeded(String),
    #[error("{0} can already unlock this device: give a role to set theirs")]
    AlreadyUnlocks(String),
    #[error("no PIN for the new staff member")]
    NewPinNeeded,
    #[error(
        "there is no platform data directory on this computer: give one with WAYPOINT_DATA_DIR"
    )]
    NoDataDir,
    /// A text that is no machine-readable zone.
    #[error(transparent)]
    Mrz(#[from] MrzError),
    #[error("there is no booking {0} on this laptop")]
    UnknownBooking(String),
    #[error("there is no ABN {0} on this laptop: no booking is notified under that number")]
    UnknownAbn(String),
    /// A booking that cannot stand as given (an itinerary that does not chain, say).
    #[error(transparent)]
    Booking(waypoint_domain::BookingProblem),
    /// A value of a booking form that is not what it should be (an airline code, a time...).
    #[error("the booking cannot be saved: {0}")]
    BookingValue(waypoint_domain::ValueProblem),
    #[error("{individual_no} is not on booking {booking_ref}")]
    NotOnBooking {
        booking_ref: String,
        individual_no: String,
    },
    #[error("booking {booking_ref} has no warning {warning} (`waypoint booking show` lists them)")]
    NoSuchWarning {
        booking_ref: String,
        warning: String,
    },
    /// A manifest, head count or items request that cannot be carried out as given.
    #[error(transparent)]
    Departure(#[from] waypoint_domain::DepartureProblem),
    /// A request that cannot be carried out as given; the message says why and what to do.
    #[error("{0}")]
    Invalid(String),
}

impl AppError {
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid(message.into())
    }

    /// A refusal of the role (what the store says too).
    pub fn not_allowed(role: waypoint_domain::Role, what: waypoint_domain::Refused) -> Self {
        Self::Store(StoreError::NotAllowed { role, what })
    }
}

/// Where a device past its offline lease stands: each front end says how to sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeaseOver {
    /// The last successful sync (or the enrolment); `None` when there is no record of either.
    pub since: Option<DateTime<Utc>>,
    pub lease_days: u32,
    /// Whole days since `since` (0 when unknown).
    pub days_offline: u64,
    /// Changes waiting to be synced: kept, and the sync that ends the lock sends them.
    pub pending: u64,
}

impl std::fmt::Display for LeaseOver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.since {
            Some(_) => write!(
                f,
                "this laptop has not synced for {} days",
                self.days_offline
            )?,
            None => write!(f, "this laptop has no record of a sync")?,
        }
        write!(
            f,
            "; the site allows {}: it is locked until it syncs; its {} change(s) waiting to be synced are kept",
            self.lease_days, self.pending
        )
    }
}

/// Why a sign-in did not happen, in words for the person signing in.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// A wrong PIN, an erased key, an unknown name, a missing device secret...
    #[error(transparent)]
    Keys(#[from] KeyError),
    #[error(
        "{name} has no key on this device yet (a first sign-in here, or a key erased after too \
         many wrong PINs), so this sign-in needs the network: the server at {url} could not be \
         reached. Connect and try again, or ask a colleague who can unlock this device."
    )]
    NeedsNetwork { name: String, url: String },
    #[error("the server refused the sign-in: {0}")]
    Refused(String),
    #[error("sign-in refused: {0}")]
    TooManyAttempts(String),
    #[error(
        "{0}'s staff account is disabled: they can no longer sign in on this device, and their \
         key here has been destroyed. Ask HQ if this is a mistake."
    )]
    Disabled(String),
    #[error("online sign-in: {0}")]
    Online(SyncError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<SyncError> for SignInError {
    fn from(e: SyncError) -> Self {
        match e {
            SyncError::Store(e) => SignInError::Store(e),
            e => SignInError::Online(e),
        }
    }
}
