//! The real `waypoint-server` binary on 127.0.0.1, for what only a process shows: its peak
//! memory under a burst of sign-ins (read from /proc), and what it does at start to a database
//! an older server left (recovery secrets in clear).
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use waypoint_server::store::DeviceRecovery;
use waypoint_server::{MAX_SIGN_IN_FAILURES, admin, auth};

const PIN: &str = "918273";

/// A server process, killed when dropped.
struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Serves the SQLite database `db` with the key file `key` (given by its environment
    /// variable) and waits until it answers.
    fn start(db: &Path, key: &Path) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        let child = Command::new(env!("CARGO_BIN_EXE_waypoint-server"))
            .args(["serve", "--listen", &addr])
            // Hundreds of sign-ins at once from this one address: the per-address connection
            // cap (a separate defence) must not be what answers them.
            .args(["--max-connections-per-address", "1000"])
            .arg("--database")
            .arg(format!("sqlite:{}", db.display()))
            .env("WAYPOINT_SERVER_KEY_FILE", key)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut server = Server { child, addr };
        let start = Instant::now();
        while std::net::TcpStream::connect(&server.addr).is_err() {
            if let Some(status) = server.child.try_wait().unwrap() {
                panic!("the server stopped at start: {status}");
            }
            assert!(start.elapsed() < Duration::from_secs(30), "no answer");
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// The process's peak resident memory (VmHWM), in MiB.
    fn peak_mib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let kb: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap();
        kb / 1024
    }
}

/// POSTs a sign-in to the server at `addr` over plain HTTP/1.1; returns the status and the body.
async fn sign_in(addr: &str, credential: &str, name: &str, pin: &str) -> (u16, String) {
    let body = serde_json::json!({ "name": name, "pin": pin }).to_string();
    let request = format!(
        "POST {} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {credential}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        waypoint_protocol::paths::SIGN_IN,
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer).to_string();
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// A database as an older server left it: a site, Amina, and a device enrolled with its
/// recovery secret stored in clear. Returns (the device's sign-in credential, the secret).
async fn old_database(db: &Path) -> (String, String) {
    let store = waypoint_server::store::open(&format!("sqlite:{}", db.display()))
        .await
        .unwrap();
    admin::add_site(store.as_ref(), "KGL-TC1", "Kigali", NOW)
        .await
        .unwrap();
    admin::add_staff(
        store.as_ref(),
        "KGL-TC1",
        "field_assistant",
        "Amina Uwase",
        PIN,
        NOW,
    )
    .await
    .unwrap();
    let e = admin::enrol_device(store.as_ref(), "KGL-TC1", "laptop-1", NOW)
        .await
        .unwrap();
    let credential = auth::new_token().unwrap();
    let secret = auth::new_recovery_secret().unwrap();
    store
        .enrol_with(
            &auth::hash_secret(&auth::normalize_code(&e.code)),
            &auth::hash_secret(&auth::new_token().unwrap()),
            Some(DeviceRecovery {
                signin_token_hash: auth::hash_secret(&credential),
                recovery_secret: secret.clone(),
            }),
            NOW,
        )
        .await
        .unwrap()
        .unwrap();
    (credential, secret)
}

fn database_bytes(db: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for suffix in ["", "-wal", "-journal"] {
        if let Ok(b) = std::fs::read(format!("{}{suffix}", db.display())) {
            bytes.extend(b);
        }
    }
    bytes
}

fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

fn paths() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hq.db");
    let key = dir.path().join("server.key");
    (dir, db, key)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_300_wrong_sign_ins_checks_five_pins_and_keeps_the_server_small() {
    let (_dir, db, key) = paths();
    let (credential, _) = old_database(&db).await;
    let server = Server::start(&db, &key);
    let tasks: Vec<_> = (0..300)
        .map(|i| {
            let (addr, credential) = (server.addr.clone(), credential.clone());
            tokio::spawn(async move {
                sign_in(&addr, &credential, "Amina Uwase", &format!("{i:06}"))
                    .await
                    .0
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    let wrong = statuses.iter().filter(|s| **s == 403).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    let peak = server.peak_mib();
    assert_eq!(
        (wrong, limited),
        (
            MAX_SIGN_IN_FAILURES as usize,
            300 - MAX_SIGN_IN_FAILURES as usize
        ),
        "only {MAX_SIGN_IN_FAILURES} PINs are checked"
    );
    // Two 64 MiB checks at a time, and the server's own few dozen MiB.
    assert!(peak < 320, "the server grew to {peak} MiB");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_old_databases_recovery_secrets_are_wrapped_at_start_and_still_given_back() {
    let (_dir, db, key) = paths();
    let (credential, secret) = old_database(&db).await;
    assert!(holds(&database_bytes(&db), &secret), "the old server's row");
    let server = Server::start(&db, &key);
    let (status, body) = sign_in(&server.addr, &credential, "Amina Uwase", PIN).await;
    assert_eq!(status, 200, "{body}");
    let answer: waypoint_protocol::SignInResponse = serde_json::from_str(&body).unwrap();
    assert_eq!(answer.recovery_secret, secret);
    drop(server);
    assert!(
        !holds(&database_bytes(&db), &secret),
        "the database files no longer hold the secret in clear"
    );
    // Started again with the same key, it still opens what it wrapped.
    let server = Server::start(&db, &key);
    let (status, body) = sign_in(&server.addr, &credential, "Amina Uwase", PIN).await;
    assert_eq!(status, 200, "{body}");
    drop(server);
    // With the key file gone, the server refuses to start rather than lose the secrets.
    std::fs::remove_file(&key).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_waypoint-server"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .arg("--database")
        .arg(format!("sqlite:{}", db.display()))
        .env("WAYPOINT_SERVER_KEY_FILE", &key)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("server key"), "{said}");
    assert!(!said.contains(&secret));
}
