//! Conflicts that sync reported: two devices changed the same field of a record; the server
//! kept one value and a person decides. Settling one is an ordinary field change (it syncs
//! like any other) that names the conflict.

use waypoint_domain::{Action, Role};
pub use waypoint_store::Conflict;
use waypoint_store::{Store, StoreError};

use crate::{AppError, Context};

/// The conflicts nobody has settled yet, as `role` may see them: the values of a field it may
/// not see are left out (and the need-to-know values shown are recorded as viewed).
pub fn waiting(store: &Store, role: Role) -> Result<Vec<Conflict>, AppError> {
    Ok(store.conflicts_as(role, false)?)
}

/// Which value settles a conflict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keep {
    /// The value made on this device.
    Mine,
    /// The value made on the other device.
    Theirs,
    /// This value (`None`: the field is emptied).
    Value(Option<String>),
}

/// A conflict settled, and the value the field now has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub conflict: Conflict,
    pub value: Option<String>,
}

/// Settles the conflict `id` with the value `keep` stands for, as `role` (who must be allowed
/// to settle conflicts and to change the field).
pub fn resolve(
    store: &mut Store,
    role: Role,
    ctx: &Context,
    id: &str,
    keep: Keep,
) -> Result<Resolved, AppError> {
    // Refused before anything about the conflict is said.
    store.require(role, Action::ResolveConflict)?;
    let id = id.trim();
    let conflict = store
        .conflicts(true)?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(|| StoreError::UnknownConflict(id.to_string()))?;
    if conflict.resolved {
        return Err(AppError::ConflictResolved(conflict.id));
    }
    let value = chosen(store, &conflict, keep)?;
    store.resolve_conflict_as(role, &conflict.id, value.as_deref(), ctx.today())?;
    Ok(Resolved { conflict, value })
}

/// The value `keep` stands for: "mine" and "theirs" are told apart by this device's name.
fn chosen(store: &Store, c: &Conflict, keep: Keep) -> Result<Option<String>, AppError> {
    if let Keep::Value(value) = keep {
        return Ok(value);
    }
    let me = store.sync_state()?.device_name.unwrap_or_default();
    let (mine, theirs) = if c.winner_device == me {
        (&c.winner, &c.loser)
    } else if c.loser_device == me {
        (&c.loser, &c.winner)
    } else {
        return Err(AppError::NeitherValueMadeHere {
            id: c.id.clone(),
            devices: [c.winner_device.clone(), c.loser_device.clone()],
        });
    };
    Ok(match keep {
        Keep::Mine => mine.clone(),
        _ => theirs.clone(),
    })
}
