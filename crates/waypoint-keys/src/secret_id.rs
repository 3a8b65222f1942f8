//! The name of a data directory's own secret in the computer's secret place: 128 random bits
//! in hex, checked when read back (it comes from a file, so it must never be a path).

use crate::error::KeyError;
use crate::hex;

/// A new name for a directory's secret: 128 random bits in hex.
pub(crate) fn new_secret_id() -> Result<String, KeyError> {
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
