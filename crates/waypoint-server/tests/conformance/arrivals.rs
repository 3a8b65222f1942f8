//! The port-of-entry scope (docs/sync-protocol.md, "Port-of-entry scope"): a port of entry's
//! devices receive exactly the travellers booked to arrive at its airport, from bookings the
//! departure site records, until a set time after they land; what they record about those
//! travellers is the departure site's. On both backends, like the rest of the suite.

use std::collections::BTreeSet;
use std::sync::Arc;

use waypoint_domain::{BookingStatus, Field};
use waypoint_protocol::{Scope, ServerBody};
use waypoint_server::ServerStore;
use waypoint_server::admin;
use waypoint_server::merge::ARRIVAL_RETENTION_MS;
use waypoint_server::store::{Device, Page};

use super::pull_all;
use crate::common;
use crate::common::arrivals::*;
use crate::common::*;

conformance!(
    a_port_of_entry_receives_exactly_the_members_booked_to_its_airport,
    a_booking_made_long_after_the_import_still_reaches_the_port_of_entry,
    an_arrival_ends_with_a_removal_once_its_retention_has_passed,
    a_cancelled_or_replaced_booking_removes_its_travellers,
    a_port_of_entry_records_about_its_arrivals_for_the_departure_site,
    a_site_made_a_port_of_entry_receives_the_travellers_already_booked,
);

const KGL: &str = "KGL-TC1";
const CASE: &str = "KGL-2025-000001";
const BOOKED: &str = "KGL-2025-000001-01";
const STAYS: &str = "KGL-2025-000001-02";
const OTHER_CASE: &str = "KGL-2025-000002";
const OTHER: &str = "KGL-2025-000002-01";
/// When the flights land: two days after the tests' "now".
const LANDS: u64 = NOW + 2 * 24 * 3_600_000;

/// Kigali's laptop with two cases: the first of two members, each with an identity check.
async fn departure_site(store: &dyn ServerStore) -> Device {
    let (kgl, _) = device(store, KGL, "kgl-laptop").await;
    let out = store
        .push(
            &kgl,
            vec![
                create_case(1, CASE, KGL),
                create_individual(2, CASE, BOOKED),
                create_individual(3, CASE, STAYS),
                check_of(4, &event_id(1), CASE, BOOKED),
                check_of(5, &event_id(2), CASE, STAYS),
                create_case(6, OTHER_CASE, KGL),
                create_individual(7, OTHER_CASE, OTHER),
            ],
            NOW,
        )
        .await
        .unwrap();
    assert!(out.refused.is_empty(), "{:?}", out.refused);
    kgl
}

/// A device of a port-of-entry site `site` for `airport`.
async fn port_of_entry(store: &dyn ServerStore, site: &str, airport: &str, name: &str) -> Device {
    let (poe, _) = device(store, site, name).await;
    admin::set_site_airport(store, site, airport, NOW)
        .await
        .unwrap();
    poe
}

fn part<'a>(booking_ref: &'a str, case_no: &'a str, travellers: &'a [&'a str]) -> BookingPart<'a> {
    BookingPart {
        booking_ref,
        case_no,
        travellers,
        status: BookingStatus::Confirmed,
        to: "YYZ",
        arrives_ms: LANDS,
        at_ms: NOW,
        replaces: None,
    }
}

/// What a device holds after applying `page` to what it held, as a laptop applies pages: the
/// individuals and events of each case (a removal takes the whole case).
#[derive(Debug, Default)]
struct Held {
    cases: BTreeSet<String>,
    individuals: BTreeSet<(String, String)>,
    events: BTreeSet<(String, String)>,
}

impl Held {
    fn apply(&mut self, page: &Page) {
        for c in &page.changes {
            match (&c.scope, &c.body) {
                (_, ServerBody::Remove) => {
                    self.cases.remove(&c.case_no);
                    self.individuals.retain(|(case, _)| *case != c.case_no);
                    self.events.retain(|(case, _)| *case != c.case_no);
                }
                (Scope::Case, _) => {
                    self.cases.insert(c.case_no.clone());
                }
                (Scope::Individual, _) => {
                    self.individuals
                        .insert((c.case_no.clone(), c.entity.clone()));
                }
                (Scope::Event, _) => {
                    self.events.insert((c.case_no.clone(), c.entity.clone()));
                }
            }
        }
    }

    fn people(&self) -> Vec<&str> {
        self.individuals.iter().map(|(_, i)| i.as_str()).collect()
    }

    fn event_ids(&self) -> Vec<&str> {
        self.events.iter().map(|(_, e)| e.as_str()).collect()
    }
}

/// Pulls everything after the device's `cursor` into `held`, and moves the cursor.
async fn sync(store: &dyn ServerStore, device: &Device, cursor: &mut u64, held: &mut Held) {
    let page = pull_all(store, device, *cursor).await;
    held.apply(&page);
    *cursor = page.next_cursor;
}

async fn a_port_of_entry_receives_exactly_the_members_booked_to_its_airport(
    store: Arc<dyn ServerStore>,
) {
    let kgl = departure_site(store.as_ref()).await;
    let yyz = port_of_entry(store.as_ref(), "YYZ-POE", "YYZ", "yyz-laptop").await;
    let yul = port_of_entry(store.as_ref(), "YUL-POE", "YUL", "yul-laptop").await;
    // One member of the first case flies to Toronto (the case splits: the other stays); the
    // second case flies to Montreal.
    let to_yul = BookingPart {
        to: "YUL",
        ..part("BKG-26-0002", OTHER_CASE, &[OTHER])
    };
    let out = store
        .push(
            &kgl,
            vec![
                booking(8, &event_id(10), &part("BKG-26-0001", CASE, &[BOOKED])),
                booking(9, &event_id(11), &to_yul),
            ],
            NOW,
        )
        .await
        .unwrap();
    assert!(out.refused.is_empty(), "{:?}", out.refused);

    let (mut at_yyz, mut cursor) = (Held::default(), 0);
    sync(store.as_ref(), &yyz, &mut cursor, &mut at_yyz).await;
    assert_eq!(at_yyz.people(), [BOOKED], "the booked member only");
    assert_eq!(at_yyz.cases.iter().collect::<Vec<_>>(), [CASE]);
    assert_eq!(
        at_yyz.event_ids(),
        [event_id(1).as_str(), event_id(10).as_str()],
        "the booked member's check and the booking; not the other member's check"
    );
    let page = pull_all(store.as_ref(), &yyz, 0).await;
    assert!(
        page.changes.iter().all(|c| c.case_no == CASE),
        "nothing of another case"
    );
    assert!(
        page.changes.iter().any(|c| matches!(&c.body,
            ServerBody::Field { field, .. } if c.entity == BOOKED && field == "family_name")),
        "the traveller's fields, for the arrival screen"
    );

    let (mut at_yul, mut yul_cursor) = (Held::default(), 0);
    sync(store.as_ref(), &yul, &mut yul_cursor, &mut at_yul).await;
    assert_eq!(at_yul.people(), [OTHER]);

    // The departure site still receives all of its own, once.
    let home = pull_all(store.as_ref(), &kgl, 0).await;
    assert!(home.changes.iter().any(|c| c.entity == STAYS));
    assert_eq!(arrivals_at(store.as_ref(), "YYZ").await, [BOOKED]);
}

async fn arrivals_at(store: &dyn ServerStore, airport: &str) -> Vec<String> {
    store
        .arrivals_at(airport)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.individual_no)
        .collect()
}

async fn a_booking_made_long_after_the_import_still_reaches_the_port_of_entry(
    store: Arc<dyn ServerStore>,
) {
    let kgl = departure_site(store.as_ref()).await;
    let yyz = port_of_entry(store.as_ref(), "YYZ-POE", "YYZ", "yyz-laptop").await;
    let (mut held, mut cursor) = (Held::default(), 0);
    sync(store.as_ref(), &yyz, &mut cursor, &mut held).await;
    assert!(held.cases.is_empty(), "nobody is booked yet");
    let import_end = cursor;

    // Weeks later the booking is made: the traveller's rows were numbered long before the
    // airport's cursor.
    let out = store
        .push(
            &kgl,
            vec![booking(
                8,
                &event_id(10),
                &part("BKG-26-0001", CASE, &[BOOKED]),
            )],
            NOW,
        )
        .await
        .unwrap();
    assert!(out.refused.is_empty(), "{:?}", out.refused);
    let page = pull_all(store.as_ref(), &yyz, cursor).await;
    assert!(page.changes.iter().all(|c| c.server_seq > import_end));
    held.apply(&page);
    assert_eq!(held.people(), [BOOKED]);
    assert_eq!(
        held.event_ids(),
        [event_id(1).as_str(), event_id(10).as_str()]
    );

    // The departure site receives its rows again (fresh numbers), which changes nothing there.
    let again = pull_all(store.as_ref(), &kgl, import_end).await;
    assert!(again.changes.iter().all(|c| c.entity != STAYS), "{again:?}");
}

async fn an_arrival_ends_with_a_removal_once_its_retention_has_passed(store: Arc<dyn ServerStore>) {
    let kgl = departure_site(store.as_ref()).await;
    let yyz = port_of_entry(store.as_ref(), "YYZ-POE", "YYZ", "yyz-laptop").await;
    store
        .push(
            &kgl,
            vec![booking(
                8,
                &event_id(10),
                &part("BKG-26-0001", CASE, &[BOOKED]),
            )],
            NOW,
        )
        .await
        .unwrap();
    let (mut held, mut cursor) = (Held::default(), 0);
    sync(store.as_ref(), &yyz, &mut cursor, &mut held).await;
    assert_eq!(held.people(), [BOOKED]);

    // Landed, and still within the retention: nothing ends.
    store
        .expire_arrivals(LANDS + ARRIVAL_RETENTION_MS - 1)
        .await
        .unwrap();
    let page = pull_all(store.as_ref(), &yyz, cursor).await;
    assert!(page.changes.is_empty(), "{page:?}");
    assert_eq!(arrivals_at(store.as_ref(), "YYZ").await, [BOOKED]);

    store
        .expire_arrivals(LANDS + ARRIVAL_RETENTION_MS)
        .await
        .unwrap();
    let page = pull_all(store.as_ref(), &yyz, cursor).await;
    assert!(
        page.changes
            .iter()
            .any(|c| c.case_no == CASE && c.body == ServerBody::Remove),
        "{page:?}"
    );
    held.apply(&page);
    cursor = page.next_cursor;
    assert!(held.cases.is_empty() && held.individuals.is_empty() && held.events.is_empty());
    assert!(arrivals_at(store.as_ref(), "YYZ").await.is_empty());

    // What the departure site records afterwards reaches the airport no more.
    let base = seq_after(store.as_ref(), &kgl, BOOKED, "phone").await;
    store
        .push(
            &kgl,
            vec![set_field(
                9,
                hlc_at(LANDS + ARRIVAL_RETENTION_MS),
                Scope::Individual,
                BOOKED,
                CASE,
                Field::Phone,
                Some("+1 416 555 0100"),
                base,
            )],
            LANDS + ARRIVAL_RETENTION_MS,
        )
        .await
        .unwrap();
    let page = pull_all(store.as_ref(), &yyz, cursor).await;
    assert!(page.changes.is_empty(), "{page:?}");
}

async fn seq_after(store: &dyn ServerStore, device: &Device, entity: &str, field: &str) -> u64 {
    let page = pull_all(store, device, 0).await;
    super::seq_of(&page, entity, field)
}

async fn a_cancelled_or_replaced_booking_removes_its_travellers(store: Arc<dyn ServerStore>) {
    let kgl = departure_site(store.as_ref()).await;
    let yyz = port_of_entry(store.as_ref(), "YYZ-POE", "YYZ", "yyz-laptop").await;
    let yul = port_of_entry(store.as_ref(), "YUL-POE", "YUL", "yul-laptop").await;
    store
        .push(
            &kgl,
            vec![
                booking(8, &event_id(10), &part("BKG-26-0001", CASE, &[BOOKED])),
                booking(9, &event_id(11), &part("BKG-26-0002", OTHER_CASE, &[OTHER])),
            ],
            NOW,
        )
        .await
        .unwrap();
    let (mut held, mut cursor) = (Held::default(), 0);
    sync(store.as_ref(), &yyz, &mut cursor, &mut held).await;
    assert_eq!(held.people(), [BOOKED, OTHER]);

    // The first booking is cancelled; the second is replaced by one to Montreal.
    let cancelled = BookingPart {
        status: BookingStatus::Cancelled,
        at_ms: NOW + 1,
        ..part("BKG-26-0001", CASE, &[BOOKED])
    };
    let rebooked = BookingPart {
        to: "YUL",
        replaces: Some("BKG-26-0002"),
        at_ms: NOW + 1,
        ..part("BKG-26-0003", OTHER_CASE, &[OTHER])
    };
    let out = store
        .push(
            &kgl,
            vec![
                booking(10, &event_id(12), &cancelled),
                booking(11, &event_id(13), &rebooked),
            ],
            NOW + 1,
        )
        .await
        .unwrap();
    assert!(out.refused.is_empty(), "{:?}", out.refused);
    sync(store.as_ref(), &yyz, &mut cursor, &mut held).await;
    assert!(held.people().is_empty(), "{held:?}");
    assert!(arrivals_at(store.as_ref(), "YYZ").await.is_empty());

    let (mut at_yul, mut yul_cursor) = (Held::default(), 0);
    sync(store.as_ref(), &yul, &mut yul_cursor, &mut at_yul).await;
    assert_eq!(at_yul.people(), [OTHER]);
    assert!(
        at_yul.event_ids().contains(&event_id(13).as_str()),
        "the new booking reaches the new airport"
    );
}

async fn a_port_of_entry_records_about_its_arrivals_for_the_departure_site(
    store: Arc<dyn ServerStore>,
) {
    let kgl = departure_site(store.as_ref()).await;
    let yyz = port_of_entry(store.as_ref(), "YYZ-POE", "YYZ", "yyz-laptop").await;
    store
        .push(
            &kgl,
            vec![booking(
                8,
                &event_id(10),
                &part("BKG-26-0001", CASE, &[BOOKED]),
            )],
            NOW,
        )
        .await
        .unwrap();
    let kgl_cursor = pull_all(store.as_ref(), &kgl, 0).await.next_cursor;

    // At the airport: a check of the arriving traveller is taken; one about the member who
    // stayed, a booking that would bring them along, and an edit of the traveller's profile,
    // are not.
    let base = seq_after(store.as_ref(), &kgl, BOOKED, "phone").await;
    let out = store
        .push(
            &yyz,
            vec![
                check_of(1, &event_id(20), CASE, BOOKED),
                check_of(2, &event_id(21), CASE, STAYS),
                set_field(
                    3,
                    hlc_at(NOW) + 3,
                    Scope::Individual,
                    BOOKED,
                    CASE,
                    Field::Phone,
                    Some("+1 416 555 0100"),
                    base,
                ),
                booking(
                    4,
                    &event_id(22),
                    &part("BKG-26-0009", CASE, &[BOOKED, STAYS]),
                ),
            ],
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(out.acked_up_to, 4);
    assert!(out.refused.is_empty(), "{:?}", out.refused);

    let page = pull_all(store.as_ref(), &kgl, kgl_cursor).await;
    let events: Vec<&str> = page
        .changes
        .iter()
        .filter(|c| c.scope == Scope::Event)
        .map(|c| c.entity.as_str())
        .collect();
    assert_eq!(
        events,
        [event_id(20).as_str()],
        "stored under the case's own site"
    );
    assert!(
        super::field_value(&page, BOOKED, "phone").is_none(),
        "a profile edit from the airport is not applied"
    );
    let held: u64 = store
        .held_changes()
        .await
        .unwrap()
        .iter()
        .map(|g| g.changes)
        .sum();
    assert_eq!(
        held, 3,
        "the other three wait for HQ, as from any other site"
    );

    // Another device of the airport receives the check too, and not the held one.
    let (second, _) = device(store.as_ref(), "YYZ-POE", "yyz-laptop-2").await;
    let page = pull_all(store.as_ref(), &second, 0).await;
    assert!(page.changes.iter().any(|c| c.entity == event_id(20)));
    assert!(page.changes.iter().all(|c| c.entity != event_id(21)));
    assert!(
        page.changes.iter().all(|c| c.entity != STAYS),
        "never the member who stays"
    );
    assert_eq!(arrivals_at(store.as_ref(), "YYZ").await, [BOOKED]);
}

async fn a_site_made_a_port_of_entry_receives_the_travellers_already_booked(
    store: Arc<dyn ServerStore>,
) {
    let kgl = departure_site(store.as_ref()).await;
    let (poe, _) = device(store.as_ref(), "YYZ-POE", "yyz-laptop").await;
    store
        .push(
            &kgl,
            vec![booking(
                8,
                &event_id(10),
                &part("BKG-26-0001", CASE, &[BOOKED]),
            )],
            NOW,
        )
        .await
        .unwrap();
    let (mut held, mut cursor) = (Held::default(), 0);
    sync(store.as_ref(), &poe, &mut cursor, &mut held).await;
    assert!(held.cases.is_empty(), "not a port of entry yet");

    admin::set_site_airport(store.as_ref(), "YYZ-POE", "yyz", NOW)
        .await
        .unwrap();
    sync(store.as_ref(), &poe, &mut cursor, &mut held).await;
    assert_eq!(held.people(), [BOOKED]);

    // Another airport: the first one's travellers leave the laptop.
    admin::set_site_airport(store.as_ref(), "YYZ-POE", "YUL", NOW)
        .await
        .unwrap();
    sync(store.as_ref(), &poe, &mut cursor, &mut held).await;
    assert!(held.cases.is_empty(), "{held:?}");
    assert!(
        admin::set_site_airport(store.as_ref(), "YYZ-POE", "XXX", NOW)
            .await
            .is_err(),
        "an airport Waypoint does not know is refused"
    );
}
