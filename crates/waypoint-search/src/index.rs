//! The in-memory index: vocabularies, postings and the query evaluator.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;

use crate::fold::tokens;
use crate::skeleton::skeleton;

// Per query token, the score of its best match in a document. Tiers never overlap: the
// proportional part of a prefix score (how much of the token was typed) stays below 100.
const EXACT_IDENTIFIER: u32 = 1000;
const EXACT_NAME: u32 = 980;
const PREFIX_NAME: u32 = 600;
const SKELETON: u32 = 500;
const SKELETON_PREFIX: u32 = 450;
const TYPO: u32 = 400;
const AFFIX_IDENTIFIER: u32 = 300;
/// Per query token, when every query token matched exactly.
const ALL_EXACT_BONUS: u32 = 50;
/// When every query token matched a name, in the order of the names and their words.
const IN_ORDER_BONUS: u32 = 30;

const MIN_PREFIX_CHARS: usize = 2;
const MIN_SKELETON_CHARS: usize = 3;
const MIN_SKELETON_PREFIX_CHARS: usize = 4;
const MIN_TYPO_CHARS: usize = 4;
const MIN_AFFIX_IDENTIFIER_CHARS: usize = 3;
/// A name field of 2 to this many words is also indexed as one joined word.
const MAX_JOINED_WORDS: usize = 4;
/// A multi-word query of up to this many words is also tried as one joined word.
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
    /// Indexed by slot; `None` for a removed document (a tombstone still in some postings).
    docs: Vec<Option<Doc>>,
    slots: HashMap<u64, u32>,
    dead: usize,
    names: NameVocab,
    idents: IdentVocab,
}

#[derive(Debug)]
struct Doc {
    id: u64,
    names: Vec<NameRef>,
    idents: Vec<u32>,
}

/// One word of a document's names: the token, which name it is in and where in that name.
#[derive(Debug, Clone, Copy)]
struct NameRef {
    tok: u32,
    field: u8,
    pos: u8,
}

#[derive(Debug, Default)]
struct NameVocab {
    ids: HashMap<Box<str>, u32>,
    sorted: BTreeMap<Box<str>, u32>,
    toks: Vec<NameTok>,
    skel_ids: BTreeMap<Box<str>, u32>,
    skels: Vec<Skel>,
    alphabet: BTreeSet<char>,
}

#[derive(Debug)]
struct NameTok {
    text: Box<str>,
    chars: usize,
    skel: Option<u32>,
    postings: Vec<u32>,
}

#[derive(Debug)]
struct Skel {
    text: Box<str>,
    toks: Vec<u32>,
}

#[derive(Debug, Default)]
struct IdentVocab {
    ids: HashMap<Box<str>, u32>,
    sorted: BTreeMap<Box<str>, u32>,
    /// Whole identifiers, keyed by their reversed text, for suffix search.
    reversed: BTreeMap<Box<str>, u32>,
    toks: Vec<IdentTok>,
}

#[derive(Debug)]
struct IdentTok {
    text: Box<str>,
    chars: usize,
    /// Whether this is a whole identifier (all its parts joined), not only a part of one.
    whole: bool,
    postings: Vec<u32>,
}

fn index_u32(i: usize) -> u32 {
    u32::try_from(i).expect("fewer than 2^32 tokens and documents")
}

fn prefix_range<'a>(
    map: &'a BTreeMap<Box<str>, u32>,
    prefix: &'a str,
) -> impl Iterator<Item = u32> + 'a {
    map.range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
        .take_while(move |(k, _)| k.starts_with(prefix))
        .map(|(_, &v)| v)
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
        if let Some(&id) = self.ids.get(text) {
            return id;
        }
        let id = index_u32(self.toks.len());
        let skel = if text.bytes().all(|b| b.is_ascii_lowercase()) {
            let key = skeleton(text);
            let sid = match self.skel_ids.get(key.as_str()) {
                Some(&sid) => sid,
                None => {
                    let sid = index_u32(self.skels.len());
                    self.skels.push(Skel {
                        text: key.clone().into_boxed_str(),
                        toks: Vec::new(),
                    });
                    self.skel_ids.insert(key.into_boxed_str(), sid);
                    sid
                }
            };
            self.skels[sid as usize].toks.push(id);
            Some(sid)
        } else {
            None
        };
        for c in text.chars() {
            self.alphabet.insert(c);
        }
        self.toks.push(NameTok {
            text: text.into(),
            chars: text.chars().count(),
            skel,
            postings: Vec::new(),
        });
        self.ids.insert(text.into(), id);
        self.sorted.insert(text.into(), id);
        id
    }

    /// The tokens one edit (Damerau-Levenshtein: insertion, deletion, substitution, adjacent
    /// transposition) away from `q`, found by generating the variants over the letters of the
    /// vocabulary that are near `q`'s script.
    fn one_edit_tokens(&self, q: &[char], blocks: &[u32]) -> Vec<u32> {
        let alphabet: Vec<char> = self
            .alphabet
            .iter()
            .copied()
            .filter(|&c| near_blocks(blocks, c))
            .collect();
        let mut out = Vec::new();
        let mut buf = String::new();
        let mut probe = |buf: &String| {
            if let Some(&id) = self.ids.get(buf.as_str()) {
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
        out.sort_unstable();
        out.dedup();
        out
    }
}

impl IdentVocab {
    fn intern(&mut self, text: &str, whole: bool) -> u32 {
        let id = match self.ids.get(text) {
            Some(&id) => id,
            None => {
                let id = index_u32(self.toks.len());
                self.toks.push(IdentTok {
                    text: text.into(),
                    chars: text.chars().count(),
                    whole: false,
                    postings: Vec::new(),
                });
                self.ids.insert(text.into(), id);
                self.sorted.insert(text.into(), id);
                id
            }
        };
        let tok = &mut self.toks[id as usize];
        if whole && !tok.whole {
            tok.whole = true;
            self.reversed
                .insert(text.chars().rev().collect::<String>().into_boxed_str(), id);
        }
        id
    }
}

/// The alphanumeric parts of a folded identifier: runs of letters and runs of digits.
fn identifier_parts(folded_tokens: &[String]) -> Vec<&str> {
    let mut parts = Vec::new();
    for t in folded_tokens {
        let mut start = 0;
        let mut prev_digit = None;
        for (i, c) in t.char_indices() {
            let digit = c.is_ascii_digit();
            if prev_digit.is_some_and(|p| p != digit) {
                parts.push(&t[start..i]);
                start = i;
            }
            prev_digit = Some(digit);
        }
        parts.push(&t[start..]);
    }
    parts
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

/// One query word, with what it matches in the vocabularies.
#[derive(Debug)]
struct QueryToken {
    text: String,
    chars: usize,
    name_exact: Option<u32>,
    /// The query word's skeleton, when it is a Latin word long enough for skeleton matching.
    skel: Option<String>,
    skel_exact: Option<u32>,
    skel_prefix: bool,
    typo: bool,
    blocks: Vec<u32>,
    typo_toks: Vec<u32>,
    ident_exact: [Option<u32>; 2],
    ident_affix: bool,
}

/// The best match of one query word in one document.
#[derive(Debug, Clone, Copy)]
struct Match {
    score: u32,
    exact: bool,
    /// (name, word) of the name word matched; `None` for an identifier.
    at: Option<(u8, u8)>,
}

/// A query word prepared once per search, with the postings it could match.
#[derive(Debug)]
struct Prepared<'a> {
    q: QueryToken,
    lists: Vec<&'a [u32]>,
    cost: usize,
}

/// The distinct words (and joined runs of words) of one query.
#[derive(Debug, Default)]
struct Terms<'a> {
    prepared: Vec<Prepared<'a>>,
    by_text: HashMap<String, usize>,
}

impl<'a> Terms<'a> {
    fn add(&mut self, index: &'a SearchIndex, text: &str) -> usize {
        if let Some(&i) = self.by_text.get(text) {
            return i;
        }
        let q = index.prepare(text);
        let lists = index.candidate_postings(&q);
        let cost = lists.iter().map(|l| l.len()).sum();
        self.prepared.push(Prepared { q, lists, cost });
        self.by_text
            .insert(text.to_owned(), self.prepared.len() - 1);
        self.prepared.len() - 1
    }
}

impl SearchIndex {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces the document with this id.
    pub fn insert(&mut self, id: u64, doc: &SearchDoc<'_>) {
        self.remove(id);
        let slot = index_u32(self.docs.len());

        let mut names = Vec::new();
        for (field, name) in doc.names.iter().enumerate() {
            let field = u8::try_from(field).unwrap_or(u8::MAX);
            let words = tokens(name);
            for (pos, word) in words.iter().enumerate() {
                let pos = u8::try_from(pos).unwrap_or(u8::MAX);
                let tok = self.names.intern(word);
                names.push(NameRef { tok, field, pos });
            }
            if (2..=MAX_JOINED_WORDS).contains(&words.len()) {
                let tok = self.names.intern(&words.concat());
                names.push(NameRef { tok, field, pos: 0 });
            }
        }

        let mut idents = Vec::new();
        for ident in doc.identifiers {
            let words = tokens(ident);
            if words.is_empty() {
                continue;
            }
            idents.push(self.idents.intern(&words.concat(), true));
            let parts = identifier_parts(&words);
            for part in &parts {
                if parts.len() > 1 {
                    idents.push(self.idents.intern(part, false));
                }
                if let Some(stripped) = strip_zeros(part) {
                    idents.push(self.idents.intern(stripped, false));
                }
            }
        }
        idents.sort_unstable();
        idents.dedup();

        let mut name_toks: Vec<u32> = names.iter().map(|n| n.tok).collect();
        name_toks.sort_unstable();
        name_toks.dedup();
        for t in name_toks {
            self.names.toks[t as usize].postings.push(slot);
        }
        for &t in &idents {
            self.idents.toks[t as usize].postings.push(slot);
        }

        self.docs.push(Some(Doc { id, names, idents }));
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

    /// Slots in use, tombstones included.
    #[cfg(test)]
    pub(crate) fn slot_count(&self) -> usize {
        self.docs.len()
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

    /// Drops tombstones: renumbers the live documents and rewrites the postings.
    fn compact(&mut self) {
        let mut remap = vec![u32::MAX; self.docs.len()];
        let mut docs = Vec::with_capacity(self.slots.len());
        for (old, doc) in std::mem::take(&mut self.docs).into_iter().enumerate() {
            if let Some(doc) = doc {
                remap[old] = index_u32(docs.len());
                docs.push(Some(doc));
            }
        }
        self.docs = docs;
        let postings = self
            .names
            .toks
            .iter_mut()
            .map(|t| &mut t.postings)
            .chain(self.idents.toks.iter_mut().map(|t| &mut t.postings));
        for list in postings {
            // The renumbering keeps the order, so postings stay sorted.
            list.retain_mut(|slot| {
                *slot = remap[*slot as usize];
                *slot != u32::MAX
            });
        }
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
        let mut terms = Terms::default();
        let mut alternatives: Vec<Vec<(usize, u32)>> = Vec::new();
        let plain: Vec<(usize, u32)> = words.iter().map(|w| (terms.add(self, w), 1)).collect();
        alternatives.push(plain.clone());
        let n = words.len();
        if (2..=MAX_JOINED_QUERY_WORDS).contains(&n) {
            // Each run of two or more consecutive words is also tried as one word: "abd al rahman"
            // finds Abdulrahman, "KGL-2025-000101" is tried as kgl2025000101.
            for i in 0..n {
                for j in i + 2..=n {
                    let joined = terms.add(self, &words[i..j].concat());
                    let mut alt = plain[..i].to_vec();
                    alt.push((joined, index_u32(j - i)));
                    alt.extend_from_slice(&plain[j..]);
                    alternatives.push(alt);
                }
            }
        }
        let mut scored = Vec::new();
        for alt in &alternatives {
            scored = merge_max(scored, self.evaluate(&terms.prepared, alt));
        }
        let mut hits: Vec<Hit> = scored
            .into_iter()
            .filter_map(|(slot, score)| {
                self.docs[slot as usize]
                    .as_ref()
                    .map(|d| Hit { id: d.id, score })
            })
            .collect();
        let order = |a: &Hit, b: &Hit| b.score.cmp(&a.score).then(a.id.cmp(&b.id));
        if hits.len() > limit {
            hits.select_nth_unstable_by(limit - 1, order);
            hits.truncate(limit);
        }
        hits.sort_unstable_by(order);
        hits
    }

    fn prepare(&self, text: &str) -> QueryToken {
        let chars: Vec<char> = text.chars().collect();
        let n = chars.len();
        let mut blocks: Vec<u32> = chars.iter().map(|&c| block(c)).collect();
        blocks.sort_unstable();
        blocks.dedup();
        let latin = text.bytes().all(|b| b.is_ascii_lowercase());
        let skel = (latin && n >= MIN_SKELETON_CHARS).then(|| skeleton(text));
        let skel_exact = skel
            .as_deref()
            .and_then(|s| self.names.skel_ids.get(s).copied());
        let skel_prefix =
            n >= MIN_SKELETON_PREFIX_CHARS && skel.as_ref().is_some_and(|s| s.len() >= 3);
        let typo = n >= MIN_TYPO_CHARS;
        let typo_toks = if typo {
            self.names.one_edit_tokens(&chars, &blocks)
        } else {
            Vec::new()
        };
        let ident_exact = [
            self.idents.ids.get(text).copied(),
            strip_zeros(text).and_then(|s| self.idents.ids.get(s).copied()),
        ];
        QueryToken {
            text: text.to_owned(),
            chars: n,
            name_exact: self.names.ids.get(text).copied(),
            skel,
            skel_exact,
            skel_prefix,
            typo,
            blocks,
            typo_toks,
            ident_exact,
            ident_affix: n >= MIN_AFFIX_IDENTIFIER_CHARS
                && text.bytes().any(|b| b.is_ascii_digit()),
        }
    }

    /// The postings of every token that `q` can match: a superset of the documents that
    /// [`Self::best_match`] accepts.
    fn candidate_postings(&self, q: &QueryToken) -> Vec<&[u32]> {
        let names = &self.names;
        let idents = &self.idents;
        let mut lists: Vec<&[u32]> = Vec::new();
        let name_postings = |t: u32| names.toks[t as usize].postings.as_slice();
        let ident_postings = |t: u32| idents.toks[t as usize].postings.as_slice();
        if q.chars >= MIN_PREFIX_CHARS {
            lists.extend(prefix_range(&names.sorted, &q.text).map(name_postings));
        } else {
            lists.extend(q.name_exact.map(name_postings));
        }
        if let Some(skel) = &q.skel {
            if q.skel_prefix {
                for sid in prefix_range(&names.skel_ids, skel) {
                    let toks = &names.skels[sid as usize].toks;
                    lists.extend(toks.iter().map(|&t| name_postings(t)));
                }
            } else if let Some(sid) = q.skel_exact {
                let toks = &names.skels[sid as usize].toks;
                lists.extend(toks.iter().map(|&t| name_postings(t)));
            }
        }
        lists.extend(q.typo_toks.iter().map(|&t| name_postings(t)));
        lists.extend(q.ident_exact.iter().flatten().map(|&t| ident_postings(t)));
        if q.ident_affix {
            lists.extend(prefix_range(&idents.sorted, &q.text).map(ident_postings));
            let reversed: String = q.text.chars().rev().collect();
            let suffixed: Vec<u32> = prefix_range(&idents.reversed, &reversed).collect();
            lists.extend(suffixed.into_iter().map(ident_postings));
        }
        lists
    }

    /// The documents matching every term of `alt` (a prepared word and its weight), with their
    /// scores, by slot.
    fn evaluate(&self, prepared: &[Prepared<'_>], alt: &[(usize, u32)]) -> Vec<(u32, u32)> {
        // Drive from the most selective word; check the others against each candidate's own
        // words.
        let Some(driver) = alt
            .iter()
            .map(|&(i, _)| &prepared[i])
            .min_by_key(|p| p.cost)
        else {
            return Vec::new();
        };
        if driver.cost == 0 {
            return Vec::new();
        }
        let mut seen = vec![0u64; self.docs.len().div_ceil(64)];
        for list in &driver.lists {
            for &slot in *list {
                seen[slot as usize / 64] |= 1 << (slot % 64);
            }
        }
        let mut out = Vec::new();
        for (w, &bits) in seen.iter().enumerate() {
            let mut bits = bits;
            while bits != 0 {
                let slot = index_u32(w * 64) + bits.trailing_zeros();
                bits &= bits - 1;
                let scored = self.docs[slot as usize]
                    .as_ref()
                    .and_then(|doc| self.score(prepared, alt, doc));
                if let Some(score) = scored {
                    out.push((slot, score));
                }
            }
        }
        out
    }

    /// The document's score for the query, if every term matches it.
    fn score(&self, prepared: &[Prepared<'_>], alt: &[(usize, u32)], doc: &Doc) -> Option<u32> {
        let mut total = 0;
        let mut words = 0;
        let mut all_exact = true;
        let mut in_order = alt.len() > 1;
        let mut prev: Option<(u8, u8)> = None;
        for &(i, weight) in alt {
            let m = self.best_match(&prepared[i].q, doc)?;
            total += m.score * weight;
            words += weight;
            all_exact &= m.exact;
            match m.at {
                Some(at) if prev.is_none_or(|p| p < at) => prev = Some(at),
                _ => in_order = false,
            }
        }
        if all_exact {
            total += ALL_EXACT_BONUS * words;
        }
        if in_order {
            total += IN_ORDER_BONUS;
        }
        Some(total)
    }

    fn best_match(&self, q: &QueryToken, doc: &Doc) -> Option<Match> {
        let mut best: Option<Match> = None;
        let mut consider = |m: Match| {
            if best.is_none_or(|b| m.score > b.score) {
                best = Some(m);
            }
        };
        for n in &doc.names {
            let t = &self.names.toks[n.tok as usize];
            let score = if q.name_exact == Some(n.tok) {
                EXACT_NAME
            } else if q.chars >= MIN_PREFIX_CHARS && t.text.starts_with(q.text.as_str()) {
                PREFIX_NAME + proportion(q.chars, t.chars)
            } else if q.skel_exact.is_some() && q.skel_exact == t.skel {
                SKELETON
            } else if self.skeleton_prefix_match(q, t) {
                SKELETON_PREFIX
            } else if q.typo
                && q.chars.abs_diff(t.chars) <= 1
                && within_one_edit(&q.text, &t.text)
                && t.text.chars().all(|c| near_blocks(&q.blocks, c))
            {
                TYPO
            } else {
                continue;
            };
            consider(Match {
                score,
                exact: score == EXACT_NAME,
                at: Some((n.field, n.pos)),
            });
        }
        for &i in &doc.idents {
            let t = &self.idents.toks[i as usize];
            let score = if q.ident_exact.contains(&Some(i)) {
                EXACT_IDENTIFIER
            } else if q.ident_affix
                && (t.text.starts_with(q.text.as_str())
                    || (t.whole && t.text.ends_with(q.text.as_str())))
            {
                AFFIX_IDENTIFIER + proportion(q.chars, t.chars)
            } else {
                continue;
            };
            consider(Match {
                score,
                exact: score == EXACT_IDENTIFIER,
                at: None,
            });
        }
        best
    }
}

impl SearchIndex {
    fn skeleton_prefix_match(&self, q: &QueryToken, t: &NameTok) -> bool {
        match (q.skel_prefix, &q.skel, t.skel) {
            (true, Some(qs), Some(ts)) => {
                self.names.skels[ts as usize].text.starts_with(qs.as_str())
            }
            _ => false,
        }
    }
}

/// How much of a word of `of` characters the `typed` ones are, from 0 to 99.
fn proportion(typed: usize, of: usize) -> u32 {
    index_u32((typed * 99 / of.max(1)).min(99))
}

/// Two (slot, score) lists sorted by slot, merged, keeping the higher score.
fn merge_max(a: Vec<(u32, u32)>, b: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
    if b.is_empty() {
        return a;
    }
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    loop {
        match (a.peek().copied(), b.peek().copied()) {
            (Some(x), Some(y)) if x.0 == y.0 => {
                out.push((x.0, x.1.max(y.1)));
                a.next();
                b.next();
            }
            (Some(x), Some(y)) if x.0 < y.0 => {
                out.push(x);
                a.next();
            }
            (_, Some(y)) => {
                out.push(y);
                b.next();
            }
            (Some(x), None) => {
                out.push(x);
                a.next();
            }
            (None, None) => return out,
        }
    }
}
