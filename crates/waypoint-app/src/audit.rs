//! The tamper-evident audit trail: who changed, recorded or viewed what. It says whose
//! need-to-know fields were viewed and changed, so reading it takes the same right as checking it.

use waypoint_domain::{Action, Role};
use waypoint_store::Store;
pub use waypoint_store::{AuditEntry, AuditProblem, AuditProblemKind, AuditReport};

use crate::AppError;

/// Checks that no entry was altered, removed, reordered or inserted.
pub fn verify(store: &Store, role: Role) -> Result<AuditReport, AppError> {
    store.require(role, Action::VerifyAudit)?;
    Ok(store.verify_audit()?)
}

/// At most `limit` entries after entry `after`, oldest first.
pub fn entries(
    store: &Store,
    role: Role,
    after: i64,
    limit: usize,
) -> Result<Vec<AuditEntry>, AppError> {
    store.require(role, Action::VerifyAudit)?;
    Ok(store.audit_entries(after, limit)?)
}
