//! The search index of the open store, built off the store so that the window's other commands
//! go on meanwhile: the store is held only to fix a snapshot and to install the index (with the
//! writes made meanwhile). At sign-in and after an import or a sync; a search waits for it.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use waypoint_store::SearchBuild;

use super::Session;
use crate::AppError;

/// A search index build begun by [`Session::begin_search_index`]; `None` when the index was
/// already built.
#[derive(Debug)]
pub struct PendingSearchIndex {
    build: Option<SearchBuild>,
    /// The sign-in it was begun in: a build of an earlier sign-in is not installed.
    generation: u64,
}

impl Session {
    /// Builds the search index off the store, in one go ([`Session::begin_search_index`] then
    /// [`Session::finish_search_index`]).
    pub fn build_search_index(&self) -> Result<(), AppError> {
        let pending = self.begin_search_index()?;
        self.finish_search_index(pending).map(|_| ())
    }

    /// Starts a search index build (quick: a snapshot on a second connection to the store) and
    /// counts it as running from now on, so that a search waits for it. Pass the result to
    /// [`Session::finish_search_index`], which ends the count.
    pub fn begin_search_index(&self) -> Result<PendingSearchIndex, AppError> {
        self.change_search_builds(|n| n + 1);
        let begun = self
            .store()
            .and_then(|mut s| s.begin_search_build().map_err(AppError::from));
        match begun {
            Ok(build) => Ok(PendingSearchIndex {
                build,
                generation: self.generation.load(Ordering::SeqCst),
            }),
            Err(e) => {
                self.change_search_builds(|n| n.saturating_sub(1));
                Err(e)
            }
        }
    }

    /// Reads and indexes the snapshot without the store (slow with many individuals), then
    /// installs the index, holding the store only for that. Returns whether this build's index
    /// was installed (not when the index was there already, or an import made it stale).
    pub fn finish_search_index(&self, pending: PendingSearchIndex) -> Result<bool, AppError> {
        let result = match pending.build {
            Some(build) => self.run_search_build(build, pending.generation),
            None => Ok(false),
        };
        self.change_search_builds(|n| n.saturating_sub(1));
        result
    }

    fn run_search_build(&self, build: SearchBuild, generation: u64) -> Result<bool, AppError> {
        let built = build.run()?;
        let mut store = self.store()?;
        // Locked and signed in again meanwhile: that sign-in builds its own index.
        if self.generation.load(Ordering::SeqCst) != generation {
            return Ok(false);
        }
        Ok(store.finish_search_build(built)?)
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
}
