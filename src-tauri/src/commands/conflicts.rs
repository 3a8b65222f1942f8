//! Conflicts that sync reported: two devices changed the same field of a record; the server
//! kept one value and a person decides. Settling one is an ordinary field change (it syncs like
//! any other) that names the conflict.

use waypoint_app::conflicts::Keep;
use waypoint_domain::{Field, may_see};

use crate::dto::{ConflictItem, ConflictResolution};
use crate::error::CommandError;
use waypoint_app::session::Session;

/// Fields whose values are need-to-know: shown only when the person asks.
fn need_to_know(field: Field) -> bool {
    matches!(field, Field::SpecialNeedsNotes | Field::Vulnerabilities)
}

/// The conflicts nobody has settled yet, as the role signed in may see them: the values of a
/// field it may not see are left out (`hidden`).
pub fn conflicts(state: &Session) -> Result<Vec<ConflictItem>, CommandError> {
    let store = state.store()?;
    let role = store.role();
    Ok(waypoint_app::conflicts::waiting(&store, role)?
        .into_iter()
        .map(|c| ConflictItem {
            id: c.id,
            case_no: c.case_no,
            scope: c.scope.as_str().to_string(),
            record: c.entity,
            field: c.field,
            need_to_know: need_to_know(c.field),
            hidden: !may_see(role, c.field),
            kept: c.winner,
            other: c.loser,
        })
        .collect())
}

/// Settles a conflict with the chosen value (`None`: the field is emptied) and gives the
/// conflicts still waiting.
pub fn resolve_conflict(
    state: &Session,
    resolution: &ConflictResolution,
) -> Result<Vec<ConflictItem>, CommandError> {
    {
        let mut store = state.store()?;
        let role = store.role();
        waypoint_app::conflicts::resolve(
            &mut store,
            role,
            &state.context(),
            &resolution.id,
            Keep::Value(resolution.value.clone()),
        )?;
    }
    conflicts(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testing;

    #[test]
    fn none_before_any_sync_and_an_unknown_one_is_said_plainly() {
        let (_dir, state) = testing::state();
        assert!(conflicts(&state).unwrap().is_empty());
        let e = resolve_conflict(
            &state,
            &ConflictResolution {
                id: "c-404".into(),
                value: None,
            },
        )
        .unwrap_err();
        assert!(e.message().contains("c-404"), "{}", e.message());
    }

    #[test]
    fn notes_and_vulnerabilities_are_need_to_know() {
        assert!(need_to_know(Field::SpecialNeedsNotes));
        assert!(need_to_know(Field::Vulnerabilities));
        assert!(!need_to_know(Field::FamilyName));
    }
}
