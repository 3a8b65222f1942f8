//! Conflicts the server reported: listed for staff, and resolved by writing the chosen value as
//! a new change of this device.

use waypoint_domain::Scope;

use super::{Conflict, field_of, stored_scope};
use crate::outbox_kind::OutboxKind;
use crate::{Change, Store, StoreError};

impl Store {
    /// Conflicts waiting for a person (or all, with `include_resolved`).
    pub fn conflicts(&self, include_resolved: bool) -> Result<Vec<Conflict>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, scope, entity, case_no, field, winner, loser, resolved,
                    winner_device, loser_device FROM conflict
             WHERE resolved = 0 OR ?1 ORDER BY length(id), id",
        )?;
        let rows = stmt.query_map([include_resolved], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, bool>(7)?,
                r.get::<_, String>(8)?,
                r.get::<_, String>(9)?,
            ))
        })?;
        rows.map(|row| {
            let (
                id,
                scope,
                entity,
                case_no,
                field,
                winner,
                loser,
                resolved,
                winner_device,
                loser_device,
            ) = row?;
            Ok(Conflict {
                id,
                scope: stored_scope(&scope)?,
                entity,
                case_no,
                field: field_of(&field)?,
                winner,
                loser,
                winner_device,
                loser_device,
                resolved,
            })
        })
        .collect()
    }

    /// Settles a conflict with the value a person chose: an ordinary field change (it syncs
    /// like any other) that names the conflict.
    pub fn resolve_conflict(
        &mut self,
        id: &str,
        value: Option<&str>,
        today: chrono::NaiveDate,
    ) -> Result<(), StoreError> {
        let conflict = self
            .conflicts(true)?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| StoreError::UnknownConflict(id.to_string()))?;
        let value =
            match value {
                Some(raw) => conflict.field.normalize(raw, today).map_err(|error| {
                    StoreError::InvalidValue {
                        field: conflict.field,
                        error,
                    }
                })?,
                None => None,
            };
        let mut w = self.write()?;
        let (table, key) = match conflict.scope {
            Scope::Case => ("case_file", "case_no"),
            _ => ("individual", "individual_no"),
        };
        let sql = format!(
            "UPDATE {table} SET {} = ?1 WHERE {key} = ?2",
            conflict.field.column()
        );
        w.tx.execute(&sql, (&value, &conflict.entity))?;
        w.append(Change {
            kind: OutboxKind::Field,
            scope: conflict.scope,
            entity: &conflict.entity,
            field: Some(conflict.field.column()),
            value: value.as_deref(),
            payload: None,
        })?;
        w.tx.execute(
            "UPDATE outbox SET resolves = ?1 WHERE client_seq = ?2",
            (id, w.next_seq - 1),
        )?;
        w.tx.execute("UPDATE conflict SET resolved = 1 WHERE id = ?1", [id])?;
        // A person chose this value: a re-import of an older file must not undo it.
        w.tx.execute(
            "INSERT OR IGNORE INTO local_edit (scope, entity, field) VALUES (?1, ?2, ?3)",
            (
                conflict.scope.as_str(),
                &conflict.entity,
                conflict.field.column(),
            ),
        )?;
        w.commit()?;
        self.search.invalidate();
        Ok(())
    }
}
