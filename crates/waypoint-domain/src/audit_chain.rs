//! The audit trail's hash chain (docs/audit-trail.md), the same on a device and on the server: how
//! an entry is hashed, and how a log is checked for entries altered, removed, reordered or
//! inserted. Pure: no storage. The device's store appends entries (`waypoint-store`'s
//! `audit.rs`); the server keeps a copy of every device's chain and checks it with
//! [`verify_entries`] too.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One entry of the audit log, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: i64,
    /// UTC, RFC 3339 with milliseconds.
    pub at: String,
    /// Who: the staff member signed in, or `device:<id>` where no one is.
    pub staff: String,
    /// One of [`AuditAction`]'s names (kept as text: a damaged log may hold anything).
    pub action: String,
    pub scope: Option<String>,
    pub entity: Option<String>,
    pub field: Option<String>,
    pub detail: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    /// The hash this entry's fields and `prev_hash` give.
    pub fn computed_hash(&self) -> String {
        entry_hash(&EntryFields {
            at: &self.at,
            staff: &self.staff,
            action: &self.action,
            scope: self.scope.as_deref(),
            entity: self.entity.as_deref(),
            field: self.field.as_deref(),
            detail: self.detail.as_deref(),
            prev_hash: &self.prev_hash,
        })
    }
}

/// The hashed fields of an entry (everything but `seq` and `hash`: the order of entries is
/// the chain's, and `seq` only numbers it).
#[derive(Debug, Clone, Copy)]
pub struct EntryFields<'a> {
    pub at: &'a str,
    pub staff: &'a str,
    pub action: &'a str,
    pub scope: Option<&'a str>,
    pub entity: Option<&'a str>,
    pub field: Option<&'a str>,
    pub detail: Option<&'a str>,
    pub prev_hash: &'a str,
}

/// SHA-256, as 64 lower-case hex digits, of a version tag then each field in a fixed order:
/// `0x00` for no value, or `0x01`, the length in bytes (8 bytes, big-endian) and the UTF-8
/// bytes. Lengths make the encoding unambiguous: no two different entries encode alike.
pub fn entry_hash(e: &EntryFields<'_>) -> String {
    let mut h = Sha256::new();
    h.update(b"waypoint-audit-v1");
    let fields = [
        Some(e.at),
        Some(e.staff),
        Some(e.action),
        e.scope,
        e.entity,
        e.field,
        e.detail,
        Some(e.prev_hash),
    ];
    for field in fields {
        match field {
            None => h.update([0u8]),
            Some(s) => {
                h.update([1u8]);
                h.update((s.len() as u64).to_be_bytes());
                h.update(s.as_bytes());
            }
        }
    }
    hex(&h.finalize())
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    s
}

/// What is wrong at one place of the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditProblemKind {
    /// The entry's contents (or its number) are not what was written.
    Altered,
    /// One or more entries are missing here.
    Removed,
    /// The entry is not where it was written: the chain links it to another entry.
    Reordered,
    /// The entry was not written by Waypoint in this place.
    Inserted,
}

/// One break of the chain, at entry `seq`, said for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditProblem {
    pub seq: i64,
    pub kind: AuditProblemKind,
    pub message: String,
}

/// Checks a log (entries in `seq` order) against its recorded head.
pub fn verify_entries(rows: &[AuditEntry], head_seq: i64, head_hash: &str) -> Vec<AuditProblem> {
    let mut problems: Vec<AuditProblem> = Vec::new();
    let mut report = |seq: i64, kind: AuditProblemKind, message: String| {
        problems.push(AuditProblem { seq, kind, message });
    };
    let intact: Vec<bool> = rows.iter().map(|r| r.computed_hash() == r.hash).collect();
    // Positions by stored hash; the genesis hash is position -1 (before the first entry).
    let mut position: HashMap<&str, isize> = HashMap::with_capacity(rows.len() + 1);
    position.insert(GENESIS_HASH, -1);
    for (i, r) in rows.iter().enumerate() {
        position.entry(r.hash.as_str()).or_insert(i as isize);
    }
    let followed: HashSet<&str> = rows.iter().map(|r| r.prev_hash.as_str()).collect();
    let hash_at = |i: isize| -> &str {
        if i < 0 {
            GENESIS_HASH
        } else {
            rows[i as usize].hash.as_str()
        }
    };
    let seq_at = |i: isize| -> i64 { if i < 0 { 0 } else { rows[i as usize].seq } };
    // Entries already reported as altered or misnumbered: the next link is not judged on them.
    let mut bad = vec![false; rows.len()];
    let mut expected_seq = 1;
    for (i, r) in rows.iter().enumerate() {
        let ii = i as isize;
        let mut explained = i > 0 && bad[i - 1];
        if r.seq > expected_seq {
            let message = if r.seq == expected_seq + 1 {
                format!("entry {expected_seq} is missing")
            } else {
                format!("entries {expected_seq} to {} are missing", r.seq - 1)
            };
            report(expected_seq, AuditProblemKind::Removed, message);
            explained = true;
        } else if r.seq < expected_seq {
            report(
                r.seq,
                AuditProblemKind::Altered,
                format!(
                    "an entry is numbered {} where entry {expected_seq} was expected",
                    r.seq
                ),
            );
            bad[i] = true;
            continue;
        }
        expected_seq = r.seq + 1;
        if !intact[i] {
            report(
                r.seq,
                AuditProblemKind::Altered,
                format!(
                    "entry {} was altered: its contents do not match its hash",
                    r.seq
                ),
            );
            bad[i] = true;
            continue;
        }
        if r.prev_hash == hash_at(ii - 1) || explained {
            continue;
        }
        match position.get(r.prev_hash.as_str()).copied() {
            // The entry before this one sits between it and the entry it was written after,
            // claims that same predecessor, and nothing was written after it: it was slipped in.
            Some(j)
                if j == ii - 2
                    && intact[i - 1]
                    && rows[i - 1].prev_hash == hash_at(j)
                    && !followed.contains(rows[i - 1].hash.as_str()) =>
            {
                report(
                    rows[i - 1].seq,
                    AuditProblemKind::Inserted,
                    format!(
                        "entry {} was inserted: entry {} was written right after entry {}",
                        rows[i - 1].seq,
                        r.seq,
                        seq_at(j)
                    ),
                );
            }
            Some(j) => report(
                r.seq,
                AuditProblemKind::Reordered,
                format!(
                    "entry {} is out of order: it was written right after {}, but follows entry {}",
                    r.seq,
                    if j < 0 {
                        "the start of the log".to_string()
                    } else {
                        format!("the entry now numbered {}", seq_at(j))
                    },
                    seq_at(ii - 1)
                ),
            ),
            None => report(
                r.seq,
                AuditProblemKind::Removed,
                format!(
                    "an entry before entry {} is missing: the entry it was written after is not in the log",
                    r.seq
                ),
            ),
        }
    }
    // The end of the log against the recorded head.
    let last_seq = rows.last().map_or(0, |r| r.seq);
    let reported_from = |seq: i64| problems.iter().any(|p| p.seq >= seq);
    match position.get(head_hash).copied() {
        Some(h) if (h + 1) as usize != rows.len() => {
            let first_extra = rows[(h + 1) as usize].seq;
            if !reported_from(first_extra) {
                problems.push(AuditProblem {
                    seq: first_extra,
                    kind: AuditProblemKind::Inserted,
                    message: format!(
                        "entry {first_extra} and any after it were added outside Waypoint: the last entry it wrote is {head_seq}"
                    ),
                });
            }
        }
        Some(_) => {}
        None if head_seq > last_seq => {
            if !reported_from(last_seq + 1) {
                let message = if head_seq == last_seq + 1 {
                    format!("entry {head_seq}, the newest, is missing")
                } else {
                    format!(
                        "entries {} to {head_seq}, the newest, are missing",
                        last_seq + 1
                    )
                };
                problems.push(AuditProblem {
                    seq: last_seq + 1,
                    kind: AuditProblemKind::Removed,
                    message,
                });
            }
        }
        None => {
            if !reported_from(last_seq) {
                problems.push(AuditProblem {
                    seq: last_seq,
                    kind: AuditProblemKind::Altered,
                    message: format!(
                        "entry {last_seq}, the newest, is not the entry Waypoint wrote last (that was entry {head_seq})"
                    ),
                });
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_encoding_tells_apart_values_that_concatenate_alike() {
        let base = EntryFields {
            at: "2026-01-01T00:00:00.000Z",
            staff: "ab",
            action: "change",
            scope: Some("individual"),
            entity: Some("c"),
            field: None,
            detail: None,
            prev_hash: GENESIS_HASH,
        };
        let moved = EntryFields {
            staff: "a",
            scope: Some("individual"),
            entity: Some("bc"),
            ..base
        };
        let none_vs_empty = EntryFields {
            field: Some(""),
            ..base
        };
        let h = entry_hash(&base);
        assert_eq!(h.len(), 64);
        assert_ne!(h, entry_hash(&moved));
        assert_ne!(h, entry_hash(&none_vs_empty));
    }

    #[test]
    fn hex_is_lower_case_and_two_digits_a_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
    }
}
