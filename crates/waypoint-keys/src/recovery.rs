//! Online sign-in on an enrolled device: the server's address, the device's sign-in credential
//! and the store key sealed under the device secret and the server's recovery secret.

use std::fmt;

use chacha20poly1305::aead::Aead;
use chacha20poly1305::{ChaCha20Poly1305, KeyInit, Nonce};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::device_keys::DeviceKeys;
use crate::error::KeyError;
use crate::hex;
use crate::keys_file::RecoverySlot;
use crate::store_key::StoreKey;

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

impl DeviceKeys {
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
        let (nonce, sealed) = seal(&kek, key.bytes(), b"waypoint recovery v1")?;
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
