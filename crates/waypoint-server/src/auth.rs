//! Secrets: device tokens and one-time enrolment codes, stored only as SHA-256 hashes; staff
//! PINs, stored only as Argon2id PHC strings; recovery secrets, made at random.

use std::sync::LazyLock;

use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use sha2::{Digest, Sha256};

use crate::ServerError;

/// Crockford's base32 alphabet: no I, L, O or U, so a code read aloud or typed is unambiguous.
const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

fn random_bytes<const N: usize>() -> Result<[u8; N], ServerError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| ServerError::Random(e.to_string()))?;
    Ok(bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new device token: 32 random bytes, as 64 hex digits.
pub fn new_token() -> Result<String, ServerError> {
    Ok(hex(&random_bytes::<32>()?))
}

/// The SHA-256 of a token or a normalized code, as hex: the only form the database keeps.
pub fn hash_secret(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// A new recovery secret: 32 random bytes, as 64 hex digits.
pub fn new_recovery_secret() -> Result<String, ServerError> {
    Ok(hex(&random_bytes::<32>()?))
}

/// The shortest PIN a staff account may have (the device asks the same).
pub const MIN_PIN_CHARS: usize = 6;

/// Argon2id cost of a staff PIN's hash: the device's own (waypoint-keys): 64 MiB of memory,
/// 3 passes, one lane. A stolen database then costs as much per guess as a stolen laptop.
pub const PIN_M_KIB: u32 = 64 * 1024;
pub const PIN_PASSES: u32 = 3;

fn pin_hasher() -> Result<Argon2<'static>, ServerError> {
    let params = Params::new(PIN_M_KIB, PIN_PASSES, 1, None)
        .map_err(|e| ServerError::Invalid(format!("the PIN hash's parameters: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// The Argon2id PHC string of a PIN ([`PIN_M_KIB`], [`PIN_PASSES`], one lane, a random
/// 16-byte salt). Slow on purpose and 64 MiB each: call it off the async threads, and only
/// a few at once (see `ServerState::pin_checks`).
pub fn hash_pin(pin: &str) -> Result<String, ServerError> {
    let salt = random_bytes::<16>()?;
    pin_hasher()?
        .hash_password_with_salt(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ServerError::Invalid(format!("the PIN could not be hashed: {e}")))
}

/// A hash no PIN matches in practice, checked when a name is unknown, so that an unknown name
/// takes as long to refuse as a wrong PIN (the time does not tell which names exist).
static DECOY: LazyLock<Option<String>> = LazyLock::new(|| hash_pin("waypoint decoy pin").ok());

/// Whether `pin` matches `phc` (an Argon2id PHC string, checked with the cost it names, so
/// hashes made with an older cost still verify); with `None`, checks the decoy and answers
/// false. Slow on purpose: call it off the async threads.
pub fn verify_pin(pin: &str, phc: Option<&str>) -> bool {
    match phc {
        Some(phc) => Argon2::default()
            .verify_password(pin.as_bytes(), phc)
            .is_ok(),
        None => {
            if let Some(decoy) = DECOY.as_deref() {
                let _ = Argon2::default().verify_password(pin.as_bytes(), decoy);
            }
            false
        }
    }
}

/// A new one-time enrolment code: 16 characters (80 random bits) in groups of four,
/// e.g. `7KQ2-M9XD-4HPT-0ZRC`.
pub fn new_enrolment_code() -> Result<String, ServerError> {
    let bytes = random_bytes::<16>()?;
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| char::from(CODE_ALPHABET[usize::from(b % 32)]))
        .collect();
    Ok(chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-"))
}

/// A code as typed, in its one canonical form: case, dashes and spaces do not matter, and the
/// letters people confuse with digits count as those digits.
pub fn normalize_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hashed_to_hex() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(hash_secret(&a).len(), 64);
        assert_ne!(hash_secret(&a), a);
        // SHA-256("abc"), the standard test vector.
        assert_eq!(
            hash_secret("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn a_pin_is_kept_as_an_argon2id_phc_string_and_verified() {
        let phc = hash_pin("918273").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=65536,t=3,p=1$"), "{phc}");
        assert!(!phc.contains("918273"));
        assert!(verify_pin("918273", Some(&phc)));
        assert!(!verify_pin("918274", Some(&phc)));
        assert!(!verify_pin("918273", None));
        assert_ne!(hash_pin("918273").unwrap(), phc, "salted");
    }

    #[test]
    fn codes_survive_the_way_people_type_them() {
        let code = new_enrolment_code().unwrap();
        assert_eq!(code.len(), 19);
        let typed = code.to_lowercase().replace('-', " ");
        assert_eq!(normalize_code(&typed), normalize_code(&code));
        assert_eq!(normalize_code("o1-il"), "0111");
        assert_ne!(new_enrolment_code().unwrap(), code);
    }
}
