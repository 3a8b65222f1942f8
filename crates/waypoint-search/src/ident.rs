//! Identifier words (case numbers, document numbers) kept as sorted (key, slot) entries, with
//! each document's words for checking one document directly.

use crate::store::{KEY_BYTES, Key, NONE, SortedRuns, index_u32, key, key_len};

/// Identifier words are mostly unique to a document, so they are not interned: each occurrence
/// is an entry (key, slot) in sorted runs, and the entries with one key are that word's postings.
#[derive(Debug, Default)]
pub(crate) struct IdentIndex {
    /// Every identifier word: wholes, parts, parts without leading zeros.
    pub(crate) forward: SortedRuns<IdentEntry>,
    /// Whole identifiers, keyed by their bytes from the end, for suffixes.
    pub(crate) backward: SortedRuns<IdentEntry>,
    /// Each document's identifier words, for checking a document directly: `*` before a whole
    /// identifier, a space after every word.
    pub(crate) doc_words: String,
    /// The span of `doc_words` of each slot.
    pub(crate) doc_spans: Vec<(u32, u32)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct IdentEntry {
    pub(crate) key: Key,
    pub(crate) slot: u32,
    /// Whether the word is longer than its key (it is then read from the document's words).
    pub(crate) long: bool,
    /// Whether the word is a whole identifier (not one of its parts).
    pub(crate) whole: bool,
}

impl IdentIndex {
    /// Starts the words of the next document.
    pub(crate) fn begin(&mut self) {
        let at = index_u32(self.doc_words.len());
        self.doc_spans.push((at, at));
    }

    /// The words of the document in `slot`, each with whether it is a whole identifier.
    pub(crate) fn words_of(&self, slot: u32) -> impl Iterator<Item = (&str, bool)> {
        let (start, end) = self.doc_spans[slot as usize];
        self.doc_words[start as usize..end as usize]
            .split_terminator(' ')
            .map(|w| match w.strip_prefix('*') {
                Some(w) => (w, true),
                None => (w, false),
            })
    }

    pub(crate) fn add(&mut self, text: &str, slot: u32, whole: bool) {
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
    pub(crate) fn count(&self, backward: bool, lo: Key, hi: Key) -> usize {
        let (lo, hi) = Self::bounds(lo, hi);
        self.runs(backward).count(lo, hi)
    }

    pub(crate) fn runs(&self, backward: bool) -> &SortedRuns<IdentEntry> {
        if backward {
            &self.backward
        } else {
            &self.forward
        }
    }

    pub(crate) fn bounds(lo: Key, hi: Key) -> (IdentEntry, IdentEntry) {
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
    pub(crate) fn range(
        &self,
        backward: bool,
        lo: Key,
        hi: Key,
        mut f: impl FnMut(u32, &str, bool),
    ) {
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

    pub(crate) fn compact(&mut self, remap: &[u32]) {
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
