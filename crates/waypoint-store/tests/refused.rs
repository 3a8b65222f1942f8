//! Changes the server refused, on a real store file: kept whole (not only their reason) until
//! a supervisor dismisses them, counted with the outbox as what HQ does not have, and the
//! dismissal audited.
#![allow(clippy::unwrap_used)] // a test that cannot set up fails loudly

use chrono::{NaiveDate, TimeZone, Utc};
use uuid::Uuid;
use waypoint_domain::{CheckOutcome, FieldEvent, IdentityCheck, Role};
use waypoint_import::{ImportOptions, parse};
use waypoint_store::{OutboxKind, Store, StoreError, Unsent};

const SAMPLE: &str = include_str!("../../../tests/fixtures/sample-cases.csv");

fn test_key() -> waypoint_store::StoreKey {
    waypoint_store::StoreKey::from_bytes([7; 32])
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

fn import(store: &mut Store) {
    let parsed = parse(
        SAMPLE.as_bytes(),
        &ImportOptions { today: today() },
        &mut |_, _| {},
    )
    .unwrap();
    store
        .import(
            parsed.rows.iter().map(|r| (r.line, &r.record)),
            false,
            &mut |_| {},
        )
        .unwrap();
}

#[test]
fn a_refused_event_is_kept_whole_until_a_supervisor_dismisses_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path(), &test_key()).unwrap();
    import(&mut s);
    let check = FieldEvent::IdentityCheck(IdentityCheck {
        id: Uuid::now_v7(),
        individual_no: "I-0001002".into(),
        document_no: Some("ICRC-7781203".into()),
        outcome: CheckOutcome::Verified,
        mismatches: vec![],
        site: "KGL-TC1".into(),
        checked_by: "officer.test".into(),
        checked_at: Utc.with_ymd_and_hms(2026, 11, 25, 8, 0, 0).unwrap(),
    });
    s.record_event(&check).unwrap();
    let all = s.outgoing(0, 100).unwrap();
    let event_seq = all.last().unwrap().client_seq;
    // The server takes everything but the event, which it refuses.
    s.acknowledge(event_seq, &[(event_seq, "case of another site".into())])
        .unwrap();
    assert_eq!(s.outbox_len().unwrap(), 0);
    assert_eq!(
        s.unsent().unwrap(),
        Unsent {
            pending: 0,
            refused: 1
        },
        "a refused change is still something HQ does not have"
    );
    assert!(!s.unsent().unwrap().is_empty());
    // Whole: the event as recorded, not only where it was and why it was refused.
    let whole = s.refused_whole(event_seq).unwrap().unwrap();
    assert_eq!(whole.kind, Some(OutboxKind::Event));
    let kept: FieldEvent = serde_json::from_str(&whole.payload.unwrap()).unwrap();
    assert_eq!(kept, check);

    // Only a supervisor dismisses it.
    let e = s
        .dismiss_refused_as(Role::FieldAssistant, event_seq)
        .unwrap_err();
    assert!(matches!(e, StoreError::NotAllowed { .. }), "{e}");
    assert_eq!(s.unsent().unwrap().refused, 1);
    let e = s.dismiss_refused_as(Role::Supervisor, 999_999).unwrap_err();
    assert!(e.to_string().contains("no refused change 999999"), "{e}");

    s.act_as("staff:B. Supervisor");
    let dismissed = s.dismiss_refused_as(Role::Supervisor, event_seq).unwrap();
    assert_eq!(dismissed.reason, "case of another site");
    assert!(s.unsent().unwrap().is_empty());
    assert!(s.refused_changes().unwrap().is_empty());
    assert_eq!(s.refused_whole(event_seq).unwrap(), None);
    // The audit log says who dismissed which record's change (never a value).
    let log = s.audit_entries(0, 10_000).unwrap();
    let entry = log.last().unwrap();
    assert_eq!(entry.action, "dismiss_refused");
    assert_eq!(entry.staff, "staff:B. Supervisor");
    assert_eq!(entry.scope.as_deref(), Some("event"));
    assert_eq!(
        entry.detail.as_deref(),
        Some(format!("refused change {event_seq}").as_str())
    );
    assert!(s.verify_audit().unwrap().is_intact());
}
