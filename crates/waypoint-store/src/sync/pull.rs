//! Applying what was pulled: each change filed or written to its record, never to the outbox,
//! and a field with a change of this device still waiting keeps its local value.

use rusqlite::{Connection, OptionalExtension};
use waypoint_domain::{Field, Scope};

use super::{Applied, Conflict, IncomingBody, IncomingChange};
use crate::event_reader::{self, EventReader};
use crate::{Hlc, Store, StoreError, Writer};

impl Store {
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
