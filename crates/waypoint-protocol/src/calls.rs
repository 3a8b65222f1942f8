//! The JSON bodies of the small calls: enrolment, online sign-in, the staff directory, audit
//! upload, status, errors and why a device was revoked.

use serde::{Deserialize, Serialize};
use uuid::Uuid;
use waypoint_domain::SitePolicy;

/// `POST /v1/enrol` (JSON): the one-time code `waypoint-server admin device enrol` printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrolRequest {
    /// As printed (dashes, spaces and case do not matter).
    pub code: String,
}

/// The device's identity and credential. The token is shown once; the server keeps a hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrolResponse {
    pub device_id: Uuid,
    pub device_name: String,
    /// Send as `Authorization: Bearer <token>` on every other request.
    pub token: String,
    /// The sites whose cases this device receives.
    pub sites: Vec<String>,
    /// The device's sign-in credential (servers with staff accounts): it only lets the device
    /// ask for an online sign-in ([`crate::paths::SIGN_IN`]), never sync. The device keeps it sealed
    /// under its device secret, outside the encrypted store, so that a person with no key on
    /// the device yet can sign in. The server keeps a hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_in_token: Option<String>,
    /// 256 random bits as 64 hex digits: the device wraps its store key under it and forgets
    /// it; the server hands it back after an online sign-in (not a login credential).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_secret: Option<String>,
}

/// One staff account as a device receives it: never a PIN or its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffEntry {
    pub name: String,
    /// A role code: field_assistant, poe_associate, data_processing, supervisor, administrator.
    pub role: String,
    /// The site the account belongs to (always one of the device's sites).
    pub site: String,
    pub disabled: bool,
}

/// `GET /v1/directory` (JSON): the staff accounts of the device's sites and their policy (of a
/// device with several sites, the strictest: the shortest lease and idle time).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffDirectory {
    pub staff: Vec<StaffEntry>,
    pub policy: SitePolicy,
}

impl StaffDirectory {
    /// A digest of the content (32 hex digits), the same on the server and on a device that
    /// holds the same directory: names compare without case, order does not matter.
    pub fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut lines: Vec<String> = self
            .staff
            .iter()
            .map(|s| {
                format!(
                    "{}\t{}\t{}\t{}\n",
                    s.name.trim().to_lowercase(),
                    s.role,
                    s.site,
                    u8::from(s.disabled)
                )
            })
            .collect();
        lines.sort();
        let mut h = Sha256::new();
        h.update(b"waypoint staff directory v1\n");
        for line in &lines {
            h.update(line.as_bytes());
        }
        h.update(format!("{}\t{}\n", self.policy.lease_days, self.policy.idle_minutes).as_bytes());
        h.finalize()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// One entry of a device's hash-chained audit log, as the device wrote it (the fields of
/// `waypoint_domain::audit_chain::AuditEntry`, which hashes and checks them): who did what to which record and field, never a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditRecord {
    pub seq: i64,
    pub at: String,
    pub staff: String,
    pub action: String,
    pub scope: Option<String>,
    pub entity: Option<String>,
    pub field: Option<String>,
    pub detail: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// `POST /v1/audit` (JSON): the next entries of the device's audit log, oldest first, from the
/// one after the server's [`AuditAck::held_seq`]. At most [`AUDIT_BATCH`] entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditPush {
    pub entries: Vec<AuditRecord>,
}

/// Most audit entries in one [`AuditPush`].
pub const AUDIT_BATCH: usize = 2_000;

/// How far the server holds the device's audit log: the newest entry it has, and its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditAck {
    pub held_seq: i64,
    pub held_hash: String,
}

/// `POST /v1/sign-in` (JSON), with the device's credential: a staff member's name and PIN.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignInRequest {
    pub name: String,
    pub pin: String,
}

impl std::fmt::Debug for SignInRequest {
    /// Never shows the PIN.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInRequest").finish_non_exhaustive()
    }
}

/// The answer to a successful online sign-in.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignInResponse {
    /// The account's name as HQ wrote it.
    pub name: String,
    pub role: String,
    pub site: String,
    /// The device's recovery secret (64 hex digits): it unwraps the store key this device
    /// wrapped under it at enrolment, so the device can wrap it under this person's PIN.
    pub recovery_secret: String,
    /// The directory of the device's sites, so the new person's role is known at once.
    pub directory: StaffDirectory,
}

impl std::fmt::Debug for SignInResponse {
    /// Never shows the recovery secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInResponse")
            .field("role", &self.role)
            .field("site", &self.site)
            .finish_non_exhaustive()
    }
}

/// `GET /v1/status` (JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusResponse {
    pub device_id: Uuid,
    pub device_name: String,
    pub sites: Vec<String>,
    /// The highest `client_seq` of this device the server has settled (after a lost push
    /// answer, the device can drop its outbox up to here).
    pub acked_up_to: u64,
    pub schema_version: u32,
    pub min_schema_version: u32,
    pub server_hlc: u64,
}

/// Every error answer of the server (JSON), written for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: String,
    /// Set on the 401 of a revoked device: why HQ revoked it, which says what the device must
    /// do (`lost`: wipe itself at once; `retired`: push its pending changes, then wipe).
    /// Absent on every other error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<RevokeReason>,
}

impl ErrorBody {
    /// An error answer that is not about revocation.
    pub fn new(error: impl Into<String>) -> Self {
        ErrorBody {
            error: error.into(),
            revoked: None,
        }
    }
}

/// Why HQ revoked a device (`waypoint-server admin device revoke NAME --reason …`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum RevokeReason {
    /// Lost or stolen: every request is refused and the device wipes itself at once.
    Lost,
    /// Taken out of service: the device may still push its pending changes (and receives
    /// nothing), then wipes itself.
    Retired,
}

impl RevokeReason {
    /// The word stored and sent: `lost` or `retired`.
    pub fn as_str(self) -> &'static str {
        match self {
            RevokeReason::Lost => "lost",
            RevokeReason::Retired => "retired",
        }
    }

    /// The reason a word names (`lost`, `retired`).
    pub fn parse(word: &str) -> Option<Self> {
        match word.trim() {
            "lost" => Some(RevokeReason::Lost),
            "retired" => Some(RevokeReason::Retired),
            _ => None,
        }
    }
}

impl std::fmt::Display for RevokeReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
