//! A site's policy: how long a device may go without syncing, how soon an idle app locks.

use serde::{Deserialize, Serialize};

/// A site's policy as HQ sets it and a device applies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SitePolicy {
    /// Days without a successful sync after which the device locks until it syncs.
    pub lease_days: u32,
    /// Idle minutes after which the app locks.
    pub idle_minutes: u32,
}

impl Default for SitePolicy {
    /// A 14-day lease and a 5-minute idle lock, until HQ sets the site's own.
    fn default() -> Self {
        SitePolicy {
            lease_days: 14,
            idle_minutes: 5,
        }
    }
}

impl SitePolicy {
    /// The strictest of two policies (the shorter lease, the shorter idle time): a device
    /// serving several sites follows it.
    pub fn strictest(self, other: SitePolicy) -> SitePolicy {
        SitePolicy {
            lease_days: self.lease_days.min(other.lease_days),
            idle_minutes: self.idle_minutes.min(other.idle_minutes),
        }
    }
}
