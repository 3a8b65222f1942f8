//! The storage conformance suite: every test runs unchanged against the SQLite backend and
//! the PostgreSQL backend (a fresh schema per test at 127.0.0.1:5432, dropped afterwards).
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use common::*;
use waypoint_domain::Field;
use waypoint_protocol::{RevokeReason, Scope, ServerBody, hlc};
use waypoint_server::ServerStore;
use waypoint_server::store::{DeviceState, Page};

/// Declares `name` once per backend: `sqlite::name` and `postgres::name`.
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let store = super::common::sqlite().await;
                    super::$name(store).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::common::with_pg(|schema| async move {
                        let store: std::sync::Arc<dyn waypoint_server::ServerStore> =
                            schema.store().await;
                        super::$name(store).await;
                    })
                    .await;
                }
            )*
        }
    };
}

conformance!(
    an_enrolment_code_works_once_and_a_revoked_device_is_refused,
    a_repeated_batch_changes_nothing,
    a_change_outside_the_device_scope_is_never_applied_nor_delivered,
    concurrent_edits_of_a_sensitive_field_converge_and_reach_the_conflict_queue,
    concurrent_edits_of_an_ordinary_field_resolve_silently_by_last_writer,
    a_fast_forward_edit_is_not_a_conflict,
    a_clock_far_in_the_future_is_clamped_and_does_not_win_forever,
    an_event_is_stored_once_whoever_sends_it,
    pages_cover_every_change_once_in_order,
    a_batch_out_of_order_is_refused_whole,
    a_resolution_settles_the_conflict_everywhere,
    invalid_values_are_refused_without_quoting_them,
    a_push_is_not_answered_with_its_own_changes,
    staff_accounts_keep_only_a_pin_hash_and_reach_only_their_site,
    a_disabled_account_stays_listed_as_disabled_and_counts_a_change,
    site_policies_default_to_14_days_and_5_minutes_and_change_per_site,
    failed_attempts_are_counted_in_their_window_and_cleared,
    enrolment_keeps_the_recovery_secret_and_the_sign_in_credential_as_a_hash,
    a_lost_device_may_not_push_and_a_retired_one_may,
    the_audit_copy_continues_each_chain_and_refuses_a_rewrite,
);

// Case numbers another site holds: held changes, and HQ's settlements.
#[path = "conformance/held.rs"]
mod held;

// The port-of-entry scope: arrivals decided by bookings.
#[path = "conformance/arrivals.rs"]
mod arrivals;

/// Every page after `after` until the end.
async fn pull_all(
    store: &dyn ServerStore,
    device: &waypoint_server::store::Device,
    after: u64,
) -> Page {
    let mut all = Page {
        changes: Vec::new(),
        conflicts: Vec::new(),
        next_cursor: after,
        more: false,
    };
    loop {
        let page = store.pull(device, all.next_cursor, 3).await.unwrap();
        assert!(
            page.next_cursor >= all.next_cursor,
            "the cursor never goes back"
        );
        all.changes.extend(page.changes);
        all.conflicts.extend(page.conflicts);
        all.next_cursor = page.next_cursor;
        if !page.more {
            return all;
        }
    }
}

fn field_value(page: &Page, entity: &str, field: &str) -> Option<Option<String>> {
    page.changes.iter().rev().find_map(|c| match &c.body {
        ServerBody::Field { field: f, value } if c.entity == entity && f == field => {
            Some(value.clone())
        }
        _ => None,
    })
}

fn seq_of(page: &Page, entity: &str, field: &str) -> u64 {
    page.changes
        .iter()
        .rev()
        .find(|c| {
            c.entity == entity
                && matches!(&c.body, ServerBody::Field { field: f, .. } if f == field)
        })
        .map(|c| c.server_seq)
        .unwrap()
}

/// A case KGL-2025-000001 of KGL-TC1 with one individual, pushed by `a`.
async fn seed(
    store: &dyn ServerStore,
) -> (
    waypoint_server::store::Device,
    waypoint_server::store::Device,
) {
    let (a, _) = device(store, "KGL-TC1", "laptop-a").await;
    let (b, _) = device(store, "KGL-TC1", "laptop-b").await;
    let out = store
        .push(
            &a,
            vec![
                create_case(1, "KGL-2025-000001", "KGL-TC1"),
                create_individual(2, "KGL-2025-000001", "KGL-2025-000001-01"),
            ],
            NOW,
        )
        .await
        .unwrap();
    assert!(out.refused.is_empty(), "{:?}", out.refused);
    (a, b)
}

async fn an_enrolment_code_works_once_and_a_revoked_device_is_refused(store: Arc<dyn ServerStore>) {
    waypoint_server::admin::add_site(store.as_ref(), "KGL-TC1", "Kigali transit centre", NOW)
        .await
        .unwrap();
    let e = waypoint_server::admin::enrol_device(store.as_ref(), "KGL-TC1", "laptop-1", NOW)
        .await
        .unwrap();
    let code = waypoint_server::auth::hash_secret(&waypoint_server::auth::normalize_code(&e.code));
    let token = waypoint_server::auth::hash_secret("token-1");
    assert!(
        store
            .enrol("not the code", &token, NOW)
            .await
            .unwrap()
            .is_none()
    );
    let device = store.enrol(&code, &token, NOW).await.unwrap().unwrap();
    assert_eq!(device.sites, vec!["KGL-TC1".to_string()]);
    assert!(
        store
            .enrol(&code, &waypoint_server::auth::hash_secret("t2"), NOW)
            .await
            .unwrap()
            .is_none(),
        "a code works once"
    );
    assert_eq!(
        store.device_by_token(&token).await.unwrap().unwrap().id,
        device.id
    );

    // An expired code does nothing.
    let late = waypoint_server::admin::enrol_device(store.as_ref(), "KGL-TC1", "laptop-2", NOW)
        .await
        .unwrap();
    let late_code =
        waypoint_server::auth::hash_secret(&waypoint_server::auth::normalize_code(&late.code));
    let after_expiry = NOW + waypoint_server::admin::ENROLMENT_VALIDITY_MS + 1;
    assert!(
        store
            .enrol(
                &late_code,
                &waypoint_server::auth::hash_secret("t3"),
                after_expiry
            )
            .await
            .unwrap()
            .is_none()
    );

    store
        .revoke_device("laptop-1", RevokeReason::Lost, NOW)
        .await
        .unwrap();
    assert_eq!(
        store
            .device_by_token(&token)
            .await
            .unwrap()
            .unwrap()
            .revoked,
        Some(RevokeReason::Lost),
        "revoked: the token still names the device, with the reason it is refused"
    );
    assert!(
        store.push(&device, Vec::new(), NOW).await.is_err(),
        "revoked as lost: even an empty push is refused"
    );
    let listed = store.devices().await.unwrap();
    let l1 = listed.iter().find(|d| d.name == "laptop-1").unwrap();
    assert_eq!(l1.state, DeviceState::Revoked(RevokeReason::Lost));
    assert!(matches!(
        listed.iter().find(|d| d.name == "laptop-2").unwrap().state,
        DeviceState::Pending { .. }
    ));
    assert!(
        store
            .revoke_device("no-such-laptop", RevokeReason::Lost, NOW)
            .await
            .is_err()
    );
    // A device revoked before it used its code can no longer use it.
    store
        .revoke_device("laptop-2", RevokeReason::Retired, NOW)
        .await
        .unwrap();
    assert!(
        store
            .enrol(&late_code, &waypoint_server::auth::hash_secret("t4"), NOW)
            .await
            .unwrap()
            .is_none()
    );
}

async fn a_repeated_batch_changes_nothing(store: Arc<dyn ServerStore>) {
    let (a, b) = seed(store.as_ref()).await;
    let before = pull_all(store.as_ref(), &b, 0).await;
    assert!(!before.changes.is_empty());
    // The answer was lost: the device sends the same batch again, with what followed.
    let again = store
        .push(
            &a,
            vec![
                create_case(1, "KGL-2025-000001", "KGL-TC1"),
                create_individual(2, "KGL-2025-000001", "KGL-2025-000001-01"),
                event(3, "0190a0b0-0000-7000-8000-000000000001", "KGL-2025-000001"),
            ],
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(again.acked_up_to, 3);
    let after = pull_all(store.as_ref(), &b, before.next_cursor).await;
    assert_eq!(
        after.changes.len(),
        1,
        "only the new event: {:?}",
        after.changes
    );
    assert!(matches!(after.changes[0].body, ServerBody::Event { .. }));
    // And once more: nothing at all.
    store
        .push(
            &a,
            vec![event(
                3,
                "0190a0b0-0000-7000-8000-000000000001",
                "KGL-2025-000001",
            )],
            NOW,
        )
        .await
        .unwrap();
    let nothing = pull_all(store.as_ref(), &b, after.next_cursor).await;
    assert!(nothing.changes.is_empty());
}

async fn a_change_outside_the_device_scope_is_never_applied_nor_delivered(
    store: Arc<dyn ServerStore>,
) {
    let (a, _) = seed(store.as_ref()).await;
    let (other, _) = device(store.as_ref(), "NBO-TC2", "nairobi-1").await;
    // The Nairobi laptop pushes its own case, an edit of a Kigali person and a Kigali event.
    let out = store
        .push(
            &other,
            vec![
                create_case(1, "NBO-2025-000009", "NBO-TC2"),
                set_field(
                    2,
                    hlc_at(NOW),
                    Scope::Individual,
                    "KGL-2025-000001-01",
                    "KGL-2025-000001",
                    Field::FamilyName,
                    Some("Intruder"),
                    0,
                ),
                event(3, "0190a0b0-0000-7000-8000-000000000002", "KGL-2025-000001"),
                create_case(4, "KGL-2025-000777", "KGL-TC1"),
            ],
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(out.acked_up_to, 4);
    let refused: Vec<u64> = out.refused.iter().map(|r| r.client_seq).collect();
    // A case made for a site the device does not serve is refused (that says nothing of other
    // sites); the changes of Kigali's case are held for HQ, answered like accepted ones.
    assert_eq!(refused, vec![4], "{:?}", out.refused);
    assert!(
        out.refused[0]
            .reason
            .contains("not one of this device's sites"),
        "{}",
        out.refused[0].reason
    );
    let held = store.held_changes().await.unwrap();
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(
        (
            held[0].case_no.as_str(),
            held[0].site.as_str(),
            held[0].changes
        ),
        ("KGL-2025-000001", "NBO-TC2", 2)
    );
    for r in &out.refused {
        assert!(
            !r.reason.contains("Haddad") && !r.reason.contains("Amina"),
            "{}",
            r.reason
        );
    }
    // Kigali's name is untouched; each side sees only its own.
    let kgl = pull_all(store.as_ref(), &a, 0).await;
    assert_eq!(
        field_value(&kgl, "KGL-2025-000001-01", "family_name"),
        Some(Some(canon(Field::FamilyName, "Haddad")))
    );
    assert!(
        kgl.changes.iter().all(|c| c.case_no.starts_with("KGL-")),
        "{:?}",
        kgl.changes
    );
    let nbo = pull_all(store.as_ref(), &other, 0).await;
    assert!(!nbo.changes.is_empty());
    assert!(
        nbo.changes.iter().all(|c| c.case_no == "NBO-2025-000009"),
        "{:?}",
        nbo.changes
    );
    assert!(nbo.conflicts.is_empty());
}

async fn concurrent_edits_of_a_sensitive_field_converge_and_reach_the_conflict_queue(
    store: Arc<dyn ServerStore>,
) {
    let (a, b) = seed(store.as_ref()).await;
    let seen = pull_all(store.as_ref(), &b, 0).await;
    let base = seq_of(&seen, "KGL-2025-000001-01", "family_name");
    let ind = "KGL-2025-000001-01";
    // Both edit offline on the same base; b's edit is later.
    store
        .push(
            &a,
            vec![set_field(
                3,
                hlc_at(NOW + 1_000),
                Scope::Individual,
                ind,
                "KGL-2025-000001",
                Field::FamilyName,
                Some("Hadad"),
                base,
            )],
            NOW + 5_000,
        )
        .await
        .unwrap();
    store
        .push(
            &b,
            vec![set_field(
                1,
                hlc_at(NOW + 2_000),
                Scope::Individual,
                ind,
                "KGL-2025-000001",
                Field::FamilyName,
                Some("Haddadi"),
                base,
            )],
            NOW + 5_000,
        )
        .await
        .unwrap();
    for d in [&a, &b] {
        let page = pull_all(store.as_ref(), d, 0).await;
        assert_eq!(
            field_value(&page, ind, "family_name"),
            Some(Some(canon(Field::FamilyName, "Haddadi")))
        );
        assert_eq!(page.conflicts.len(), 1, "{:?}", page.conflicts);
        let c = &page.conflicts[0];
        assert_eq!(
            (c.winner.clone(), c.loser.clone()),
            (
                Some(canon(Field::FamilyName, "Haddadi")),
                Some(canon(Field::FamilyName, "Hadad"))
            )
        );
        assert_eq!(
            (c.winner_device.as_str(), c.loser_device.as_str()),
            ("laptop-b", "laptop-a")
        );
        assert!(!c.resolved);
        assert_eq!(c.field, "family_name");
    }
}

async fn concurrent_edits_of_an_ordinary_field_resolve_silently_by_last_writer(
    store: Arc<dyn ServerStore>,
) {
    let (a, b) = seed(store.as_ref()).await;
    let seen = pull_all(store.as_ref(), &b, 0).await;
    let base = seq_of(&seen, "KGL-2025-000001-01", "phone");
    let ind = "KGL-2025-000001-01";
    // a's edit is later by the clock but arrives first.
    store
        .push(
            &a,
            vec![set_field(
                3,
                hlc_at(NOW + 9_000),
                Scope::Individual,
                ind,
                "KGL-2025-000001",
                Field::Phone,
                Some("+250 788 000 111"),
                base,
            )],
            NOW + 10_000,
        )
        .await
        .unwrap();
    store
        .push(
            &b,
            vec![set_field(
                1,
                hlc_at(NOW + 2_000),
                Scope::Individual,
                ind,
                "KGL-2025-000001",
                Field::Phone,
                Some("+250 788 000 222"),
                base,
            )],
            NOW + 10_000,
        )
        .await
        .unwrap();
    let page = pull_all(store.as_ref(), &b, 0).await;
    assert_eq!(
        field_value(&page, ind, "phone"),
        Some(Some(canon(Field::Phone, "+250 788 000 111")))
    );
    assert!(
        page.conflicts.is_empty(),
        "an ordinary field does not go to review"
    );
}

async fn a_fast_forward_edit_is_not_a_conflict(store: Arc<dyn ServerStore>) {
    let (a, b) = seed(store.as_ref()).await;
    let ind = "KGL-2025-000001-01";
    store
        .push(
            &a,
            vec![set_field(
                3,
                hlc_at(NOW + 1_000),
                Scope::Individual,
                ind,
                "KGL-2025-000001",
                Field::FamilyName,
                Some("Hadad"),
                0,
            )],
            NOW + 5_000,
        )
        .await
        .unwrap();
    // b saw a's edit, then edits on top of it, even with an older clock.
    let seen = pull_all(store.as_ref(), &b, 0).await;
    let base = seq_of(&seen, ind, "family_name");
    store
        .push(
            &b,
            vec![set_field(
                1,
                hlc_at(NOW - 60_000),
                Scope::Individual,
                ind,
                "KGL-2025-000001",
                Field::FamilyName,
                Some("Haddad-Omar"),
                base,
            )],
            NOW + 5_000,
        )
        .await
        .unwrap();
    let page = pull_all(store.as_ref(), &a, 0).await;
    assert_eq!(
        field_value(&page, ind, "family_name"),
        Some(Some(canon(Field::FamilyName, "Haddad-Omar")))
    );
    assert!(page.conflicts.is_empty(), "{:?}", page.conflicts);
}

async fn a_clock_far_in_the_future_is_clamped_and_does_not_win_forever(
    store: Arc<dyn ServerStore>,
) {
    let (a, b) = seed(store.as_ref()).await;
    let ind = "KGL-2025-000001-01";
    let thirty_days = 30 * 24 * 3_600_000;
    // a's clock is 30 days ahead.
    let out = store
        .push(
            &a,
            vec![set_field(
                3,
                hlc_at(NOW + thirty_days),
                Scope::Individual,
                ind,
                "KGL-2025-000001",
                Field::Phone,
                Some("+250 788 000 111"),
                0,
            )],
            NOW,
        )
        .await
        .unwrap();
    assert!(hlc::physical_ms(out.max_hlc) <= NOW + waypoint_protocol::HLC_FUTURE_TOLERANCE_MS);
    // An hour later, b makes a concurrent edit with a true clock: it wins.
    store
        .push(
            &b,
            vec![set_field(
                1,
                hlc_at(NOW + 3_600_000),
                Scope::Individual,
                ind,
                "KGL-2025-000001",
                Field::Phone,
                Some("+250 788 000 222"),
                0,
            )],
            NOW + 3_600_000,
        )
        .await
        .unwrap();
    let page = pull_all(store.as_ref(), &a, 0).await;
    assert_eq!(
        field_value(&page, ind, "phone"),
        Some(Some(canon(Field::Phone, "+250 788 000 222")))
    );
}

async fn an_event_is_stored_once_whoever_sends_it(store: Arc<dyn ServerStore>) {
    let (a, b) = seed(store.as_ref()).await;
    let id = "0190a0b0-0000-7000-8000-000000000003";
    store
        .push(&a, vec![event(3, id, "KGL-2025-000001")], NOW)
        .await
        .unwrap();
    store
        .push(&b, vec![event(1, id, "KGL-2025-000001")], NOW)
        .await
        .unwrap();
    let page = pull_all(store.as_ref(), &b, 0).await;
    let events = page.changes.iter().filter(|c| c.entity == id).count();
    assert_eq!(events, 1);
}

async fn pages_cover_every_change_once_in_order(store: Arc<dyn ServerStore>) {
    let (a, b) = seed(store.as_ref()).await;
    let mut batch = Vec::new();
    for i in 0..20u64 {
        batch.push(event(
            3 + i,
            &format!("0190a0b0-0000-7000-8000-{:012}", 100 + i),
            "KGL-2025-000001",
        ));
    }
    store.push(&a, batch, NOW).await.unwrap();
    let all = pull_all(store.as_ref(), &b, 0).await;
    let seqs: Vec<u64> = all.changes.iter().map(|c| c.server_seq).collect();
    let mut sorted = seqs.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(seqs, sorted, "in order, each once");
    assert_eq!(
        all.changes
            .iter()
            .filter(|c| matches!(c.body, ServerBody::Event { .. }))
            .count(),
        20
    );
    // One big page says the same.
    let one = store.pull(&b, 0, 10_000).await.unwrap();
    assert!(!one.more);
    assert_eq!(one.changes, all.changes);
    assert_eq!(one.next_cursor, all.next_cursor);
    // Nothing new: an empty page and the same cursor.
    let empty = store.pull(&b, all.next_cursor, 10).await.unwrap();
    assert!(empty.changes.is_empty() && !empty.more);
    assert_eq!(empty.next_cursor, all.next_cursor);
}

async fn a_batch_out_of_order_is_refused_whole(store: Arc<dyn ServerStore>) {
    let (_, b) = seed(store.as_ref()).await;
    let err = store
        .push(
            &b,
            vec![
                event(2, "0190a0b0-0000-7000-8000-000000000010", "KGL-2025-000001"),
                event(1, "0190a0b0-0000-7000-8000-000000000011", "KGL-2025-000001"),
            ],
            NOW,
        )
        .await;
    assert!(err.is_err());
    let page = pull_all(store.as_ref(), &b, 0).await;
    assert!(
        page.changes
            .iter()
            .all(|c| !matches!(c.body, ServerBody::Event { .. })),
        "nothing of it applied"
    );
}

async fn a_resolution_settles_the_conflict_everywhere(store: Arc<dyn ServerStore>) {
    let (a, b) = seed(store.as_ref()).await;
    let ind = "KGL-2025-000001-01";
    store
        .push(
            &a,
            vec![set_field(
                3,
                hlc_at(NOW + 1_000),
                Scope::Individual,
                ind,
                "KGL-2025-000001",
                Field::DateOfBirth,
                Some("1990"),
                0,
            )],
            NOW + 5_000,
        )
        .await
        .unwrap();
    store
        .push(
            &b,
            vec![set_field(
                1,
                hlc_at(NOW + 2_000),
                Scope::Individual,
                ind,
                "KGL-2025-000001",
                Field::DateOfBirth,
                Some("1990-06"),
                0,
            )],
            NOW + 5_000,
        )
        .await
        .unwrap();
    let page = pull_all(store.as_ref(), &a, 0).await;
    assert_eq!(page.conflicts.len(), 1);
    let id = page.conflicts[0].id;
    let mut resolution = set_field(
        4,
        hlc_at(NOW + 9_000),
        Scope::Individual,
        ind,
        "KGL-2025-000001",
        Field::DateOfBirth,
        Some("1990"),
        seq_of(&page, ind, "date_of_birth"),
    );
    if let waypoint_protocol::ChangeBody::Field { resolves, .. } = &mut resolution.body {
        *resolves = Some(id);
    }
    let out = store
        .push(&a, vec![resolution], NOW + 10_000)
        .await
        .unwrap();
    assert!(out.refused.is_empty(), "{:?}", out.refused);
    let later = pull_all(store.as_ref(), &b, page.next_cursor).await;
    assert_eq!(
        field_value(&later, ind, "date_of_birth"),
        Some(Some(canon(Field::DateOfBirth, "1990")))
    );
    assert_eq!(later.conflicts.len(), 1);
    assert!(later.conflicts[0].resolved && later.conflicts[0].id == id);
    // A resolution naming a conflict of another field is refused.
    let mut wrong = set_field(
        2,
        hlc_at(NOW + 9_000),
        Scope::Individual,
        ind,
        "KGL-2025-000001",
        Field::Phone,
        Some("+250 788 000 333"),
        0,
    );
    if let waypoint_protocol::ChangeBody::Field { resolves, .. } = &mut wrong.body {
        *resolves = Some(id);
    }
    let out = store.push(&b, vec![wrong], NOW + 10_000).await.unwrap();
    assert_eq!(out.refused.len(), 1);
}

async fn invalid_values_are_refused_without_quoting_them(store: Arc<dyn ServerStore>) {
    let (_, b) = seed(store.as_ref()).await;
    let mut bad = set_field(
        1,
        hlc_at(NOW),
        Scope::Individual,
        "KGL-2025-000001-01",
        "KGL-2025-000001",
        Field::Nationality,
        Some("SYR"),
        0,
    );
    if let waypoint_protocol::ChangeBody::Field { value, .. } = &mut bad.body {
        *value = Some("Secret Person Name".into());
    }
    let required = set_field(
        2,
        hlc_at(NOW),
        Scope::Individual,
        "KGL-2025-000001-01",
        "KGL-2025-000001",
        Field::FamilyName,
        None,
        0,
    );
    let out = store.push(&b, vec![bad, required], NOW).await.unwrap();
    assert_eq!(out.refused.len(), 2, "{:?}", out.refused);
    assert!(out.refused.iter().all(|r| !r.reason.contains("Secret")));
    let page = pull_all(store.as_ref(), &b, 0).await;
    assert_eq!(
        field_value(&page, "KGL-2025-000001-01", "nationality"),
        Some(Some("SYR".into()))
    );
}

/// Rows as the first release left them (schema 1 of both backends: no `site` on synced rows).
const SCHEMA_1_ROWS: &str = "
    INSERT INTO case_site (case_no, site) VALUES ('KGL-OLD-1', 'KGL-TC1'), ('BNC-OLD-1', 'BNC-SITE2');
    INSERT INTO individual (individual_no, case_no) VALUES ('KGL-OLD-1-01', 'KGL-OLD-1');
    INSERT INTO field_value (scope, entity, field, case_no, value, server_seq, hlc, device_id) VALUES
      ('case', 'KGL-OLD-1', 'site', 'KGL-OLD-1', 'KGL-TC1', 1, 1, '0190a0b0-0000-7000-8000-000000000001'),
      ('individual', 'KGL-OLD-1-01', 'family_name', 'KGL-OLD-1', 'TESTOLD', 2, 2, '0190a0b0-0000-7000-8000-000000000001'),
      ('case', 'BNC-OLD-1', 'site', 'BNC-OLD-1', 'BNC-SITE2', 3, 3, '0190a0b0-0000-7000-8000-000000000002');
    INSERT INTO event (id, case_no, kind, json, server_seq, device_id) VALUES
      ('0190a0b0-0000-7000-8000-0000000000e1', 'KGL-OLD-1', 'identity_check', '{}', 4,
       '0190a0b0-0000-7000-8000-000000000001');
    UPDATE server_state SET next_seq = 5 WHERE id = 1;";

/// After the migration each site's devices get exactly that site's old rows, and go on syncing.
async fn schema_1_rows_reach_their_site_after_the_migration(store: Arc<dyn ServerStore>) {
    let (kgl, _) = device(store.as_ref(), "KGL-TC1", "laptop-kgl").await;
    let (bnc, _) = device(store.as_ref(), "BNC-SITE2", "laptop-bnc").await;
    let seen = |page: &Page| {
        let mut seqs: Vec<u64> = page.changes.iter().map(|c| c.server_seq).collect();
        seqs.sort_unstable();
        seqs
    };
    let kgl_page = pull_all(store.as_ref(), &kgl, 0).await;
    assert_eq!(seen(&kgl_page), vec![1, 2, 4]);
    assert_eq!(
        field_value(&kgl_page, "KGL-OLD-1-01", "family_name"),
        Some(Some("TESTOLD".into()))
    );
    let bnc_page = pull_all(store.as_ref(), &bnc, 0).await;
    assert_eq!(seen(&bnc_page), vec![3]);
    // A new edit made on the old value is a fast-forward, and only its site sees it.
    let out = store
        .push(
            &kgl,
            vec![set_field(
                1,
                hlc_at(NOW),
                Scope::Individual,
                "KGL-OLD-1-01",
                "KGL-OLD-1",
                Field::FamilyName,
                Some("TESTOLDEDIT"),
                2,
            )],
            NOW,
        )
        .await
        .unwrap();
    assert!(out.refused.is_empty(), "{:?}", out.refused);
    let kgl_next = pull_all(store.as_ref(), &kgl, kgl_page.next_cursor).await;
    assert_eq!(
        field_value(&kgl_next, "KGL-OLD-1-01", "family_name"),
        Some(Some(canon(Field::FamilyName, "TESTOLDEDIT")))
    );
    let bnc_next = pull_all(store.as_ref(), &bnc, bnc_page.next_cursor).await;
    assert!(bnc_next.changes.is_empty(), "{:?}", bnc_next.changes);
    assert!(bnc_next.conflicts.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_schema_1_migrates_with_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hq.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(include_str!("../migrations/sqlite/0001_initial.sql"))
            .unwrap();
        conn.execute_batch("PRAGMA user_version = 1").unwrap();
        conn.execute_batch(SCHEMA_1_ROWS).unwrap();
    }
    let store = waypoint_server::store::open(&format!("sqlite:{}", path.display()))
        .await
        .unwrap();
    schema_1_rows_reach_their_site_after_the_migration(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_schema_1_migrates_with_its_rows() {
    with_pg(|schema| async move {
        let mut config = pg_base();
        config.options(format!("-c search_path={}", schema.name));
        let (client, conn) = config.connect(tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(conn);
        client
            .batch_execute(include_str!("../migrations/postgres/0001_initial.sql"))
            .await
            .unwrap();
        client
            .batch_execute(
                "CREATE TABLE waypoint_migration (version BIGINT PRIMARY KEY);
                 INSERT INTO waypoint_migration (version) VALUES (1);",
            )
            .await
            .unwrap();
        client.batch_execute(SCHEMA_1_ROWS).await.unwrap();
        let store: Arc<dyn ServerStore> = schema.store().await;
        schema_1_rows_reach_their_site_after_the_migration(store).await;
    })
    .await;
}

async fn a_push_is_not_answered_with_its_own_changes(store: Arc<dyn ServerStore>) {
    let (a, b) = seed(store.as_ref()).await;
    let before = pull_all(store.as_ref(), &a, 0).await;
    let person = "KGL-2025-000001-01";
    let out = store
        .push(
            &a,
            vec![
                set_field(
                    3,
                    hlc_at(NOW) + 3,
                    Scope::Individual,
                    person,
                    "KGL-2025-000001",
                    Field::Phone,
                    Some("+1 555 0100"),
                    before.next_cursor,
                ),
                event(4, "0190a0b0-0000-7000-8000-0000000000f1", "KGL-2025-000001"),
            ],
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(out.written.clone().count(), 2, "{out:?}");
    // The device that pushed gets nothing back, and its cursor still moves past its changes.
    let own = store
        .pull_except(&a, before.next_cursor, 100, out.written.clone())
        .await
        .unwrap();
    assert!(own.changes.is_empty(), "{:?}", own.changes);
    assert_eq!(own.next_cursor, out.written.end - 1);
    // Any other device gets both, whatever range it names.
    let other = store
        .pull_except(&b, before.next_cursor, 100, out.written.clone())
        .await
        .unwrap();
    assert_eq!(
        field_value(&other, person, "phone"),
        Some(Some(canon(Field::Phone, "+1 555 0100")))
    );
    assert_eq!(other.changes.len(), 2);
    // A plain pull still has them for the device itself (a new laptop, a re-sync).
    let plain = store.pull(&a, before.next_cursor, 100).await.unwrap();
    assert_eq!(plain.changes, other.changes);
}

const PIN: &str = "918273";

async fn staff_accounts_keep_only_a_pin_hash_and_reach_only_their_site(
    store: Arc<dyn ServerStore>,
) {
    use waypoint_server::admin;
    let (kgl, _) = device(store.as_ref(), "KGL-TC1", "laptop-kgl").await;
    let (bnc, _) = device(store.as_ref(), "BNC-SITE2", "laptop-bnc").await;
    let added = admin::add_staff(
        store.as_ref(),
        "kgl-tc1",
        "Field_Assistant",
        " Amina Uwase ",
        PIN,
        NOW,
    )
    .await
    .unwrap();
    assert_eq!(added.name, "Amina Uwase");
    assert_eq!(added.site, "KGL-TC1");
    admin::add_staff(
        store.as_ref(),
        "BNC-SITE2",
        "supervisor",
        "Bo Other",
        PIN,
        NOW,
    )
    .await
    .unwrap();
    // Names are unique without case; unknown sites and roles and short PINs are refused.
    let again = admin::add_staff(
        store.as_ref(),
        "BNC-SITE2",
        "supervisor",
        "AMINA uwase",
        PIN,
        NOW,
    )
    .await
    .unwrap_err();
    assert!(
        again.to_string().contains("already a staff member"),
        "{again}"
    );
    let site = admin::add_staff(store.as_ref(), "NOWHERE-1", "supervisor", "C", PIN, NOW)
        .await
        .unwrap_err();
    assert!(site.to_string().contains("no site"), "{site}");
    let role = admin::add_staff(store.as_ref(), "KGL-TC1", "boss", "C", PIN, NOW)
        .await
        .unwrap_err();
    assert!(role.to_string().contains("not a role"), "{role}");
    let short = admin::add_staff(store.as_ref(), "KGL-TC1", "supervisor", "C", "12345", NOW)
        .await
        .unwrap_err();
    assert!(short.to_string().contains("at least 6"), "{short}");

    // Only the hash is stored, and it verifies.
    let credential = store
        .staff_credential("amina UWASE")
        .await
        .unwrap()
        .unwrap();
    assert!(credential.pin_hash.starts_with("$argon2id$"));
    assert!(!credential.pin_hash.contains(PIN));
    assert!(waypoint_server::auth::verify_pin(
        PIN,
        Some(&credential.pin_hash)
    ));
    assert_eq!(credential.account.role, "field_assistant");
    assert!(store.staff_credential("nobody").await.unwrap().is_none());

    // Each device's directory holds its own site's staff only, never a hash.
    let dir_kgl = admin::directory(store.as_ref(), &kgl.sites).await.unwrap();
    assert_eq!(dir_kgl.staff.len(), 1);
    assert_eq!(dir_kgl.staff[0].name, "Amina Uwase");
    assert_eq!(dir_kgl.staff[0].site, "KGL-TC1");
    let dir_bnc = admin::directory(store.as_ref(), &bnc.sites).await.unwrap();
    assert_eq!(dir_bnc.staff.len(), 1);
    assert_eq!(dir_bnc.staff[0].name, "Bo Other");
    assert_ne!(dir_kgl.digest(), dir_bnc.digest());
    let listed = store.staff().await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].name, "Amina Uwase");
}

async fn a_disabled_account_stays_listed_as_disabled_and_counts_a_change(
    store: Arc<dyn ServerStore>,
) {
    use waypoint_server::admin;
    let (kgl, _) = device(store.as_ref(), "KGL-TC1", "laptop-kgl").await;
    admin::add_staff(
        store.as_ref(),
        "KGL-TC1",
        "supervisor",
        "Amina Uwase",
        PIN,
        NOW,
    )
    .await
    .unwrap();
    let before = admin::directory(store.as_ref(), &kgl.sites).await.unwrap();
    assert_eq!(store.staff().await.unwrap()[0].version, 1);
    admin::disable_staff(store.as_ref(), "AMINA UWASE", NOW)
        .await
        .unwrap();
    admin::disable_staff(store.as_ref(), "Amina Uwase", NOW)
        .await
        .unwrap();
    let listed = store.staff().await.unwrap();
    assert!(listed[0].disabled);
    assert_eq!(listed[0].version, 2, "disabling twice is one change");
    let after = admin::directory(store.as_ref(), &kgl.sites).await.unwrap();
    assert!(after.staff[0].disabled);
    assert_ne!(before.digest(), after.digest());
    let err = admin::disable_staff(store.as_ref(), "Nobody", NOW)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("no staff member named 'Nobody'"),
        "{err}"
    );
}

async fn site_policies_default_to_14_days_and_5_minutes_and_change_per_site(
    store: Arc<dyn ServerStore>,
) {
    use waypoint_server::admin;
    let (kgl, _) = device(store.as_ref(), "KGL-TC1", "laptop-kgl").await;
    let (bnc, _) = device(store.as_ref(), "BNC-SITE2", "laptop-bnc").await;
    let policy = admin::directory(store.as_ref(), &kgl.sites)
        .await
        .unwrap()
        .policy;
    assert_eq!((policy.lease_days, policy.idle_minutes), (14, 5));
    let set = admin::set_site_policy(store.as_ref(), "KGL-TC1", Some(7), None, NOW)
        .await
        .unwrap();
    assert_eq!((set.lease_days, set.idle_minutes), (7, 5));
    let set = admin::set_site_policy(store.as_ref(), "KGL-TC1", None, Some(2), NOW)
        .await
        .unwrap();
    assert_eq!((set.lease_days, set.idle_minutes), (7, 2));
    let policy = admin::directory(store.as_ref(), &kgl.sites)
        .await
        .unwrap()
        .policy;
    assert_eq!((policy.lease_days, policy.idle_minutes), (7, 2));
    let other = admin::directory(store.as_ref(), &bnc.sites)
        .await
        .unwrap()
        .policy;
    assert_eq!(
        (other.lease_days, other.idle_minutes),
        (14, 5),
        "only that site"
    );
    assert!(
        admin::set_site_policy(store.as_ref(), "NOWHERE-1", Some(3), None, NOW)
            .await
            .is_err()
    );
    assert!(
        admin::set_site_policy(store.as_ref(), "KGL-TC1", Some(0), None, NOW)
            .await
            .is_err()
    );
}

async fn failed_attempts_are_counted_in_their_window_and_cleared(store: Arc<dyn ServerStore>) {
    use waypoint_server::store::FailureKind;
    for i in 0..3 {
        store
            .record_failure(FailureKind::SignInName, "k1", NOW + i, NOW - 900_000)
            .await
            .unwrap();
    }
    store
        .record_failure(FailureKind::SignInDevice, "k1", NOW, NOW - 900_000)
        .await
        .unwrap();
    assert_eq!(
        store
            .failures_since(FailureKind::SignInName, "k1", NOW)
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        store
            .failures_since(FailureKind::SignInName, "k1", NOW + 2)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .failures_since(FailureKind::SignInName, "k2", NOW)
            .await
            .unwrap(),
        0
    );
    // Old rows are forgotten as new ones arrive.
    store
        .record_failure(FailureKind::EnrolPeer, "p", NOW + 10, NOW + 5)
        .await
        .unwrap();
    assert_eq!(
        store
            .failures_since(FailureKind::SignInName, "k1", 0)
            .await
            .unwrap(),
        0
    );
    store
        .clear_failures(FailureKind::EnrolPeer, "p")
        .await
        .unwrap();
    assert_eq!(
        store
            .failures_since(FailureKind::EnrolPeer, "p", 0)
            .await
            .unwrap(),
        0
    );
}

async fn enrolment_keeps_the_recovery_secret_and_the_sign_in_credential_as_a_hash(
    store: Arc<dyn ServerStore>,
) {
    use waypoint_server::{admin, auth};
    admin::add_site(store.as_ref(), "KGL-TC1", "Kigali", NOW)
        .await
        .unwrap();
    let e = admin::enrol_device(store.as_ref(), "KGL-TC1", "laptop-1", NOW)
        .await
        .unwrap();
    let secret = auth::new_recovery_secret().unwrap();
    let device = store
        .enrol_with(
            &auth::hash_secret(&auth::normalize_code(&e.code)),
            &auth::hash_secret("token-1"),
            Some(waypoint_server::store::DeviceRecovery {
                signin_token_hash: auth::hash_secret("signin-1"),
                recovery_secret: secret.clone(),
            }),
            NOW,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(store.recovery_secret(&device).await.unwrap(), Some(secret));
    let by_signin = store
        .device_by_sign_in_token(&auth::hash_secret("signin-1"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_signin.id, device.id);
    assert!(
        store
            .device_by_sign_in_token("signin-1")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .device_by_token(&auth::hash_secret("signin-1"))
            .await
            .unwrap()
            .is_none(),
        "it cannot sync"
    );
    // A device enrolled the old way has none; a revoked one is refused.
    let (old, _) = device_no_recovery(store.as_ref()).await;
    assert_eq!(store.recovery_secret(&old).await.unwrap(), None);
    store
        .revoke_device("laptop-1", RevokeReason::Lost, NOW)
        .await
        .unwrap();
    assert!(
        store
            .device_by_sign_in_token(&auth::hash_secret("signin-1"))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(store.recovery_secret(&device).await.unwrap(), None);
}

async fn device_no_recovery(store: &dyn ServerStore) -> (waypoint_server::store::Device, String) {
    device(store, "KGL-TC1", "laptop-old").await
}

/// A database of the schema before staff accounts, with a site, an enrolled device and a row.
async fn schema_2_server_gains_staff_and_policies(store: Arc<dyn ServerStore>) {
    use waypoint_server::admin;
    let sites = vec!["KGL-TC1".to_string()];
    let policy = admin::directory(store.as_ref(), &sites)
        .await
        .unwrap()
        .policy;
    assert_eq!(
        (policy.lease_days, policy.idle_minutes),
        (14, 5),
        "defaults for old sites"
    );
    admin::add_staff(
        store.as_ref(),
        "KGL-TC1",
        "supervisor",
        "Amina Uwase",
        PIN,
        NOW,
    )
    .await
    .unwrap();
    let old = store
        .device_by_token(&waypoint_server::auth::hash_secret("old-token"))
        .await
        .unwrap()
        .expect("the old device still works");
    assert_eq!(store.recovery_secret(&old).await.unwrap(), None);
    let page = pull_all(store.as_ref(), &old, 0).await;
    assert_eq!(page.changes.len(), 1);
    assert_eq!(
        admin::directory(store.as_ref(), &old.sites)
            .await
            .unwrap()
            .staff
            .len(),
        1
    );
}

const SCHEMA_2_ROWS: &str = "
    INSERT INTO site (code, name, created_ms) VALUES ('KGL-TC1', 'Kigali', 1);
    INSERT INTO device (id, name, token_hash, enrolled_ms, created_ms) VALUES
      ('0190a0b0-0000-7000-8000-000000000001', 'laptop-old',
       '7d7e5c4e2e1d8c4f0c8f5a6f6e1fa1c4b1fbb2c0b6b2f4c1f1d1b0c8c7e6a5a4', 1, 1);
    INSERT INTO device_site (device_id, site) VALUES ('0190a0b0-0000-7000-8000-000000000001', 'KGL-TC1');
    INSERT INTO case_site (case_no, site) VALUES ('KGL-OLD-1', 'KGL-TC1');
    INSERT INTO field_value (scope, entity, field, case_no, value, server_seq, hlc, device_id, site) VALUES
      ('case', 'KGL-OLD-1', 'site', 'KGL-OLD-1', 'KGL-TC1', 1, 1, '0190a0b0-0000-7000-8000-000000000001', 'KGL-TC1');
    UPDATE server_state SET next_seq = 2 WHERE id = 1;";

fn schema_2_rows() -> String {
    SCHEMA_2_ROWS.replace(
        "7d7e5c4e2e1d8c4f0c8f5a6f6e1fa1c4b1fbb2c0b6b2f4c1f1d1b0c8c7e6a5a4",
        &waypoint_server::auth::hash_secret("old-token"),
    )
}

/// A retired device's pushes are taken (per change, as usual) and reach the other devices; a
/// lost one's are refused whole. The reason can be changed; the devices list shows it.
async fn a_lost_device_may_not_push_and_a_retired_one_may(store: Arc<dyn ServerStore>) {
    let (a, b) = seed(store.as_ref()).await;
    store
        .revoke_device("laptop-a", RevokeReason::Retired, NOW)
        .await
        .unwrap();
    let before = pull_all(store.as_ref(), &b, 0).await;
    let person = "KGL-2025-000001-01";
    let edit = |seq, phone: &str| {
        set_field(
            seq,
            hlc_at(NOW) + seq,
            Scope::Individual,
            person,
            "KGL-2025-000001",
            Field::Phone,
            Some(phone),
            before.next_cursor,
        )
    };
    let out = store
        .push(&a, vec![edit(3, "+1 555 0103")], NOW)
        .await
        .unwrap();
    assert_eq!(out.acked_up_to, 3, "a retired device's change is taken");
    assert!(out.refused.is_empty(), "{:?}", out.refused);
    let seen = pull_all(store.as_ref(), &b, before.next_cursor).await;
    assert_eq!(
        field_value(&seen, person, "phone"),
        Some(Some(canon(Field::Phone, "+1 555 0103"))),
        "and reaches the site's other devices"
    );
    let listed = store.devices().await.unwrap();
    let state = |name: &str| listed.iter().find(|d| d.name == name).unwrap().state;
    assert_eq!(
        state("laptop-a"),
        DeviceState::Revoked(RevokeReason::Retired)
    );
    assert_eq!(state("laptop-b"), DeviceState::Active);

    // The same laptop, now reported lost: nothing more of it is taken.
    store
        .revoke_device("laptop-a", RevokeReason::Lost, NOW + 1)
        .await
        .unwrap();
    let refused = store.push(&a, vec![edit(4, "+1 555 0104")], NOW).await;
    assert!(
        matches!(
            refused,
            Err(waypoint_server::store::ServerStoreError::Revoked)
        ),
        "{refused:?}"
    );
    let after = pull_all(store.as_ref(), &b, seen.next_cursor).await;
    assert!(after.changes.is_empty(), "{:?}", after.changes);
    assert_eq!(
        store
            .devices()
            .await
            .unwrap()
            .iter()
            .find(|d| d.name == "laptop-a")
            .unwrap()
            .state,
        DeviceState::Revoked(RevokeReason::Lost)
    );
}

/// Devices as schema 2 left them: one active, one revoked (before revocations had a reason).
/// Tokens: SHA-256 of "schema2-active" and "schema2-revoked".
fn schema_2_devices() -> String {
    let active = waypoint_server::auth::hash_secret("schema2-active");
    let revoked = waypoint_server::auth::hash_secret("schema2-revoked");
    format!(
        "INSERT INTO site (code, name, created_ms) VALUES ('KGL-TC1', 'Kigali', 1);
         INSERT INTO device (id, name, token_hash, enrolled_ms, revoked_ms, last_client_seq, created_ms)
           VALUES ('0190a0b0-0000-7000-8000-00000000000a', 'old-active', '{active}', 1, NULL, 0, 1),
                  ('0190a0b0-0000-7000-8000-00000000000b', 'old-revoked', '{revoked}', 1, 5, 0, 1);
         INSERT INTO device_site (device_id, site) VALUES
           ('0190a0b0-0000-7000-8000-00000000000a', 'KGL-TC1'),
           ('0190a0b0-0000-7000-8000-00000000000b', 'KGL-TC1');"
    )
}

/// After migration 0003, a device revoked under schema 2 counts as lost; the others are as
/// they were and can be revoked for either reason.
async fn schema_2_revocations_count_as_lost_after_the_migration(store: Arc<dyn ServerStore>) {
    let token = |t: &str| waypoint_server::auth::hash_secret(t);
    let old = store
        .device_by_token(&token("schema2-revoked"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(old.revoked, Some(RevokeReason::Lost));
    assert!(store.push(&old, Vec::new(), NOW).await.is_err());
    let active = store
        .device_by_token(&token("schema2-active"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(active.revoked, None);
    assert_eq!(active.sites, vec!["KGL-TC1".to_string()]);
    let out = store
        .push(
            &active,
            vec![create_case(1, "KGL-2025-000009", "KGL-TC1")],
            NOW,
        )
        .await
        .unwrap();
    assert!(out.refused.is_empty(), "{:?}", out.refused);
    store
        .revoke_device("old-active", RevokeReason::Retired, NOW)
        .await
        .unwrap();
    let listed = store.devices().await.unwrap();
    let state = |name: &str| listed.iter().find(|d| d.name == name).unwrap().state;
    assert_eq!(
        state("old-revoked"),
        DeviceState::Revoked(RevokeReason::Lost)
    );
    assert_eq!(
        state("old-active"),
        DeviceState::Revoked(RevokeReason::Retired)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_schema_2_migrates_its_revoked_devices() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hq.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(include_str!("../migrations/sqlite/0001_initial.sql"))
            .unwrap();
        conn.execute_batch(include_str!("../migrations/sqlite/0002_site_pages.sql"))
            .unwrap();
        conn.execute_batch("PRAGMA user_version = 2").unwrap();
        conn.execute_batch(&schema_2_devices()).unwrap();
    }
    let store = waypoint_server::store::open(&format!("sqlite:{}", path.display()))
        .await
        .unwrap();
    schema_2_revocations_count_as_lost_after_the_migration(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_schema_2_migrates_its_revoked_devices() {
    with_pg(|schema| async move {
        let mut config = pg_base();
        config.options(format!("-c search_path={}", schema.name));
        let (client, conn) = config.connect(tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(conn);
        client
            .batch_execute(include_str!("../migrations/postgres/0001_initial.sql"))
            .await
            .unwrap();
        client
            .batch_execute(include_str!("../migrations/postgres/0002_site_pages.sql"))
            .await
            .unwrap();
        client
            .batch_execute(
                "CREATE TABLE waypoint_migration (version BIGINT PRIMARY KEY);
                 INSERT INTO waypoint_migration (version) VALUES (1), (2);",
            )
            .await
            .unwrap();
        client.batch_execute(&schema_2_devices()).await.unwrap();
        let store: Arc<dyn ServerStore> = schema.store().await;
        schema_2_revocations_count_as_lost_after_the_migration(store).await;
    })
    .await;
}

// Migration 0004 (staff accounts, site policies) from the schema before it, 3, on both backends.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_schema_3_migrates_to_staff_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hq.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(include_str!("../migrations/sqlite/0001_initial.sql"))
            .unwrap();
        conn.execute_batch(include_str!("../migrations/sqlite/0002_site_pages.sql"))
            .unwrap();
        conn.execute_batch(include_str!("../migrations/sqlite/0003_revoke_reason.sql"))
            .unwrap();
        conn.execute_batch("PRAGMA user_version = 3").unwrap();
        conn.execute_batch(&schema_2_rows()).unwrap();
    }
    let store = waypoint_server::store::open(&format!("sqlite:{}", path.display()))
        .await
        .unwrap();
    schema_2_server_gains_staff_and_policies(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_schema_3_migrates_to_staff_accounts() {
    with_pg(|schema| async move {
        let mut config = pg_base();
        config.options(format!("-c search_path={}", schema.name));
        let (client, conn) = config.connect(tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(conn);
        for sql in [
            include_str!("../migrations/postgres/0001_initial.sql"),
            include_str!("../migrations/postgres/0002_site_pages.sql"),
            include_str!("../migrations/postgres/0003_revoke_reason.sql"),
            "CREATE TABLE waypoint_migration (version BIGINT PRIMARY KEY);
             INSERT INTO waypoint_migration (version) VALUES (1), (2), (3);",
        ] {
            client.batch_execute(sql).await.unwrap();
        }
        client.batch_execute(&schema_2_rows()).await.unwrap();
        let store: Arc<dyn ServerStore> = schema.store().await;
        schema_2_server_gains_staff_and_policies(store).await;
    })
    .await;
}

/// A device's audit chain of `n` entries, hashed as a device hashes them.
fn audit_chain(n: i64, staff: &str) -> Vec<waypoint_protocol::AuditRecord> {
    use waypoint_domain::audit_chain::{EntryFields, GENESIS_HASH, entry_hash};
    let mut prev = GENESIS_HASH.to_string();
    (1..=n)
        .map(|seq| {
            let at = format!("2026-11-30T10:00:{seq:02}.000Z");
            let entity = format!("I-{seq:07}");
            let hash = entry_hash(&EntryFields {
                at: &at,
                staff,
                action: "change",
                scope: Some("individual"),
                entity: Some(&entity),
                field: Some("phone"),
                detail: None,
                prev_hash: &prev,
            });
            let record = waypoint_protocol::AuditRecord {
                seq,
                at,
                staff: staff.to_string(),
                action: "change".into(),
                scope: Some("individual".into()),
                entity: Some(entity),
                field: Some("phone".into()),
                detail: None,
                prev_hash: prev.clone(),
                hash: hash.clone(),
            };
            prev = hash;
            record
        })
        .collect()
}

/// The server keeps each device's audit chain (docs/audit-trail.md); an entry must continue it
/// (number, link, hash); a retry of held entries is fine, a rewrite of one is refused by number;
/// each device's chain is its own; the server's own check finds the chains intact.
async fn the_audit_copy_continues_each_chain_and_refuses_a_rewrite(store: Arc<dyn ServerStore>) {
    use waypoint_server::audit::{AuditRefusal, accept, verify_device};
    let (a, _) = device(store.as_ref(), "KGL-TC1", "laptop-a").await;
    let (b, _) = device(store.as_ref(), "KGL-TC1", "laptop-b").await;
    let chain = audit_chain(6, "staff:Test Officer");
    let s = store.as_ref();
    let ack = accept(s, a.id, chain[..3].to_vec(), NOW).await.unwrap();
    assert_eq!(
        (ack.held_seq, ack.held_hash.as_str()),
        (3, chain[2].hash.as_str())
    );
    // A retry that repeats held entries and adds new ones.
    let ack = accept(s, a.id, chain[1..5].to_vec(), NOW).await.unwrap();
    assert_eq!(ack.held_seq, 5);
    assert_eq!(
        store.audit_log(a.id, 0, 100).await.unwrap(),
        chain[..5].to_vec()
    );
    // Entry 2 rewritten on the laptop, with every hash after it recomputed: refused by number.
    let rewritten = audit_chain(6, "staff:Someone Else");
    let e = accept(s, a.id, rewritten[1..].to_vec(), NOW)
        .await
        .unwrap_err();
    assert!(matches!(e, AuditRefusal::Diverged(2)), "{e}");
    assert!(e.to_string().contains("entry 2"), "{e}");
    // A gap, a broken link, an altered entry: refused, and nothing kept.
    let e = accept(s, a.id, vec![chain[5].clone()], NOW).await;
    assert!(e.is_ok(), "entry 6 continues the chain: {e:?}");
    let more = audit_chain(9, "staff:Test Officer");
    let e = accept(s, a.id, vec![more[7].clone()], NOW)
        .await
        .unwrap_err();
    assert!(matches!(e, AuditRefusal::Gap { held: 6, got: 8 }), "{e}");
    let mut unlinked = more[6].clone();
    unlinked.prev_hash = more[4].hash.clone();
    let e = accept(s, a.id, vec![unlinked], NOW).await.unwrap_err();
    assert!(matches!(e, AuditRefusal::BadLink(7)), "{e}");
    let mut altered = more[6].clone();
    altered.field = Some("vulnerabilities".into());
    let e = accept(s, a.id, vec![altered], NOW).await.unwrap_err();
    assert!(matches!(e, AuditRefusal::BadHash(7)), "{e}");
    assert_eq!(store.audit_head(a.id).await.unwrap().map(|h| h.0), Some(6));
    // Another device's chain starts at 1 of its own.
    let other = audit_chain(2, "staff:Other Officer");
    assert_eq!(accept(s, b.id, other, NOW).await.unwrap().held_seq, 2);
    let mut devices = store.audited_devices().await.unwrap();
    devices.sort();
    let mut expected = vec![a.id, b.id];
    expected.sort();
    assert_eq!(devices, expected);
    let (entries, problems) = verify_device(s, a.id).await.unwrap();
    assert_eq!((entries, problems.len()), (6, 0), "{problems:?}");
}
