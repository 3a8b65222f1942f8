//! The sign-in policy, apart from HTTP: a failed attempt is counted *before* a code or a PIN is
//! checked (atomically, across server processes), at most [`PIN_CHECKS_AT_ONCE`] PIN checks
//! run at once, and a wrong name, a wrong PIN and an account of another site get one answer.
//! A device's enrolment code is guarded the same way, per address.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use zeroize::Zeroizing;

use crate::auth;
use crate::store::{Device, FailureKind, ServerStore, ServerStoreError, StaffAccount};

/// How long failed enrolments and sign-ins are remembered for the rate limits.
pub const FAILURE_WINDOW_MS: u64 = 15 * 60 * 1000;
/// Failed sign-ins for one name, or from one device, within the window after which sign-in
/// is refused (429) until the window has passed.
pub const MAX_SIGN_IN_FAILURES: u32 = 5;
/// Wrong enrolment codes from one address within the window after which enrolment from that
/// address is refused (429).
pub const MAX_ENROL_FAILURES: u32 = 10;
/// PIN checks (Argon2id, 64 MiB each) that run at once; the others wait their turn. Without a
/// bound, a burst of sign-ins grew the server by gigabytes.
pub const PIN_CHECKS_AT_ONCE: usize = 2;

/// Why a sign-in or an enrolment was refused, in the words the person at the device reads.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error(
        "Too many wrong enrolment codes came from this address: wait 15 minutes, then type \
         the code again carefully."
    )]
    TooManyCodes,
    #[error(
        "Too many wrong PINs ({MAX_SIGN_IN_FAILURES} within 15 minutes) for this name or on \
         this device: wait 15 minutes before trying again, or ask HQ."
    )]
    TooManyPins,
    /// A wrong name, a wrong PIN or an account of another site: one answer for the three, so
    /// that a device learns nothing about names or other sites.
    #[error("The name or PIN is not right.")]
    WrongPin,
    #[error(
        "This staff account is disabled: it can no longer sign in. Ask HQ if this is a mistake."
    )]
    Disabled,
    #[error(transparent)]
    Store(#[from] ServerStoreError),
    /// The PIN check could not run (the server is shutting down, or its task stopped).
    #[error("a PIN check stopped before it finished")]
    CheckStopped,
}

/// The PIN checks a server runs at once, and how many it has started.
#[derive(Debug, Clone)]
pub struct PinChecks {
    places: Arc<tokio::sync::Semaphore>,
    started: Arc<AtomicU64>,
}

impl Default for PinChecks {
    fn default() -> Self {
        PinChecks {
            places: Arc::new(tokio::sync::Semaphore::new(PIN_CHECKS_AT_ONCE)),
            started: Arc::new(AtomicU64::new(0)),
        }
    }
}

impl PinChecks {
    /// How many PIN checks (Argon2id hashes) have started.
    pub fn started(&self) -> u64 {
        self.started.load(Ordering::Relaxed)
    }

    /// Checks `pin` against `phc` (the decoy when `None`) off the async threads, waiting for
    /// one of the [`PIN_CHECKS_AT_ONCE`] places.
    async fn check(&self, pin: Zeroizing<String>, phc: Option<String>) -> Result<bool, Refusal> {
        let _place = self
            .places
            .acquire()
            .await
            .map_err(|_| Refusal::CheckStopped)?;
        self.started.fetch_add(1, Ordering::Relaxed);
        tokio::task::spawn_blocking(move || auth::verify_pin(&pin, phc.as_deref()))
            .await
            .map_err(|_| Refusal::CheckStopped)
    }
}

/// A failed attempt counted ahead of its check; [`Attempt::succeeded`] takes it back. Dropped
/// without that, it stays counted: a wrong code or PIN.
#[derive(Debug)]
#[must_use = "a right code or PIN must take its attempt back"]
pub struct Attempt(String);

impl Attempt {
    /// The code or PIN was right: the attempt no longer counts against anyone.
    pub async fn succeeded(self, store: &dyn ServerStore) -> Result<(), ServerStoreError> {
        store.release_attempt(&self.0).await
    }
}

/// Counts an enrolment from `peer` as a wrong code before the code is checked, so that
/// concurrent wrong codes cannot all pass; refused when the address has had too many.
pub async fn reserve_enrolment(
    store: &dyn ServerStore,
    peer: Option<IpAddr>,
    now_ms: u64,
) -> Result<Attempt, Refusal> {
    let peer_key = auth::hash_secret(&format!(
        "peer:{}",
        peer.map(|p| p.to_string()).unwrap_or_default()
    ));
    store
        .reserve_attempt(
            &[(FailureKind::EnrolPeer, peer_key)],
            MAX_ENROL_FAILURES,
            now_ms,
            now_ms.saturating_sub(FAILURE_WINDOW_MS),
        )
        .await?
        .map(Attempt)
        .ok_or(Refusal::TooManyCodes)
}

/// Checks a staff member's sign-in on `device`: `name_key` (see `store::name_key`, not empty)
/// and `pin`. The account must exist, belong to one of the device's sites, have this PIN and
/// be enabled. Returns the account.
pub async fn check_staff(
    store: &dyn ServerStore,
    pin_checks: &PinChecks,
    device: &Device,
    name_key: &str,
    pin: Zeroizing<String>,
    now_ms: u64,
) -> Result<StaffAccount, Refusal> {
    let name_hash = auth::hash_secret(&format!("staff:{name_key}"));
    let device_hash = auth::hash_secret(&format!("device:{}", device.id));
    // Counted as wrong before the PIN is checked, atomically (across server processes too):
    // a burst of concurrent sign-ins gets at most MAX_SIGN_IN_FAILURES checks.
    let Some(attempt) = store
        .reserve_attempt(
            &[
                (FailureKind::SignInName, name_hash.clone()),
                (FailureKind::SignInDevice, device_hash),
            ],
            MAX_SIGN_IN_FAILURES,
            now_ms,
            now_ms.saturating_sub(FAILURE_WINDOW_MS),
        )
        .await?
        .map(Attempt)
    else {
        tracing::warn!(device = %device.name, "sign-in refused: too many wrong PINs");
        return Err(Refusal::TooManyPins);
    };
    // An account of another site is checked like an unknown name (against the decoy, in the
    // same time, with the same answer): a device learns nothing about other sites' PINs.
    let credential = store
        .staff_credential(name_key)
        .await?
        .filter(|c| device.sites.contains(&c.account.site));
    let phc = credential.as_ref().map(|c| c.pin_hash.clone());
    let right = pin_checks.check(pin, phc).await?;
    let Some(credential) = credential.filter(|_| right) else {
        tracing::info!(device = %device.name, "sign-in refused: wrong name or PIN");
        return Err(Refusal::WrongPin);
    };
    attempt.succeeded(store).await?;
    let account = credential.account;
    if account.disabled {
        tracing::info!(device = %device.name, "sign-in refused: account disabled");
        return Err(Refusal::Disabled);
    }
    store
        .clear_failures(FailureKind::SignInName, &name_hash)
        .await?;
    Ok(account)
}
