//! What the `waypoint-server admin …` commands do (the binary only parses and prints).

use uuid::Uuid;
use waypoint_domain::{AirportCode, Field, Role, SitePolicy};

use crate::store::{NewDevice, NewStaff, ServerStore, Settlement};
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
    canonical(
        Field::Site,
        code,
        now_ms,
        "a site needs a code",
        "site code",
    )
}

/// `value` in the canonical form cases carry in `field` (normalized as on the day of
/// `now_ms`); `missing` is the message for an empty value, `what` names the field in others.
fn canonical(
    field: Field,
    value: &str,
    now_ms: u64,
    missing: &str,
    what: &str,
) -> Result<String, ServerError> {
    let today = i64::try_from(now_ms)
        .ok()
        .and_then(chrono::DateTime::from_timestamp_millis)
        .map(|t| t.date_naive())
        .unwrap_or_default();
    match field.normalize(value, today) {
        Ok(Some(canonical)) => Ok(canonical),
        Ok(None) => Err(ServerError::Invalid(missing.into())),
        Err(e) => Err(ServerError::Invalid(format!(
            "'{value}' is not a valid {what}: {e}"
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

/// A staff account as `admin user add` made it.
#[derive(Debug, Clone)]
pub struct AddedStaff {
    pub name: String,
    pub site: String,
    pub role: Role,
}

/// Checks a staff name: 1 to 64 printable characters (no tabs, which `user list` separates with).
fn staff_name(name: &str) -> Result<String, ServerError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(ServerError::Invalid(
            "a staff name is 1 to 64 printable characters, e.g. Amina Uwase".into(),
        ));
    }
    Ok(name.to_string())
}

/// Adds a staff account of `site` with `role` and `pin` (stored only as an Argon2id hash).
pub async fn add_staff(
    store: &dyn ServerStore,
    site: &str,
    role: &str,
    name: &str,
    pin: &str,
    now_ms: u64,
) -> Result<AddedStaff, ServerError> {
    let site = canonical_site(site, now_ms)?;
    let role = Role::parse(role).map_err(|e| ServerError::Invalid(e.to_string()))?;
    let name = staff_name(name)?;
    if pin.chars().count() < auth::MIN_PIN_CHARS {
        return Err(ServerError::Invalid(format!(
            "a PIN must have at least {} characters",
            auth::MIN_PIN_CHARS
        )));
    }
    let pin_hash = auth::hash_pin(pin)?;
    store
        .add_staff(NewStaff {
            name: name.clone(),
            site: site.clone(),
            role: role.code().to_string(),
            pin_hash,
            now_ms,
        })
        .await?;
    Ok(AddedStaff { name, site, role })
}

/// Disables a staff account: devices stop letting them sign in at their next sync.
pub async fn disable_staff(
    store: &dyn ServerStore,
    name: &str,
    now_ms: u64,
) -> Result<(), ServerError> {
    store.disable_staff(name, now_ms).await?;
    Ok(())
}

/// Sets a site's lease (days) and idle lock (minutes); returns the site's policy after.
/// Makes `site` the port of entry of the airport `iata` (docs/server.md, "Port-of-entry
/// scope"): its devices receive the travellers booked to arrive there. Returns the canonical
/// (site, airport).
pub async fn set_site_airport(
    store: &dyn ServerStore,
    site: &str,
    iata: &str,
    now_ms: u64,
) -> Result<(String, String), ServerError> {
    let site = canonical_site(site, now_ms)?;
    let airport = AirportCode::parse(iata).map_err(|_| {
        ServerError::Invalid(format!(
            "'{}' is not an IATA airport code Waypoint knows (three letters, e.g. YYZ)",
            iata.trim().chars().take(8).collect::<String>()
        ))
    })?;
    store.set_site_airport(&site, airport.as_str()).await?;
    Ok((site, airport.to_string()))
}

pub async fn set_site_policy(
    store: &dyn ServerStore,
    code: &str,
    lease_days: Option<u32>,
    idle_minutes: Option<u32>,
    now_ms: u64,
) -> Result<SitePolicy, ServerError> {
    let code = canonical_site(code, now_ms)?;
    for (what, value, most) in [
        ("lease", lease_days, 365),
        ("idle lock", idle_minutes, 24 * 60),
    ] {
        if value.is_some_and(|v| v == 0 || v > most) {
            return Err(ServerError::Invalid(format!(
                "a site's {what} is 1 to {most}"
            )));
        }
    }
    Ok(store
        .set_site_policy(&code, lease_days, idle_minutes)
        .await?)
}

/// The staff directory of a device's sites, as devices receive it (never a PIN's hash), and
/// the strictest policy of those sites.
pub async fn directory(
    store: &dyn ServerStore,
    sites: &[String],
) -> Result<waypoint_protocol::StaffDirectory, crate::ServerStoreError> {
    let staff = store
        .staff_of_sites(sites)
        .await?
        .into_iter()
        .map(|a| waypoint_protocol::StaffEntry {
            name: a.name,
            role: a.role,
            site: a.site,
            disabled: a.disabled,
        })
        .collect();
    let policy = store
        .site_policies()
        .await?
        .into_iter()
        .filter(|(code, _)| sites.contains(code))
        .map(|(_, policy)| policy)
        .reduce(SitePolicy::strictest);
    Ok(waypoint_protocol::StaffDirectory {
        staff,
        policy: policy.unwrap_or_default(),
    })
}

/// A case number in the canonical form cases carry.
fn canonical_case_no(case_no: &str, now_ms: u64) -> Result<String, ServerError> {
    canonical(
        Field::CaseNo,
        case_no,
        now_ms,
        "a case number is needed",
        "case number",
    )
}

/// The case number and site of `held give` and `held drop`, in their canonical forms.
fn held_case_and_site(
    case_no: &str,
    site: &str,
    now_ms: u64,
) -> Result<(String, String), ServerError> {
    Ok((
        canonical_case_no(case_no, now_ms)?,
        canonical_site(site, now_ms)?,
    ))
}

/// The case number now belongs to `site`: the case moves there and `site`'s held changes of
/// it are applied (docs/sync-protocol.md, "Held changes").
pub async fn give_held(
    store: &dyn ServerStore,
    case_no: &str,
    site: &str,
    now_ms: u64,
) -> Result<Settlement, ServerError> {
    let (case_no, site) = held_case_and_site(case_no, site, now_ms)?;
    Ok(store.give_held(&case_no, &site, now_ms).await?)
}

/// Discards `site`'s held changes of the case number.
pub async fn drop_held(
    store: &dyn ServerStore,
    case_no: &str,
    site: &str,
    now_ms: u64,
) -> Result<Settlement, ServerError> {
    let (case_no, site) = held_case_and_site(case_no, site, now_ms)?;
    Ok(store.drop_held(&case_no, &site, now_ms).await?)
}
