//! Staff accounts and each site's policy.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use waypoint_domain::SitePolicy;

use crate::store::{
    NewStaff, ServerStoreError, StaffAccount, StaffCredential, StaffStore, name_key, to_i64, to_u32,
};

use super::{PgStore, staff_row};

#[async_trait]
impl StaffStore for PgStore {
    async fn add_staff(&self, s: NewStaff) -> Result<(), ServerStoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        if tx
            .query_opt("SELECT 1 FROM site WHERE code = $1", &[&s.site])
            .await?
            .is_none()
        {
            return Err(ServerStoreError::NoSuchSite(s.site));
        }
        let now = to_i64(s.now_ms)?;
        let n = tx
            .execute(
                "INSERT INTO staff (name_key, name, site, role, pin_hash, disabled, version,
                                    created_ms, changed_ms)
                 VALUES ($1, $2, $3, $4, $5, FALSE, 1, $6, $6) ON CONFLICT (name_key) DO NOTHING",
                &[
                    &name_key(&s.name),
                    &s.name,
                    &s.site,
                    &s.role,
                    &s.pin_hash,
                    &now,
                ],
            )
            .await?;
        if n == 0 {
            return Err(ServerStoreError::StaffExists(s.name));
        }
        tx.commit().await?;
        Ok(())
    }

    async fn disable_staff(&self, name: &str, now_ms: u64) -> Result<(), ServerStoreError> {
        let client = self.pool.get().await?;
        let n = client
            .execute(
                "UPDATE staff SET version = version + CASE WHEN disabled THEN 0 ELSE 1 END,
                        changed_ms = $1, disabled = TRUE
                 WHERE name_key = $2",
                &[&to_i64(now_ms)?, &name_key(name)],
            )
            .await?;
        if n == 0 {
            return Err(ServerStoreError::NoSuchStaff(name.trim().to_string()));
        }
        Ok(())
    }

    async fn staff(&self) -> Result<Vec<StaffAccount>, ServerStoreError> {
        let client = self.pool.get().await?;
        client
            .query(
                "SELECT name, site, role, disabled, version FROM staff ORDER BY name_key",
                &[],
            )
            .await?
            .iter()
            .map(staff_row)
            .collect()
    }

    async fn staff_credential(
        &self,
        name: &str,
    ) -> Result<Option<StaffCredential>, ServerStoreError> {
        let client = self.pool.get().await?;
        let row = client
            .query_opt(
                "SELECT name, site, role, disabled, version, pin_hash FROM staff WHERE name_key = $1",
                &[&name_key(name)],
            )
            .await?;
        row.map(|r| {
            Ok(StaffCredential {
                account: staff_row(&r)?,
                pin_hash: r.get(5),
            })
        })
        .transpose()
    }

    async fn staff_of_sites(
        &self,
        sites: &[String],
    ) -> Result<Vec<StaffAccount>, ServerStoreError> {
        let client = self.pool.get().await?;
        client
            .query(
                "SELECT name, site, role, disabled, version FROM staff WHERE site = ANY($1)
                 ORDER BY name_key",
                &[&sites],
            )
            .await?
            .iter()
            .map(staff_row)
            .collect()
    }

    async fn set_site_policy(
        &self,
        code: &str,
        lease_days: Option<u32>,
        idle_minutes: Option<u32>,
    ) -> Result<SitePolicy, ServerStoreError> {
        let client = self.pool.get().await?;
        let lease = lease_days.map(i64::from);
        let idle = idle_minutes.map(i64::from);
        let row = client
            .query_opt(
                "UPDATE site SET lease_days = COALESCE($1, lease_days),
                                 idle_minutes = COALESCE($2, idle_minutes)
                 WHERE code = $3 RETURNING lease_days, idle_minutes",
                &[&lease, &idle, &code],
            )
            .await?;
        let Some(row) = row else {
            return Err(ServerStoreError::NoSuchSite(code.to_string()));
        };
        Ok(SitePolicy {
            lease_days: to_u32(row.get(0))?,
            idle_minutes: to_u32(row.get(1))?,
        })
    }

    async fn site_policies(&self) -> Result<Vec<(String, SitePolicy)>, ServerStoreError> {
        let client = self.pool.get().await?;
        client
            .query(
                "SELECT code, lease_days, idle_minutes FROM site ORDER BY code",
                &[],
            )
            .await?
            .iter()
            .map(|r| {
                Ok((
                    r.get(0),
                    SitePolicy {
                        lease_days: to_u32(r.get(1))?,
                        idle_minutes: to_u32(r.get(2))?,
                    },
                ))
            })
            .collect()
    }
}
