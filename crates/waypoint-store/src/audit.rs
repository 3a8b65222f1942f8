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
//! copy held elsewhere: the server's, once the log is synced (docs/audit-trail.md).

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::OptionalExtension;
use serde::Serialize;
use sha2::{Digest, Sha256};
use waypoint_domain::Field;
pub use waypoint_domain::audit_chain::{
    AuditEntry, AuditProblem, AuditProblemKind, GENESIS_HASH, verify_entries,
};
use waypoint_domain::audit_chain::{EntryFields, entry_hash, hex};

use crate::outbox_kind::OutboxKind;
use crate::{Change, Store, StoreError, Writer};

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
    /// The device's enrolment with a server replaced, or refused (`detail` says which).
    Enrol,
    /// A change the server refused, dismissed by a supervisor (`detail` is its number).
    DismissRefused,
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
            Self::Enrol => "enrol",
            Self::DismissRefused => "dismiss_refused",
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
            change.scope.as_str(),
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
    /// one entry per change would double an import's cost (docs/audit-trail.md).
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
            scope: Some(change.scope.as_str()),
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

    /// How far the server holds this device's audit log (the last entry it acknowledged).
    pub fn audit_pushed(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT pushed_seq FROM audit_head WHERE id = 1", [], |r| {
                r.get(0)
            })?)
    }

    /// Records that the server holds the log up to entry `seq` (never moves back).
    pub fn set_audit_pushed(&self, seq: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE audit_head SET pushed_seq = max(pushed_seq, ?1) WHERE id = 1",
            [seq],
        )?;
        Ok(())
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
