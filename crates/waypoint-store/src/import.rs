//! Applying an import: validated records in, cases and individuals created or updated, local
//! edits kept and reported as clashes. All of it in one transaction: a file loads whole or not
//! at all.

use std::collections::HashSet;
use std::sync::LazyLock;

use rusqlite::OptionalExtension;
use serde::Serialize;
use waypoint_domain::{Field, Record};

use crate::profile::{case_fields, individual_fields, load_individual};
use crate::{Change, Store, StoreError, Writer};

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

type EditKey = (&'static str, String, &'static str);

struct Apply<'w, 'c> {
    w: &'w mut Writer<'c>,
    local_edits: HashSet<EditKey>,
    /// Numbers already in the store when the import began: a row whose number is not here
    /// is new, without a query.
    stored_individuals: HashSet<String>,
    stored_cases: HashSet<String>,
    summary: ImportSummary,
}

impl Apply<'_, '_> {
    /// Brings the stored fields of one record to the incoming values, keeping local edits.
    fn merge(
        &mut self,
        line: u64,
        scope: &'static str,
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
                        .execute((scope, entity, field.column()))?;
                    self.local_edits.remove(&key);
                }
                continue;
            }
            if edited {
                self.summary.clashes.push(Clash {
                    line,
                    case_no: incoming.case_no().to_string(),
                    individual_no: if scope == "individual" {
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

impl Store {
    /// Applies validated import records (with the line each starts on) in one transaction.
    /// With `dry_run`, reports what would happen and writes nothing.
    pub fn import<'r>(
        &mut self,
        rows: impl IntoIterator<Item = (u64, &'r Record)>,
        dry_run: bool,
        progress: &mut dyn FnMut(u64),
    ) -> Result<ImportSummary, StoreError> {
        let mut w = self.write()?;
        let local_edits =
            w.tx.prepare("SELECT scope, entity, field FROM local_edit")?
                .query_map([], |r| {
                    let scope: String = r.get(0)?;
                    let field: String = r.get(2)?;
                    Ok((scope, r.get::<_, String>(1)?, field))
                })?
                .filter_map(|row| {
                    let (scope, entity, field) = row.ok()?;
                    let scope = if scope == "case" {
                        "case"
                    } else {
                        "individual"
                    };
                    Some((scope, entity, Field::from_column(&field)?.column()))
                })
                .collect();
        let stored_individuals = keys(&w, "SELECT individual_no FROM individual")?;
        let stored_cases = keys(&w, "SELECT case_no FROM case_file")?;
        let mut apply = Apply {
            w: &mut w,
            local_edits,
            stored_individuals,
            stored_cases,
            summary: ImportSummary::default(),
        };
        let mut cases_seen: HashSet<String> = HashSet::new();
        let mut count = 0u64;
        for (line, record) in rows {
            let case_no = record.case_no();
            if !cases_seen.contains(case_no) {
                cases_seen.insert(case_no.to_string());
                apply_case(&mut apply, line, record)?;
            }
            apply_individual(&mut apply, line, record)?;
            count += 1;
            if count % 1000 == 0 {
                progress(count);
            }
        }
        progress(count);
        let mut summary = std::mem::take(&mut apply.summary);
        summary.dry_run = dry_run;
        if dry_run {
            drop(w); // rolls back
        } else {
            w.commit()?;
            self.search.invalidate();
        }
        Ok(summary)
    }
}

/// Every value of a one-column query.
fn keys(w: &Writer<'_>, sql: &str) -> Result<HashSet<String>, StoreError> {
    let mut stmt = w.tx.prepare(sql)?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn apply_case(apply: &mut Apply<'_, '_>, line: u64, record: &Record) -> Result<(), StoreError> {
    let case_no = record.case_no();
    let stored = if !apply.stored_cases.contains(case_no) {
        None
    } else {
        let mut stmt = apply.w.tx.prepare_cached(&SELECT_CASE)?;
        stmt.query_row([case_no], |r| {
            let mut rec = Record::new();
            for (i, f) in case_fields().enumerate() {
                rec.set(f, r.get(i)?);
            }
            Ok(rec)
        })
        .optional()?
    };
    match stored {
        None => {
            let values = case_fields().map(|f| record.get(f));
            (apply.w.tx.prepare_cached(&INSERT_CASE)?)
                .execute(rusqlite::params_from_iter(values))?;
            apply.w.append(Change::create("case", case_no))?;
            apply.summary.cases.created += 1;
        }
        Some(stored) => {
            let fields = case_fields().filter(|f| *f != Field::CaseNo);
            if apply.merge(line, "case", case_no, &stored, record, fields)? {
                apply.summary.cases.updated += 1;
            } else {
                apply.summary.cases.unchanged += 1;
            }
        }
    }
    Ok(())
}

fn apply_individual(
    apply: &mut Apply<'_, '_>,
    line: u64,
    record: &Record,
) -> Result<(), StoreError> {
    let individual_no = record.individual_no();
    let stored = if apply.stored_individuals.contains(individual_no) {
        load_individual(&apply.w.tx, individual_no)?
    } else {
        None
    };
    match stored {
        None => {
            apply
                .w
                .tx
                .prepare_cached(&INSERT_INDIVIDUAL)?
                .execute(rusqlite::params_from_iter(
                    individual_fields().map(|f| record.get(f)),
                ))?;
            apply
                .w
                .append(Change::create("individual", individual_no))?;
            apply.summary.individuals.created += 1;
        }
        Some((_, stored)) => {
            let fields = individual_fields().filter(|f| *f != Field::IndividualNo);
            if apply.merge(line, "individual", individual_no, &stored, record, fields)? {
                apply.summary.individuals.updated += 1;
            } else {
                apply.summary.individuals.unchanged += 1;
            }
        }
    }
    Ok(())
}
