//! The server's copy of each device's audit log.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, TransactionBehavior};
use uuid::Uuid;
use waypoint_protocol::AuditRecord;

use crate::store::{AuditStore, ServerStoreError};

use super::{SqliteStore, uuid};

#[async_trait]
impl AuditStore for SqliteStore {
    async fn audit_log(
        &self,
        device: Uuid,
        after: i64,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, ServerStoreError> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT seq, at, staff, action, scope, entity, field, detail, prev_hash, hash
                 FROM audit_entry WHERE device_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
            )?;
            let rows = stmt
                .query_map((device.to_string(), after, limit), |r| {
                    Ok(AuditRecord {
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
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn append_audit(
        &self,
        device: Uuid,
        entries: Vec<AuditRecord>,
        now_ms: u64,
    ) -> Result<(), ServerStoreError> {
        let now = i64::try_from(now_ms).unwrap_or(i64::MAX);
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            {
                let mut insert = tx.prepare_cached(
                    "INSERT INTO audit_entry (device_id, seq, at, staff, action, scope, entity,
                         field, detail, prev_hash, hash, received_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                )?;
                let id = device.to_string();
                for e in &entries {
                    insert.execute(rusqlite::params![
                        id,
                        e.seq,
                        e.at,
                        e.staff,
                        e.action,
                        e.scope,
                        e.entity,
                        e.field,
                        e.detail,
                        e.prev_hash,
                        e.hash,
                        now
                    ])?;
                }
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn audit_head(&self, device: Uuid) -> Result<Option<(i64, String)>, ServerStoreError> {
        self.run(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT seq, hash FROM audit_entry WHERE device_id = ?1
                     ORDER BY seq DESC LIMIT 1",
                    [device.to_string()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?)
        })
        .await
    }

    async fn audited_devices(&self) -> Result<Vec<Uuid>, ServerStoreError> {
        self.run(|conn| {
            let mut stmt =
                conn.prepare("SELECT DISTINCT device_id FROM audit_entry ORDER BY device_id")?;
            let ids = stmt
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            ids.into_iter().map(uuid).collect()
        })
        .await
    }
}
