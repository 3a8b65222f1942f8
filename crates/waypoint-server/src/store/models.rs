//! What the server stores, as the rest of the server sees it: devices, staff accounts, failed
//! attempts, what a push or a pull did, and the changes held for HQ.

use uuid::Uuid;
use waypoint_protocol::{Conflict, RevokeReason, ServerChange};

/// A device as its credential shows it: identity and scope, from the server's own tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub id: Uuid,
    pub name: String,
    /// Site codes whose cases this device receives and may change.
    pub sites: Vec<String>,
    /// Highest client_seq settled for this device.
    pub last_client_seq: u64,
    /// Why HQ revoked it, if it did. Only a `Retired` device is ever let in, and only to push
    /// (see `http.rs`); a `Lost` one is refused everywhere.
    pub revoked: Option<RevokeReason>,
}

/// A device as the administrator lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    pub id: Uuid,
    pub name: String,
    pub sites: Vec<String>,
    pub state: DeviceState,
    pub last_client_seq: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceState {
    /// Waiting for its enrolment code, which expires at this time (ms since the epoch).
    Pending {
        expires_ms: u64,
    },
    Active,
    Revoked(RevokeReason),
}

/// A new device: the administrator enrolled it, the laptop has not used its code yet.
#[derive(Debug, Clone)]
pub struct NewDevice {
    pub id: Uuid,
    pub name: String,
    pub site: String,
    pub code_hash: String,
    pub expires_ms: u64,
    pub now_ms: u64,
}

/// A new staff account (name, site and role already checked; the PIN already hashed).
#[derive(Clone)]
pub struct NewStaff {
    pub name: String,
    pub site: String,
    /// A `waypoint_domain::Role` code.
    pub role: String,
    /// The Argon2id PHC string of the PIN.
    pub pin_hash: String,
    pub now_ms: u64,
}

impl std::fmt::Debug for NewStaff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewStaff")
            .field("site", &self.site)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// A staff account as the administrator lists it (never the PIN's hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffAccount {
    pub name: String,
    pub site: String,
    pub role: String,
    pub disabled: bool,
    /// How many times the account changed (1 when added).
    pub version: u64,
}

/// What an online sign-in checks: the account and its PIN's hash.
#[derive(Clone)]
pub struct StaffCredential {
    pub account: StaffAccount,
    pub pin_hash: String,
}

impl std::fmt::Debug for StaffCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffCredential").finish_non_exhaustive()
    }
}

/// A device's recovery material, made at enrolment: the hash of its sign-in credential and
/// its recovery secret as stored (wrapped by the server key, see `crate::server_key`).
#[derive(Clone)]
pub struct DeviceRecovery {
    pub signin_token_hash: String,
    pub recovery_secret: String,
}

impl std::fmt::Debug for DeviceRecovery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceRecovery").finish_non_exhaustive()
    }
}

/// What failed attempts are counted by (the key is stored as a SHA-256).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// A wrong enrolment code, by the address it came from.
    EnrolPeer,
    /// A wrong name or PIN, by the name tried.
    SignInName,
    /// A wrong name or PIN, by the device that asked.
    SignInDevice,
}

impl FailureKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::EnrolPeer => "enrol_peer",
            FailureKind::SignInName => "sign_in_name",
            FailureKind::SignInDevice => "sign_in_device",
        }
    }
}

/// What a push did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushOutcome {
    pub acked_up_to: u64,
    pub refused: Vec<waypoint_protocol::Refusal>,
    /// The highest (clamped) timestamp the batch carried.
    pub max_hlc: u64,
    /// The sequence numbers this push gave out (empty when it wrote nothing).
    pub written: std::ops::Range<u64>,
}

/// One page of what a device may see (the HTTP layer adds the server's clock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub changes: Vec<ServerChange>,
    pub conflicts: Vec<Conflict>,
    pub next_cursor: u64,
    pub more: bool,
}

/// The held changes of one case number from one site.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HeldGroup {
    pub case_no: String,
    pub site: String,
    pub changes: u64,
    pub first_ms: u64,
    pub last_ms: u64,
}

/// What HQ did with held changes: given (`Give`) or dropped (`Drop`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Settlement {
    pub at_ms: u64,
    pub action: SettleAction,
    pub case_no: String,
    pub site: String,
    /// Give: the site the case was taken from, when it was elsewhere.
    pub from_site: Option<String>,
    /// The held changes settled.
    pub changes: u64,
    /// Give: how many of them were applied.
    pub applied: u64,
    /// Give: how many are held again (a person's number on yet another site's case).
    pub still_held: u64,
    /// Give: why the others were refused (never a value). Not kept in the record.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SettleAction {
    Give,
    Drop,
}

impl SettleAction {
    pub fn as_str(self) -> &'static str {
        match self {
            SettleAction::Give => "give",
            SettleAction::Drop => "drop",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "give" => Some(SettleAction::Give),
            "drop" => Some(SettleAction::Drop),
            _ => None,
        }
    }
}

/// A staff name as compared: trimmed, lower case.
pub fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}
