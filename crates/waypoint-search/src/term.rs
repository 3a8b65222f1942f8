//! One query word as the evaluator sees it: the score tiers of a match, what the word matches,
//! and its hits packed so that the best score and earliest position win.

use crate::store::{At, Key, NO_AT, Postings, index_u32};

// Per query word, the score of its best match in a document. Tiers never overlap: the
// proportional part of a prefix score (how much of the word was typed) stays below 100.
/// The query word is a whole identifier (`kgl2025000101`, also as the joined words of
/// `KGL-2025-000101`): that case, individual or document number is what was asked for.
pub(crate) const WHOLE_IDENTIFIER: u32 = 1100;
pub(crate) const EXACT_IDENTIFIER: u32 = 1000;
/// The query word without its leading zeros is an identifier part or the part is the word
/// without its leading zeros (`000101` and `I-0000101`).
pub(crate) const STRIPPED_IDENTIFIER: u32 = 990;
pub(crate) const EXACT_NAME: u32 = 980;
pub(crate) const PREFIX_NAME: u32 = 600;
pub(crate) const SKELETON: u32 = 500;
pub(crate) const SKELETON_PREFIX: u32 = 450;
pub(crate) const TYPO: u32 = 400;
pub(crate) const AFFIX_IDENTIFIER: u32 = 300;
/// Per query word, when every query word matched exactly.
pub(crate) const ALL_EXACT_BONUS: u32 = 50;
/// When every query word matched a name, in the order of the names and their words.
pub(crate) const IN_ORDER_BONUS: u32 = 30;

pub(crate) const MIN_PREFIX_CHARS: usize = 2;
pub(crate) const MIN_SKELETON_CHARS: usize = 3;
pub(crate) const MIN_SKELETON_PREFIX_CHARS: usize = 4;
pub(crate) const MIN_TYPO_CHARS: usize = 4;
pub(crate) const MIN_AFFIX_IDENTIFIER_CHARS: usize = 3;
/// A name of 2 to this many words is also indexed as one joined word.
pub(crate) const MAX_JOINED_WORDS: usize = 4;
/// A query of up to this many words also has its runs of consecutive words tried as one word.
pub(crate) const MAX_JOINED_QUERY_WORDS: usize = 6;

/// A run of digits without its leading zeros, when it has some and is not all zeros.
pub(crate) fn strip_zeros(part: &str) -> Option<&str> {
    if part.len() > 1 && part.starts_with('0') && part.bytes().all(|b| b.is_ascii_digit()) {
        let s = part.trim_start_matches('0');
        (!s.is_empty()).then_some(s)
    } else {
        None
    }
}

/// How much of a word of `of` characters the `typed` ones are, from 0 to 99.
pub(crate) fn proportion(typed: usize, of: usize) -> u32 {
    index_u32((typed * 99 / of.max(1)).min(99))
}

/// One query word (or run of words joined), with what it matches and how well.
#[derive(Debug)]
pub(crate) struct Term<'a> {
    pub(crate) text: String,
    pub(crate) chars: usize,
    /// The word without its leading zeros, for identifiers.
    pub(crate) stripped: Option<String>,
    /// Whether identifier prefixes and suffixes match.
    pub(crate) affix: bool,
    /// Postings of each matching name word, with the score of the match.
    pub(crate) lists: Vec<(&'a Postings, u32)>,
    /// Ranges of identifier entries to look at: (backward, lowest key, highest key).
    pub(crate) ident_ranges: Vec<(bool, Key, Key)>,
    /// About how many documents the term matches.
    pub(crate) cost: usize,
}

impl Term<'_> {
    /// The score of an identifier word for this term; `whole` when the word is a whole
    /// identifier (those rank first when equal, and only those match by suffix).
    pub(crate) fn ident_score(&self, word: &str, whole: bool) -> Option<u32> {
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
pub(crate) enum TermHits {
    Dense(Vec<u64>),
    Sparse(Vec<(u32, u64)>),
}

impl TermHits {
    pub(crate) fn get(&self, slot: u32) -> u64 {
        match self {
            Self::Dense(v) => v[slot as usize],
            Self::Sparse(v) => v
                .binary_search_by_key(&slot, |&(s, _)| s)
                .map_or(0, |i| v[i].1),
        }
    }

    pub(crate) fn for_each(&self, mut f: impl FnMut(u32)) {
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
pub(crate) enum TermView<'t, 'a> {
    Hits(&'t TermHits),
    Probe(&'t Term<'a>),
}

pub(crate) fn pack_hit(score: u32, at: At) -> u64 {
    u64::from(score) << 16 | u64::from(NO_AT - at)
}

pub(crate) fn unpack_hit(packed: u64) -> (u32, At) {
    // The score was a u32 shifted left by 16; the low 16 bits are NO_AT - at.
    let score = u32::try_from(packed >> 16).unwrap_or(u32::MAX);
    let at = NO_AT - (packed & 0xFFFF) as At;
    (score, at)
}
