//! The real `waypoint-server serve` process under hostile or careless clients: connections that
//! never finish their headers, too many connections, bodies that expand when decoded, heavy
//! decompression beside ordinary requests, and plain HTTP off loopback.
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use waypoint_protocol as wire;

const BIN: &str = env!("CARGO_BIN_EXE_waypoint-server");

/// A server process on a free loopback port over its own SQLite file; killed when dropped.
struct Server {
    dir: tempfile::TempDir,
    addr: String,
    child: Child,
}

impl Server {
    fn start(extra: &[&str]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        let child = Command::new(BIN)
            .env("WAYPOINT_SERVER_KEY_FILE", dir.path().join("server.key"))
            .args([
                "serve",
                "--database",
                &database(dir.path()),
                "--listen",
                &addr,
            ])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("server.log")).unwrap())
            .spawn()
            .unwrap();
        let server = Server { dir, addr, child };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(&server.addr).is_err() {
            assert!(Instant::now() < deadline, "no server:\n{}", server.log());
            std::thread::sleep(Duration::from_millis(20));
        }
        server
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    fn admin(&self, args: &[&str]) -> String {
        let out = Command::new(BIN)
            .arg("admin")
            .args(args)
            .args(["--database", &database(self.dir.path())])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    }

    /// Enrols a device of a new site: its token.
    fn device(&self) -> String {
        self.admin(&["site", "add", "KGL-TC1", "Kigali"]);
        let printed = self.admin(&["device", "enrol", "--site", "KGL-TC1", "--name", "laptop-1"]);
        let code = printed
            .lines()
            .find(|l| l.starts_with("    "))
            .unwrap()
            .trim();
        let body = serde_json::to_vec(&wire::EnrolRequest { code: code.into() }).unwrap();
        let (status, answer) = http(
            &self.addr,
            "POST",
            wire::paths::ENROL,
            &[("content-type", "application/json")],
            &body,
        );
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
        serde_json::from_slice::<wire::EnrolResponse>(&answer)
            .unwrap()
            .token
    }

    /// (resident now, peak resident) in KiB.
    fn memory_kib(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse().ok())
                .unwrap()
        };
        (field("VmRSS:"), field("VmHWM:"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn database(dir: &Path) -> String {
    format!("sqlite:{}", dir.join("hq.db").display())
}

/// One HTTP/1.1 request on its own connection: (status, body); status 0 when the server
/// closed the connection without an answer.
fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Vec<u8>) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    if stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body))
        .is_err()
    {
        return (0, Vec::new());
    }
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let Some(split) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        return (0, Vec::new());
    };
    let status = String::from_utf8_lossy(&raw[..split])
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, raw[split + 4..].to_vec())
}

fn status_of(addr: &str, token: &str) -> u16 {
    let bearer = format!("Bearer {token}");
    http(
        addr,
        "GET",
        wire::paths::STATUS,
        &[("authorization", &bearer)],
        b"",
    )
    .0
}

/// Whether the server closed `stream` (a read ends) within `within`.
fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    stream.set_read_timeout(Some(within)).unwrap();
    let mut buf = [0u8; 256];
    match stream.read(&mut buf) {
        Ok(0) => true,
        Ok(_) => {
            // An answer (hyper's 408) and then the close.
            let mut rest = Vec::new();
            stream.read_to_end(&mut rest).is_ok()
        }
        Err(e) => e.kind() == std::io::ErrorKind::ConnectionReset,
    }
}

#[test]
fn a_client_that_never_finishes_its_headers_is_dropped_and_others_are_answered_meanwhile() {
    let server = Server::start(&["--header-timeout", "1"]);
    let token = server.device();
    let mut slow: Vec<TcpStream> = (0..20)
        .map(|i| {
            let mut s = TcpStream::connect(&server.addr).unwrap();
            // Half send part of a request, half nothing at all.
            if i % 2 == 0 {
                s.write_all(b"GET /v1/status HTTP/1.1\r\nhost: x\r\n")
                    .unwrap();
            }
            s
        })
        .collect();
    let started = Instant::now();
    assert_eq!(status_of(&server.addr, &token), 200);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    for s in &mut slow {
        assert!(
            closed_within(s, Duration::from_secs(5)),
            "a connection without complete headers was kept"
        );
    }
    assert_eq!(status_of(&server.addr, &token), 200);
}

#[test]
fn connections_over_the_caps_are_closed_and_their_slots_come_back() {
    let server = Server::start(&["--max-connections-per-address", "8"]);
    let token = server.device();
    let held: Vec<TcpStream> = (0..8)
        .map(|_| TcpStream::connect(&server.addr).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        status_of(&server.addr, &token),
        0,
        "the ninth from one address is closed"
    );
    drop(held);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(status_of(&server.addr, &token), 200);

    let server = Server::start(&["--max-connections", "4"]);
    let token = server.device();
    let held: Vec<TcpStream> = (0..4)
        .map(|_| TcpStream::connect(&server.addr).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        status_of(&server.addr, &token),
        0,
        "the fifth in all is closed"
    );
    drop(held);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(status_of(&server.addr, &token), 200);
}

fn varint(mut n: u64, out: &mut Vec<u8>) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

#[test]
fn a_crafted_body_of_a_few_kb_gets_a_fast_413_with_bounded_memory() {
    let server = Server::start(&[]);
    let token = server.device();
    // A push of one record with 4 million empty fields: 8 MB decoded, a few hundred bytes
    // sent, and about 200 MB once decoded into memory without a cap.
    let mut raw = Vec::new();
    varint(u64::from(wire::SCHEMA_VERSION), &mut raw);
    raw.extend([1, 1, 1, 0, 1, b'x', 0, 1, b'x']);
    let fields = 4_000_000;
    varint(fields, &mut raw);
    raw.resize(raw.len() + 2 * fields as usize, 0);
    let body = zstd::bulk::compress(&raw, 19).unwrap();
    assert!(body.len() < 4096, "{} bytes", body.len());

    let (_, peak_before) = server.memory_kib();
    let bearer = format!("Bearer {token}");
    let started = Instant::now();
    let (status, answer) = http(
        &server.addr,
        "POST",
        wire::paths::PUSH,
        &[
            ("authorization", &bearer),
            ("content-type", wire::BATCH_CONTENT_TYPE),
        ],
        &body,
    );
    let took = started.elapsed();
    let (_, peak_after) = server.memory_kib();
    assert_eq!(status, 413, "{}", String::from_utf8_lossy(&answer));
    assert!(
        String::from_utf8_lossy(&answer).contains("fields per record"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    assert!(took < Duration::from_secs(2), "{took:?}");
    let grown_mib = peak_after.saturating_sub(peak_before) / 1024;
    assert!(grown_mib < 48, "the peak grew by {grown_mib} MiB");
}

#[test]
fn heavy_decompression_does_not_hold_up_other_requests() {
    let server = Server::start(&[]);
    let token = server.device();
    // Decompresses to the whole 128 MiB (all zeros: schema version 0, answered 426).
    let heavy = zstd::bulk::compress(&vec![0u8; wire::MAX_DECODED_BYTES], 1).unwrap();
    let bearer = format!("Bearer {token}");
    let senders: Vec<_> = (0..12)
        .map(|_| {
            let (addr, bearer, heavy) = (server.addr.clone(), bearer.clone(), heavy.clone());
            std::thread::spawn(move || {
                http(
                    &addr,
                    "POST",
                    wire::paths::SYNC,
                    &[
                        ("authorization", &bearer),
                        ("content-type", wire::BATCH_CONTENT_TYPE),
                    ],
                    &heavy,
                )
                .0
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(100));
    let mut slowest = Duration::ZERO;
    for _ in 0..10 {
        let started = Instant::now();
        assert_eq!(status_of(&server.addr, &token), 200);
        slowest = slowest.max(started.elapsed());
        std::thread::sleep(Duration::from_millis(50));
    }
    for s in senders {
        assert_eq!(s.join().unwrap(), 426);
    }
    assert!(
        slowest < Duration::from_millis(400),
        "a status request took {slowest:?}"
    );
}

#[test]
fn plain_http_off_loopback_needs_tls_or_the_proxy_flag() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .env("WAYPOINT_SERVER_KEY_FILE", dir.path().join("server.key"))
        .args([
            "serve",
            "--database",
            &database(dir.path()),
            "--listen",
            "0.0.0.0:0",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the server served plain HTTP on 0.0.0.0");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(!status.success());
    assert!(stderr.contains("--tls-cert"), "{stderr}");
    assert!(stderr.contains("--insecure-behind-proxy"), "{stderr}");

    // Behind a TLS-terminating proxy it serves, and says so loudly.
    let mut child = Command::new(BIN)
        .env("WAYPOINT_SERVER_KEY_FILE", dir.path().join("server.key"))
        .args([
            "serve",
            "--database",
            &database(dir.path()),
            "--listen",
            "0.0.0.0:0",
        ])
        .arg("--insecure-behind-proxy")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(2));
    let running = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    let _ = child.wait();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(running, "{stderr}");
    assert!(stderr.contains("PLAIN HTTP"), "{stderr}");
}

#[test]
fn a_request_http_cannot_parse_is_answered_with_the_json_error_body() {
    let server = Server::start(&[]);
    for head in [
        "POST /v1/sync HTTP/1.1\r\nhost: x\r\ncontent-length: abc\r\n\r\n",
        "POST /v1/sync HTTP/1.1\r\nhost: x\r\ncontent-length: 3\r\ncontent-length: 4\r\n\r\nabcd",
        "GET /v1/status HTTP/1.1\r\nhost x\r\n\r\n",
    ] {
        let mut stream = TcpStream::connect(&server.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream.write_all(head.as_bytes()).unwrap();
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw);
        let answer = String::from_utf8_lossy(&raw);
        assert!(answer.starts_with("HTTP/1.1 400"), "{head:?}: {answer}");
        let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
        let error: wire::ErrorBody = serde_json::from_str(body)
            .unwrap_or_else(|_| panic!("{head:?}: not a JSON error: {answer}"));
        assert!(error.error.contains("could not be read"), "{}", error.error);
    }
}

#[test]
fn over_tls_a_silent_handshake_is_dropped_and_https_is_answered() {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let _ = rustls::crypto::ring::default_provider().install_default();
    let files = tempfile::tempdir().unwrap();
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    let (cert_path, key_path) = (files.path().join("cert.pem"), files.path().join("key.pem"));
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();
    let server = Server::start(&[
        "--tls-cert",
        cert_path.to_str().unwrap(),
        "--tls-key",
        key_path.to_str().unwrap(),
        "--header-timeout",
        "1",
    ]);

    let mut silent = TcpStream::connect(&server.addr).unwrap();
    assert!(
        closed_within(&mut silent, Duration::from_secs(5)),
        "a silent handshake was kept"
    );

    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca_cert.der().clone()).unwrap();
    let config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connection =
        rustls::ClientConnection::new(std::sync::Arc::new(config), "localhost".try_into().unwrap())
            .unwrap();
    let mut tls = rustls::StreamOwned::new(connection, TcpStream::connect(&server.addr).unwrap());
    tls.write_all(b"GET /v1/nowhere HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n")
        .unwrap();
    let mut raw = Vec::new();
    let _ = tls.read_to_end(&mut raw);
    let answer = String::from_utf8_lossy(&raw);
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    assert!(answer.contains("no such address"), "{answer}");
}
