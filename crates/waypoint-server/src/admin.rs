//! What the `waypoint-server admin …` commands do (the binary only parses and prints).

use uuid::Uuid;
use waypoint_domain::Field;

use crate::store::{NewDevice, ServerStore};
use crate::{ServerError, auth};

/// How long an enrolment code stays valid.
pub const ENROLMENT_VALIDITY_MS: u64 = 24 * 3_600_000;

/// A device waiting for its laptop: the code is shown once and never stored.
#[derive(Debug, Clone)]
pub struct Enrolment {
    pub device_id: Uuid,
    pub name: String,
    pub site: String,
    pub code: String,
    pub expires_ms: u64,
}

/// A site code in the canonical form cases carry in their `site` field.
pub fn canonical_site(code: &str, now_ms: u64) -> Result<String, ServerError> {
    let today = i64::try_from(now_ms)
        .ok()
        .and_then(chrono::DateTime::from_timestamp_millis)
        .map(|t| t.date_naive())
        .unwrap_or_default();
    match Field::Site.normalize(code, today) {
        Ok(Some(code)) => Ok(code),
        Ok(None) => Err(ServerError::Invalid("a site needs a code".into())),
        Err(e) => Err(ServerError::Invalid(format!(
            "'{code}' is not a valid site code: {e}"
        ))),
    }
}

/// Adds a site; returns its canonical code.
pub async fn add_site(
    store: &dyn ServerStore,
    code: &str,
    name: &str,
    now_ms: u64,
) -> Result<String, ServerError> {
    let code = canonical_site(code, now_ms)?;
    let name = name.trim();
    if name.is_empty() {
        return Err(ServerError::Invalid("a site needs a name".into()));
    }
    store.add_site(&code, name, now_ms).await?;
    Ok(code)
}

/// Registers a device of `site` named `name` and makes its one-time enrolment code.
pub async fn enrol_device(
    store: &dyn ServerStore,
    site: &str,
    name: &str,
    now_ms: u64,
) -> Result<Enrolment, ServerError> {
    let site = canonical_site(site, now_ms)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(ServerError::Invalid(
            "a device name is 1 to 64 printable characters, e.g. amman-laptop-3".into(),
        ));
    }
    let code = auth::new_enrolment_code()?;
    let device = NewDevice {
        id: Uuid::now_v7(),
        name: name.to_string(),
        site: site.clone(),
        code_hash: auth::hash_secret(&auth::normalize_code(&code)),
        expires_ms: now_ms + ENROLMENT_VALIDITY_MS,
        now_ms,
    };
    let (device_id, expires_ms) = (device.id, device.expires_ms);
    store.add_device(device).await?;
    Ok(Enrolment {
        device_id,
        name: name.to_string(),
        site,
        code,
        expires_ms,
    })
}
