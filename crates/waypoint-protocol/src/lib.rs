//! The sync wire contract between a Waypoint device (`waypoint sync`) and `waypoint-server`.
//!
//! `docs/sync-protocol.md` is the prose of this contract; this crate is its code. Both sides
//! depend on it, so a change here is a change of the protocol: bump [`SCHEMA_VERSION`] when a
//! type's shape changes (the server accepts the current and the previous version).
//!
//! Two kinds of body travel:
//!
//! - **Bulk bodies** ([`PushRequest`], [`PushResponse`], [`PullPage`], [`SyncRequest`],
//!   [`SyncResponse`]) are [postcard](https://docs.rs/postcard) compressed with zstd, with the
//!   content type [`BATCH_CONTENT_TYPE`]. Use [`encode`] and [`decode`] (or
//!   [`decode_request`], which checks the schema version first). A field change costs well
//!   under [`BYTES_PER_CHANGE_BUDGET`] bytes on the wire; [`measure`] tells how many.
//! - **Small calls** ([`EnrolRequest`], [`EnrolResponse`], [`StatusResponse`], [`ErrorBody`])
//!   are JSON.
//!
//! Timestamps are hybrid logical clock values: a `u64` of 48 bits of milliseconds since the
//! Unix epoch and 16 bits of counter ([`hlc`]).
//!
//! No SQL and no HTTP server code lives here: only types, constants and the encoding.

pub use waypoint_domain::{Scope, SitePolicy};

mod calls;
mod changes;
mod encoding;
mod limits;

pub use calls::*;
pub use changes::*;
pub use encoding::*;
pub use limits::{
    Limit, MAX_CHANGES_PER_PUSH, MAX_CLIENT_SEQ_JUMP, MAX_EVENT_BODY_BYTES, MAX_FIELDS_PER_RECORD,
    MAX_NAME_BYTES, MAX_PAGE_ENTRIES, MAX_VALUE_BYTES,
};

/// The protocol version a device of this build speaks. Every request body starts with it.
///
/// - 1: pull pages carry one [`ServerBody::Field`] per field value.
/// - 2: pull pages group the values of one record into one [`ServerBody::Record`]
///   ([`group_records`]); a device stores one version number per record, not per field. The
///   server still answers a version-1 device with version-1 pages.
pub const SCHEMA_VERSION: u32 = 2;

/// The oldest version the server still accepts: the current one and the one before it.
///
/// When [`SCHEMA_VERSION`] becomes `N`, this becomes `N - 1` (never lower: guarantee 8 keeps
/// one version of overlap so that devices can update at their own pace).
pub const MIN_SCHEMA_VERSION: u32 = 1;

// Guarantee 8 at compile time: the accepted range is the current version and at most one before.
const _: () =
    assert!(MIN_SCHEMA_VERSION <= SCHEMA_VERSION && MIN_SCHEMA_VERSION + 1 >= SCHEMA_VERSION);

/// HTTP paths of the API (all under `/v1`).
pub mod paths {
    /// `POST`, JSON [`EnrolRequest`](crate::EnrolRequest) → [`EnrolResponse`](crate::EnrolResponse).
    pub const ENROL: &str = "/v1/enrol";
    /// `POST`, bulk [`PushRequest`](crate::PushRequest) → [`PushResponse`](crate::PushResponse).
    pub const PUSH: &str = "/v1/push";
    /// `GET ?after=CURSOR&limit=N` with the [`SCHEMA_HEADER`](crate::SCHEMA_HEADER) →
    /// bulk [`PullPage`](crate::PullPage).
    pub const PULL: &str = "/v1/pull";
    /// `POST`, bulk [`SyncRequest`](crate::SyncRequest) → [`SyncResponse`](crate::SyncResponse):
    /// a push and the first pull page in one round trip.
    pub const SYNC: &str = "/v1/sync";
    /// `GET`, JSON [`StatusResponse`](crate::StatusResponse).
    pub const STATUS: &str = "/v1/status";
    /// `GET`, the OpenAPI description of this API.
    pub const OPENAPI: &str = "/v1/openapi.json";
    /// `POST`, JSON [`SignInRequest`](crate::SignInRequest) →
    /// [`SignInResponse`](crate::SignInResponse): a staff member's online sign-in on a device.
    pub const SIGN_IN: &str = "/v1/sign-in";
    /// `GET`, JSON [`StaffDirectory`](crate::StaffDirectory): the staff of the device's sites.
    pub const DIRECTORY: &str = "/v1/directory";
    /// `POST`, JSON [`AuditPush`](crate::AuditPush) → [`AuditAck`](crate::AuditAck): the
    /// device's audit entries the server does not hold yet, oldest first.
    pub const AUDIT: &str = "/v1/audit";
}

/// Header of `POST /v1/sync`: the [`StaffDirectory::digest`] of the directory the device holds.
/// When the server's differs, its answer carries this header with the new digest, and the
/// device fetches [`paths::DIRECTORY`] once the sync is done. A device that sends no such header
/// (an older build) is never answered with one. Being a header, it changes no bulk type.
pub const DIRECTORY_HEADER: &str = "waypoint-directory";

/// Content type of every bulk body (zstd-compressed postcard).
pub const BATCH_CONTENT_TYPE: &str = "application/x-waypoint-batch";
/// Header carrying the schema version on requests without a bulk body (`GET /v1/pull`).
pub const SCHEMA_HEADER: &str = "waypoint-schema-version";

/// A header of every `POST /v1/sync` answer to a device HQ retired: its value is `retired`.
/// Such a device's pushes are still taken (so that its pending changes reach HQ) but it is
/// sent nothing; once its outbox is empty it wipes itself. See [`RevokeReason`].
pub const REVOKED_HEADER: &str = "waypoint-device-revoked";
/// Largest bulk body the server takes, compressed.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// Largest bulk body once decompressed (a guard against compression bombs).
pub const MAX_DECODED_BYTES: usize = 128 * 1024 * 1024;
/// How far ahead of the server's clock a change's timestamp may be; later ones are clamped.
pub const HLC_FUTURE_TOLERANCE_MS: u64 = 5 * 60 * 1000;
/// The wire budget: bytes per field change in a realistic batch (tested in this crate).
pub const BYTES_PER_CHANGE_BUDGET: f64 = 40.0;
/// Default and largest page size of a pull, in field values (a record of 21 fields counts 21).
pub const DEFAULT_PULL_LIMIT: u32 = 20_000;
/// See [`DEFAULT_PULL_LIMIT`].
pub const MAX_PULL_LIMIT: u32 = 50_000;

/// Hybrid logical clock values: 48 bits of milliseconds, 16 bits of counter.
pub mod hlc {
    /// An HLC value from wall-clock milliseconds and a counter.
    pub fn from_parts(physical_ms: u64, logical: u16) -> u64 {
        (physical_ms << 16) | u64::from(logical)
    }

    /// The milliseconds part.
    pub fn physical_ms(hlc: u64) -> u64 {
        hlc >> 16
    }

    /// The largest timestamp the server keeps when its clock reads `server_now_ms`: anything
    /// later is clamped to this (guarantee 7: a fast clock must not win every conflict).
    pub fn clamp(hlc: u64, server_now_ms: u64) -> u64 {
        let ceiling = from_parts(
            server_now_ms.saturating_add(crate::HLC_FUTURE_TOLERANCE_MS),
            u16::MAX,
        );
        hlc.min(ceiling)
    }
}

#[cfg(test)]
mod limit_tests;
#[cfg(test)]
mod tests;
