//! "Sync now": one sync with the enrolled server through the `waypoint-sync` library, on a
//! second connection to the store, so that the window's other commands (search above all) never
//! wait for the network. Afterwards the search index is rebuilt from what the sync wrote.

use crate::dto::SyncOutcome;
use crate::error::CommandError;
use crate::state::AppState;

/// Why "Sync now" cannot run on a device that is not enrolled (the UI says it in the user's
/// language; this is for any other caller).
pub const NOT_ENROLLED: &str = "this device is not enrolled with a sync server yet: enrol it first (`waypoint enrol --server URL --code CODE`)";

/// Pushes this device's changes and pulls the server's, once.
pub fn sync_now(state: &AppState) -> Result<SyncOutcome, CommandError> {
    if state.store()?.sync_state()?.server_url.is_none() {
        return Err(CommandError::invalid(NOT_ENROLLED));
    }
    let _one_at_a_time = state
        .try_begin_sync()
        .ok_or_else(|| CommandError::invalid("a sync is already running"))?;
    let mut store = state.store()?.reopen()?;
    let result = waypoint_sync::sync(&mut store, &mut |_| {});
    drop(store);
    // The sync wrote through its own connection: the window's index learns it afresh, built
    // off the store while other commands go on; a search waits for it.
    state.store()?.forget_search_index();
    if let Err(e) = state.build_search_index() {
        eprintln!("waypoint-desktop: search index after the sync: {e}");
    }
    let report = result?;
    Ok(SyncOutcome {
        sent: report.sent,
        accepted: report.accepted,
        refused: report.refused.len() as u64,
        received: report.received_fields + report.received_events + report.removed_cases,
        open_conflicts: report.open_conflicts,
        pending: report.pending,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::{search, status, testing};

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
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        state
            .store()
            .unwrap()
            .set_enrolment(
                &format!("http://127.0.0.1:{port}"),
                "00000000-0000-0000-0000-000000000001",
                "test laptop",
                "not-a-real-token",
            )
            .unwrap();
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
}
