//! "Sync now": one sync with the enrolled server, run by the application layer
//! ([`Session::sync_now`]) on a second connection to the store, so that the window's other
//! commands never wait for the network.

use waypoint_app::session::Session;

use crate::dto::SyncOutcome;
use crate::error::CommandError;

/// Pushes this device's changes and pulls the server's, once.
pub fn sync_now(state: &Session) -> Result<SyncOutcome, CommandError> {
    let done = state.sync_now()?;
    if let Err(e) = &done.search_index {
        eprintln!("waypoint-desktop: search index after the sync: {e}");
    }
    let report = done.report;
    Ok(SyncOutcome {
        sent: report.sent,
        accepted: report.accepted,
        refused: report.refused.len() as u64,
        refused_kept: done.unsent.refused,
        retired: report.retired,
        received: report.received_fields + report.received_events + report.removed_cases,
        open_conflicts: report.open_conflicts,
        pending: done.unsent.pending,
        audit_refused: report.audit_refused,
    })
}

#[cfg(test)]
#[path = "sync_retired_tests.rs"]
mod retired_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::{search, status, testing};
    use waypoint_app::AppError;

    #[test]
    fn a_device_that_is_not_enrolled_is_told_so_and_nothing_changes() {
        let (_dir, state) = testing::state();
        let before = status::status(&state).unwrap();
        let e = sync_now(&state).unwrap_err();
        assert!(e.message().contains("not enrolled"), "{}", e.message());
        let after = status::status(&state).unwrap();
        assert_eq!(after.pending_changes, before.pending_changes);
        assert_eq!(after.last_sync, None);
    }

    /// Enrolled with a server that is not there (a closed port on this computer): the sync
    /// fails with the library's readable message, nothing is lost, and the window's search
    /// still works (its index rebuilt off the store).
    #[test]
    fn an_unreachable_server_loses_nothing_and_search_goes_on() {
        let (_dir, state) = testing::state();
        let port = closed_port();
        enrol_at(&state, port);
        let before = status::status(&state).unwrap();
        assert!(before.sync_configured);
        let e = sync_now(&state).unwrap_err();
        assert!(
            e.message().contains("could not be reached"),
            "{}",
            e.message()
        );
        let after = status::status(&state).unwrap();
        assert_eq!(after.pending_changes, before.pending_changes);
        assert_eq!(after.last_sync, None);
        assert!(state.store().unwrap().search_ready());
        let hits = search::search(&state, "habimna", 10).unwrap();
        assert_eq!(hits[0].family_name, "HABIMANA");
    }

    /// Enrolled long ago and never synced since: past the site's lease (14 days by default)
    /// the window does nothing but show the status and try a sync; the changes are kept.
    #[test]
    fn past_the_offline_lease_only_status_and_sync_work() {
        let (dir, state) = testing::state();
        let port = closed_port();
        enrol_at(&state, port);
        assert!(!state.standing().lease_over);
        state.lock(crate::dto::LockReason::Manual);
        drop(state);
        let store =
            waypoint_store::Store::open(dir.path(), &waypoint_store::StoreKey::from_bytes([7; 32]))
                .unwrap();
        let later = chrono::Utc::now() + chrono::Duration::days(15);
        let state = Session::locked(dir.path().to_path_buf(), None, None).with_clock(move || later);
        state.open_with(store, "A. Officer").unwrap();
        assert!(state.standing().lease_over);
        let e = search::search(&state, "habimana", 10).unwrap_err();
        assert_eq!(
            e.failure_kind(),
            crate::error::FailureKind::LeaseOver,
            "{}",
            e.message()
        );
        assert!(
            e.message().contains("locked until it syncs"),
            "{}",
            e.message()
        );
        // 5 cases, 10 individuals and their 10 exit-permit steps.
        assert_eq!(status::status(&state).unwrap().pending_changes, 25);
        // The sync is tried (no server there): refused readably, nothing lost, still locked.
        let e = sync_now(&state).unwrap_err();
        assert!(
            e.message().contains("could not be reached"),
            "{}",
            e.message()
        );
        assert!(state.standing().lease_over);
        // 5 cases, 10 individuals and their 10 exit-permit steps.
        assert_eq!(status::status(&state).unwrap().pending_changes, 25);
    }

    /// HQ revoked this laptop as lost: the server's 401 says so, and "Sync now" erases the
    /// device (keys first, then the files) and leaves the app locked, saying why.
    #[test]
    fn a_laptop_revoked_as_lost_wipes_itself_at_its_next_sync() {
        use std::io::{Read, Write};
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let place = waypoint_keys::SecretPlace::File(dir.path().join("device.secret"));
        let state = Session::locked(data.clone(), None, Some(place)).with_clock(testing::now);
        let outcome = state.sign_in("A. Officer", "246813").unwrap();
        assert!(
            matches!(outcome, waypoint_app::session::SignInOutcome::SignedIn),
            "{outcome:?}"
        );
        // A server that answers every request as HQ answers a device revoked as lost.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut buf = [0u8; 65536];
            let _ = conn.read(&mut buf);
            let body =
                r#"{"error":"this device was revoked: it was reported lost","revoked":"lost"}"#;
            let answer = format!(
                "HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            conn.write_all(answer.as_bytes()).unwrap();
        });
        enrol_at(&state, port);
        assert!(data.join(waypoint_keys::KEYS_FILE).exists());
        // The data directory's own secret sits beside the secret place, named after it.
        let secrets = || {
            std::fs::read_dir(dir.path())
                .unwrap()
                .filter(|e| {
                    let name = e.as_ref().unwrap().file_name();
                    name.to_string_lossy().starts_with("device.secret")
                })
                .count()
        };
        assert!(
            secrets() > 0,
            "the directory's secret is there before the wipe"
        );
        let e = sync_now(&state).unwrap_err();
        server.join().unwrap();
        assert_eq!(
            e.failure_kind(),
            crate::error::FailureKind::Locked,
            "{}",
            e.message()
        );
        assert!(e.message().contains("erased"), "{}", e.message());
        let info = state.standing();
        assert!(info.signed_in.is_none(), "locked");
        assert_eq!(info.lock_reason, Some(crate::dto::LockReason::Revoked));
        assert!(
            !data.join(waypoint_keys::KEYS_FILE).exists(),
            "the keys are gone"
        );
        assert_eq!(secrets(), 0, "the device secret is gone");
        assert!(!data.exists(), "the data directory is gone");
        // Signing in again cannot bring the data back: there is none.
        assert!(matches!(state.store().unwrap_err(), AppError::Locked));
    }

    /// Enrols the store of `state` with a server at 127.0.0.1:`port` (there or not).
    pub(super) fn enrol_at(state: &Session, port: u16) {
        state
            .store()
            .unwrap()
            .set_enrolment(
                &format!("http://127.0.0.1:{port}"),
                "00000000-0000-0000-0000-000000000001",
                "test laptop",
                "a-device-token",
            )
            .unwrap();
    }

    fn closed_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }
}
