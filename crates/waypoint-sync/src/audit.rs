//! The device's audit log, sent to the server after the data: the entries it does not hold.

use waypoint_protocol as wire;
use waypoint_store::Store;

use crate::error::SyncError;
use crate::http::Session;
use crate::report::SyncReport;

/// Sends the audit entries the server does not hold yet, in batches, and records how far it
/// holds them. A refusal (HTTP 422: the entries do not continue the server's copy of the chain)
/// is reported, not an error: the data has synced, and HQ must look at this laptop.
pub(crate) fn push_audit_log(
    store: &Store,
    session: &Session,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    loop {
        let after = store.audit_pushed()?;
        let entries = store.audit_entries(after, wire::AUDIT_BATCH)?;
        if entries.is_empty() {
            return Ok(());
        }
        let count = entries.len() as u64;
        let push = wire::AuditPush {
            entries: entries
                .into_iter()
                .map(|e| wire::AuditRecord {
                    seq: e.seq,
                    at: e.at,
                    staff: e.staff,
                    action: e.action,
                    scope: e.scope,
                    entity: e.entity,
                    field: e.field,
                    detail: e.detail,
                    prev_hash: e.prev_hash,
                    hash: e.hash,
                })
                .collect(),
        };
        let (ack, sent, received) = match session.push_audit(&push) {
            Ok(answer) => answer,
            Err(SyncError::Server {
                status: 422,
                message,
            }) => {
                report.audit_refused = Some(message);
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        report.round_trips += 1;
        report.bytes_sent += sent;
        report.bytes_received += received;
        report.audit_sent += count;
        if ack.held_seq <= after {
            // The server holds no more than before: stop rather than send the same again.
            return Ok(());
        }
        store.set_audit_pushed(ack.held_seq)?;
    }
}
