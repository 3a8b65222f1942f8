//! Failed attempts at an enrolment code or a PIN, counted against guessing.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use uuid::Uuid;

use crate::store::{AttemptStore, FailureKind, ServerStoreError, to_i64};

use super::PgStore;

#[async_trait]
impl AttemptStore for PgStore {
    async fn failures_since(
        &self,
        kind: FailureKind,
        key_hash: &str,
        since_ms: u64,
    ) -> Result<u32, ServerStoreError> {
        let client = self.pool.get().await?;
        let n: i64 = client
            .query_one(
                "SELECT COUNT(*) FROM auth_failure WHERE kind = $1 AND key = $2 AND at_ms >= $3",
                &[&kind.as_str(), &key_hash, &to_i64(since_ms)?],
            )
            .await?
            .get(0);
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    async fn record_failure(
        &self,
        kind: FailureKind,
        key_hash: &str,
        now_ms: u64,
        forget_before_ms: u64,
    ) -> Result<(), ServerStoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        tx.execute(
            "DELETE FROM auth_failure WHERE at_ms < $1",
            &[&to_i64(forget_before_ms)?],
        )
        .await?;
        tx.execute(
            "INSERT INTO auth_failure (kind, key, at_ms) VALUES ($1, $2, $3)",
            &[&kind.as_str(), &key_hash, &to_i64(now_ms)?],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn clear_failures(
        &self,
        kind: FailureKind,
        key_hash: &str,
    ) -> Result<(), ServerStoreError> {
        let client = self.pool.get().await?;
        client
            .execute(
                "DELETE FROM auth_failure WHERE kind = $1 AND key = $2",
                &[&kind.as_str(), &key_hash],
            )
            .await?;
        Ok(())
    }

    async fn reserve_attempt(
        &self,
        keys: &[(FailureKind, String)],
        max: u32,
        now_ms: u64,
        since_ms: u64,
    ) -> Result<Option<String>, ServerStoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        // This mode conflicts with itself: reservations from every server process on this
        // database count one after the other, while plain reads go on.
        tx.batch_execute("LOCK TABLE auth_failure IN SHARE ROW EXCLUSIVE MODE")
            .await?;
        let since = to_i64(since_ms)?;
        tx.execute("DELETE FROM auth_failure WHERE at_ms < $1", &[&since])
            .await?;
        for (kind, key) in keys {
            let n: i64 = tx
                .query_one(
                    "SELECT COUNT(*) FROM auth_failure WHERE kind = $1 AND key = $2 AND at_ms >= $3",
                    &[&kind.as_str(), key, &since],
                )
                .await?
                .get(0);
            if n >= i64::from(max) {
                tx.commit().await?;
                return Ok(None);
            }
        }
        let attempt = Uuid::now_v7().to_string();
        for (kind, key) in keys {
            tx.execute(
                "INSERT INTO auth_failure (kind, key, at_ms, attempt) VALUES ($1, $2, $3, $4)",
                &[&kind.as_str(), key, &to_i64(now_ms)?, &attempt],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(Some(attempt))
    }

    async fn release_attempt(&self, attempt: &str) -> Result<(), ServerStoreError> {
        let client = self.pool.get().await?;
        client
            .execute("DELETE FROM auth_failure WHERE attempt = $1", &[&attempt])
            .await?;
        Ok(())
    }
}
