//! Applying an import: validated records in, cases and individuals created or updated, local
//! edits kept and reported as clashes. All of it in one transaction (rows, outbox and audit
//! together): a file loads whole or not at all. Reading and checking the file is the
//! application layer's (`waypoint-app`), which hands the good rows here in batches.

use std::borrow::Borrow;
use std::collections::HashSet;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use rusqlite::{CachedStatement, OptionalExtension};
use serde::Serialize;
use waypoint_domain::{Field, Record, Scope};

use crate::profile::{case_fields, individual_fields, load_individual};
use crate::search::SearchCache;
use crate::{AuditAction, Change, Store, StoreError, Writer};

/// How many records were created, updated or left as they were.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
}

/// A field edited on this device that the import would have changed: the local value was
/// kept, and a person decides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Clash {
    /// The line of the import file where the record starts.
    pub line: u64,
    pub case_no: String,
    /// Empty for a case field.
    pub individual_no: String,
    pub field: Field,
    pub local: Option<String>,
    pub incoming: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub cases: Tally,
    pub individuals: Tally,
    pub clashes: Vec<Clash>,
    /// Exit-permit steps written from the file's `exit_permit` columns (a status the permit
    /// was not at yet).
    pub exit_permit_steps: u64,
    /// Nothing was written: the summary says what an import would do.
    pub dry_run: bool,
}

static INSERT_INDIVIDUAL: LazyLock<String> = LazyLock::new(|| {
    let cols: Vec<&str> = individual_fields().map(Field::column).collect();
    let params: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
    format!(
        "INSERT INTO individual ({}) VALUES ({})",
        cols.join(", "),
        params.join(", ")
    )
});

static INSERT_CASE: LazyLock<String> = LazyLock::new(|| {
    let cols: Vec<&str> = case_fields().map(Field::column).collect();
    let params: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
    format!(
        "INSERT INTO case_file ({}) VALUES ({})",
        cols.join(", "),
        params.join(", ")
    )
});

static SELECT_CASE: LazyLock<String> = LazyLock::new(|| {
    let cols: Vec<&str> = case_fields().map(Field::column).collect();
    format!(
        "SELECT {} FROM case_file WHERE case_no = ?1",
        cols.join(", ")
    )
});

type EditKey = (Scope, String, &'static str);

/// An import under way: one write transaction, applied row by row, then committed whole or
/// rolled back whole.
pub struct ImportSession<'s> {
    w: Writer<'s>,
    insert_individual: CachedStatement<'s>,
    insert_case: CachedStatement<'s>,
    search: &'s mut SearchCache,
    local_edits: HashSet<EditKey>,
    /// Numbers already in the store when the import began: a row whose number is not here
    /// is new, without a query.
    stored_individuals: HashSet<String>,
    stored_cases: HashSet<String>,
    cases_seen: HashSet<String>,
    /// The case of the row applied last.
    last_case: Option<String>,
    summary: ImportSummary,
    rows: u64,
    /// Who the exit-permit steps carried over from the file are recorded by.
    recorded_by: String,
    /// When they are recorded (see [`ImportSession::recorded_at`]).
    at: Option<DateTime<Utc>>,
}

impl Store {
    /// Starts an import: takes the write lock now; nothing is visible until [`ImportSession::commit`].
    pub fn begin_import(&mut self) -> Result<ImportSession<'_>, StoreError> {
        let mut w = Writer::begin(&self.conn, &self.staff)?;
        // One audit entry for the whole import (count and digest), not one per change.
        w.audit_as_batch(AuditAction::Import);
        let local_edits = {
            let mut stmt =
                w.tx.prepare("SELECT scope, entity, field FROM local_edit")?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?;
            let mut edits = HashSet::new();
            for row in rows {
                let (scope, entity, field): (String, String, String) = row?;
                let scope = if scope == Scope::Case.as_str() {
                    Scope::Case
                } else {
                    Scope::Individual
                };
                if let Some(field) = Field::from_column(&field) {
                    edits.insert((scope, entity, field.column()));
                }
            }
            edits
        };
        let stored_individuals = keys(&w, "SELECT individual_no FROM individual")?;
        let stored_cases = keys(&w, "SELECT case_no FROM case_file")?;
        Ok(ImportSession {
            insert_individual: self.conn.prepare_cached(&INSERT_INDIVIDUAL)?,
            insert_case: self.conn.prepare_cached(&INSERT_CASE)?,
            w,
            search: &mut self.search,
            local_edits,
            stored_individuals,
            stored_cases,
            cases_seen: HashSet::new(),
            last_case: None,
            summary: ImportSummary::default(),
            rows: 0,
            recorded_by: self.staff.clone(),
            at: None,
        })
    }

    /// Applies validated import records (with the line each starts on) in one transaction.
    /// With `dry_run`, reports what would happen and writes nothing.
    pub fn import<R: Borrow<Record>>(
        &mut self,
        rows: impl IntoIterator<Item = (u64, R)>,
        dry_run: bool,
        progress: &mut dyn FnMut(u64),
    ) -> Result<ImportSummary, StoreError> {
        let mut session = self.begin_import()?;
        for (line, record) in rows {
            session.apply(line, record.borrow())?;
            if session.rows() % 1000 == 0 {
                progress(session.rows());
            }
        }
        progress(session.rows());
        if dry_run {
            Ok(session.rollback())
        } else {
            session.commit()
        }
    }
}

impl std::fmt::Debug for ImportSession<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportSession")
            .field("rows", &self.rows)
            .finish()
    }
}

impl ImportSession<'_> {
    /// Applies one validated record.
    pub fn apply(&mut self, line: u64, record: &Record) -> Result<(), StoreError> {
        let case_no = record.case_no();
        // The rows of a case usually follow each other: only a new case number is looked up.
        if self.last_case.as_deref() != Some(case_no) {
            if !self.cases_seen.contains(case_no) {
                self.cases_seen.insert(case_no.to_string());
                self.apply_case(line, record)?;
            }
            let last = self.last_case.get_or_insert_with(String::new);
            last.clear();
            last.push_str(case_no);
        }
        self.apply_individual(line, record)?;
        self.rows += 1;
        Ok(())
    }

    /// Records the exit-permit steps carried over from the file as of `at` (the time of the
    /// request), not of the store's clock: a step without a day is ordered by it.
    pub fn recorded_at(&mut self, at: DateTime<Utc>) {
        self.at = Some(at);
    }

    /// How many records were applied so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Makes the whole import durable and visible at once.
    pub fn commit(self) -> Result<ImportSummary, StoreError> {
        self.w.commit()?;
        self.search.invalidate();
        Ok(self.summary)
    }

    /// Undoes everything this import did; the summary says what it would have done.
    pub fn rollback(self) -> ImportSummary {
        let mut summary = self.summary;
        summary.dry_run = true;
        summary // dropping the transaction rolls it back
    }

    fn apply_case(&mut self, line: u64, record: &Record) -> Result<(), StoreError> {
        let case_no = record.case_no();
        let stored = if self.stored_cases.contains(case_no) {
            let mut stmt = self.w.tx.prepare_cached(&SELECT_CASE)?;
            stmt.query_row([case_no], |r| {
                let mut rec = Record::new();
                for (i, f) in case_fields().enumerate() {
                    rec.set(f, r.get(i)?);
                }
                Ok(rec)
            })
            .optional()?
        } else {
            None
        };
        match stored {
            None => {
                let values = case_fields().map(|f| record.get(f));
                self.insert_case
                    .execute(rusqlite::params_from_iter(values))?;
                self.w.append(Change::create(Scope::Case, case_no))?;
                self.summary.cases.created += 1;
            }
            Some(stored) => {
                let fields = case_fields().filter(|f| *f != Field::CaseNo);
                if self.merge(line, Scope::Case, case_no, &stored, record, fields)? {
                    self.summary.cases.updated += 1;
                } else {
                    self.summary.cases.unchanged += 1;
                }
            }
        }
        Ok(())
    }

    fn apply_individual(&mut self, line: u64, record: &Record) -> Result<(), StoreError> {
        let known = self.stored_individuals.contains(record.individual_no());
        self.save_individual(line, record, known)?;
        // The permit's columns are a step of its history now (the fields are kept too, for
        // older versions of Waypoint).
        if self
            .w
            .carry_over_exit_permit(record, known, &self.recorded_by, self.at)?
        {
            self.summary.exit_permit_steps += 1;
        }
        Ok(())
    }

    fn save_individual(
        &mut self,
        line: u64,
        record: &Record,
        known: bool,
    ) -> Result<(), StoreError> {
        let individual_no = record.individual_no();
        let stored = if known {
            load_individual(self.w.tx, individual_no)?
        } else {
            None
        };
        match stored {
            None => {
                let values = individual_fields().map(|f| record.get(f));
                self.insert_individual
                    .execute(rusqlite::params_from_iter(values))?;
                self.w
                    .append(Change::create(Scope::Individual, individual_no))?;
                self.summary.individuals.created += 1;
            }
            Some((_, stored)) => {
                let fields = individual_fields().filter(|f| *f != Field::IndividualNo);
                if self.merge(
                    line,
                    Scope::Individual,
                    individual_no,
                    &stored,
                    record,
                    fields,
                )? {
                    self.summary.individuals.updated += 1;
                } else {
                    self.summary.individuals.unchanged += 1;
                }
            }
        }
        Ok(())
    }

    /// Brings the stored fields of one record to the incoming values, keeping local edits.
    fn merge(
        &mut self,
        line: u64,
        scope: Scope,
        entity: &str,
        stored: &Record,
        incoming: &Record,
        fields: impl Iterator<Item = Field>,
    ) -> Result<bool, StoreError> {
        let mut changed = false;
        for field in fields {
            let (old, new) = (stored.get(field), incoming.get(field));
            let key = (scope, entity.to_string(), field.column());
            let edited = self.local_edits.contains(&key);
            if old == new {
                if edited {
                    // The source now agrees with the local edit: it is no longer a local edit.
                    self.w
                        .tx
                        .prepare_cached(
                            "DELETE FROM local_edit WHERE scope = ?1 AND entity = ?2 AND field = ?3",
                        )?
                        .execute((scope.as_str(), entity, field.column()))?;
                    self.local_edits.remove(&key);
                }
                continue;
            }
            if edited {
                self.summary.clashes.push(Clash {
                    line,
                    case_no: incoming.case_no().to_string(),
                    individual_no: if scope == Scope::Individual {
                        entity.to_string()
                    } else {
                        String::new()
                    },
                    field,
                    local: old.map(str::to_string),
                    incoming: new.map(str::to_string),
                });
                continue;
            }
            self.w.set_column(field, entity, new)?;
            changed = true;
        }
        Ok(changed)
    }
}

/// Every value of a one-column query.
fn keys(w: &Writer<'_>, sql: &str) -> Result<HashSet<String>, StoreError> {
    let mut stmt = w.tx.prepare(sql)?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
