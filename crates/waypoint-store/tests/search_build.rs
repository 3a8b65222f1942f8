//! Building the search index off the store (a snapshot on a second connection) against a real
//! SQLite file: writes made while the build runs are in the installed index, a bulk write makes
//! the build stale, and search results are never those of an out-of-date index.
#![allow(clippy::unwrap_used)] // a test that cannot set up fails loudly

use chrono::NaiveDate;
use waypoint_domain::{Field, Record};
use waypoint_import::{ImportOptions, parse};
use waypoint_store::Store;

fn test_key() -> waypoint_store::StoreKey {
    waypoint_store::StoreKey::from_bytes([7; 32])
}

const SAMPLE: &str = include_str!("../../../tests/fixtures/sample-cases.csv");

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

fn import(store: &mut Store, csv: &str) {
    let parsed = parse(
        csv.as_bytes(),
        &ImportOptions { today: today() },
        &mut |_, _| {},
    )
    .unwrap();
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    let rows: Vec<(u64, Record)> = parsed
        .rows
        .into_iter()
        .map(|r| (r.line, r.record))
        .collect();
    store
        .import(rows.iter().map(|(l, r)| (*l, r)), false, &mut |_| {})
        .unwrap();
}

/// The sample's first person as a new, obviously fake person in a new case.
fn one_more_person() -> String {
    let mut lines = SAMPLE.lines();
    let header = lines.next().unwrap();
    let first = lines.next().unwrap();
    let person = first
        .replace("KGL-2025-000101,I-0001001", "KGL-2025-000901,I-0009001")
        .replace("HABIMANA", "TESTPERSONNEW");
    assert_ne!(person, first);
    format!("{header}\n{person}\n")
}

fn found(store: &mut Store, query: &str) -> Vec<String> {
    store
        .search(query, 10)
        .unwrap()
        .into_iter()
        .map(|h| h.individual_no)
        .collect()
}

fn fresh() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), &test_key()).unwrap();
    import(&mut store, SAMPLE);
    (dir, store)
}

#[test]
fn an_index_built_off_the_store_has_the_writes_made_meanwhile() {
    let (_d, mut store) = fresh();
    assert!(!store.search_ready());
    let build = store.begin_search_build().unwrap().unwrap();
    // While the build is out, the store writes: a new given name for one person.
    store
        .set_field("I-0001031", Field::GivenNames, "Kevinoquatre", today())
        .unwrap();
    let built = build.run().unwrap();
    assert!(!store.search_ready(), "nothing is installed before finish");
    assert!(store.finish_search_build(built).unwrap());
    assert!(store.search_ready());
    assert_eq!(found(&mut store, "kevinoquatre"), ["I-0001031"]);
    // The snapshot's own data is there too.
    assert_eq!(found(&mut store, "ICRC-7781204")[0], "I-0001002");
    // Nothing is built twice.
    assert!(store.begin_search_build().unwrap().is_none());
}

#[test]
fn a_bulk_write_during_the_build_makes_it_stale() {
    let (_d, mut store) = fresh();
    let build = store.begin_search_build().unwrap().unwrap();
    import(&mut store, &one_more_person());
    let built = build.run().unwrap();
    // The snapshot does not have the imported person: it must not be installed.
    assert!(!store.finish_search_build(built).unwrap());
    assert!(!store.search_ready());
    assert_eq!(found(&mut store, "testpersonnew"), ["I-0009001"]);
}

#[test]
fn a_search_while_a_build_is_out_is_correct_and_the_build_is_then_dropped() {
    let (_d, mut store) = fresh();
    let build = store.begin_search_build().unwrap().unwrap();
    // The store is free: a search builds the index itself.
    assert_eq!(found(&mut store, "ICRC-7781204")[0], "I-0001002");
    store
        .set_field("I-0001031", Field::GivenNames, "Kevinoquatre", today())
        .unwrap();
    let built = build.run().unwrap();
    assert!(!store.finish_search_build(built).unwrap());
    assert_eq!(found(&mut store, "kevinoquatre"), ["I-0001031"]);
}

#[test]
fn a_later_build_supersedes_an_earlier_one() {
    let (_d, mut store) = fresh();
    let first = store.begin_search_build().unwrap().unwrap();
    let second = store.begin_search_build().unwrap().unwrap();
    import(&mut store, &one_more_person());
    // Both snapshots predate the import; the second's log saw it, the first has no log left.
    assert!(!store.finish_search_build(first.run().unwrap()).unwrap());
    assert!(!store.finish_search_build(second.run().unwrap()).unwrap());
    let third = store.begin_search_build().unwrap().unwrap();
    assert!(store.finish_search_build(third.run().unwrap()).unwrap());
    assert_eq!(found(&mut store, "testpersonnew"), ["I-0009001"]);
}
