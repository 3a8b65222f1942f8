//! The hybrid logical clock that orders this device's changes.
//!
//! An [`Hlc`] is 48 bits of wall-clock milliseconds and 16 bits of counter. It never goes
//! backwards, even when the wall clock does, because it is persisted with every write and the
//! next value is always greater than the last one. Sync (later) also advances it from every
//! server response, and refuses timestamps far in the future.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Hlc(pub u64);

impl Hlc {
    const LOGICAL_BITS: u32 = 16;

    pub fn from_parts(physical_ms: u64, logical: u16) -> Self {
        Self((physical_ms << Self::LOGICAL_BITS) | u64::from(logical))
    }

    pub fn physical_ms(self) -> u64 {
        self.0 >> Self::LOGICAL_BITS
    }

    pub fn logical(self) -> u16 {
        (self.0 & 0xffff) as u16
    }

    /// The next timestamp after `self` at wall-clock time `now_ms`.
    pub fn tick(self, now_ms: u64) -> Self {
        let wall = Self::from_parts(now_ms, 0);
        if wall > self { wall } else { Self(self.0 + 1) }
    }

    /// Takes in a timestamp seen elsewhere (a server response) so later local changes order after it.
    pub fn observe(self, remote: Hlc, now_ms: u64) -> Self {
        self.max(remote).tick(now_ms)
    }

    pub fn as_i64(self) -> i64 {
        self.0 as i64
    }

    pub fn from_i64(v: i64) -> Self {
        Self(v.max(0) as u64)
    }
}

/// Milliseconds since the Unix epoch by the wall clock.
pub fn wall_clock_ms() -> u64 {
    let now = chrono::Utc::now().timestamp_millis();
    now.max(0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_goes_backwards_when_the_wall_clock_does() {
        let a = Hlc::from_parts(1_000, 0).tick(1_000);
        let b = a.tick(500);
        assert!(b > a);
        assert_eq!(b.physical_ms(), 1_000);
        assert_eq!(b.logical(), a.logical() + 1);
        let c = b.tick(2_000);
        assert_eq!((c.physical_ms(), c.logical()), (2_000, 0));
    }

    #[test]
    fn observing_a_later_timestamp_moves_past_it() {
        let local = Hlc::from_parts(1_000, 3);
        let remote = Hlc::from_parts(5_000, 7);
        let next = local.observe(remote, 1_200);
        assert!(next > remote);
    }
}
