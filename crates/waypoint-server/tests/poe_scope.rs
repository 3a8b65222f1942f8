//! The port-of-entry scope as a property (`proptest`), as `waypoint-sync/tests/convergence.rs`
//! proves the site scope: random bookings of the travellers of two departure sites to two
//! airports, rebooked, cancelled, with random times and syncs. After every sync, an airport's
//! device holds exactly the travellers booked (now) to its airport whose flight landed less
//! than the retention ago: never one not booked there, and every one that is; and only the
//! events about those.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use common::arrivals::{BookingPart, booking, check_of, event_id};
use common::{NOW, device, sqlite};
use proptest::prelude::*;
use waypoint_domain::BookingStatus;
use waypoint_protocol::{Change, Scope, ServerBody};
use waypoint_server::ServerStore;
use waypoint_server::admin;
use waypoint_server::merge::ARRIVAL_RETENTION_MS;
use waypoint_server::store::Device;

const HOUR: u64 = 3_600_000;
const AIRPORTS: [&str; 2] = ["YYZ", "YUL"];
/// (site, case, members): three cases of Kigali, one of Nairobi.
const CASES: [(&str, &str, &[&str]); 4] = [
    (
        "KGL-TC1",
        "KGL-2025-000001",
        &["KGL-2025-000001-01", "KGL-2025-000001-02"],
    ),
    ("KGL-TC1", "KGL-2025-000002", &["KGL-2025-000002-01"]),
    (
        "KGL-TC1",
        "KGL-2025-000003",
        &["KGL-2025-000003-01", "KGL-2025-000003-02"],
    ),
    (
        "NBO-TC2",
        "NBO-2025-000001",
        &["NBO-2025-000001-01", "NBO-2025-000001-02"],
    ),
];

fn people() -> Vec<(usize, &'static str)> {
    CASES
        .iter()
        .enumerate()
        .flat_map(|(c, (_, _, members))| members.iter().map(move |m| (c, *m)))
        .collect()
}

#[derive(Debug, Clone)]
enum Op {
    /// Booking `booking` now carries the people of `mask` (bits over `people()`) to `airport`,
    /// landing `lands_h` hours after the start, or is cancelled.
    Book {
        booking: usize,
        mask: u8,
        airport: usize,
        lands_h: u64,
        cancelled: bool,
    },
    /// The departure site records a check of one person.
    Check { person: usize },
    /// Time passes.
    Wait { hours: u64 },
    /// An airport's device syncs.
    Sync { airport: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..3usize, any::<u8>(), 0..2usize, 0..150u64, proptest::bool::weighted(0.2))
            .prop_map(|(booking, mask, airport, lands_h, cancelled)| Op::Book {
                booking, mask, airport, lands_h, cancelled
            }),
        1 => (0..7usize).prop_map(|person| Op::Check { person }),
        2 => (1..60u64).prop_map(|hours| Op::Wait { hours }),
        3 => (0..2usize).prop_map(|airport| Op::Sync { airport }),
    ]
}

/// A booking as the model holds it.
#[derive(Debug, Clone)]
struct Model {
    people: BTreeSet<usize>,
    airport: usize,
    lands_ms: u64,
    cancelled: bool,
}

/// What an airport's device holds, as a laptop applies pages.
#[derive(Debug, Default)]
struct Held {
    individuals: BTreeMap<String, String>,
    events: BTreeMap<String, String>,
}

struct World {
    store: Arc<dyn ServerStore>,
    /// The departure sites' devices by site, with their next client_seq.
    home: BTreeMap<&'static str, (Device, u64)>,
    airports: Vec<(Device, u64, Held)>,
    bookings: BTreeMap<usize, Model>,
    /// Which person each check event is about.
    checks: BTreeMap<String, usize>,
    now: u64,
    events: u64,
}

impl World {
    async fn new() -> World {
        let store = sqlite().await;
        let mut home = BTreeMap::new();
        for (site, _, _) in CASES {
            if !home.contains_key(site) {
                let (d, _) = device(store.as_ref(), site, &format!("{site}-laptop")).await;
                home.insert(site, (d, 1));
            }
        }
        for (site, case_no, members) in CASES {
            let (d, seq) = home.get_mut(site).unwrap();
            let mut changes = vec![common::create_case(*seq, case_no, site)];
            for (i, m) in members.iter().enumerate() {
                changes.push(common::create_individual(*seq + 1 + i as u64, case_no, m));
            }
            *seq += changes.len() as u64;
            let out = store.push(d, changes, NOW).await.unwrap();
            assert!(out.refused.is_empty(), "{:?}", out.refused);
        }
        let mut airports = Vec::new();
        for airport in AIRPORTS {
            let site = format!("{airport}-POE");
            let (d, _) = device(store.as_ref(), &site, &format!("{airport}-laptop")).await;
            admin::set_site_airport(store.as_ref(), &site, airport, NOW)
                .await
                .unwrap();
            airports.push((d, 0, Held::default()));
        }
        World {
            store,
            home,
            airports,
            bookings: BTreeMap::new(),
            checks: BTreeMap::new(),
            now: NOW,
            events: 0,
        }
    }

    fn next_event(&mut self) -> String {
        self.events += 1;
        event_id(self.events)
    }

    async fn push(&mut self, site: &'static str, make: impl FnOnce(u64) -> Change) {
        let (d, seq) = self.home.get_mut(site).unwrap();
        let change = make(*seq);
        *seq += 1;
        let out = self.store.push(d, vec![change], self.now).await.unwrap();
        assert!(out.refused.is_empty(), "{:?}", out.refused);
    }

    async fn run(&mut self, op: Op) -> Result<(), TestCaseError> {
        let everyone = people();
        match op {
            Op::Book {
                booking: b,
                mask,
                airport,
                lands_h,
                cancelled,
            } => {
                let new = Model {
                    people: (0..everyone.len())
                        .filter(|i| mask & (1 << i) != 0)
                        .collect(),
                    airport,
                    lands_ms: NOW + lands_h * HOUR,
                    cancelled,
                };
                if new.people.is_empty() && !self.bookings.contains_key(&b) {
                    return Ok(());
                }
                // One event per case the booking touches, before or now (a case that leaves
                // it gets no travellers), each with the booking-wide fields.
                let old = self
                    .bookings
                    .get(&b)
                    .map(|m| m.people.clone())
                    .unwrap_or_default();
                let cases: BTreeSet<usize> = old
                    .iter()
                    .chain(&new.people)
                    .map(|p| everyone[*p].0)
                    .collect();
                let booking_ref = format!("BKG-26-000{b}");
                let at_ms = self.now + self.events;
                for c in cases {
                    let (site, case_no, _) = CASES[c];
                    let travellers: Vec<&str> = new
                        .people
                        .iter()
                        .filter(|p| everyone[**p].0 == c)
                        .map(|p| everyone[*p].1)
                        .collect();
                    let id = self.next_event();
                    let part = BookingPart {
                        booking_ref: &booking_ref,
                        case_no,
                        travellers: &travellers,
                        status: if cancelled {
                            BookingStatus::Cancelled
                        } else {
                            BookingStatus::Confirmed
                        },
                        to: AIRPORTS[airport],
                        arrives_ms: new.lands_ms,
                        at_ms,
                        replaces: None,
                    };
                    self.push(site, |seq| booking(seq, &id, &part)).await;
                }
                self.bookings.insert(b, new);
            }
            Op::Check { person } => {
                let (c, no) = everyone[person];
                let id = self.next_event();
                self.checks.insert(id.clone(), person);
                let (site, case_no, _) = CASES[c];
                self.push(site, |seq| check_of(seq, &id, case_no, no)).await;
            }
            Op::Wait { hours } => self.now += hours * HOUR,
            Op::Sync { airport } => {
                self.store.expire_arrivals(self.now).await.unwrap();
                let (d, cursor, held) = &mut self.airports[airport];
                loop {
                    let page = self.store.pull(d, *cursor, 7).await.unwrap();
                    for c in &page.changes {
                        match (&c.scope, &c.body) {
                            (_, ServerBody::Remove) => {
                                held.individuals.retain(|_, case| *case != c.case_no);
                                held.events.retain(|_, case| *case != c.case_no);
                            }
                            (Scope::Individual, _) => {
                                held.individuals.insert(c.entity.clone(), c.case_no.clone());
                            }
                            (Scope::Event, _) => {
                                held.events.insert(c.entity.clone(), c.case_no.clone());
                            }
                            _ => {}
                        }
                    }
                    *cursor = page.next_cursor;
                    if !page.more {
                        break;
                    }
                }
                let expected: BTreeSet<&str> = self
                    .bookings
                    .values()
                    .filter(|m| {
                        m.airport == airport
                            && !m.cancelled
                            && self.now < m.lands_ms + ARRIVAL_RETENTION_MS
                    })
                    .flat_map(|m| m.people.iter().map(|p| everyone[*p].1))
                    .collect();
                let held_people: BTreeSet<&str> =
                    held.individuals.keys().map(String::as_str).collect();
                prop_assert_eq!(
                    &held_people,
                    &expected,
                    "the {} device holds exactly the travellers arriving there",
                    AIRPORTS[airport]
                );
                for (id, person) in &self.checks {
                    let about = everyone[*person].1;
                    prop_assert_eq!(
                        held.events.contains_key(id),
                        expected.contains(about),
                        "a check is held exactly when its person arrives there"
                    );
                }
            }
        }
        Ok(())
    }
}

fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut world = World::new().await;
        for op in ops {
            world.run(op).await?;
        }
        // A last sync of both airports checks the end state too.
        for airport in 0..AIRPORTS.len() {
            world.run(Op::Sync { airport }).await?;
        }
        Ok(())
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 32,
        max_shrink_iters: 200,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn a_port_of_entry_holds_exactly_the_travellers_booked_to_its_airport(
        ops in proptest::collection::vec(op(), 5..40)
    ) {
        run(ops)?;
    }
}
