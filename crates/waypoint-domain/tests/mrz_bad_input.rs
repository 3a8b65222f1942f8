//! An MRZ is typed by a person or sent by a scanner: whatever the text (random characters,
//! or an ICAO specimen with characters changed, inserted or deleted, lines joined or split),
//! reading it gives a reading or an error for a person, never a panic, and allocates in
//! proportion to the text. Allocations are counted by wrapping the system allocator.
#![allow(clippy::unwrap_used)]

use std::alloc::System;
use std::sync::Mutex;

use proptest::prelude::*;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use waypoint_domain::mrz::read_mrz;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// The allocation counters are process-wide: one measured reading at a time.
static MEASURING: Mutex<()> = Mutex::new(());

/// ICAO 9303's specimens: a passport (TD3), an ID card (TD1), a TD2 card, an ID card with a
/// long document number.
const SPECIMENS: &[&str] = &[
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",
    "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<",
    "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6",
    "I<UTOD23145890<7349<<<<<<<<<<<\n3407127M9507122UTO<<<<<<<<<<<2\nSTEVENSON<<PETER<JOHN<<<<<<<<<",
];

fn read(text: &str) {
    let _one = MEASURING.lock().unwrap_or_else(|e| e.into_inner());
    let region = Region::new(GLOBAL);
    let result = read_mrz(text);
    let allocated = region.change().bytes_allocated;
    assert!(
        allocated <= 4 * 1024 * 1024 + 64 * text.len(),
        "reading {} bytes of MRZ allocated {allocated} bytes",
        text.len()
    );
    if let Err(e) = result {
        assert!(!e.to_string().trim().is_empty());
    }
}

/// Characters an MRZ, a typist or a scanner produce, and some no MRZ has.
fn mrz_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => proptest::char::range('A', 'Z'),
        3 => proptest::char::range('0', '9'),
        4 => Just('<'),
        1 => Just('\n'),
        1 => Just(' '),
        1 => proptest::char::range('a', 'z'),
        1 => prop_oneof![Just('é'), Just('ß'), Just('İ'), Just('ﬀ'), Just('\u{0}'), Just('\r')],
        1 => any::<char>(),
    ]
}

/// One edit of a text: replace, insert or delete a character, or join or split lines.
#[derive(Debug, Clone)]
enum Edit {
    Replace(usize, char),
    Insert(usize, char),
    Delete(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), mrz_char()).prop_map(|(at, c)| Edit::Replace(at, c)),
        (any::<usize>(), mrz_char()).prop_map(|(at, c)| Edit::Insert(at, c)),
        any::<usize>().prop_map(Edit::Delete),
    ]
}

fn mutate(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for e in edits {
        let len = chars.len();
        match e {
            Edit::Replace(at, c) if len > 0 => chars[at % len] = *c,
            Edit::Insert(at, c) => chars.insert(at % (len + 1), *c),
            Edit::Delete(at) if len > 0 => {
                chars.remove(at % len);
            }
            _ => {}
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_text_is_read_or_refused_with_a_clear_error(text in any::<String>()) {
        read(&text);
    }

    #[test]
    fn text_of_mrz_characters_is_read_or_refused_with_a_clear_error(
        chars in proptest::collection::vec(mrz_char(), 0..200)
    ) {
        read(&chars.into_iter().collect::<String>());
    }

    #[test]
    fn lines_of_mrz_widths_are_read_or_refused_with_a_clear_error(
        width in prop_oneof![Just(30usize), Just(36), Just(44)],
        lines in 1usize..4,
        chars in proptest::collection::vec(mrz_char(), 132),
    ) {
        let text: Vec<String> = chars
            .chunks(width)
            .take(lines)
            .map(|c| c.iter().filter(|c| **c != '\n').collect())
            .collect();
        read(&text.join("\n"));
    }

    #[test]
    fn a_damaged_specimen_is_read_or_refused(
        which in 0..SPECIMENS.len(),
        edits in proptest::collection::vec(edit(), 1..6),
        joined in any::<bool>(),
    ) {
        let text = mutate(SPECIMENS[which], &edits);
        // A scanner may send the zone as one line.
        let text = if joined { text.replace('\n', "") } else { text };
        read(&text);
    }
}

#[test]
fn a_very_long_text_stays_in_proportion() {
    read(&"<".repeat(1_000_000));
    read(&"P<UTO\n".repeat(100_000));
}
