//! The one search box: finds individuals by any part of their Latin or native-script names, their
//! case number, individual number or document number. Pure and in memory: no SQL, no files.
//!
//! # Matching
//!
//! Names and queries are compared in the [`fold`]ed form (lower case, no diacritics, Arabic
//! letter variants merged, every script kept) and split into words by [`tokens`]. Every word of
//! the query must match the document (AND). A query word matches a document by the best of, from
//! strongest to weakest:
//!
//! 1. **exact identifier**: first a whole identifier without punctuation (`kgl2025000101`, also
//!    reached by the joined words of `KGL-2025-000101`, see below), then one of its runs of
//!    letters or digits (`kgl`, `2025`, `000101`) or a run of digits without its leading zeros
//!    (`101`), then a query word that matches only without its leading zeros (`000101` for
//!    `I-0000101`); so the record whose case, individual or document number was typed in full
//!    ranks above records where the same digits are part of another number;
//! 2. **exact name word**;
//! 3. **name prefix**: the query word (2 characters or more) begins a name word (`habim` finds
//!    HABIMANA), scored higher the more of the word was typed;
//! 4. **skeleton**: the query word and the name word share a transliteration key ([`skeleton`]:
//!    Mohamed / Muhammad, Hussein / Husayn; Latin words of 3 letters or more), then
//!    **skeleton prefix**: the query word's key begins the name word's (4 letters or more typed),
//!    for variant spellings typed halfway;
//! 5. **one typo**: one insertion, deletion, substitution or transposition of adjacent
//!    characters (query words of 4 characters or more, any script);
//! 6. **identifier prefix or suffix**: a query word of 3 characters or more with a digit begins
//!    an identifier or one of its parts, or ends a whole identifier (`0101`).
//!
//! A name of two to four words is also indexed as one joined word (`Abd al-Rahman` as
//! `abdalrahman`, `O'Brien` as `obrien`). In a query of two to six words, each run of two or more
//! consecutive words is also tried as one word (`abd al rahman fakir` finds Abdulrahman Fakir,
//! `KGL-2025-000101` is also tried as `kgl2025000101`); a document keeps its best score over
//! these readings, a joined word counting for as many query words as it joins.
//!
//! A document's score is the sum of its best match per query word, plus a bonus when every word
//! matched exactly and a smaller one when the words matched names in order (name by name, word by
//! word). The tiers do not overlap, so for a one-word query an exact match always ranks above a
//! prefix match, which ranks above a transliteration match, above a typo, above an identifier
//! prefix or suffix. Ties are broken by ascending id.
//!
//! # Index layout
//!
//! - Documents live in slots (a `Vec` of ids); an id maps to its slot. Removing a document leaves
//!   a tombstone; replacing one is a removal and a fresh insertion. When tombstones outnumber live
//!   documents (and there are more than 1,024) the slots are renumbered and the postings
//!   rewritten.
//! - Name words are interned (one text arena, a hash table from a 64-bit hash to word ids,
//!   collisions chained and checked). Each word has postings: the slots of the documents that
//!   have it, ascending, each with where the word first occurs (which name, which word), for the
//!   in-order bonus. Skeletons are interned too, each with its list of words. The set of letters
//!   in the vocabulary is kept for typo candidates.
//! - Prefix ranges (of name words, of skeletons, of identifier words) come from sorted runs of
//!   16-byte keys (a word's first 16 bytes): a few runs sorted by key plus a short unsorted tail,
//!   merged four at a time as they fill, so inserting never needs a rebuild and searching never
//!   waits for one.
//! - Identifier words are mostly unique to a document, so they are not interned: every
//!   occurrence is an entry (key, slot) in the sorted runs, and the run of entries with one key
//!   is that word's postings. Whole identifiers are also keyed by their bytes read from the end,
//!   for suffixes. Each document keeps its identifier words as one short text, to check a
//!   document directly and to read words longer than a key.
//!
//! A search first works out, for each query word (and each joined run of words), what it
//! matches: the name words with their match score (prefix range, skeleton range, the vocabulary
//! words one edit away, generated from the vocabulary's letters near the word's script) and the
//! ranges of identifier entries, with an estimate of how many documents that is. Each
//! alternative is driven by its most selective word, whose matches are collected (in a dense
//! array when they are many); each other word is collected too when that is cheap, or else
//! checked in each candidate document (binary search in its postings, the document's own
//! identifier words). A one-letter query, or one matching every document, stays a single pass
//! over the postings.

mod fold;
mod ident;
mod index;
mod skeleton;
mod store;
mod term;
mod vocab;

pub use fold::{fold, tokens};
pub use index::{Hit, SearchDoc, SearchIndex};
pub use skeleton::skeleton;

#[cfg(test)]
mod tests;
