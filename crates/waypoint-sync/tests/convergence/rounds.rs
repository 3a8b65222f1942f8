//! Convergence when one sync takes several push rounds: a pulled value that meets a change
//! still waiting in a later round must come back with the server's verdict on that change.

use super::*;

fn sync(laptop: &mut Store, link: &Link<'_>) -> waypoint_sync::SyncReport {
    waypoint_sync::sync_with(laptop, link, &mut |_| {}).unwrap()
}

/// The value of `field` of person `p` on `laptop`.
fn value_of(laptop: &Store, p: usize, field: Field) -> Option<String> {
    laptop
        .individual(&person_no(p))
        .unwrap()
        .unwrap()
        .get(field)
        .map(str::to_string)
}

#[test]
fn with_more_than_one_push_round_pending_and_a_newer_edit_elsewhere_laptops_and_server_agree() {
    let hq = Hq::new();
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let mut a = Store::open(dirs[0].path(), &test_key()).unwrap();
    let mut b = Store::open(dirs[1].path(), &test_key()).unwrap();
    let (link_a, link_b) = (
        Link::new(&hq, "TST-SITEA", "laptop-a"),
        Link::new(&hq, "TST-SITEA", "laptop-b"),
    );
    import(&mut a, &site_csv("TST-SITEA", 0, 6));
    sync(&mut a, &link_a);
    sync(&mut b, &link_b);
    let today = chrono::Utc::now().date_naive();

    // Laptop A, offline: a full push round of edits first, then the two edits that will meet
    // laptop B's newer ones (an ordinary field and a sensitive one), in the second round.
    for i in 0..waypoint_sync::PUSH_BATCH {
        let value = if i % 2 == 0 { "fr" } else { "en" };
        a.set_field(&person_no(1), Field::Languages, value, today)
            .unwrap();
    }
    a.set_field(&person_no(0), Field::Phone, "+1 555 0101", today)
        .unwrap();
    a.set_field(&person_no(0), Field::FamilyName, "TESTNAME-A", today)
        .unwrap();
    assert_eq!(
        a.outbox_len().unwrap(),
        waypoint_sync::PUSH_BATCH as u64 + 2
    );

    // Laptop B edits the same two fields later (its clock a minute ahead: newer for certain)
    // and syncs first.
    b.set_clock_skew_ms(60_000);
    b.set_field(&person_no(0), Field::Phone, "+1 555 0202", today)
        .unwrap();
    b.set_field(&person_no(0), Field::FamilyName, "TESTNAME-B", today)
        .unwrap();
    sync(&mut b, &link_b);

    // Laptop A's sync takes two push rounds; the first round's page brings B's values while
    // A's own edits of them still wait for the second.
    let report = sync(&mut a, &link_a);
    assert!(report.round_trips >= 2, "{report:?}");
    assert_eq!(report.pending, 0);
    for _ in 0..2 {
        sync(&mut a, &link_a);
        sync(&mut b, &link_b);
    }

    // What a fresh laptop of the site receives is the server's state.
    let dir = tempfile::tempdir().unwrap();
    let mut fresh = Store::open(dir.path(), &test_key()).unwrap();
    sync(&mut fresh, &Link::new(&hq, "TST-SITEA", "observer"));
    let server = export(&fresh);
    assert_eq!(
        value_of(&fresh, 0, Field::Phone).as_deref(),
        Some("+1 555 0202"),
        "the newer edit wins"
    );
    assert!(export(&a) == server, "laptop A differs from the server");
    assert!(export(&b) == server, "laptop B differs from the server");
    assert_eq!(
        value_of(&a, 0, Field::Phone),
        value_of(&fresh, 0, Field::Phone)
    );
    assert_eq!(
        value_of(&a, 0, Field::FamilyName),
        value_of(&fresh, 0, Field::FamilyName)
    );
    // The sensitive field's losing value reached the review queue.
    let conflicts = a.conflicts(false).unwrap();
    assert!(
        conflicts
            .iter()
            .any(|c| c.field == Field::FamilyName && c.loser.as_deref() == Some("TESTNAME-A")),
        "{conflicts:?}"
    );
}
