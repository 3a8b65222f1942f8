//! The outbox: every local change waiting for the server, in the order it was made.

use serde::Serialize;

use crate::{Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxKind {
    /// A new case or individual; the payload holds all its fields.
    Create,
    /// One changed field.
    Field,
    /// A new field event.
    Event,
}

impl OutboxKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Field => "field",
            Self::Event => "event",
        }
    }

    fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "create" => Ok(Self::Create),
            "field" => Ok(Self::Field),
            "event" => Ok(Self::Event),
            other => Err(StoreError::Corrupt(format!(
                "unknown outbox kind '{other}'"
            ))),
        }
    }
}

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
