//! Wire conversion: the store's changes and conflicts to and from the protocol's types. A
//! name this version does not know is an unreadable answer, never guessed at.

use waypoint_domain::Field;
use waypoint_protocol as wire;
use waypoint_store::{Conflict, IncomingBody, IncomingChange, OutgoingBody, OutgoingChange};

use crate::error::SyncError;

/// An outbox entry as it travels.
pub fn to_wire(change: OutgoingChange) -> wire::Change {
    let case_no = change.case_no;
    let body = match change.body {
        OutgoingBody::Create { fields } => wire::ChangeBody::Create {
            case_no,
            fields: fields
                .into_iter()
                .map(|(f, v)| (f.column().to_string(), v))
                .collect(),
        },
        OutgoingBody::Field {
            field,
            value,
            base_seq,
            resolves,
        } => wire::ChangeBody::Field {
            case_no,
            field: field.column().to_string(),
            value,
            base_seq: u64::try_from(base_seq).unwrap_or(0),
            resolves: resolves.and_then(|r| r.parse().ok()),
        },
        OutgoingBody::Event { kind, json } => wire::ChangeBody::Event {
            case_no,
            kind,
            json,
        },
    };
    wire::Change {
        client_seq: u64::try_from(change.client_seq).unwrap_or(0),
        hlc: change.hlc,
        scope: change.scope,
        entity: change.entity,
        body,
    }
}

fn field_named(name: &str) -> Result<Field, SyncError> {
    Field::from_column(name).ok_or_else(|| {
        let name: String = name.chars().take(40).collect();
        SyncError::UnreadableAnswer(format!(
            "it names a field this version does not know ('{name}')"
        ))
    })
}

pub(crate) fn seq(v: u64) -> Result<i64, SyncError> {
    i64::try_from(v)
        .map_err(|_| SyncError::UnreadableAnswer("it holds a sequence number out of range".into()))
}

/// A pulled change as the store applies it.
pub fn from_wire(change: wire::ServerChange) -> Result<IncomingChange, SyncError> {
    let body = match change.body {
        wire::ServerBody::Record { fields } => IncomingBody::Record {
            fields: fields
                .into_iter()
                .map(|(name, value)| Ok((field_named(&name)?, value)))
                .collect::<Result<_, SyncError>>()?,
        },
        // A schema-1 value: a record of one field.
        wire::ServerBody::Field { field, value } => IncomingBody::Record {
            fields: vec![(field_named(&field)?, value)],
        },
        wire::ServerBody::Event { kind, json } => IncomingBody::Event { kind, json },
        wire::ServerBody::Remove => IncomingBody::Remove,
    };
    Ok(IncomingChange {
        server_seq: seq(change.server_seq)?,
        scope: change.scope,
        entity: change.entity,
        case_no: change.case_no,
        body,
    })
}

/// A conflict as the store keeps it.
pub fn conflict_from_wire(c: wire::Conflict) -> Result<Conflict, SyncError> {
    Ok(Conflict {
        id: c.id.to_string(),
        scope: c.scope,
        entity: c.entity,
        case_no: c.case_no,
        field: field_named(&c.field)?,
        winner: c.winner,
        loser: c.loser,
        winner_device: c.winner_device,
        loser_device: c.loser_device,
        resolved: c.resolved,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test that cannot set up fails loudly
mod tests {
    use super::*;

    #[test]
    fn a_pulled_field_this_version_does_not_know_is_an_unreadable_answer() {
        let change = wire::ServerChange {
            server_seq: 1,
            scope: waypoint_domain::Scope::Case,
            entity: "TST-0001".into(),
            case_no: "TST-0001".into(),
            body: wire::ServerBody::Field {
                field: "shoe_size".into(),
                value: Some("42".into()),
            },
        };
        let error = from_wire(change).unwrap_err();
        assert!(
            matches!(&error, SyncError::UnreadableAnswer(what) if what.contains("'shoe_size'")),
            "{error:?}"
        );
    }
}
