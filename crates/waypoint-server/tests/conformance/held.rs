//! Case numbers across sites (docs/sync-protocol.md, "Held changes"): an answer never tells a
//! device that a number exists at another site, a number created first elsewhere locks no one
//! out, and HQ settles what is held. On both backends, like the rest of the suite.

use std::sync::Arc;

use waypoint_domain::Field;
use waypoint_protocol::{Scope, ServerBody};
use waypoint_server::ServerStore;
use waypoint_server::admin;
use waypoint_server::store::{Device, HeldGroup, PushOutcome, ServerStoreError, SettleAction};

use super::{field_value, pull_all};
use crate::common;
use crate::common::*;

conformance!(
    a_create_of_a_number_another_site_holds_gets_the_answer_a_new_number_gets,
    a_number_a_prober_created_first_does_not_lock_the_real_site_out,
    a_held_cases_later_edits_are_held_too_and_drop_discards_them,
);

const KGL_CASE: &str = "KGL-2025-000001";
const KGL_PERSON: &str = "KGL-2025-000001-01";

/// A case with one person and one event, made for `site` (numbers from `case_no`).
fn case_with_person(case_no: &str, site: &str, event_id: &str) -> Vec<waypoint_protocol::Change> {
    vec![
        create_case(1, case_no, site),
        create_individual(2, case_no, &format!("{case_no}-01")),
        event(3, event_id, case_no),
    ]
}

/// `device` of `site` pushes Kigali's case number with its first person (sequences 1 and 2).
async fn push_kigali_case(store: &dyn ServerStore, device: &Device, site: &str) -> PushOutcome {
    store
        .push(
            device,
            vec![
                create_case(1, KGL_CASE, site),
                create_individual(2, KGL_CASE, KGL_PERSON),
            ],
            NOW,
        )
        .await
        .unwrap()
}

/// The one group of held changes HQ sees, checked to be Kigali's number sent by `site`.
async fn the_one_held_group(store: &dyn ServerStore, site: &str) -> HeldGroup {
    let mut held = store.held_changes().await.unwrap();
    assert_eq!(held.len(), 1, "{held:?}");
    let group = held.remove(0);
    assert_eq!(
        (group.case_no.as_str(), group.site.as_str()),
        (KGL_CASE, site)
    );
    group
}

async fn a_create_of_a_number_another_site_holds_gets_the_answer_a_new_number_gets(
    store: Arc<dyn ServerStore>,
) {
    let (kgl, _) = device(store.as_ref(), "KGL-TC1", "kgl-laptop-1").await;
    let seeded = store
        .push(
            &kgl,
            case_with_person(KGL_CASE, "KGL-TC1", "0190a0b0-0000-7000-8000-000000000001"),
            NOW,
        )
        .await
        .unwrap();
    assert!(seeded.refused.is_empty(), "{:?}", seeded.refused);
    let kigali_before = pull_all(store.as_ref(), &kgl, 0).await;

    // Two Nairobi laptops: one makes Kigali's number, the other a number nobody has.
    let (taken, _) = device(store.as_ref(), "NBO-TC2", "nbo-laptop-1").await;
    let (fresh, _) = device(store.as_ref(), "NBO-TC2", "nbo-laptop-2").await;
    let on_taken = store
        .push(
            &taken,
            case_with_person(KGL_CASE, "NBO-TC2", "0190a0b0-0000-7000-8000-000000000002"),
            NOW,
        )
        .await
        .unwrap();
    // The page a sync answers with after each push (its own changes left out).
    let page_taken = store
        .pull_except(&taken, 0, 100, on_taken.written.clone())
        .await
        .unwrap();
    let on_fresh = store
        .push(
            &fresh,
            case_with_person(
                "NBO-2025-000001",
                "NBO-TC2",
                "0190a0b0-0000-7000-8000-000000000003",
            ),
            NOW,
        )
        .await
        .unwrap();
    let page_fresh = store
        .pull_except(&fresh, 0, 100, on_fresh.written.clone())
        .await
        .unwrap();

    // The same answer: nothing refused, everything acknowledged, the same clock, as many
    // sequence numbers used (so the next cursor moves alike).
    assert!(on_taken.refused.is_empty(), "{:?}", on_taken.refused);
    assert_eq!(on_taken.refused, on_fresh.refused);
    assert_eq!(on_taken.acked_up_to, 3);
    assert_eq!(on_taken.acked_up_to, on_fresh.acked_up_to);
    assert_eq!(on_taken.max_hlc, on_fresh.max_hlc);
    assert_eq!(on_taken.written.end - on_taken.written.start, 13);
    assert_eq!(
        on_taken.written.end - on_taken.written.start,
        on_fresh.written.end - on_fresh.written.start
    );
    // So is the page that comes with each answer.
    assert!(page_taken.changes.is_empty(), "{:?}", page_taken.changes);
    assert_eq!(page_taken.changes, page_fresh.changes);
    assert_eq!(page_taken.conflicts, page_fresh.conflicts);
    assert_eq!(page_taken.more, page_fresh.more);

    // Kigali's case is untouched and no Nairobi value reached it.
    let kigali_after = pull_all(store.as_ref(), &kgl, 0).await;
    assert_eq!(kigali_after.changes, kigali_before.changes);
    // HQ sees what is held, by number and site.
    assert_eq!(
        the_one_held_group(store.as_ref(), "NBO-TC2").await.changes,
        3
    );
}

async fn a_number_a_prober_created_first_does_not_lock_the_real_site_out(
    store: Arc<dyn ServerStore>,
) {
    // Nairobi makes Kigali's next number before Kigali does.
    let (prober, _) = device(store.as_ref(), "NBO-TC2", "nbo-laptop-1").await;
    let probe = store
        .push(&prober, vec![create_case(1, KGL_CASE, "NBO-TC2")], NOW)
        .await
        .unwrap();
    assert!(probe.refused.is_empty(), "{:?}", probe.refused);
    let prober_seen = pull_all(store.as_ref(), &prober, 0).await;

    // Kigali makes its case: not refused, not applied, held for HQ.
    let (kgl, _) = device(store.as_ref(), "KGL-TC1", "kgl-laptop-1").await;
    let (kgl2, _) = device(store.as_ref(), "KGL-TC1", "kgl-laptop-2").await;
    let real = push_kigali_case(store.as_ref(), &kgl, "KGL-TC1").await;
    assert!(real.refused.is_empty(), "{:?}", real.refused);
    assert_eq!(real.acked_up_to, 2);
    let before = pull_all(store.as_ref(), &kgl2, 0).await;
    assert!(
        before.changes.iter().all(|c| c.case_no != KGL_CASE),
        "{:?}",
        before.changes
    );

    // HQ gives the number to Kigali.
    let given = admin::give_held(store.as_ref(), KGL_CASE, "KGL-TC1", NOW + 60_000)
        .await
        .unwrap();
    assert_eq!(given.from_site.as_deref(), Some("NBO-TC2"));
    assert_eq!(
        (given.changes, given.applied, given.still_held),
        (2, 2, 0),
        "{given:?}"
    );
    assert!(store.held_changes().await.unwrap().is_empty());

    // Kigali's other laptop receives the case, at Kigali, with its person.
    let after = pull_all(store.as_ref(), &kgl2, before.next_cursor).await;
    assert_eq!(
        field_value(&after, KGL_CASE, "site"),
        Some(Some("KGL-TC1".into()))
    );
    assert_eq!(
        field_value(&after, KGL_PERSON, "family_name"),
        Some(Some(canon(Field::FamilyName, "Haddad")))
    );

    // The prober's site loses it at its next pull, as any case that leaves a site.
    let lost = pull_all(store.as_ref(), &prober, prober_seen.next_cursor).await;
    assert!(
        lost.changes
            .iter()
            .any(|c| c.case_no == KGL_CASE && c.body == ServerBody::Remove),
        "{:?}",
        lost.changes
    );
    let from_scratch = pull_all(store.as_ref(), &prober, 0).await;
    assert!(
        from_scratch
            .changes
            .iter()
            .all(|c| !matches!(c.body, ServerBody::Field { .. } | ServerBody::Event { .. })),
        "{:?}",
        from_scratch.changes
    );
    // Its later edits of the number are held for HQ in turn, not applied.
    let late = store
        .push(
            &prober,
            vec![set_field(
                2,
                hlc_at(NOW + 120_000),
                Scope::Case,
                KGL_CASE,
                KGL_CASE,
                Field::Programme,
                Some("CAN"),
                0,
            )],
            NOW + 120_000,
        )
        .await
        .unwrap();
    assert!(late.refused.is_empty(), "{:?}", late.refused);
    let kigali = pull_all(store.as_ref(), &kgl2, 0).await;
    assert_eq!(
        field_value(&kigali, KGL_CASE, "programme"),
        Some(Some(canon(Field::Programme, "USRAP")))
    );
    the_one_held_group(store.as_ref(), "NBO-TC2").await;
    // The settlement is on record.
    let settled = store.held_settlements().await.unwrap();
    assert_eq!(settled.len(), 1, "{settled:?}");
    assert_eq!(settled[0].action, SettleAction::Give);
    assert_eq!(
        (settled[0].case_no.as_str(), settled[0].site.as_str()),
        (KGL_CASE, "KGL-TC1")
    );
}

async fn a_held_cases_later_edits_are_held_too_and_drop_discards_them(store: Arc<dyn ServerStore>) {
    let (kgl, _) = device(store.as_ref(), "KGL-TC1", "kgl-laptop-1").await;
    push_kigali_case(store.as_ref(), &kgl, "KGL-TC1").await;
    let kigali_before = pull_all(store.as_ref(), &kgl, 0).await;

    // Nairobi makes the same number, then goes on editing its copy over two pushes.
    let (nbo, _) = device(store.as_ref(), "NBO-TC2", "nbo-laptop-1").await;
    let first = push_kigali_case(store.as_ref(), &nbo, "NBO-TC2").await;
    let later = store
        .push(
            &nbo,
            vec![
                set_field(
                    3,
                    hlc_at(NOW + 1_000),
                    Scope::Case,
                    KGL_CASE,
                    KGL_CASE,
                    Field::Programme,
                    Some("CAN"),
                    0,
                ),
                set_field(
                    4,
                    hlc_at(NOW + 1_000),
                    Scope::Individual,
                    KGL_PERSON,
                    KGL_CASE,
                    Field::FamilyName,
                    Some("Otieno"),
                    0,
                ),
                event(5, "0190a0b0-0000-7000-8000-000000000009", KGL_CASE),
            ],
            NOW + 1_000,
        )
        .await
        .unwrap();
    for out in [&first, &later] {
        assert!(out.refused.is_empty(), "{:?}", out.refused);
    }
    assert_eq!(later.acked_up_to, 5);
    assert_eq!(
        the_one_held_group(store.as_ref(), "NBO-TC2").await.changes,
        5
    );
    assert_eq!(
        pull_all(store.as_ref(), &kgl, 0).await.changes,
        kigali_before.changes,
        "nothing of Nairobi's reached Kigali"
    );

    // HQ drops them: gone, on record, and nothing applied anywhere.
    let dropped = admin::drop_held(store.as_ref(), KGL_CASE, "NBO-TC2", NOW + 60_000)
        .await
        .unwrap();
    assert_eq!(dropped.changes, 5);
    assert!(store.held_changes().await.unwrap().is_empty());
    let settled = store.held_settlements().await.unwrap();
    assert_eq!(settled.len(), 1, "{settled:?}");
    assert_eq!(settled[0].action, SettleAction::Drop);
    assert_eq!(settled[0].changes, 5);
    assert_eq!(
        pull_all(store.as_ref(), &kgl, 0).await.changes,
        kigali_before.changes
    );
    let nairobi = pull_all(store.as_ref(), &nbo, 0).await;
    assert!(nairobi.changes.is_empty(), "{:?}", nairobi.changes);
    // Nothing is left to drop, or to give: said so, and nothing recorded.
    let again = store
        .drop_held(KGL_CASE, "NBO-TC2", NOW + 120_000)
        .await
        .unwrap_err();
    assert!(
        matches!(again, ServerStoreError::NothingHeld { .. }),
        "{again}"
    );
    assert_eq!(store.held_settlements().await.unwrap().len(), 1);
}
