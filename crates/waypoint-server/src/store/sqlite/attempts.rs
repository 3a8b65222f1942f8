//! Failed attempts at an enrolment code or a PIN, counted against guessing.

use async_trait::async_trait;
use rusqlite::{TransactionBehavior, params};
use uuid::Uuid;

use crate::store::{AttemptStore, FailureKind, ServerStoreError, to_i64};

use super::SqliteStore;

#[async_trait]
impl AttemptStore for SqliteStore {
    async fn failures_since(
        &self,
        kind: FailureKind,
        key_hash: &str,
        since_ms: u64,
    ) -> Result<u32, ServerStoreError> {
        let key = key_hash.to_string();
        self.run(move |conn| {
            let n: i64 = conn.query_row(
                "SELECT COUNT(*) FROM auth_failure WHERE kind = ?1 AND key = ?2 AND at_ms >= ?3",
                params![kind.as_str(), key, to_i64(since_ms)?],
                |r| r.get(0),
            )?;
            Ok(u32::try_from(n).unwrap_or(u32::MAX))
        })
        .await
    }

    async fn record_failure(
        &self,
        kind: FailureKind,
        key_hash: &str,
        now_ms: u64,
        forget_before_ms: u64,
    ) -> Result<(), ServerStoreError> {
        let key = key_hash.to_string();
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "DELETE FROM auth_failure WHERE at_ms < ?1",
                [to_i64(forget_before_ms)?],
            )?;
            tx.execute(
                "INSERT INTO auth_failure (kind, key, at_ms) VALUES (?1, ?2, ?3)",
                params![kind.as_str(), key, to_i64(now_ms)?],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn clear_failures(
        &self,
        kind: FailureKind,
        key_hash: &str,
    ) -> Result<(), ServerStoreError> {
        let key = key_hash.to_string();
        self.run(move |conn| {
            conn.execute(
                "DELETE FROM auth_failure WHERE kind = ?1 AND key = ?2",
                params![kind.as_str(), key],
            )?;
            Ok(())
        })
        .await
    }

    async fn reserve_attempt(
        &self,
        keys: &[(FailureKind, String)],
        max: u32,
        now_ms: u64,
        since_ms: u64,
    ) -> Result<Option<String>, ServerStoreError> {
        let keys = keys.to_vec();
        self.run(move |conn| {
            // IMMEDIATE: the write lock is taken before counting, so no other process or
            // connection counts between this count and this insert.
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "DELETE FROM auth_failure WHERE at_ms < ?1",
                [to_i64(since_ms)?],
            )?;
            for (kind, key) in &keys {
                let n: i64 = tx.query_row(
                    "SELECT COUNT(*) FROM auth_failure WHERE kind = ?1 AND key = ?2 AND at_ms >= ?3",
                    params![kind.as_str(), key, to_i64(since_ms)?],
                    |r| r.get(0),
                )?;
                if n >= i64::from(max) {
                    tx.commit()?;
                    return Ok(None);
                }
            }
            let attempt = Uuid::now_v7().to_string();
            for (kind, key) in &keys {
                tx.execute(
                    "INSERT INTO auth_failure (kind, key, at_ms, attempt) VALUES (?1, ?2, ?3, ?4)",
                    params![kind.as_str(), key, to_i64(now_ms)?, attempt],
                )?;
            }
            tx.commit()?;
            Ok(Some(attempt))
        })
        .await
    }

    async fn release_attempt(&self, attempt: &str) -> Result<(), ServerStoreError> {
        let attempt = attempt.to_string();
        self.run(move |conn| {
            conn.execute("DELETE FROM auth_failure WHERE attempt = ?1", [attempt])?;
            Ok(())
        })
        .await
    }
}
