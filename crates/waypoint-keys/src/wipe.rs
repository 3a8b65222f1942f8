//! Wiping a device HQ revoked (docs/revocation.md): crypto-shredding first, then
//! the files.
//!
//! The store is SQLCipher ciphertext under a key that exists only wrapped in `keys.json`, and
//! each wrapping key needs the device secret. Destroying those two makes every byte of the
//! store, its WAL and any copy of them unreadable at once, before the (slower, and on flash or
//! copy-on-write file systems less certain) removal of the files themselves.

use std::path::Path;

use crate::shred::{shred_file, sync_dir};
use crate::{KEYS_FILE, KeyError, SecretPlace};

/// What a wipe removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wiped {
    /// Whether the keys file was there (and is now destroyed).
    pub keys: bool,
    /// Files removed from the data directory, the keys file included.
    pub files: u64,
}

/// Erases this device's Waypoint data, in the order that makes it unreadable soonest:
///
/// 1. `keys.json` (every staff member's wrapped store key): overwritten with random bytes,
///    flushed to the disk, removed;
/// 2. the data directory's own secret (named in the keys file) in the computer's secret
///    place `place`, with its wrong-PIN counts (the file overwritten, flushed and removed; or
///    the key store's entry deleted). Other data directories on the computer have secrets of
///    their own and keep opening. (A directory never opened since it used the computer's one
///    secret names none: that secret is left, as other directories may need it.)
/// 3. every file of the data directory (the store, its WAL and shared-memory files, anything
///    else), then the directory itself.
///
/// Step 3 only runs on a directory that held the keys file or `store_file` when the wipe began,
/// so a data directory set to the wrong place is never emptied. Every step is tried even if
/// one before it failed; the first failure is returned (the keys are gone by then if step 1
/// worked). A directory already gone is not an error: a wipe can be repeated.
///
/// The caller must have closed the store first (a process holding the key in memory could
/// otherwise write pages back).
pub fn wipe_device(
    data_dir: &Path,
    store_file: &Path,
    place: &SecretPlace,
) -> Result<Wiped, KeyError> {
    let keys_path = data_dir.join(KEYS_FILE);
    let had_keys = keys_path.exists();
    let ours = had_keys || store_file.exists();
    let own = own_secret(&keys_path).map(|id| place.for_directory(&id));
    let mut first: Option<KeyError> = None;
    let mut wiped = Wiped::default();

    match shred_file(&keys_path) {
        Ok(()) => {
            wiped.keys = had_keys;
            if had_keys {
                wiped.files += 1;
            }
        }
        Err(source) => {
            first.get_or_insert(KeyError::KeysFile {
                path: keys_path.clone(),
                source,
            });
        }
    }
    if let Some(Err(e)) = own.map(|own| own.destroy()) {
        first.get_or_insert(e);
    }
    if ours {
        match remove_tree(data_dir) {
            Ok(n) => wiped.files += n,
            Err(source) => {
                first.get_or_insert(KeyError::Wipe {
                    path: data_dir.to_path_buf(),
                    source,
                });
            }
        }
        if let Some(parent) = data_dir.parent().filter(|p| !p.as_os_str().is_empty()) {
            sync_dir(parent);
        }
    }
    match first {
        Some(e) => Err(e),
        None => Ok(wiped),
    }
}

/// The name of the directory's own secret, from its keys file (read before it is destroyed).
fn own_secret(keys_path: &Path) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Named {
        secret_id: Option<String>,
    }
    let text = std::fs::read_to_string(keys_path).ok()?;
    let named: Named = serde_json::from_str(&text).ok()?;
    named
        .secret_id
        .filter(|id| crate::secret_id::is_secret_id(id))
}

/// Removes a directory and everything in it; returns how many files it removed. A missing
/// directory is fine.
fn remove_tree(dir: &Path) -> std::io::Result<u64> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut files = 0;
    for entry in entries {
        let entry = entry?;
        let path = entry.path();
        // A symbolic link is removed, never followed.
        if entry.file_type()?.is_dir() {
            files += remove_tree(&path)?;
        } else {
            std::fs::remove_file(&path)?;
            files += 1;
        }
    }
    std::fs::remove_dir(dir)?;
    Ok(files)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_directory_that_is_not_waypoint_data_is_never_emptied() {
        let dir = tempfile::tempdir().unwrap();
        let other = dir.path().join("documents");
        std::fs::create_dir_all(&other).unwrap();
        std::fs::write(other.join("letter.txt"), "keep me").unwrap();
        let place = SecretPlace::File(dir.path().join("secret"));
        let wiped = wipe_device(&other, &other.join("waypoint.db"), &place).unwrap();
        assert_eq!(wiped, Wiped::default());
        assert!(other.join("letter.txt").exists());
    }
}

#[cfg(test)]
mod wipe_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::DeviceKeys;

    #[test]
    fn a_wipe_destroys_the_keys_and_the_secret_then_every_file() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let place = SecretPlace::File(tmp.path().join("device-secret"));
        let (_keys, _key) = DeviceKeys::create(&data, &place, "Ana", "135790").unwrap();
        let store = data.join("waypoint.db");
        for name in [
            "waypoint.db",
            "waypoint.db-wal",
            "waypoint.db-shm",
            "other.tmp",
        ] {
            std::fs::write(data.join(name), b"ciphertext").unwrap();
        }
        std::fs::create_dir_all(data.join("cache")).unwrap();
        std::fs::write(data.join("cache").join("x"), b"x").unwrap();
        // A copy of the keys file taken before the wipe: useless once the secret is gone.
        let copied = tmp.path().join("keys-copy");
        std::fs::create_dir_all(&copied).unwrap();
        std::fs::copy(data.join(KEYS_FILE), copied.join(KEYS_FILE)).unwrap();

        let wiped = wipe_device(&data, &store, &place).unwrap();
        assert!(wiped.keys);
        assert_eq!(wiped.files, 6, "keys, store, WAL, SHM, other, cache/x");
        assert!(!data.exists(), "the data directory is gone");
        assert!(
            !tmp.path().join("device-secret").exists(),
            "the secret is gone"
        );
        let err = DeviceKeys::load(&copied, &place).unwrap_err();
        assert!(matches!(err, KeyError::NoDeviceSecret { .. }), "{err}");
        // Again: nothing left to do, no error.
        assert_eq!(
            wipe_device(&data, &store, &place).unwrap(),
            Wiped::default()
        );
    }
}
