//! What can go wrong in enrolment, sign-in and sync, said for the person at the laptop.

use waypoint_protocol as wire;
use waypoint_store::StoreError;

/// What can go wrong, for the person at the laptop. None of these carries personal data.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(
        "'{0}' is not a server address Waypoint can use: give it like https://sync.example.org"
    )]
    BadUrl(String),
    #[error(
        "the server address {0} uses plain http://, which is only allowed to this computer \
         (127.0.0.1 or localhost): use https://"
    )]
    PlainHttp(String),
    #[error("this device is not enrolled yet: run `waypoint enrol --server URL --code CODE` first")]
    NotEnrolled,
    /// Enrolling again would send the outbox (and later everything) to another server, end
    /// the lease and HQ's revocation: refused, and audited.
    #[error(
        "this device is already enrolled with {server}: it was not enrolled again. A supervisor \
         can move it with `waypoint enrol --replace --server URL --code CODE`, which first sends \
         every pending change to {server}; or HQ revokes it there"
    )]
    AlreadyEnrolled { server: String },
    #[error("only a supervisor may enrol this device again (signed in as {0})")]
    NotSupervisor(String),
    #[error("this device was not enrolled again: {0}")]
    NotDrained(String),
    #[error("the certificate file {path} could not be used: {reason}")]
    Certificate { path: String, reason: String },
    #[error(
        "the server at {url} could not be reached ({reason}). Nothing was lost: the changes wait \
         on this device; try again when the link is back"
    )]
    Unreachable { url: String, reason: String },
    #[error("the server refused this device: {0}")]
    Unauthorized(String),
    /// HQ revoked this device (`waypoint-server admin device revoke NAME --reason …`). For
    /// [`wire::RevokeReason::Lost`] the device must wipe itself at once
    /// ([`SyncError::must_wipe`]); a retired device is refused only outside sync, and wipes
    /// itself once everything it recorded reached HQ and was taken ([`retired_wipe`]).
    #[error("the server refused this device: {message}")]
    Revoked {
        reason: wire::RevokeReason,
        message: String,
    },
    #[error("{0} (this device keeps every change it has not synced)")]
    UpgradeRequired(String),
    #[error("the server answered {status}: {message}")]
    Server { status: u16, message: String },
    #[error("the server's answer could not be read: {0}")]
    Protocol(#[from] wire::ProtocolError),
    /// The server said yes, but with an answer this version cannot use: damaged on the way,
    /// or from a newer server. Says what it was, never the values in it.
    #[error(
        "the server's answer could not be read: {0}. If HQ updated the server, update Waypoint"
    )]
    UnreadableAnswer(String),
    /// This device could not write its own request (a fault of this version, not of the data).
    #[error("this device could not write its request ({0}): please report this fault of Waypoint")]
    Encode(String),
    #[error("the server refused the sign-in: {0}")]
    SignInRefused(String),
    #[error("{0}")]
    TooManyAttempts(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SyncError {
    /// Whether the device was refused (revoked or unknown): a person must re-enrol it.
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, SyncError::Unauthorized(_) | SyncError::Revoked { .. })
    }

    /// Whether HQ revoked this device as lost: it must wipe itself now (the wrapped keys
    /// first, then its files), whatever it has not sent.
    pub fn must_wipe(&self) -> bool {
        matches!(
            self,
            SyncError::Revoked {
                reason: wire::RevokeReason::Lost,
                ..
            }
        )
    }
}
