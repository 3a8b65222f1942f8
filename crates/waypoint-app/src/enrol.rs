//! Enrolling this device with the HQ server (the network calls are `waypoint-sync`'s): once,
//! with HQ's one-time code; again only by a supervisor, after everything reached the server
//! the device leaves. An enrolment also keeps what a later online sign-in needs in the keys
//! file: the server's address, the sign-in credential, and the store key under the recovery
//! secret, which is not kept.

use waypoint_domain::Role;
use waypoint_store::Store;
use waypoint_sync::{EnrolResponse, Progress, SyncError};

use crate::AppError;
use crate::open::HeldKeys;

/// Who this device now is for HQ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolled {
    pub device_name: String,
    /// The sites whose cases this device receives.
    pub sites: Vec<String>,
}

/// An enrolment that replaced another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReEnrolled {
    /// The server the device left.
    pub left: String,
    /// The changes the last sync with it delivered.
    pub sent: u64,
    pub enrolled: Enrolled,
}

/// Enrols a device that is not enrolled yet. An enrolled device refuses, and the refusal is
/// audited: its outbox, and from then on everything, would go to the other server.
pub fn enrol(
    store: &mut Store,
    keys: &mut HeldKeys,
    server: &str,
    code: &str,
) -> Result<Enrolled, AppError> {
    let enrolled = waypoint_sync::enrol(store, server, code)?;
    enrolled_now(store, keys, enrolled)
}

/// Enrols an enrolled device again, for a supervisor only: first a sync sends every pending
/// change and the audit log to the server it leaves, refusing if anything stays behind.
pub fn re_enrol(
    store: &mut Store,
    keys: &mut HeldKeys,
    role: Role,
    server: &str,
    code: &str,
    progress: &mut dyn FnMut(Progress),
) -> Result<ReEnrolled, AppError> {
    if role != Role::Supervisor {
        return Err(SyncError::NotSupervisor(role.code().to_string()).into());
    }
    let left = store.sync_state()?.server_url.unwrap_or_default();
    let (enrolled, report) = waypoint_sync::re_enrol(store, role, server, code, progress)?;
    Ok(ReEnrolled {
        left,
        sent: report.accepted,
        enrolled: enrolled_now(store, keys, enrolled)?,
    })
}

/// Keeps the online sign-in's credential and the recovery slot, when the server gave them.
fn enrolled_now(
    store: &Store,
    keys: &mut HeldKeys,
    enrolled: EnrolResponse,
) -> Result<Enrolled, AppError> {
    let base = store
        .sync_state()?
        .server_url
        .ok_or_else(|| AppError::invalid("the enrolment was not saved"))?;
    if let (Some(token), Some(secret)) = (&enrolled.sign_in_token, &enrolled.recovery_secret) {
        keys.keys.set_recovery(&keys.key, &base, token, secret)?;
    }
    Ok(Enrolled {
        device_name: enrolled.device_name,
        sites: enrolled.sites,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::open::tests::Device;
    use crate::testing;

    #[test]
    fn only_a_supervisor_enrols_a_device_again_and_the_others_send_nothing() {
        let device = Device::new(testing::OFFICER);
        let mut opened = device.work(testing::OFFICER);
        opened
            .store
            .set_enrolment("https://hq.example.org", "d-1", "laptop-1", "token")
            .unwrap();
        for role in Role::ALL.iter().copied().filter(|r| *r != Role::Supervisor) {
            let mut sent = 0;
            let e = re_enrol(
                &mut opened.store,
                &mut opened.keys,
                role,
                "https://other.example.org",
                "CODE",
                &mut |_| sent += 1,
            )
            .unwrap_err();
            assert!(
                matches!(e, AppError::Sync(SyncError::NotSupervisor(_))),
                "{role}: {e:?}"
            );
            assert_eq!(sent, 0, "{role} started a sync");
        }
        let state = opened.store.sync_state().unwrap();
        assert_eq!(
            state.server_url.as_deref(),
            Some("https://hq.example.org"),
            "the enrolment is unchanged"
        );
    }

    #[test]
    fn an_enrolled_device_is_not_enrolled_a_second_time() {
        let device = Device::new(testing::OFFICER);
        let mut opened = device.work(testing::OFFICER);
        opened
            .store
            .set_enrolment("https://hq.example.org", "d-1", "laptop-1", "token")
            .unwrap();
        let e = enrol(
            &mut opened.store,
            &mut opened.keys,
            "https://other.example.org",
            "CODE",
        )
        .unwrap_err();
        assert!(
            matches!(e, AppError::Sync(SyncError::AlreadyEnrolled { .. })),
            "{e:?}"
        );
    }
}
