//! The outbox: every local change waiting for the server, in the order it was made; and the
//! changes the server refused, kept whole beside it until a person dismisses them.

use rusqlite::OptionalExtension;
use serde::Serialize;
use waypoint_domain::{Action, Role};

use crate::audit::{AuditAction, NewEntry};
use crate::outbox_kind::OutboxKind;
use crate::sync::RefusedChange;
use crate::{Store, StoreError};

/// One change waiting to be synced. Values are not included: the outbox listing says which
/// records changed, never what a sensitive field now holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxEntry {
    pub client_seq: i64,
    pub hlc: u64,
    pub kind: OutboxKind,
    /// `case`, `individual` or `event`.
    pub scope: String,
    /// Case number, individual number or event id.
    pub entity: String,
    /// The changed field (CSV column name), for `field` entries.
    pub field: Option<String>,
    /// The server sequence of the field this edit was based on (0: never synced).
    pub base_seq: i64,
}

impl Store {
    /// How many changes wait to be synced.
    pub fn outbox_len(&self) -> Result<u64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get::<_, i64>(0))?
            as u64)
    }

    /// The changes waiting to be synced, oldest first (at most `limit`).
    pub fn outbox(&self, limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT client_seq, hlc, kind, scope, entity, field, base_seq FROM outbox
             ORDER BY client_seq LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, i64>(6)?,
            ))
        })?;
        rows.map(|row| {
            let (client_seq, hlc, kind, scope, entity, field, base_seq) = row?;
            Ok(OutboxEntry {
                client_seq,
                hlc: hlc.max(0) as u64,
                kind: OutboxKind::parse(&kind)?,
                scope,
                entity,
                field,
                base_seq,
            })
        })
        .collect()
    }
}

/// A refused change as the outbox held it: its kind and, for an event, the event as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedWhole {
    pub kind: Option<OutboxKind>,
    pub payload: Option<String>,
}

/// What this device holds that HQ does not: changes still to push, and changes the server
/// refused (kept until a supervisor dismisses them). Counted together, at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Unsent {
    pub pending: u64,
    pub refused: u64,
}

impl Unsent {
    /// Whether every change made here reached HQ and was taken.
    pub fn is_empty(&self) -> bool {
        self.pending == 0 && self.refused == 0
    }
}

impl Store {
    /// The changes still to push and the refused changes kept, in one read (one snapshot).
    pub fn unsent(&self) -> Result<Unsent, StoreError> {
        let (pending, refused) = self.conn.query_row(
            "SELECT (SELECT count(*) FROM outbox), (SELECT count(*) FROM refused_change)",
            [],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
        )?;
        Ok(Unsent {
            pending: pending.max(0) as u64,
            refused: refused.max(0) as u64,
        })
    }

    /// The refused change `client_seq` as the outbox held it: its kind and, for an event, the
    /// event as recorded (JSON), so that nothing of it is lost before a supervisor deals with
    /// it. `None` when there is no such refused change.
    pub fn refused_whole(&self, client_seq: i64) -> Result<Option<RefusedWhole>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT kind, payload FROM refused_change WHERE client_seq = ?1",
                [client_seq],
                |r| {
                    Ok((
                        r.get::<_, Option<String>>(0)?,
                        r.get::<_, Option<String>>(1)?,
                    ))
                },
            )
            .optional()?;
        row.map(|(kind, payload)| {
            Ok(RefusedWhole {
                kind: kind.as_deref().map(OutboxKind::parse).transpose()?,
                payload,
            })
        })
        .transpose()
    }

    /// Dismisses the refused change `client_seq` for `role` (a supervisor, once it has been
    /// dealt with another way): it leaves the device, and the audit log says who dismissed
    /// which record's change. Returns what was dismissed.
    pub fn dismiss_refused_as(
        &mut self,
        role: Role,
        client_seq: i64,
    ) -> Result<RefusedChange, StoreError> {
        self.require(role, Action::DismissRefused)?;
        let mut w = self.write()?;
        let found =
            w.tx.query_row(
                "SELECT client_seq, scope, entity, field, reason, refused_at FROM refused_change
                 WHERE client_seq = ?1",
                [client_seq],
                |r| {
                    Ok(RefusedChange {
                        client_seq: r.get(0)?,
                        scope: r.get(1)?,
                        entity: r.get(2)?,
                        field: r.get(3)?,
                        reason: r.get(4)?,
                        refused_at: r.get(5)?,
                    })
                },
            )
            .optional()?;
        let Some(change) = found else {
            return Err(StoreError::InvalidInput(format!(
                "there is no refused change {client_seq} on this device"
            )));
        };
        w.tx.execute(
            "DELETE FROM refused_change WHERE client_seq = ?1",
            [client_seq],
        )?;
        let detail = format!("refused change {client_seq}");
        w.audit(NewEntry {
            action: AuditAction::DismissRefused,
            scope: Some(&change.scope),
            entity: Some(&change.entity),
            field: change.field.as_deref(),
            detail: Some(&detail),
        })?;
        w.commit()?;
        Ok(change)
    }
}
