//! `waypoint import FILE`: a case-import CSV checked and saved by the application layer, its
//! problems printed as `FILE:LINE:COLUMN: message`, progress on a terminal.

use std::fs::File;
use std::io::{BufReader, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use waypoint_app::import::{ImportMode, ImportProgress};

use crate::{Cli, context, open_as, output};

pub(crate) fn run(cli: &Cli, file: &Path, partial: bool, dry_run: bool) -> Result<ExitCode> {
    let name = file.display().to_string();
    let handle = File::open(file).with_context(|| format!("cannot read {name}"))?;
    let total = handle.metadata().map(|m| m.len()).unwrap_or(0).max(1);
    let (mut store, role) = open_as(cli)?;
    let show_progress = std::io::stderr().is_terminal();
    let mut progress = |p: ImportProgress| {
        if show_progress {
            match p {
                ImportProgress::Read { bytes, rows } => {
                    eprint!(
                        "\r{name}: read {:>3}% ({rows} rows)   ",
                        bytes * 100 / total
                    )
                }
                ImportProgress::Saved { rows } => {
                    eprint!("\r{name}: checked and saved {rows} rows   ")
                }
            }
        }
    };
    // What the role may not see is already out of the report.
    let report = waypoint_app::import::import_csv(
        &mut store,
        role,
        &context(),
        &name,
        BufReader::new(handle),
        ImportMode { partial, dry_run },
        &mut progress,
    )?;
    if show_progress {
        eprintln!();
    }
    let mut err = std::io::stderr().lock();
    for problem in &report.file.problems {
        writeln!(
            err,
            "{name}:{}:{}: {}",
            problem.line,
            problem.column,
            problem.message()
        )?;
    }
    let Some(summary) = &report.summary else {
        writeln!(
            err,
            "{name}: rejected: {} problem(s) in {} row(s); nothing was imported (fix them, or use --partial to load the good rows)",
            report.file.problems.len(),
            report.rows_with_problems()
        )?;
        return Ok(ExitCode::FAILURE);
    };
    drop(err);
    output::import_summary(&mut std::io::stdout().lock(), &name, &report, summary, role)?;
    Ok(ExitCode::SUCCESS)
}
