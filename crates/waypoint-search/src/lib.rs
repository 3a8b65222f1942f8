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
//! 1. **exact identifier**: a whole identifier without punctuation (`kgl2025000101`), or one of
//!    its runs of letters or digits (`kgl`, `2025`, `000101`), or a run of digits without its
//!    leading zeros (`101`); a query word with leading zeros is also tried without them;
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
//! `abdalrahman`, `O'Brien` as `obrien`), and a query of two to six words is also tried as one
//! joined word (`abd al rahman` finds Abdulrahman, `KGL-2025-000101` is tried as
//! `kgl2025000101`); a document keeps the better of the two scores, the joined one counted once
//! per query word.
//!
//! A document's score is the sum of its best match per query word, plus a bonus when every word
//! matched exactly and a smaller one when the words matched names in order (name by name, word by
//! word). The tiers do not overlap, so for a one-word query an exact match always ranks above a
//! prefix match, which ranks above a transliteration match, above a typo, above an identifier
//! prefix or suffix. Ties are broken by ascending id.
//!
//! # Index layout
//!
//! - Documents live in slots (a `Vec`); an id maps to its slot. Removing a document leaves a
//!   tombstone; replacing one is a removal and a fresh insertion. When tombstones outnumber live
//!   documents (and there are more than 1,024) the slots are renumbered and postings rewritten.
//! - Name words are interned into a vocabulary: a hash map for exact look-ups, a `BTreeMap` for
//!   prefix ranges, and per word its character count, skeleton id and postings (the slots of the
//!   documents that have it, ascending). Skeletons have their own `BTreeMap` (for exact and
//!   prefix look-ups) listing their words. The set of letters in the vocabulary is kept for typo
//!   candidates.
//! - Identifier words (wholes, parts, parts without leading zeros) have their own vocabulary: a
//!   hash map, a `BTreeMap` for prefixes and one keyed by the reversed text of whole identifiers
//!   for suffixes.
//! - Each document keeps its own list of name words (with the name and the position in it) and
//!   identifier words.
//!
//! A search works out, for each query word, the postings it could match (prefix range, skeleton
//! range, the vocabulary words one edit away, generated from the letters of the vocabulary near
//! the query word's script, identifier look-ups), takes the most selective query word as the
//! driver, and checks every candidate document of the driver against all query words using the
//! document's own word list. Nothing is rebuilt lazily: inserting and searching can be mixed
//! freely.

mod fold;
mod index;
mod skeleton;
mod store;

pub use fold::{fold, tokens};
pub use index::{Hit, SearchDoc, SearchIndex};
pub use skeleton::skeleton;

#[cfg(test)]
mod tests;
