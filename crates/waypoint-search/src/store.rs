//! The building blocks of the index: an interner for words, sorted runs for prefix ranges and
//! postings lists.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::{BuildHasherDefault, Hasher};

pub(crate) const NONE: u32 = u32::MAX;

pub(crate) fn index_u32(i: usize) -> u32 {
    u32::try_from(i).expect("fewer than 2^32 words and documents")
}

/// A 64-bit hash of a word (multiply-rotate over 8-byte chunks, then a finalising mix). Only for
/// the in-memory interner: not stable across versions, not resistant to chosen collisions
/// (collisions only cost time, never correctness).
fn hash_bytes(bytes: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut word = [0u8; 8];
        word[..rest.len()].copy_from_slice(rest);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
    }
    // fmix64 from MurmurHash3: every input bit affects every output bit.
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// A hasher for keys that already are good hashes.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct PreHashed(u64);

impl Hasher for PreHashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

pub(crate) type PreHashedMap<V> = HashMap<u64, V, BuildHasherDefault<PreHashed>>;

/// Distinct words, numbered from 0, their text kept in one arena.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    arena: String,
    spans: Vec<(u32, u32)>,
    by_hash: PreHashedMap<u32>,
    /// The next word with the same hash, or [`NONE`].
    next: Vec<u32>,
}

impl Interner {
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.spans.len()
    }

    pub(crate) fn text(&self, id: u32) -> &str {
        let (start, end) = self.spans[id as usize];
        &self.arena[start as usize..end as usize]
    }

    pub(crate) fn get(&self, s: &str) -> Option<u32> {
        let mut id = *self.by_hash.get(&hash_bytes(s.as_bytes()))?;
        while id != NONE {
            if self.text(id) == s {
                return Some(id);
            }
            id = self.next[id as usize];
        }
        None
    }

    /// The word's id, and whether it is new.
    pub(crate) fn intern(&mut self, s: &str) -> (u32, bool) {
        let id = index_u32(self.spans.len());
        let first = match self.by_hash.entry(hash_bytes(s.as_bytes())) {
            Entry::Vacant(e) => {
                e.insert(id);
                NONE
            }
            Entry::Occupied(mut e) => {
                let mut other = *e.get();
                while other != NONE {
                    let (start, end) = self.spans[other as usize];
                    if &self.arena[start as usize..end as usize] == s {
                        return (other, false);
                    }
                    other = self.next[other as usize];
                }
                // A different word with the same hash: chain it.
                std::mem::replace(e.get_mut(), id)
            }
        };
        let start = index_u32(self.arena.len());
        self.arena.push_str(s);
        self.spans.push((start, index_u32(self.arena.len())));
        self.next.push(first);
        (id, true)
    }
}

/// How many leading bytes of a word a sort key holds.
pub(crate) const KEY_BYTES: usize = 16;

/// The first [`KEY_BYTES`] bytes of a word, zero-padded (words never contain NUL), as two
/// big-endian integers: ordered like the words, for the words that fit; a longer word sorts
/// among those sharing its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub(crate) struct Key {
    hi: u64,
    lo: u64,
}

impl Key {
    pub(crate) fn bytes(&self) -> [u8; KEY_BYTES] {
        let mut out = [0u8; KEY_BYTES];
        out[..8].copy_from_slice(&self.hi.to_be_bytes());
        out[8..].copy_from_slice(&self.lo.to_be_bytes());
        out
    }
}

pub(crate) fn key(bytes: impl Iterator<Item = u8>) -> Key {
    let mut buf = [0u8; KEY_BYTES];
    for (slot, b) in buf.iter_mut().zip(bytes) {
        *slot = b;
    }
    let (hi, lo) = buf.split_at(8);
    let mut hi8 = [0u8; 8];
    let mut lo8 = [0u8; 8];
    hi8.copy_from_slice(hi);
    lo8.copy_from_slice(lo);
    Key {
        hi: u64::from_be_bytes(hi8),
        lo: u64::from_be_bytes(lo8),
    }
}

/// The smallest and the largest key of the words that begin with `prefix` (for a prefix longer
/// than a key: of the words that begin with its first [`KEY_BYTES`] bytes).
pub(crate) fn key_range(prefix: &[u8]) -> (Key, Key) {
    let n = prefix.len().min(KEY_BYTES);
    let lo = key(prefix[..n].iter().copied());
    let hi = key(prefix[..n].iter().copied().chain(std::iter::repeat(0xFF)));
    (lo, hi)
}

/// The length of the word a key holds (when the whole word fits in it).
pub(crate) fn key_len(bytes: &[u8; KEY_BYTES]) -> usize {
    bytes.iter().position(|&b| b == 0).unwrap_or(KEY_BYTES)
}

/// Entries kept in order, for ranges. Kept as a few sorted runs plus a short unsorted tail, so
/// that inserting is cheap and never needs a rebuild; a range query binary-searches each run and
/// scans the tail. A full tail becomes a run of level 0; four runs of one level merge into one of
/// the next, so there are at most three runs per level and each entry is moved once per level.
#[derive(Debug)]
pub(crate) struct SortedRuns<T> {
    runs: Vec<(u8, Vec<T>)>,
    tail: Vec<T>,
}

impl<T> Default for SortedRuns<T> {
    fn default() -> Self {
        Self {
            runs: Vec::new(),
            tail: Vec::new(),
        }
    }
}

const TAIL: usize = 4096;
const FAN_IN: usize = 4;

impl<T: Ord + Copy> SortedRuns<T> {
    pub(crate) fn insert(&mut self, entry: T) {
        self.tail.push(entry);
        if self.tail.len() < TAIL {
            return;
        }
        let mut run = std::mem::take(&mut self.tail);
        run.sort_unstable();
        self.runs.push((0, run));
        loop {
            let n = self.runs.len();
            if n < FAN_IN {
                break;
            }
            let level = self.runs[n - 1].0;
            if self.runs[n - FAN_IN..].iter().any(|(l, _)| *l != level) {
                break;
            }
            let merged = merge_all(self.runs.drain(n - FAN_IN..).map(|(_, r)| r).collect());
            self.runs.push((level.saturating_add(1), merged));
        }
    }

    /// Every entry from `lo` to `hi`, both included (in no particular order).
    pub(crate) fn range(&self, lo: T, hi: T, mut f: impl FnMut(T)) {
        for (_, run) in &self.runs {
            let start = run.partition_point(|e| *e < lo);
            for &e in &run[start..] {
                if e > hi {
                    break;
                }
                f(e);
            }
        }
        for &e in &self.tail {
            if lo <= e && e <= hi {
                f(e);
            }
        }
    }

    /// How many entries are from `lo` to `hi`, both included.
    pub(crate) fn count(&self, lo: T, hi: T) -> usize {
        let in_runs: usize = self
            .runs
            .iter()
            .map(|(_, run)| {
                let start = run.partition_point(|e| *e < lo);
                let end = run.partition_point(|e| *e <= hi);
                end.saturating_sub(start)
            })
            .sum();
        in_runs + self.tail.iter().filter(|&&e| lo <= e && e <= hi).count()
    }

    /// Replaces each entry by `f(entry)`, dropping it for `None`. `f` must keep the order.
    pub(crate) fn retain_map(&mut self, mut f: impl FnMut(T) -> Option<T>) {
        for (_, run) in &mut self.runs {
            *run = run.iter().filter_map(|&e| f(e)).collect();
        }
        self.runs.retain(|(_, r)| !r.is_empty());
        self.tail = self.tail.iter().filter_map(|&e| f(e)).collect();
    }
}

/// Merges sorted runs into one.
fn merge_all<T: Ord + Copy>(runs: Vec<Vec<T>>) -> Vec<T> {
    let mut out = Vec::with_capacity(runs.iter().map(Vec::len).sum());
    let mut heads: Vec<(&[T], ())> = runs.iter().map(|r| (r.as_slice(), ())).collect();
    heads.retain(|(r, _)| !r.is_empty());
    while heads.len() > 1 {
        // The run whose head is smallest.
        let mut min = 0;
        for i in 1..heads.len() {
            if heads[i].0[0] < heads[min].0[0] {
                min = i;
            }
        }
        let (run, _) = &mut heads[min];
        out.push(run[0]);
        *run = &run[1..];
        if run.is_empty() {
            heads.swap_remove(min);
        }
    }
    if let Some((run, _)) = heads.first() {
        out.extend_from_slice(run);
    }
    out
}

/// Where in a document a word is: `name << 8 | word`, or [`NO_AT`] for an identifier.
pub(crate) type At = u16;
pub(crate) const NO_AT: At = u16::MAX;

/// The documents (slots, ascending) that have a word, each with where the word first occurs. The
/// first entry is stored inline: most identifier words belong to one document.
#[derive(Debug, Default)]
pub(crate) struct Postings {
    len: u32,
    first: (u32, At),
    rest: Vec<(u32, At)>,
}

impl Postings {
    pub(crate) fn len(&self) -> usize {
        self.len as usize
    }

    fn last_slot(&self) -> Option<u32> {
        match self.len {
            0 => None,
            1 => Some(self.first.0),
            _ => self.rest.last().map(|p| p.0),
        }
    }

    /// Adds a document; a word seen again in the same document keeps its first position.
    pub(crate) fn push(&mut self, slot: u32, at: At) {
        if self.last_slot() == Some(slot) {
            return;
        }
        if self.len == 0 {
            self.first = (slot, at);
        } else {
            self.rest.push((slot, at));
        }
        self.len += 1;
    }

    /// Where the word is in the document in `slot`, if it is there.
    pub(crate) fn find(&self, slot: u32) -> Option<At> {
        if self.len == 0 {
            None
        } else if self.first.0 == slot {
            Some(self.first.1)
        } else {
            let i = self.rest.binary_search_by_key(&slot, |p| p.0).ok()?;
            Some(self.rest[i].1)
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (u32, At)> + '_ {
        let first = (self.len > 0).then_some(self.first);
        first.into_iter().chain(self.rest.iter().copied())
    }

    /// Renumbers slots (`remap[old]`, [`NONE`] for a dropped one), keeping the order.
    pub(crate) fn remap(&mut self, remap: &[u32]) {
        let kept: Vec<(u32, At)> = self
            .iter()
            .filter_map(|(slot, at)| {
                let slot = remap[slot as usize];
                (slot != NONE).then_some((slot, at))
            })
            .collect();
        *self = Postings::default();
        for (slot, at) in kept {
            self.push(slot, at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interner_finds_what_it_interned() {
        let mut i = Interner::default();
        assert_eq!(i.intern("habimana"), (0, true));
        assert_eq!(i.intern("eric"), (1, true));
        assert_eq!(i.intern("habimana"), (0, false));
        assert_eq!(i.get("eric"), Some(1));
        assert_eq!(i.get("eri"), None);
        assert_eq!(i.text(0), "habimana");
        assert_eq!(i.len(), 2);
        for n in 0..5000 {
            i.intern(&format!("w{n}"));
        }
        for n in 0..5000 {
            assert_eq!(i.get(&format!("w{n}")), Some(n + 2));
        }
    }

    #[test]
    fn sorted_runs_ranges() {
        let mut runs = SortedRuns::default();
        let words: Vec<String> = (0..50_000).map(|n| format!("k{n}")).collect();
        for (id, w) in words.iter().enumerate() {
            runs.insert((key(w.bytes()), index_u32(id)));
        }
        let ids = |runs: &SortedRuns<(Key, u32)>, prefix: &str| {
            let (lo, hi) = key_range(prefix.as_bytes());
            let mut found = Vec::new();
            runs.range((lo, 0), (hi, u32::MAX), |(_, id)| found.push(id));
            found.sort_unstable();
            found
        };
        let expected = |prefix: &str| -> Vec<u32> {
            (0..50_000u32)
                .filter(|&n| words[n as usize].starts_with(prefix))
                .collect()
        };
        for prefix in ["k999", "k4", "k12345", "k"] {
            assert_eq!(ids(&runs, prefix), expected(prefix), "{prefix}");
            let (lo, hi) = key_range(prefix.as_bytes());
            assert_eq!(runs.count((lo, 0), (hi, u32::MAX)), expected(prefix).len());
        }
        assert!(ids(&runs, "a-key-much-longer-than-sixteen-bytes").is_empty());
        assert_eq!(key_len(&key(b"k42".iter().copied()).bytes()), 3);
        // Drop the odd ids, renumber the rest.
        runs.retain_map(|(k, id)| (id % 2 == 0).then_some((k, id / 2)));
        let halves: Vec<u32> = expected("k999")
            .into_iter()
            .filter(|id| id % 2 == 0)
            .map(|id| id / 2)
            .collect();
        assert_eq!(ids(&runs, "k999"), halves);
    }

    #[test]
    fn postings_keep_order_and_first_position() {
        let mut p = Postings::default();
        p.push(3, 1);
        p.push(3, 2);
        p.push(5, 0);
        p.push(9, NO_AT);
        assert_eq!(p.iter().collect::<Vec<_>>(), [(3, 1), (5, 0), (9, NO_AT)]);
        assert_eq!(p.find(3), Some(1));
        assert_eq!(p.find(9), Some(NO_AT));
        assert_eq!(p.find(4), None);
        p.remap(&[NONE, NONE, NONE, 0, NONE, NONE, NONE, NONE, NONE, 1]);
        assert_eq!(p.iter().collect::<Vec<_>>(), [(0, 1), (1, NO_AT)]);
        assert_eq!(p.len(), 2);
    }
}
