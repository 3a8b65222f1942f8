//! What this device pushes: its outbox entries as changes, and the server's answer to them
//! (acknowledged, or refused with a reason kept for staff to see).

use chrono::Utc;
use rusqlite::OptionalExtension;
use waypoint_domain::{Field, FieldEvent, Scope};

use super::{OutgoingBody, OutgoingChange, RefusedChange, case_no_of, field_of, stored_scope};
use crate::profile::{case_fields, individual_fields, load_individual};
use crate::{Store, StoreError};

impl Store {
    /// The oldest changes waiting to be pushed, after `after_seq`, at most `limit`.
    pub fn outgoing(
        &self,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<OutgoingChange>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT client_seq, hlc, kind, scope, entity, field, value, base_seq, payload, resolves
             FROM outbox WHERE client_seq > ?1 ORDER BY client_seq LIMIT ?2",
        )?;
        type Row = (
            i64,
            i64,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            i64,
            Option<String>,
            Option<String>,
        );
        let rows: Vec<Row> = stmt
            .query_map((after_seq, limit as i64), |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                ))
            })?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::with_capacity(rows.len());
        for (client_seq, hlc, kind, scope, entity, field, value, base_seq, payload, resolves) in
            rows
        {
            let scope = stored_scope(&scope)?;
            let body = match kind.as_str() {
                "create" => OutgoingBody::Create {
                    fields: self.current_fields(scope, &entity)?,
                },
                "field" => OutgoingBody::Field {
                    field: field_of(field.as_deref().unwrap_or_default())?,
                    value,
                    base_seq,
                    resolves,
                },
                "event" => {
                    let json = payload.unwrap_or_default();
                    let event: FieldEvent = serde_json::from_str(&json)
                        .map_err(|e| StoreError::Corrupt(format!("outbox event {entity}: {e}")))?;
                    OutgoingBody::Event {
                        kind: event.kind().to_string(),
                        json,
                    }
                }
                other => {
                    return Err(StoreError::Corrupt(format!(
                        "unknown outbox kind '{other}'"
                    )));
                }
            };
            let case_no = case_no_of(&self.conn, scope, &entity)?.unwrap_or_default();
            out.push(OutgoingChange {
                client_seq,
                hlc: hlc.max(0) as u64,
                scope,
                entity,
                case_no,
                body,
            });
        }
        Ok(out)
    }

    /// A record's fields as stored now (for a `create` entry).
    fn current_fields(
        &self,
        scope: Scope,
        entity: &str,
    ) -> Result<Vec<(Field, Option<String>)>, StoreError> {
        match scope {
            Scope::Individual => {
                let (_, record) = load_individual(&self.conn, entity)?
                    .ok_or_else(|| StoreError::UnknownIndividual(entity.to_string()))?;
                Ok(individual_fields()
                    .map(|f| (f, record.get(f).map(str::to_string)))
                    .collect())
            }
            Scope::Case => {
                let cols: Vec<&str> = case_fields().map(Field::column).collect();
                let sql = format!(
                    "SELECT {} FROM case_file WHERE case_no = ?1",
                    cols.join(", ")
                );
                let values: Vec<Option<String>> = self
                    .conn
                    .query_row(&sql, [entity], |r| {
                        (0..cols.len()).map(|i| r.get(i)).collect()
                    })
                    .optional()?
                    .ok_or_else(|| StoreError::UnknownCase(entity.to_string()))?;
                Ok(case_fields().zip(values).collect())
            }
            Scope::Event => Err(StoreError::Corrupt("an event is never a create".into())),
        }
    }

    /// The server has every change up to `up_to`, except `refused` (client_seq, reason), which
    /// are kept aside whole for a person (see outbox.rs). Both leave the outbox, in one
    /// transaction.
    pub fn acknowledge(&mut self, up_to: i64, refused: &[(i64, String)]) -> Result<(), StoreError> {
        let w = self.write()?;
        let now = Utc::now().to_rfc3339();
        for (seq, reason) in refused {
            w.tx.execute(
                "INSERT OR REPLACE INTO refused_change (client_seq, scope, entity, field, value, reason, refused_at,
                                                        kind, hlc, base_seq, payload, resolves)
                 SELECT client_seq, scope, entity, field, value, ?2, ?3, kind, hlc, base_seq, payload, resolves
                 FROM outbox WHERE client_seq = ?1",
                (seq, reason, &now),
            )?;
        }
        w.tx.execute("DELETE FROM outbox WHERE client_seq <= ?1", [up_to])?;
        w.commit()
    }

    /// Changes the server refused, newest first.
    pub fn refused_changes(&self) -> Result<Vec<RefusedChange>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT client_seq, scope, entity, field, reason, refused_at FROM refused_change ORDER BY client_seq DESC",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(RefusedChange {
                client_seq: r.get(0)?,
                scope: r.get(1)?,
                entity: r.get(2)?,
                field: r.get(3)?,
                reason: r.get(4)?,
                refused_at: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
