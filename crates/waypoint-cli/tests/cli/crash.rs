//! The durability proof: real `waypoint` processes killed with SIGKILL at many points during
//! edits and during an import. After every kill the store must open, every acknowledged write
//! must be there, and nothing may be half-written: rows and their outbox entries land together
//! or not at all, and an import lands whole or not at all.

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{Env, count_type, individual, pending_of};

/// Kills of a running `individual set` to reach.
const EDIT_KILLS: usize = 150;
/// Kills of a running `import` to reach.
const IMPORT_KILLS: usize = 60;
/// Every this many edit attempts, one is left to finish (and times a whole edit).
const EDIT_FINISH_EVERY: usize = 10;
/// Every this many import rounds, one is left to finish (and times a whole import).
const IMPORT_FINISH_EVERY: usize = 8;
/// Rows of the generated import file.
const GENERATED_ROWS: usize = 3000;
/// Members per generated case.
const MEMBERS: usize = 3;
/// Past this, the test stops trying and fails on the counts it reached. Every process first
/// unlocks the store with a PIN (Argon2id, 64 MiB, 3 passes): about 130 s for the whole test on
/// a 2-core machine shared with compilers, 170 s when it was busier.
const TIME_BUDGET: Duration = Duration::from_secs(300);

/// Points in [0, 1) spread evenly whatever how many are taken (the golden-ratio sequence).
pub(crate) fn spread(i: usize) -> f64 {
    (i as f64 * 0.618_033_988_749_895).fract()
}

/// What one run of a process came to.
pub(crate) struct Run {
    pub(crate) out: Output,
    /// The process was still running when it was killed.
    pub(crate) killed: bool,
    /// From spawn to exit (or to the kill).
    pub(crate) elapsed: Duration,
}

/// Runs `cmd`, killing it with SIGKILL after `delay` if it is still running then.
pub(crate) fn run_killing(mut cmd: Command, delay: Option<Duration>) -> Run {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd.spawn().expect("spawning waypoint");
    let mut killed = false;
    if let Some(delay) = delay {
        std::thread::sleep(delay);
        if child.try_wait().expect("polling waypoint").is_none() {
            // On Unix, `kill` is SIGKILL: no destructor, no flush, no handler runs.
            child.kill().expect("killing waypoint");
            killed = true;
        }
    }
    let out = child.wait_with_output().expect("waiting for waypoint");
    Run {
        out,
        killed,
        elapsed: start.elapsed(),
    }
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs.get(xs.len() / 2)
        .copied()
        .unwrap_or(Duration::from_millis(10))
}

/// The store must open, and SQLite must find it consistent. Then what it holds: the export
/// (as `waypoint export` writes it) and the outbox (as `waypoint outbox --json`), read in this
/// process with the key unwrapped once, so that each check does not pay for an Argon2 unlock.
fn assert_store_sound(data: &Path, key: &waypoint_store::StoreKey, after: &str) -> (String, Value) {
    let store = waypoint_store::Store::open(data, key)
        .unwrap_or_else(|e| panic!("{after}: the store does not open: {e}"));
    store
        .integrity_check()
        .unwrap_or_else(|e| panic!("{after}: integrity check: {e}"));
    let mut export = Vec::new();
    store
        .export(&mut export)
        .unwrap_or_else(|e| panic!("{after}: export: {e}"));
    let entries = store
        .outbox(usize::MAX >> 1)
        .unwrap_or_else(|e| panic!("{after}: outbox: {e}"));
    let outbox = serde_json::json!({ "pending": entries.len(), "entries": entries });
    let export = String::from_utf8(export).unwrap_or_else(|e| panic!("{after}: export: {e}"));
    (export, outbox)
}

/// As `run_killing`, but the delay counts from the moment the process has the store open (its
/// write-ahead log appears), not from its start: unlocking the store with a PIN (Argon2id)
/// takes far longer than an edit, and kills spread over the whole run would nearly all land
/// before the store is even open. `elapsed` counts from then too.
fn run_killing_after_open(mut cmd: Command, wal: &Path, delay: Option<Duration>) -> Run {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawning waypoint");
    let give_up = Instant::now() + Duration::from_secs(60);
    while !wal.exists()
        && child.try_wait().expect("polling waypoint").is_none()
        && Instant::now() < give_up
    {
        std::thread::sleep(Duration::from_micros(200));
    }
    let start = Instant::now();
    let mut killed = false;
    if let Some(delay) = delay {
        std::thread::sleep(delay);
        if child.try_wait().expect("polling waypoint").is_none() {
            child.kill().expect("killing waypoint");
            killed = true;
        }
    }
    let out = child.wait_with_output().expect("waiting for waypoint");
    Run {
        out,
        killed,
        elapsed: start.elapsed(),
    }
}

fn assert_seq_contiguous(outbox: &Value, after: &str) {
    let seqs: Vec<i64> = outbox["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["client_seq"].as_i64().expect("client_seq"))
        .collect();
    let want: Vec<i64> = (1..=seqs.len() as i64).collect();
    assert!(
        seqs == want,
        "{after}: outbox client_seq not 1..={}: {seqs:?}",
        seqs.len()
    );
}

#[derive(Debug, Default)]
struct Tally {
    edit_attempts: usize,
    edit_kills: usize,
    acknowledged: usize,
    acknowledged_then_killed: usize,
    killed_landed: usize,
    killed_not_landed: usize,
    landed_unacknowledged: usize,
    import_rounds: usize,
    import_kills: usize,
    imports_cut: usize,
    imports_cut_in_store: usize,
    imports_complete: usize,
    imports_complete_unacknowledged: usize,
    /// Median time of a whole edit, a whole import, and of reading the import file alone.
    edit_time: Duration,
    import_time: Duration,
    parse_time: Duration,
}

/// One field being edited over and over, and what the store must hold for it.
struct Target {
    individual_no: &'static str,
    field: &'static str,
    /// Changes that landed: each must be one `field` entry in the outbox.
    landed: usize,
}

fn edit_value(field: &str, n: usize) -> String {
    match field {
        "phone" => format!("+1 555 {n:05}"),
        _ => format!("Testvalue{n}"),
    }
}

fn edits(tally: &mut Tally, deadline: Instant) {
    let env = Env::with_sample();
    let key = env.store_key();
    // What the export must be: the sample, plus every change that landed (read like every
    // later state: the whole store, the old exit-permit fields included).
    let (sample, _) = assert_store_sound(&env.data, &key, "the sample");
    let mut model = crate::util::parse_jsonl(&sample);
    let mut targets = [
        Target {
            individual_no: "I-0001002",
            field: "phone",
            landed: 0,
        },
        Target {
            individual_no: "I-0001031",
            field: "given_names",
            landed: 0,
        },
        Target {
            individual_no: "I-0001020",
            field: "phone",
            landed: 0,
        },
        Target {
            individual_no: "I-0001041",
            field: "given_names",
            landed: 0,
        },
        Target {
            individual_no: "I-0001010",
            field: "phone",
            landed: 0,
        },
    ];
    let base_pending = env.pending();
    let wal = env.data.join(format!("{}-wal", waypoint_store::DB_FILE));
    let mut landed_total = 0u64;
    let mut whole_runs: Vec<Duration> = Vec::new();

    let mut n = 0usize;
    while tally.edit_kills < EDIT_KILLS && Instant::now() < deadline {
        let t = n % targets.len();
        let (individual_no, field) = (targets[t].individual_no, targets[t].field);
        let value = edit_value(field, n);
        // The first few and every tenth run to the end; they also time a whole edit, and the
        // kills are spread over 0..1.3 times that.
        let finish = n < 5 || n % EDIT_FINISH_EVERY == 0;
        let delay = (!finish).then(|| {
            let recent = whole_runs.iter().rev().take(7).copied().collect();
            median(recent).mul_f64(1.3 * spread(n))
        });
        let after = format!("edit #{n} ({individual_no} {field} = {value}, kill after {delay:?})");
        let run = run_killing_after_open(
            env.cmd(["individual", "set", individual_no, field, &value]),
            &wal,
            delay,
        );
        let stdout = String::from_utf8_lossy(&run.out.stdout).into_owned();
        let acknowledged = stdout.starts_with("saved: ");
        if run.killed {
            tally.edit_kills += 1;
        } else {
            assert!(
                run.out.status.success() && acknowledged,
                "{after}: an edit left to finish failed ({:?}):\n{stdout}\n{}",
                run.out.status,
                String::from_utf8_lossy(&run.out.stderr)
            );
            whole_runs.push(run.elapsed);
        }
        tally.edit_attempts += 1;

        let (export, outbox) = assert_store_sound(&env.data, &key, &after);
        let lines = crate::util::parse_jsonl(&export);
        let before = individual(&model, individual_no)[field].clone();
        let now = individual(&lines, individual_no)[field].clone();
        let landed = if now == value.as_str() {
            true
        } else if now == before {
            false
        } else {
            panic!(
                "{after}: {field} is {now}, neither the value before ({before}) nor the new one"
            );
        };
        assert!(
            !acknowledged || landed,
            "{after}: an acknowledged write was lost (still {now})"
        );
        if acknowledged {
            tally.acknowledged += 1;
            if run.killed {
                tally.acknowledged_then_killed += 1;
            }
        }
        if run.killed {
            if landed {
                tally.killed_landed += 1;
            } else {
                tally.killed_not_landed += 1;
            }
        }
        if landed && !acknowledged {
            tally.landed_unacknowledged += 1;
        }
        if landed {
            let record = model
                .iter_mut()
                .find(|l| l["type"] == "individual" && l["individual_no"] == individual_no)
                .and_then(Value::as_object_mut)
                .expect("the individual is in the model");
            record.insert(field.to_string(), Value::from(value.as_str()));
            targets[t].landed += 1;
            landed_total += 1;
        }

        // Nothing else changed.
        if lines != model {
            let diff: Vec<(&Value, &Value)> =
                lines.iter().zip(&model).filter(|(a, b)| a != b).collect();
            panic!(
                "{after}: the export is not the expected state ({} lines, expected {}); differences: {diff:?}",
                lines.len(),
                model.len()
            );
        }
        // The outbox holds one entry per change that landed: rows and outbox went together.
        assert_eq!(
            pending_of(&outbox),
            base_pending + landed_total,
            "{after}: outbox size"
        );
        assert_seq_contiguous(&outbox, &after);
        let entries = outbox["entries"].as_array().expect("entries");
        for target in &targets {
            let count = entries
                .iter()
                .filter(|e| {
                    e["kind"] == "field"
                        && e["entity"] == target.individual_no
                        && e["field"] == target.field
                })
                .count();
            assert_eq!(
                count, target.landed,
                "{after}: outbox field entries for {} {}",
                target.individual_no, target.field
            );
        }
        let fields = entries.iter().filter(|e| e["kind"] == "field").count();
        assert_eq!(
            fields as u64, landed_total,
            "{after}: outbox field entries in all"
        );
        n += 1;
    }
    tally.edit_time = median(whole_runs);
}

/// A valid import file of `GENERATED_ROWS` obviously fake people, with the sample's header.
pub(crate) fn generated_csv(header: &str) -> String {
    let columns: Vec<&str> = header.split(',').collect();
    let mut out = String::with_capacity(GENERATED_ROWS * 160);
    out.push_str(header);
    out.push('\n');
    for n in 0..GENERATED_ROWS {
        let (case, member) = (n / MEMBERS, n % MEMBERS);
        let cells: Vec<String> = columns
            .iter()
            .map(|column| match *column {
                "case_no" => format!("TST-2025-{case:06}"),
                "individual_no" => format!("T-{n:07}"),
                "relationship" => ["PA", "SP", "CH"][member].into(),
                "family_name" => format!("TESTFAMILY{case:04}"),
                "given_names" => format!("Testgiven{n:05}"),
                "sex" => ["M", "F", "X"][member].into(),
                "date_of_birth" => ["1980-01-01", "1982-02-02", "2012-03-03"][member].into(),
                "nationality" => "XXA".into(),
                "languages" => "en".into(),
                "phone" => format!("+1 555 {n:05}"),
                "site" => "TST-SITE1".into(),
                "programme" => "TESTPROGRAMME".into(),
                "document_type" => "NONE".into(),
                _ => String::new(),
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

/// Replaces the data directory by a copy of `from`.
fn restore(from: &Path, data: &Path) {
    std::fs::remove_dir_all(data).expect("removing the data directory");
    copy_dir(from, data);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("creating a directory");
    for entry in std::fs::read_dir(from).expect("reading a directory") {
        let entry = entry.expect("a directory entry");
        let name = entry.file_name();
        // The shared-memory index is rebuilt by whoever opens the store next.
        if name.to_string_lossy().ends_with("-shm") {
            continue;
        }
        std::fs::copy(entry.path(), to.join(&name)).expect("copying a store file");
    }
}

fn imports(tally: &mut Tally, deadline: Instant) {
    let env = Env::with_sample();
    let key = env.store_key();
    let pristine = env.path("pristine");
    copy_dir(&env.data, &pristine);
    // States are read from the whole store, as after each kill (the old exit-permit fields
    // included, which the command's export leaves out).
    let (before_export, _) = assert_store_sound(&env.data, &key, "before the imports");
    let before_pending = env.pending();
    assert_eq!(
        count_type(&crate::util::parse_jsonl(&before_export), "individual"),
        10
    );

    let header = crate::util::sample_text()
        .lines()
        .next()
        .expect("a header")
        .to_string();
    let generated = generated_csv(&header);
    let big = env.write("generated.csv", &generated);
    let import = || env.cmd([OsStr::new("import"), big.as_os_str()]);

    // A whole import, timed; its result is the one state other than "before" allowed.
    let whole = run_killing(import(), None);
    assert!(
        whole.out.status.success(),
        "{}",
        String::from_utf8_lossy(&whole.out.stderr)
    );
    let (after_export, _) = assert_store_sound(&env.data, &key, "after a whole import");
    let after_lines = crate::util::parse_jsonl(&after_export);
    let cases = GENERATED_ROWS / MEMBERS;
    assert_eq!(count_type(&after_lines, "individual"), 10 + GENERATED_ROWS);
    assert_eq!(count_type(&after_lines, "case"), 5 + cases);
    let after_pending = env.pending();
    assert_eq!(
        after_pending,
        before_pending + (GENERATED_ROWS + cases) as u64
    );
    restore(&pristine, &env.data);
    assert_eq!(
        assert_store_sound(&env.data, &key, "restored").0,
        before_export
    );
    let mut whole_runs = vec![whole.elapsed];

    // Reading and checking the file, without touching the store: the same file with a broken
    // row added at the end is rejected before the store is opened.
    let mut rejected = generated.clone();
    rejected.push_str("TST-BROKEN,row,with too few fields\n");
    let rejected = env.write("generated-rejected.csv", rejected);
    let parse_only = run_killing(env.cmd([OsStr::new("import"), rejected.as_os_str()]), None);
    assert!(
        !parse_only.out.status.success(),
        "{}",
        String::from_utf8_lossy(&parse_only.out.stdout)
    );
    let t_parse = parse_only.elapsed;

    let wal = env.data.join(format!("{}-wal", waypoint_store::DB_FILE));
    let mut round = 0usize;
    while tally.import_kills < IMPORT_KILLS && Instant::now() < deadline {
        let t_full = median(whole_runs.iter().rev().take(5).copied().collect());
        let finish = round % IMPORT_FINISH_EVERY == IMPORT_FINISH_EVERY - 1;
        // Half the kills anywhere in a whole import, half while the store is being written.
        let delay = (!finish).then(|| {
            let s = spread(round);
            if round % 2 == 0 {
                t_full.mul_f64(1.05 * s)
            } else {
                t_parse.min(t_full) + t_full.saturating_sub(t_parse).mul_f64(1.05 * s)
            }
        });
        let after = format!("import round #{round} (kill after {delay:?}, whole ~{t_full:?})");
        assert!(
            !wal.exists(),
            "{after}: a write-ahead log was left from before"
        );
        let run = run_killing(import(), delay);
        round += 1;
        tally.import_rounds += 1;
        let stdout = String::from_utf8_lossy(&run.out.stdout).into_owned();
        let acknowledged = stdout.starts_with("Imported ");
        if run.killed {
            tally.import_kills += 1;
        } else {
            assert!(
                run.out.status.success() && acknowledged,
                "{after}: an import left to finish failed ({:?}):\n{stdout}\n{}",
                run.out.status,
                String::from_utf8_lossy(&run.out.stderr)
            );
            whole_runs.push(run.elapsed);
        }
        // A log left behind means the process had the store open when it died.
        let had_store_open = wal.exists();

        let (export, outbox) = assert_store_sound(&env.data, &key, &after);
        let pending = pending_of(&outbox);
        if export == before_export {
            assert!(!acknowledged, "{after}: an acknowledged import was lost");
            assert_eq!(
                pending, before_pending,
                "{after}: rows are as before but the outbox is not"
            );
            if run.killed {
                tally.imports_cut += 1;
                if had_store_open {
                    tally.imports_cut_in_store += 1;
                }
            }
        } else if export == after_export {
            assert_eq!(
                pending, after_pending,
                "{after}: rows are imported but the outbox is not"
            );
            tally.imports_complete += 1;
            if !acknowledged {
                tally.imports_complete_unacknowledged += 1;
            }
            restore(&pristine, &env.data);
        } else {
            let lines = crate::util::parse_jsonl(&export);
            panic!(
                "{after}: half an import: {} cases and {} individuals (before: 5 and 10; after: {} and {})",
                count_type(&lines, "case"),
                count_type(&lines, "individual"),
                5 + cases,
                10 + GENERATED_ROWS
            );
        }
    }
    tally.import_time = median(whole_runs);
    tally.parse_time = t_parse;
}

#[test]
fn killing_the_process_during_edits_and_imports_loses_no_acknowledged_write_and_half_writes_nothing()
 {
    let start = Instant::now();
    let deadline = start + TIME_BUDGET;
    let mut tally = Tally::default();
    edits(&mut tally, deadline);
    let edits_took = start.elapsed();
    imports(&mut tally, deadline);
    let took = start.elapsed();
    println!(
        "crash test: {} kills of a running process ({} during edits, {} during imports) in {:.1?} (edits {:.1?}); edits: whole edit {:.1?}, {} attempts, {} acknowledged ({} of them killed after saying so), killed: {} landed / {} not, {} landed unacknowledged; imports of {} rows: whole import {:.0?} (reading the file {:.0?}), {} rounds, {} cut before commit ({} with the store open), {} complete ({} unacknowledged)",
        tally.edit_kills + tally.import_kills,
        tally.edit_kills,
        tally.import_kills,
        took,
        edits_took,
        tally.edit_time,
        tally.edit_attempts,
        tally.acknowledged,
        tally.acknowledged_then_killed,
        tally.killed_landed,
        tally.killed_not_landed,
        tally.landed_unacknowledged,
        GENERATED_ROWS,
        tally.import_time,
        tally.parse_time,
        tally.import_rounds,
        tally.imports_cut,
        tally.imports_cut_in_store,
        tally.imports_complete,
        tally.imports_complete_unacknowledged,
    );
    assert!(
        tally.edit_kills + tally.import_kills >= 200,
        "too few kill points: {tally:?}"
    );
    assert!(
        tally.edit_kills >= EDIT_KILLS,
        "too few kills during edits: {tally:?}"
    );
    assert!(
        tally.import_kills >= IMPORT_KILLS,
        "too few kills during imports: {tally:?}"
    );
    assert!(
        tally.killed_landed > 0,
        "no killed edit had landed: {tally:?}"
    );
    assert!(
        tally.killed_not_landed > 0,
        "every killed edit had landed: {tally:?}"
    );
    assert!(
        tally.imports_cut_in_store > 0,
        "no import was cut with the store open: {tally:?}"
    );
    assert!(tally.imports_complete > 0, "no import completed: {tally:?}");
}
