//! The export: every case, individual and event as canonical JSON Lines, for the roles that may
//! export, with every field the role may not see left out (the store writes it, and audits
//! what was left out).

use std::io::Write;

use waypoint_domain::{Action, Refused, Role, may};
use waypoint_store::Store;

use crate::AppError;

/// Refuses a role that may not export, before anything is written anywhere: a front end checks
/// this before it makes the file.
pub fn allowed(role: Role) -> Result<(), AppError> {
    if may(role, Action::Export) {
        Ok(())
    } else {
        Err(AppError::not_allowed(
            role,
            Refused::Action {
                action: Action::Export,
            },
        ))
    }
}

/// Writes the export for `role` to `out`, without the fields it may not see.
pub fn export(store: &Store, role: Role, out: &mut dyn Write) -> Result<(), AppError> {
    allowed(role)?;
    Ok(store.export_as(role, out)?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use waypoint_domain::{Field, may_see};
    use waypoint_store::StoreError;

    use super::*;
    use crate::testing;

    fn lines(store: &Store, role: Role) -> Vec<serde_json::Value> {
        let mut out = Vec::new();
        export(store, role, &mut out).unwrap();
        String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn a_role_that_may_not_export_is_refused_and_nothing_is_written() {
        let (_dir, store) = testing::store();
        for role in Role::ALL
            .iter()
            .copied()
            .filter(|r| !may(*r, Action::Export))
        {
            assert!(allowed(role).is_err(), "{role}");
            let mut out = Vec::new();
            let e = export(&store, role, &mut out).unwrap_err();
            assert!(
                matches!(e, AppError::Store(StoreError::NotAllowed { .. })),
                "{role}: {e:?}"
            );
            assert!(out.is_empty(), "{role} wrote {} bytes", out.len());
        }
    }

    #[test]
    fn the_export_leaves_out_what_the_role_may_not_see() {
        let (_dir, store) = testing::store();
        let everything = lines(&store, Role::Supervisor);
        // Cases and individuals (the events' payloads are the store's own redaction).
        let records = |lines: &[serde_json::Value]| {
            lines
                .iter()
                .filter(|l| l["type"] != "event")
                .cloned()
                .collect::<Vec<_>>()
        };
        // The sample holds the need-to-know fields this checks.
        let notes = Field::SpecialNeedsNotes.column();
        assert!(
            records(&everything).iter().any(|l| l[notes].is_string()),
            "the sample has special-needs notes"
        );
        for role in Role::ALL
            .iter()
            .copied()
            .filter(|r| may(*r, Action::Export))
        {
            let exported = records(&lines(&store, role));
            assert_eq!(exported.len(), records(&everything).len(), "{role}");
            for field in Field::ALL.iter().filter(|f| !may_see(role, **f)) {
                assert!(
                    exported.iter().all(|l| !l[field.column()].is_string()),
                    "{role} sees {field}"
                );
            }
        }
    }
}
