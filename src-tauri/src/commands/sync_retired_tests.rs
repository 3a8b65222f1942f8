//! A laptop HQ retired, against a stand-in HQ on 127.0.0.1 (the real server cannot be told to
//! wait): it erases itself only once everything recorded on it reached HQ and was taken. A
//! custody transfer saved while the sync's last request is still out keeps the data, and so
//! does a change HQ refused, until a supervisor dismisses it.
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use waypoint_protocol as wire;

use super::sync_now;
use crate::commands::{custody, import, status, testing};
use crate::dto::{Custodian, ImportRequest, LockReason, TransferRequest};
use crate::error::CommandError;
use waypoint_app::AppError;
use waypoint_app::session::Session;

/// A stand-in HQ that has retired the laptop: it takes every change pushed (but refuses
/// events when told to, as HQ refuses a change outside the laptop's sites), sends nothing
/// back, and holds its answer to the first audit push until the test lets it go.
struct RetiringHq {
    port: u16,
    /// A message when the first audit push arrived (its answer is held).
    audit_arrived: Receiver<()>,
    /// Lets the held answer go.
    release_audit: Sender<()>,
    /// The kinds of change it took ("create", "field", "event").
    taken: Arc<Mutex<Vec<&'static str>>>,
}

impl RetiringHq {
    fn start(refuse_events: bool) -> RetiringHq {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (arrived_tx, audit_arrived) = channel();
        let (release_audit, release_rx) = channel::<()>();
        let taken = Arc::new(Mutex::new(Vec::new()));
        let taken_by_hq = Arc::clone(&taken);
        std::thread::spawn(move || {
            let mut audit_held = false;
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { return };
                let Some((path, body)) = read_request(&mut conn) else {
                    continue;
                };
                if path == wire::paths::SYNC {
                    let request: wire::SyncRequest = wire::decode_request(&body).unwrap();
                    let acked_up_to = request.changes.iter().map(|c| c.client_seq).max();
                    let mut refused = Vec::new();
                    for change in &request.changes {
                        let kind = match &change.body {
                            wire::ChangeBody::Create { .. } => "create",
                            wire::ChangeBody::Field { .. } => "field",
                            wire::ChangeBody::Event { kind, .. } if kind == "custody_transfer" => {
                                "event"
                            }
                            // The exit-permit steps the sample's import records: taken like the
                            // profile data it came with.
                            wire::ChangeBody::Event { .. } => "imported",
                        };
                        if refuse_events && kind == "event" {
                            refused.push(wire::Refusal {
                                client_seq: change.client_seq,
                                reason: "the case is not one of this device's sites".into(),
                            });
                        } else {
                            taken_by_hq.lock().unwrap().push(kind);
                        }
                    }
                    let answer = wire::SyncResponse {
                        push: wire::PushResponse {
                            acked_up_to: acked_up_to.unwrap_or(0),
                            refused,
                            server_hlc: 0,
                        },
                        page: wire::PullPage {
                            changes: Vec::new(),
                            conflicts: Vec::new(),
                            next_cursor: 0,
                            more: false,
                            server_hlc: 0,
                        },
                    };
                    let retired = format!(
                        "{}: {}",
                        wire::REVOKED_HEADER,
                        wire::RevokeReason::Retired.as_str()
                    );
                    answer_with(
                        &mut conn,
                        wire::BATCH_CONTENT_TYPE,
                        &retired,
                        &wire::encode(&answer).unwrap(),
                    );
                } else if path == wire::paths::AUDIT {
                    let push: wire::AuditPush = serde_json::from_slice(&body).unwrap();
                    if !audit_held {
                        audit_held = true;
                        arrived_tx.send(()).unwrap();
                        let _ = release_rx.recv_timeout(Duration::from_secs(60));
                    }
                    let last = push.entries.last().unwrap();
                    let ack = wire::AuditAck {
                        held_seq: last.seq,
                        held_hash: last.hash.clone(),
                    };
                    answer_with(
                        &mut conn,
                        "application/json",
                        "x-stand-in: hq",
                        &serde_json::to_vec(&ack).unwrap(),
                    );
                } else {
                    answer_with(&mut conn, "text/plain", "x-stand-in: hq", b"");
                }
            }
        });
        RetiringHq {
            port,
            audit_arrived,
            release_audit,
            taken,
        }
    }
}

/// One HTTP/1.1 request: its path and body.
fn read_request(conn: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut data = Vec::new();
    let mut buf = [0u8; 65536];
    let head_end = loop {
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = conn.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&data[..head_end]).to_string();
    let path = head.split_whitespace().nth(1)?.to_string();
    let length = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    while data.len() < head_end + length {
        let n = conn.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
    }
    Some((path, data[head_end..head_end + length].to_vec()))
}

fn answer_with(conn: &mut TcpStream, content_type: &str, header: &str, body: &[u8]) {
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\n{header}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    let _ = conn.write_all(head.as_bytes());
    let _ = conn.write_all(body);
}

/// A laptop as it is used: signed in with a PIN (its keys and secret on disk, so that it can
/// be erased), the sample cases loaded, enrolled with the stand-in HQ at `port`.
fn laptop(port: u16) -> (tempfile::TempDir, std::path::PathBuf, Session) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let place = waypoint_keys::SecretPlace::File(dir.path().join("device.secret"));
    let state = Session::locked(data.clone(), None, Some(place)).with_clock(testing::now);
    let outcome = state.sign_in("A. Officer", "246813").unwrap();
    assert!(
        matches!(outcome, waypoint_app::session::SignInOutcome::SignedIn),
        "{outcome:?}"
    );
    let loaded = import::import_csv(
        &state,
        &ImportRequest {
            file_name: "sample-cases.csv".into(),
            content: testing::SAMPLE.into(),
            partial: false,
            dry_run: false,
        },
        &mut |_| {},
    )
    .unwrap();
    assert!(!loaded.rejected, "{loaded:?}");
    super::tests::enrol_at(&state, port);
    (dir, data, state)
}

/// A passport goes from the office safe into the family's travel bag.
fn into_the_travel_bag() -> TransferRequest {
    TransferRequest {
        individual_no: "I-0001010".into(),
        document_no: "N0045821".into(),
        from: Custodian::Storage {
            place: "Office safe".into(),
        },
        to: Custodian::TravelBag {
            case_no: "KGL-2025-000102".into(),
        },
        location: "Safe, office 2".into(),
    }
}

fn assert_erased(state: &Session, data: &std::path::Path) {
    assert!(!data.exists(), "the data directory is gone");
    let info = state.standing();
    assert!(info.signed_in.is_none(), "locked");
    assert_eq!(info.lock_reason, Some(LockReason::Revoked));
}

#[test]
fn a_transfer_saved_while_a_retired_laptop_syncs_is_not_erased() {
    let hq = RetiringHq::start(false);
    let (_dir, data, state) = laptop(hq.port);
    std::thread::scope(|s| {
        let sync = s.spawn(|| sync_now(&state));
        // HQ took every change; its answer to the audit push is still out when a document
        // changes hands on this laptop, and the person is told it is saved.
        hq.audit_arrived
            .recv_timeout(Duration::from_secs(60))
            .unwrap();
        assert_eq!(status::status(&state).unwrap().pending_changes, 0);
        let saved = custody::record_custody_transfer(&state, &into_the_travel_bag()).unwrap();
        assert_eq!(saved.chain.len(), 1);
        hq.release_audit.send(()).unwrap();
        let outcome = sync
            .join()
            .unwrap()
            .expect("the laptop keeps its data: the transfer has not reached HQ");
        assert!(outcome.retired);
        assert_eq!(outcome.pending, 1, "{outcome:?}");
    });
    assert!(data.exists());
    assert_eq!(status::status(&state).unwrap().pending_changes, 1);
    let chain = custody::document_custody(&state, "KGL-2025-000102").unwrap();
    assert!(
        chain
            .iter()
            .any(|d| d.document_no == "N0045821" && d.chain.len() == 1)
    );
    assert!(!hq.taken.lock().unwrap().contains(&"event"));

    // The next sync sends it; HQ takes it; only then is the laptop erased.
    let e = sync_now(&state).unwrap_err();
    assert!(
        matches!(e, CommandError::App(AppError::Wiped)),
        "{}",
        e.message()
    );
    assert!(hq.taken.lock().unwrap().contains(&"event"));
    assert_erased(&state, &data);
}

#[test]
fn a_change_hq_refused_keeps_a_retired_laptop_from_erasing_itself_until_dismissed() {
    let hq = RetiringHq::start(true);
    let (_dir, data, state) = laptop(hq.port);
    custody::record_custody_transfer(&state, &into_the_travel_bag()).unwrap();
    // Nothing is recorded during this sync: HQ's audit answer goes at once.
    hq.release_audit.send(()).unwrap();
    let outcome = sync_now(&state).expect("the refused transfer keeps the data");
    assert!(outcome.retired);
    assert_eq!(
        (outcome.refused, outcome.refused_kept, outcome.pending),
        (1, 1, 0)
    );
    assert!(data.exists());
    // Shown, and kept whole: the transfer is still on record here.
    let shown = status::status(&state).unwrap();
    assert_eq!((shown.pending_changes, shown.refused_changes), (0, 1));
    let chain = custody::document_custody(&state, "KGL-2025-000102").unwrap();
    assert!(
        chain
            .iter()
            .any(|d| d.document_no == "N0045821" && d.chain.len() == 1)
    );
    let refused = state.store().unwrap().refused_changes().unwrap();
    assert_eq!(refused.len(), 1);
    assert!(refused[0].reason.contains("not one of this device's sites"));

    // Syncing again does not erase it either.
    sync_now(&state).expect("still kept");
    assert!(data.exists());

    // A supervisor dealt with it and dismisses it: the next sync erases the laptop.
    let seq = refused[0].client_seq;
    {
        let mut store = state.store().unwrap();
        let role = store.role();
        store.dismiss_refused_as(role, seq).unwrap();
    }
    let e = sync_now(&state).unwrap_err();
    assert!(
        matches!(e, CommandError::App(AppError::Wiped)),
        "{}",
        e.message()
    );
    assert_erased(&state, &data);
}
