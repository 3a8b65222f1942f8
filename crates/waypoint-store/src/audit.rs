//! The tamper-evident audit trail: who did what, in the order it was done.
//!
//! Every change and every event is appended to `audit_log` by the [`Writer`] in the
//! transaction that makes it (an import appends one entry for the whole batch: see
//! [`Writer::audit_as_batch`]); every sign-in and every view of a need-to-know field is appended
//! when it happens. An entry names the record and the field, never the value.
//!
//! Each entry carries the SHA-256 of the previous one and its own, over a canonical encoding
//! of its fields ([`entry_hash`]): changing, removing, inserting or reordering an entry breaks
//! the chain, and [`Store::verify_audit`] says where. The newest entry's position and hash are
//! also kept in `audit_head`, so removing the newest entries is seen too. Someone who rewrites
//! the whole file and recomputes every hash after the point they changed is caught only by a
//! copy held elsewhere: the server's, once the log is synced (ARCHITECTURE.md, "Audit trail").

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::OptionalExtension;
use serde::Serialize;
use sha2::{Digest, Sha256};
use waypoint_domain::Field;

use crate::outbox::OutboxKind;
use crate::{Change, Store, StoreError, Writer};

/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What an audit entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// A new case or individual.
    Create,
    /// One field changed.
    Change,
    /// A field event recorded.
    Event,
    /// A need-to-know field (vulnerabilities, medical notes) shown to someone.
    ViewSensitive,
    /// A staff member signed in on this device.
    SignIn,
    /// A staff member given a role on a device that is not enrolled (`entity` names them,
    /// `detail` is the role).
    StaffRole,
    /// An import: one entry for all it changed, with their count and digest.
    Import,
    /// The canonical dump of every record, need-to-know fields included.
    Export,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Change => "change",
            Self::Event => "event",
            Self::ViewSensitive => "view_sensitive",
            Self::SignIn => "sign_in",
            Self::StaffRole => "staff_role",
            Self::Import => "import",
            Self::Export => "export",
        }
    }

    fn of(kind: OutboxKind) -> Self {
        match kind {
            OutboxKind::Create => Self::Create,
            OutboxKind::Field => Self::Change,
            OutboxKind::Event => Self::Event,
        }
    }
}

/// One entry of the audit log, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
struct EntryFields<'a> {
    at: &'a str,
    staff: &'a str,
    action: &'a str,
    scope: Option<&'a str>,
    entity: Option<&'a str>,
    field: Option<&'a str>,
    detail: Option<&'a str>,
    prev_hash: &'a str,
}

/// SHA-256, as 64 lower-case hex digits, of a version tag then each field in a fixed order:
/// `0x00` for no value, or `0x01`, the length in bytes (8 bytes, big-endian) and the UTF-8
/// bytes. Lengths make the encoding unambiguous: no two different entries encode alike.
fn entry_hash(e: &EntryFields<'_>) -> String {
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

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    s
}

fn utc_millis(ms: u64) -> String {
    DateTime::<Utc>::from_timestamp_millis(i64::try_from(ms).unwrap_or(i64::MAX))
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The audit side of one write transaction.
#[derive(Debug)]
pub(crate) struct AuditChain {
    staff: String,
    /// The newest entry's seq and hash, read when this transaction first appends.
    head: Option<(i64, String)>,
    wrote: bool,
    batch: Option<Batch>,
}

impl AuditChain {
    pub(crate) fn new(staff: &str) -> Self {
        Self {
            staff: staff.to_string(),
            head: None,
            wrote: false,
            batch: None,
        }
    }
}

/// The changes of a batch (an import), summed up in one entry when it commits.
#[derive(Debug)]
struct Batch {
    action: AuditAction,
    created: u64,
    changed: u64,
    events: u64,
    digest: Sha256,
}

impl Batch {
    fn add(&mut self, change: &Change<'_>) {
        match change.kind {
            OutboxKind::Create => self.created += 1,
            OutboxKind::Field => self.changed += 1,
            OutboxKind::Event => self.events += 1,
        }
        for part in [
            change.kind.as_str(),
            change.scope,
            change.entity,
            change.field.unwrap_or_default(),
        ] {
            self.digest.update(part.as_bytes());
            self.digest.update(b"\t");
        }
        self.digest.update(b"\n");
    }

    /// `None` when the batch changed nothing.
    fn detail(self) -> Option<String> {
        let total = self.created + self.changed + self.events;
        (total > 0).then(|| {
            format!(
                "{total} changes: {} created, {} fields changed, {} events; sha256 of their kind/scope/entity/field lines: {}",
                self.created,
                self.changed,
                self.events,
                hex(&self.digest.finalize())
            )
        })
    }
}

/// An entry to append.
pub(crate) struct NewEntry<'a> {
    pub action: AuditAction,
    pub scope: Option<&'a str>,
    pub entity: Option<&'a str>,
    pub field: Option<&'a str>,
    pub detail: Option<&'a str>,
}

impl Writer<'_> {
    /// From now until commit, changes are not audited one by one but summed up in one entry
    /// (their count and a digest of what they touched), appended at commit. For imports:
    /// one entry per change would double an import's cost (ARCHITECTURE.md, "Audit trail").
    pub(crate) fn audit_as_batch(&mut self, action: AuditAction) {
        self.audit.batch = Some(Batch {
            action,
            created: 0,
            changed: 0,
            events: 0,
            digest: Sha256::new(),
        });
    }

    /// Audits one outbox change (called by [`Writer::append`] for every change it appends).
    pub(crate) fn audit_change(&mut self, change: &Change<'_>) -> Result<(), StoreError> {
        if let Some(batch) = &mut self.audit.batch {
            batch.add(change);
            return Ok(());
        }
        self.audit(NewEntry {
            action: AuditAction::of(change.kind),
            scope: Some(change.scope),
            entity: Some(change.entity),
            field: change.field,
            detail: None,
        })
    }

    /// Appends one entry to the chain.
    pub(crate) fn audit(&mut self, entry: NewEntry<'_>) -> Result<(), StoreError> {
        let (seq, prev_hash) = match self.audit.head.take() {
            Some(head) => head,
            None => read_head(self.tx)?,
        };
        let at = utc_millis(self.now_ms());
        let action = entry.action.as_str();
        let hash = entry_hash(&EntryFields {
            at: &at,
            staff: &self.audit.staff,
            action,
            scope: entry.scope,
            entity: entry.entity,
            field: entry.field,
            detail: entry.detail,
            prev_hash: &prev_hash,
        });
        let seq = seq + 1;
        self.tx
            .prepare_cached(
                "INSERT INTO audit_log (seq, at, staff, action, scope, entity, field, detail, prev_hash, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(rusqlite::params![
                seq,
                at,
                self.audit.staff,
                action,
                entry.scope,
                entry.entity,
                entry.field,
                entry.detail,
                prev_hash,
                hash,
            ])?;
        self.audit.head = Some((seq, hash));
        self.audit.wrote = true;
        Ok(())
    }

    /// Before commit: the batch's entry, then the new head.
    pub(crate) fn finish_audit(&mut self) -> Result<(), StoreError> {
        if let Some(batch) = self.audit.batch.take() {
            let action = batch.action;
            if let Some(detail) = batch.detail() {
                self.audit(NewEntry {
                    action,
                    scope: None,
                    entity: None,
                    field: None,
                    detail: Some(&detail),
                })?;
            }
        }
        if self.audit.wrote {
            if let Some((seq, hash)) = &self.audit.head {
                self.tx.execute(
                    "UPDATE audit_head SET seq = ?1, hash = ?2 WHERE id = 1",
                    (seq, hash),
                )?;
            }
        }
        Ok(())
    }
}

fn read_head(conn: &rusqlite::Connection) -> Result<(i64, String), StoreError> {
    conn.query_row("SELECT seq, hash FROM audit_head WHERE id = 1", [], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })
    .optional()?
    .ok_or_else(|| StoreError::Corrupt("the audit log has no head".into()))
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

/// What [`Store::verify_audit`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    /// Entries in the log.
    pub entries: u64,
    /// The newest entry as this store recorded it when writing it.
    pub head_seq: i64,
    pub head_hash: String,
    /// Empty when the log is intact.
    pub problems: Vec<AuditProblem>,
}

impl AuditReport {
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }
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

impl Store {
    /// Acts as `staff` from now on: the audit log names them for every later change, event
    /// and view. Until sign-in exists, a store acts as `device:<its id>`.
    pub fn act_as(&mut self, staff: &str) {
        self.staff = staff.to_string();
    }

    /// Who the audit log names for this store's actions.
    pub fn staff(&self) -> &str {
        &self.staff
    }

    /// Records that `staff` signed in on this device, and acts as them from now on.
    pub fn record_sign_in(&mut self, staff: &str) -> Result<(), StoreError> {
        self.act_as(staff);
        let mut w = Writer::begin(&self.conn, &self.staff)?;
        w.audit(NewEntry {
            action: AuditAction::SignIn,
            scope: None,
            entity: None,
            field: None,
            detail: None,
        })?;
        w.commit()
    }

    /// Records that need-to-know fields of individuals were shown: one entry per individual
    /// and field, naming them, never the value. Takes `&self`: reads that show such fields
    /// call it, and a read that cannot be audited fails.
    pub fn record_sensitive_view(&self, viewed: &[(&str, Field)]) -> Result<(), StoreError> {
        if viewed.is_empty() {
            return Ok(());
        }
        let mut w = Writer::begin(&self.conn, &self.staff)?;
        for (individual_no, field) in viewed {
            w.audit(NewEntry {
                action: AuditAction::ViewSensitive,
                scope: Some("individual"),
                entity: Some(individual_no),
                field: Some(field.column()),
                detail: None,
            })?;
        }
        w.commit()
    }

    /// Records an export of every record, with the count and what it included (`what`).
    pub(crate) fn record_export(&self, what: &str) -> Result<(), StoreError> {
        let individuals: i64 = self
            .conn
            .query_row("SELECT count(*) FROM individual", [], |r| r.get(0))?;
        let detail = format!("{individuals} individuals, {what}");
        let mut w = Writer::begin(&self.conn, &self.staff)?;
        w.audit(NewEntry {
            action: AuditAction::Export,
            scope: None,
            entity: None,
            field: None,
            detail: Some(&detail),
        })?;
        w.commit()
    }

    /// Entries after `after_seq`, oldest first, at most `limit` (for listing and for sync).
    pub fn audit_entries(
        &self,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, at, staff, action, scope, entity, field, detail, prev_hash, hash
             FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt.query_map((after_seq, limit), |r| {
            Ok(AuditEntry {
                seq: r.get(0)?,
                at: r.get(1)?,
                staff: r.get(2)?,
                action: r.get(3)?,
                scope: r.get(4)?,
                entity: r.get(5)?,
                field: r.get(6)?,
                detail: r.get(7)?,
                prev_hash: r.get(8)?,
                hash: r.get(9)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The newest entry's seq and hash as recorded when it was written (0 and
    /// [`GENESIS_HASH`] for an empty log): what a copy elsewhere can be compared with.
    pub fn audit_head(&self) -> Result<(i64, String), StoreError> {
        read_head(&self.conn)
    }

    /// Checks the whole audit log: every entry's hash, every link, the numbering, and the end
    /// against the recorded head. Reads only.
    pub fn verify_audit(&self) -> Result<AuditReport, StoreError> {
        let rows = self.audit_entries(i64::MIN, usize::MAX)?;
        let (head_seq, head_hash) = self.audit_head()?;
        let problems = verify_entries(&rows, head_seq, &head_hash);
        Ok(AuditReport {
            entries: rows.len() as u64,
            head_seq,
            head_hash,
            problems,
        })
    }
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
