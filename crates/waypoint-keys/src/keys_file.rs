//! The keys file as stored in the data directory (`keys.json`), read and written whole.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::KEYS_FILE;
use crate::error::KeyError;
use crate::hex;

/// The version of the keys file this code writes and reads.
pub(crate) const FORMAT: u32 = 1;

/// The keys file as stored.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct KeysFile {
    pub(crate) format: u32,
    /// SHA-256 of the device secret with a label, to tell "another device" from "wrong PIN".
    pub(crate) device_check: String,
    /// Names this directory's own secret in the computer's secret place (32 hex digits).
    /// Absent in a directory made before each had its own: it used the computer's one secret,
    /// and is moved to a secret of its own when first opened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) secret_id: Option<String>,
    pub(crate) staff: Vec<WrappedKey>,
    /// How a person with no key here yet signs in online (an enrolled device).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) recovery: Option<RecoverySlot>,
}

/// What a first sign-in needs while the store is still locked: where the server is, the
/// device's sign-in credential sealed under the device secret, and the store key sealed under
/// the device secret and the server's recovery secret (which the device does not keep).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct RecoverySlot {
    pub(crate) server: String,
    pub(crate) token_nonce: String,
    /// The sign-in credential: ciphertext and tag.
    pub(crate) token_sealed: String,
    pub(crate) nonce: String,
    /// The store key: ciphertext and tag.
    pub(crate) sealed: String,
}

/// The store key sealed for one staff member.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct WrappedKey {
    /// A keyed hash of the staff name: the file does not name the staff.
    pub(crate) id: String,
    pub(crate) salt: String,
    pub(crate) nonce: String,
    /// Ciphertext and tag.
    pub(crate) sealed: String,
    pub(crate) argon2_m_kib: u32,
    pub(crate) argon2_t: u32,
    pub(crate) argon2_p: u32,
    /// Wrong PINs in a row so far, as this file last saw them. The count that holds is kept
    /// beside the device secret (see [`crate::DeviceKeys::unlock`]); this one only ever raises it.
    pub(crate) wrong_pins: u32,
}

/// The keys file at `path`: `None` when there is none, an error when it cannot be read or is
/// not a keys file this version knows.
pub(crate) fn read(path: &Path) -> Result<Option<KeysFile>, KeyError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(KeyError::KeysFile {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let file: KeysFile = serde_json::from_str(&text).map_err(|e| KeyError::DamagedKeys {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    if file.format != FORMAT {
        return Err(KeyError::DamagedKeys {
            path: path.to_path_buf(),
            reason: format!("format {} is not known to this version", file.format),
        });
    }
    Ok(Some(file))
}

/// Writes the keys file whole or not at all: a temporary file beside it, flushed, then renamed
/// over it (`new`: hard-linked, so that a directory that has keys already keeps them).
pub(crate) fn write(path: &Path, file: &KeysFile, new: bool) -> Result<(), KeyError> {
    let err = |source| KeyError::KeysFile {
        path: path.to_path_buf(),
        source,
    };
    let text = serde_json::to_vec_pretty(file).map_err(|e| KeyError::DamagedKeys {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let mut suffix = [0u8; 8];
    getrandom::fill(&mut suffix).map_err(|_| KeyError::NoRandomness)?;
    let aside = path.with_file_name(format!(".{KEYS_FILE}.{}.new", hex::encode(&suffix)));
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
            std::fs::hard_link(&aside, path)
        } else {
            std::fs::rename(&aside, path)
        }
    });
    let _ = std::fs::remove_file(&aside);
    match placed {
        Err(e) if new && e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(KeyError::KeysExist);
        }
        other => other.map_err(err)?,
    }
    if let Some(dir) = path.parent() {
        // The rename is durable once the directory is flushed (Unix; elsewhere a no-op).
        if let Ok(dir) = std::fs::File::open(dir) {
            let _ = dir.sync_all();
        }
    }
    Ok(())
}
