//! Enrolment: a one-time code exchanged for this device's credential, once. A device that is
//! enrolled refuses to be enrolled again (its outbox, and from then on everything, would go
//! to the other server, its lease would start again and HQ's revocation would never reach it),
//! except by a supervisor's audited [`re_enrol`], which first sends everything to the server it
//! leaves.

use reqwest::Method;
use waypoint_domain::Role;
use waypoint_protocol as wire;
use waypoint_store::Store;

use crate::error::SyncError;
use crate::http::{Body, Server, check_url};
use crate::report::{Progress, SyncReport};

/// Exchanges a one-time enrolment code for this device's credential and keeps it in the store.
/// An enrolled device refuses ([`SyncError::AlreadyEnrolled`], and the refusal is audited),
/// before anything is sent to `server`.
pub fn enrol(
    store: &mut Store,
    server: &str,
    code: &str,
) -> Result<wire::EnrolResponse, SyncError> {
    if let Some(current) = enrolled_with(store)? {
        store.record_enrolment(&format!("refused: already enrolled with {current}"))?;
        return Err(SyncError::AlreadyEnrolled { server: current });
    }
    exchange(store, server, code)
}

/// Enrols an enrolled device with another server (or again with its own), for a supervisor
/// (`role`): first a sync with the server it leaves, which must end with nothing pending and
/// the whole audit log held there (otherwise [`SyncError::NotDrained`], and nothing changes);
/// then an audit entry naming both servers; then the enrolment. Returns the enrolment and the
/// report of that last sync.
pub fn re_enrol(
    store: &mut Store,
    role: Role,
    server: &str,
    code: &str,
    progress: &mut dyn FnMut(Progress),
) -> Result<(wire::EnrolResponse, SyncReport), SyncError> {
    if role != Role::Supervisor {
        return Err(SyncError::NotSupervisor(role.code().to_string()));
    }
    let Some(current) = enrolled_with(store)? else {
        return Err(SyncError::NotEnrolled);
    };
    check_url(server)?;
    let report = crate::rounds::sync(store, progress).map_err(|e| match e {
        e @ SyncError::Revoked { .. } => e,
        e => SyncError::NotDrained(format!("the sync with {current} failed: {e}")),
    })?;
    if report.retired {
        return Err(SyncError::NotDrained(format!(
            "HQ retired this device at {current}: it erases itself at its next `waypoint sync`"
        )));
    }
    if report.pending > 0 {
        return Err(SyncError::NotDrained(format!(
            "{} change(s) could not be sent to {current}",
            report.pending
        )));
    }
    if let Some(reason) = &report.audit_refused {
        // A new device id would start a fresh chain at HQ: a log HQ refused must be seen first.
        return Err(SyncError::NotDrained(format!(
            "{current} refused this device's audit log ({reason}); HQ must look at this laptop"
        )));
    }
    let (head, _) = store.audit_head()?;
    if store.audit_pushed()? < head {
        return Err(SyncError::NotDrained(format!(
            "{current} does not hold this device's whole audit log yet"
        )));
    }
    store.record_enrolment(&format!(
        "replaced: enrolled with {current}, enrolling with {}",
        server.trim().trim_end_matches('/')
    ))?;
    let enrolled = exchange(store, server, code)?;
    Ok((enrolled, report))
}

/// The server this device is enrolled with, if it is.
fn enrolled_with(store: &Store) -> Result<Option<String>, SyncError> {
    let state = store.sync_state()?;
    Ok(state
        .token
        .is_some()
        .then(|| state.server_url.unwrap_or_default()))
}

/// The enrolment itself: the code for the credential, kept in the store.
fn exchange(store: &mut Store, server: &str, code: &str) -> Result<wire::EnrolResponse, SyncError> {
    let server = Server::new(server, None)?;
    let request = Body::json(&wire::EnrolRequest {
        code: code.to_string(),
    })?;
    let enrolled: wire::EnrolResponse = server
        .request(Method::POST, wire::paths::ENROL, request, &[])?
        .json("the enrolment answer")?;
    let base_text = server.address();
    store.set_enrolment(
        &base_text,
        &enrolled.device_id.to_string(),
        &enrolled.device_name,
        &enrolled.token,
    )?;
    Ok(enrolled)
}
