//! How a device reaches its server, one sync round trip at a time: HTTP in `http.rs`, a
//! simulation with lost and repeated messages in the convergence tests.

use waypoint_protocol as wire;

use crate::error::SyncError;

/// How a device reaches its server: one sync round trip at a time. [`crate::sync`] uses HTTP; a
/// simulation can put anything in between (lost answers, repeated requests).
pub trait Transport {
    /// The server's address, for the report.
    fn server(&self) -> String;
    /// Sends one request and returns the answer with the bytes (sent, received).
    fn round(
        &self,
        request: &wire::SyncRequest,
    ) -> Result<(wire::SyncResponse, u64, u64), SyncError>;
    /// Whether an answer said HQ retired this device (the [`wire::REVOKED_HEADER`]).
    fn retired(&self) -> bool {
        false
    }
}
