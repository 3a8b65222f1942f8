use super::*;

fn add(index: &mut SearchIndex, id: u64, names: &[&str], identifiers: &[&str]) {
    index.insert(id, &SearchDoc { names, identifiers });
}

fn ids(index: &SearchIndex, query: &str) -> Vec<u64> {
    index.search(query, 50).iter().map(|h| h.id).collect()
}

/// The ids sharing the best score.
fn best(index: &SearchIndex, query: &str) -> Vec<u64> {
    let hits = index.search(query, 50);
    hits.iter()
        .take_while(|h| h.score == hits[0].score)
        .map(|h| h.id)
        .collect()
}

fn score_of(index: &SearchIndex, query: &str, id: u64) -> Option<u32> {
    index
        .search(query, 50)
        .iter()
        .find(|h| h.id == id)
        .map(|h| h.score)
}

/// A small index of the examples from the issue and some obviously fake people.
fn sample() -> SearchIndex {
    let mut index = SearchIndex::new();
    add(
        &mut index,
        1,
        &["Müller", "Anna"],
        &["KGL-2025-000101", "I-0001001"],
    );
    add(
        &mut index,
        2,
        &["NGUYỄN", "Văn Toan"],
        &["KGL-2025-000102", "I-0001002", "P1234567"],
    );
    add(
        &mut index,
        3,
        &["HABIMANA", "Eric"],
        &["KGL-2025-000103", "I-0001003"],
    );
    add(
        &mut index,
        4,
        &["HABIMANA", "Divine"],
        &["KGL-2025-000103", "I-0001004"],
    );
    add(
        &mut index,
        5,
        &["MUKAMANA", "Testine"],
        &["KGL-2025-000104", "I-0001005"],
    );
    add(
        &mut index,
        6,
        &["Fakename", "Mohamed Ali", "فيكنيم", "محمد علي"],
        &["KGL-2025-000105", "I-0001006"],
    );
    add(
        &mut index,
        7,
        &["Placeholder", "Mohammed"],
        &["KGL-2025-000106", "I-0001007"],
    );
    add(
        &mut index,
        8,
        &["Sampleton", "Muhammad"],
        &["KGL-2025-000107", "I-0001008"],
    );
    add(
        &mut index,
        9,
        &["Exampleson", "Tesfay", "ኤግዛምፕልሰን", "ተስፋይ"],
        &["KGL-2025-000108", "I-0001009"],
    );
    add(
        &mut index,
        10,
        &["Dummy", "Ahmed"],
        &["KGL-2025-000109", "I-0001010"],
    );
    index
}

#[test]
fn diacritics_and_case_are_ignored() {
    let index = sample();
    assert_eq!(ids(&index, "muller"), [1]);
    assert_eq!(ids(&index, "MÜLLER"), [1]);
    assert_eq!(ids(&index, "nguyen van"), [2]);
    assert_eq!(ids(&index, "Nguyễn"), [2]);
}

#[test]
fn transliteration_variants_find_each_other() {
    let index = sample();
    for q in ["Mohamed", "Mohammed", "Muhammad", "mohamad"] {
        let found = ids(&index, q);
        for id in [6, 7, 8] {
            assert!(found.contains(&id), "{q} should find {id}: {found:?}");
        }
        assert!(!found.contains(&10), "{q} should not find Ahmed: {found:?}");
    }
    // The exact spelling first.
    assert_eq!(ids(&index, "Mohammed")[0], 7);
    assert_eq!(ids(&index, "muhammad")[0], 8);
    assert_eq!(ids(&index, "ahmed"), [10]);
}

#[test]
fn one_typo_is_tolerated() {
    let index = sample();
    assert_eq!(ids(&index, "habimna"), [3, 4]);
    assert_eq!(ids(&index, "mukamna"), [5]);
    // A transposition, a substitution, a deletion.
    assert_eq!(ids(&index, "mukaamna"), [5]);
    assert_eq!(ids(&index, "mukamama"), [5]);
    assert_eq!(ids(&index, "muller"), [1]);
    assert_eq!(ids(&index, "mulller"), [1]);
    // Two typos are too many; short words get no typo tolerance.
    assert!(ids(&index, "habinma").is_empty());
    assert!(ids(&index, "hbimna").is_empty());
    assert!(ids(&index, "erc").is_empty());
    assert!(ids(&index, "erix").contains(&3));
    assert!(ids(&index, "ehc").is_empty());
}

#[test]
fn prefixes_find_names_as_they_are_typed() {
    let index = sample();
    assert_eq!(ids(&index, "habim"), [3, 4]);
    assert_eq!(ids(&index, "ha"), [3, 4]);
    assert_eq!(ids(&index, "habimana er"), [3]);
    // One character matches only exactly.
    assert!(ids(&index, "h").is_empty());
}

#[test]
fn native_script_names() {
    let index = sample();
    assert_eq!(ids(&index, "محمد"), [6]);
    assert_eq!(ids(&index, "علي"), [6]);
    assert_eq!(ids(&index, "مُحَمَّد"), [6]);
    assert_eq!(ids(&index, "محمد علي"), [6]);
    assert_eq!(ids(&index, "ተስፋይ"), [9]);
    assert_eq!(ids(&index, "ተስፋ"), [9]);
}

#[test]
fn identifiers_with_and_without_punctuation() {
    let index = sample();
    for q in [
        "KGL-2025-000101",
        "kgl2025000101",
        "kgl 2025 000101",
        "000101",
        "101",
    ] {
        assert_eq!(best(&index, q), [1], "{q}");
    }
    assert_eq!(ids(&index, "kgl2025000101"), [1]);
    // 101 also begins 1010, the number of I-0001010 without its zeros: found, ranked after.
    assert_eq!(ids(&index, "101"), [1, 10]);
    // A whole case, all its members.
    assert_eq!(ids(&index, "KGL-2025-000103"), [3, 4]);
    for q in ["I-0001002", "i0001002", "0001002", "1002"] {
        assert_eq!(ids(&index, q), [2], "{q}");
    }
    // A document number, whole and by its digits.
    assert_eq!(ids(&index, "P1234567"), [2]);
    assert_eq!(ids(&index, "p 1234567"), [2]);
    assert_eq!(ids(&index, "1234567"), [2]);
    // Typed halfway, or only the last digits.
    let halfway = ids(&index, "kgl-2025-00010");
    assert!(halfway.contains(&1) && halfway.contains(&9), "{halfway:?}");
    assert_eq!(ids(&index, "p12345"), [2]);
    assert_eq!(ids(&index, "34567"), [2]);
    assert_eq!(ids(&index, "0103"), [3, 4]);
    // Every case is KGL-2025: the case number parts alone find them all.
    assert_eq!(ids(&index, "kgl").len(), 10);
    // Identifiers are not matched with typos.
    assert!(ids(&index, "1234568").is_empty());
}

#[test]
fn long_identifiers() {
    let mut index = SearchIndex::new();
    add(
        &mut index,
        1,
        &["Fakeone"],
        &["TESTORG-LONGPREFIX-2025-00001234"],
    );
    add(
        &mut index,
        2,
        &["Faketwo"],
        &["TESTORG-LONGPREFIX-2025-00001235"],
    );
    add(
        &mut index,
        3,
        &["Fakethree"],
        &["TESTORGLONGPREFIX202500001234X"],
    );
    // Also a prefix of the third, joined.
    assert_eq!(ids(&index, "testorg-longprefix-2025-00001234"), [1, 3]);
    assert_eq!(best(&index, "testorg-longprefix-2025-00001234"), [1]);
    assert_eq!(ids(&index, "TESTORGLONGPREFIX202500001234"), [1, 3]);
    assert_eq!(best(&index, "TESTORGLONGPREFIX202500001234"), [1]);
    assert_eq!(ids(&index, "testorglongprefix2025000012"), [1, 2, 3]);
    assert_eq!(ids(&index, "longprefix202500001235"), [2]);
    assert_eq!(ids(&index, "00001234"), [1]);
    assert_eq!(ids(&index, "1234"), [1]);
    assert_eq!(ids(&index, "1234x"), [3]);
}

#[test]
fn exact_identifier_ranks_before_partial() {
    let mut index = SearchIndex::new();
    add(&mut index, 1, &["Fakeone"], &["X-1011"]);
    add(&mut index, 2, &["Faketwo"], &["X-101"]);
    add(&mut index, 3, &["Fakethree"], &["X-0101"]);
    // 101 is exact for 2 and (without leading zeros) for 3, a prefix of 1011.
    assert_eq!(ids(&index, "101"), [2, 3, 1]);
}

/// A query that is a whole case, individual or document number finds that record first, above
/// records where the query's parts match parts of other identifiers (the same digits in an
/// individual number, the number without its leading zeros). The partial matches have the lower
/// ids, so a tie would put them first.
#[test]
fn whole_identifier_ranks_first() {
    let mut index = SearchIndex::new();
    // Case 000040, with an individual whose number ends in the digits of case 000101.
    add(
        &mut index,
        1,
        &["Fakeone"],
        &["KGL-2025-000040", "I-0000101"],
    );
    // Its number is the document number of 3 with a letter before it.
    add(
        &mut index,
        2,
        &["Faketwo"],
        &["KGL-2025-000041", "I-1234567"],
    );
    add(
        &mut index,
        3,
        &["Fakethree"],
        &["KGL-2025-000101", "I-0000102", "1234567"],
    );
    add(
        &mut index,
        4,
        &["Fakefour"],
        &["KGL-2025-000042", "I-0000103"],
    );
    for q in ["KGL-2025-000101", "kgl 2025 000101"] {
        assert_eq!(ids(&index, q), [3, 1], "{q}");
    }
    assert_eq!(ids(&index, "kgl2025000101"), [3]);
    // The case number part as typed ranks above the same number without its zeros.
    assert_eq!(ids(&index, "000101"), [3, 1]);
    // A document number that is only digits.
    assert_eq!(ids(&index, "1234567"), [3, 2]);
    // An individual number still finds its own record first.
    assert_eq!(ids(&index, "I-0000101")[0], 1);
    assert_eq!(ids(&index, "I-0000103")[0], 4);
}

#[test]
fn exact_ranks_before_prefix_and_typo() {
    let mut index = SearchIndex::new();
    add(&mut index, 1, &["Alim"], &[]);
    add(&mut index, 2, &["Alia"], &[]);
    add(&mut index, 3, &["Ali"], &[]);
    let hits = index.search("ali", 10);
    assert_eq!(hits.len(), 3);
    assert_eq!(hits[0].id, 3);
    assert!(hits[0].score > hits[1].score);
    // Equal scores are ordered by id.
    assert_eq!(hits[1..].iter().map(|h| h.id).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(hits[1].score, hits[2].score);
}

#[test]
fn tiers_rank_exact_prefix_skeleton_typo() {
    let mut index = SearchIndex::new();
    add(&mut index, 1, &["Mohamad"], &[]); // typo (one deletion) of mohammad, same skeleton
    add(&mut index, 2, &["Mohammadi"], &[]); // prefix
    add(&mut index, 3, &["Muhammed"], &[]); // skeleton only
    add(&mut index, 4, &["Mohammad"], &[]); // exact
    add(&mut index, 5, &["Mohammed"], &[]); // skeleton, also one substitution away
    add(&mut index, 6, &["Mohammat"], &[]); // skeleton (final t), also one typo
    add(&mut index, 7, &["Mohammax"], &[]); // typo only
    let hits = index.search("mohammad", 10);
    let order: Vec<u64> = hits.iter().map(|h| h.id).collect();
    assert_eq!(order, [4, 2, 1, 3, 5, 6, 7]);
    let score = |id| score_of(&index, "mohammad", id);
    assert!(score(4) > score(2));
    assert!(score(2) > score(3));
    assert_eq!(score(1), score(3));
    assert!(score(3) > score(7));
}

#[test]
fn and_semantics() {
    let index = sample();
    assert_eq!(ids(&index, "habimana eric"), [3]);
    assert_eq!(ids(&index, "eric habimana"), [3]);
    assert_eq!(ids(&index, "habimana"), [3, 4]);
    assert!(ids(&index, "habimana testine").is_empty());
    // Names and numbers mix.
    assert_eq!(ids(&index, "habimana 1004"), [4]);
}

#[test]
fn words_in_order_rank_higher() {
    let mut index = SearchIndex::new();
    add(&mut index, 1, &["Fakeson", "Testa"], &[]);
    add(&mut index, 2, &["Testa", "Fakeson"], &[]);
    assert_eq!(ids(&index, "testa fakeson"), [2, 1]);
    assert_eq!(ids(&index, "fakeson testa"), [1, 2]);
}

#[test]
fn joined_and_split_names() {
    let mut index = SearchIndex::new();
    add(&mut index, 1, &["Abd al-Rahman", "Fakir"], &[]);
    add(&mut index, 2, &["Abdulrahman", "Fakir"], &[]);
    add(&mut index, 3, &["O'Placeholder"], &[]);
    assert_eq!(ids(&index, "abdulrahman"), [2, 1]);
    assert_eq!(ids(&index, "abdalrahman"), [1, 2]);
    assert_eq!(ids(&index, "abd al rahman"), [1, 2]);
    assert_eq!(ids(&index, "abd al-rahman fakir"), [1, 2]);
    assert_eq!(ids(&index, "fakir abdul rahman"), [2, 1]);
    assert_eq!(ids(&index, "rahman"), [1]);
    assert_eq!(ids(&index, "oplaceholder"), [3]);
    assert_eq!(ids(&index, "placeholder"), [3]);
    assert_eq!(ids(&index, "o'placeholder"), [3]);
}

#[test]
fn variant_spelling_typed_halfway() {
    let mut index = SearchIndex::new();
    add(&mut index, 1, &["Mohamed"], &[]);
    add(&mut index, 2, &["Mahmoud"], &[]);
    assert_eq!(ids(&index, "muhamm"), [1]);
    assert_eq!(ids(&index, "mahm"), [2]);
}

#[test]
fn remove_and_replace() {
    let mut index = sample();
    assert_eq!(index.len(), 10);
    index.remove(3);
    assert_eq!(index.len(), 9);
    assert!(!index.contains(3));
    assert_eq!(ids(&index, "habimana"), [4]);
    assert!(ids(&index, "eric").is_empty());
    assert!(ids(&index, "I-0001003").is_empty());
    // Removing twice, or an unknown id, is harmless.
    index.remove(3);
    index.remove(999);
    assert_eq!(index.len(), 9);

    // Replace: the old names and numbers no longer find it.
    add(&mut index, 4, &["Renamed", "Divine"], &["KGL-2025-000999"]);
    assert_eq!(index.len(), 9);
    assert!(ids(&index, "habimana").is_empty());
    assert!(ids(&index, "000103").is_empty());
    assert_eq!(ids(&index, "renamed divine"), [4]);
    assert_eq!(ids(&index, "999"), [4]);
    // And the id comes back after removal.
    add(&mut index, 3, &["HABIMANA", "Eric"], &[]);
    assert_eq!(ids(&index, "habimana"), [3]);
}

#[test]
fn many_replacements_compact_and_stay_correct() {
    const FAMILIES: [&str; 7] = [
        "Ashfield", "Brookner", "Calloway", "Dunmore", "Everly", "Fairbank", "Gladwell",
    ];
    const ROUNDS: [&str; 5] = ["Alpha", "Bravo", "Charlie", "Delta", "Echo"];
    let mut index = SearchIndex::new();
    for round in ROUNDS {
        for id in 0..1000u64 {
            let family = FAMILIES[(id % 7) as usize];
            add(&mut index, id, &[family, round], &[&format!("C-{id:06}")]);
        }
    }
    for id in 0..500u64 {
        index.remove(id * 2);
    }
    assert_eq!(index.len(), 500);
    assert!(
        index.slot_count() < 2100,
        "not compacted: {}",
        index.slot_count()
    );
    assert!(ids(&index, "alpha").is_empty());
    assert!(ids(&index, "dunmore delta").is_empty());
    let mut got: Vec<u64> = index
        .search("dunmore echo", 1000)
        .iter()
        .map(|h| h.id)
        .collect();
    got.sort_unstable();
    let expected: Vec<u64> = (0..1000).filter(|id| id % 7 == 3 && id % 2 == 1).collect();
    assert_eq!(got, expected);
    assert_eq!(ids(&index, "c-000777"), [777]);
    assert!(ids(&index, "c-000778").is_empty());
    // A selective word with common ones: the common ones are checked document by document.
    assert_eq!(ids(&index, "c-000777 echo"), [777]);
    assert!(ids(&index, "c-000777 delta").is_empty());
    assert_eq!(ids(&index, "ashfield 000777"), [777]);
    assert!(ids(&index, "dunmore 000777").is_empty());
    assert_eq!(index.search("echo", 10_000).len(), 500);
}

#[test]
fn empty_query_and_limits() {
    let index = sample();
    assert!(index.search("", 10).is_empty());
    assert!(index.search("  - , ", 10).is_empty());
    assert!(index.search("habimana", 0).is_empty());
    assert_eq!(index.search("habimana", 1).len(), 1);
    assert_eq!(index.search("habimana", 1)[0].id, 3);
    assert!(SearchIndex::new().search("anything", 10).is_empty());
    assert!(SearchIndex::new().is_empty());
}

#[test]
fn limit_keeps_the_best() {
    let mut index = SearchIndex::new();
    for id in 0..200u64 {
        let name = if id == 150 {
            "Tester".to_owned()
        } else {
            format!("Tester{id}")
        };
        add(&mut index, id, &[&name], &[]);
    }
    let hits = index.search("tester", 5);
    assert_eq!(hits.len(), 5);
    assert_eq!(hits[0].id, 150);
    // The rest by score, then id: shorter completions typed more of the word.
    assert_eq!(
        hits[1..].iter().map(|h| h.id).collect::<Vec<_>>(),
        [0, 1, 2, 3]
    );
}
