//! Editing one field of an individual (or of their case), as a person types it: which fields
//! exist and may be changed at all, and whether the role signed in may change this one.

use waypoint_domain::{Field, Role, may_edit};
pub use waypoint_store::EditOutcome;
use waypoint_store::{Store, StoreError};

use crate::{AppError, Context};

/// The field named `column` (as in the import CSV), if some role may change it: an unknown
/// name lists the fields; a field no role may change (the record's own number) says so,
/// rather than which role may not. Needs no store, so a front end asks before signing in.
pub fn editable_field(column: &str) -> Result<Field, AppError> {
    let field = Field::from_column(column).ok_or_else(|| {
        let names: Vec<&str> = Field::ALL.iter().map(|f| f.column()).collect();
        AppError::invalid(format!(
            "'{column}' is not a field; fields are: {}",
            names.join(", ")
        ))
    })?;
    if !Role::ALL.iter().any(|r| may_edit(*r, field)) {
        return Err(StoreError::ReadOnlyField(field).into());
    }
    // Kept on the record for older versions only: the permit is its steps now.
    if matches!(field, Field::ExitPermit | Field::ExitPermitDenialReason) {
        return Err(StoreError::RecordedAsSteps(field).into());
    }
    Ok(field)
}

/// Sets `field` of the individual `individual_no` to `value` (normalized like an import), if
/// `role` may edit it; says whether anything changed.
pub fn set_field(
    store: &mut Store,
    role: Role,
    individual_no: &str,
    field: Field,
    value: &str,
    ctx: &Context,
) -> Result<EditOutcome, AppError> {
    store.require_edit(role, field)?;
    Ok(store.set_field_as(role, individual_no, field, value, ctx.today())?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::testing;

    #[test]
    fn an_unknown_field_is_refused_with_the_list_of_fields() {
        let e = editable_field("no_such_field").unwrap_err();
        let said = e.to_string();
        assert!(said.contains("'no_such_field' is not a field"), "{said}");
        assert!(said.contains("family_name"), "{said}");
    }

    #[test]
    fn the_records_own_number_is_refused_for_every_role() {
        let e = editable_field("individual_no").unwrap_err();
        assert!(
            matches!(
                e,
                AppError::Store(StoreError::ReadOnlyField(Field::IndividualNo))
            ),
            "{e:?}"
        );
        assert_eq!(editable_field("family_name").unwrap(), Field::FamilyName);
    }

    #[test]
    fn the_records_old_exit_permit_fields_are_not_typed_in_any_more() {
        for column in ["exit_permit", "exit_permit_denial_reason"] {
            let e = editable_field(column).unwrap_err();
            assert!(
                matches!(e, AppError::Store(StoreError::RecordedAsSteps(_))),
                "{column}: {e:?}"
            );
            assert!(
                e.to_string().contains("record the exit permit's step"),
                "{e}"
            );
        }
        // Nor through the store, whatever the caller asked first.
        let (_dir, mut store) = testing::store();
        let e = set_field(
            &mut store,
            Role::Supervisor,
            "I-0001002",
            Field::ExitPermit,
            "APPROVED",
            &testing::context(),
        )
        .unwrap_err();
        assert!(
            matches!(e, AppError::Store(StoreError::RecordedAsSteps(_))),
            "{e:?}"
        );
    }

    #[test]
    fn a_role_changes_only_the_fields_it_may_edit() {
        let (_dir, mut store) = testing::store();
        let ctx = testing::context();
        for role in Role::ALL.iter().copied() {
            let result = set_field(
                &mut store,
                role,
                "I-0001002",
                Field::Vulnerabilities,
                "",
                &ctx,
            );
            if may_edit(role, Field::Vulnerabilities) {
                assert!(result.is_ok(), "{role}: {result:?}");
            } else {
                assert!(
                    matches!(result, Err(AppError::Store(StoreError::NotAllowed { .. }))),
                    "{role}: {result:?}"
                );
            }
        }
    }

    #[test]
    fn an_edit_says_whether_it_changed_anything() {
        let (_dir, mut store) = testing::store();
        let ctx = testing::context();
        let set = |store: &mut Store| {
            set_field(
                store,
                Role::Supervisor,
                "i-0001001",
                Field::GivenNames,
                "Jean-Claude",
                &ctx,
            )
            .unwrap()
        };
        assert!(matches!(set(&mut store), EditOutcome::Changed { .. }));
        assert!(matches!(set(&mut store), EditOutcome::Unchanged { .. }));
    }
}
