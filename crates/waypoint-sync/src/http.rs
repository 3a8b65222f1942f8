//! The HTTP session with the server: one client per process, the server's address, and
//! [`Server::request`], the one way every request goes out (with the credential, and an error
//! answer turned into a [`SyncError`] for a person).

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use reqwest::blocking::{Client, Response};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use waypoint_protocol as wire;

use crate::error::SyncError;

/// A server this device talks to, and the credential its requests carry (none for an
/// enrolment).
#[derive(Debug)]
pub(crate) struct Server {
    client: Client,
    base: reqwest::Url,
    credential: Option<String>,
}

/// What a request carries.
pub(crate) enum Body {
    Empty,
    /// JSON, for the small calls.
    Json(Vec<u8>),
    /// A bulk body (zstd-compressed postcard).
    Batch(Vec<u8>),
}

impl Body {
    /// `value` as a JSON body.
    pub(crate) fn json<T: Serialize>(value: &T) -> Result<Body, SyncError> {
        serde_json::to_vec(value)
            .map(Body::Json)
            .map_err(|e| SyncError::Encode(e.to_string()))
    }
}

/// A successful answer: its headers and its body, and the bytes the request sent.
pub(crate) struct Answer {
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
    pub(crate) sent: u64,
}

impl Answer {
    pub(crate) fn received(&self) -> u64 {
        self.body.len() as u64
    }

    /// The body as JSON; `what` names it in the error.
    pub(crate) fn json<T: DeserializeOwned>(&self, what: &str) -> Result<T, SyncError> {
        serde_json::from_slice(&self.body).map_err(|e| unreadable(what, &e))
    }
}

impl Server {
    /// The server at `address` (checked: `https://`, or `http://` to this computer), reached
    /// with the CA file of `WAYPOINT_CA_CERT` when set.
    pub(crate) fn new(address: &str, credential: Option<&str>) -> Result<Server, SyncError> {
        Ok(Server {
            base: check_url(address)?,
            client: http_client(ca_from_env().as_deref())?,
            credential: credential.map(str::to_string),
        })
    }

    /// The address as the device stores and reports it.
    pub(crate) fn address(&self) -> String {
        self.base.as_str().trim_end_matches('/').to_string()
    }

    /// Sends one request to `path` with the device's credential and `headers`; an answer
    /// that is not a success becomes the matching [`SyncError`].
    pub(crate) fn request(
        &self,
        method: Method,
        path: &str,
        body: Body,
        headers: &[(&str, &str)],
    ) -> Result<Answer, SyncError> {
        let url = self
            .base
            .join(path)
            .map_err(|_| SyncError::BadUrl(self.base.to_string()))?;
        let mut request = self.client.request(method, url);
        if let Some(credential) = &self.credential {
            request = request.header(AUTHORIZATION, format!("Bearer {credential}"));
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let (request, sent) = match body {
            Body::Empty => (request, 0),
            Body::Json(bytes) => {
                let sent = bytes.len() as u64;
                (
                    request.header(CONTENT_TYPE, "application/json").body(bytes),
                    sent,
                )
            }
            Body::Batch(bytes) => {
                let sent = bytes.len() as u64;
                (
                    request
                        .header(CONTENT_TYPE, wire::BATCH_CONTENT_TYPE)
                        .body(bytes),
                    sent,
                )
            }
        };
        let response = request.send().map_err(|e| unreachable(&self.base, &e))?;
        if !response.status().is_success() {
            return Err(error_answer(response));
        }
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .map_err(|e| unreachable(&self.base, &e))?
            .to_vec();
        Ok(Answer {
            headers,
            body,
            sent,
        })
    }
}

/// An enrolled device's sync session: its server, and what the answers of its rounds said.
#[derive(Debug)]
pub(crate) struct Session {
    server: Server,
    /// The digest of the staff directory this device holds (sent with each round).
    directory: String,
    /// The server said its directory differs (set by a round).
    directory_changed: AtomicBool,
    /// Set when an answer carried `waypoint-device-revoked: retired`.
    retired: AtomicBool,
}

impl Session {
    /// A session with `server`, for a device that holds the directory of digest `directory`.
    pub(crate) fn new(server: Server, directory: String) -> Session {
        Session {
            server,
            directory,
            directory_changed: AtomicBool::new(false),
            retired: AtomicBool::new(false),
        }
    }

    /// Whether a round's answer said the server's staff directory differs from this device's.
    pub(crate) fn directory_changed(&self) -> bool {
        self.directory_changed.load(Ordering::Relaxed)
    }

    /// `GET /v1/directory`: (the directory, bytes received).
    pub(crate) fn directory(&self) -> Result<(wire::StaffDirectory, u64), SyncError> {
        let answer = self
            .server
            .request(Method::GET, wire::paths::DIRECTORY, Body::Empty, &[])?;
        Ok((answer.json("the staff directory")?, answer.received()))
    }

    /// `POST /v1/audit`: (the server's acknowledgement, bytes sent, bytes received).
    pub(crate) fn push_audit(
        &self,
        push: &wire::AuditPush,
    ) -> Result<(wire::AuditAck, u64, u64), SyncError> {
        let answer =
            self.server
                .request(Method::POST, wire::paths::AUDIT, Body::json(push)?, &[])?;
        Ok((
            answer.json("the audit acknowledgement")?,
            answer.sent,
            answer.received(),
        ))
    }
}

impl crate::transport::Transport for Session {
    fn server(&self) -> String {
        self.server.address()
    }

    /// One `POST /v1/sync`.
    fn round(
        &self,
        request: &wire::SyncRequest,
    ) -> Result<(wire::SyncResponse, u64, u64), SyncError> {
        let answer = self.server.request(
            Method::POST,
            wire::paths::SYNC,
            Body::Batch(wire::encode(request)?),
            &[(wire::DIRECTORY_HEADER, &self.directory)],
        )?;
        if answer
            .headers
            .get(wire::DIRECTORY_HEADER)
            .is_some_and(|v| v.as_bytes() != self.directory.as_bytes())
        {
            self.directory_changed.store(true, Ordering::Relaxed);
        }
        if answer
            .headers
            .get(wire::REVOKED_HEADER)
            .is_some_and(|v| v.as_bytes() == wire::RevokeReason::Retired.as_str().as_bytes())
        {
            self.retired.store(true, Ordering::Relaxed);
        }
        let decoded: wire::SyncResponse = wire::decode(&answer.body)?;
        Ok((decoded, answer.sent, answer.received()))
    }

    fn retired(&self) -> bool {
        self.retired.load(Ordering::Relaxed)
    }
}

/// A server address: `https://…`, or `http://` to this computer only.
pub(crate) fn check_url(server: &str) -> Result<reqwest::Url, SyncError> {
    let url = reqwest::Url::parse(server.trim()).map_err(|_| SyncError::BadUrl(server.into()))?;
    match url.scheme() {
        "https" => {}
        "http" => {
            let host = url.host_str().unwrap_or_default();
            let loopback = host.eq_ignore_ascii_case("localhost")
                || host
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            if !loopback {
                return Err(SyncError::PlainHttp(server.into()));
            }
        }
        _ => return Err(SyncError::BadUrl(server.into())),
    }
    if url.host().is_none() {
        return Err(SyncError::BadUrl(server.into()));
    }
    Ok(url)
}

/// The HTTP client for `extra_ca`, made once per process and shared (a client is cheap to
/// clone): making one reads and parses the system's certificates and starts the blocking
/// client's own thread, which cost more than a whole no-op sync.
fn http_client(extra_ca: Option<&Path>) -> Result<Client, SyncError> {
    static CLIENTS: std::sync::Mutex<Vec<(Option<std::path::PathBuf>, Client)>> =
        std::sync::Mutex::new(Vec::new());
    let key = extra_ca.map(Path::to_path_buf);
    let mut clients = CLIENTS.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, client)) = clients.iter().find(|(k, _)| *k == key) {
        return Ok(client.clone());
    }
    let client = new_http_client(extra_ca)?;
    clients.push((key, client.clone()));
    Ok(client)
}

/// A new HTTP client: rustls with ring, the system's roots plus `extra_ca` (a PEM file) if given.
fn new_http_client(extra_ca: Option<&Path>) -> Result<Client, SyncError> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = Client::builder()
        .connect_timeout(Duration::from_secs(15))
        .timeout(Duration::from_secs(180))
        .user_agent(concat!("waypoint/", env!("CARGO_PKG_VERSION")));
    if let Some(path) = extra_ca {
        let bad = |reason: String| SyncError::Certificate {
            path: path.display().to_string(),
            reason,
        };
        let pem = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
        let cert = reqwest::Certificate::from_pem(&pem).map_err(|e| bad(e.to_string()))?;
        builder = builder.add_root_certificate(cert);
    }
    builder.build().map_err(|e| SyncError::Unreachable {
        url: String::new(),
        reason: e.to_string(),
    })
}

/// The CA file for servers with their own certificate: `WAYPOINT_CA_CERT`, when set.
fn ca_from_env() -> Option<std::path::PathBuf> {
    std::env::var_os("WAYPOINT_CA_CERT").map(Into::into)
}

fn unreachable(url: &reqwest::Url, e: &reqwest::Error) -> SyncError {
    // reqwest's messages name the URL, never a body.
    let reason = if e.is_timeout() {
        "no answer in time".to_string()
    } else if e.is_connect() {
        "could not connect".to_string()
    } else {
        e.to_string()
    };
    SyncError::Unreachable {
        url: url.to_string(),
        reason,
    }
}

/// A JSON answer that arrived but could not be decoded. The decoder's message can quote what
/// it read (a name in the staff directory), so only where it stopped is kept.
pub(crate) fn unreadable(what: &str, error: &(dyn std::error::Error + 'static)) -> SyncError {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if let Some(json) = e.downcast_ref::<serde_json::Error>() {
            return SyncError::UnreadableAnswer(format!(
                "{what} is not valid at line {}, column {}",
                json.line(),
                json.column()
            ));
        }
        cause = e.source();
    }
    SyncError::UnreadableAnswer(format!("{what} is not in the expected form"))
}

/// Turns an error answer into a [`SyncError`] carrying the server's message for a person.
fn error_answer(response: Response) -> SyncError {
    let status = response.status();
    let (message, revoked) = response
        .json::<wire::ErrorBody>()
        .map(|b| (b.error, b.revoked))
        .unwrap_or_else(|_| {
            let reason = status.canonical_reason().unwrap_or("error").to_string();
            (reason, None)
        });
    match status {
        StatusCode::UNAUTHORIZED => match revoked {
            Some(reason) => SyncError::Revoked { reason, message },
            None => SyncError::Unauthorized(message),
        },
        StatusCode::UPGRADE_REQUIRED => SyncError::UpgradeRequired(message),
        StatusCode::FORBIDDEN | StatusCode::CONFLICT => SyncError::SignInRefused(message),
        StatusCode::TOO_MANY_REQUESTS => SyncError::TooManyAttempts(message),
        _ => SyncError::Server {
            status: status.as_u16(),
            message,
        },
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test that cannot set up fails loudly
mod tests {
    use super::*;

    #[test]
    fn an_unreadable_answer_says_where_it_stopped_and_never_what_it_read() {
        let body = r#"{"staff": [{"name": "TEST PERSON ALPHA", "role": 7}]}"#;
        let error = serde_json::from_str::<wire::StaffDirectory>(body).unwrap_err();
        let error = unreadable("the staff directory", &error);
        let SyncError::UnreadableAnswer(what) = &error else {
            panic!("expected an unreadable answer, got {error:?}");
        };
        assert!(
            what.starts_with("the staff directory is not valid at line 1"),
            "{what}"
        );
        let message = error.to_string();
        assert!(!message.contains("ALPHA"), "{message}");
        assert!(message.contains("update Waypoint"), "{message}");
    }
}
