//! What the commands share: the store of the person signed in (behind a mutex: a SQLite
//! connection is `Send`, not `Sync`), who they are and in which role, where, and the clock.
//!
//! The app starts **locked**: no store is open and no command reads data until someone signs
//! in with their name and PIN ([`AppState::sign_in`]). [`AppState::lock`] (the Lock button,
//! the idle timer, a system suspend) closes the store and drops its key; the name is kept for
//! the sign-in screen, and unlocking needs the PIN again.

use std::ops::{Deref, DerefMut};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use waypoint_app::session::{LockReason, SignInError};
use waypoint_app::sync::{SyncError, SyncReport};
use waypoint_domain::{Action, Field, Role, may, may_edit, may_see};
use waypoint_keys::{DeviceKeys, KeyError, SecretPlace};
use waypoint_store::{SearchBuild, Store, StoreError};

use crate::dto::{SessionInfo, SignInOutcome};
use crate::error::CommandError;

/// A search index build begun by [`AppState::begin_search_index`]; `None` when the index was
/// already built.
#[derive(Debug)]
pub struct PendingSearchIndex {
    build: Option<SearchBuild>,
    /// The sign-in it was begun in: a build of an earlier sign-in is not installed.
    generation: u64,
}

type Clock = Box<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The idle time before the app locks when the store has no site policy to say (issue 6).
pub const DEFAULT_IDLE_SECONDS: u32 = 5 * 60;

/// The open store of the person signed in.
struct Signed {
    store: Store,
    name: String,
    role: Role,
    /// The device's keys, unlocked by this sign-in (to destroy the keys of staff a sync says
    /// are disabled); `None` for a store tests opened themselves.
    keys: Option<DeviceKeys>,
    /// The offline lease was over at sign-in: nothing but a sync (and the status) until a
    /// sync succeeds (issue 6).
    lease_over: bool,
}

/// Who signed in last and why the app is locked (kept while locked).
#[derive(Debug, Default)]
struct LockInfo {
    last_name: Option<String>,
    reason: Option<LockReason>,
}

/// The store of the person signed in, while the guard lives; dereferences to the [`Store`].
pub struct SignedStore<'a>(MutexGuard<'a, Option<Signed>>);

impl std::fmt::Debug for SignedStore<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedStore")
            .field("role", &self.role())
            .finish_non_exhaustive()
    }
}

impl SignedStore<'_> {
    fn signed(&self) -> &Signed {
        match self.0.as_ref() {
            Some(s) => s,
            None => unreachable!("a SignedStore is made only while someone is signed in"),
        }
    }

    /// The role of the person signed in.
    pub fn role(&self) -> Role {
        self.signed().role
    }

    /// The name of the person signed in (as events record it).
    pub fn signed_in(&self) -> &str {
        &self.signed().name
    }

    /// The person signed in, as the use cases of `waypoint_app` take them.
    pub fn who(&self) -> waypoint_app::SignedIn {
        waypoint_app::SignedIn::new(self.signed_in(), self.role())
    }
}

impl Deref for SignedStore<'_> {
    type Target = Store;
    fn deref(&self) -> &Store {
        &self.signed().store
    }
}

impl DerefMut for SignedStore<'_> {
    fn deref_mut(&mut self) -> &mut Store {
        match self.0.as_mut() {
            Some(s) => &mut s.store,
            None => unreachable!("a SignedStore is made only while someone is signed in"),
        }
    }
}

/// The desktop app's state, shared by every command.
pub struct AppState {
    session: Mutex<Option<Signed>>,
    /// Counts sign-ins and locks: work begun under one sign-in is not installed in another.
    generation: AtomicU64,
    lock_info: Mutex<LockInfo>,
    /// Where this device's secret is (it unwraps the store key with a PIN); `None` where
    /// signing in with a PIN is not possible (tests that open a store themselves).
    secret: Option<SecretPlace>,
    /// WAYPOINT_IDLE_SECONDS: the idle time, overriding the site's (tests, demos).
    idle_override: Option<u32>,
    /// The site this device works at (WAYPOINT_SITE); without it, each case's own site.
    pub site: Option<String>,
    pub data_dir: PathBuf,
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
            .field("site", &self.site)
            .field("data_dir", &self.data_dir)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// The app as it starts: locked, nobody signed in. `secret` is where the device secret
    /// is (see [`SecretPlace::for_this_device`]).
    pub fn locked(data_dir: PathBuf, site: Option<String>, secret: Option<SecretPlace>) -> Self {
        Self {
            session: Mutex::new(None),
            generation: AtomicU64::new(0),
            lock_info: Mutex::new(LockInfo::default()),
            secret,
            idle_override: None,
            site,
            data_dir,
            clock: Box::new(Utc::now),
            search_builds: Mutex::new(0),
            search_built: Condvar::new(),
            syncing: Mutex::new(()),
        }
    }

    /// Sets the idle time in seconds, overriding the site's (WAYPOINT_IDLE_SECONDS).
    pub fn with_idle_seconds(mut self, seconds: Option<u32>) -> Self {
        self.idle_override = seconds.filter(|s| *s > 0);
        self
    }

    /// Replaces the clock (tests).
    pub fn with_clock(mut self, clock: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Self {
        self.clock = Box::new(clock);
        self
    }

    /// The store of the person signed in; [`CommandError::Locked`] while the app is locked,
    /// [`CommandError::LeaseOver`] while the device is past its offline lease.
    pub fn store(&self) -> Result<SignedStore<'_>, CommandError> {
        let store = self.store_past_lease()?;
        if store.signed().lease_over {
            return Err(CommandError::LeaseOver);
        }
        Ok(store)
    }

    /// The store of the person signed in, even past the offline lease: for the sync that ends
    /// it, and the status that says so.
    pub fn store_past_lease(&self) -> Result<SignedStore<'_>, CommandError> {
        let guard = self.session.lock().map_err(|_| CommandError::Unavailable)?;
        if guard.is_none() {
            return Err(CommandError::Locked);
        }
        Ok(SignedStore(guard))
    }

    /// Signs `name` in with their PIN: unwraps the store key with the PIN and this device's
    /// secret (the first sign-in on a device without data makes the key), opens the store,
    /// and takes the person's role from the staff directory. A wrong PIN, an erased key or a
    /// refusal is an outcome the sign-in screen shows, not an error.
    pub fn sign_in(&self, name: &str, pin: &str) -> Result<SignInOutcome, CommandError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(CommandError::invalid("type your name to sign in"));
        }
        if self.is_signed_in() {
            return Err(CommandError::invalid(
                "someone is signed in already: lock Waypoint first",
            ));
        }
        let place = self.secret.as_ref().ok_or_else(|| {
            CommandError::invalid("this device has no place for its secret: it cannot unlock")
        })?;
        let unlocked = match waypoint_app::session::unlock(&self.data_dir, place, name, pin) {
            Ok(unlocked) => unlocked,
            Err(SignInError::Keys(KeyError::WrongPin { attempts_left, .. })) => {
                self.remember(name);
                return Ok(SignInOutcome::WrongPin { attempts_left });
            }
            Err(SignInError::Keys(KeyError::KeyErased { .. })) => {
                self.remember(name);
                return Ok(SignInOutcome::KeyErased);
            }
            Err(SignInError::Keys(KeyError::UnknownStaff { .. })) => {
                return Ok(SignInOutcome::NoKey);
            }
            Err(SignInError::Keys(KeyError::PinTooShort)) => return Ok(SignInOutcome::PinTooShort),
            Err(e) => {
                return Ok(SignInOutcome::refused(e));
            }
        };
        let waypoint_app::session::Unlocked {
            mut keys,
            key,
            online,
        } = unlocked;
        let mut store = Store::open(&self.data_dir, &key)?;
        drop(key);
        match waypoint_app::session::after_open(&mut store, &mut keys, name, online.as_ref()) {
            Ok(()) => {}
            Err(e @ SignInError::Disabled(_)) => {
                return Ok(SignInOutcome::refused(e));
            }
            Err(e) => return Err(CommandError::invalid(e.to_string())),
        }
        self.open_signed(store, name, Some(keys))
    }

    /// Signs `name` in on a store already opened (by [`AppState::sign_in`], or by tests):
    /// their role comes from the store's staff directory; a disabled or unknown account is
    /// refused with the store's reason and the store is closed again.
    pub fn open_with(&self, store: Store, name: &str) -> Result<SignInOutcome, CommandError> {
        self.open_signed(store, name, None)
    }

    fn open_signed(
        &self,
        mut store: Store,
        name: &str,
        keys: Option<DeviceKeys>,
    ) -> Result<SignInOutcome, CommandError> {
        let name = name.trim().to_string();
        let lease_over = store.lease(self.now())?.is_expired();
        let role = match store.role_of(&name) {
            Ok(role) => role,
            Err(e @ (StoreError::UnknownStaff(_) | StoreError::StaffDisabled(_))) => {
                return Ok(SignInOutcome::refused(e));
            }
            Err(e) => return Err(e.into()),
        };
        store.record_sign_in(&format!("staff:{name}"))?;
        {
            let mut session = self.session.lock().map_err(|_| CommandError::Unavailable)?;
            if session.is_some() {
                return Err(CommandError::invalid(
                    "someone is signed in already: lock Waypoint first",
                ));
            }
            *session = Some(Signed {
                store,
                name: name.clone(),
                role,
                keys,
                lease_over,
            });
            self.generation.fetch_add(1, Ordering::SeqCst);
        }
        {
            let mut info = self.lock_info();
            info.last_name = Some(name);
            info.reason = None;
        }
        Ok(SignInOutcome::SignedIn {
            session: self.session_info(),
        })
    }

    /// Locks the app: closes the store (its key and search index go with it) and keeps the
    /// name of the person for the sign-in screen. Waits for a command that holds the store
    /// (an import) to finish. Locking a locked app keeps its first reason.
    pub fn lock(&self, reason: impl Into<LockReason>) -> SessionInfo {
        let reason = reason.into();
        let closed = {
            let mut session = self
                .session
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let closed = session.take();
            if closed.is_some() {
                self.generation.fetch_add(1, Ordering::SeqCst);
            }
            closed
        };
        if let Some(signed) = closed {
            let mut info = self.lock_info();
            info.last_name = Some(signed.name.clone());
            info.reason = Some(reason);
            drop(info);
            drop(signed);
        }
        self.session_info()
    }

    /// Whether someone is signed in (the app is not locked).
    pub fn is_signed_in(&self) -> bool {
        self.session.lock().map(|s| s.is_some()).unwrap_or(false)
    }

    /// Who is signed in, in which role and with which rights; or, locked, whose name the
    /// sign-in screen keeps and why it locked.
    pub fn session_info(&self) -> SessionInfo {
        let (signed, idle_minutes, lease_over) = {
            let session = self
                .session
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match session.as_ref() {
                Some(s) => (
                    Some((s.name.clone(), s.role)),
                    s.store.site_policy().ok().map(|p| p.idle_minutes),
                    s.lease_over,
                ),
                None => (None, None, false),
            }
        };
        let idle_seconds = self
            .idle_override
            .unwrap_or_else(|| idle_minutes.map_or(DEFAULT_IDLE_SECONDS, |m| m.saturating_mul(60)));
        let info = self.lock_info();
        let first_use = !DeviceKeys::exist(&self.data_dir);
        match signed {
            Some((name, role)) => SessionInfo {
                locked: false,
                name: Some(name),
                role: Some(role),
                lock_reason: None,
                first_use,
                idle_seconds,
                lease_over,
                may: Action::ALL
                    .iter()
                    .filter(|a| may(role, **a))
                    .copied()
                    .collect(),
                sees: Field::ALL
                    .iter()
                    .filter(|f| may_see(role, **f))
                    .copied()
                    .collect(),
                edits: Field::ALL
                    .iter()
                    .filter(|f| may_edit(role, **f))
                    .copied()
                    .collect(),
            },
            None => SessionInfo {
                locked: true,
                name: info.last_name.clone(),
                role: None,
                lock_reason: info.reason.map(Into::into),
                first_use,
                idle_seconds,
                lease_over: false,
                may: Vec::new(),
                sees: Vec::new(),
                edits: Vec::new(),
            },
        }
    }

    /// After "Sync now" (`result` is what it came to): re-reads the offline lease (a sync
    /// that succeeded ends it), destroys the wrapped keys of staff the server disabled, and
    /// wipes the device HQ revoked: lost, at once; retired, only once nothing recorded here is
    /// only here ([`waypoint_app::sync::wipe_due`]). That is counted under the same lock as
    /// the wipe, the lock every command takes to record anything: a custody transfer saved
    /// while the sync's last requests ran is counted, and keeps the data. The store is closed
    /// (the app locked) before the wipe. Returns whether the device was wiped.
    pub fn after_sync(&self, result: &Result<SyncReport, SyncError>) -> Result<bool, CommandError> {
        let mut session = self.session.lock().map_err(|_| CommandError::Unavailable)?;
        if result.is_ok() {
            let now = self.now();
            if let Some(signed) = session.as_mut() {
                signed.lease_over = signed.store.lease(now)?.is_expired();
                if let Some(keys) = signed.keys.as_mut() {
                    waypoint_app::session::forget_disabled(&signed.store, keys)
                        .map_err(|e| CommandError::invalid(e.to_string()))?;
                }
            }
        }
        // Locked while the sync ran (no store): a retired device counts and wipes at the next.
        let wipe = waypoint_app::sync::wipe_due(session.as_ref().map(|s| &s.store), result)?;
        if !wipe {
            return Ok(false);
        }
        // Still holding the lock: nothing is recorded between the count and the wipe.
        let closed = session.take();
        self.generation.fetch_add(1, Ordering::SeqCst);
        {
            let mut info = self.lock_info();
            if let Some(signed) = &closed {
                info.last_name = Some(signed.name.clone());
            }
            info.reason = Some(LockReason::Revoked);
        }
        // Closed first: the store must not write a page back after its files are gone.
        drop(closed);
        let place = self.secret.as_ref().ok_or_else(|| {
            CommandError::invalid("this device has no place for its secret: it cannot be wiped")
        })?;
        let wiped = waypoint_app::sync::wipe(&self.data_dir, place);
        drop(session);
        wiped.map_err(|e| {
            CommandError::invalid(format!(
                "erasing this device's data did not finish ({e}): remove {} by hand",
                self.data_dir.display()
            ))
        })?;
        Ok(true)
    }

    fn remember(&self, name: &str) {
        self.lock_info().last_name = Some(name.to_string());
    }

    fn lock_info(&self) -> MutexGuard<'_, LockInfo> {
        self.lock_info
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
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
    pub fn finish_search_index(&self, pending: PendingSearchIndex) -> Result<bool, CommandError> {
        let result = match pending.build {
            Some(build) => self.run_search_build(build, pending.generation),
            None => Ok(false),
        };
        self.change_search_builds(|n| n.saturating_sub(1));
        result
    }

    fn run_search_build(&self, build: SearchBuild, generation: u64) -> Result<bool, CommandError> {
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

    /// Where and when a command runs, for the use cases.
    pub fn context(&self) -> waypoint_app::Context {
        waypoint_app::Context::new(self.site.clone(), self.now())
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
