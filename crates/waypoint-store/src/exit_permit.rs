//! The record's two old exit-permit fields (status, free-text denial reason) carried into
//! exit-permit events: by the import, which keeps its two columns, and once by the data
//! migration of a store made before the steps were events. Either writes the step with the id
//! [`carried_over_id`](waypoint_domain::ExitPermitEvent::carried_over), the same on every
//! device, so that two laptops carrying the same value over make one event for everyone.
//!
//! The fields themselves stay on the record, read by no one but older versions of Waypoint
//! (see docs/journey.md, "From the record").

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};
use waypoint_domain::{
    ExitPermit, ExitPermitEvent, ExitPermitStatus, ExitPermitStep, Field, FieldEvent, Record,
    exit_permit_state,
};

use crate::profile::{RECORD_SELECT, read_record};
use crate::{Store, StoreError, Writer};

/// The name the data migration is recorded under in `data_migration`.
const MIGRATION: &str = "exit_permits_as_events";

/// Who a first step carried over (by the migration, or by an import for a permit without
/// steps) is recorded by. With the epoch as its time, it is the same bytes on every device (so
/// laptops that carry the same value over agree on everything, not only the id), and it comes
/// before any step recorded since, which is what the value was: the permit's state before
/// steps were recorded. When it was set is not known.
const FROM_THE_RECORD: &str = "the case record";

/// The exit permit a record's fields hold, if any.
fn permit_of(record: &Record) -> Option<ExitPermit> {
    let status = ExitPermitStatus::parse(record.get(Field::ExitPermit)?).ok()?;
    Some(ExitPermit {
        status,
        denial_reason: record
            .get(Field::ExitPermitDenialReason)
            .map(str::to_string),
    })
}

/// The step the record's fields stand for, as an event recorded by `recorded_by` at `at`.
fn event_of(record: &Record, recorded_by: &str, at: DateTime<Utc>) -> Option<ExitPermitEvent> {
    let permit = permit_of(record)?;
    let event = ExitPermitEvent::carried_over(
        record.individual_no(),
        record.case_no(),
        &permit,
        record.get(Field::Site).unwrap_or_default(),
        recorded_by,
        at,
    );
    // What every device would refuse to sync is not written (a record's fields were checked
    // by rules of their own).
    event.validate().ok()?;
    Some(event)
}

/// Every exit-permit step of `individual_no` (of case `case_no`) already stored.
fn steps_of(
    conn: &Connection,
    case_no: &str,
    individual_no: &str,
) -> Result<Vec<ExitPermitEvent>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT payload FROM event
         WHERE case_no = ?1 AND kind = 'exit_permit' AND individual_no = ?2",
    )?;
    let payloads = stmt.query_map((case_no, individual_no), |r| r.get::<_, String>(0))?;
    let mut steps = Vec::new();
    for payload in payloads {
        if let Ok(FieldEvent::ExitPermit(e)) = serde_json::from_str(&payload?) {
            steps.push(e);
        }
    }
    Ok(steps)
}

/// Whether `step` (carried over from a file) says something the permit's history does not
/// already end with: another status, or, after a step itself carried over, other words for a
/// denial. A person's dated step is not undone by the same status in a file.
fn is_news(step: &ExitPermitStep, history: &[ExitPermitEvent], individual_no: &str) -> bool {
    let state = exit_permit_state(individual_no, history);
    match state.current() {
        None => true,
        Some(current) if current.status() != step.status() => true,
        Some(current) => current.on().is_none() && current != step,
    }
}

impl Writer<'_> {
    /// Writes the exit-permit step an import row's columns stand for, when it is news for the
    /// permit (see [`is_news`]); `stored` says whether the individual was in the store before
    /// (a new one has no steps to read); `at` is when (else now). Returns whether a step was
    /// written.
    pub(crate) fn carry_over_exit_permit(
        &mut self,
        record: &Record,
        stored: bool,
        recorded_by: &str,
        at: Option<DateTime<Utc>>,
    ) -> Result<bool, StoreError> {
        let history = match stored {
            true => steps_of(self.tx, record.case_no(), record.individual_no())?,
            false => Vec::new(),
        };
        // A first value is the permit's state before anything was recorded: the same bytes on
        // every device that imports it (like the migration's). A later value is news seen by
        // this import, recorded by who imported it, when.
        let (recorded_by, at) = if history.is_empty() {
            (FROM_THE_RECORD, DateTime::UNIX_EPOCH)
        } else {
            (recorded_by, at.unwrap_or_else(|| self.now()))
        };
        let Some(event) = event_of(record, recorded_by, at) else {
            return Ok(false);
        };
        if !history.is_empty() && !is_news(&event.step, &history, &event.individual_no) {
            return Ok(false);
        }
        let case_no = event.case_no.clone();
        // Already stored by id: the same value was carried over before (here or elsewhere).
        self.insert_event(&FieldEvent::ExitPermit(event), &case_no)
    }

    /// Now by this store's clock.
    fn now(&self) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp_millis(i64::try_from(self.now_ms()).unwrap_or(i64::MAX))
            .unwrap_or_else(Utc::now)
    }
}

impl Store {
    /// The data migration, once per store: every individual whose record holds an exit-permit
    /// status and who has no exit-permit step gets the step it stands for, through the outbox
    /// (so that it syncs) and the audit log (as this device). Returns how many.
    pub(crate) fn carry_over_exit_permits(&mut self) -> Result<u64, StoreError> {
        let done = |conn: &Connection| -> Result<bool, StoreError> {
            Ok(conn
                .query_row(
                    "SELECT 1 FROM data_migration WHERE name = ?1",
                    [MIGRATION],
                    |_| Ok(()),
                )
                .optional()?
                .is_some())
        };
        // Most opens find it done without taking the write lock.
        if done(&self.conn)? {
            return Ok(0);
        }
        let mut w = self.write()?;
        if done(w.tx)? {
            return Ok(0); // another process did it meanwhile
        }
        let sql = format!(
            "{} WHERE i.exit_permit IS NOT NULL AND NOT EXISTS (
                 SELECT 1 FROM event e WHERE e.case_no = i.case_no
                     AND e.kind = 'exit_permit' AND e.individual_no = i.individual_no)
             ORDER BY i.individual_no",
            *RECORD_SELECT
        );
        let records: Vec<Record> =
            w.tx.prepare(&sql)?
                .query_map([], read_record)?
                .map(|r| r.map(|(_, record)| record))
                .collect::<Result<_, _>>()?;
        let mut carried = 0;
        for record in &records {
            if let Some(event) = event_of(record, FROM_THE_RECORD, DateTime::UNIX_EPOCH) {
                if w.insert_event(&FieldEvent::ExitPermit(event), record.case_no())? {
                    carried += 1;
                }
            }
        }
        w.tx.execute(
            "INSERT INTO data_migration (name, done_at) VALUES (?1, ?2)",
            (MIGRATION, w.now().to_rfc3339()),
        )?;
        w.commit()?;
        Ok(carried)
    }
}
