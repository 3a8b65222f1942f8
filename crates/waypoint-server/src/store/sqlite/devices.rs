//! Sites and devices: enrolment, revocation, and what a device's credentials unlock.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use uuid::Uuid;
use waypoint_protocol::RevokeReason;

use crate::store::{
    Device, DeviceInfo, DeviceRecovery, DeviceState, DeviceStore, NewDevice, ServerStoreError,
    revocation, to_i64, to_u64,
};

use super::{SqliteStore, device_row, sites_of, uuid};

#[async_trait]
impl DeviceStore for SqliteStore {
    async fn add_site(&self, code: &str, name: &str, now_ms: u64) -> Result<(), ServerStoreError> {
        let (code, name) = (code.to_string(), name.to_string());
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let exists: Option<i64> = tx
                .query_row("SELECT 1 FROM site WHERE code = ?1", [&code], |r| r.get(0))
                .optional()?;
            if exists.is_some() {
                return Err(ServerStoreError::SiteExists(code));
            }
            tx.execute(
                "INSERT INTO site (code, name, created_ms) VALUES (?1, ?2, ?3)",
                params![code, name, to_i64(now_ms)?],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn sites(&self) -> Result<Vec<(String, String)>, ServerStoreError> {
        self.run(|conn| {
            let mut stmt = conn.prepare("SELECT code, name FROM site ORDER BY code")?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn add_device(&self, d: NewDevice) -> Result<(), ServerStoreError> {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let site: Option<i64> = tx
                .query_row("SELECT 1 FROM site WHERE code = ?1", [&d.site], |r| {
                    r.get(0)
                })
                .optional()?;
            if site.is_none() {
                return Err(ServerStoreError::NoSuchSite(d.site));
            }
            let taken: Option<i64> = tx
                .query_row("SELECT 1 FROM device WHERE name = ?1", [&d.name], |r| {
                    r.get(0)
                })
                .optional()?;
            if taken.is_some() {
                return Err(ServerStoreError::DeviceExists(d.name));
            }
            tx.execute(
                "INSERT INTO device (id, name, enrol_code_hash, enrol_expires_ms, created_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    d.id.to_string(),
                    d.name,
                    d.code_hash,
                    to_i64(d.expires_ms)?,
                    to_i64(d.now_ms)?
                ],
            )?;
            tx.execute(
                "INSERT INTO device_site (device_id, site) VALUES (?1, ?2)",
                params![d.id.to_string(), d.site],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn devices(&self) -> Result<Vec<DeviceInfo>, ServerStoreError> {
        self.run(|conn| {
            let mut stmt = conn.prepare(
                "SELECT id, name, enrol_expires_ms, token_hash IS NOT NULL, revoked_ms,
                        last_client_seq, revoked_reason
                 FROM device ORDER BY name",
            )?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<i64>>(2)?,
                        r.get::<_, bool>(3)?,
                        revocation(r.get(4)?, r.get::<_, Option<String>>(6)?.as_deref()),
                        r.get::<_, i64>(5)?,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            rows.into_iter()
                .map(|(id, name, expires, enrolled, revoked, last)| {
                    let state = if let Some(reason) = revoked {
                        DeviceState::Revoked(reason)
                    } else if enrolled {
                        DeviceState::Active
                    } else {
                        DeviceState::Pending {
                            expires_ms: to_u64(expires.unwrap_or(0))?,
                        }
                    };
                    Ok(DeviceInfo {
                        sites: sites_of(conn, &id)?,
                        id: uuid(id)?,
                        name,
                        state,
                        last_client_seq: to_u64(last)?,
                    })
                })
                .collect()
        })
        .await
    }

    async fn revoke_device(
        &self,
        name: &str,
        reason: RevokeReason,
        now_ms: u64,
    ) -> Result<(), ServerStoreError> {
        let name = name.to_string();
        self.run(move |conn| {
            let n = conn.execute(
                "UPDATE device SET revoked_ms = COALESCE(revoked_ms, ?1), revoked_reason = ?3,
                                   enrol_code_hash = NULL
                 WHERE name = ?2",
                params![to_i64(now_ms)?, name, reason.as_str()],
            )?;
            if n == 0 {
                return Err(ServerStoreError::NoSuchDevice(name));
            }
            Ok(())
        })
        .await
    }

    async fn enrol_with(
        &self,
        code_hash: &str,
        token_hash: &str,
        recovery: Option<DeviceRecovery>,
        now_ms: u64,
    ) -> Result<Option<Device>, ServerStoreError> {
        let (code_hash, token_hash) = (code_hash.to_string(), token_hash.to_string());
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let row: Option<(String, String, i64, i64)> = tx
                .query_row(
                    "SELECT id, name, enrol_expires_ms, last_client_seq FROM device
                     WHERE enrol_code_hash = ?1 AND revoked_ms IS NULL AND token_hash IS NULL",
                    [&code_hash],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?;
            let Some((id, name, expires, last)) = row else {
                return Ok(None);
            };
            if to_u64(expires)? < now_ms {
                return Ok(None);
            }
            tx.execute(
                "UPDATE device SET token_hash = ?1, enrolled_ms = ?2, enrol_code_hash = NULL,
                        signin_token_hash = ?4, recovery_secret = ?5
                 WHERE id = ?3",
                params![
                    token_hash,
                    to_i64(now_ms)?,
                    id,
                    recovery.as_ref().map(|r| r.signin_token_hash.as_str()),
                    recovery.as_ref().map(|r| r.recovery_secret.as_str())
                ],
            )?;
            let device = device_row(&tx, id, name, last, None)?;
            tx.commit()?;
            Ok(Some(device))
        })
        .await
    }

    async fn device_by_sign_in_token(
        &self,
        signin_token_hash: &str,
    ) -> Result<Option<Device>, ServerStoreError> {
        let hash = signin_token_hash.to_string();
        self.run(move |conn| {
            let row: Option<(String, String, i64)> = conn
                .query_row(
                    "SELECT id, name, last_client_seq FROM device
                     WHERE signin_token_hash = ?1 AND token_hash IS NOT NULL AND revoked_ms IS NULL",
                    [&hash],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            row.map(|(id, name, last)| device_row(conn, id, name, last, None))
                .transpose()
        })
        .await
    }

    async fn device_by_token(&self, token_hash: &str) -> Result<Option<Device>, ServerStoreError> {
        let token_hash = token_hash.to_string();
        self.run(move |conn| {
            let row: Option<(String, String, i64, Option<RevokeReason>)> = conn
                .query_row(
                    "SELECT id, name, last_client_seq, revoked_ms, revoked_reason FROM device
                     WHERE token_hash = ?1",
                    [&token_hash],
                    |r| {
                        Ok((
                            r.get(0)?,
                            r.get(1)?,
                            r.get(2)?,
                            revocation(r.get(3)?, r.get::<_, Option<String>>(4)?.as_deref()),
                        ))
                    },
                )
                .optional()?;
            row.map(|(id, name, last, revoked)| device_row(conn, id, name, last, revoked))
                .transpose()
        })
        .await
    }

    async fn recovery_secret(&self, device: &Device) -> Result<Option<String>, ServerStoreError> {
        let id = device.id.to_string();
        self.run(move |conn| {
            let secret: Option<Option<String>> = conn
                .query_row(
                    "SELECT recovery_secret FROM device WHERE id = ?1 AND revoked_ms IS NULL",
                    [&id],
                    |r| r.get(0),
                )
                .optional()?;
            Ok(secret.flatten())
        })
        .await
    }

    async fn recovery_secrets(&self) -> Result<Vec<(Uuid, String)>, ServerStoreError> {
        self.run(|conn| {
            let mut stmt = conn.prepare(
                "SELECT id, recovery_secret FROM device WHERE recovery_secret IS NOT NULL",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?)))?;
            rows.map(|row| {
                let (id, secret) = row?;
                let id = Uuid::parse_str(&id)
                    .map_err(|_| ServerStoreError::Corrupt("a device id is not a UUID".into()))?;
                Ok((id, secret))
            })
            .collect()
        })
        .await
    }

    async fn replace_recovery_secrets(
        &self,
        secrets: Vec<(Uuid, String, String)>,
    ) -> Result<(), ServerStoreError> {
        self.run(move |conn| {
            // The old values are overwritten with zeros rather than left in free space.
            conn.execute_batch("PRAGMA secure_delete = ON")?;
            let result = (|| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                for (id, old, new) in &secrets {
                    tx.execute(
                        "UPDATE device SET recovery_secret = ?1
                         WHERE id = ?2 AND recovery_secret = ?3",
                        params![new, id.to_string(), old],
                    )?;
                }
                tx.commit()?;
                Ok::<_, ServerStoreError>(())
            })();
            conn.execute_batch("PRAGMA secure_delete = OFF")?;
            result?;
            // Pages that held the old values may still sit in the log: write it back, empty.
            let _: (i64, i64, i64) =
                conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?;
            Ok(())
        })
        .await
    }
}
