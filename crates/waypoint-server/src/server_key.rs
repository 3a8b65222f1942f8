//! The server key: wraps each device's recovery secret before it is stored, so that a copy of
//! the database alone (a backup, a dump) does not hold what opens a laptop's recovery slot.
//!
//! The key is 32 random bytes kept as 64 hex digits in a file outside the database, readable by
//! its owner only (`serve --secret-key-file`, or `WAYPOINT_SERVER_KEY_FILE`). A wrapped secret is
//! `wk1:` + hex(nonce ‖ ChaCha20-Poly1305 ciphertext and tag).

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{ChaCha20Poly1305, KeyInit, Nonce};
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::{ServerError, ServerStore};

/// Says what a sealed value is, so that nothing else sealed under this key passes for it.
const AAD: &[u8] = b"waypoint-server recovery secret";

/// The environment variable that names the server key file (as `--secret-key-file`).
pub const SERVER_KEY_FILE_ENV: &str = "WAYPOINT_SERVER_KEY_FILE";

/// What a wrapped recovery secret starts with; a stored value without it is one in clear,
/// written before the server wrapped them (migrated at start, see [`crate::wrap_stored_secrets`]).
pub const WRAPPED_PREFIX: &str = "wk1:";

/// Why the server key could not be used, for a person.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error(
        "the server key file {0} can be read by other users: make it readable by its owner only \
         (chmod 600), and consider the key exposed"
    )]
    Exposed(String),
    #[error("the server key file {0} is not 64 hex digits: is it the right file?")]
    Malformed(String),
    #[error("the server key file {path} could not be used: {error}")]
    Io { path: String, error: std::io::Error },
    #[error("the system could not supply random numbers for the server key")]
    Random,
}

/// The key that wraps recovery secrets at rest.
#[derive(Clone)]
pub struct ServerKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerKey(…)")
    }
}

/// A recovery secret that did not open: wrong key, or a changed row.
#[derive(Debug, thiserror::Error)]
#[error(
    "a stored recovery secret does not open with this server key: the key file is not the one \
     this database was served with, or the row was changed"
)]
pub struct UnwrapError;

impl ServerKey {
    /// A new random key (in memory; tests and in-process servers).
    pub fn generate() -> Result<ServerKey, KeyFileError> {
        let mut key = Zeroizing::new([0u8; 32]);
        getrandom::fill(key.as_mut()).map_err(|_| KeyFileError::Random)?;
        Ok(ServerKey(key))
    }

    /// Reads the key file at `path`, refusing one that other users can read. When the file
    /// does not exist and `may_create` is true, makes a new key there (mode 0600) and says so
    /// with `true`.
    pub fn load_or_create(
        path: &Path,
        may_create: bool,
    ) -> Result<(ServerKey, bool), KeyFileError> {
        let shown = path.display().to_string();
        let io = |error| KeyFileError::Io {
            path: shown.clone(),
            error,
        };
        match std::fs::metadata(path) {
            Ok(meta) => {
                if meta.permissions().mode() & 0o077 != 0 {
                    return Err(KeyFileError::Exposed(shown));
                }
                let text = Zeroizing::new(std::fs::read_to_string(path).map_err(io)?);
                let key = decode_key(text.trim()).ok_or(KeyFileError::Malformed(shown))?;
                Ok((ServerKey(key), false))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && may_create => {
                let key = ServerKey::generate()?;
                let mut file = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(path)
                    .map_err(io)?;
                let hex = Zeroizing::new(hex(key.0.as_ref()));
                file.write_all(hex.as_bytes()).map_err(io)?;
                file.write_all(b"\n").map_err(io)?;
                file.sync_all().map_err(io)?;
                Ok((key, true))
            }
            Err(e) => Err(io(e)),
        }
    }

    /// Wraps `secret` (a device's recovery secret).
    pub fn wrap(&self, secret: &str) -> Result<String, KeyFileError> {
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).map_err(|_| KeyFileError::Random)?;
        let sealed = ChaCha20Poly1305::new(&(*self.0).into())
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: secret.as_bytes(),
                    aad: AAD,
                },
            )
            // Only fails for messages of gigabytes; a secret is 64 characters.
            .map_err(|_| KeyFileError::Random)?;
        let mut out = String::from(WRAPPED_PREFIX);
        out.push_str(&hex(&nonce));
        out.push_str(&hex(&sealed));
        Ok(out)
    }

    /// Opens what [`ServerKey::wrap`] made.
    pub fn unwrap(&self, wrapped: &str) -> Result<Zeroizing<String>, UnwrapError> {
        let bytes = wrapped
            .strip_prefix(WRAPPED_PREFIX)
            .and_then(unhex)
            .ok_or(UnwrapError)?;
        if bytes.len() < 12 {
            return Err(UnwrapError);
        }
        let (nonce, sealed) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| UnwrapError)?;
        let plain = ChaCha20Poly1305::new(&(*self.0).into())
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: sealed,
                    aad: AAD,
                },
            )
            .map_err(|_| UnwrapError)?;
        String::from_utf8(plain)
            .map(Zeroizing::new)
            .map_err(|_| UnwrapError)
    }
}

/// Opens the server key of the database behind `store` from the file at `path`, and wraps
/// every recovery secret an older server stored in clear. The file is made when it does not
/// exist and the database holds no wrapped secret yet (a first start); when it holds some, a
/// missing file or another key is refused rather than leaving devices without their recovery.
pub async fn open_for(store: &dyn ServerStore, path: &Path) -> Result<ServerKey, ServerError> {
    let stored = store.recovery_secrets().await?;
    let wrapped = stored.iter().find(|(_, s)| is_wrapped(s));
    let (key, created) =
        ServerKey::load_or_create(path, wrapped.is_none()).map_err(|e| match e {
            KeyFileError::Io { error, .. } if error.kind() == std::io::ErrorKind::NotFound => {
                ServerError::Invalid(format!(
                    "the server key file {} does not exist, but this database holds recovery \
                     secrets wrapped by a server key: give the file they were wrapped with",
                    path.display()
                ))
            }
            other => other.into(),
        })?;
    if created {
        tracing::info!("made a new server key file (keep it apart from database backups)");
    }
    if let Some((_, w)) = wrapped {
        key.unwrap(w)?;
    }
    let clear: Vec<(Uuid, String, String)> = stored
        .into_iter()
        .filter(|(_, s)| !is_wrapped(s))
        .map(|(id, s)| key.wrap(&s).map(|w| (id, s, w)))
        .collect::<Result<_, _>>()?;
    if !clear.is_empty() {
        let n = clear.len();
        store.replace_recovery_secrets(clear).await?;
        tracing::info!("wrapped {n} recovery secret(s) stored in clear by an older server");
    }
    Ok(key)
}

/// Whether a stored recovery secret is wrapped (rather than kept in clear by an older server).
pub fn is_wrapped(stored: &str) -> bool {
    stored.starts_with(WRAPPED_PREFIX)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

fn decode_key(text: &str) -> Option<Zeroizing<[u8; 32]>> {
    let bytes = Zeroizing::new(unhex(text)?);
    let mut key = Zeroizing::new([0u8; 32]);
    if bytes.len() != 32 {
        return None;
    }
    key.copy_from_slice(&bytes);
    Some(key)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_wrapped_secret_opens_only_with_its_key() {
        let key = ServerKey::generate().unwrap();
        let wrapped = key.wrap("ab12").unwrap();
        assert!(is_wrapped(&wrapped));
        assert!(!wrapped.contains("ab12"));
        assert_ne!(
            key.wrap("ab12").unwrap(),
            wrapped,
            "a fresh nonce each time"
        );
        assert_eq!(key.unwrap(&wrapped).unwrap().as_str(), "ab12");
        assert!(ServerKey::generate().unwrap().unwrap(&wrapped).is_err());
        assert!(key.unwrap("ab12").is_err());
    }

    #[test]
    fn the_key_file_is_made_private_and_refused_when_others_can_read_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.key");
        assert!(ServerKey::load_or_create(&path, false).is_err());
        let (made, created) = ServerKey::load_or_create(&path, true).unwrap();
        assert!(created);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let (read, created) = ServerKey::load_or_create(&path, true).unwrap();
        assert!(!created);
        let wrapped = made.wrap("secret").unwrap();
        assert_eq!(read.unwrap(&wrapped).unwrap().as_str(), "secret");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            ServerKey::load_or_create(&path, true),
            Err(KeyFileError::Exposed(_))
        ));
    }
}
