//! The device's side of sync, without the network: what to push, what the server
//! acknowledged or refused, applying what was pulled, conflicts, and the sync bookkeeping.
//!
//! Applying pulled changes never writes to the outbox: they are the server's, not this
//! device's. A field with a change of this device still waiting to be pushed keeps its local
//! value until that change has been pushed, and the cursor stops before that pulled value, so
//! that the next pull, after the push, brings the server's verdict whether the change won or
//! lost. A pulled value that changes a field counts as edited in Waypoint for a re-import.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use waypoint_domain::{Field, FieldEvent, Scope};

use crate::event_reader::{self, EventReader};
use crate::outbox::OutboxKind;
use crate::profile::{case_fields, individual_fields, load_individual};
use crate::{Change, Hlc, Store, StoreError, Writer};

/// The scope a stored word names; any other word means the file was damaged.
fn stored_scope(word: &str) -> Result<Scope, StoreError> {
    Scope::parse(word).ok_or_else(|| StoreError::Corrupt(format!("unknown scope '{word}'")))
}

/// A local change on its way to the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutgoingChange {
    pub client_seq: i64,
    pub hlc: u64,
    pub scope: Scope,
    pub entity: String,
    /// The case the record belongs to (the server checks it against the device's sites).
    pub case_no: String,
    pub body: OutgoingBody,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum OutgoingBody {
    /// A new record: its fields as they are now.
    Create {
        fields: Vec<(Field, Option<String>)>,
    },
    Field {
        field: Field,
        value: Option<String>,
        base_seq: i64,
        resolves: Option<String>,
    },
    Event {
        kind: String,
        json: String,
    },
}

/// A change from the server, already filtered to this device's scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingChange {
    pub server_seq: i64,
    pub scope: Scope,
    pub entity: String,
    pub case_no: String,
    pub body: IncomingBody,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IncomingBody {
    /// The current values of some fields of one record (a record new to this device comes
    /// with all of them); the change's `server_seq` is the highest of their sequence numbers.
    Record {
        fields: Vec<(Field, Option<String>)>,
    },
    Event {
        /// The kind as the pushing device named it (this version may not know it).
        kind: String,
        json: String,
    },
    /// The case left this device's scope: remove it and everything of it.
    Remove,
}

/// A concurrent edit of a sensitive field, as the server reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    pub id: String,
    pub scope: Scope,
    pub entity: String,
    pub case_no: String,
    pub field: Field,
    pub winner: Option<String>,
    pub loser: Option<String>,
    /// The device whose value won, and the one whose value lost (device names).
    pub winner_device: String,
    pub loser_device: String,
    pub resolved: bool,
}

/// A change the server refused, kept for a person to see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefusedChange {
    pub client_seq: i64,
    pub scope: String,
    pub entity: String,
    pub field: Option<String>,
    pub reason: String,
    pub refused_at: String,
}

/// Where and how this device syncs. The token is never printed.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct SyncState {
    pub server_url: Option<String>,
    pub server_device_id: Option<String>,
    /// This device's name on the server.
    pub device_name: Option<String>,
    #[serde(skip)]
    pub token: Option<String>,
    pub cursor: i64,
    pub last_success: Option<String>,
    pub last_attempt: Option<String>,
    pub last_error: Option<String>,
}

impl std::fmt::Debug for SyncState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncState")
            .field("server_url", &self.server_url)
            .field("cursor", &self.cursor)
            .field("last_success", &self.last_success)
            .finish_non_exhaustive()
    }
}

/// What applying a pulled page did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Applied {
    pub fields: u64,
    pub events: u64,
    pub removed_cases: u64,
    /// Fields left as they are because this device has a change of them still to push.
    pub kept_local: u64,
    /// Events of this page this version cannot read: kept as received, not applied.
    pub unreadable_events: u64,
    /// Kept events that this version read now (after an upgrade), filed with the others.
    pub events_read_again: u64,
    /// The cursor stopped before a value kept local: the next pull brings it again.
    pub cursor_held: bool,
}

fn field_of(name: &str) -> Result<Field, StoreError> {
    Field::from_column(name).ok_or_else(|| StoreError::Corrupt(format!("unknown field '{name}'")))
}

/// The case a record belongs to, as this store has it.
fn case_no_of(conn: &Connection, scope: Scope, entity: &str) -> Result<Option<String>, StoreError> {
    let sql = match scope {
        Scope::Case => return Ok(Some(entity.to_string())),
        Scope::Individual => "SELECT case_no FROM individual WHERE individual_no = ?1",
        Scope::Event => "SELECT case_no FROM event WHERE id = ?1",
    };
    Ok(conn
        .prepare_cached(sql)?
        .query_row([entity], |r| r.get(0))
        .optional()?)
}

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

    /// Applies one pulled page and moves the cursor, in one transaction: an interrupted pull
    /// repeats at most this page. Advances the HLC past the server's.
    pub fn apply_incoming(
        &mut self,
        changes: &[IncomingChange],
        conflicts: &[Conflict],
        cursor: i64,
        server_hlc: u64,
    ) -> Result<Applied, StoreError> {
        let read = self.event_reader.0.clone();
        let mut w = self.write()?;
        let mut applied = Applied {
            events_read_again: event_reader::read_kept_events(w.tx, &read)?,
            ..Applied::default()
        };
        let stored_cursor: i64 =
            w.tx.query_row("SELECT cursor FROM sync_state WHERE id = 1", [], |r| {
                r.get(0)
            })?;
        // Where the cursor must stop: just before the first change with a value kept local.
        let mut hold: Option<i64> = None;
        let mut before = stored_cursor;
        // Most pages meet an outbox without field edits (always on a first sync): then no
        // record needs the per-record question "does this device still have an edit of it?".
        let edits_pending: bool = w.tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM outbox WHERE kind = 'field')",
            [],
            |r| r.get(0),
        )?;
        for change in changes {
            let kept = applied.kept_local;
            apply_one(&w, &read, change, edits_pending, &mut applied)?;
            if applied.kept_local > kept && hold.is_none() {
                hold = Some(before.min(change.server_seq - 1));
            }
            before = before.max(change.server_seq);
        }
        applied.cursor_held = hold.is_some_and(|h| h < cursor);
        let cursor = hold.map_or(cursor, |h| h.min(cursor));
        for c in conflicts {
            w.tx.execute(
                "INSERT INTO conflict (id, scope, entity, case_no, field, winner, loser,
                                       winner_device, loser_device, resolved)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT (id) DO UPDATE SET winner = ?6, loser = ?7, winner_device = ?8,
                                                loser_device = ?9, resolved = ?10",
                rusqlite::params![
                    &c.id,
                    c.scope.as_str(),
                    &c.entity,
                    &c.case_no,
                    c.field.column(),
                    &c.winner,
                    &c.loser,
                    &c.winner_device,
                    &c.loser_device,
                    c.resolved,
                ],
            )?;
        }
        w.tx.execute(
            "UPDATE sync_state SET cursor = max(cursor, ?1) WHERE id = 1",
            [cursor],
        )?;
        w.hlc = w.hlc.observe(Hlc(server_hlc), w.now_ms());
        w.dirty = true;
        w.commit()?;
        if applied.fields + applied.removed_cases > 0 {
            self.search.invalidate();
        }
        Ok(applied)
    }

    /// How many pulled events this version could not read (kept as received; an upgrade
    /// reads them).
    pub fn unreadable_event_count(&self) -> Result<u64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM unreadable_event", [], |r| {
                r.get::<_, i64>(0)
            })? as u64)
    }

    /// Reads the events kept as unreadable again, filing those this version can read now.
    /// Returns how many it filed. Runs at every open and every applied page.
    pub fn read_kept_events(&mut self) -> Result<u64, StoreError> {
        if self.unreadable_event_count()? == 0 {
            return Ok(0);
        }
        let read = self.event_reader.0.clone();
        let w = self.write()?;
        let moved = event_reader::read_kept_events(w.tx, &read)?;
        w.commit()?;
        Ok(moved)
    }

    /// Replaces how this store reads pulled events. The product keeps the default (the kinds
    /// this version knows); tests stand in for a newer version that knows one more kind.
    pub fn set_event_reader(&mut self, reader: EventReader) {
        self.event_reader = event_reader::ReaderSlot(reader);
    }

    /// The sync bookkeeping.
    pub fn sync_state(&self) -> Result<SyncState, StoreError> {
        Ok(self.conn.query_row(
            "SELECT server_url, server_device_id, token, cursor, last_success, last_attempt, last_error,
                    device_name
             FROM sync_state WHERE id = 1",
            [],
            |r| {
                Ok(SyncState {
                    server_url: r.get(0)?,
                    server_device_id: r.get(1)?,
                    device_name: r.get(7)?,
                    token: r.get(2)?,
                    cursor: r.get(3)?,
                    last_success: r.get(4)?,
                    last_attempt: r.get(5)?,
                    last_error: r.get(6)?,
                })
            },
        )?)
    }

    /// Records how a sync ended: `None` for success.
    pub fn record_sync_attempt(
        &mut self,
        at: DateTime<Utc>,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let at = at.to_rfc3339();
        match error {
            None => self.conn.execute(
                "UPDATE sync_state SET last_attempt = ?1, last_success = ?1, last_error = NULL WHERE id = 1",
                [&at],
            )?,
            Some(e) => self.conn.execute(
                "UPDATE sync_state SET last_attempt = ?1, last_error = ?2 WHERE id = 1",
                (&at, e),
            )?,
        };
        Ok(())
    }

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

/// Applies one pulled change inside the page's transaction.
fn apply_one(
    w: &Writer<'_>,
    read: &EventReader,
    change: &IncomingChange,
    edits_pending: bool,
    applied: &mut Applied,
) -> Result<(), StoreError> {
    let tx = w.tx;
    match &change.body {
        IncomingBody::Record { fields } => {
            apply_record(tx, change, fields, edits_pending, applied)?;
        }
        IncomingBody::Event { kind, json } => {
            // An event this version cannot read is kept, not a reason to stop the sync.
            let (filed, kept) = event_reader::file_event(
                tx,
                read,
                &change.entity,
                kind,
                &change.case_no,
                json,
                change.server_seq,
            )?;
            applied.events += filed;
            applied.unreadable_events += kept;
        }
        IncomingBody::Remove => {
            tx.execute("DELETE FROM event WHERE case_no = ?1", [&change.case_no])?;
            tx.execute(
                "DELETE FROM unreadable_event WHERE case_no = ?1",
                [&change.case_no],
            )?;
            tx.execute(
                "DELETE FROM individual WHERE case_no = ?1",
                [&change.case_no],
            )?;
            tx.execute(
                "DELETE FROM case_file WHERE case_no = ?1",
                [&change.case_no],
            )?;
            applied.removed_cases += 1;
        }
    }
    Ok(())
}

/// The columns a row cannot be created without, and what a record that arrives without them
/// (only some of its fields changed, and this device never had the record) gets until they
/// come. `case_no` of an individual is bound from the change instead.
const CASE_PLACEHOLDERS: &[(Field, &str)] = &[(Field::Site, "''")];
const INDIVIDUAL_PLACEHOLDERS: &[(Field, &str)] = &[
    (Field::Relationship, "'OT'"),
    (Field::FamilyName, "''"),
    (Field::GivenNames, "''"),
    (Field::Sex, "'X'"),
    (Field::DateOfBirth, "'UNKNOWN'"),
    (Field::Nationality, "'XXX'"),
];

/// Applies the values of one record with one upsert (its statement is cached per set of
/// columns: a first sync uses one, later syncs a handful).
fn apply_record(
    tx: &Connection,
    change: &IncomingChange,
    fields: &[(Field, Option<String>)],
    edits_pending: bool,
    applied: &mut Applied,
) -> Result<(), StoreError> {
    let scope = change.scope;
    let (table, key, placeholders): (_, _, &[(Field, &str)]) = match scope {
        Scope::Case => ("case_file", Field::CaseNo, CASE_PLACEHOLDERS),
        Scope::Individual => ("individual", Field::IndividualNo, INDIVIDUAL_PLACEHOLDERS),
        Scope::Event => {
            return Err(StoreError::Corrupt(format!(
                "pulled field values for event {}",
                change.entity
            )));
        }
    };
    tx.prepare_cached(
        "INSERT INTO record_version (scope, entity, server_seq) VALUES (?1, ?2, ?3)
         ON CONFLICT (scope, entity) DO UPDATE SET server_seq = max(server_seq, excluded.server_seq)",
    )?
    .execute((scope.as_str(), &change.entity, change.server_seq))?;
    let pending: Vec<String> = if edits_pending {
        tx.prepare_cached(
            "SELECT field FROM outbox WHERE kind = 'field' AND scope = ?1 AND entity = ?2",
        )?
        .query_map((scope.as_str(), &change.entity), |r| r.get(0))?
        .collect::<Result<_, _>>()?
    } else {
        Vec::new()
    };
    let belongs = |f: Field| match scope {
        Scope::Case => f.scope() == waypoint_domain::FieldScope::Case,
        _ => f.scope() == waypoint_domain::FieldScope::Individual || f == Field::CaseNo,
    };
    // The values to write: not the key, not a field this device still has an edit of, each
    // column once (the last value wins).
    let mut cols: Vec<(Field, &Option<String>)> = Vec::with_capacity(fields.len());
    for (field, value) in fields {
        if *field == key {
            continue;
        }
        if !belongs(*field) {
            return Err(StoreError::Corrupt(format!(
                "pulled field '{}' does not belong to a {} record",
                field.column(),
                scope.as_str()
            )));
        }
        if pending.iter().any(|p| p == field.column()) {
            applied.kept_local += 1;
            continue;
        }
        match cols.iter_mut().find(|(f, _)| f == field) {
            Some(slot) => slot.1 = value,
            None => cols.push((*field, value)),
        }
    }

    mark_synced_edits(tx, table, key, change, &cols)?;

    // The case row an individual hangs on (its values, if any, come in the case's own record).
    tx.prepare_cached("INSERT OR IGNORE INTO case_file (case_no, site) VALUES (?1, '')")?
        .execute([&change.case_no])?;

    let mut names = vec![key.column()];
    let mut values = vec!["?1".to_string()];
    let mut params: Vec<&dyn rusqlite::ToSql> = vec![&change.entity];
    if scope == Scope::Individual && !cols.iter().any(|(f, _)| *f == Field::CaseNo) {
        names.push(Field::CaseNo.column());
        values.push(format!("?{}", params.len() + 1));
        params.push(&change.case_no);
    }
    for (field, literal) in placeholders {
        if !cols.iter().any(|(f, _)| f == field) {
            names.push(field.column());
            values.push((*literal).to_string());
        }
    }
    for (field, value) in &cols {
        names.push(field.column());
        values.push(format!("?{}", params.len() + 1));
        params.push(*value);
    }
    let update = if cols.is_empty() {
        "NOTHING".to_string()
    } else {
        let sets: Vec<String> = cols
            .iter()
            .map(|(f, _)| format!("{0} = excluded.{0}", f.column()))
            .collect();
        format!("UPDATE SET {}", sets.join(", "))
    };
    let sql = format!(
        "INSERT INTO {table} ({}) VALUES ({}) ON CONFLICT ({}) DO {update}",
        names.join(", "),
        values.join(", "),
        key.column(),
    );
    tx.prepare_cached(&sql)?.execute(params.as_slice())?;
    applied.fields += cols.len() as u64;
    Ok(())
}

/// Remembers each field of a record already here whose value a pulled change replaces: a
/// colleague's edit (or a conflict's resolution) that a re-import of an older file must keep
/// and list as a clash, like an edit made on this device. A record new to this device was
/// nobody's edit here, and costs one lookup.
fn mark_synced_edits(
    tx: &Connection,
    table: &str,
    key: Field,
    change: &IncomingChange,
    cols: &[(Field, &Option<String>)],
) -> Result<(), StoreError> {
    if cols.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = cols.iter().map(|(f, _)| f.column()).collect();
    let sql = format!(
        "SELECT {} FROM {table} WHERE {} = ?1",
        names.join(", "),
        key.column()
    );
    let stored: Option<Vec<Option<String>>> = tx
        .prepare_cached(&sql)?
        .query_row([&change.entity], |r| {
            (0..names.len()).map(|i| r.get(i)).collect()
        })
        .optional()?;
    let Some(stored) = stored else {
        return Ok(());
    };
    for ((field, value), old) in cols.iter().zip(stored) {
        if **value != old {
            tx.prepare_cached(
                "INSERT OR IGNORE INTO local_edit (scope, entity, field) VALUES (?1, ?2, ?3)",
            )?
            .execute((change.scope.as_str(), &change.entity, field.column()))?;
        }
    }
    Ok(())
}
