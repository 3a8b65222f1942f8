//! The in-memory index: documents in slots, adding and removing them, and the query evaluator.

use std::collections::HashMap;

use crate::fold::{fold_into, split_folded, tokens};
use crate::ident::IdentIndex;
use crate::skeleton::skeleton;
use crate::store::{At, KEY_BYTES, NO_AT, NONE, Postings, index_u32, key, key_range};
use crate::term::*;
use crate::vocab::{NameVocab, block, near_blocks, within_one_edit};

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
}
