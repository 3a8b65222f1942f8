//! The store's 256-bit key itself: made at random, wiped when dropped, never shown.

use std::fmt;

use zeroize::Zeroizing;

use crate::error::KeyError;
use crate::hex;

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

    /// The raw key (to seal it; never to show).
    pub(crate) fn bytes(&self) -> &[u8] {
        self.0.as_ref()
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
