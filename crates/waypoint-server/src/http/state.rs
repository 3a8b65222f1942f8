//! What every request handler shares: storage, the clock and the server's limits.

use std::sync::Arc;
use std::time::Duration;

use waypoint_protocol::hlc;

use crate::server_key::ServerKey;
use crate::sign_in::PinChecks;
use crate::store::ServerStore;

/// The server's clock (tests set their own).
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> u64;
}

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> u64 {
        crate::wall_clock_ms()
    }
}

/// What every request handler shares.
#[derive(Debug, Clone)]
pub struct ServerState {
    pub store: Arc<dyn ServerStore>,
    pub clock: Arc<dyn Clock>,
    /// How long one request may take before it is answered 408.
    pub request_timeout: Duration,
    /// Bulk bodies being decompressed and decoded at once (each may take 128 MiB and a
    /// core): the rest wait, off the async workers.
    pub decoders: Arc<tokio::sync::Semaphore>,
    /// Wraps recovery secrets before they are stored (see `server_key`).
    pub server_key: Arc<ServerKey>,
    /// The sign-in policy's bound on PIN checks (see `crate::sign_in`).
    pub(crate) pin_checks: PinChecks,
}

impl ServerState {
    /// A state with a new server key kept in memory only (tests, in-process servers): the
    /// recovery secrets it wraps open only while it lives. `serve` uses [`ServerState::with_key`].
    pub fn new(store: Arc<dyn ServerStore>) -> Self {
        #[allow(clippy::expect_used)]
        let key = ServerKey::generate().expect("the system supplies random numbers");
        Self::with_key(store, key)
    }

    /// A state whose recovery secrets are wrapped by `server_key`.
    pub fn with_key(store: Arc<dyn ServerStore>, server_key: ServerKey) -> Self {
        ServerState {
            store,
            clock: Arc::new(SystemClock),
            request_timeout: Duration::from_secs(120),
            decoders: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8)),
            )),
            server_key: Arc::new(server_key),
            pin_checks: PinChecks::default(),
        }
    }

    /// How many PIN checks (Argon2id hashes) this state has started.
    pub fn pin_checks_run(&self) -> u64 {
        self.pin_checks.started()
    }

    /// The server's clock as an HLC value, never below `seen`.
    pub(super) fn server_hlc(&self, seen: u64) -> u64 {
        hlc::from_parts(self.clock.now_ms(), 0).max(seen)
    }
}
