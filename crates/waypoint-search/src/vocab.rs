//! The vocabulary of name words: interned, sorted for prefixes, grouped by skeleton, and the
//! one-edit neighbours a typo may have meant.

use std::collections::BTreeSet;

use crate::skeleton::skeleton;
use crate::store::{Interner, Key, NONE, Postings, SortedRuns, key};

#[derive(Debug, Default)]
pub(crate) struct NameVocab {
    pub(crate) words: Interner,
    /// Word ids by their key, for prefixes.
    pub(crate) sorted: SortedRuns<(Key, u32)>,
    pub(crate) postings: Vec<Postings>,
    /// Each word's skeleton id, or [`NONE`].
    pub(crate) skel: Vec<u32>,
    pub(crate) skels: Interner,
    pub(crate) skels_sorted: SortedRuns<(Key, u32)>,
    /// The words of each skeleton.
    pub(crate) skel_words: Vec<Vec<u32>>,
    pub(crate) alphabet: BTreeSet<char>,
}

/// A coarse script block (128 code points). Typo candidates only bring in letters from the
/// blocks of the typed word and their neighbours.
pub(crate) fn block(c: char) -> u32 {
    c as u32 >> 7
}

pub(crate) fn near_blocks(blocks: &[u32], c: char) -> bool {
    let b = block(c);
    blocks.iter().any(|&q| q.abs_diff(b) <= 1)
}

impl NameVocab {
    pub(crate) fn intern(&mut self, text: &str) -> u32 {
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
    pub(crate) fn one_edit_words(&self, q: &[char], blocks: &[u32], out: &mut Vec<u32>) {
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

/// Whether `a` and `b` are at most one edit apart (insertion, deletion, substitution or
/// transposition of two adjacent characters).
pub(crate) fn within_one_edit(a: &str, b: &str) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

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
