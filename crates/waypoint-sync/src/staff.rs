//! The staff directory as the server sends it: an online sign-in brings it with the person's
//! role, and a sync brings it when it changed. Saved whole; the digest says which one a device
//! holds.

use reqwest::Method;
use waypoint_domain::{Role, SitePolicy};
use waypoint_protocol as wire;
use waypoint_store::{StaffMember, StaffSource, Store};

use crate::error::SyncError;
use crate::http::{Body, Server};

/// A staff member's online sign-in on this device, with the device's sign-in credential
/// (`credential`, kept in keys.json for a device whose store is still locked): the server checks
/// the PIN, that the account is enabled and of one of the device's sites, and answers the role,
/// the device's recovery secret and the directory. A wrong PIN is
/// [`SyncError::SignInRefused`]; too many is [`SyncError::TooManyAttempts`]; no network is
/// [`SyncError::Unreachable`].
pub fn sign_in(
    server: &str,
    credential: &str,
    name: &str,
    pin: &str,
) -> Result<wire::SignInResponse, SyncError> {
    let server = Server::new(server, Some(credential))?;
    let request = Body::json(&wire::SignInRequest {
        name: name.trim().to_string(),
        pin: pin.to_string(),
    })?;
    server
        .request(Method::POST, wire::paths::SIGN_IN, request, &[])?
        .json("the sign-in answer")
}

/// The server's part of this device's staff directory and its policy, as the server would
/// send them (its digest is what the device says it holds).
pub fn held_directory(store: &Store) -> Result<wire::StaffDirectory, SyncError> {
    let staff = store
        .staff_directory()?
        .into_iter()
        .filter(|m| m.source == StaffSource::Server)
        .map(|m| wire::StaffEntry {
            name: m.name,
            role: m.role.code().to_string(),
            site: m.site.unwrap_or_default(),
            disabled: m.disabled,
        })
        .collect();
    Ok(wire::StaffDirectory {
        staff,
        policy: store.site_policy()?,
    })
}

/// Saves a directory the server sent (the device's sites' staff and policy); returns the
/// names that can no longer sign in here, whose wrapped keys the caller destroys.
pub fn apply_directory(
    store: &mut Store,
    directory: &wire::StaffDirectory,
) -> Result<Vec<String>, SyncError> {
    let members = directory
        .staff
        .iter()
        .map(|e| {
            let role = Role::parse(&e.role).map_err(|_| {
                SyncError::UnreadableAnswer(
                    "it names a staff role this version does not know".into(),
                )
            })?;
            Ok(StaffMember {
                name: e.name.clone(),
                role,
                site: Some(e.site.clone()),
                disabled: e.disabled,
                source: StaffSource::Server,
            })
        })
        .collect::<Result<Vec<_>, SyncError>>()?;
    let lost = store.replace_server_staff(&members)?;
    store.set_site_policy(SitePolicy {
        lease_days: directory.policy.lease_days.max(1),
        idle_minutes: directory.policy.idle_minutes.max(1),
    })?;
    Ok(lost)
}
