//! The always-visible status area: pending changes, last successful sync, conflicts waiting for
//! review, who and where.

use crate::dto::Status;
use crate::error::CommandError;
use waypoint_app::session::Session;

pub fn status(state: &Session) -> Result<Status, CommandError> {
    let store = state.store_past_lease()?;
    let sync = waypoint_app::sync::status(&store, &state.context())?;
    Ok(Status {
        pending_changes: sync.unsent.pending,
        last_sync: sync.state.last_success,
        sync_configured: sync.state.server_url.is_some(),
        conflicts: sync.conflicts,
        unreadable_events: sync.unreadable_events,
        refused_changes: sync.unsent.refused,
        staff: store.signed_in().to_string(),
        role: store.role(),
        site: state.site.clone(),
        device_id: sync.device_id,
        data_dir: state.data_dir.display().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testing;
    use waypoint_domain::Role;

    #[test]
    fn counts_the_outbox_and_has_never_synced() {
        let (_dir, state) = testing::state();
        let s = status(&state).unwrap();
        // The sample creates 5 cases and 10 individuals, one outbox entry each, and records
        // each individual's exit-permit status as a step: 10 more.
        assert_eq!(s.pending_changes, 25);
        assert_eq!(s.last_sync, None);
        assert!(!s.sync_configured);
        assert_eq!(s.conflicts, 0);
        assert_eq!(s.unreadable_events, 0);
        assert_eq!(s.staff, "A. Officer");
        // A device without a staff directory: the person who made it is a supervisor.
        assert_eq!(s.role, Role::Supervisor);
    }
}
