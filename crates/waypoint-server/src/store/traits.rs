//! The storage the server needs, one trait per concern; [`ServerStore`] is all of them, and
//! what the rest of the server holds (`Arc<dyn ServerStore>`). Every method is one transaction.

use async_trait::async_trait;
use uuid::Uuid;
use waypoint_domain::SitePolicy;
use waypoint_protocol::{AuditRecord, Change, RevokeReason};

use crate::merge::Arrival;

use super::{
    Device, DeviceInfo, DeviceRecovery, FailureKind, HeldGroup, NewDevice, NewStaff, Page,
    PushOutcome, ServerStoreError, Settlement, StaffAccount, StaffCredential,
};

/// Storage of the sync server: every concern, in one object. A backend implements each trait
/// below; this one follows.
pub trait ServerStore:
    DeviceStore
    + StaffStore
    + AttemptStore
    + SyncStore
    + HeldStore
    + AuditStore
    + ArrivalStore
    + std::fmt::Debug
{
}

impl<T> ServerStore for T where
    T: DeviceStore
        + StaffStore
        + AttemptStore
        + SyncStore
        + HeldStore
        + AuditStore
        + ArrivalStore
        + std::fmt::Debug
{
}

/// Sites and devices: enrolment, revocation, and what a device's credentials unlock.
#[async_trait]
pub trait DeviceStore: Send + Sync {
    /// Adds a site (code already canonical).
    async fn add_site(&self, code: &str, name: &str, now_ms: u64) -> Result<(), ServerStoreError>;
    /// All sites: (code, name).
    async fn sites(&self) -> Result<Vec<(String, String)>, ServerStoreError>;
    /// Registers a device waiting for its enrolment code.
    async fn add_device(&self, device: NewDevice) -> Result<(), ServerStoreError>;
    async fn devices(&self) -> Result<Vec<DeviceInfo>, ServerStoreError>;
    /// Revokes a device by name, for `reason`: a lost device's token stops working at once; a
    /// retired device's token is still taken for pushes only. Revoking again changes the
    /// reason (a lost laptop found again may be retired, to collect its changes) and keeps the
    /// first revocation's time.
    async fn revoke_device(
        &self,
        name: &str,
        reason: RevokeReason,
        now_ms: u64,
    ) -> Result<(), ServerStoreError>;
    /// Uses a one-time code: when it is valid and unexpired, stores the token's hash and
    /// returns the device. The code cannot be used again.
    async fn enrol(
        &self,
        code_hash: &str,
        token_hash: &str,
        now_ms: u64,
    ) -> Result<Option<Device>, ServerStoreError> {
        self.enrol_with(code_hash, token_hash, None, now_ms).await
    }
    /// [`DeviceStore::enrol`], keeping the device's recovery material in the same transaction.
    async fn enrol_with(
        &self,
        code_hash: &str,
        token_hash: &str,
        recovery: Option<DeviceRecovery>,
        now_ms: u64,
    ) -> Result<Option<Device>, ServerStoreError>;
    /// The enrolled, unrevoked device whose sign-in credential has this hash.
    async fn device_by_sign_in_token(
        &self,
        signin_token_hash: &str,
    ) -> Result<Option<Device>, ServerStoreError>;
    /// The enrolled device holding this token, revoked or not ([`Device::revoked`] says): the
    /// HTTP layer tells a revoked device why it is refused.
    async fn device_by_token(&self, token_hash: &str) -> Result<Option<Device>, ServerStoreError>;
    /// The recovery secret (as stored: wrapped) of an enrolled, unrevoked device (`None` for a
    /// device enrolled before there were any).
    async fn recovery_secret(&self, device: &Device) -> Result<Option<String>, ServerStoreError>;
    /// The recovery secrets stored as they were given (an older server kept them in clear):
    /// (device id, stored value), for the server to wrap them at start.
    async fn recovery_secrets(&self) -> Result<Vec<(Uuid, String)>, ServerStoreError>;
    /// Replaces stored recovery secrets (device id, value as read, new value), each only if it
    /// still holds the value read; erases the old bytes where the backend can (SQLite's
    /// secure_delete and a checkpoint of its log).
    async fn replace_recovery_secrets(
        &self,
        secrets: Vec<(Uuid, String, String)>,
    ) -> Result<(), ServerStoreError>;
}

/// Staff accounts and each site's policy (the staff directory devices receive).
#[async_trait]
pub trait StaffStore: Send + Sync {
    /// Adds a staff account; its site must exist and its name be new (without case).
    async fn add_staff(&self, staff: NewStaff) -> Result<(), ServerStoreError>;
    /// Disables an account (by name, without case); a disabled account stays disabled.
    async fn disable_staff(&self, name: &str, now_ms: u64) -> Result<(), ServerStoreError>;
    /// Every account, by name.
    async fn staff(&self) -> Result<Vec<StaffAccount>, ServerStoreError>;
    /// The account `name` (without case) with its PIN's hash, for a sign-in.
    async fn staff_credential(
        &self,
        name: &str,
    ) -> Result<Option<StaffCredential>, ServerStoreError>;
    /// The accounts of `sites` (never a hash), by name.
    async fn staff_of_sites(&self, sites: &[String])
    -> Result<Vec<StaffAccount>, ServerStoreError>;
    /// Changes a site's policy (only the values given).
    async fn set_site_policy(
        &self,
        code: &str,
        lease_days: Option<u32>,
        idle_minutes: Option<u32>,
    ) -> Result<SitePolicy, ServerStoreError>;
    /// The policy of each site (code, policy), by code.
    async fn site_policies(&self) -> Result<Vec<(String, SitePolicy)>, ServerStoreError>;
}

/// Failed attempts at an enrolment code or a PIN, counted against guessing.
#[async_trait]
pub trait AttemptStore: Send + Sync {
    /// Failed attempts of `kind` for `key_hash` at or after `since_ms`.
    async fn failures_since(
        &self,
        kind: FailureKind,
        key_hash: &str,
        since_ms: u64,
    ) -> Result<u32, ServerStoreError>;
    /// Records a failed attempt, and forgets those older than `forget_before_ms`.
    async fn record_failure(
        &self,
        kind: FailureKind,
        key_hash: &str,
        now_ms: u64,
        forget_before_ms: u64,
    ) -> Result<(), ServerStoreError>;
    /// Forgets the failed attempts of `kind` for `key_hash` (a successful sign-in).
    async fn clear_failures(
        &self,
        kind: FailureKind,
        key_hash: &str,
    ) -> Result<(), ServerStoreError>;
    /// Reserves one attempt before its code or PIN is checked, atomically across server
    /// processes: when every key has fewer than `max` failed attempts at or after `since_ms`,
    /// records one failed attempt for each key now (forgetting those before `since_ms`) and
    /// returns the attempt's id; otherwise records nothing and returns `None` (refuse: too many).
    /// Concurrent reservations are counted one after the other, so at most `max` pass per key.
    async fn reserve_attempt(
        &self,
        keys: &[(FailureKind, String)],
        max: u32,
        now_ms: u64,
        since_ms: u64,
    ) -> Result<Option<String>, ServerStoreError>;
    /// Takes back the failed attempts a reservation recorded (the code or PIN was right).
    async fn release_attempt(&self, attempt: &str) -> Result<(), ServerStoreError>;
}

/// The devices' changes: pushes merged in, pages pulled out.
#[async_trait]
pub trait SyncStore: Send + Sync {
    /// Applies a batch (see docs/sync-protocol.md, "Push"), atomically and idempotently. A
    /// device revoked as lost is refused ([`ServerStoreError::Revoked`]); a retired one may push.
    async fn push(
        &self,
        device: &Device,
        changes: Vec<Change>,
        now_ms: u64,
    ) -> Result<PushOutcome, ServerStoreError>;
    /// What changed after `after` in the device's sites, at most `limit` entries.
    async fn pull(
        &self,
        device: &Device,
        after: u64,
        limit: u32,
    ) -> Result<Page, ServerStoreError> {
        self.pull_except(device, after, limit, 0..0).await
    }
    /// [`SyncStore::pull`], leaving out the field values and events that `device` itself
    /// wrote with a sequence number in `own`: the ones its push just stored (it has them), so
    /// that a push is not answered with its own changes. The cursor still moves past them.
    /// Conflicts are never left out. A row of `device` in that range that a case move
    /// re-numbered is one it wrote while the case was in its scope, so it has that too.
    async fn pull_except(
        &self,
        device: &Device,
        after: u64,
        limit: u32,
        own: std::ops::Range<u64>,
    ) -> Result<Page, ServerStoreError>;
}

/// Held changes (docs/sync-protocol.md, "Held changes"): pushes keep them (see
/// `crate::merge::HeldChange`); HQ settles them with these.
#[async_trait]
pub trait HeldStore: Send + Sync {
    /// The held changes, by case number and site (counts and times only, never a value).
    async fn held_changes(&self) -> Result<Vec<HeldGroup>, ServerStoreError>;
    /// `case_no` now belongs to `site` (an existing site): the case moves there with all it
    /// holds (the old site's devices remove it), then `site`'s held changes of it go through
    /// the merge as if pushed now. Recorded in [`HeldStore::held_settlements`].
    async fn give_held(
        &self,
        case_no: &str,
        site: &str,
        now_ms: u64,
    ) -> Result<Settlement, ServerStoreError>;
    /// Discards `site`'s held changes of `case_no`. Recorded in
    /// [`HeldStore::held_settlements`].
    async fn drop_held(
        &self,
        case_no: &str,
        site: &str,
        now_ms: u64,
    ) -> Result<Settlement, ServerStoreError>;
    /// What HQ did with held changes, oldest first.
    async fn held_settlements(&self) -> Result<Vec<Settlement>, ServerStoreError>;
}

/// The server's copy of each device's audit log.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// The device's audit entries the server holds with `seq` after `after`, oldest first, at
    /// most `limit`.
    async fn audit_log(
        &self,
        device: Uuid,
        after: i64,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, ServerStoreError>;
    /// Appends entries to the device's copy of its audit log, in one transaction. The caller
    /// (`crate::audit`) has checked them against the chain; an entry whose `seq` is held already
    /// fails the whole call (two pushes raced).
    async fn append_audit(
        &self,
        device: Uuid,
        entries: Vec<AuditRecord>,
        now_ms: u64,
    ) -> Result<(), ServerStoreError>;
    /// The newest audit entry the server holds for the device (`seq`, `hash`), if any.
    async fn audit_head(&self, device: Uuid) -> Result<Option<(i64, String)>, ServerStoreError>;
    /// Every device that has audit entries here, by id.
    async fn audited_devices(&self) -> Result<Vec<Uuid>, ServerStoreError>;
}

/// The port-of-entry scope (docs/sync-protocol.md, "Port-of-entry scope"): a site's airport,
/// and the travellers arriving there, which bookings decide as pushes merge them.
#[async_trait]
pub trait ArrivalStore: Send + Sync {
    /// Makes `site` (an existing site) the port of entry of `airport` (a canonical IATA code):
    /// its devices receive the travellers arriving there. A site has one airport; a new one
    /// replaces the old, whose travellers its devices then remove.
    async fn set_site_airport(&self, site: &str, airport: &str) -> Result<(), ServerStoreError>;
    /// Every site's airport: (site, airport), by site.
    async fn site_airports(&self) -> Result<Vec<(String, String)>, ServerStoreError>;
    /// The travellers arriving at `airport` now, by case and individual number.
    async fn arrivals_at(&self, airport: &str) -> Result<Vec<Arrival>, ServerStoreError>;
    /// Ends the arrivals that landed [`crate::merge::ARRIVAL_RETENTION_MS`] or more before
    /// `now_ms`: their airport's devices are sent a removal. The sync handler calls it before a
    /// pull; it writes only when an arrival is due.
    async fn expire_arrivals(&self, now_ms: u64) -> Result<(), ServerStoreError>;
}
