//! The key of the device's encrypted store, and who may unlock it.
//!
//! - The **store key** is 256 random bits, used by SQLCipher as a raw key. It is never written
//!   anywhere in clear.
//! - It is kept **wrapped** once per staff member, in `keys.json` in the data directory: sealed
//!   with ChaCha20-Poly1305 under a key derived by Argon2id (64 MiB, 3 passes) from the staff
//!   member's PIN *and* the **device secret** ([`SecretPlace`]), which lives outside the data
//!   directory. A copy of the data directory alone opens with no PIN.
//! - **Five wrong PINs in a row** erase that staff member's wrapped key on the device.
//! - Secrets are wiped from memory when dropped (`zeroize`); none is ever logged or shown.

mod crash;
mod secret;
mod wipe;

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::Aead;
use chacha20poly1305::{ChaCha20Poly1305, KeyInit, Nonce};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

pub use crash::{crash_message, guard_crash_output};
use secret::DeviceSecret;
pub use secret::{SECRET_FILE_ENV, SecretPlace};
pub use wipe::{Wiped, wipe_device};

/// The file in the data directory that holds the wrapped store keys.
pub const KEYS_FILE: &str = "keys.json";
/// Wrong PINs in a row after which a staff member's wrapped key is erased.
pub const MAX_WRONG_PINS: u32 = 5;
/// The shortest PIN or passphrase accepted.
pub const MIN_PIN_CHARS: usize = 6;

/// Argon2id cost: 64 MiB of memory, 3 passes, one lane (the floor).
const ARGON2_M_KIB: u32 = 64 * 1024;
const ARGON2_T: u32 = 3;
const ARGON2_P: u32 = 1;
/// A keys file asking for more than this (1 GiB) is refused rather than obeyed.
const ARGON2_MAX_M_KIB: u32 = 1024 * 1024;
/// Nor more passes than this: billions would hang the sign-in instead of failing it.
const ARGON2_MAX_T: u32 = 64;
const FORMAT: u32 = 1;

/// What went wrong with the keys, said for a person.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "wrong PIN for {staff}: {attempts_left} more wrong PIN(s) and this device erases {staff}'s key"
    )]
    WrongPin { staff: String, attempts_left: u32 },
    #[error(
        "wrong PIN for {staff}, {MAX_WRONG_PINS} times in a row: this device has erased {staff}'s key; an online sign-in (or a colleague who can unlock this device) restores it"
    )]
    KeyErased { staff: String },
    #[error(
        "{staff} has no key on this device (never added here, or erased after {MAX_WRONG_PINS} wrong PINs): an online sign-in (or a colleague who can unlock this device) adds it"
    )]
    UnknownStaff { staff: String },
    #[error(
        "this device's secret is missing (expected in {place}): the data directory cannot be opened without it, not even with the right PIN. Was it copied from another computer?"
    )]
    NoDeviceSecret { place: String },
    #[error(
        "the data directory belongs to another device (its keys do not match this device's secret in {place}): it cannot be opened here, not even with the right PIN"
    )]
    WrongDevice { place: String },
    #[error("the data directory has no keys yet: nobody has set a PIN on this device")]
    NoKeys,
    #[error(
        "{path} has data but no keys ({KEYS_FILE} is missing): it cannot be opened, and no new key is made for it"
    )]
    DataWithoutKeys { path: PathBuf },
    #[error("the data directory already has its keys: a new store key would lock out its data")]
    KeysExist,
    #[error("{staff} already has a key on this device")]
    StaffExists { staff: String },
    #[error("a PIN must have at least {MIN_PIN_CHARS} characters")]
    PinTooShort,
    #[error("a staff name cannot be empty")]
    EmptyStaffName,
    #[error(
        "the device secret {secret} is inside the data directory {data_dir}: a copy of the directory would carry it; keep it elsewhere"
    )]
    SecretInsideDataDir { secret: PathBuf, data_dir: PathBuf },
    #[error(
        "the device secret {path} can be read by other users of this computer: make it readable by its owner only (chmod 600)"
    )]
    SecretReadableByOthers { path: PathBuf },
    #[error("the device secret in {0} is damaged: this device can no longer open its data")]
    DamagedSecret(String),
    #[error("cannot read or write the device secret {path}")]
    SecretFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the system key store refused: {0}")]
    KeyStore(String),
    #[error("no place for the device secret could be found: set {SECRET_FILE_ENV}")]
    NoSecretPlace,
    #[error("the keys file {path} is damaged: {reason}")]
    DamagedKeys { path: PathBuf, reason: String },
    #[error("cannot read or write the keys file {path}")]
    KeysFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the operating system gave no random numbers")]
    NoRandomness,
    #[error(
        "this device has no way to sign in a new person online (it was not enrolled with a server that supports it): ask a colleague who can unlock it, or enrol it again"
    )]
    NoRecovery,
    #[error(
        "the server's recovery secret does not open this device's key: the device may have been enrolled again since; ask HQ"
    )]
    WrongRecovery,
    #[error("could not erase {path}: {source}")]
    Wipe {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the key could not be derived from the PIN: {0}")]
    Derivation(String),
}

/// The store's 256-bit key, wiped from memory when dropped (every copy). Its `Debug` shows
/// nothing.
#[derive(Clone)]
pub struct StoreKey(Zeroizing<[u8; 32]>);

impl StoreKey {
    /// A new random key.
    pub fn generate() -> Result<Self, KeyError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(bytes.as_mut()).map_err(|_| KeyError::NoRandomness)?;
        Ok(Self(bytes))
    }

    /// A key from its bytes (tests and benchmarks that need a fixed key).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// The value of SQLCipher's `PRAGMA key` for this raw key: `x'<64 hex digits>'`, quoted
    /// for the pragma. Wiped when dropped.
    pub fn sqlcipher_pragma_value(&self) -> Zeroizing<String> {
        let hex = Zeroizing::new(hex::encode(self.0.as_ref()));
        Zeroizing::new(format!("\"x'{}'\"", hex.as_str()))
    }
}

impl fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StoreKey(..)")
    }
}

/// The keys file as stored.
#[derive(Debug, Serialize, Deserialize)]
struct KeysFile {
    format: u32,
    /// SHA-256 of the device secret with a label, to tell "another device" from "wrong PIN".
    device_check: String,
    /// Names this directory's own secret in the computer's secret place (32 hex digits).
    /// Absent in a directory made before each had its own: it used the computer's one secret,
    /// and is moved to a secret of its own when first opened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    secret_id: Option<String>,
    staff: Vec<WrappedKey>,
    /// How a person with no key here yet signs in online (an enrolled device).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    recovery: Option<RecoverySlot>,
}

/// What a first sign-in needs while the store is still locked: where the server is, the
/// device's sign-in credential sealed under the device secret, and the store key sealed under
/// the device secret and the server's recovery secret (which the device does not keep).
#[derive(Debug, Serialize, Deserialize)]
struct RecoverySlot {
    server: String,
    token_nonce: String,
    /// The sign-in credential: ciphertext and tag.
    token_sealed: String,
    nonce: String,
    /// The store key: ciphertext and tag.
    sealed: String,
}

/// Where and how a device asks for an online sign-in (from [`DeviceKeys::sign_in_credential`]).
pub struct SignInCredential {
    /// The server's address.
    pub server: String,
    /// The device's sign-in credential (wiped when dropped).
    pub token: Zeroizing<String>,
}

impl fmt::Debug for SignInCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignInCredential")
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

/// The store key sealed for one staff member.
#[derive(Debug, Serialize, Deserialize)]
struct WrappedKey {
    /// A keyed hash of the staff name: the file does not name the staff.
    id: String,
    salt: String,
    nonce: String,
    /// Ciphertext and tag.
    sealed: String,
    argon2_m_kib: u32,
    argon2_t: u32,
    argon2_p: u32,
    /// Wrong PINs in a row so far, as this file last saw them. The count that holds is kept
    /// beside the device secret (see [`DeviceKeys::unlock`]); this one only ever raises it.
    wrong_pins: u32,
}

/// The wrapped store keys of one data directory, with the directory's own secret.
#[derive(Debug)]
pub struct DeviceKeys {
    path: PathBuf,
    /// The computer's secret place.
    place: SecretPlace,
    /// Where this directory's own secret (and its wrong-PIN counts) are kept.
    own: SecretPlace,
    secret: DeviceSecret,
    file: KeysFile,
}

impl DeviceKeys {
    /// Whether `data_dir` has a keys file.
    pub fn exist(data_dir: &Path) -> bool {
        data_dir.join(KEYS_FILE).exists()
    }

    /// The first key of a data directory: makes the directory's own secret (in the computer's
    /// secret place, never in the directory), a new random store key, and wraps it for `staff`
    /// with `pin`. Refuses if the directory already has keys.
    pub fn create(
        data_dir: &Path,
        place: &SecretPlace,
        staff: &str,
        pin: &str,
    ) -> Result<(Self, StoreKey), KeyError> {
        place.check_outside(data_dir)?;
        let path = data_dir.join(KEYS_FILE);
        if path.exists() {
            return Err(KeyError::KeysExist);
        }
        check_pin(pin)?;
        let staff = staff_name(staff)?;
        std::fs::create_dir_all(data_dir).map_err(|source| KeyError::KeysFile {
            path: path.clone(),
            source,
        })?;
        let id = new_secret_id()?;
        let own = place.for_directory(&id);
        let secret = own.load_or_create()?;
        let key = StoreKey::generate()?;
        let mut keys = DeviceKeys {
            path,
            place: place.clone(),
            own,
            file: KeysFile {
                format: FORMAT,
                device_check: device_check(&secret),
                secret_id: Some(id),
                staff: Vec::new(),
                recovery: None,
            },
            secret,
        };
        let wrapped = keys.wrap(&key, &staff, pin)?;
        keys.file.staff.push(wrapped);
        keys.save_new()?;
        Ok((keys, key))
    }

    /// The keys of `data_dir`, with this device's secret. Fails if the directory has no keys,
    /// if this device has no secret, or if the keys were made with another device's secret.
    pub fn load(data_dir: &Path, place: &SecretPlace) -> Result<Self, KeyError> {
        place.check_outside(data_dir)?;
        let path = data_dir.join(KEYS_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(KeyError::NoKeys),
            Err(source) => return Err(KeyError::KeysFile { path, source }),
        };
        let file: KeysFile = serde_json::from_str(&text).map_err(|e| KeyError::DamagedKeys {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        if file.format != FORMAT {
            return Err(KeyError::DamagedKeys {
                path,
                reason: format!("format {} is not known to this version", file.format),
            });
        }
        let id = match &file.secret_id {
            Some(id) if is_secret_id(id) => Some(id.clone()),
            Some(_) => {
                return Err(KeyError::DamagedKeys {
                    path,
                    reason: "the name of its device secret is not valid".to_string(),
                });
            }
            None => None,
        };
        // A directory made before each had its own secret reads the computer's one.
        let own = id
            .as_deref()
            .map_or_else(|| place.clone(), |id| place.for_directory(id));
        let secret = own.load()?.ok_or_else(|| KeyError::NoDeviceSecret {
            place: own.to_string(),
        })?;
        if device_check(&secret) != file.device_check {
            return Err(KeyError::WrongDevice {
                place: own.to_string(),
            });
        }
        let mut keys = DeviceKeys {
            path,
            place: place.clone(),
            own,
            secret,
            file,
        };
        if id.is_none() {
            keys.move_to_own_secret()?;
        }
        Ok(keys)
    }

    /// Gives a directory that used the computer's one secret a secret place of its own (same
    /// secret value, so every wrapped key still opens), with its wrong-PIN counts beside it,
    /// so that a wipe of this directory later destroys its secret and no other directory's.
    /// The computer's secret is left for the directories that have not moved yet.
    fn move_to_own_secret(&mut self) -> Result<(), KeyError> {
        let id = new_secret_id()?;
        let own = self.place.for_directory(&id);
        own.keep(&self.secret)?;
        let counts = self
            .file
            .staff
            .iter()
            .filter(|e| e.wrong_pins > 0)
            .map(|e| (e.id.clone(), e.wrong_pins))
            .collect();
        own.set_wrong_pins(&counts)?;
        self.file.secret_id = Some(id);
        self.own = own;
        self.save()
    }

    /// What the command line and the desktop app do when they start: unwrap the store key of
    /// `data_dir` with `staff`'s PIN; or, for a directory that has neither keys nor the
    /// store file `store_file`, make its first key for `staff` and `pin`. A store file without
    /// keys is refused, never given a new key.
    pub fn unlock_or_create(
        data_dir: &Path,
        place: &SecretPlace,
        store_file: &Path,
        staff: &str,
        pin: &str,
    ) -> Result<(Self, StoreKey), KeyError> {
        if !Self::exist(data_dir) {
            if store_file.exists() {
                return Err(KeyError::DataWithoutKeys {
                    path: data_dir.to_path_buf(),
                });
            }
            return Self::create(data_dir, place, staff, pin);
        }
        let mut keys = Self::load(data_dir, place)?;
        let key = keys.unlock(staff, pin)?;
        Ok((keys, key))
    }

    /// Whether `staff` has a key on this device.
    pub fn has_staff(&self, staff: &str) -> bool {
        staff_name(staff).is_ok_and(|name| self.position(&name).is_some())
    }

    /// Unwraps the store key with `staff`'s PIN. A wrong PIN is counted (and the count kept
    /// before this returns); the fifth in a row erases `staff`'s wrapped key. A right PIN
    /// resets the count. The count is kept beside the device secret (and in the keys file,
    /// which can only raise it): a keys file put back from a copy gives no tries back.
    pub fn unlock(&mut self, staff: &str, pin: &str) -> Result<StoreKey, KeyError> {
        let name = staff_name(staff)?;
        let index = self.position(&name).ok_or_else(|| KeyError::UnknownStaff {
            staff: name.clone(),
        })?;
        let mut counts = self.own.wrong_pins()?;
        let entry = &self.file.staff[index];
        let so_far = entry
            .wrong_pins
            .max(counts.get(&entry.id).copied().unwrap_or(0));
        if so_far >= MAX_WRONG_PINS {
            // Erased before, and its wrapped key put back since: erased again, untried.
            self.file.staff.remove(index);
            self.save()?;
            return Err(KeyError::KeyErased { staff: name });
        }
        let opened = self.unwrap(entry, pin)?;
        match opened {
            Some(key) => {
                if so_far != 0 {
                    let id = self.file.staff[index].id.clone();
                    counts.remove(&id);
                    self.own.set_wrong_pins(&counts)?;
                    self.file.staff[index].wrong_pins = 0;
                    self.save()?;
                }
                Ok(key)
            }
            None => {
                let wrong = so_far.saturating_add(1);
                // The count beside the secret first: it is the one that holds.
                counts.insert(entry.id.clone(), wrong);
                self.own.set_wrong_pins(&counts)?;
                if wrong >= MAX_WRONG_PINS {
                    self.file.staff.remove(index);
                    self.save()?;
                    Err(KeyError::KeyErased { staff: name })
                } else {
                    self.file.staff[index].wrong_pins = wrong;
                    self.save()?;
                    Err(KeyError::WrongPin {
                        staff: name,
                        attempts_left: MAX_WRONG_PINS - wrong,
                    })
                }
            }
        }
    }

    /// Gives `staff` a key of their own on this device (the store key, wrapped with their PIN).
    /// Needs the store key, so only someone who has unlocked the device can add a colleague.
    pub fn add_staff(&mut self, key: &StoreKey, staff: &str, pin: &str) -> Result<(), KeyError> {
        check_pin(pin)?;
        let name = staff_name(staff)?;
        if self.position(&name).is_some() {
            return Err(KeyError::StaffExists { staff: name });
        }
        let wrapped = self.wrap(key, &name, pin)?;
        self.forget_wrong_pins(&wrapped.id)?;
        self.file.staff.push(wrapped);
        self.save()
    }

    /// A new wrapped key starts with no wrong PIN (one erased before may have left a count).
    fn forget_wrong_pins(&self, id: &str) -> Result<(), KeyError> {
        let mut counts = self.own.wrong_pins()?;
        if counts.remove(id).is_some() {
            self.own.set_wrong_pins(&counts)?;
        }
        Ok(())
    }

    /// Destroys `staff`'s wrapped key on this device (an account disabled or gone at the
    /// server). True if there was one.
    pub fn remove_staff(&mut self, staff: &str) -> Result<bool, KeyError> {
        let name = staff_name(staff)?;
        let Some(index) = self.position(&name) else {
            return Ok(false);
        };
        self.file.staff.remove(index);
        self.save()?;
        Ok(true)
    }

    /// Keeps what an online sign-in needs (at enrolment, with the store key unlocked): the
    /// server's address, the device's sign-in credential (sealed under the device secret) and
    /// the store key sealed under the device secret and `recovery_secret` (64 hex digits),
    /// which is not kept.
    pub fn set_recovery(
        &mut self,
        key: &StoreKey,
        server: &str,
        sign_in_token: &str,
        recovery_secret: &str,
    ) -> Result<(), KeyError> {
        let kek = self.recovery_kek(recovery_secret)?;
        let (nonce, sealed) = seal(&kek, key.0.as_ref(), b"waypoint recovery v1")?;
        let (token_nonce, token_sealed) = seal(
            &self.token_kek(),
            sign_in_token.as_bytes(),
            b"waypoint sign-in token v1",
        )?;
        self.file.recovery = Some(RecoverySlot {
            server: server.to_string(),
            token_nonce,
            token_sealed,
            nonce,
            sealed,
        });
        self.save()
    }

    /// Whether this device can sign a person in online (it was enrolled with a server that
    /// gave it a recovery secret).
    pub fn can_sign_in_online(&self) -> bool {
        self.file.recovery.is_some()
    }

    /// The server and the device's sign-in credential, for an online sign-in.
    pub fn sign_in_credential(&self) -> Result<SignInCredential, KeyError> {
        let slot = self.file.recovery.as_ref().ok_or(KeyError::NoRecovery)?;
        let plain = open(
            &self.token_kek(),
            &slot.token_nonce,
            &slot.token_sealed,
            b"waypoint sign-in token v1",
        )
        .map_err(|_| self.damaged("the sign-in credential does not open"))?;
        let token = String::from_utf8(plain.to_vec())
            .map_err(|_| self.damaged("the sign-in credential is not text"))?;
        Ok(SignInCredential {
            server: slot.server.clone(),
            token: Zeroizing::new(token),
        })
    }

    /// The store key, unsealed with the recovery secret an online sign-in returned.
    pub fn recover(&self, recovery_secret: &str) -> Result<StoreKey, KeyError> {
        let slot = self.file.recovery.as_ref().ok_or(KeyError::NoRecovery)?;
        let kek = self.recovery_kek(recovery_secret)?;
        let plain = open(&kek, &slot.nonce, &slot.sealed, b"waypoint recovery v1")
            .map_err(|_| KeyError::WrongRecovery)?;
        let bytes: [u8; 32] = plain
            .as_slice()
            .try_into()
            .map_err(|_| self.damaged("the recovery slot has the wrong length"))?;
        Ok(StoreKey::from_bytes(bytes))
    }

    /// Gives `staff` a key of their own after an online sign-in: their wrapped key is made
    /// anew with `pin` (one erased after five wrong PINs, or a first sign-in here).
    pub fn restore_staff(
        &mut self,
        key: &StoreKey,
        staff: &str,
        pin: &str,
    ) -> Result<(), KeyError> {
        check_pin(pin)?;
        let name = staff_name(staff)?;
        let wrapped = self.wrap(key, &name, pin)?;
        self.forget_wrong_pins(&wrapped.id)?;
        match self.position(&name) {
            Some(i) => self.file.staff[i] = wrapped,
            None => self.file.staff.push(wrapped),
        }
        self.save()
    }

    fn damaged(&self, reason: &str) -> KeyError {
        KeyError::DamagedKeys {
            path: self.path.clone(),
            reason: reason.to_string(),
        }
    }

    /// The key the sign-in credential is sealed under: from the device secret alone.
    fn token_kek(&self) -> Zeroizing<[u8; 32]> {
        let mut h = Sha256::new();
        h.update(b"waypoint sign-in token key v1\0");
        h.update(self.secret.bytes());
        Zeroizing::new(h.finalize().into())
    }

    /// The key the recovery slot is sealed under: the device secret and the recovery secret.
    fn recovery_kek(&self, recovery_secret: &str) -> Result<Zeroizing<[u8; 32]>, KeyError> {
        let mut secret = Zeroizing::new([0u8; 32]);
        if !hex::decode_into(recovery_secret.trim(), secret.as_mut()) {
            return Err(KeyError::WrongRecovery);
        }
        let mut h = Sha256::new();
        h.update(b"waypoint recovery key v1\0");
        h.update(self.secret.bytes());
        h.update(secret.as_ref());
        Ok(Zeroizing::new(h.finalize().into()))
    }

    /// Wrong PINs in a row so far for `staff` (0 if they have no key here).
    pub fn wrong_pins(&self, staff: &str) -> u32 {
        let Some(entry) = staff_name(staff)
            .ok()
            .and_then(|name| self.position(&name))
            .map(|i| &self.file.staff[i])
        else {
            return 0;
        };
        let kept = self
            .own
            .wrong_pins()
            .map_or(MAX_WRONG_PINS, |c| c.get(&entry.id).copied().unwrap_or(0));
        entry.wrong_pins.max(kept)
    }

    /// This computer's secret place.
    pub fn secret_place(&self) -> &SecretPlace {
        &self.place
    }

    /// Where this data directory's own secret is (inside the computer's secret place).
    pub fn own_secret_place(&self) -> &SecretPlace {
        &self.own
    }

    fn position(&self, name: &str) -> Option<usize> {
        let id = self.staff_id(name);
        self.file.staff.iter().position(|e| e.id == id)
    }

    fn staff_id(&self, name: &str) -> String {
        let mut h = Sha256::new();
        h.update(b"waypoint staff id v1\0");
        h.update(self.secret.bytes());
        h.update(name.as_bytes());
        hex::encode(&h.finalize())
    }

    fn wrap(&self, key: &StoreKey, name: &str, pin: &str) -> Result<WrappedKey, KeyError> {
        let mut salt = [0u8; 16];
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut salt).map_err(|_| KeyError::NoRandomness)?;
        getrandom::fill(&mut nonce).map_err(|_| KeyError::NoRandomness)?;
        let id = self.staff_id(name);
        let kek = self.derive(pin, &salt, ARGON2_M_KIB, ARGON2_T, ARGON2_P)?;
        let sealed = ChaCha20Poly1305::new(&(*kek).into())
            .encrypt(
                &Nonce::from(nonce),
                chacha20poly1305::aead::Payload {
                    msg: key.0.as_ref(),
                    aad: &aad(&id),
                },
            )
            .map_err(|_| KeyError::Derivation("sealing failed".to_string()))?;
        Ok(WrappedKey {
            id,
            salt: hex::encode(&salt),
            nonce: hex::encode(&nonce),
            sealed: hex::encode(&sealed),
            argon2_m_kib: ARGON2_M_KIB,
            argon2_t: ARGON2_T,
            argon2_p: ARGON2_P,
            wrong_pins: 0,
        })
    }

    /// `Some(key)` if `pin` opens `entry`, `None` if it does not.
    fn unwrap(&self, entry: &WrappedKey, pin: &str) -> Result<Option<StoreKey>, KeyError> {
        let damaged = |reason: &str| KeyError::DamagedKeys {
            path: self.path.clone(),
            reason: reason.to_string(),
        };
        let salt = hex::decode(&entry.salt).ok_or_else(|| damaged("bad salt"))?;
        let mut nonce = [0u8; 12];
        if !hex::decode_into(&entry.nonce, &mut nonce) {
            return Err(damaged("bad nonce"));
        }
        let sealed = hex::decode(&entry.sealed).ok_or_else(|| damaged("bad wrapped key"))?;
        if entry.argon2_m_kib > ARGON2_MAX_M_KIB {
            return Err(damaged("key derivation asks for too much memory"));
        }
        if entry.argon2_t > ARGON2_MAX_T {
            return Err(damaged("key derivation asks for too many passes"));
        }
        let kek = self.derive(
            pin,
            &salt,
            entry.argon2_m_kib,
            entry.argon2_t,
            entry.argon2_p,
        )?;
        let opened = ChaCha20Poly1305::new(&(*kek).into()).decrypt(
            &Nonce::from(nonce),
            chacha20poly1305::aead::Payload {
                msg: &sealed,
                aad: &aad(&entry.id),
            },
        );
        let Ok(plain) = opened else {
            return Ok(None);
        };
        let plain = Zeroizing::new(plain);
        let bytes: [u8; 32] = plain
            .as_slice()
            .try_into()
            .map_err(|_| damaged("the wrapped key has the wrong length"))?;
        Ok(Some(StoreKey::from_bytes(bytes)))
    }

    /// Argon2id of the PIN, with the device secret as Argon2's secret input.
    fn derive(
        &self,
        pin: &str,
        salt: &[u8],
        m_kib: u32,
        t: u32,
        p: u32,
    ) -> Result<Zeroizing<[u8; 32]>, KeyError> {
        let params =
            Params::new(m_kib, t, p, Some(32)).map_err(|e| KeyError::Derivation(e.to_string()))?;
        let argon = Argon2::new_with_secret(
            self.secret.bytes(),
            Algorithm::Argon2id,
            Version::V0x13,
            params,
        )
        .map_err(|e| KeyError::Derivation(e.to_string()))?;
        let pin: Zeroizing<String> = Zeroizing::new(pin.nfc().collect());
        let mut out = Zeroizing::new([0u8; 32]);
        argon
            .hash_password_into(pin.as_bytes(), salt, out.as_mut())
            .map_err(|e| KeyError::Derivation(e.to_string()))?;
        Ok(out)
    }

    /// Writes the keys file whole or not at all: a temporary file beside it, flushed, then
    /// renamed over it.
    fn save(&self) -> Result<(), KeyError> {
        self.write(false)
    }

    /// As `save`, for a directory that must not have keys yet.
    fn save_new(&self) -> Result<(), KeyError> {
        self.write(true)
    }

    fn write(&self, new: bool) -> Result<(), KeyError> {
        let err = |source| KeyError::KeysFile {
            path: self.path.clone(),
            source,
        };
        let text = serde_json::to_vec_pretty(&self.file).map_err(|e| KeyError::DamagedKeys {
            path: self.path.clone(),
            reason: e.to_string(),
        })?;
        let mut suffix = [0u8; 8];
        getrandom::fill(&mut suffix).map_err(|_| KeyError::NoRandomness)?;
        let aside = self
            .path
            .with_file_name(format!(".{KEYS_FILE}.{}.new", hex::encode(&suffix)));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let written = options.open(&aside).and_then(|mut file| {
            file.write_all(&text)?;
            file.sync_all()
        });
        let placed = written.and_then(|()| {
            if new {
                // Fails if another process made the keys first: theirs are kept.
                std::fs::hard_link(&aside, &self.path)
            } else {
                std::fs::rename(&aside, &self.path)
            }
        });
        let _ = std::fs::remove_file(&aside);
        match placed {
            Err(e) if new && e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(KeyError::KeysExist);
            }
            other => other.map_err(err)?,
        }
        if let Some(dir) = self.path.parent() {
            // The rename is durable once the directory is flushed (Unix; elsewhere a no-op).
            if let Ok(dir) = std::fs::File::open(dir) {
                let _ = dir.sync_all();
            }
        }
        Ok(())
    }
}

/// Seals `plain` under `kek` with a fresh nonce: (nonce, ciphertext and tag), in hex.
fn seal(kek: &[u8; 32], plain: &[u8], aad: &[u8]) -> Result<(String, String), KeyError> {
    let mut nonce = [0u8; 12];
    getrandom::fill(&mut nonce).map_err(|_| KeyError::NoRandomness)?;
    let sealed = ChaCha20Poly1305::new(&(*kek).into())
        .encrypt(
            &Nonce::from(nonce),
            chacha20poly1305::aead::Payload { msg: plain, aad },
        )
        .map_err(|_| KeyError::Derivation("sealing failed".to_string()))?;
    Ok((hex::encode(&nonce), hex::encode(&sealed)))
}

/// Opens what [`seal`] made; `Err(())` when it does not open.
fn open(kek: &[u8; 32], nonce: &str, sealed: &str, aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, ()> {
    let mut n = [0u8; 12];
    if !hex::decode_into(nonce, &mut n) {
        return Err(());
    }
    let sealed = hex::decode(sealed).ok_or(())?;
    ChaCha20Poly1305::new(&(*kek).into())
        .decrypt(
            &Nonce::from(n),
            chacha20poly1305::aead::Payload { msg: &sealed, aad },
        )
        .map(Zeroizing::new)
        .map_err(|_| ())
}

/// A new name for a directory's secret: 128 random bits in hex.
fn new_secret_id() -> Result<String, KeyError> {
    let mut id = [0u8; 16];
    getrandom::fill(&mut id).map_err(|_| KeyError::NoRandomness)?;
    Ok(hex::encode(&id))
}

/// Whether `id` can name a directory's secret (never a path: it is read from a file).
pub(crate) fn is_secret_id(id: &str) -> bool {
    id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

fn device_check(secret: &DeviceSecret) -> String {
    let mut h = Sha256::new();
    h.update(b"waypoint device check v1\0");
    h.update(secret.bytes());
    hex::encode(&h.finalize()[..16])
}

fn aad(id: &str) -> Vec<u8> {
    let mut aad = b"waypoint store key v1\0".to_vec();
    aad.extend_from_slice(id.as_bytes());
    aad
}

fn check_pin(pin: &str) -> Result<(), KeyError> {
    if pin.chars().count() < MIN_PIN_CHARS {
        return Err(KeyError::PinTooShort);
    }
    Ok(())
}

/// A staff name as compared: trimmed, NFC, lower case.
fn staff_name(staff: &str) -> Result<String, KeyError> {
    let name: String = staff.trim().nfc().collect::<String>().to_lowercase();
    if name.is_empty() {
        return Err(KeyError::EmptyStaffName);
    }
    Ok(name)
}

/// Lower-case hexadecimal, without a crate for forty lines.
mod hex {
    pub(crate) fn encode(bytes: &[u8]) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut s = String::with_capacity(bytes.len() * 2);
        for b in bytes {
            s.push(char::from(DIGITS[usize::from(b >> 4)]));
            s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
        }
        s
    }

    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }

    /// Fills `out` from `text`; false unless `text` is exactly `out.len()` bytes of hex.
    pub(crate) fn decode_into(text: &str, out: &mut [u8]) -> bool {
        let text = text.as_bytes();
        if text.len() != out.len() * 2 {
            return false;
        }
        for (o, pair) in out.iter_mut().zip(text.chunks_exact(2)) {
            match (nibble(pair[0]), nibble(pair[1])) {
                (Some(hi), Some(lo)) => *o = hi << 4 | lo,
                _ => return false,
            }
        }
        true
    }

    pub(crate) fn decode(text: &str) -> Option<Vec<u8>> {
        let mut out = vec![0u8; text.len() / 2];
        decode_into(text, &mut out).then_some(out)
    }
}
