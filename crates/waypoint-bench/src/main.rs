//! `waypoint-bench`: prints the numbers BENCHMARKS.md records. Run it in release:
//! `cargo run --release -p waypoint-bench -- all`.

#[cfg(feature = "print")]
mod abn;
mod arrivals;
mod departure;
#[cfg(feature = "sync")]
mod sync;
mod synth;

/// mimalloc: imports allocate on the reading thread and free on the saving thread, which
/// glibc's allocator handles slowly (a third of an import's time went to malloc and free).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use waypoint_app::import::ImportMode;
use waypoint_import::ImportOptions;
use waypoint_store::{Store, StoreKey};

/// The key of the benchmarks' encrypted stores. A fixed key: what is measured is SQLCipher's
/// cost; unwrapping a key with a PIN (Argon2id) is timed on its own in `import`.
pub(crate) fn bench_key() -> StoreKey {
    StoreKey::from_bytes([0x5a; 32])
}

/// A store as the product has it (encrypted) or, for comparison only, plain SQLite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Encrypted,
    Plain,
}

impl Kind {
    fn open(self, dir: &Path) -> Result<Store> {
        Ok(match self {
            Kind::Encrypted => Store::open(dir, &bench_key())?,
            Kind::Plain => Store::open_unencrypted(dir)?,
        })
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "waypoint-bench",
    about = "Waypoint benchmarks (run with --release)"
)]
struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(Debug, Subcommand)]
enum What {
    /// Import a synthetic messy file, next to raw SQLite inserting the same rows
    Import {
        #[arg(long, default_value_t = 50_000)]
        rows: usize,
        /// The encrypted-import check, for CI: only the plain and encrypted imports, alternately,
        /// ROUNDS times each; exits non-zero when the encrypted median is over twice the plain
        #[arg(long)]
        check: bool,
        /// Rounds of plain and encrypted imports (the median of each is compared)
        #[arg(long, default_value_t = 3)]
        rounds: usize,
    },
    /// Search latency over a store of this many individuals
    Search {
        #[arg(long, default_value_t = 100_000)]
        individuals: usize,
        /// Also load bookings for about a fifth of them (every fifth group of cases) first
        #[arg(long)]
        with_bookings: bool,
    },
    /// A departure of this many travellers (over many cases, each with their events, all
    /// booked): the time to compute every traveller's journey and the bookings' warnings
    Departure {
        #[arg(long, default_value_t = 500)]
        travellers: usize,
        /// Rounds (the median is compared with the 50 ms limit)
        #[arg(long, default_value_t = 7)]
        rounds: usize,
    },
    /// A port of entry's busy day: this many travellers on this many flights landing at one
    /// airport; the time to list the day's expected arrivals as the arrival screen does
    Arrivals {
        #[arg(long, default_value_t = 1200)]
        travellers: usize,
        #[arg(long, default_value_t = 40)]
        flights: usize,
        /// Rounds (the median is compared with the 50 ms limit)
        #[arg(long, default_value_t = 7)]
        rounds: usize,
    },
    /// Everything, with the defaults
    All,
    #[cfg(feature = "sync")]
    /// Sync through a server on 127.0.0.1: push + pull of field changes, a first full sync,
    /// bytes per change, a no-op sync, many devices at once
    Sync {
        #[arg(long, default_value_t = 100_000)]
        individuals: usize,
        #[arg(long, default_value_t = 50)]
        devices: usize,
    },
    #[cfg(feature = "sync")]
    /// (internal) the client process of `sync`: syncs one store and prints its figures
    #[command(hide = true)]
    SyncClient {
        #[arg(long)]
        data_dir: std::path::PathBuf,
    },
    #[cfg(feature = "print")]
    /// Render an ABN of this many travellers as a PDF, ROUNDS times (a new ABN each time)
    AbnPdf {
        #[arg(long, default_value_t = 100)]
        travellers: usize,
        #[arg(long, default_value_t = 5)]
        rounds: usize,
        /// Also write the first ABN to this file, to look at
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Write a synthetic case-import CSV (for trying the CLI on a large file)
    Generate {
        #[arg(long, default_value_t = 50_000)]
        rows: usize,
        #[arg(long)]
        out: std::path::PathBuf,
    },
}

/// Turns transparent huge pages off for this process. mimalloc asks the kernel for them
/// (`MADV_HUGEPAGE`), and the kernel then zeroes 2 MiB at the first touch of each new region:
/// a profile of the 50-device sync benchmark (this binary) spent a quarter of its CPU in that zeroing, for
/// memory mostly never used. Best effort (a Linux call; other systems keep their default).
fn no_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}

fn main() -> Result<std::process::ExitCode> {
    no_transparent_huge_pages();
    let args = Args::parse();
    if cfg!(debug_assertions) {
        eprintln!("warning: this is a debug build; run with --release for meaningful numbers");
    }
    let done = match args.what {
        What::Import {
            rows,
            check: true,
            rounds,
        } => return import_check(rows, rounds),
        What::Import { rows, rounds, .. } => import(rows, rounds),
        What::Search {
            individuals,
            with_bookings,
        } => search(individuals, with_bookings),
        What::Departure { travellers, rounds } => departure::run(travellers, rounds),
        What::Arrivals {
            travellers,
            flights,
            rounds,
        } => arrivals::run(travellers, flights, rounds),
        What::Generate { rows, out } => write_file(&out, rows),
        #[cfg(feature = "print")]
        What::AbnPdf {
            travellers,
            rounds,
            out,
        } => abn::run(travellers, rounds, out.as_deref()),
        #[cfg(feature = "sync")]
        What::Sync {
            individuals,
            devices,
        } => sync::run(individuals, devices),
        #[cfg(feature = "sync")]
        What::SyncClient { data_dir } => sync::client(&data_dir),
        What::All => {
            import(50_000, 3)?;
            search(100_000, false)?;
            search(100_000, true)?;
            departure::run(500, 7)?;
            arrivals::run(1200, 40, 7)?;
            #[cfg(feature = "sync")]
            sync::run(100_000, 50)?;
            #[cfg(feature = "print")]
            abn::run(100, 5, None)?;
            Ok(())
        }
    };
    done.map(|()| std::process::ExitCode::SUCCESS)
}

/// The most an encrypted import may take, as a multiple of the plain store's.
const MAX_ENCRYPTED_RATIO: f64 = 2.0;

/// Plain and encrypted stores alternately, `rounds` each, into fresh stores, the same file:
/// the median time of each.
fn plain_and_encrypted(
    dir: &Path,
    file: &Path,
    rounds: usize,
) -> Result<(usize, Duration, Duration)> {
    anyhow::ensure!(rounds > 0, "at least one round");
    let mut plain = Vec::new();
    let mut encrypted = Vec::new();
    let mut n = 0;
    for round in 0..rounds {
        for kind in [Kind::Plain, Kind::Encrypted] {
            let mut store = kind.open(&dir.join(format!("{kind:?}-{round}")))?;
            let (rows, took) = import_file(&mut store, file)?;
            n = rows;
            match kind {
                Kind::Plain => plain.push(took),
                Kind::Encrypted => encrypted.push(took),
            }
        }
    }
    Ok((n, median(&mut plain), median(&mut encrypted)))
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// `import --check`: the acceptance "encrypted import of 50,000 rows stays within 2x of
/// the plain store's time, measured in the same run", as a pass or a fail for CI.
fn import_check(rows: usize, rounds: usize) -> Result<std::process::ExitCode> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("cases.csv");
    write_file(&file, rows)?;
    let (n, plain, encrypted) = plain_and_encrypted(dir.path(), &file, rounds)?;
    anyhow::ensure!(n == rows, "{n} rows imported of {rows}");
    let ratio = encrypted.as_secs_f64() / plain.as_secs_f64();
    println!(
        "import of {n} rows, median of {rounds} alternating rounds: plain {:.3} s, encrypted {:.3} s: {ratio:.2}x (at most {MAX_ENCRYPTED_RATIO}x)",
        plain.as_secs_f64(),
        encrypted.as_secs_f64()
    );
    if ratio > MAX_ENCRYPTED_RATIO {
        eprintln!(
            "waypoint-bench: FAILED: the encrypted import took {ratio:.2}x the plain store's time (at most {MAX_ENCRYPTED_RATIO}x)"
        );
        return Ok(std::process::ExitCode::FAILURE);
    }
    println!("encrypted import within {MAX_ENCRYPTED_RATIO}x of plain: ok");
    Ok(std::process::ExitCode::SUCCESS)
}

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

fn write_file(path: &Path, rows: usize) -> Result<()> {
    let mut w = BufWriter::new(File::create(path)?);
    synth::write_cases(&mut w, rows, 42)?;
    w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    Ok(())
}

fn rate(rows: usize, d: Duration) -> f64 {
    rows as f64 / d.as_secs_f64()
}

/// Raw SQLite: the same rows, already in memory, into one plain table, one transaction, same
/// journal settings as the store. The ceiling the import is measured against.
fn raw_sqlite(dir: &Path, file: &Path) -> Result<(usize, Duration)> {
    let mut reader = csv::Reader::from_path(file)?;
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>()?;
    let cols = reader.headers()?.len();
    let conn = rusqlite::Connection::open(dir.join("raw.db"))?;
    let _: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    conn.execute_batch("PRAGMA synchronous = FULL;")?;
    let col_defs: Vec<String> = (0..cols).map(|i| format!("c{i} TEXT")).collect();
    conn.execute_batch(&format!("CREATE TABLE raw ({})", col_defs.join(", ")))?;
    let params: Vec<String> = (1..=cols).map(|i| format!("?{i}")).collect();
    let sql = format!("INSERT INTO raw VALUES ({})", params.join(", "));
    let start = Instant::now();
    conn.execute_batch("BEGIN")?;
    {
        let mut stmt = conn.prepare(&sql)?;
        for r in &rows {
            stmt.execute(rusqlite::params_from_iter(r.iter()))?;
        }
    }
    conn.execute_batch("COMMIT")?;
    Ok((rows.len(), start.elapsed()))
}

/// Imports a file exactly as `waypoint import` does (reading on one thread, saving on this one).
fn import_file(store: &mut Store, file: &Path) -> Result<(usize, Duration)> {
    let start = Instant::now();
    // The role that may import; the bench's store has no staff directory.
    let report = waypoint_app::import::import_csv(
        store,
        waypoint_domain::Role::Supervisor,
        &waypoint_app::Context::new(None, chrono::Utc::now()),
        &file.display().to_string(),
        BufReader::new(File::open(file)?),
        ImportMode::default(),
        &mut |_| {},
    )?;
    anyhow::ensure!(
        report.file.problems.is_empty(),
        "synthetic file has problems: {:?}",
        &report.file.problems[..1]
    );
    Ok((report.file.rows_read as usize, start.elapsed()))
}

/// Saving alone, into a fresh store, of rows read beforehand: (applying, committing).
fn store_only(dir: &Path, file: &Path) -> Result<(Duration, Duration)> {
    let options = ImportOptions { today: today() };
    let parsed =
        waypoint_import::parse(BufReader::new(File::open(file)?), &options, &mut |_, _| {})?;
    let mut store = Store::open(dir, &bench_key())?;
    let start = Instant::now();
    let mut session = store.begin_import()?;
    for row in &parsed.rows {
        session.apply(row.line, &row.record)?;
    }
    let apply = start.elapsed();
    let start = Instant::now();
    session.commit()?;
    Ok((apply, start.elapsed()))
}

/// Reading and checking alone, without saving: how much of an import is the file.
fn parse_only(file: &Path) -> Result<Duration> {
    let start = Instant::now();
    let options = ImportOptions { today: today() };
    waypoint_import::parse(BufReader::new(File::open(file)?), &options, &mut |_, _| {})?;
    Ok(start.elapsed())
}

fn import(rows: usize, rounds: usize) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("cases.csv");
    write_file(&file, rows)?;
    let size = std::fs::metadata(&file)?.len();
    println!(
        "== import: {rows} synthetic rows ({:.1} MB, BOM, diacritics, native scripts, partial dates, quoted newlines)",
        size as f64 / 1e6
    );

    let (n, raw) = raw_sqlite(dir.path(), &file)?;
    println!(
        "raw SQLite insert, one transaction:  {:>8.0} rows/s  ({:.3} s)",
        rate(n, raw),
        raw.as_secs_f64()
    );

    // Plain and encrypted stores alternately into fresh stores: the median of each, measured
    // in the same run on the same file.
    let (n, plain, first) = plain_and_encrypted(dir.path(), &file, rounds)?;
    println!(
        "waypoint import, plain SQLite store:     {:>8.0} rows/s  ({:.3} s, median of {rounds})",
        rate(n, plain),
        plain.as_secs_f64()
    );
    println!(
        "waypoint import, encrypted (SQLCipher):  {:>8.0} rows/s  ({:.3} s, median of {rounds})",
        rate(n, first),
        first.as_secs_f64()
    );
    println!(
        "encrypted / plain import time:      {:>8.2}x  (acceptance: within 2x)",
        first.as_secs_f64() / plain.as_secs_f64()
    );
    println!(
        "ratio to raw SQLite (encrypted):    {:>8.2}x",
        rate(n, first) / rate(n, raw)
    );
    let mut store = Kind::Encrypted.open(&dir.path().join("Encrypted-0"))?;

    // What a person waits for before any of this: unwrapping the store key with a PIN.
    let keys_dir = tempfile::tempdir()?;
    let place = waypoint_keys::SecretPlace::File(keys_dir.path().join("device-secret"));
    let data = keys_dir.path().join("data");
    waypoint_keys::DeviceKeys::create(&data, &place, "Bench Officer", "135792")?;
    let start = Instant::now();
    waypoint_keys::DeviceKeys::load(&data, &place)?.unlock("Bench Officer", "135792")?;
    println!(
        "unlock with a PIN (Argon2id, 64 MiB, 3 passes): {:.0} ms",
        ms(start.elapsed())
    );

    let parse = parse_only(&file)?;
    println!(
        "  (reading and checking alone, nothing saved: {:.3} s)",
        parse.as_secs_f64()
    );
    let (apply, commit) = store_only(&dir.path().join("store-only"), &file)?;
    println!(
        "  (saving alone, rows already read: {:.3} s, of which commit {:.3} s)",
        apply.as_secs_f64() + commit.as_secs_f64(),
        commit.as_secs_f64()
    );
    let (n, again) = import_file(&mut store, &file)?;
    println!(
        "re-import, nothing changed:         {:>8.0} rows/s  ({:.3} s)",
        rate(n, again),
        again.as_secs_f64()
    );
    println!(
        "outbox entries after both imports:  {}",
        store.outbox_len()?
    );
    Ok(())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Search over `individuals`; with bookings of about a fifth of them loaded when asked.
fn search(individuals: usize, with_bookings: bool) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("cases.csv");
    write_file(&file, individuals)?;
    for kind in [Kind::Plain, Kind::Encrypted] {
        search_in(kind, dir.path(), &file, individuals, with_bookings)?;
    }
    Ok(())
}

fn search_in(
    kind: Kind,
    dir: &Path,
    file: &Path,
    individuals: usize,
    with_bookings: bool,
) -> Result<()> {
    let data = dir.join(format!("store-{kind:?}"));
    let mut store = kind.open(&data)?;
    import_file(&mut store, file).context("loading the search corpus")?;
    let mut booked = String::new();
    if with_bookings {
        let people = departure::people(file)?;
        let bookings = departure::bookings(&people, 5)?;
        departure::save_bookings(&mut store, &people, &bookings)?;
        let travellers: usize = bookings.iter().map(|b| b.travellers.len()).sum();
        let mut stored = 0;
        for b in &bookings {
            stored += usize::from(store.booking(&b.booking_ref)?.is_some());
        }
        anyhow::ensure!(
            stored == bookings.len(),
            "{stored} of {} bookings stored",
            bookings.len()
        );
        booked = format!(", {travellers} of them on {stored} bookings");
    }
    drop(store);
    println!("== search: {individuals} individuals{booked}, {kind:?} store");

    let start = Instant::now();
    let mut store = kind.open(&data)?;
    let open = start.elapsed();
    let start = Instant::now();
    store.warm_search()?;
    let build = start.elapsed();
    println!("open store:                 {:>8.1} ms", ms(open));
    println!("build search index (once):  {:>8.1} ms", ms(build));

    let mut rng = synth::Rng::new(7);
    let queries = synth::queries(&mut rng, individuals);
    let mut times = Vec::with_capacity(queries.len());
    let mut found = 0usize;
    for q in &queries {
        let start = Instant::now();
        let results = store.search(q, 20)?;
        times.push(start.elapsed());
        found += usize::from(!results.is_empty());
    }
    times.sort();
    println!(
        "{} queries (numbers, names, variants, typos, native script), results fetched from the store:",
        queries.len()
    );
    println!(
        "  p50 {:.2} ms   p95 {:.2} ms   max {:.2} ms   ({} of {} found someone)",
        ms(percentile(&times, 0.50)),
        ms(percentile(&times, 0.95)),
        ms(percentile(&times, 1.0)),
        found,
        queries.len()
    );
    Ok(())
}
