//! What the commands share: the store (behind a mutex: a SQLite connection is `Send`, not
//! `Sync`), who is working, where, and the clock.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, NaiveDate, Utc};
use waypoint_store::Store;

use crate::error::CommandError;
use crate::sop::SopLibrary;

type Clock = Box<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The desktop app's state, shared by every command.
pub struct AppState {
    store: Mutex<Store>,
    /// Who records events on this device (the officer's name).
    pub officer: String,
    /// The site this device works at (WAYPOINT_SITE); without it, each case's own site.
    pub site: Option<String>,
    pub data_dir: PathBuf,
    pub sops: SopLibrary,
    clock: Clock,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("officer", &self.officer)
            .field("site", &self.site)
            .field("data_dir", &self.data_dir)
            .finish_non_exhaustive()
    }
}

impl AppState {
    pub fn new(store: Store, data_dir: PathBuf, officer: String, site: Option<String>) -> Self {
        Self {
            store: Mutex::new(store),
            officer,
            site,
            data_dir,
            sops: SopLibrary::shipped(),
            clock: Box::new(Utc::now),
        }
    }

    /// Replaces the clock (tests).
    pub fn with_clock(mut self, clock: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Self {
        self.clock = Box::new(clock);
        self
    }

    pub fn store(&self) -> Result<MutexGuard<'_, Store>, CommandError> {
        self.store.lock().map_err(|_| CommandError::Unavailable)
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    /// Today, as the core counts days for identity checks (UTC).
    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }

    /// The site events are recorded for, working on a case of `case_site`.
    pub fn site_for(&self, case_site: &str) -> String {
        self.site.clone().unwrap_or_else(|| case_site.to_string())
    }
}
