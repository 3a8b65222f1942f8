//! The device's enrolment with a server, as the store keeps it: the server, the credential,
//! and what a new enrolment starts afresh (the pull cursor, the lease, how far the server
//! holds the audit log, the staff directory, which then comes from HQ).

use chrono::Utc;

use crate::audit::{AuditAction, NewEntry};
use crate::{Store, StoreError};

impl Store {
    /// Remembers the server and this device's credential after enrolment, in one transaction
    /// with what the enrolment starts afresh:
    ///
    /// - the pull cursor (0) and the lease (the enrolment counts as a sync until the first);
    /// - how far the server holds the audit log (0): the server knows this device id's chain
    ///   from nothing, so the whole log is sent again; without this every later audit push of
    ///   a device enrolled again would be refused;
    /// - the staff accounts made on this device before it was enrolled are disabled: HQ owns
    ///   the directory of an enrolled device, and its sync brings the accounts that work here.
    pub fn set_enrolment(
        &mut self,
        server_url: &str,
        server_device_id: &str,
        device_name: &str,
        token: &str,
    ) -> Result<(), StoreError> {
        let w = self.write()?;
        w.tx.execute(
            "UPDATE sync_state SET server_url = ?1, server_device_id = ?2, device_name = ?3,
                                   token = ?4, cursor = 0, enrolled_at = ?5 WHERE id = 1",
            (
                server_url,
                server_device_id,
                device_name,
                token,
                Utc::now().to_rfc3339(),
            ),
        )?;
        w.tx.execute("UPDATE audit_head SET pushed_seq = 0 WHERE id = 1", [])?;
        w.tx.execute("UPDATE staff SET disabled = 1 WHERE source = 'local'", [])?;
        w.commit()
    }

    /// Audits an enrolment that was replaced or refused (`detail` says which, and the
    /// servers' addresses; never a credential).
    pub fn record_enrolment(&mut self, detail: &str) -> Result<(), StoreError> {
        let mut w = self.write()?;
        w.audit(NewEntry {
            action: AuditAction::Enrol,
            scope: None,
            entity: None,
            field: None,
            detail: Some(detail),
        })?;
        w.commit()
    }
}
