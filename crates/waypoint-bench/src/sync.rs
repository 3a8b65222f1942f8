//! `waypoint-bench sync`: the sync figures of BENCHMARKS.md, through a real server on
//! 127.0.0.1 (the `waypoint-server` library serving HTTP over a SQLite file) and real device
//! stores, next to the raw SQLite insert rate of the same machine in the same run.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use waypoint_server::{ServerState, ServerStore, admin, auth};
use waypoint_store::Store;

const SITE: &str = "KGL-TC1";
const CROWD_SITE: &str = "BNC-SITE2";

/// The server, serving until dropped.
struct Hq {
    rt: tokio::runtime::Runtime,
    store: Arc<dyn ServerStore>,
    url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Hq {
    fn start(dir: &Path) -> Result<Hq> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let url = format!("sqlite:{}", dir.join("hq.db").display());
        let store = rt.block_on(waypoint_server::store::open(&url))?;
        let now = waypoint_server::wall_clock_ms();
        for site in [SITE, CROWD_SITE] {
            rt.block_on(admin::add_site(store.as_ref(), site, "Benchmark site", now))?;
        }
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let url = format!("http://{}", listener.local_addr()?);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let state = ServerState::new(Arc::clone(&store));
        rt.spawn(async move {
            let _ = waypoint_server::serve(listener, state, None, async {
                let _ = stopped.await;
            })
            .await;
        });
        Ok(Hq {
            rt,
            store,
            url,
            stop: Some(stop),
        })
    }

    /// A new device store of `site` in `dir`, enrolled with this server.
    fn device(&self, dir: &Path, site: &str, name: &str) -> Result<Store> {
        let now = waypoint_server::wall_clock_ms();
        let e = self
            .rt
            .block_on(admin::enrol_device(self.store.as_ref(), site, name, now))?;
        let token = auth::new_token()?;
        let device = self
            .rt
            .block_on(self.store.enrol(
                &auth::hash_secret(&auth::normalize_code(&e.code)),
                &auth::hash_secret(&token),
                now,
            ))?
            .context("enrolment")?;
        let mut store = Store::open(dir, &crate::bench_key())?;
        store.set_enrolment(&self.url, &device.id.to_string(), name, &token)?;
        Ok(store)
    }
}

impl Drop for Hq {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A synthetic case file of `rows` people, every case at `site`; `phone_round` changes every
/// phone number (so a re-import makes one field change per person).
fn case_file(dir: &Path, rows: usize, site: &str, phone_round: u32) -> Result<PathBuf> {
    let mut raw = Vec::new();
    crate::synth::write_cases(&mut raw, rows, 7)?;
    let text = String::from_utf8(raw)?;
    let mut out = String::with_capacity(text.len() + rows * 16);
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let headers = reader.headers()?.clone();
    let case_col = headers
        .iter()
        .position(|h| h == "case_no")
        .context("case_no column")?;
    // Another site's people get numbers of their own (a number names one person everywhere).
    let own = |v: &str| {
        if site == SITE {
            v.to_string()
        } else {
            format!("{site}-{v}")
        }
    };
    let (site_col, phone_col, ino_col) = (
        headers
            .iter()
            .position(|h| h == "site")
            .context("site column")?,
        headers
            .iter()
            .position(|h| h == "phone")
            .context("phone column")?,
        headers
            .iter()
            .position(|h| h == "individual_no")
            .context("individual_no column")?,
    );
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&headers)?;
    for record in reader.records() {
        let record = record?;
        let no = own(record.get(ino_col).unwrap_or_default());
        let digits: String = no.chars().filter(char::is_ascii_digit).collect();
        let fields: Vec<String> = record
            .iter()
            .enumerate()
            .map(|(i, v)| match i {
                _ if i == site_col => site.to_string(),
                _ if i == phone_col => format!("+1 555 {phone_round}{digits}"),
                _ if i == case_col || i == ino_col => own(v),
                _ => v.to_string(),
            })
            .collect();
        writer.write_record(&fields)?;
    }
    out.push_str(std::str::from_utf8(&writer.into_inner()?)?);
    let path = dir.join(format!("cases-{site}-{phone_round}.csv"));
    std::fs::write(&path, out)?;
    Ok(path)
}

fn import(store: &mut Store, file: &Path) -> Result<()> {
    let (_, _) = crate::import_file(store, file)?;
    Ok(())
}

fn sync(store: &mut Store) -> Result<(waypoint_sync::SyncReport, Duration)> {
    let start = Instant::now();
    let report = waypoint_sync::sync(store, &mut |_| {})?;
    Ok((report, start.elapsed()))
}

/// Peak resident memory of this process (VmHWM), in KiB.
pub fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

/// The child process of the first-sync measurement: syncs the store in `data_dir` and prints
/// `elapsed_ms peak_rss_kib received`.
pub fn client(data_dir: &Path) -> Result<()> {
    let mut store = Store::open(data_dir, &crate::bench_key())?;
    let (report, took) = sync(&mut store)?;
    println!(
        "{} {} {}",
        took.as_millis(),
        peak_rss_kib(),
        report.received_fields + report.received_events
    );
    Ok(())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

pub fn run(individuals: usize, crowd: usize) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let hq = Hq::start(dir.path())?;
    println!(
        "== sync: server on {} (SQLite, synchronous=FULL), devices on this machine",
        hq.url
    );

    // The ceiling: raw SQLite inserts of the same rows in one transaction.
    let file = case_file(dir.path(), individuals, SITE, 1)?;
    let (raw_rows, raw_time) = crate::raw_sqlite(dir.path(), &file)?;
    let raw_rate = raw_rows as f64 / raw_time.as_secs_f64();
    println!("raw SQLite insert, one transaction:  {raw_rate:>9.0} rows/s");

    // Laptop 1 loads the site and pushes it.
    let (d1, d2) = (dir.path().join("laptop-1"), dir.path().join("laptop-2"));
    let mut one = hq.device(&d1, SITE, "laptop-1")?;
    let two = hq.device(&d2, SITE, "laptop-2")?;
    import(&mut one, &file)?;
    let (pushed, push_time) = sync(&mut one)?;
    println!(
        "push of {individuals} new individuals ({} outbox entries): {:.2} s, {} round trips, {:.1} MB sent",
        pushed.sent,
        push_time.as_secs_f64(),
        pushed.round_trips,
        pushed.bytes_sent as f64 / 1e6
    );
    drop(two);

    // Laptop 2's first full sync, in a process of its own (its peak memory is the client's).
    let out = Command::new(std::env::current_exe()?)
        .args(["sync-client", "--data-dir"])
        .arg(&d2)
        .output()?;
    if !out.status.success() {
        bail!(
            "the first-sync client failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let line = String::from_utf8_lossy(&out.stdout);
    let numbers: Vec<u64> = line
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect();
    let [ms, rss, received] = numbers[..] else {
        bail!("unexpected client output: {line}");
    };
    println!(
        "first full sync of {individuals} individuals: {:.2} s, client peak RSS {:.0} MB, {received} values received",
        ms as f64 / 1000.0,
        rss as f64 / 1024.0
    );
    let mut two = Store::open(&d2, &crate::bench_key())?;

    // 100,000 field changes: laptop 1 re-imports with every phone changed, pushes; laptop 2 pulls.
    let changed = case_file(dir.path(), individuals, SITE, 2)?;
    import(&mut one, &changed)?;
    let (edits, edit_push) = sync(&mut one)?;
    let (pulled, edit_pull) = sync(&mut two)?;
    let per_change = edits.bytes_sent as f64 / edits.sent.max(1) as f64;
    println!(
        "push + pull of {} field changes: {:.2} s (push {:.2} s, pull {:.2} s, {} values received)",
        edits.sent,
        (edit_push + edit_pull).as_secs_f64(),
        edit_push.as_secs_f64(),
        edit_pull.as_secs_f64(),
        pulled.received_fields
    );
    println!("bytes on the wire per field change (push): {per_change:.1}");
    println!(
        "bytes on the wire per field change (pull):  {:.1}",
        pulled.bytes_received as f64 / pulled.received_fields.max(1) as f64
    );
    println!(
        "rate: {:.0} field changes/s end to end ({:.2}x the raw SQLite insert rate)",
        edits.sent as f64 / (edit_push + edit_pull).as_secs_f64(),
        edits.sent as f64 / (edit_push + edit_pull).as_secs_f64() / raw_rate
    );

    let (idle, idle_time) = sync(&mut two)?;
    println!(
        "no-op sync: {} round trip(s), {} bytes sent + {} received, {:.1} ms",
        idle.round_trips,
        idle.bytes_sent,
        idle.bytes_received,
        idle_time.as_secs_f64() * 1000.0
    );

    // Many laptops at once: each pulls a small site, edits, and syncs again.
    let crowd_file = case_file(dir.path(), 500, CROWD_SITE, 3)?;
    let mut seed = hq.device(&dir.path().join("crowd-seed"), CROWD_SITE, "crowd-seed")?;
    import(&mut seed, &crowd_file)?;
    sync(&mut seed)?;
    let mut stores = Vec::with_capacity(crowd);
    for i in 0..crowd {
        stores.push(hq.device(
            &dir.path().join(format!("crowd-{i}")),
            CROWD_SITE,
            &format!("crowd-{i}"),
        )?);
    }
    let people: Vec<String> = {
        let text = std::fs::read_to_string(&crowd_file)?;
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let col = reader
            .headers()?
            .iter()
            .position(|h| h == "individual_no")
            .context("column")?;
        reader
            .records()
            .filter_map(|r| r.ok().and_then(|r| r.get(col).map(str::to_string)))
            .collect()
    };
    let start = Instant::now();
    let results: Vec<Result<Vec<Duration>>> = std::thread::scope(|s| {
        let handles: Vec<_> = stores
            .iter_mut()
            .enumerate()
            .map(|(i, store)| {
                let people = &people;
                s.spawn(move || -> Result<Vec<Duration>> {
                    let today = chrono::Utc::now().date_naive();
                    let (_, first) = sync(store)?;
                    for k in 0..5 {
                        let who = &people[(i * 5 + k) % people.len()];
                        store.set_field(who, waypoint_domain::Field::Languages, "en;fr", today)?;
                    }
                    let (_, second) = sync(store)?;
                    Ok(vec![first, second])
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a device thread stopped")))
            })
            .collect()
    });
    let wall = start.elapsed();
    let errors = results.iter().filter(|r| r.is_err()).count();
    if let Some(Err(e)) = results.iter().find(|r| r.is_err()) {
        println!("  first error: {e:#}");
    }
    let mut latencies: Vec<Duration> = results
        .into_iter()
        .filter_map(Result::ok)
        .flatten()
        .collect();
    latencies.sort_unstable();
    println!(
        "{crowd} devices at once (first sync of 500 people, 5 edits, sync): p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms, {errors} errors, {:.1} s in all",
        percentile(&latencies, 0.5).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.95).as_secs_f64() * 1000.0,
        percentile(&latencies, 1.0).as_secs_f64() * 1000.0,
        wall.as_secs_f64()
    );
    Ok(())
}
