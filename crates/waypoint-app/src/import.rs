//! Importing a case-import CSV: one thread reads and checks the file while another saves the
//! good rows through the store's batch-writing API ([`Store::begin_import`]), all in one
//! transaction; then what the role may not see is removed from the report ([`hide_from`]).

use std::io::Read;
use std::sync::mpsc;

use chrono::{DateTime, Utc};

use waypoint_domain::{Action, Field, Record, Role, may_see};
use waypoint_import::ImportOptions;
pub use waypoint_import::{ImportError, ParsedFile, Problem, ProblemCode, Warning, WarningCode};
pub use waypoint_store::{Clash, ImportSummary, Tally};
use waypoint_store::{Store, StoreError};

use crate::{AppError, Context};

/// How an import file is to be taken.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportMode {
    /// Load the good rows of a file that has problems (else such a file loads nothing).
    pub partial: bool,
    /// Say what would happen; save nothing.
    pub dry_run: bool,
}

/// How far an import has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportProgress {
    /// Bytes and rows read and checked so far.
    Read { bytes: u64, rows: u64 },
    /// Rows applied to the store so far.
    Saved { rows: u64 },
}

/// What an import of a file did.
#[derive(Debug)]
pub struct ImportReport {
    /// Problems, warnings and ignored columns of the file (its rows are not kept here).
    pub file: ParsedFile,
    /// What was saved, or `None` when the file was rejected and nothing was saved.
    pub summary: Option<ImportSummary>,
}

impl ImportReport {
    /// How many rows have at least one problem.
    pub fn rows_with_problems(&self) -> u64 {
        let mut lines: Vec<u64> = self.file.problems.iter().map(|p| p.line).collect();
        lines.dedup();
        // Problems are sorted by line: equal lines are neighbours.
        lines.len() as u64
    }
}

/// What a role is told instead of a value it may not see.
pub use waypoint_import::NOT_SHOWN;

/// Imports the case-import CSV `input` (named `file_name` in what is said about it) for a
/// person working in `role`: committed only if the whole file is good (or `mode.partial`),
/// never with `mode.dry_run`. The report holds nothing the role may not see.
pub fn import_csv<R: Read + Send>(
    store: &mut Store,
    role: Role,
    ctx: &Context,
    file_name: &str,
    input: R,
    mode: ImportMode,
    progress: &mut dyn FnMut(ImportProgress),
) -> Result<ImportReport, AppError> {
    store.require(role, Action::Import)?;
    let options = ImportOptions::new(ctx.today());
    let mut report =
        save_while_reading(store, input, &options, mode, ctx.now, progress)?.map_err(|source| {
            AppError::File {
                file_name: file_name.to_string(),
                source,
            }
        })?;
    hide_from(role, &mut report);
    Ok(report)
}

/// Removes from an import's report what `role` may not see: the values of problems and
/// warnings about such a field (their codes name the value, so they are replaced), and
/// both sides of a clash on one. Line and column stay, so the person can still find the row.
/// The file came from the person importing, but the values kept on this device did not, and
/// need-to-know is kept the same way for both.
pub fn hide_from(role: Role, report: &mut ImportReport) {
    let hidden = |column: &str| Field::from_column(column).is_some_and(|f| !may_see(role, f));
    for p in &mut report.file.problems {
        if hidden(&p.column) {
            p.hide();
        }
    }
    for w in &mut report.file.warnings {
        if hidden(&w.column) {
            w.hide();
        }
    }
    if let Some(summary) = &mut report.summary {
        for c in summary
            .clashes
            .iter_mut()
            .filter(|c| !may_see(role, c.field))
        {
            c.local = None;
            c.incoming = None;
        }
    }
}

/// Rows travel from the reading thread to the saving thread in batches of this many.
const BATCH: usize = 512;

enum Message {
    Rows(Vec<(u64, Record)>),
    Read { bytes: u64, rows: u64 },
}

/// The pipeline: the outer error is the store's, the inner one says the file could not be
/// read as a case import at all (nothing was saved either way).
fn save_while_reading<R: Read + Send>(
    store: &mut Store,
    input: R,
    options: &ImportOptions,
    mode: ImportMode,
    now: DateTime<Utc>,
    progress: &mut dyn FnMut(ImportProgress),
) -> Result<Result<ImportReport, ImportError>, StoreError> {
    let (tx, rx) = mpsc::sync_channel::<Message>(8);
    // Saved batches go back to the reading thread, which made their records: freeing memory
    // on the thread that allocated it is cheaper, and the saving thread is the busier one.
    let (used_tx, used_rx) = mpsc::channel::<Vec<(u64, Record)>>();
    std::thread::scope(|scope| {
        let reader = std::thread::Builder::new()
            .name("import-reader".into())
            .spawn_scoped(scope, move || {
                let mut batch = Vec::with_capacity(BATCH);
                let rows_tx = tx.clone();
                let parsed = waypoint_import::parse_streaming(
                    input,
                    options,
                    &mut |bytes, rows| {
                        let _ = tx.send(Message::Read { bytes, rows });
                    },
                    &mut |line, record| {
                        batch.push((line, record));
                        if batch.len() == BATCH {
                            // The next batch reuses a saved one, its records freed here.
                            let next = match used_rx.try_recv() {
                                Ok(mut used) => {
                                    used.clear();
                                    used
                                }
                                Err(_) => Vec::with_capacity(BATCH),
                            };
                            let full = std::mem::replace(&mut batch, next);
                            // A closed channel means the saving side stopped; reading on to
                            // the end is harmless.
                            let _ = rows_tx.send(Message::Rows(full));
                        }
                    },
                );
                if !batch.is_empty() {
                    let _ = rows_tx.send(Message::Rows(batch));
                }
                parsed
            })?;
        let mut session = store.begin_import()?;
        session.recorded_at(now);
        let mut next = rx.recv().ok();
        while let Some(message) = next.take() {
            match message {
                Message::Rows(rows) => {
                    for (line, record) in &rows {
                        session.apply(*line, record)?;
                    }
                    progress(ImportProgress::Saved {
                        rows: session.rows(),
                    });
                    // Whichever side has the time frees the saved batch: the reading side
                    // when more rows already wait here, else this one, which would only wait.
                    // (If the reading side has finished, it is freed here.)
                    match rx.try_recv() {
                        Ok(waiting) => {
                            let _ = used_tx.send(rows);
                            next = Some(waiting);
                            continue;
                        }
                        Err(_) => drop(rows),
                    }
                }
                Message::Read { bytes, rows } => progress(ImportProgress::Read { bytes, rows }),
            }
            next = rx.recv().ok();
        }
        let file = match reader.join() {
            Ok(Ok(file)) => file,
            Ok(Err(e)) => return Ok(Err(e)),
            Err(_) => {
                return Err(StoreError::Corrupt(
                    "the import stopped while reading the file".into(),
                ));
            }
        };
        let summary = if !file.problems.is_empty() && !mode.partial {
            None
        } else if mode.dry_run {
            Some(session.rollback())
        } else {
            Some(session.commit()?)
        };
        Ok(Ok(ImportReport { file, summary }))
    })
}
