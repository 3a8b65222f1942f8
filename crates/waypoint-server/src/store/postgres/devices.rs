//! Sites and devices: enrolment, revocation, and what a device's credentials unlock.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use uuid::Uuid;
use waypoint_protocol::RevokeReason;

use crate::store::{
    Device, DeviceInfo, DeviceRecovery, DeviceState, DeviceStore, NewDevice, ServerStoreError,
    revocation, to_i64, to_u64,
};

use super::{PgStore, device_row, sites_of, uuid};

#[async_trait]
impl DeviceStore for PgStore {
    async fn add_site(&self, code: &str, name: &str, now_ms: u64) -> Result<(), ServerStoreError> {
        let client = self.pool.get().await?;
        let n = client
            .execute(
                "INSERT INTO site (code, name, created_ms) VALUES ($1, $2, $3)
                 ON CONFLICT (code) DO NOTHING",
                &[&code, &name, &to_i64(now_ms)?],
            )
            .await?;
        if n == 0 {
            return Err(ServerStoreError::SiteExists(code.to_string()));
        }
        Ok(())
    }

    async fn sites(&self) -> Result<Vec<(String, String)>, ServerStoreError> {
        let client = self.pool.get().await?;
        Ok(client
            .query("SELECT code, name FROM site ORDER BY code", &[])
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }

    async fn add_device(&self, d: NewDevice) -> Result<(), ServerStoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        if tx
            .query_opt("SELECT 1 FROM site WHERE code = $1", &[&d.site])
            .await?
            .is_none()
        {
            return Err(ServerStoreError::NoSuchSite(d.site));
        }
        let id = d.id.to_string();
        let n = tx
            .execute(
                "INSERT INTO device (id, name, enrol_code_hash, enrol_expires_ms, created_ms)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING",
                &[
                    &id,
                    &d.name,
                    &d.code_hash,
                    &to_i64(d.expires_ms)?,
                    &to_i64(d.now_ms)?,
                ],
            )
            .await?;
        if n == 0 {
            return Err(ServerStoreError::DeviceExists(d.name));
        }
        tx.execute(
            "INSERT INTO device_site (device_id, site) VALUES ($1, $2)",
            &[&id, &d.site],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn devices(&self) -> Result<Vec<DeviceInfo>, ServerStoreError> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                "SELECT id, name, enrol_expires_ms, token_hash IS NOT NULL, revoked_ms,
                        last_client_seq, revoked_reason
                 FROM device ORDER BY name",
                &[],
            )
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let id: String = r.get(0);
            let state = if let Some(reason) = revocation(r.get(4), r.get::<_, Option<&str>>(6)) {
                DeviceState::Revoked(reason)
            } else if r.get::<_, bool>(3) {
                DeviceState::Active
            } else {
                DeviceState::Pending {
                    expires_ms: to_u64(r.get::<_, Option<i64>>(2).unwrap_or(0))?,
                }
            };
            out.push(DeviceInfo {
                sites: sites_of(&client, &id).await?,
                id: uuid(&id)?,
                name: r.get(1),
                state,
                last_client_seq: to_u64(r.get(5))?,
            });
        }
        Ok(out)
    }

    async fn revoke_device(
        &self,
        name: &str,
        reason: RevokeReason,
        now_ms: u64,
    ) -> Result<(), ServerStoreError> {
        let client = self.pool.get().await?;
        let n = client
            .execute(
                "UPDATE device SET revoked_ms = COALESCE(revoked_ms, $1), revoked_reason = $3,
                                   enrol_code_hash = NULL
                 WHERE name = $2",
                &[&to_i64(now_ms)?, &name, &reason.as_str()],
            )
            .await?;
        if n == 0 {
            return Err(ServerStoreError::NoSuchDevice(name.to_string()));
        }
        Ok(())
    }

    async fn enrol_with(
        &self,
        code_hash: &str,
        token_hash: &str,
        recovery: Option<DeviceRecovery>,
        now_ms: u64,
    ) -> Result<Option<Device>, ServerStoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let row = tx
            .query_opt(
                "SELECT id, name, enrol_expires_ms, last_client_seq FROM device
                 WHERE enrol_code_hash = $1 AND revoked_ms IS NULL AND token_hash IS NULL
                 FOR UPDATE",
                &[&code_hash],
            )
            .await?;
        let Some(row) = row else { return Ok(None) };
        let expires: Option<i64> = row.get(2);
        if to_u64(expires.unwrap_or(0))? < now_ms {
            return Ok(None);
        }
        let id: String = row.get(0);
        let signin_hash = recovery.as_ref().map(|r| r.signin_token_hash.as_str());
        let secret = recovery.as_ref().map(|r| r.recovery_secret.as_str());
        tx.execute(
            "UPDATE device SET token_hash = $1, enrolled_ms = $2, enrol_code_hash = NULL,
                    signin_token_hash = $4, recovery_secret = $5
             WHERE id = $3",
            &[&token_hash, &to_i64(now_ms)?, &id, &signin_hash, &secret],
        )
        .await?;
        let device = device_row(&tx, id, row.get(1), row.get(3), None).await?;
        tx.commit().await?;
        Ok(Some(device))
    }

    async fn device_by_sign_in_token(
        &self,
        signin_token_hash: &str,
    ) -> Result<Option<Device>, ServerStoreError> {
        let client = self.pool.get().await?;
        let row = client
            .query_opt(
                "SELECT id, name, last_client_seq FROM device
                 WHERE signin_token_hash = $1 AND token_hash IS NOT NULL AND revoked_ms IS NULL",
                &[&signin_token_hash],
            )
            .await?;
        match row {
            Some(r) => Ok(Some(
                device_row(&client, r.get(0), r.get(1), r.get(2), None).await?,
            )),
            None => Ok(None),
        }
    }

    async fn device_by_token(&self, token_hash: &str) -> Result<Option<Device>, ServerStoreError> {
        let client = self.pool.get().await?;
        let row = client
            .query_opt(
                "SELECT id, name, last_client_seq, revoked_ms, revoked_reason FROM device
                 WHERE token_hash = $1",
                &[&token_hash],
            )
            .await?;
        match row {
            Some(r) => {
                let revoked = revocation(r.get(3), r.get::<_, Option<&str>>(4));
                Ok(Some(
                    device_row(&client, r.get(0), r.get(1), r.get(2), revoked).await?,
                ))
            }
            None => Ok(None),
        }
    }

    async fn recovery_secret(&self, device: &Device) -> Result<Option<String>, ServerStoreError> {
        let client = self.pool.get().await?;
        let row = client
            .query_opt(
                "SELECT recovery_secret FROM device WHERE id = $1 AND revoked_ms IS NULL",
                &[&device.id.to_string()],
            )
            .await?;
        Ok(row.and_then(|r| r.get::<_, Option<String>>(0)))
    }

    async fn recovery_secrets(&self) -> Result<Vec<(Uuid, String)>, ServerStoreError> {
        let client = self.pool.get().await?;
        client
            .query(
                "SELECT id, recovery_secret FROM device WHERE recovery_secret IS NOT NULL",
                &[],
            )
            .await?
            .into_iter()
            .map(|r| {
                let id = Uuid::parse_str(r.get::<_, &str>(0))
                    .map_err(|_| ServerStoreError::Corrupt("a device id is not a UUID".into()))?;
                Ok((id, r.get(1)))
            })
            .collect()
    }

    async fn replace_recovery_secrets(
        &self,
        secrets: Vec<(Uuid, String, String)>,
    ) -> Result<(), ServerStoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        for (id, old, new) in &secrets {
            tx.execute(
                "UPDATE device SET recovery_secret = $1 WHERE id = $2 AND recovery_secret = $3",
                &[new, &id.to_string(), old],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
