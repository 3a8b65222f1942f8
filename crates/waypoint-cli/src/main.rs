//! `waypoint`: the command line over Waypoint's core, for bulk work, scripts, tests and
//! benchmarks. Every command works offline against the local store in the data directory.

mod audit;
mod output;
mod sync;

/// mimalloc: imports allocate on the reading thread and free on the saving thread, which
/// glibc's allocator handles slowly (a third of an import's time went to malloc and free).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::fs::File;
use std::io::{BufReader, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use waypoint_domain::Field;
use waypoint_import::ImportOptions;
use waypoint_keys::{DeviceKeys, SecretPlace, StoreKey};
use waypoint_store::{ImportMode, ImportProgress, Store, StoreError};
use zeroize::Zeroizing;

/// The environment variable that holds the PIN (never a flag: flags show in process lists).
const PIN_ENV: &str = "WAYPOINT_PIN";
/// The new staff member's PIN for `waypoint staff add`.
const NEW_PIN_ENV: &str = "WAYPOINT_NEW_PIN";

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

    /// Who is working: the staff member whose PIN (in WAYPOINT_PIN) unlocks the data. The
    /// first command on a new data directory makes its key for this staff member and PIN.
    #[arg(long, global = true, env = "WAYPOINT_STAFF", value_name = "NAME")]
    staff: Option<String>,

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
    /// Enrol this device with the HQ server, with the one-time code HQ gave you
    Enrol {
        /// The server's address, e.g. https://sync.example.org
        #[arg(long)]
        server: String,
        /// The enrolment code printed by `waypoint-server admin device enrol`
        #[arg(long)]
        code: String,
    },
    /// Send this device's changes to the server and receive its sites' changes
    Sync {
        #[arg(long)]
        json: bool,
    },
    /// Edits made on two devices at once, waiting for a person to decide
    Conflicts {
        #[command(subcommand)]
        command: ConflictsCommand,
    },
    /// Last successful sync, changes waiting, conflicts
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Staff who can unlock this device's data
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// The tamper-evident audit trail: who changed, recorded or viewed what
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Debug, Subcommand)]
enum StaffCommand {
    /// Let a colleague unlock this device with their own PIN (given in WAYPOINT_NEW_PIN);
    /// needs your own PIN in WAYPOINT_PIN
    Add { name: String },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Check that no entry was altered, removed, reordered or inserted (exit code 1 if any was)
    Verify {
        #[arg(long)]
        json: bool,
    },
    /// List the entries, oldest first
    List {
        /// Only entries after this one
        #[arg(long, default_value_t = 0, value_name = "SEQ")]
        after: i64,
        #[arg(long, default_value_t = 1000)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum ConflictsCommand {
    /// List the conflicts waiting for review
    List {
        #[arg(long)]
        json: bool,
    },
    /// Settle a conflict: keep this device's value, the other device's, or a value you type
    Resolve {
        id: String,
        /// mine, theirs, or the value to keep
        #[arg(long, value_name = "VALUE|theirs|mine")]
        keep: String,
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
        // Whoever read our output stopped reading (`waypoint export | head`): what was asked
        // was done, so this is not a failure, and there is no one to tell.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("waypoint: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
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
    let key = unlock(cli, &dir)?;
    let mut store = Store::open(&dir, &key)
        .with_context(|| format!("opening the store in {}", dir.display()))?;
    // The audit log names the person who unlocked the store (issue 6: every change and view is
    // attributable to a person), not only this device.
    if let Some(staff) = cli
        .staff
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        store.act_as(&format!("staff:{staff}"));
    }
    Ok(store)
}

/// A PIN from the environment variable `name`, wiped from memory when dropped.
fn pin_from(name: &str) -> Result<Zeroizing<String>> {
    std::env::var(name)
        .ok()
        .filter(|p| !p.is_empty())
        .map(Zeroizing::new)
        .ok_or_else(|| anyhow!("no PIN: give it in the environment variable {name}"))
}

/// The store key of `dir`, unwrapped with the staff member's PIN; on a new data directory
/// (no store, no keys), a new key made for them.
fn unlock(cli: &Cli, dir: &Path) -> Result<StoreKey> {
    unlock_keys(cli, dir).map(|(_, key)| key)
}

fn unlock_keys(cli: &Cli, dir: &Path) -> Result<(DeviceKeys, StoreKey)> {
    let staff = cli
        .staff
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            anyhow!("who is working? give your name with --staff NAME (or WAYPOINT_STAFF) and your PIN in {PIN_ENV}")
        })?;
    let pin = pin_from(PIN_ENV)?;
    let place = SecretPlace::for_this_device()?;
    Ok(DeviceKeys::unlock_or_create(
        dir,
        &place,
        &dir.join(waypoint_store::DB_FILE),
        staff,
        &pin,
    )?)
}

fn staff_add(cli: &Cli, name: &str) -> Result<ExitCode> {
    let dir = data_dir(cli)?;
    let new_pin = pin_from(NEW_PIN_ENV)?;
    let (mut keys, key) = unlock_keys(cli, &dir)?;
    // The key must open this store before anyone else is given it.
    drop(
        Store::open(&dir, &key)
            .with_context(|| format!("opening the store in {}", dir.display()))?,
    );
    keys.add_staff(&key, name, &new_pin)?;
    writeln!(
        std::io::stdout().lock(),
        "{} can now unlock this device with their PIN",
        name.trim()
    )?;
    Ok(ExitCode::SUCCESS)
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
            let mut out = std::io::stdout().lock();
            match outcome {
                waypoint_store::EditOutcome::Changed { field, entity } => {
                    writeln!(out, "saved: {field} of {entity}")?
                }
                waypoint_store::EditOutcome::Unchanged { field, entity } => {
                    writeln!(out, "unchanged: {field} of {entity} already has that value")?
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
        Command::Enrol { server, code } => sync::enrol(&mut open(&cli)?, server, code),
        Command::Sync { json } => sync::sync(&mut open(&cli)?, *json),
        Command::Conflicts {
            command: ConflictsCommand::List { json },
        } => sync::conflicts_list(&open(&cli)?, *json),
        Command::Conflicts {
            command: ConflictsCommand::Resolve { id, keep },
        } => sync::conflicts_resolve(&mut open(&cli)?, id, keep, today()),
        Command::Status { json } => sync::status(&open(&cli)?, *json),
        Command::Staff {
            command: StaffCommand::Add { name },
        } => staff_add(&cli, name),
        Command::Audit {
            command: AuditCommand::Verify { json },
        } => audit::verify(&open(&cli)?, *json),
        Command::Audit {
            command: AuditCommand::List { after, limit, json },
        } => audit::list(&open(&cli)?, *after, *limit, *json),
    }
}

fn import(cli: &Cli, file: &Path, partial: bool, dry_run: bool) -> Result<ExitCode> {
    let name = file.display().to_string();
    let handle = File::open(file).with_context(|| format!("cannot read {name}"))?;
    let total = handle.metadata().map(|m| m.len()).unwrap_or(0).max(1);
    let mut store = open(cli)?;
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
    let options = ImportOptions { today: today() };
    let report = store
        .import_csv(
            BufReader::new(handle),
            &options,
            ImportMode { partial, dry_run },
            &mut progress,
        )
        .map_err(|e| match e {
            StoreError::File(e) => anyhow!("{name}: {e}"),
            e => anyhow::Error::new(e),
        })?;
    if show_progress {
        eprintln!();
    }
    let mut err = std::io::stderr().lock();
    for problem in &report.file.problems {
        writeln!(
            err,
            "{name}:{}:{}: {}",
            problem.line, problem.column, problem.message
        )?;
    }
    let Some(summary) = report.summary else {
        writeln!(
            err,
            "{name}: rejected: {} problem(s) in {} row(s); nothing was imported (fix them, or use --partial to load the good rows)",
            report.file.problems.len(),
            output::distinct_lines(&report.file)
        )?;
        return Ok(ExitCode::FAILURE);
    };
    drop(err);
    output::import_summary(&mut std::io::stdout().lock(), &name, &report.file, &summary)?;
    Ok(ExitCode::SUCCESS)
}
