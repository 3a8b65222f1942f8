//! What can go wrong with the keys, said for a person.

use std::path::PathBuf;

use crate::{KEYS_FILE, MAX_WRONG_PINS, MIN_PIN_CHARS, SECRET_FILE_ENV};

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
