//! Sync end to end: real `waypoint-server` processes on 127.0.0.1 (SQLite database in a
//! temporary directory) and real `waypoint` processes, each laptop with its own data directory.
//! Each test is named after the guarantee of docs/sync-protocol.md it proves.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{Env, assert_no_panic, stderr_of, stdout_of, waypoint_bin};

/// The `waypoint-server` binary, built beside `waypoint` by the workspace's test build.
pub fn server_bin() -> PathBuf {
    let bin = Path::new(waypoint_bin()).with_file_name("waypoint-server");
    assert!(
        bin.exists(),
        "{} is missing: build the workspace (`cargo test --workspace` or `cargo build -p waypoint-server`)",
        bin.display()
    );
    bin
}

/// A real server process on a free loopback port, over a SQLite database of its own.
#[derive(Debug)]
pub struct Server {
    pub dir: tempfile::TempDir,
    pub url: String,
    pub addr: String,
    child: Option<Child>,
    /// A `faketime` offset the process runs with (e.g. "+1h"), if any.
    clock: Option<String>,
    /// Certificate and key files: serve HTTPS only.
    tls: Option<(PathBuf, PathBuf)>,
    /// Another database than the SQLite file in `dir` (e.g. PostgreSQL).
    database: Option<String>,
}

/// `faketime`, which runs a program with its clock moved (Debian package `faketime`).
fn faketime() -> &'static str {
    assert!(
        Path::new("/usr/bin/faketime").exists(),
        "faketime is missing: apt-get install faketime (scripts/test installs it)"
    );
    "/usr/bin/faketime"
}

/// `waypoint ARGS` on `laptop`, its clock moved by `offset` (faketime syntax, e.g. "+30d").
fn at_clock(laptop: &Env, offset: &str, args: &[&str]) -> std::process::Output {
    let out = laptop
        .keyed(&mut Command::new(faketime()))
        .args(["-f", offset, waypoint_bin(), "--data-dir"])
        .arg(&laptop.data)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("running waypoint under faketime");
    assert!(
        out.status.success(),
        "waypoint {args:?} at {offset} failed:\n{}{}",
        stdout_of(&out),
        stderr_of(&out)
    );
    out
}

impl Server {
    pub fn start() -> Server {
        Server::start_with(None, None)
    }

    /// A server over `database` (else its own SQLite file), with TLS from `tls` if given.
    pub fn start_with(database: Option<String>, tls: Option<(PathBuf, PathBuf)>) -> Server {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let addr = format!("127.0.0.1:{port}");
        let url = match tls {
            Some(_) => format!("https://localhost:{port}"),
            None => format!("http://{addr}"),
        };
        let mut server = Server {
            dir,
            url,
            addr,
            child: None,
            clock: None,
            tls,
            database,
        };
        server.restart();
        server
    }

    pub fn database(&self) -> String {
        self.database
            .clone()
            .unwrap_or_else(|| format!("sqlite:{}", self.dir.path().join("hq.db").display()))
    }

    /// Starts the process (again) and waits until it answers.
    pub fn restart(&mut self) {
        self.kill();
        let mut cmd = match &self.clock {
            Some(offset) => {
                let mut c = Command::new(faketime());
                c.args(["-f", offset]).arg(server_bin());
                c
            }
            None => Command::new(server_bin()),
        };
        let child = cmd
            .args([
                "serve",
                "--database",
                &self.database(),
                "--listen",
                &self.addr,
            ])
            .args(self.tls.iter().flat_map(|(cert, key)| {
                [
                    OsString::from("--tls-cert"),
                    cert.into(),
                    OsString::from("--tls-key"),
                    key.into(),
                ]
            }))
            .env("RUST_LOG", "info")
            .env(
                "WAYPOINT_SERVER_KEY_FILE",
                self.dir.path().join("server.key"),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(self.dir.path().join("server.log")).expect("a log file"))
            // A group of its own: `faketime` runs the server as its child, and killing only
            // `faketime` left that server running after the test.
            .process_group(0)
            .spawn()
            .expect("starting waypoint-server");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(&self.addr).is_err() {
            assert!(
                Instant::now() < deadline,
                "waypoint-server did not start:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `kill -9` of the server's whole process group: no shutdown, no flush.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// `waypoint-server admin ARGS --database DB`, which must succeed.
    pub fn admin(&self, args: &[&str]) -> String {
        let out = Command::new(server_bin())
            .arg("admin")
            .args(args)
            .args(["--database", &self.database()])
            .output()
            .expect("running waypoint-server admin");
        assert!(
            out.status.success(),
            "waypoint-server admin {args:?} failed:\n{}{}",
            stdout_of(&out),
            stderr_of(&out)
        );
        stdout_of(&out)
    }

    /// Adds the site if needed and enrols `laptop` with it.
    pub fn enrol(&self, site: &str, laptop: &Env, name: &str) {
        let code = self.enrolment_code(site, name);
        let out = laptop.ok(["enrol", "--server", &self.url, "--code", &code]);
        assert!(out.contains(name), "{out}");
    }

    /// Adds the site if needed and registers a device: its one-time code.
    pub fn enrolment_code(&self, site: &str, name: &str) -> String {
        let sites = self.admin(&["site", "list"]);
        if !sites.lines().any(|l| l.split('\t').next() == Some(site)) {
            self.admin(&["site", "add", site, &format!("Site {site}")]);
        }
        let printed = self.admin(&["device", "enrol", "--site", site, "--name", name]);
        printed
            .lines()
            .skip_while(|l| !l.starts_with("Enrolment code"))
            .skip(1)
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or_else(|| panic!("no code in:\n{printed}"))
            .to_string()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `waypoint sync --json` on `laptop`, which must succeed.
pub fn sync(laptop: &Env) -> Value {
    let out = laptop.ok(["sync", "--json"]);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("sync --json: {e}:\n{out}"))
}

fn conflicts(laptop: &Env) -> Vec<Value> {
    let out = laptop.ok(["conflicts", "list", "--json"]);
    serde_json::from_str::<Vec<Value>>(&out)
        .unwrap_or_else(|e| panic!("conflicts --json: {e}:\n{out}"))
}

#[test]
fn acceptance_two_laptops_of_a_site_converge_and_another_site_receives_nothing() {
    let server = Server::start();
    let (one, two, other) = (Env::new(), Env::new(), Env::new());
    server.enrol("KGL-TC1", &one, "kgl-laptop-1");
    server.enrol("KGL-TC1", &two, "kgl-laptop-2");
    server.enrol("NBO-TC2", &other, "nbo-laptop-1");

    one.import_sample();
    let pushed = sync(&one);
    assert_eq!(
        pushed["refused"].as_array().map(Vec::len),
        Some(0),
        "{pushed}"
    );
    assert_eq!(pushed["pending"], 0, "{pushed}");
    assert!(
        pushed["sent"].as_u64().unwrap_or(0) >= 15,
        "5 cases and 10 people: {pushed}"
    );

    let pulled = sync(&two);
    assert!(
        pulled["received_fields"].as_u64().unwrap_or(0) > 100,
        "{pulled}"
    );
    assert_eq!(
        one.export(),
        two.export(),
        "laptop 2 holds exactly laptop 1's data"
    );
    assert!(two.ok(["search", "habimana"]).contains("I-0001001"));

    let elsewhere = sync(&other);
    assert_eq!(elsewhere["received_fields"], 0, "{elsewhere}");
    assert!(
        other.export().trim().is_empty(),
        "the other site's laptop holds nothing"
    );
    assert!(!other.ok(["search", "habimana"]).contains("I-0001001"));

    // Both KGL laptops change the same name offline, then sync twice each.
    one.ok([
        "individual",
        "set",
        "I-0001002",
        "family_name",
        "Mukamana-Uwase",
    ]);
    two.ok(["individual", "set", "I-0001002", "family_name", "Mukamanaa"]);
    for _ in 0..2 {
        sync(&one);
        sync(&two);
    }
    assert_eq!(one.export(), two.export(), "the laptops converge");
    let (c1, c2) = (conflicts(&one), conflicts(&two));
    assert_eq!(c1.len(), 1, "the conflict is listed on laptop 1: {c1:?}");
    assert_eq!(c1, c2, "and the same on laptop 2");
    let values = [c1[0]["winner"].as_str(), c1[0]["loser"].as_str()];
    assert!(
        values.contains(&Some("Mukamana-Uwase")) && values.contains(&Some("Mukamanaa")),
        "{c1:?}"
    );
    assert!(
        one.ok(["status"])
            .contains("Conflicts waiting for review: 1")
    );

    // Laptop 1 keeps its own value; after syncing, the conflict is gone everywhere.
    let id = c1[0]["id"].as_str().expect("an id").to_string();
    one.ok(["conflicts", "resolve", &id, "--keep", "mine"]);
    assert!(conflicts(&one).is_empty());
    for _ in 0..2 {
        sync(&one);
        sync(&two);
    }
    assert!(conflicts(&two).is_empty(), "resolved on laptop 2 too");
    assert_eq!(one.export(), two.export());
    let person =
        crate::util::individual(&crate::util::parse_jsonl(&two.export()), "I-0001002").clone();
    assert_eq!(person["family_name"], "Mukamana-Uwase");
    // Nothing of it reached the other site.
    sync(&other);
    assert!(other.export().trim().is_empty());
}

#[test]
fn guarantee_5_a_change_outside_the_device_scope_is_refused_per_change_with_a_reason() {
    let server = Server::start();
    let (kgl, nbo) = (Env::new(), Env::new());
    server.enrol("KGL-TC1", &kgl, "kgl-laptop-1");
    server.enrol("NBO-TC2", &nbo, "nbo-laptop-1");
    kgl.import_sample();
    sync(&kgl);
    // The Nairobi laptop loads Kigali's file by mistake, and one case of its own.
    nbo.import_sample();
    let own = nbo.write(
        "own.csv",
        "case_no,individual_no,relationship,family_name,given_names,sex,date_of_birth,nationality,site\n\
         NBO-2025-000001,I-0009001,PA,TESTPERSON,Fake,F,1990,SOM,NBO-TC2\n",
    );
    nbo.ok([std::ffi::OsStr::new("import"), own.as_os_str()]);
    let report = sync(&nbo);
    let refused = report["refused"].as_array().expect("refused list");
    assert_eq!(
        refused.len(),
        25,
        "5 cases, 10 people and their 10 exit-permit steps refused: {report}"
    );
    assert_eq!(
        report["accepted"], 2,
        "its own case and person went through: {report}"
    );
    assert_eq!(
        report["pending"], 0,
        "refused changes are not left to block the queue"
    );
    for r in refused {
        let reason = r["reason"].as_str().unwrap_or_default();
        assert!(
            reason.contains("not one of this device's sites"),
            "{reason}"
        );
        assert!(
            !reason.contains("HABIMANA") && !reason.contains("KGL-2025"),
            "{reason}"
        );
    }
    let status = nbo.ok(["status"]);
    assert!(
        status.contains("Changes the server refused: 25"),
        "{status}"
    );
    // Kigali's data is untouched, and Kigali never sees Nairobi's case.
    sync(&kgl);
    let lines = crate::util::parse_jsonl(&kgl.export());
    assert_eq!(crate::util::count_type(&lines, "individual"), 10);
    assert!(!kgl.export().contains("NBO-2025-000001"));
}

/// A stand-in for a newer server that no longer accepts this device's schema: it answers
/// every request with 426 and the server's message.
fn refusing_server() -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    let handle = std::thread::spawn(move || {
        for stream in listener.incoming().take(1) {
            let Ok(mut stream) = stream else { continue };
            let mut buf = vec![0u8; 1 << 20];
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let _ = stream.read(&mut buf);
            let body = r#"{"error":"this device speaks sync schema version 1, which this server does not accept (it accepts 2 to 3); please update Waypoint on this device: its unsynced changes stay safe until then"}"#;
            let _ = write!(
                stream,
                "HTTP/1.1 426 Upgrade Required\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (url, handle)
}

#[test]
fn guarantee_8_an_older_client_is_told_to_update_and_keeps_its_pending_changes() {
    // The real server refuses an unknown schema version with 426 and says what to do.
    let server = Server::start();
    let laptop = Env::new();
    server.enrol("KGL-TC1", &laptop, "kgl-laptop-1");
    let old = empty_sync(0);
    let (status, body) = raw_post(
        &server.addr,
        "/v1/sync",
        &format!("Bearer {}", token_of(&laptop)),
        &old,
    );
    assert_eq!(status, 426, "{body}");
    assert!(body.contains("please update Waypoint"), "{body}");

    // A device whose server has moved on keeps every change and says why.
    laptop.import_sample();
    let before = laptop.pending();
    let (url, handle) = refusing_server();
    let conn = laptop.connection();
    conn.execute("UPDATE sync_state SET server_url = ?1", [&url])
        .expect("pointing at it");
    drop(conn);
    let err = laptop.fails(["sync"]);
    handle.join().expect("the stand-in server");
    assert!(err.contains("please update Waypoint"), "{err}");
    assert!(
        err.contains(&format!("Changes waiting on this device: {before}")),
        "{err}"
    );
    assert_eq!(laptop.pending(), before, "nothing left the outbox");
    assert!(
        laptop.ok(["status"]).contains("failed"),
        "status tells the last attempt failed"
    );
}

/// The body of a sync request with nothing to push, in schema `version`.
fn empty_sync(version: u32) -> Vec<u8> {
    waypoint_protocol::encode(&waypoint_protocol::SyncRequest {
        schema_version: version,
        after: 0,
        limit: 0,
        changes: Vec::new(),
    })
    .expect("encoding")
}

/// The device credential a laptop keeps (tests only: the product never shows it).
fn token_of(laptop: &Env) -> String {
    laptop
        .connection()
        .query_row("SELECT token FROM sync_state", [], |r| r.get(0))
        .expect("the laptop's token")
}

/// One HTTP/1.1 POST over a plain socket: (status, body); status 0 when no HTTP answer came
/// (a TLS port may hang up before the request is even written).
fn raw_post(addr: &str, path: &str, authorization: &str, body: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connecting");
    let head = format!(
        "POST {path} HTTP/1.1\r\nhost: {addr}\r\nauthorization: {authorization}\r\ncontent-type: application/x-waypoint-batch\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    if stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body))
        .is_err()
    {
        return (0, String::new());
    }
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let answer = String::from_utf8_lossy(&raw);
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_string();
    (status, body)
}

#[test]
fn a_revoked_device_gets_401_on_its_next_request_with_the_reason() {
    let server = Server::start();
    let laptop = Env::new();
    server.enrol("KGL-TC1", &laptop, "kgl-laptop-1");
    laptop.import_sample();
    sync(&laptop);
    let token = token_of(&laptop);
    let empty = empty_sync(waypoint_protocol::SCHEMA_VERSION);
    assert_eq!(
        raw_post(&server.addr, "/v1/sync", &format!("Bearer {token}"), &empty).0,
        200
    );

    server.admin(&["device", "revoke", "kgl-laptop-1", "--reason", "lost"]);
    let (status, body) = raw_post(&server.addr, "/v1/sync", &format!("Bearer {token}"), &empty);
    assert_eq!(status, 401, "{body}");
    let body: Value = serde_json::from_str(&body).expect("a JSON error");
    assert_eq!(body["revoked"], "lost", "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap_or_default()
            .contains("revoked this device as lost"),
        "{body}"
    );
    assert!(
        !server.log().contains("HABIMANA"),
        "no names in the server's log"
    );
    // What the laptop does with that answer: revoke.rs.
}

#[test]
fn plain_http_is_refused_except_to_this_computer() {
    let laptop = Env::new();
    let err = laptop.fails([
        "enrol",
        "--server",
        "http://sync.example.org",
        "--code",
        "AAAA-BBBB",
    ]);
    assert!(err.contains("plain http://"), "{err}");
    let err = laptop.fails(["enrol", "--server", "not a url", "--code", "AAAA-BBBB"]);
    assert!(err.contains("not a server address"), "{err}");
    let err = laptop.fails(["sync"]);
    assert!(err.contains("not enrolled"), "{err}");
    let out = laptop.run(["status"]);
    assert_no_panic("status", &out);
    assert!(stdout_of(&out).contains("Not enrolled"));
}

#[test]
fn guarantee_6_a_sync_with_nothing_to_do_is_one_small_round_trip() {
    let server = Server::start();
    let laptop = Env::new();
    server.enrol("KGL-TC1", &laptop, "kgl-laptop-1");
    laptop.import_sample();
    sync(&laptop);
    sync(&laptop);
    let idle = sync(&laptop);
    assert_eq!(idle["round_trips"], 1, "{idle}");
    let bytes = idle["bytes_sent"].as_u64().unwrap_or(u64::MAX)
        + idle["bytes_received"].as_u64().unwrap_or(u64::MAX);
    assert!(bytes < 1024, "a no-op sync moved {bytes} bytes");
}

/// Guarantees 1 and 2 under `kill -9`: the laptop's `waypoint sync` and the server are killed at
/// many points of a sync (and restarted), while the laptop keeps editing. At the end every
/// acknowledged edit is on the other laptop, no person or event is there twice, and both
/// laptops' exports are identical.
#[test]
fn guarantees_1_and_2_killing_client_and_server_mid_sync_loses_nothing_and_applies_nothing_twice() {
    use crate::crash::{generated_csv, run_killing, spread};
    const CLIENT_KILLS: usize = 40;
    const SERVER_KILLS: usize = 12;
    let mut server = Server::start();
    let (one, two) = (Env::new(), Env::new());
    server.enrol("TST-SITE1", &one, "tst-laptop-1");
    server.enrol("TST-SITE1", &two, "tst-laptop-2");
    let header = crate::util::sample_text()
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    let file = one.write("generated.csv", generated_csv(&header));
    one.ok([std::ffi::OsStr::new("import"), file.as_os_str()]);
    let people = crate::util::count_type(&crate::util::parse_jsonl(&one.export()), "individual");
    assert!(people > 100);

    // How long an uninterrupted first sync takes, on a copy of the laptop.
    let probe = Env::new();
    server.enrol("TST-SITE1", &probe, "tst-probe");
    let start = Instant::now();
    sync(&probe);
    let typical = start.elapsed().max(Duration::from_millis(30));

    let mut acknowledged: Vec<(String, String)> = Vec::new(); // (individual, phone) last saved
    let (mut client_kills, mut server_kills) = (0, 0);
    for i in 0..(CLIENT_KILLS + SERVER_KILLS) * 2 {
        // An edit between syncs: acknowledged only when `individual set` said so.
        let who = format!("T-{:07}", (i * 7) % people);
        let phone = format!("+1 555 {:05}", 90_000 + i);
        if one
            .run(["individual", "set", &who, "phone", &phone])
            .status
            .success()
        {
            acknowledged.retain(|(w, _)| *w != who);
            acknowledged.push((who, phone));
        }
        let delay = typical.mul_f64(spread(i) * 1.5);
        if i % 4 == 3 && server_kills < SERVER_KILLS {
            // The server dies under the sync; the laptop's sync fails and is retried later.
            let mut cmd = one.cmd(["sync"]);
            cmd.stdout(Stdio::null()).stderr(Stdio::null());
            let mut child = cmd.spawn().expect("spawning waypoint sync");
            std::thread::sleep(delay);
            server.kill();
            server_kills += 1;
            let _ = child.wait();
            server.restart();
        } else if client_kills < CLIENT_KILLS {
            let run = run_killing(one.cmd(["sync"]), Some(delay));
            if run.killed {
                client_kills += 1;
            } else {
                assert_no_panic("sync", &run.out);
            }
        }
        if client_kills >= CLIENT_KILLS && server_kills >= SERVER_KILLS {
            break;
        }
    }
    assert!(
        client_kills >= CLIENT_KILLS / 2,
        "only {client_kills} client kills landed mid-sync"
    );
    assert_eq!(server_kills, SERVER_KILLS);

    sync(&one);
    let last = sync(&one);
    assert_eq!(last["pending"], 0, "{last}");
    sync(&two);
    sync(&two);
    assert_eq!(
        one.export(),
        two.export(),
        "both laptops hold the same data"
    );
    let lines = crate::util::parse_jsonl(&two.export());
    assert_eq!(
        crate::util::count_type(&lines, "individual"),
        people,
        "nobody twice, nobody missing"
    );
    for (who, phone) in &acknowledged {
        assert_eq!(
            crate::util::individual(&lines, who)["phone"],
            phone.as_str(),
            "{who}"
        );
    }
    assert!(
        two.ok(["conflicts", "list"]).contains("No conflicts"),
        "one device's own retries never conflict"
    );
}

/// Guarantee 7: a laptop whose clock runs 30 days ahead neither wins every conflict nor loses
/// its edits; one 30 days behind still gets its edits through.
#[test]
fn guarantee_7_a_laptop_30_days_in_the_future_neither_wins_every_conflict_nor_loses_edits() {
    let mut server = Server::start();
    let (fast, honest, slow) = (Env::new(), Env::new(), Env::new());
    server.enrol("KGL-TC1", &fast, "kgl-fast");
    server.enrol("KGL-TC1", &honest, "kgl-honest");
    server.enrol("KGL-TC1", &slow, "kgl-slow");
    honest.import_sample();
    sync(&honest);
    at_clock(&fast, "+30d", &["sync"]);
    at_clock(&slow, "-30d", &["sync"]);
    // The clocks really are off: each laptop records its last sync by its own clock. (Asked
    // by that clock too: a laptop whose clock has shown today counts its lease from today.)
    for (laptop, days, offset) in [(&fast, 30, "+30d"), (&slow, -30, "-30d")] {
        let status: Value =
            serde_json::from_slice(&at_clock(laptop, offset, &["status", "--json"]).stdout)
                .expect("status --json");
        let expected = (chrono::Utc::now() + chrono::Duration::days(days))
            .format("%Y-%m-%d")
            .to_string();
        let recorded = status["last_success"].as_str().unwrap_or_default();
        assert!(
            recorded.starts_with(&expected),
            "{recorded} is not {expected}: faketime has no effect"
        );
    }

    // The fast laptop edits a name and a phone, and a field nobody else touches; it syncs.
    at_clock(
        &fast,
        "+30d",
        &["individual", "set", "I-0001010", "family_name", "Fastclock"],
    );
    at_clock(
        &fast,
        "+30d",
        &[
            "individual",
            "set",
            "I-0001001",
            "phone",
            "+250 788 111 111",
        ],
    );
    at_clock(
        &fast,
        "+30d",
        &["individual", "set", "I-0001020", "languages", "en"],
    );
    at_clock(&fast, "+30d", &["sync"]);
    // An hour later (server and honest laptop), the honest laptop edits the same two fields
    // without having seen the fast one's change.
    server.clock = Some("+1h".into());
    server.restart();
    at_clock(
        &honest,
        "+1h",
        &[
            "individual",
            "set",
            "I-0001010",
            "family_name",
            "Honestclock",
        ],
    );
    at_clock(
        &honest,
        "+1h",
        &[
            "individual",
            "set",
            "I-0001001",
            "phone",
            "+250 788 222 222",
        ],
    );
    // The slow laptop (30 days behind) edits a field it has seen: a fast-forward, it applies.
    at_clock(
        &slow,
        "-30d",
        &[
            "individual",
            "set",
            "I-0001030",
            "phone",
            "+250 788 333 333",
        ],
    );
    for _ in 0..2 {
        at_clock(&honest, "+1h", &["sync"]);
        at_clock(&fast, "+30d", &["sync"]);
        at_clock(&slow, "-30d", &["sync"]);
    }
    let lines = crate::util::parse_jsonl(&honest.export());
    let person = |no: &str| crate::util::individual(&lines, no).clone();
    assert_eq!(
        person("I-0001010")["family_name"],
        "Honestclock",
        "the later honest edit wins"
    );
    assert_eq!(
        person("I-0001001")["phone"],
        "+250 788 222 222",
        "here too: the fast clock was clamped"
    );
    assert_eq!(
        person("I-0001020")["languages"],
        "en",
        "the fast laptop's uncontested edit is kept"
    );
    assert_eq!(
        person("I-0001030")["phone"],
        "+250 788 333 333",
        "the slow laptop's edit got through"
    );
    // The fast laptop's name is not lost: it waits for a person in the review queue.
    let queue = conflicts(&fast);
    assert_eq!(queue.len(), 1, "{queue:?}");
    assert_eq!(queue[0]["loser"], "Fastclock");
    assert_eq!(queue[0]["loser_device"], "kgl-fast");
    assert_eq!(fast.export(), honest.export());
    // By the real clock the slow laptop last synced 30 days ago, past its lease: it is asked
    // at its own time.
    assert_eq!(
        stdout_of(&at_clock(&slow, "-30d", &["export"])),
        honest.export()
    );
}

/// A certificate authority and a certificate for `localhost` it signed: (ca.pem, cert.pem, key.pem).
fn certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().expect("a CA key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca_params.self_signed(&ca_key).expect("the CA certificate");
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().expect("a server key");
    let cert = CertificateParams::new(vec!["localhost".to_string()])
        .expect("server parameters")
        .signed_by(&key, &issuer)
        .expect("the server certificate");
    let paths = (
        dir.join("ca.pem"),
        dir.join("cert.pem"),
        dir.join("key.pem"),
    );
    std::fs::write(&paths.0, ca_cert.pem()).expect("writing");
    std::fs::write(&paths.1, cert.pem()).expect("writing");
    std::fs::write(&paths.2, key.serialize_pem()).expect("writing");
    paths
}

#[test]
fn over_tls_a_laptop_that_trusts_the_server_certificate_syncs_and_one_that_does_not_refuses() {
    let certs = tempfile::tempdir().expect("a directory");
    let (ca, cert, key) = certificates(certs.path());
    let server = Server::start_with(None, Some((cert, key)));
    assert!(server.url.starts_with("https://"));
    let laptop = Env::new();
    let code = server.enrolment_code("KGL-TC1", "kgl-laptop-1");

    // Without the CA the server's certificate is not trusted: nothing is sent.
    let out = laptop.run(["enrol", "--server", &server.url, "--code", &code]);
    assert!(
        !out.status.success(),
        "an untrusted certificate was accepted"
    );
    assert!(
        stderr_of(&out).contains("could not be reached"),
        "{}",
        stderr_of(&out)
    );

    let with_ca = |args: &[&str]| {
        let out = laptop
            .cmd(args)
            .env("WAYPOINT_CA_CERT", &ca)
            .output()
            .expect("running waypoint");
        assert_no_panic("waypoint", &out);
        assert!(
            out.status.success(),
            "{args:?}: {}{}",
            stdout_of(&out),
            stderr_of(&out)
        );
        stdout_of(&out)
    };
    with_ca(&["enrol", "--server", &server.url, "--code", &code]);
    laptop.import_sample();
    let report: Value = serde_json::from_str(&with_ca(&["sync", "--json"])).expect("sync --json");
    assert_eq!(report["pending"], 0, "{report}");
    assert!(
        report["server"]
            .as_str()
            .unwrap_or_default()
            .starts_with("https://")
    );

    // Plain HTTP to the TLS port gets no API answer.
    let empty = empty_sync(waypoint_protocol::SCHEMA_VERSION);
    assert_ne!(
        raw_post(
            &server.addr,
            "/v1/sync",
            &format!("Bearer {}", token_of(&laptop)),
            &empty
        )
        .0,
        200
    );
}

/// A PostgreSQL database of its own for one test, dropped at the end.
struct PgDatabase {
    name: String,
}

impl PgDatabase {
    fn create() -> PgDatabase {
        let mut random = [0u8; 6];
        getrandom::fill(&mut random).expect("random bytes");
        let name = format!(
            "wp_cli_{}",
            random
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        psql(&format!("CREATE DATABASE {name}"));
        PgDatabase { name }
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:5432/{}", self.name)
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .args(["-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-c"])
            .arg(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .output();
    }
}

fn psql(sql: &str) {
    let out = Command::new("psql")
        .args(["-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-c", sql])
        .output()
        .expect("psql (PostgreSQL at 127.0.0.1:5432 is needed)");
    assert!(out.status.success(), "{sql}: {}", stderr_of(&out));
}

/// Points `laptop` at another server process (same HQ database behind both).
fn use_server(laptop: &Env, url: &str) {
    laptop
        .connection()
        .execute("UPDATE sync_state SET server_url = ?1", [url])
        .expect("the laptop's store");
}

#[test]
fn two_server_processes_on_one_postgresql_serve_laptops_alternating_between_them() {
    let db = PgDatabase::create();
    let a = Server::start_with(Some(db.url()), None);
    let mut b = Server::start_with(Some(db.url()), None);
    // One server key for both processes, as HQ deploys them (it wraps recovery secrets).
    std::fs::copy(
        a.dir.path().join("server.key"),
        b.dir.path().join("server.key"),
    )
    .expect("copying the server key");
    b.restart();
    let (one, two) = (Env::new(), Env::new());
    a.enrol("KGL-TC1", &one, "kgl-laptop-1");
    b.enrol("KGL-TC1", &two, "kgl-laptop-2");
    one.import_sample();
    sync(&one);
    sync(&two);
    assert_eq!(one.export(), two.export());

    // Both laptops edit and sync at the same moment, each through the other server, over and over.
    for round in 0..6 {
        let (first, second) = if round % 2 == 0 { (&a, &b) } else { (&b, &a) };
        use_server(&one, &first.url);
        use_server(&two, &second.url);
        one.ok([
            "individual",
            "set",
            "I-0001001",
            "phone",
            &format!("+250 788 100 {round:03}"),
        ]);
        two.ok([
            "individual",
            "set",
            "I-0001010",
            "phone",
            &format!("+250 788 200 {round:03}"),
        ]);
        std::thread::scope(|s| {
            s.spawn(|| sync(&one));
            s.spawn(|| sync(&two));
        });
    }
    one.ok(["individual", "set", "I-0001002", "family_name", "Uwase"]);
    two.ok(["individual", "set", "I-0001002", "family_name", "Uwasse"]);
    for laptop in [&one, &two, &one, &two] {
        sync(laptop);
    }
    assert_eq!(
        one.export(),
        two.export(),
        "the laptops converge through two servers"
    );
    let lines = crate::util::parse_jsonl(&one.export());
    assert_eq!(
        crate::util::individual(&lines, "I-0001001")["phone"],
        "+250 788 100 005"
    );
    assert_eq!(
        crate::util::individual(&lines, "I-0001010")["phone"],
        "+250 788 200 005"
    );
    assert_eq!(
        crate::util::count_type(&lines, "individual"),
        10,
        "nobody twice"
    );
    assert_eq!(conflicts(&one).len(), 1);
    assert_eq!(conflicts(&one), conflicts(&two));
}
