//! What the commands share: the store (behind a mutex: a SQLite connection is `Send`, not
//! `Sync`), who is working, where, and the clock.

use std::path::PathBuf;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use waypoint_store::{SearchBuild, Store};

use crate::error::CommandError;
use crate::sop::SopLibrary;

/// A search index build begun by [`AppState::begin_search_index`]; `None` when the index was
/// already built.
#[derive(Debug)]
pub struct PendingSearchIndex {
    build: Option<SearchBuild>,
}

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
    /// How many search index builds are running off the store, and a signal when one ends.
    search_builds: Mutex<usize>,
    search_built: Condvar,
    /// Held while "Sync now" runs: one sync at a time.
    syncing: Mutex<()>,
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
            search_builds: Mutex::new(0),
            search_built: Condvar::new(),
            syncing: Mutex::new(()),
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

    /// Builds the search index without holding the store while it reads and indexes: the
    /// store is locked only to fix a snapshot and to install the index (with the writes made
    /// meanwhile), so every other command goes on. After an import; at start, in two steps
    /// ([`AppState::begin_search_index`] then, on a background thread,
    /// [`AppState::finish_search_index`]). A search waits for it
    /// ([`AppState::wait_for_search_index`]).
    pub fn build_search_index(&self) -> Result<(), CommandError> {
        let pending = self.begin_search_index()?;
        self.finish_search_index(pending).map(|_| ())
    }

    /// Starts a search index build (quick: a snapshot on a second connection to the store) and
    /// counts it as running from now on, so that a search waits for it. Pass the result to
    /// [`AppState::finish_search_index`], which ends the count.
    pub fn begin_search_index(&self) -> Result<PendingSearchIndex, CommandError> {
        self.change_search_builds(|n| n + 1);
        let begun = self
            .store()
            .and_then(|mut s| s.begin_search_build().map_err(CommandError::from));
        match begun {
            Ok(build) => Ok(PendingSearchIndex { build }),
            Err(e) => {
                self.change_search_builds(|n| n.saturating_sub(1));
                Err(e)
            }
        }
    }

    /// Reads and indexes the snapshot without the store (slow with many individuals), then
    /// installs the index, holding the store only for that. Returns whether this build's index
    /// was installed (not when the index was there already, or an import made it stale).
    pub fn finish_search_index(&self, pending: PendingSearchIndex) -> Result<bool, CommandError> {
        let result = match pending.build {
            Some(build) => self.run_search_build(build),
            None => Ok(false),
        };
        self.change_search_builds(|n| n.saturating_sub(1));
        result
    }

    fn run_search_build(&self, build: SearchBuild) -> Result<bool, CommandError> {
        let built = build.run()?;
        Ok(self.store()?.finish_search_build(built)?)
    }

    fn change_search_builds(&self, f: impl FnOnce(usize) -> usize) {
        let mut running = self
            .search_builds
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *running = f(*running);
        self.search_built.notify_all();
    }

    /// Waits, at most `limit`, until no search index build runs off the store. A search then
    /// finds the index built; if it is not (a build failed, or was made stale by an import),
    /// the search builds it itself, so results are never those of an old index.
    pub fn wait_for_search_index(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        let mut running = self
            .search_builds
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while *running > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            running = match self.search_built.wait_timeout(running, left) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }

    /// The right to run a sync, while the guard lives; `None` while another sync runs.
    pub fn try_begin_sync(&self) -> Option<MutexGuard<'_, ()>> {
        match self.syncing.try_lock() {
            Ok(guard) => Some(guard),
            Err(std::sync::TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => None,
        }
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
