//! `waypoint`: the command line over Waypoint's core, for bulk work, scripts, tests and
//! benchmarks. Every command works offline against the local store in the data directory.

mod output;

use std::fs::File;
use std::io::{BufReader, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use waypoint_domain::Field;
use waypoint_import::{ImportOptions, ParsedFile};
use waypoint_store::Store;

#[derive(Debug, Parser)]
#[command(
    name = "waypoint",
    version,
    about = "Waypoint: movement operations, offline first"
)]
struct Cli {
    /// Where this device keeps its data [default: the platform's data directory]
    #[arg(long, global = true, env = "WAYPOINT_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Load cases from a case-import CSV (all or nothing, unless --partial)
    Import {
        file: PathBuf,
        /// Load the good rows and report the bad ones
        #[arg(long)]
        partial: bool,
        /// Check the file and say what an import would do, without changing anything
        #[arg(long)]
        dry_run: bool,
    },
    /// Find individuals by name, case number, individual number or document number
    Search {
        query: String,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Cases
    Case {
        #[command(subcommand)]
        command: CaseCommand,
    },
    /// Individuals
    Individual {
        #[command(subcommand)]
        command: IndividualCommand,
    },
    /// Write every case, individual and event as canonical JSON Lines
    Export {
        /// Write to FILE instead of standard output
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Show the changes waiting to be synced
    Outbox {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum CaseCommand {
    /// Show a case: its members, documents, special needs and what was recorded
    Show {
        case_no: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum IndividualCommand {
    /// Change one field (named as in the import CSV, e.g. family_name)
    Set {
        individual_no: String,
        field: String,
        value: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("waypoint: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

fn data_dir(cli: &Cli) -> Result<PathBuf> {
    if let Some(dir) = &cli.data_dir {
        return Ok(dir.clone());
    }
    directories::ProjectDirs::from("org", "Waypoint", "waypoint")
        .map(|d| d.data_dir().to_path_buf())
        .ok_or_else(|| anyhow!("no data directory could be found: give one with --data-dir DIR"))
}

fn open(cli: &Cli) -> Result<Store> {
    let dir = data_dir(cli)?;
    Store::open(&dir).with_context(|| format!("opening the store in {}", dir.display()))
}

fn run(cli: Cli) -> Result<ExitCode> {
    match &cli.command {
        Command::Import {
            file,
            partial,
            dry_run,
        } => import(&cli, file, *partial, *dry_run),
        Command::Search { query, limit, json } => {
            let results = open(&cli)?.search(query, *limit)?;
            let mut out = std::io::stdout().lock();
            if *json {
                serde_json::to_writer_pretty(&mut out, &results)?;
                writeln!(out)?;
            } else {
                output::search_results(&mut out, &results)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Case {
            command: CaseCommand::Show { case_no, json },
        } => {
            let view = open(&cli)?
                .case(case_no)?
                .ok_or_else(|| anyhow!("there is no case with number {}", case_no.trim()))?;
            let mut out = std::io::stdout().lock();
            if *json {
                serde_json::to_writer_pretty(&mut out, &view)?;
                writeln!(out)?;
            } else {
                output::case(&mut out, &view, today())?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Individual {
            command:
                IndividualCommand::Set {
                    individual_no,
                    field,
                    value,
                },
        } => {
            let field = Field::from_column(field).ok_or_else(|| {
                let names: Vec<&str> = Field::ALL.iter().map(|f| f.column()).collect();
                anyhow!("'{field}' is not a field; fields are: {}", names.join(", "))
            })?;
            let outcome = open(&cli)?.set_field(individual_no, field, value, today())?;
            match outcome {
                waypoint_store::EditOutcome::Changed { field, entity } => {
                    println!("saved: {field} of {entity}")
                }
                waypoint_store::EditOutcome::Unchanged { field, entity } => {
                    println!("unchanged: {field} of {entity} already has that value")
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Export { out } => {
            let store = open(&cli)?;
            match out {
                Some(path) => {
                    // Written beside the target and renamed, so a crash never leaves half a dump.
                    let tmp = path.with_extension("partial");
                    let file = File::create(&tmp)
                        .with_context(|| format!("cannot write {}", tmp.display()))?;
                    let mut w = std::io::BufWriter::new(file);
                    store.export(&mut w)?;
                    w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
                    std::fs::rename(&tmp, path)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                }
                None => store.export(&mut std::io::BufWriter::new(std::io::stdout().lock()))?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Outbox { json } => {
            let store = open(&cli)?;
            let entries = store.outbox(usize::MAX >> 1)?;
            let mut out = std::io::stdout().lock();
            if *json {
                serde_json::to_writer_pretty(
                    &mut out,
                    &serde_json::json!({ "pending": entries.len(), "entries": entries }),
                )?;
                writeln!(out)?;
            } else {
                output::outbox(&mut out, &entries)?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn import(cli: &Cli, file: &Path, partial: bool, dry_run: bool) -> Result<ExitCode> {
    let name = file.display().to_string();
    let handle = File::open(file).with_context(|| format!("cannot read {name}"))?;
    let total = handle.metadata().map(|m| m.len()).unwrap_or(0);
    let show_progress = std::io::stderr().is_terminal();
    let mut progress = |bytes: u64, rows: u64| {
        if show_progress && total > 0 {
            eprint!(
                "\rreading {name}: {:>3}% ({rows} rows)",
                bytes * 100 / total
            );
        }
    };
    let parsed: ParsedFile = waypoint_import::parse(
        BufReader::new(handle),
        &ImportOptions { today: today() },
        &mut progress,
    )
    .map_err(|e| anyhow!("{name}: {e}"))?;
    if show_progress {
        eprintln!();
    }
    let mut err = std::io::stderr().lock();
    for problem in &parsed.problems {
        writeln!(
            err,
            "{name}:{}:{}: {}",
            problem.line, problem.column, problem.message
        )?;
    }
    if !parsed.problems.is_empty() && !partial {
        let bad_rows = output::distinct_lines(&parsed);
        writeln!(
            err,
            "{name}: rejected: {} problem(s) in {bad_rows} row(s); nothing was imported (fix them, or use --partial to load the good rows)",
            parsed.problems.len()
        )?;
        return Ok(ExitCode::FAILURE);
    }
    drop(err);
    let mut store = open(cli)?;
    let mut apply_progress = |rows: u64| {
        if show_progress {
            eprint!("\rsaving: {rows} rows");
        }
    };
    let summary = store.import(
        parsed.rows.iter().map(|r| (r.line, &r.record)),
        dry_run,
        &mut apply_progress,
    )?;
    if show_progress {
        eprintln!();
    }
    output::import_summary(&mut std::io::stdout().lock(), &name, &parsed, &summary)?;
    Ok(ExitCode::SUCCESS)
}
