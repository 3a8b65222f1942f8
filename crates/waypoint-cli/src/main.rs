//! `waypoint`: the command line over Waypoint's core, for bulk work, scripts, tests and
//! benchmarks. Every command works offline against the local store in the data directory.

mod abn;
mod app;
mod arrival;
mod audit;
mod bag;
mod booking;
mod check;
mod counselling;
mod custody;
mod departure;
mod exit_permit;
mod export;
mod history;
mod import;
mod journey;
mod manifest;
mod needs;
mod outbox;
mod output;
mod signin;
mod staff;
mod sync;

/// mimalloc: imports allocate on the reading thread and free on the saving thread, which
/// glibc's allocator handles slowly (a third of an import's time went to malloc and free).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use waypoint_app::individual::EditOutcome;
use waypoint_app::open::{OpenError, Opened, Purpose};
use waypoint_app::{AppError, Context as AppContext, Store};
use waypoint_domain::Role;
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
        /// Show the changes the server refused instead (kept here until dismissed)
        #[arg(long, conflicts_with = "dismiss")]
        refused: bool,
        /// Dismiss the refused change NUMBER, once it has been dealt with (supervisors)
        #[arg(long, value_name = "NUMBER")]
        dismiss: Option<i64>,
    },
    /// Enrol this device with the HQ server, with the one-time code HQ gave you
    Enrol {
        /// The server's address, e.g. https://sync.example.org
        #[arg(long)]
        server: String,
        /// The enrolment code printed by `waypoint-server admin device enrol`
        #[arg(long)]
        code: String,
        /// Enrol a device that is already enrolled (a supervisor only): first sends every
        /// pending change and the audit log to its current server, refusing if it cannot
        #[arg(long)]
        replace: bool,
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
    /// Identity checks: read a passport's or ID card's MRZ, compare it with a record
    Check {
        #[command(subcommand)]
        command: check::CheckCommand,
    },
    /// Where each travel document is, and recording one changing hands
    Custody {
        #[command(subcommand)]
        command: custody::CustodyCommand,
    },
    /// Pre-departure counselling: checklists, sessions held, recording one
    Counselling {
        #[command(subcommand)]
        command: counselling::CounsellingCommand,
    },
    /// Exit permits: recording a step, and an individual's history of steps
    ExitPermit {
        #[command(subcommand)]
        command: exit_permit::ExitPermitCommand,
    },
    /// An ABN (Advance Booking Notification): its versions, as CSV
    Abn {
        #[command(subcommand)]
        command: abn::AbnCommand,
    },
    /// Bookings in bulk: import a bookings file from the booking system
    Bookings {
        #[command(subcommand)]
        command: BookingsCommand,
    },
    /// A booking: show it, cancel it, take a traveller off it, acknowledge a warning
    Booking {
        #[command(subcommand)]
        command: booking::BookingCommand,
    },
    /// Special needs (SSR codes, notes) and vulnerabilities
    Needs {
        #[command(subcommand)]
        command: needs::NeedsCommand,
    },
    /// A case's travel bag: what must travel with it, ticked from what is known or by hand,
    /// and its handover
    Bag {
        #[command(subcommand)]
        command: bag::BagCommand,
    },
    /// The departure notification of a booking whose flight has left: who departed, who did
    /// not and why
    Departure {
        #[command(subcommand)]
        command: departure::DepartureCommand,
    },
    /// Transport manifests on departure day: who rides which vehicle, the head count at
    /// boarding (by scan), no-shows; on screen, as PDF and CSV
    Manifest {
        #[command(subcommand)]
        command: manifest::ManifestCommand,
    },
    /// Food and essential items handed out on departure day, per person
    Items {
        #[command(subcommand)]
        command: manifest::ItemsCommand,
    },
    /// The port of entry: expected arrivals, the arrival checklist, incidents, paperwork
    Arrival {
        #[command(subcommand)]
        command: arrival::ArrivalCommand,
    },
}

#[derive(Debug, Subcommand)]
enum BookingsCommand {
    /// Load a bookings CSV (one row per traveller per segment): all or nothing, every problem
    /// as FILE:LINE:COLUMN; loading the same file again records nothing
    Import {
        file: PathBuf,
        /// Check the file and say what it would change, saving nothing
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum StaffCommand {
    /// Let a colleague unlock this device with their own PIN (given in WAYPOINT_NEW_PIN), in
    /// the role you give them; needs your own PIN in WAYPOINT_PIN and the supervisor or
    /// administrator role. On an enrolled device, staff accounts are managed at HQ.
    Add {
        name: String,
        /// What they may see and do: field_assistant, poe_associate, data_processing,
        /// supervisor or administrator [default: their role on this device, if they have one]
        #[arg(long, value_name = "ROLE")]
        role: Option<String>,
    },
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
    /// Where each member of a case stands on the journey, and what they still need
    Journey {
        case_no: String,
        #[arg(long)]
        json: bool,
    },
    /// Everything recorded about a case, newest first: checks, counselling, custody, exit
    /// permits, holds, bookings, ABN versions and acknowledged warnings
    History {
        case_no: String,
        /// Only what concerns this member (and the whole case)
        #[arg(long, value_name = "I-...")]
        member: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Put a case's journey on hold (or some members' with --member): travel stops until
    /// `case resume`; what is missing is still listed
    Hold(journey::StopArgs),
    /// Cancel a case's journey (or some members' with --member)
    Cancel(journey::StopArgs),
    /// Lift a hold or withdraw a cancellation: the journey goes on from where it was
    Resume(journey::ResumeArgs),
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
    // No core dumps, and panics that say where but not what (they may hold personal data).
    waypoint_app::guard_crash_output("waypoint");
    no_transparent_huge_pages();
    let cli = Cli::parse();
    let result = run(cli);
    // Staff a sync just disabled lose their keys on this device now (see signin.rs).
    if let Err(e) = signin::finish() {
        eprintln!("waypoint: warning: {e:#}");
    }
    match result {
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

/// Turns transparent huge pages off for this process. mimalloc asks the kernel for them
/// (`MADV_HUGEPAGE`), and the kernel then zeroes 2 MiB at the first touch of each new region:
/// a profile of the 50-device sync benchmark spent a quarter of its CPU in that zeroing, for
/// memory mostly never used. Best effort (a Linux call; other systems keep their default).
fn no_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
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

/// Where and when a command runs, for the use cases.
fn context() -> AppContext {
    AppContext::new(None, chrono::Utc::now())
}

fn data_dir(cli: &Cli) -> Result<PathBuf> {
    waypoint_app::session::data_dir(cli.data_dir.clone())
        .context("no data directory could be found: give one with --data-dir DIR")
}

/// The store, opened with the PIN of the person signed in. Sync, status and enrolment act for
/// the device (they work past the offline lease, and are no sign-in in the audit log); every
/// other command is a person's work.
fn open(cli: &Cli) -> Result<Store> {
    let dir = data_dir(cli)?;
    let staff = signed_in(cli)?;
    let pin = pin_from(PIN_ENV)?;
    let purpose = match cli.command {
        Command::Sync { .. } | Command::Status { .. } | Command::Enrol { .. } => Purpose::Device,
        _ => Purpose::Work,
    };
    let opened = waypoint_app::open::sign_in(&dir, staff, &pin, purpose, &context());
    let Opened { store, keys } = match opened {
        Err(OpenError::App(AppError::LeaseOver(over))) => return Err(sync::lease_over(&over)),
        other => other?,
    };
    // Kept for after the command (a sync may have disabled staff) and for enrolment.
    signin::keep(keys);
    Ok(store)
}

/// The store, and the role of the staff member signed in (the device's staff directory): every
/// command a person runs goes through this, and acts in that role (`*_as` reads and writes,
/// `Store::require`). Sync and enrolment act for the device and use `open` alone.
fn open_as(cli: &Cli) -> Result<(Store, Role)> {
    let store = open(cli)?;
    let role = role_of(&store, signed_in(cli)?)?;
    Ok((store, role))
}

/// The name given with --staff (or WAYPOINT_STAFF).
fn signed_in(cli: &Cli) -> Result<&str> {
    cli.staff
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            anyhow!("who is working? give your name with --staff NAME (or WAYPOINT_STAFF) and your PIN in {PIN_ENV}")
        })
}

/// `name`'s role on this device, with what to do when they have none.
fn role_of(store: &Store, name: &str) -> Result<Role> {
    match waypoint_app::staff::role_of(store, name) {
        Err(AppError::NotInDirectory(who)) => Err(not_in_directory(&who)),
        other => Ok(other?),
    }
}

/// A device that is not enrolled has no HQ to ask: its supervisor adds people.
fn not_in_directory(who: &str) -> anyhow::Error {
    anyhow!(
        "{who} is not in this device's staff directory: a supervisor adds them with `waypoint staff add NAME --role ROLE`"
    )
}

/// A PIN from the environment variable `name`, wiped from memory when dropped.
fn pin_from(name: &str) -> Result<Zeroizing<String>> {
    std::env::var(name)
        .ok()
        .filter(|p| !p.is_empty())
        .map(Zeroizing::new)
        .ok_or_else(|| anyhow!("no PIN: give it in the environment variable {name}"))
}

fn run(cli: Cli) -> Result<ExitCode> {
    match &cli.command {
        Command::Import {
            file,
            partial,
            dry_run,
        } => import::run(&cli, file, *partial, *dry_run),
        Command::Search { query, limit, json } => {
            let (mut store, role) = open_as(&cli)?;
            let results = waypoint_app::search::search(&mut store, role, query, *limit)?;
            let mut out = std::io::stdout().lock();
            if *json {
                serde_json::to_writer_pretty(&mut out, &results)?;
                writeln!(out)?;
            } else {
                // The movement file is kept by ABN: an ABN number finds its ABN.
                if let Some(abn_no) = waypoint_app::search::abn_number(&store, role, query)? {
                    writeln!(out, "{abn_no} is an ABN: waypoint abn show {abn_no}")?;
                }
                output::search_results(&mut out, &results)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Case {
            command: CaseCommand::Show { case_no, json },
        } => {
            let (store, role) = open_as(&cli)?;
            let view = waypoint_app::case_view::case(&store, role, case_no)?;
            let mut out = std::io::stdout().lock();
            if *json {
                serde_json::to_writer_pretty(&mut out, &view)?;
                writeln!(out)?;
            } else {
                output::case(&mut out, &view, today())?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Case {
            command: CaseCommand::Journey { case_no, json },
        } => {
            let (store, _role) = open_as(&cli)?;
            let journey = waypoint_app::journey::of_case(&store, case_no, today())?;
            if *json {
                app::print_json(&journey)?;
            } else {
                journey::print(&mut std::io::stdout().lock(), &journey)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Case {
            command:
                CaseCommand::History {
                    case_no,
                    member,
                    json,
                },
        } => {
            let (store, role) = open_as(&cli)?;
            let entries = waypoint_app::history::of_case(&store, role, case_no, member.as_deref())?;
            if *json {
                app::print_json(&entries)?;
            } else {
                let case_no = case_no.trim().to_ascii_uppercase();
                history::print(&mut std::io::stdout().lock(), &case_no, &entries)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Case {
            command: CaseCommand::Hold(args),
        } => journey::stop(&cli, args, journey::Stop::Hold),
        Command::Case {
            command: CaseCommand::Cancel(args),
        } => journey::stop(&cli, args, journey::Stop::Cancel),
        Command::Case {
            command: CaseCommand::Resume(args),
        } => journey::resume(&cli, args),
        Command::Individual {
            command:
                IndividualCommand::Set {
                    individual_no,
                    field,
                    value,
                },
        } => {
            // Checked before the PIN: a field that does not exist, or that no one may change.
            let field = waypoint_app::individual::editable_field(field)?;
            let (mut store, role) = open_as(&cli)?;
            let outcome = waypoint_app::individual::set_field(
                &mut store,
                role,
                individual_no,
                field,
                value,
                &context(),
            )?;
            let mut out = std::io::stdout().lock();
            match outcome {
                EditOutcome::Changed { field, entity } => {
                    writeln!(out, "saved: {field} of {entity}")?
                }
                EditOutcome::Unchanged { field, entity } => {
                    writeln!(out, "unchanged: {field} of {entity} already has that value")?
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Export { out } => export::run(&cli, out.as_deref()),
        Command::Outbox {
            json,
            refused,
            dismiss,
        } => {
            let asked = match (refused, dismiss) {
                (true, _) => outbox::Asked::Refused,
                (false, Some(number)) => outbox::Asked::Dismiss(*number),
                (false, None) => outbox::Asked::Pending,
            };
            outbox::run(&cli, asked, *json)
        }
        Command::Enrol {
            server,
            code,
            replace: false,
        } => signin::enrol(&mut open(&cli)?, server, code),
        Command::Enrol {
            server,
            code,
            replace: true,
        } => {
            let (mut store, role) = open_as(&cli)?;
            signin::re_enrol(&mut store, role, server, code)
        }
        Command::Sync { json } => sync::sync(open(&cli)?, &data_dir(&cli)?, *json),
        Command::Conflicts {
            command: ConflictsCommand::List { json },
        } => {
            let (store, role) = open_as(&cli)?;
            sync::conflicts_list(&store, role, *json)
        }
        Command::Conflicts {
            command: ConflictsCommand::Resolve { id, keep },
        } => {
            let (mut store, role) = open_as(&cli)?;
            sync::conflicts_resolve(&mut store, role, id, keep)
        }
        Command::Status { json } => {
            // A report every role may read: counts, dates and reasons, never a value.
            let (store, _role) = open_as(&cli)?;
            sync::status(&store, *json)
        }
        Command::Staff {
            command: StaffCommand::Add { name, role },
        } => staff::add(&cli, name, role.as_deref()),
        Command::Custody { command } => custody::run(&cli, command),
        Command::Counselling { command } => counselling::run(&cli, command),
        Command::ExitPermit { command } => exit_permit::run(&cli, command),
        Command::Needs { command } => needs::run(&cli, command),
        Command::Booking { command } => booking::run(&cli, command),
        Command::Bookings {
            command:
                BookingsCommand::Import {
                    file,
                    dry_run,
                    json,
                },
        } => booking::import(&cli, file, *dry_run, *json),
        Command::Abn { command } => abn::run(&cli, command),
        Command::Audit {
            command: AuditCommand::Verify { json },
        } => {
            let (store, role) = open_as(&cli)?;
            audit::verify(&store, role, *json)
        }
        Command::Audit {
            command: AuditCommand::List { after, limit, json },
        } => {
            let (store, role) = open_as(&cli)?;
            audit::list(&store, role, *after, *limit, *json)
        }
        Command::Check { command } => check::run(&cli, command),
        Command::Bag { command } => bag::run(&cli, command),
        Command::Departure { command } => departure::run(&cli, command),
        Command::Manifest { command } => manifest::run(&cli, command),
        Command::Items { command } => manifest::items(&cli, command),
        Command::Arrival { command } => arrival::run(&cli, command),
    }
}
