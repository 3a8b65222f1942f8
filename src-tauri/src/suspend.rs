//! Noticing that the computer was suspended (asleep), so that the app locks (docs/desktop.md): the
//! app locks on system suspend, and a laptop closed in a bag must not open onto someone's case.
//!
//! On Linux, `CLOCK_MONOTONIC` stops while the machine sleeps and `CLOCK_BOOTTIME` does not:
//! between two readings, the second advancing more than the first is time spent asleep. A
//! background thread reads both every few seconds ([`watch`]); the decision is the pure
//! function [`slept`]. Elsewhere the wall clock stands in for `CLOCK_BOOTTIME` (Rust's
//! `Instant` stops during sleep on macOS; on Windows it does not, and there only a jump of
//! the wall clock locks): a wall clock set forward then also locks, which errs on the safe side.

#[cfg(not(target_os = "linux"))]
use std::time::SystemTime;
use std::time::{Duration, Instant};

/// How far the "since boot" clock may run ahead of the "awake" clock between two readings
/// before it counts as a suspend: more than scheduling noise, less than any real sleep.
pub const TOLERANCE: Duration = Duration::from_secs(3);

/// How often the watcher reads the clocks.
pub const EVERY: Duration = Duration::from_secs(2);

/// Two clocks read at the same moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    /// A clock that stops while the machine sleeps (`CLOCK_MONOTONIC`).
    pub awake: Duration,
    /// A clock that goes on while it sleeps (`CLOCK_BOOTTIME`).
    pub since_boot: Duration,
}

/// How long the machine slept between `before` and `now`, if longer than `tolerance`.
/// Clocks that go backwards (they should not) count as no sleep.
pub fn slept(before: Reading, now: Reading, tolerance: Duration) -> Option<Duration> {
    let awake = now.awake.saturating_sub(before.awake);
    let total = now.since_boot.saturating_sub(before.since_boot);
    let asleep = total.saturating_sub(awake);
    (asleep > tolerance).then_some(asleep)
}

/// Reads both clocks now.
pub fn read(started: Instant) -> Reading {
    #[cfg(target_os = "linux")]
    {
        use rustix::time::{ClockId, Timespec, clock_gettime};
        let _ = started;
        let duration = |t: Timespec| {
            Duration::new(
                u64::try_from(t.tv_sec).unwrap_or(0),
                u32::try_from(t.tv_nsec).unwrap_or(0),
            )
        };
        Reading {
            awake: duration(clock_gettime(ClockId::Monotonic)),
            since_boot: duration(clock_gettime(ClockId::Boottime)),
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        Reading {
            awake: started.elapsed(),
            since_boot: SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap_or_default(),
        }
    }
}

/// Reads the clocks every [`EVERY`] on the calling thread, forever, and calls `on_sleep` with
/// how long the machine slept each time it notices a suspend. Run it on its own thread.
pub fn watch(mut on_sleep: impl FnMut(Duration)) {
    let started = Instant::now();
    let mut before = read(started);
    loop {
        std::thread::sleep(EVERY);
        let now = read(started);
        if let Some(asleep) = slept(before, now, TOLERANCE) {
            on_sleep(asleep);
        }
        before = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(awake: u64, since_boot: u64) -> Reading {
        Reading {
            awake: Duration::from_secs(awake),
            since_boot: Duration::from_secs(since_boot),
        }
    }

    #[test]
    fn clocks_that_advance_together_are_no_sleep() {
        assert_eq!(slept(at(100, 150), at(102, 152), TOLERANCE), None);
        // A busy machine: the thread woke late, but both clocks saw the same time pass.
        assert_eq!(slept(at(100, 150), at(160, 210), TOLERANCE), None);
        // Noise within the tolerance.
        assert_eq!(slept(at(100, 150), at(102, 154), TOLERANCE), None);
    }

    #[test]
    fn boot_time_running_ahead_is_the_time_asleep() {
        // Two seconds awake, an hour gone: the lid was closed.
        assert_eq!(
            slept(at(100, 150), at(102, 3752), TOLERANCE),
            Some(Duration::from_secs(3600))
        );
        // Just over the tolerance.
        assert_eq!(
            slept(at(100, 150), at(102, 156), TOLERANCE),
            Some(Duration::from_secs(4))
        );
    }

    #[test]
    fn clocks_going_backwards_are_no_sleep() {
        assert_eq!(slept(at(100, 150), at(90, 140), TOLERANCE), None);
        assert_eq!(slept(at(100, 150), at(110, 100), TOLERANCE), None);
    }

    #[test]
    fn the_clocks_of_this_machine_read_and_agree_over_a_short_wait() {
        let started = Instant::now();
        let a = read(started);
        std::thread::sleep(Duration::from_millis(50));
        let b = read(started);
        assert!(b.awake >= a.awake && b.since_boot >= a.since_boot);
        assert_eq!(slept(a, b, TOLERANCE), None);
    }
}
