//! Running the real `waypoint` binary against a data directory of its own.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// The binary under test, as built by Cargo for this test run.
pub fn waypoint_bin() -> &'static str {
    env!("CARGO_BIN_EXE_waypoint")
}

/// The sample import file of the repository: 10 individuals in 5 cases.
pub fn sample_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/sample-cases.csv")
}

pub fn sample_text() -> String {
    std::fs::read_to_string(sample_path()).expect("the sample file is readable")
}

/// A bare `waypoint` command: no data directory, and nothing inherited that would change what
/// it does (a data directory or backtrace settings from the environment of the test run).
pub fn bare_command() -> Command {
    let mut cmd = Command::new(waypoint_bin());
    cmd.env_remove("WAYPOINT_DATA_DIR")
        .env_remove("WAYPOINT_STAFF")
        .env_remove("WAYPOINT_PIN")
        .env_remove("WAYPOINT_NEW_PIN")
        .env_remove(waypoint_keys::SECRET_FILE_ENV)
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .stdin(Stdio::null());
    cmd
}

pub fn stdout_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Fails the test if the process panicked (or suggested a backtrace, which only a panic does).
pub fn assert_no_panic(what: &str, out: &Output) {
    let err = stderr_of(out);
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{what}: the process panicked:\n{err}"
    );
    // A panic exits with 101; a signal has no code.
    assert_ne!(
        out.status.code(),
        Some(101),
        "{what}: exit code 101 (a panic)\n{err}"
    );
    assert!(
        out.status.code().is_some(),
        "{what}: killed by a signal: {:?}",
        out.status
    );
}

/// The staff member every test device is unlocked by, and their PIN.
pub const TEST_STAFF: &str = "Test Officer";
pub const TEST_PIN: &str = "246810";

/// A data directory in a temporary directory, with helpers to run `waypoint` on it.
#[derive(Debug)]
pub struct Env {
    pub tmp: tempfile::TempDir,
    pub data: PathBuf,
    /// The computer's secret place, when it is another `Env`'s (two data directories on one
    /// computer).
    secret: Option<PathBuf>,
}

impl Env {
    pub fn new() -> Self {
        let tmp = tempfile::tempdir().expect("a temporary directory");
        let data = tmp.path().join("data");
        Self {
            tmp,
            data,
            secret: None,
        }
    }

    /// Another data directory on the same computer as `other` (the same secret place).
    pub fn beside(other: &Env) -> Self {
        Self {
            secret: Some(other.secret_file()),
            ..Self::new()
        }
    }

    /// A fresh environment with the sample imported.
    pub fn with_sample() -> Self {
        let env = Self::new();
        env.import_sample();
        env
    }

    /// A path inside the temporary directory (not in the data directory).
    pub fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// Writes a file into the temporary directory and returns its path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, contents).expect("writing a test file");
        path
    }

    /// This device's secret: a file in the temporary directory, outside the data directory.
    pub fn secret_file(&self) -> PathBuf {
        self.secret
            .clone()
            .unwrap_or_else(|| self.tmp.path().join("device-secret"))
    }

    /// The secrets in this computer's secret place (each data directory has its own, beside
    /// `secret_file`, with its wrong-PIN counts), by path.
    pub fn secret_files(&self) -> Vec<PathBuf> {
        let place = self.secret_file();
        let name = place.file_name().map(|n| n.to_string_lossy().into_owned());
        let mut found: Vec<PathBuf> = std::fs::read_dir(place.parent().expect("a folder"))
            .map(|dir| dir.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        found.retain(|p| {
            let file = p.file_name().map(|n| n.to_string_lossy().into_owned());
            matches!((file, &name), (Some(f), Some(n)) if f.starts_with(n.as_str()) && !f.ends_with(".pins"))
        });
        found.sort();
        found
    }

    /// Gives `cmd` this device's secret and the test staff member's name and PIN.
    pub fn keyed<'c>(&self, cmd: &'c mut Command) -> &'c mut Command {
        cmd.env(waypoint_keys::SECRET_FILE_ENV, self.secret_file())
            .env("WAYPOINT_STAFF", TEST_STAFF)
            .env("WAYPOINT_PIN", TEST_PIN)
    }

    /// The store key, unwrapped as `waypoint` does (for tests that read the file directly).
    pub fn store_key(&self) -> waypoint_store::StoreKey {
        let place = waypoint_keys::SecretPlace::File(self.secret_file());
        waypoint_keys::DeviceKeys::load(&self.data, &place)
            .and_then(|mut keys| keys.unlock(TEST_STAFF, TEST_PIN))
            .expect("the test device's key")
    }

    /// The store's SQLite file, opened with its key.
    pub fn connection(&self) -> rusqlite::Connection {
        waypoint_store::open_connection(&self.data.join(waypoint_store::DB_FILE), &self.store_key())
            .expect("the store file")
    }

    /// `waypoint --data-dir DATA ARGS...`, not yet run.
    pub fn cmd<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = bare_command();
        self.keyed(&mut cmd);
        cmd.arg("--data-dir").arg(&self.data).args(args);
        cmd
    }

    /// Runs `waypoint` and returns what it did, after checking that it did not panic.
    pub fn run<I, S>(&self, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = self.cmd(args);
        let what = format!("{cmd:?}");
        let out = cmd.output().expect("running waypoint");
        assert_no_panic(&what, &out);
        out
    }

    /// Runs `waypoint`, which must succeed, and returns its standard output.
    pub fn ok<I, S>(&self, args: I) -> String
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args: Vec<S> = args.into_iter().collect();
        let shown: Vec<String> = args
            .iter()
            .map(|a| a.as_ref().to_string_lossy().into_owned())
            .collect();
        let out = self.run(args);
        assert!(
            out.status.success(),
            "waypoint {} failed ({:?}):\nstdout:\n{}\nstderr:\n{}",
            shown.join(" "),
            out.status,
            stdout_of(&out),
            stderr_of(&out)
        );
        stdout_of(&out)
    }

    /// Runs `waypoint`, which must fail with a message and no panic; returns standard error.
    pub fn fails<I, S>(&self, args: I) -> String
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args: Vec<S> = args.into_iter().collect();
        let shown: Vec<String> = args
            .iter()
            .map(|a| a.as_ref().to_string_lossy().into_owned())
            .collect();
        let out = self.run(args);
        let err = stderr_of(&out);
        assert!(
            !out.status.success(),
            "waypoint {} should have failed:\nstdout:\n{}\nstderr:\n{err}",
            shown.join(" "),
            stdout_of(&out)
        );
        assert!(
            !err.trim().is_empty(),
            "waypoint {} failed without a word",
            shown.join(" ")
        );
        err
    }

    pub fn import_sample(&self) -> String {
        let out = self.ok([OsStr::new("import"), sample_path().as_os_str()]);
        let summary = ImportCounts::parse(&out);
        assert_eq!(
            summary.cases.0, 5,
            "cases created by the sample import:\n{out}"
        );
        assert_eq!(
            summary.individuals.0, 10,
            "individuals created by the sample import:\n{out}"
        );
        out
    }

    /// `waypoint export` to standard output.
    pub fn export(&self) -> String {
        self.ok(["export"])
    }

    /// `waypoint export`, one parsed JSON value per line.
    pub fn export_lines(&self) -> Vec<Value> {
        parse_jsonl(&self.export())
    }

    /// `waypoint outbox --json`.
    pub fn outbox(&self) -> Value {
        let out = self.ok(["outbox", "--json"]);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("outbox --json: {e}:\n{out}"))
    }

    /// The `pending` count of `waypoint outbox --json`, checked against its entries.
    pub fn pending(&self) -> u64 {
        pending_of(&self.outbox())
    }
}

/// The `pending` count of an `outbox --json` document, checked against its entries.
pub fn pending_of(outbox: &Value) -> u64 {
    let pending = outbox["pending"]
        .as_u64()
        .expect("outbox --json has a pending count");
    let entries = outbox["entries"]
        .as_array()
        .expect("outbox --json has entries");
    assert_eq!(
        pending,
        entries.len() as u64,
        "pending count and entries disagree"
    );
    pending
}

pub fn parse_jsonl(text: &str) -> Vec<Value> {
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("export line {}: not JSON ({e}): {line}", i + 1))
        })
        .collect()
}

/// The export line of one individual.
pub fn individual<'a>(lines: &'a [Value], individual_no: &str) -> &'a Value {
    lines
        .iter()
        .find(|l| l["type"] == "individual" && l["individual_no"] == individual_no)
        .unwrap_or_else(|| panic!("{individual_no} is not in the export"))
}

pub fn count_type(lines: &[Value], kind: &str) -> usize {
    lines.iter().filter(|l| l["type"] == kind).count()
}

/// The tallies of an import summary: (created, updated, unchanged) for cases and individuals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportCounts {
    pub cases: (u64, u64, u64),
    pub individuals: (u64, u64, u64),
}

impl ImportCounts {
    /// Reads the `cases:` and `individuals:` lines of `waypoint import`'s summary.
    pub fn parse(summary: &str) -> Self {
        let tally = |label: &str| -> (u64, u64, u64) {
            let line = summary
                .lines()
                .map(str::trim)
                .find(|l| l.starts_with(label))
                .unwrap_or_else(|| panic!("no '{label}' line in the summary:\n{summary}"));
            // "cases:       5 created, 0 updated, 0 unchanged"
            let rest = line[label.len()..].trim();
            let mut numbers = rest.split(',').map(|part| {
                let mut words = part.split_whitespace();
                let n = words.next().and_then(|n| n.parse().ok());
                (n, words.next().map(str::to_string))
            });
            let mut get = |word: &str| match numbers.next() {
                Some((Some(n), Some(w))) if w == word => n,
                other => panic!("'{label}' line: expected '{word}', found {other:?}: {line}"),
            };
            (get("created"), get("updated"), get("unchanged"))
        };
        Self {
            cases: tally("cases:"),
            individuals: tally("individuals:"),
        }
    }
}
