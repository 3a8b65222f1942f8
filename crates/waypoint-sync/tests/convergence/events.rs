//! An event a laptop cannot read (a kind of a newer version, or broken content) does not stop
//! the site's sync: it is kept, counted, and read once the laptop knows the kind.

use super::*;

/// A change of the event scope, as a device would push it.
fn event(client_seq: u64, id: &str, case_no: &str, kind: &str, json: &str) -> wire::Change {
    wire::Change {
        client_seq,
        hlc: wire::hlc::from_parts(waypoint_server::wall_clock_ms(), 0),
        scope: wire::Scope::Event,
        entity: id.into(),
        body: wire::ChangeBody::Event {
            case_no: case_no.into(),
            kind: kind.into(),
            json: json.into(),
        },
    }
}

#[test]
fn an_event_this_version_cannot_read_is_kept_counted_and_read_once_the_kind_is_known() {
    let hq = Hq::new();
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let mut a = Store::open(dirs[0].path(), &test_key()).unwrap();
    let mut b = Store::open(dirs[1].path(), &test_key()).unwrap();
    let (link_a, link_b) = (
        Link::new(&hq, "TST-SITEA", "laptop-a"),
        Link::new(&hq, "TST-SITEA", "laptop-b"),
    );
    import(&mut a, &site_csv("TST-SITEA", 0, 6));
    waypoint_sync::sync_with(&mut a, &link_a, &mut |_| {}).unwrap();

    // A laptop of a newer version (or a stolen one) pushes, for a case of its site: an event of
    // a kind this version does not know, one of that kind with content no version can read,
    // and one of a known kind whose content is not that kind.
    let newer = Link::new(&hq, "TST-SITEA", "laptop-newer");
    let case = "TST-A-000000";
    let (known, broken, wrong) = (
        uuid::Uuid::now_v7().to_string(),
        uuid::Uuid::now_v7().to_string(),
        uuid::Uuid::now_v7().to_string(),
    );
    let referral = format!(r#"{{"type":"referral","id":"{known}","to":"clinic"}}"#);
    let request = wire::SyncRequest {
        schema_version: wire::SCHEMA_VERSION,
        after: 0,
        limit: 0,
        changes: vec![
            event(1, &known, case, "referral", &referral),
            event(2, &broken, case, "referral", "[1, 2, 3]"),
            event(
                3,
                &wrong,
                case,
                "identity_check",
                r#"{"type":"identity_check"}"#,
            ),
        ],
    };
    let (answer, ..) = hq
        .post(&newer.token, wire::encode(&request).unwrap())
        .unwrap();
    let refused: Vec<u64> = answer.push.refused.iter().map(|r| r.client_seq).collect();
    assert_eq!(
        refused,
        vec![3],
        "the server refuses a known kind it cannot read, and takes a kind it does not know"
    );

    // Laptop B's sync goes through, and says what it kept.
    let report = waypoint_sync::sync_with(&mut b, &link_b, &mut |_| {}).unwrap();
    assert_eq!(report.unreadable_events, 2, "{report:?}");
    assert_eq!(b.unreadable_event_count().unwrap(), 2);
    assert_eq!(export(&a), export(&b), "everything else arrived");

    // B goes on syncing: a later change reaches it.
    let today = chrono::Utc::now().date_naive();
    a.set_field(&person_no(0), Field::Phone, "+1 555 0303", today)
        .unwrap();
    waypoint_sync::sync_with(&mut a, &link_a, &mut |_| {}).unwrap();
    waypoint_sync::sync_with(&mut b, &link_b, &mut |_| {}).unwrap();
    assert_eq!(
        b.individual(&person_no(0))
            .unwrap()
            .unwrap()
            .get(Field::Phone),
        Some("+1 555 0303")
    );

    // B learns the kind (a newer version): its next sync reads the event kept aside; the
    // broken one stays kept and counted.
    b.set_event_reader(Arc::new(|kind: &str, json: &str| {
        if kind != "referral" {
            return waypoint_store::read_known_event(kind, json);
        }
        let value: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
        if value.get("type").and_then(|t| t.as_str()) != Some("referral") {
            return Err("not a referral".into());
        }
        Ok(waypoint_store::EventFacts {
            kind: kind.into(),
            individual_no: None,
            at: chrono::Utc::now(),
        })
    }));
    waypoint_sync::sync_with(&mut b, &link_b, &mut |_| {}).unwrap();
    assert_eq!(b.unreadable_event_count().unwrap(), 1);
    let dump = export(&b);
    assert!(
        dump.contains(&known),
        "the referral is filed with the case's events"
    );
    assert!(!dump.contains(&broken));
}
