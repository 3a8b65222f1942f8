//! The server's copy of each device's audit log.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use uuid::Uuid;
use waypoint_protocol::AuditRecord;

use crate::store::{AuditStore, ServerStoreError};

use super::{PgStore, uuid};

#[async_trait]
impl AuditStore for PgStore {
    async fn audit_log(
        &self,
        device: Uuid,
        after: i64,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, ServerStoreError> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                "SELECT seq, at, staff, action, scope, entity, field, detail, prev_hash, hash
                 FROM audit_entry WHERE device_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                &[&device.to_string(), &after, &i64::from(limit)],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| AuditRecord {
                seq: r.get(0),
                at: r.get(1),
                staff: r.get(2),
                action: r.get(3),
                scope: r.get(4),
                entity: r.get(5),
                field: r.get(6),
                detail: r.get(7),
                prev_hash: r.get(8),
                hash: r.get(9),
            })
            .collect())
    }

    async fn append_audit(
        &self,
        device: Uuid,
        entries: Vec<AuditRecord>,
        now_ms: u64,
    ) -> Result<(), ServerStoreError> {
        let now = i64::try_from(now_ms).unwrap_or(i64::MAX);
        let id = device.to_string();
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let insert = tx
            .prepare(
                "INSERT INTO audit_entry (device_id, seq, at, staff, action, scope, entity,
                     field, detail, prev_hash, hash, received_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .await?;
        for e in &entries {
            tx.execute(
                &insert,
                &[
                    &id,
                    &e.seq,
                    &e.at,
                    &e.staff,
                    &e.action,
                    &e.scope,
                    &e.entity,
                    &e.field,
                    &e.detail,
                    &e.prev_hash,
                    &e.hash,
                    &now,
                ],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn audit_head(&self, device: Uuid) -> Result<Option<(i64, String)>, ServerStoreError> {
        let client = self.pool.get().await?;
        Ok(client
            .query_opt(
                "SELECT seq, hash FROM audit_entry WHERE device_id = $1
                 ORDER BY seq DESC LIMIT 1",
                &[&device.to_string()],
            )
            .await?
            .map(|r| (r.get(0), r.get(1))))
    }

    async fn audited_devices(&self) -> Result<Vec<Uuid>, ServerStoreError> {
        let client = self.pool.get().await?;
        client
            .query(
                "SELECT DISTINCT device_id FROM audit_entry ORDER BY device_id",
                &[],
            )
            .await?
            .iter()
            .map(|r| uuid(r.get(0)))
            .collect()
    }
}
