//! The in-memory index: vocabularies, postings and the query evaluator.

use std::collections::{BTreeSet, HashMap};

use crate::fold::{fold_into, split_folded, tokens};
use crate::skeleton::skeleton;
use crate::store::{
    At, Interner, KEY_BYTES, Key, NO_AT, NONE, Postings, SortedRuns, index_u32, key, key_len,
    key_range,
};

// Per query word, the score of its best match in a document. Tiers never overlap: the
// proportional part of a prefix score (how much of the word was typed) stays below 100.
/// The query word is a whole identifier (`kgl2025000101`, also as the joined words of
/// `KGL-2025-000101`): that case, individual or document number is what was asked for.
const WHOLE_IDENTIFIER: u32 = 1100;
const EXACT_IDENTIFIER: u32 = 1000;
/// The query word without its leading zeros is an identifier part or the part is the word
/// without its leading zeros (`000101` and `I-0000101`).
const STRIPPED_IDENTIFIER: u32 = 990;
const EXACT_NAME: u32 = 980;
const PREFIX_NAME: u32 = 600;
const SKELETON: u32 = 500;
const SKELETON_PREFIX: u32 = 450;
const TYPO: u32 = 400;
const AFFIX_IDENTIFIER: u32 = 300;
/// Per query word, when every query word matched exactly.
const ALL_EXACT_BONUS: u32 = 50;
/// When every query word matched a name, in the order of the names and their words.
const IN_ORDER_BONUS: u32 = 30;

const MIN_PREFIX_CHARS: usize = 2;
const MIN_SKELETON_CHARS: usize = 3;
const MIN_SKELETON_PREFIX_CHARS: usize = 4;
const MIN_TYPO_CHARS: usize = 4;
const MIN_AFFIX_IDENTIFIER_CHARS: usize = 3;
/// A name of 2 to this many words is also indexed as one joined word.
const MAX_JOINED_WORDS: usize = 4;
/// A query of up to this many words also has its runs of consecutive words tried as one word.
const MAX_JOINED_QUERY_WORDS: usize = 6;
/// Removed documents are compacted away once there are more of them than this and than live ones.
const COMPACT_MIN_DEAD: usize = 1024;

/// What an individual can be found by.
#[derive(Debug, Clone, Copy)]
pub struct SearchDoc<'a> {
    /// Latin and native-script names (family, given, native family, native given): any part
    /// matches.
    pub names: &'a [&'a str],
    /// Case number, individual number, document number(s): matched ignoring case and
    /// punctuation (`kgl2025000101`, `KGL-2025-000101`, and the number parts `000101`, `101` all
    /// find the case KGL-2025-000101; `I-0001002` also by `0001002`).
    pub identifiers: &'a [&'a str],
}

/// One search result: the document's id and how well it matched (higher is better; only the
/// order of scores within one search means anything).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub id: u64,
    pub score: u32,
}

/// An in-memory search index of individuals. See the crate documentation for the matching rules.
#[derive(Debug, Default)]
pub struct SearchIndex {
    /// The document id in each slot; `None` for a removed document (a tombstone, still in some
    /// postings).
    docs: Vec<Option<u64>>,
    slots: HashMap<u64, u32>,
    dead: usize,
    names: NameVocab,
    idents: IdentIndex,
}

#[derive(Debug, Default)]
struct NameVocab {
    words: Interner,
    /// Word ids by their key, for prefixes.
    sorted: SortedRuns<(Key, u32)>,
    postings: Vec<Postings>,
    /// Each word's skeleton id, or [`NONE`].
    skel: Vec<u32>,
    skels: Interner,
    skels_sorted: SortedRuns<(Key, u32)>,
    /// The words of each skeleton.
    skel_words: Vec<Vec<u32>>,
    alphabet: BTreeSet<char>,
}

/// Identifier words are mostly unique to a document, so they are not interned: each occurrence
/// is an entry (key, slot) in sorted runs, and the entries with one key are that word's postings.
#[derive(Debug, Default)]
struct IdentIndex {
    /// Every identifier word: wholes, parts, parts without leading zeros.
    forward: SortedRuns<IdentEntry>,
    /// Whole identifiers, keyed by their bytes from the end, for suffixes.
    backward: SortedRuns<IdentEntry>,
    /// Each document's identifier words, for checking a document directly: `*` before a whole
    /// identifier, a space after every word.
    doc_words: String,
    /// The span of `doc_words` of each slot.
    doc_spans: Vec<(u32, u32)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct IdentEntry {
    key: Key,
    slot: u32,
    /// Whether the word is longer than its key (it is then read from the document's words).
    long: bool,
    /// Whether the word is a whole identifier (not one of its parts).
    whole: bool,
}

impl IdentIndex {
    /// Starts the words of the next document.
    fn begin(&mut self) {
        let at = index_u32(self.doc_words.len());
        self.doc_spans.push((at, at));
    }

    /// The words of the document in `slot`, each with whether it is a whole identifier.
    fn words_of(&self, slot: u32) -> impl Iterator<Item = (&str, bool)> {
        let (start, end) = self.doc_spans[slot as usize];
        self.doc_words[start as usize..end as usize]
            .split_terminator(' ')
            .map(|w| match w.strip_prefix('*') {
                Some(w) => (w, true),
                None => (w, false),
            })
    }

    fn add(&mut self, text: &str, slot: u32, whole: bool) {
        if whole {
            self.doc_words.push('*');
        }
        self.doc_words.push_str(text);
        self.doc_words.push(' ');
        if let Some(span) = self.doc_spans.last_mut() {
            span.1 = index_u32(self.doc_words.len());
        }
        let long = text.len() > KEY_BYTES;
        self.forward.insert(IdentEntry {
            key: key(text.bytes()),
            slot,
            long,
            whole,
        });
        if whole {
            self.backward.insert(IdentEntry {
                key: key(text.bytes().rev()),
                slot,
                long,
                whole,
            });
        }
    }

    /// How many entries are in a range.
    fn count(&self, backward: bool, lo: Key, hi: Key) -> usize {
        let (lo, hi) = Self::bounds(lo, hi);
        self.runs(backward).count(lo, hi)
    }

    fn runs(&self, backward: bool) -> &SortedRuns<IdentEntry> {
        if backward {
            &self.backward
        } else {
            &self.forward
        }
    }

    fn bounds(lo: Key, hi: Key) -> (IdentEntry, IdentEntry) {
        let lo = IdentEntry {
            key: lo,
            slot: 0,
            long: false,
            whole: false,
        };
        let hi = IdentEntry {
            key: hi,
            slot: u32::MAX,
            long: true,
            whole: true,
        };
        (lo, hi)
    }

    /// The entries in a range, each with its word and whether that is a whole identifier.
    fn range(&self, backward: bool, lo: Key, hi: Key, mut f: impl FnMut(u32, &str, bool)) {
        let (lo, hi) = Self::bounds(lo, hi);
        self.runs(backward).range(lo, hi, |e| {
            if e.long {
                // The document's words of this key (one, unless two long words share a key).
                for (word, whole) in self.words_of(e.slot) {
                    let same_key = if backward {
                        key(word.bytes().rev()) == e.key
                    } else {
                        key(word.bytes()) == e.key
                    };
                    if word.len() > KEY_BYTES && whole == e.whole && same_key {
                        f(e.slot, word, whole);
                    }
                }
            } else {
                let mut bytes = e.key.bytes();
                let len = key_len(&bytes);
                if backward {
                    bytes[..len].reverse();
                }
                // Keys of short words hold whole words: valid UTF-8.
                f(
                    e.slot,
                    std::str::from_utf8(&bytes[..len]).unwrap_or(""),
                    e.whole,
                );
            }
        });
    }

    fn compact(&mut self, remap: &[u32]) {
        let renumber = |e: IdentEntry| {
            let slot = remap[e.slot as usize];
            (slot != NONE).then_some(IdentEntry { slot, ..e })
        };
        self.forward.retain_map(renumber);
        self.backward.retain_map(renumber);
        let mut words = String::new();
        let mut spans = Vec::new();
        for (old, &(start, end)) in self.doc_spans.iter().enumerate() {
            if remap[old] != NONE {
                let at = index_u32(words.len());
                words.push_str(&self.doc_words[start as usize..end as usize]);
                spans.push((at, index_u32(words.len())));
            }
        }
        self.doc_words = words;
        self.doc_spans = spans;
    }
}

/// A coarse script block (128 code points). Typo candidates only bring in letters from the
/// blocks of the typed word and their neighbours.
fn block(c: char) -> u32 {
    c as u32 >> 7
}

fn near_blocks(blocks: &[u32], c: char) -> bool {
    let b = block(c);
    blocks.iter().any(|&q| q.abs_diff(b) <= 1)
}

impl NameVocab {
    fn intern(&mut self, text: &str) -> u32 {
        let (id, new) = self.words.intern(text);
        if !new {
            return id;
        }
        self.sorted.insert((key(text.bytes()), id));
        self.postings.push(Postings::default());
        let skel = if text.bytes().all(|b| b.is_ascii_lowercase()) {
            let skel_text = skeleton(text);
            let (sid, new_skel) = self.skels.intern(&skel_text);
            if new_skel {
                self.skels_sorted.insert((key(skel_text.bytes()), sid));
                self.skel_words.push(Vec::new());
            }
            self.skel_words[sid as usize].push(id);
            sid
        } else {
            NONE
        };
        self.skel.push(skel);
        for c in text.chars() {
            self.alphabet.insert(c);
        }
        id
    }

    /// The words one edit (Damerau-Levenshtein: insertion, deletion, substitution, adjacent
    /// transposition) away from `q`, found by generating the variants over the letters of the
    /// vocabulary that are near `q`'s script.
    fn one_edit_words(&self, q: &[char], blocks: &[u32], out: &mut Vec<u32>) {
        let alphabet: Vec<char> = self
            .alphabet
            .iter()
            .copied()
            .filter(|&c| near_blocks(blocks, c))
            .collect();
        let mut buf = String::new();
        let mut probe = |buf: &String| {
            if let Some(id) = self.words.get(buf) {
                out.push(id);
            }
        };
        let n = q.len();
        for i in 0..n {
            // Deletion.
            buf.clear();
            buf.extend(&q[..i]);
            buf.extend(&q[i + 1..]);
            probe(&buf);
            // Transposition.
            if i + 1 < n && q[i] != q[i + 1] {
                buf.clear();
                buf.extend(&q[..i]);
                buf.push(q[i + 1]);
                buf.push(q[i]);
                buf.extend(&q[i + 2..]);
                probe(&buf);
            }
            // Substitution.
            for &c in &alphabet {
                if c != q[i] {
                    buf.clear();
                    buf.extend(&q[..i]);
                    buf.push(c);
                    buf.extend(&q[i + 1..]);
                    probe(&buf);
                }
            }
        }
        // Insertion.
        for i in 0..=n {
            for &c in &alphabet {
                buf.clear();
                buf.extend(&q[..i]);
                buf.push(c);
                buf.extend(&q[i..]);
                probe(&buf);
            }
        }
    }
}

/// A run of digits without its leading zeros, when it has some and is not all zeros.
fn strip_zeros(part: &str) -> Option<&str> {
    if part.len() > 1 && part.starts_with('0') && part.bytes().all(|b| b.is_ascii_digit()) {
        let s = part.trim_start_matches('0');
        (!s.is_empty()).then_some(s)
    } else {
        None
    }
}

/// Whether `a` and `b` are at most one edit apart (insertion, deletion, substitution or
/// transposition of two adjacent characters).
fn within_one_edit(a: &str, b: &str) -> bool {
    let prefix: usize = a
        .chars()
        .zip(b.chars())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x.len_utf8())
        .sum();
    let (a, b) = (&a[prefix..], &b[prefix..]);
    let suffix: usize = a
        .chars()
        .rev()
        .zip(b.chars().rev())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x.len_utf8())
        .sum();
    let (a, b) = (&a[..a.len() - suffix], &b[..b.len() - suffix]);
    match (a.chars().count(), b.chars().count()) {
        // Equal, one insertion or deletion, one substitution.
        (0..=1, 0..=1) => true,
        // After stripping the common prefix and suffix, a transposition leaves "xy" and "yx".
        (2, 2) => a.chars().eq(b.chars().rev()),
        _ => false,
    }
}

/// How much of a word of `of` characters the `typed` ones are, from 0 to 99.
fn proportion(typed: usize, of: usize) -> u32 {
    index_u32((typed * 99 / of.max(1)).min(99))
}

/// One query word (or run of words joined), with what it matches and how well.
#[derive(Debug)]
struct Term<'a> {
    text: String,
    chars: usize,
    /// The word without its leading zeros, for identifiers.
    stripped: Option<String>,
    /// Whether identifier prefixes and suffixes match.
    affix: bool,
    /// Postings of each matching name word, with the score of the match.
    lists: Vec<(&'a Postings, u32)>,
    /// Ranges of identifier entries to look at: (backward, lowest key, highest key).
    ident_ranges: Vec<(bool, Key, Key)>,
    /// About how many documents the term matches.
    cost: usize,
}

impl Term<'_> {
    /// The score of an identifier word for this term; `whole` when the word is a whole
    /// identifier (those rank first when equal, and only those match by suffix).
    fn ident_score(&self, word: &str, whole: bool) -> Option<u32> {
        if word == self.text {
            Some(if whole {
                WHOLE_IDENTIFIER
            } else {
                EXACT_IDENTIFIER
            })
        } else if self.stripped.as_deref() == Some(word) {
            Some(STRIPPED_IDENTIFIER)
        } else if self.affix
            && (word.starts_with(self.text.as_str())
                || (whole && word.ends_with(self.text.as_str())))
        {
            Some(AFFIX_IDENTIFIER + proportion(self.chars, word.chars().count()))
        } else {
            None
        }
    }
}

/// The documents a term matches, each with `score << 16 | (NO_AT - at)` so that the maximum is the
/// best score and, among equals, the earliest position.
#[derive(Debug)]
enum TermHits {
    Dense(Vec<u64>),
    Sparse(Vec<(u32, u64)>),
}

impl TermHits {
    fn get(&self, slot: u32) -> u64 {
        match self {
            Self::Dense(v) => v[slot as usize],
            Self::Sparse(v) => v
                .binary_search_by_key(&slot, |&(s, _)| s)
                .map_or(0, |i| v[i].1),
        }
    }

    fn for_each(&self, mut f: impl FnMut(u32)) {
        match self {
            Self::Dense(v) => {
                for (slot, &packed) in v.iter().enumerate() {
                    if packed != 0 {
                        f(index_u32(slot));
                    }
                }
            }
            Self::Sparse(v) => {
                for &(slot, _) in v {
                    f(slot);
                }
            }
        }
    }
}

/// How one alternative reads a term: from its collected hits, or by checking each document.
#[derive(Debug, Clone, Copy)]
enum TermView<'t, 'a> {
    Hits(&'t TermHits),
    Probe(&'t Term<'a>),
}

fn pack_hit(score: u32, at: At) -> u64 {
    u64::from(score) << 16 | u64::from(NO_AT - at)
}

fn unpack_hit(packed: u64) -> (u32, At) {
    // The score was a u32 shifted left by 16; the low 16 bits are NO_AT - at.
    let score = u32::try_from(packed >> 16).unwrap_or(u32::MAX);
    let at = NO_AT - (packed & 0xFFFF) as At;
    (score, at)
}

impl SearchIndex {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces the document with this id.
    pub fn insert(&mut self, id: u64, doc: &SearchDoc<'_>) {
        self.remove(id);
        let slot = index_u32(self.docs.len());
        let mut folded = String::new();
        let mut joined = String::new();

        for (field, name) in doc.names.iter().enumerate() {
            // NO_AT (0xFFFF) stays free for identifiers.
            let field = At::try_from(field).unwrap_or(0xFE).min(0xFE);
            folded.clear();
            fold_into(name, &mut folded);
            joined.clear();
            let mut count = 0;
            for (pos, word) in split_folded(&folded).enumerate() {
                let at = field << 8 | At::try_from(pos).unwrap_or(0xFF).min(0xFF);
                let tok = self.names.intern(word);
                self.names.postings[tok as usize].push(slot, at);
                joined.push_str(word);
                count += 1;
            }
            if (2..=MAX_JOINED_WORDS).contains(&count) {
                let tok = self.names.intern(&joined);
                self.names.postings[tok as usize].push(slot, field << 8);
            }
        }

        let mut parts: Vec<(usize, usize)> = Vec::new();
        self.idents.begin();
        for ident in doc.identifiers {
            folded.clear();
            fold_into(ident, &mut folded);
            joined.clear();
            parts.clear();
            for word in split_folded(&folded) {
                // Runs of letters and runs of digits, as byte ranges of `joined`.
                let base = joined.len();
                let mut start = 0;
                let mut prev_digit = None;
                for (i, c) in word.char_indices() {
                    let digit = c.is_ascii_digit();
                    if prev_digit.is_some_and(|p| p != digit) {
                        parts.push((base + start, base + i));
                        start = i;
                    }
                    prev_digit = Some(digit);
                }
                parts.push((base + start, base + word.len()));
                joined.push_str(word);
            }
            if joined.is_empty() {
                continue;
            }
            self.idents.add(&joined, slot, true);
            for &(start, end) in &parts {
                let part = &joined[start..end];
                if parts.len() > 1 {
                    self.idents.add(part, slot, false);
                }
                if let Some(stripped) = strip_zeros(part) {
                    self.idents.add(stripped, slot, false);
                }
            }
        }

        self.docs.push(Some(id));
        self.slots.insert(id, slot);
    }

    pub fn remove(&mut self, id: u64) {
        if let Some(slot) = self.slots.remove(&id) {
            self.docs[slot as usize] = None;
            self.dead += 1;
            if self.dead > COMPACT_MIN_DEAD && self.dead > self.slots.len() {
                self.compact();
            }
        }
    }

    /// Whether a document with this id is in the index.
    pub fn contains(&self, id: u64) -> bool {
        self.slots.contains_key(&id)
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Slots in use, tombstones included.
    #[cfg(test)]
    pub(crate) fn slot_count(&self) -> usize {
        self.docs.len()
    }

    /// Drops tombstones: renumbers the live documents and rewrites the postings.
    fn compact(&mut self) {
        let mut remap = vec![NONE; self.docs.len()];
        let mut docs = Vec::with_capacity(self.slots.len());
        for (old, doc) in std::mem::take(&mut self.docs).into_iter().enumerate() {
            if doc.is_some() {
                remap[old] = index_u32(docs.len());
                docs.push(doc);
            }
        }
        self.docs = docs;
        for postings in &mut self.names.postings {
            postings.remap(&remap);
        }
        self.idents.compact(&remap);
        for slot in self.slots.values_mut() {
            *slot = remap[*slot as usize];
        }
        self.dead = 0;
    }

    /// Every query token must match the document (AND); best first; ties broken by id ascending
    /// so results are deterministic; at most `limit`.
    pub fn search(&self, query: &str, limit: usize) -> Vec<Hit> {
        let words = tokens(query);
        if limit == 0 || words.is_empty() {
            return Vec::new();
        }
        // The distinct terms, and the alternatives: lists of (term, weight). The first
        // alternative is the words as typed; with two to six words, each run of two or more
        // consecutive words is also tried as one word ("abd al rahman" finds Abdulrahman,
        // "KGL-2025-000101" is also tried as kgl2025000101), weighing as many words as it joins.
        let mut texts: Vec<String> = Vec::new();
        let mut term_of = |text: String| match texts.iter().position(|t| *t == text) {
            Some(i) => i,
            None => {
                texts.push(text);
                texts.len() - 1
            }
        };
        let plain: Vec<(usize, u32)> = words.iter().map(|w| (term_of(w.clone()), 1)).collect();
        let mut alternatives = vec![plain.clone()];
        let n = words.len();
        if (2..=MAX_JOINED_QUERY_WORDS).contains(&n) {
            for i in 0..n {
                for j in i + 2..=n {
                    let mut alt = plain[..i].to_vec();
                    alt.push((term_of(words[i..j].concat()), index_u32(j - i)));
                    alt.extend_from_slice(&plain[j..]);
                    alternatives.push(alt);
                }
            }
        }
        let terms: Vec<Term<'_>> = texts.into_iter().map(|t| self.term(t)).collect();
        // Only alternatives whose every term matches something are evaluated.
        alternatives.retain(|alt| alt.iter().all(|&(t, _)| terms[t].cost > 0));

        // Each alternative is driven by its most selective term, whose hits are collected; the
        // other terms are collected too when that is cheap, or else checked document by document.
        let driver_of = |alt: &[(usize, u32)]| -> usize {
            alt.iter()
                .map(|&(t, _)| t)
                .min_by_key(|&t| terms[t].cost)
                .unwrap_or(0)
        };
        let probe = |t: usize, driver: usize| -> bool {
            let candidates = terms[driver].cost;
            let per_doc = 8 * terms[t].lists.len() + 16;
            t != driver && candidates.saturating_mul(per_doc) < terms[t].cost
        };
        let mut hits_of: Vec<Option<TermHits>> = terms.iter().map(|_| None).collect();
        for alt in &alternatives {
            let driver = driver_of(alt);
            for &(t, _) in alt {
                if hits_of[t].is_none() && !probe(t, driver) {
                    hits_of[t] = Some(self.term_hits(&terms[t]));
                }
            }
        }

        let mut scored: Vec<(u32, u32)> = Vec::new();
        for alt in &alternatives {
            let driver = driver_of(alt);
            let views: Vec<TermView<'_, '_>> = alt
                .iter()
                .map(|&(t, _)| match &hits_of[t] {
                    Some(hits) if !probe(t, driver) => TermView::Hits(hits),
                    _ => TermView::Probe(&terms[t]),
                })
                .collect();
            let Some(driver_hits) = &hits_of[driver] else {
                continue;
            };
            driver_hits.for_each(|slot| {
                if let Some(score) = self.score_doc(alt, &views, slot) {
                    scored.push((slot, score));
                }
            });
        }
        if alternatives.len() > 1 {
            // A document found by several alternatives keeps its best score.
            scored.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
            scored.dedup_by_key(|e| e.0);
        }

        let mut hits: Vec<Hit> = scored
            .into_iter()
            .filter_map(|(slot, score)| self.docs[slot as usize].map(|id| Hit { id, score }))
            .collect();
        let order = |a: &Hit, b: &Hit| b.score.cmp(&a.score).then(a.id.cmp(&b.id));
        if hits.len() > limit {
            hits.select_nth_unstable_by(limit - 1, order);
            hits.truncate(limit);
        }
        hits.sort_unstable_by(order);
        hits
    }

    /// What a query word matches: the name words, each with the score of its best match tier,
    /// and the ranges of identifier entries to look at.
    fn term(&self, text: String) -> Term<'_> {
        let chars: Vec<char> = text.chars().collect();
        let n = chars.len();
        let names = &self.names;
        let mut blocks: Vec<u32> = chars.iter().map(|&c| block(c)).collect();
        blocks.sort_unstable();
        blocks.dedup();

        // Name words: gather candidates from every generator, then score each once.
        let name_exact = names.words.get(&text);
        let mut cands: Vec<u32> = Vec::new();
        if n >= MIN_PREFIX_CHARS {
            let (lo, hi) = key_range(text.as_bytes());
            names.sorted.range((lo, 0), (hi, u32::MAX), |(_, id)| {
                if text.len() <= KEY_BYTES || names.words.text(id).starts_with(text.as_str()) {
                    cands.push(id);
                }
            });
        } else {
            cands.extend(name_exact);
        }
        let latin = text.bytes().all(|b| b.is_ascii_lowercase());
        let skel = (latin && n >= MIN_SKELETON_CHARS).then(|| skeleton(&text));
        let skel_exact = skel.as_deref().and_then(|s| names.skels.get(s));
        let skel_prefix = skel
            .as_deref()
            .filter(|s| n >= MIN_SKELETON_PREFIX_CHARS && s.len() >= 3);
        if let Some(s) = skel_prefix {
            let (lo, hi) = key_range(s.as_bytes());
            names
                .skels_sorted
                .range((lo, 0), (hi, u32::MAX), |(_, sid)| {
                    if s.len() <= KEY_BYTES || names.skels.text(sid).starts_with(s) {
                        cands.extend(&names.skel_words[sid as usize]);
                    }
                });
        } else if let Some(sid) = skel_exact {
            cands.extend(&names.skel_words[sid as usize]);
        }
        if n >= MIN_TYPO_CHARS {
            names.one_edit_words(&chars, &blocks, &mut cands);
        }
        cands.sort_unstable();
        cands.dedup();

        let mut lists: Vec<(&Postings, u32)> = Vec::new();
        for id in cands {
            let word = names.words.text(id);
            let sid = names.skel[id as usize];
            let score = if Some(id) == name_exact {
                EXACT_NAME
            } else if n >= MIN_PREFIX_CHARS && word.starts_with(text.as_str()) {
                PREFIX_NAME + proportion(n, word.chars().count())
            } else if skel_exact.is_some_and(|s| s == sid) {
                SKELETON
            } else if skel_prefix
                .is_some_and(|s| sid != NONE && names.skels.text(sid).starts_with(s))
            {
                SKELETON_PREFIX
            } else if n >= MIN_TYPO_CHARS
                && word.chars().count().abs_diff(n) <= 1
                && within_one_edit(&text, word)
                && word.chars().all(|c| near_blocks(&blocks, c))
            {
                TYPO
            } else {
                continue;
            };
            lists.push((&names.postings[id as usize], score));
        }

        // Identifier words: with affixes, the prefix range holds the exact matches too.
        let stripped = strip_zeros(&text).map(str::to_owned);
        let affix = n >= MIN_AFFIX_IDENTIFIER_CHARS && text.bytes().any(|b| b.is_ascii_digit());
        let mut ident_ranges = Vec::new();
        if affix {
            let (lo, hi) = key_range(text.as_bytes());
            ident_ranges.push((false, lo, hi));
            let reversed: Vec<u8> = text.bytes().rev().collect();
            let (lo, hi) = key_range(&reversed);
            ident_ranges.push((true, lo, hi));
        } else {
            let k = key(text.bytes());
            ident_ranges.push((false, k, k));
        }
        if let Some(stripped) = &stripped {
            let k = key(stripped.bytes());
            ident_ranges.push((false, k, k));
        }

        let cost = lists.iter().map(|(p, _)| p.len()).sum::<usize>()
            + ident_ranges
                .iter()
                .map(|&(backward, lo, hi)| self.idents.count(backward, lo, hi))
                .sum::<usize>();
        Term {
            text,
            chars: n,
            stripped,
            affix,
            lists,
            ident_ranges,
            cost,
        }
    }

    /// Every document the term matches, with its best match.
    fn term_hits(&self, term: &Term<'_>) -> TermHits {
        let mut ident_hits: Vec<(u32, u64)> = Vec::new();
        for &(backward, lo, hi) in &term.ident_ranges {
            self.idents.range(backward, lo, hi, |slot, word, whole| {
                if let Some(score) = term.ident_score(word, whole) {
                    ident_hits.push((slot, pack_hit(score, NO_AT)));
                }
            });
        }
        let name_hits = term.lists.iter().flat_map(|&(postings, score)| {
            postings
                .iter()
                .map(move |(slot, at)| (slot, pack_hit(score, at)))
        });
        let slots = self.docs.len();
        if term.cost.saturating_mul(16) > slots {
            let mut dense = vec![0u64; slots];
            for (slot, packed) in name_hits.chain(ident_hits) {
                let cell = &mut dense[slot as usize];
                *cell = (*cell).max(packed);
            }
            TermHits::Dense(dense)
        } else {
            let mut sparse: Vec<(u32, u64)> = name_hits.chain(ident_hits).collect();
            // By slot, best first; keep the best of each slot.
            sparse.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
            sparse.dedup_by_key(|e| e.0);
            TermHits::Sparse(sparse)
        }
    }

    /// The term's best match in one document, checked there.
    fn probe(&self, term: &Term<'_>, slot: u32) -> u64 {
        let mut best = 0;
        for &(postings, score) in &term.lists {
            if let Some(at) = postings.find(slot) {
                best = best.max(pack_hit(score, at));
            }
        }
        for (word, whole) in self.idents.words_of(slot) {
            if let Some(score) = term.ident_score(word, whole) {
                best = best.max(pack_hit(score, NO_AT));
            }
        }
        best
    }

    /// The score of the document in `slot` for one alternative, if every term matches it.
    fn score_doc(
        &self,
        alt: &[(usize, u32)],
        views: &[TermView<'_, '_>],
        slot: u32,
    ) -> Option<u32> {
        let mut total = 0;
        let mut words = 0;
        let mut all_exact = true;
        let mut in_order = alt.len() > 1;
        let mut prev: Option<At> = None;
        for (&(_, weight), view) in alt.iter().zip(views) {
            let packed = match view {
                TermView::Hits(hits) => hits.get(slot),
                TermView::Probe(term) => self.probe(term, slot),
            };
            if packed == 0 {
                return None;
            }
            let (score, at) = unpack_hit(packed);
            total += score * weight;
            words += weight;
            all_exact &= score >= EXACT_NAME;
            if at == NO_AT || prev.is_some_and(|p| p >= at) {
                in_order = false;
            }
            prev = Some(at);
        }
        if all_exact {
            total += ALL_EXACT_BONUS * words;
        }
        if in_order {
            total += IN_ORDER_BONUS;
        }
        Some(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Collecting a term's hits and checking documents one by one must agree, for every
    /// document and every kind of match.
    #[test]
    fn probing_agrees_with_collected_hits() {
        const FAMILIES: [&str; 6] = [
            "Ashfield", "Brookner", "Calloway", "Dunmore", "Ashfeld", "Abd",
        ];
        const GIVENS: [&str; 5] = ["Mohamed", "Muhammad", "Testa", "Al-Rahman", "Tester"];
        let mut index = SearchIndex::new();
        for id in 0..3000u64 {
            let family = FAMILIES[(id % 6) as usize];
            let given = GIVENS[(id % 5) as usize];
            let case = format!("KGL-2025-{:06}", id / 3);
            let ind = format!("I-{id:07}");
            let long = format!("LONGPREFIX-ABCDEFGH-{id:08}");
            let doc = SearchDoc {
                names: &[family, given, "ተስፋይ"],
                identifiers: &[&case, &ind, &long],
            };
            index.insert(id, &doc);
        }
        for id in (0..3000u64).step_by(7) {
            index.remove(id);
        }
        let words = [
            "ashfield",
            "ashfeld",
            "ash",
            "mohammed",
            "muham",
            "testa",
            "tester",
            "alrahman",
            "alrahmen",
            "kgl",
            "2025",
            "000101",
            "101",
            "0101",
            "i0000042",
            "42",
            "00042",
            "longprefix",
            "longprefixabcdefgh0000",
            "abcdefgh00001234",
            "00001234",
            "ተስፋ",
            "ተስፋይ",
            "i",
        ];
        for w in words {
            let term = index.term(w.to_owned());
            let hits = index.term_hits(&term);
            let mut found = 0;
            for slot in 0..index.slot_count() {
                let slot = index_u32(slot);
                let probed = index.probe(&term, slot);
                assert_eq!(probed, hits.get(slot), "{w} in slot {slot}");
                found += usize::from(probed != 0);
            }
            assert!(found > 0, "{w} matches nothing");
            assert!(term.cost >= found, "{w}: cost {} < {found}", term.cost);
        }
    }

    #[test]
    fn one_edit() {
        assert!(within_one_edit("habimana", "habimna"));
        assert!(within_one_edit("habimana", "habimanaa"));
        assert!(within_one_edit("habimana", "hbaimana"));
        assert!(!within_one_edit("habimana", "habimono"));
        assert!(within_one_edit("habimana", "habimaan"));
        assert!(within_one_edit("ተስፋይ", "ተስፋ"));
        assert!(within_one_edit("ተስፋይ", "ተፋስይ"));
        assert!(!within_one_edit("ተስፋይ", "ይስፋተ"));
        assert!(within_one_edit("ተስፋይ", "ስተፋይ"));
        assert!(within_one_edit("abc", "abc"));
        assert!(!within_one_edit("abcd", "badc"));
        assert!(!within_one_edit("ab", "abcd"));
    }
}
