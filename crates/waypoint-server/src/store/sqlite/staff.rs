//! Staff accounts and each site's policy.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use waypoint_domain::SitePolicy;

use crate::store::{
    NewStaff, ServerStoreError, StaffAccount, StaffCredential, StaffStore, name_key, to_i64,
    to_u32, to_u64,
};

use super::{SqliteStore, staff_rows};

#[async_trait]
impl StaffStore for SqliteStore {
    async fn add_staff(&self, s: NewStaff) -> Result<(), ServerStoreError> {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let site: Option<i64> = tx
                .query_row("SELECT 1 FROM site WHERE code = ?1", [&s.site], |r| {
                    r.get(0)
                })
                .optional()?;
            if site.is_none() {
                return Err(ServerStoreError::NoSuchSite(s.site));
            }
            let key = name_key(&s.name);
            let taken: Option<i64> = tx
                .query_row("SELECT 1 FROM staff WHERE name_key = ?1", [&key], |r| {
                    r.get(0)
                })
                .optional()?;
            if taken.is_some() {
                return Err(ServerStoreError::StaffExists(s.name));
            }
            let now = to_i64(s.now_ms)?;
            tx.execute(
                "INSERT INTO staff (name_key, name, site, role, pin_hash, disabled, version,
                                    created_ms, changed_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, 0, 1, ?6, ?6)",
                params![key, s.name, s.site, s.role, s.pin_hash, now],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn disable_staff(&self, name: &str, now_ms: u64) -> Result<(), ServerStoreError> {
        let name = name.trim().to_string();
        self.run(move |conn| {
            let n = conn.execute(
                "UPDATE staff SET version = version + (1 - disabled), changed_ms = ?1, disabled = 1
                 WHERE name_key = ?2",
                params![to_i64(now_ms)?, name_key(&name)],
            )?;
            if n == 0 {
                return Err(ServerStoreError::NoSuchStaff(name));
            }
            Ok(())
        })
        .await
    }

    async fn staff(&self) -> Result<Vec<StaffAccount>, ServerStoreError> {
        self.run(|conn| {
            staff_rows(
                conn,
                "SELECT name, site, role, disabled, version FROM staff ORDER BY name_key",
                [],
            )
        })
        .await
    }

    async fn staff_credential(
        &self,
        name: &str,
    ) -> Result<Option<StaffCredential>, ServerStoreError> {
        let key = name_key(name);
        self.run(move |conn| {
            let row: Option<(String, String, String, bool, i64, String)> = conn
                .query_row(
                    "SELECT name, site, role, disabled, version, pin_hash FROM staff WHERE name_key = ?1",
                    [&key],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
                )
                .optional()?;
            row.map(|(name, site, role, disabled, version, pin_hash)| {
                Ok(StaffCredential {
                    account: StaffAccount {
                        name,
                        site,
                        role,
                        disabled,
                        version: to_u64(version)?,
                    },
                    pin_hash,
                })
            })
            .transpose()
        })
        .await
    }

    async fn staff_of_sites(
        &self,
        sites: &[String],
    ) -> Result<Vec<StaffAccount>, ServerStoreError> {
        let sites = sites.to_vec();
        self.run(move |conn| {
            let mut all = Vec::new();
            for site in &sites {
                all.extend(staff_rows(
                    conn,
                    "SELECT name, site, role, disabled, version FROM staff WHERE site = ?1",
                    [site],
                )?);
            }
            all.sort_by_key(|a| name_key(&a.name));
            Ok(all)
        })
        .await
    }

    async fn set_site_policy(
        &self,
        code: &str,
        lease_days: Option<u32>,
        idle_minutes: Option<u32>,
    ) -> Result<SitePolicy, ServerStoreError> {
        let code = code.to_string();
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let n = tx.execute(
                "UPDATE site SET lease_days = COALESCE(?1, lease_days),
                                 idle_minutes = COALESCE(?2, idle_minutes)
                 WHERE code = ?3",
                params![lease_days, idle_minutes, code],
            )?;
            if n == 0 {
                return Err(ServerStoreError::NoSuchSite(code));
            }
            let (lease, idle): (i64, i64) = tx.query_row(
                "SELECT lease_days, idle_minutes FROM site WHERE code = ?1",
                [&code],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            tx.commit()?;
            Ok(SitePolicy {
                lease_days: to_u32(lease)?,
                idle_minutes: to_u32(idle)?,
            })
        })
        .await
    }

    async fn site_policies(&self) -> Result<Vec<(String, SitePolicy)>, ServerStoreError> {
        self.run(|conn| {
            let mut stmt =
                conn.prepare("SELECT code, lease_days, idle_minutes FROM site ORDER BY code")?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, i64>(2)?,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            rows.into_iter()
                .map(|(code, lease, idle)| {
                    Ok((
                        code,
                        SitePolicy {
                            lease_days: to_u32(lease)?,
                            idle_minutes: to_u32(idle)?,
                        },
                    ))
                })
                .collect()
        })
        .await
    }
}
