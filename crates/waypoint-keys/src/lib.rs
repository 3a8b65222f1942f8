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
mod device_keys;
mod error;
mod hex;
mod keys_file;
mod pin;
mod recovery;
mod secret;
mod secret_id;
mod shred;
mod store_key;
mod wipe;

pub use crash::{crash_message, guard_crash_output};
pub use device_keys::DeviceKeys;
pub use error::KeyError;
pub use recovery::SignInCredential;
pub use secret::SecretPlace;
pub use store_key::StoreKey;
pub use wipe::{Wiped, wipe_device};

/// The file in the data directory that holds the wrapped store keys.
pub const KEYS_FILE: &str = "keys.json";
/// Wrong PINs in a row after which a staff member's wrapped key is erased.
pub const MAX_WRONG_PINS: u32 = 5;
// Here rather than in secret.rs: error messages name it too, and secret.rs needs the errors.
/// The environment variable that names the device-secret file (tests, scripts, several
/// simulated devices on one computer). Without it, the platform's place is used.
pub const SECRET_FILE_ENV: &str = "WAYPOINT_SECRET_FILE";
/// The shortest PIN or passphrase accepted.
pub const MIN_PIN_CHARS: usize = 6;
