//! A staff member's PIN turned into a key: Argon2id of the PIN with the device secret, which
//! seals the store key with ChaCha20-Poly1305 (one wrapped key per staff member).

use std::path::Path;

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::Aead;
use chacha20poly1305::{ChaCha20Poly1305, KeyInit, Nonce};
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

use crate::MIN_PIN_CHARS;
use crate::error::KeyError;
use crate::hex;
use crate::keys_file::WrappedKey;
use crate::secret::DeviceSecret;
use crate::store_key::StoreKey;

/// Argon2id cost: 64 MiB of memory, 3 passes, one lane (the floor).
const ARGON2_M_KIB: u32 = 64 * 1024;
const ARGON2_T: u32 = 3;
const ARGON2_P: u32 = 1;
/// A keys file asking for more than this (1 GiB) is refused rather than obeyed.
const ARGON2_MAX_M_KIB: u32 = 1024 * 1024;
/// Nor more passes than this: billions would hang the sign-in instead of failing it.
const ARGON2_MAX_T: u32 = 64;

/// The store key wrapped with `pin` for the staff member whose keyed id is `id`.
pub(crate) fn wrap(
    secret: &DeviceSecret,
    key: &StoreKey,
    id: String,
    pin: &str,
) -> Result<WrappedKey, KeyError> {
    let mut salt = [0u8; 16];
    let mut nonce = [0u8; 12];
    getrandom::fill(&mut salt).map_err(|_| KeyError::NoRandomness)?;
    getrandom::fill(&mut nonce).map_err(|_| KeyError::NoRandomness)?;
    let kek = derive(secret, pin, &salt, ARGON2_M_KIB, ARGON2_T, ARGON2_P)?;
    let sealed = ChaCha20Poly1305::new(&(*kek).into())
        .encrypt(
            &Nonce::from(nonce),
            chacha20poly1305::aead::Payload {
                msg: key.bytes(),
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

/// `Some(key)` if `pin` opens `entry`, `None` if it does not; `path` names the keys file in
/// the error when the entry is damaged.
pub(crate) fn unwrap(
    secret: &DeviceSecret,
    entry: &WrappedKey,
    pin: &str,
    path: &Path,
) -> Result<Option<StoreKey>, KeyError> {
    let damaged = |reason: &str| KeyError::DamagedKeys {
        path: path.to_path_buf(),
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
    let kek = derive(
        secret,
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
    secret: &DeviceSecret,
    pin: &str,
    salt: &[u8],
    m_kib: u32,
    t: u32,
    p: u32,
) -> Result<Zeroizing<[u8; 32]>, KeyError> {
    let params =
        Params::new(m_kib, t, p, Some(32)).map_err(|e| KeyError::Derivation(e.to_string()))?;
    let argon =
        Argon2::new_with_secret(secret.bytes(), Algorithm::Argon2id, Version::V0x13, params)
            .map_err(|e| KeyError::Derivation(e.to_string()))?;
    let pin: Zeroizing<String> = Zeroizing::new(pin.nfc().collect());
    let mut out = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(pin.as_bytes(), salt, out.as_mut())
        .map_err(|e| KeyError::Derivation(e.to_string()))?;
    Ok(out)
}

fn aad(id: &str) -> Vec<u8> {
    let mut aad = b"waypoint store key v1\0".to_vec();
    aad.extend_from_slice(id.as_bytes());
    aad
}

pub(crate) fn check_pin(pin: &str) -> Result<(), KeyError> {
    if pin.chars().count() < MIN_PIN_CHARS {
        return Err(KeyError::PinTooShort);
    }
    Ok(())
}

/// A staff name as compared: trimmed, NFC, lower case.
pub(crate) fn staff_name(staff: &str) -> Result<String, KeyError> {
    let name: String = staff.trim().nfc().collect::<String>().to_lowercase();
    if name.is_empty() {
        return Err(KeyError::EmptyStaffName);
    }
    Ok(name)
}
