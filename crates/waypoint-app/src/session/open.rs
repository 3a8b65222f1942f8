//! The desktop app's one session: locked, or the open store of the person signed in (behind a
//! mutex: a SQLite connection is `Send`, not `Sync`), who they are, where, and the clock.
//!
//! It starts **locked**: no store is open and no use case reads data until someone signs in
//! with their name and PIN ([`Session::sign_in`]). [`Session::lock`] (the Lock button, the idle
//! timer, a system suspend) closes the store and drops its key; the name is kept for the
//! sign-in screen, and unlocking needs the PIN again.

use std::ops::{Deref, DerefMut};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

use chrono::{DateTime, NaiveDate, Utc};
use waypoint_domain::Role;
use waypoint_keys::{DeviceKeys, KeyError, SecretPlace};
use waypoint_store::{Store, StoreError};

use super::{LockReason, SignInError, after_open, unlock};
use crate::{AppError, Context, SignedIn};

type Clock = Box<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The idle time before the app locks when the store has no site policy to say.
pub const DEFAULT_IDLE_SECONDS: u32 = 5 * 60;

/// The open store of the person signed in.
pub(super) struct Signed {
    pub(super) store: Store,
    pub(super) name: String,
    role: Role,
    /// The device's keys, unlocked by this sign-in (to destroy the keys of staff a sync says
    /// are disabled); `None` for a store tests opened themselves.
    pub(super) keys: Option<DeviceKeys>,
    /// The offline lease was over at sign-in: nothing but a sync (and the status) until a
    /// sync succeeds.
    pub(super) lease_over: bool,
}

/// Who signed in last and why the app is locked (kept while locked).
#[derive(Debug, Default)]
pub(super) struct LockInfo {
    pub(super) last_name: Option<String>,
    pub(super) reason: Option<LockReason>,
}

/// What a sign-in came to. A wrong PIN, an erased key or a refusal is an outcome the sign-in
/// screen shows, not an error.
#[derive(Debug)]
pub enum SignInOutcome {
    SignedIn,
    /// Wrong PIN; after `attempts_left` more wrong PINs in a row the device erases this
    /// person's key.
    WrongPin {
        attempts_left: u32,
    },
    /// The last wrong PIN allowed: this person's key on this device is erased.
    KeyErased,
    /// This person has no key on this device (never added, or erased).
    NoKey,
    /// A new PIN is too short (first sign-in on a device).
    PinTooShort,
    /// Refused (account disabled, unknown in the staff directory, data of another device...).
    Refused(AppError),
}

/// Where the session stands, for the window: who is signed in, or whose name the sign-in
/// screen keeps and why it locked. Holds no data of the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    /// Signed in: who.
    pub signed_in: Option<SignedIn>,
    /// Locked: the last person signed in, and why it locked.
    pub last_name: Option<String>,
    pub lock_reason: Option<LockReason>,
    /// The device has no keys yet: the first sign-in sets its PIN.
    pub first_use: bool,
    /// Seconds without keyboard or pointer activity before the app locks.
    pub idle_seconds: u32,
    /// Signed in past the site's offline lease: nothing but a sync until one succeeds.
    pub lease_over: bool,
}

/// The store of the person signed in, while the guard lives; dereferences to the store, which
/// the use cases take.
pub struct SignedStore<'a>(pub(super) MutexGuard<'a, Option<Signed>>);

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

    /// The person signed in, as the use cases take them.
    pub fn who(&self) -> SignedIn {
        SignedIn::new(self.signed_in(), self.role())
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

/// The desktop app's session, shared by every command.
pub struct Session {
    pub(super) signed: Mutex<Option<Signed>>,
    /// Counts sign-ins and locks: work begun under one sign-in is not installed in another.
    pub(super) generation: AtomicU64,
    pub(super) lock_info: Mutex<LockInfo>,
    /// Where this device's secret is (it unwraps the store key with a PIN); `None` where
    /// signing in with a PIN is not possible (tests that open a store themselves).
    pub(super) secret: Option<SecretPlace>,
    /// WAYPOINT_IDLE_SECONDS: the idle time, overriding the site's (tests, demos).
    idle_override: Option<u32>,
    /// The site this device works at (WAYPOINT_SITE); without it, each case's own site.
    pub site: Option<String>,
    pub data_dir: PathBuf,
    clock: Clock,
    /// How many search index builds are running off the store, and a signal when one ends.
    pub(super) search_builds: Mutex<usize>,
    pub(super) search_built: Condvar,
    /// Held while "Sync now" runs: one sync at a time.
    pub(super) syncing: Mutex<()>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("site", &self.site)
            .field("data_dir", &self.data_dir)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// The app as it starts: locked, nobody signed in. `secret` is where the device secret
    /// is (see [`SecretPlace::for_this_device`]).
    pub fn locked(data_dir: PathBuf, site: Option<String>, secret: Option<SecretPlace>) -> Self {
        Self {
            signed: Mutex::new(None),
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

    /// The store of the person signed in; [`AppError::Locked`] while the app is locked,
    /// [`AppError::LockedPastLease`] while the device is past its offline lease.
    pub fn store(&self) -> Result<SignedStore<'_>, AppError> {
        let store = self.store_past_lease()?;
        if store.signed().lease_over {
            return Err(AppError::LockedPastLease);
        }
        Ok(store)
    }

    /// The store of the person signed in, even past the offline lease: for the sync that ends
    /// it, and the status that says so.
    pub fn store_past_lease(&self) -> Result<SignedStore<'_>, AppError> {
        let guard = self.signed.lock().map_err(|_| AppError::Unavailable)?;
        if guard.is_none() {
            return Err(AppError::Locked);
        }
        Ok(SignedStore(guard))
    }

    /// Signs `name` in with their PIN: unwraps the store key with the PIN and this device's
    /// secret (the first sign-in on a device without data makes the key), opens the store,
    /// and takes the person's role from the staff directory.
    pub fn sign_in(&self, name: &str, pin: &str) -> Result<SignInOutcome, AppError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(AppError::invalid("type your name to sign in"));
        }
        if self.is_signed_in() {
            return Err(AppError::invalid(
                "someone is signed in already: lock Waypoint first",
            ));
        }
        let place = self.secret.as_ref().ok_or_else(|| {
            AppError::invalid("this device has no place for its secret: it cannot unlock")
        })?;
        let unlocked = match unlock(&self.data_dir, place, name, pin) {
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
            Err(e) => return Ok(SignInOutcome::Refused(e.into())),
        };
        let super::Unlocked {
            mut keys,
            key,
            online,
        } = unlocked;
        let mut store = Store::open(&self.data_dir, &key)?;
        drop(key);
        match after_open(&mut store, &mut keys, name, online.as_ref()) {
            Ok(()) => {}
            Err(e @ SignInError::Disabled(_)) => return Ok(SignInOutcome::Refused(e.into())),
            Err(e) => return Err(e.into()),
        }
        self.open_signed(store, name, Some(keys))
    }

    /// Signs `name` in on a store already opened (by [`Session::sign_in`], or by tests):
    /// their role comes from the store's staff directory; a disabled or unknown account is
    /// refused with the store's reason and the store is closed again.
    pub fn open_with(&self, store: Store, name: &str) -> Result<SignInOutcome, AppError> {
        self.open_signed(store, name, None)
    }

    fn open_signed(
        &self,
        mut store: Store,
        name: &str,
        keys: Option<DeviceKeys>,
    ) -> Result<SignInOutcome, AppError> {
        let name = name.trim().to_string();
        let lease_over = store.lease(self.now())?.is_expired();
        let role = match store.role_of(&name) {
            Ok(role) => role,
            Err(e @ (StoreError::UnknownStaff(_) | StoreError::StaffDisabled(_))) => {
                return Ok(SignInOutcome::Refused(e.into()));
            }
            Err(e) => return Err(e.into()),
        };
        store.record_sign_in(&format!("staff:{name}"))?;
        {
            let mut signed = self.signed.lock().map_err(|_| AppError::Unavailable)?;
            if signed.is_some() {
                return Err(AppError::invalid(
                    "someone is signed in already: lock Waypoint first",
                ));
            }
            *signed = Some(Signed {
                store,
                name: name.clone(),
                role,
                keys,
                lease_over,
            });
            self.generation.fetch_add(1, Ordering::SeqCst);
        }
        let mut info = self.lock_info();
        info.last_name = Some(name);
        info.reason = None;
        Ok(SignInOutcome::SignedIn)
    }

    /// Locks the app: closes the store (its key and search index go with it) and keeps the
    /// name of the person for the sign-in screen. Waits for a use case that holds the store
    /// (an import) to finish. Locking a locked app keeps its first reason.
    pub fn lock(&self, reason: LockReason) -> Standing {
        let closed = {
            let mut signed = self
                .signed
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let closed = signed.take();
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
        self.standing()
    }

    /// Whether someone is signed in (the app is not locked).
    pub fn is_signed_in(&self) -> bool {
        self.signed.lock().map(|s| s.is_some()).unwrap_or(false)
    }

    /// Who is signed in; or, locked, whose name the sign-in screen keeps and why it locked.
    pub fn standing(&self) -> Standing {
        let (signed_in, idle_minutes, lease_over) = {
            let signed = self
                .signed
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match signed.as_ref() {
                Some(s) => (
                    Some(SignedIn::new(s.name.clone(), s.role)),
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
        let locked = signed_in.is_none();
        Standing {
            signed_in,
            last_name: if locked { info.last_name.clone() } else { None },
            lock_reason: if locked { info.reason } else { None },
            first_use: !DeviceKeys::exist(&self.data_dir),
            idle_seconds,
            lease_over,
        }
    }

    fn remember(&self, name: &str) {
        self.lock_info().last_name = Some(name.to_string());
    }

    pub(super) fn lock_info(&self) -> MutexGuard<'_, LockInfo> {
        self.lock_info
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    /// Where and when a use case runs.
    pub fn context(&self) -> Context {
        Context::new(self.site.clone(), self.now())
    }

    /// Today, as the core counts days for identity checks (UTC).
    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }

    /// The site events are recorded for, working on a case of `case_site`.
    pub fn site_for(&self, case_site: &str) -> String {
        self.context().site_for(case_site)
    }
}
