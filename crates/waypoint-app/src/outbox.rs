//! The changes waiting on this device: those sync has still to send, and those HQ refused,
//! which stay here until a supervisor dismisses them. Which record and field, and HQ's reason;
//! never a value, so every role may read them.

use waypoint_domain::{Action, Role};
use waypoint_store::Store;
pub use waypoint_store::{OutboxEntry, RefusedChange};

use crate::AppError;

/// The changes waiting to be synced, oldest first.
pub fn pending(store: &Store) -> Result<Vec<OutboxEntry>, AppError> {
    Ok(store.outbox(usize::MAX >> 1)?)
}

/// The changes HQ refused, kept on this device, newest first.
pub fn refused(store: &Store) -> Result<Vec<RefusedChange>, AppError> {
    Ok(store.refused_changes()?)
}

/// A refused change dismissed, and how many are still kept.
#[derive(Debug, Clone)]
pub struct Dismissed {
    pub change: RefusedChange,
    pub refused_left: u64,
}

/// Dismisses the refused change `number` once it has been dealt with: a supervisor's (a
/// retired device keeps its data while one is kept); audited.
pub fn dismiss(store: &mut Store, role: Role, number: i64) -> Result<Dismissed, AppError> {
    store.require(role, Action::DismissRefused)?;
    let change = store.dismiss_refused_as(role, number)?;
    Ok(Dismissed {
        change,
        refused_left: store.unsent()?.refused,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use waypoint_domain::{Field, may};
    use waypoint_store::StoreError;

    use super::*;
    use crate::testing;

    #[test]
    fn the_outbox_lists_each_change_without_its_value() {
        let (_dir, mut store) = testing::store();
        let before = pending(&store).unwrap().len();
        store
            .set_field_as(
                Role::Supervisor,
                "I-0001010",
                Field::FamilyName,
                "Quixotelongname",
                testing::now().date_naive(),
            )
            .unwrap();
        let after = pending(&store).unwrap();
        assert_eq!(after.len(), before + 1);
        let listed = serde_json::to_string(&after).unwrap();
        assert!(listed.contains("family_name"), "{listed}");
        assert!(
            !listed.contains("Quixotelongname"),
            "a value in the outbox listing"
        );
    }

    #[test]
    fn only_a_role_that_may_dismiss_a_refused_change_does() {
        let (_dir, mut store) = testing::store();
        for role in Role::ALL.iter().copied() {
            let result = dismiss(&mut store, role, 1);
            if may(role, Action::DismissRefused) {
                // Allowed, and then told there is no such change.
                assert!(
                    !matches!(result, Err(AppError::Store(StoreError::NotAllowed { .. }))),
                    "{role}: {result:?}"
                );
            } else {
                assert!(
                    matches!(result, Err(AppError::Store(StoreError::NotAllowed { .. }))),
                    "{role}: {result:?}"
                );
            }
        }
        assert!(refused(&store).unwrap().is_empty());
    }
}
