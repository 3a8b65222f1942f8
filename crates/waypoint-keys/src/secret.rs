//! The device secret: 32 random bytes that never leave this computer and never sit in the data
//! directory. Every staff member's key-wrapping key is derived from their PIN *and* this secret,
//! so a copy of the data directory alone cannot be opened, not even with the right PIN, and the
//! PIN cannot be guessed anywhere but on this device (where five wrong PINs erase the key).

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::{KeyError, SECRET_FILE_ENV, hex};

/// File name of the device secret in the platform's configuration directory.
const SECRET_FILE_NAME: &str = "device-secret";

/// The device secret, wiped from memory when dropped.
pub(crate) struct DeviceSecret(Zeroizing<[u8; 32]>);

impl DeviceSecret {
    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    fn generate() -> Result<Self, KeyError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(bytes.as_mut()).map_err(|_| KeyError::NoRandomness)?;
        Ok(Self(bytes))
    }

    fn from_hex(text: &str) -> Option<Self> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        hex::decode_into(text.trim(), bytes.as_mut()).then_some(Self(bytes))
    }
}

impl fmt::Debug for DeviceSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DeviceSecret(..)")
    }
}

/// Where this computer keeps its device secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretPlace {
    /// A file readable by its owner only (mode 0600), outside the data directory: on Linux,
    /// where the laptops and CI have no Secret Service, and wherever `WAYPOINT_SECRET_FILE`
    /// names one.
    File(PathBuf),
    /// The operating system's key store (macOS Keychain, Windows Credential Manager).
    #[cfg(any(target_os = "macos", target_os = "windows"))]
    KeyStore { service: String, account: String },
}

impl fmt::Display for SecretPlace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretPlace::File(path) => write!(f, "the file {}", path.display()),
            #[cfg(any(target_os = "macos", target_os = "windows"))]
            SecretPlace::KeyStore { service, .. } => {
                write!(f, "the system key store (entry {service})")
            }
        }
    }
}

impl SecretPlace {
    /// This computer's place: the file `WAYPOINT_SECRET_FILE` names; else the system key store
    /// on macOS and Windows; else `device-secret` in the platform's configuration directory
    /// (`~/.config/waypoint/` on Linux), which is not the data directory.
    pub fn for_this_device() -> Result<Self, KeyError> {
        if let Some(path) = std::env::var_os(SECRET_FILE_ENV).filter(|p| !p.is_empty()) {
            return Ok(SecretPlace::File(PathBuf::from(path)));
        }
        #[cfg(any(target_os = "macos", target_os = "windows"))]
        {
            Ok(SecretPlace::KeyStore {
                service: "org.waypoint.device-secret".to_string(),
                account: "device".to_string(),
            })
        }
        #[cfg(not(any(target_os = "macos", target_os = "windows")))]
        {
            directories::ProjectDirs::from("org", "Waypoint", "waypoint")
                .map(|d| SecretPlace::File(d.config_dir().join(SECRET_FILE_NAME)))
                .ok_or(KeyError::NoSecretPlace)
        }
    }

    /// Refuses a secret file inside the data directory: a copy of the directory would carry it.
    pub(crate) fn check_outside(&self, data_dir: &Path) -> Result<(), KeyError> {
        match self {
            SecretPlace::File(path) => {
                let file_dir = path
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                let (Ok(file_dir), Ok(data_dir)) =
                    (std::path::absolute(file_dir), std::path::absolute(data_dir))
                else {
                    return Ok(());
                };
                let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
                if canon(&file_dir).starts_with(canon(&data_dir)) {
                    return Err(KeyError::SecretInsideDataDir {
                        secret: path.clone(),
                        data_dir: data_dir.clone(),
                    });
                }
                Ok(())
            }
            #[cfg(any(target_os = "macos", target_os = "windows"))]
            SecretPlace::KeyStore { .. } => Ok(()),
        }
    }

    /// The secret, or `None` if this place holds none.
    pub(crate) fn load(&self) -> Result<Option<DeviceSecret>, KeyError> {
        match self {
            SecretPlace::File(path) => load_file(path),
            #[cfg(any(target_os = "macos", target_os = "windows"))]
            SecretPlace::KeyStore { service, account } => {
                let entry = keyring::Entry::new(service, account)
                    .map_err(|e| KeyError::KeyStore(e.to_string()))?;
                match entry.get_password() {
                    Ok(text) => {
                        let text = Zeroizing::new(text);
                        DeviceSecret::from_hex(&text)
                            .map(Some)
                            .ok_or_else(|| KeyError::DamagedSecret(self.to_string()))
                    }
                    Err(keyring::Error::NoEntry) => Ok(None),
                    Err(e) => Err(KeyError::KeyStore(e.to_string())),
                }
            }
        }
    }

    /// The secret, made and kept here first if there is none yet.
    pub(crate) fn load_or_create(&self) -> Result<DeviceSecret, KeyError> {
        if let Some(secret) = self.load()? {
            return Ok(secret);
        }
        self.keep(&DeviceSecret::generate()?)
    }

    /// Keeps `secret` here unless a secret is here already; returns the one that is here.
    pub(crate) fn keep(&self, secret: &DeviceSecret) -> Result<DeviceSecret, KeyError> {
        let text = Zeroizing::new(hex::encode(secret.bytes()));
        match self {
            SecretPlace::File(path) => create_file(path, text.as_bytes())?,
            #[cfg(any(target_os = "macos", target_os = "windows"))]
            SecretPlace::KeyStore { service, account } => {
                keyring::Entry::new(service, account)
                    .and_then(|entry| entry.set_password(&text))
                    .map_err(|e| KeyError::KeyStore(e.to_string()))?;
            }
        }
        // Read back what was kept: if another process made one at the same moment, both use
        // the one that is there.
        self.load()?
            .ok_or_else(|| KeyError::DamagedSecret(self.to_string()))
    }
}

impl SecretPlace {
    /// The place of one data directory's own secret (`id` is in its keys file): beside this
    /// computer's place, a file or a key store entry of its own, so that wiping one data
    /// directory destroys its secret and no other's.
    pub(crate) fn for_directory(&self, id: &str) -> SecretPlace {
        self.suffixed(id)
    }

    /// Where the wrong-PIN counts of the directory whose secret is here are kept: beside the
    /// secret, not in the data directory, so that putting back an old keys file does not
    /// give anyone their tries back.
    fn counts_place(&self) -> SecretPlace {
        self.suffixed("pins")
    }

    fn suffixed(&self, suffix: &str) -> SecretPlace {
        match self {
            SecretPlace::File(path) => {
                let mut name = path.file_name().unwrap_or_default().to_os_string();
                name.push(".");
                name.push(suffix);
                SecretPlace::File(path.with_file_name(name))
            }
            #[cfg(any(target_os = "macos", target_os = "windows"))]
            SecretPlace::KeyStore { service, account } => SecretPlace::KeyStore {
                service: service.clone(),
                account: format!("{account}.{suffix}"),
            },
        }
    }

    /// The wrong-PIN counts kept beside this secret, by staff id (none: empty).
    pub(crate) fn wrong_pins(&self) -> Result<BTreeMap<String, u32>, KeyError> {
        let place = self.counts_place();
        let text = match &place {
            SecretPlace::File(path) => match std::fs::read_to_string(path) {
                Ok(text) => text,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
                Err(source) => {
                    return Err(KeyError::SecretFile {
                        path: path.clone(),
                        source,
                    });
                }
            },
            #[cfg(any(target_os = "macos", target_os = "windows"))]
            SecretPlace::KeyStore { service, account } => {
                let entry = keyring::Entry::new(service, account)
                    .map_err(|e| KeyError::KeyStore(e.to_string()))?;
                match entry.get_password() {
                    Ok(text) => text,
                    Err(keyring::Error::NoEntry) => String::new(),
                    Err(e) => return Err(KeyError::KeyStore(e.to_string())),
                }
            }
        };
        // One "<staff id> <count>" per line; a line that does not read is a damaged count,
        // taken as the most wrong PINs (the safe reading).
        Ok(text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|line| {
                let mut words = line.split_whitespace();
                let id = words.next().unwrap_or_default().to_string();
                let n = words
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(crate::MAX_WRONG_PINS);
                (id, n)
            })
            .collect())
    }

    /// Saves the wrong-PIN counts beside this secret (whole or not at all).
    pub(crate) fn set_wrong_pins(&self, counts: &BTreeMap<String, u32>) -> Result<(), KeyError> {
        let text: String = counts
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(id, n)| format!("{id} {n}\n"))
            .collect();
        match self.counts_place() {
            SecretPlace::File(path) => replace_file(&path, text.as_bytes()),
            #[cfg(any(target_os = "macos", target_os = "windows"))]
            SecretPlace::KeyStore { service, account } => keyring::Entry::new(&service, &account)
                .and_then(|entry| entry.set_password(&text))
                .map_err(|e| KeyError::KeyStore(e.to_string())),
        }
    }

    /// Destroys the secret kept here (a wipe), and the wrong-PIN counts beside it: the file is
    /// overwritten, flushed and removed; the key store's entry is deleted. A place holding none
    /// is not an error.
    pub(crate) fn destroy(&self) -> Result<(), KeyError> {
        let counts = self.counts_place().destroy_one();
        self.destroy_one().and(counts)
    }

    fn destroy_one(&self) -> Result<(), KeyError> {
        match self {
            SecretPlace::File(path) => {
                crate::shred::shred_file(path).map_err(|source| KeyError::SecretFile {
                    path: path.clone(),
                    source,
                })
            }
            #[cfg(any(target_os = "macos", target_os = "windows"))]
            SecretPlace::KeyStore { service, account } => {
                let entry = keyring::Entry::new(service, account)
                    .map_err(|e| KeyError::KeyStore(e.to_string()))?;
                match entry.delete_credential() {
                    Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                    Err(e) => Err(KeyError::KeyStore(e.to_string())),
                }
            }
        }
    }
}

fn load_file(path: &Path) -> Result<Option<DeviceSecret>, KeyError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => Zeroizing::new(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(KeyError::SecretFile {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|source| KeyError::SecretFile {
                path: path.to_path_buf(),
                source,
            })?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(KeyError::SecretReadableByOthers {
                path: path.to_path_buf(),
            });
        }
    }
    DeviceSecret::from_hex(&text)
        .map(Some)
        .ok_or_else(|| KeyError::DamagedSecret(format!("the file {}", path.display())))
}

/// Writes a new secret file, owner-only from its first byte; never replaces one. The file
/// appears whole or not at all (written aside, then linked into place), so a process starting
/// at the same moment never reads half a secret.
fn create_file(path: &Path, contents: &[u8]) -> Result<(), KeyError> {
    let err = |source| KeyError::SecretFile {
        path: path.to_path_buf(),
        source,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(err)?;
    let mut suffix = [0u8; 8];
    getrandom::fill(&mut suffix).map_err(|_| KeyError::NoRandomness)?;
    let aside = dir.join(format!(".{SECRET_FILE_NAME}.{}.new", hex::encode(&suffix)));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options.open(&aside).and_then(|mut file| {
        file.write_all(contents)?;
        file.sync_all()
    });
    let linked = written.and_then(|()| match std::fs::hard_link(&aside, path) {
        // Another process made it first: theirs is kept.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        other => other,
    });
    let _ = std::fs::remove_file(&aside);
    linked.map_err(err)
}

/// Replaces a small owner-only file whole: written aside, flushed, renamed over it.
fn replace_file(path: &Path, contents: &[u8]) -> Result<(), KeyError> {
    let err = |source| KeyError::SecretFile {
        path: path.to_path_buf(),
        source,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut suffix = [0u8; 8];
    getrandom::fill(&mut suffix).map_err(|_| KeyError::NoRandomness)?;
    let aside = dir.join(format!(".{SECRET_FILE_NAME}.{}.new", hex::encode(&suffix)));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options.open(&aside).and_then(|mut file| {
        file.write_all(contents)?;
        file.sync_all()
    });
    let placed = written.and_then(|()| std::fs::rename(&aside, path));
    let _ = std::fs::remove_file(&aside);
    placed.map_err(err)?;
    if let Ok(dir) = std::fs::File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}
