//! HQ's settlement of held changes on PostgreSQL (docs/sync-protocol.md, "Held changes"): the
//! list, giving a number to a site (its held changes then go through the merge) or dropping them.

use async_trait::async_trait;
use deadpool_postgres::Transaction;
use uuid::Uuid;
use waypoint_domain::Field;
use waypoint_protocol::{Change, Scope};

use crate::merge::Wanted;
use crate::merge::{self, FieldKey};
use crate::store::{
    Device, HeldGroup, HeldStore, ServerStoreError, SettleAction, Settlement, to_i64, to_u64,
};

use super::PgStore;
use super::held::{keep, load};
use super::sync::{apply, load as load_batch};

#[async_trait]
impl HeldStore for PgStore {
    async fn held_changes(&self) -> Result<Vec<HeldGroup>, ServerStoreError> {
        groups(self).await
    }

    async fn give_held(
        &self,
        case_no: &str,
        site: &str,
        now_ms: u64,
    ) -> Result<Settlement, ServerStoreError> {
        give(self, case_no, site, now_ms).await
    }

    async fn drop_held(
        &self,
        case_no: &str,
        site: &str,
        now_ms: u64,
    ) -> Result<Settlement, ServerStoreError> {
        drop_held(self, case_no, site, now_ms).await
    }

    async fn held_settlements(&self) -> Result<Vec<Settlement>, ServerStoreError> {
        settlements(self).await
    }
}

pub(super) async fn groups(store: &PgStore) -> Result<Vec<HeldGroup>, ServerStoreError> {
    let client = store.pool.get().await?;
    client
        .query(
            "SELECT case_no, site, COUNT(*), MIN(received_ms), MAX(received_ms) FROM held_change
             GROUP BY case_no, site ORDER BY case_no, site",
            &[],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(HeldGroup {
                case_no: r.get(0),
                site: r.get(1),
                changes: to_u64(r.get(2))?,
                first_ms: to_u64(r.get(3))?,
                last_ms: to_u64(r.get(4))?,
            })
        })
        .collect()
}

pub(super) async fn settlements(store: &PgStore) -> Result<Vec<Settlement>, ServerStoreError> {
    let client = store.pool.get().await?;
    client
        .query(
            "SELECT at_ms, action, case_no, site, from_site, changes, applied, still_held
             FROM held_settlement ORDER BY id",
            &[],
        )
        .await?
        .iter()
        .map(|r| {
            let action: &str = r.get(1);
            Ok(Settlement {
                at_ms: to_u64(r.get(0))?,
                action: SettleAction::parse(action).ok_or_else(|| {
                    ServerStoreError::Corrupt(format!("unknown settlement '{action}'"))
                })?,
                case_no: r.get(2),
                site: r.get(3),
                from_site: r.get(4),
                changes: to_u64(r.get(5))?,
                applied: to_u64(r.get(6))?,
                still_held: to_u64(r.get(7))?,
                refused: Vec::new(),
            })
        })
        .collect()
}

async fn record(tx: &Transaction<'_>, s: &Settlement) -> Result<(), ServerStoreError> {
    tx.execute(
        "INSERT INTO held_settlement (at_ms, action, case_no, site, from_site, changes, applied,
                                      still_held)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            &to_i64(s.at_ms)?,
            &s.action.as_str(),
            &s.case_no,
            &s.site,
            &s.from_site,
            &to_i64(s.changes)?,
            &to_i64(s.applied)?,
            &to_i64(s.still_held)?,
        ],
    )
    .await?;
    Ok(())
}

/// The next sequence number, locking it as a push does: settlements and pushes take turns.
async fn lock_next_seq(tx: &Transaction<'_>) -> Result<u64, ServerStoreError> {
    to_u64(
        tx.query_one(
            "SELECT next_seq FROM server_state WHERE id = 1 FOR UPDATE",
            &[],
        )
        .await?
        .get(0),
    )
}

pub(super) async fn give(
    store: &PgStore,
    case_no: &str,
    site: &str,
    now_ms: u64,
) -> Result<Settlement, ServerStoreError> {
    let mut client = store.pool.get().await?;
    let tx = client.transaction().await?;
    let mut next_seq = lock_next_seq(&tx).await?;
    if tx
        .query_opt("SELECT 1 FROM site WHERE code = $1", &[&site])
        .await?
        .is_none()
    {
        return Err(ServerStoreError::NoSuchSite(site.to_string()));
    }
    // Taken out of the table, oldest first: (device, change).
    let rows: Vec<(String, String)> = tx
        .query(
            "DELETE FROM held_change WHERE case_no = $1 AND site = $2
             RETURNING id, device_id, change_json",
            &[&case_no, &site],
        )
        .await?
        .iter()
        .map(|r| (r.get::<_, i64>(0), (r.get(1), r.get(2))))
        .collect::<std::collections::BTreeMap<i64, (String, String)>>()
        .into_values()
        .collect();
    let current: Option<String> = tx
        .query_opt("SELECT site FROM case_site WHERE case_no = $1", &[&case_no])
        .await?
        .map(|r| r.get(0));
    if rows.is_empty() && current.is_none() {
        return Err(ServerStoreError::NothingHeld {
            case_no: case_no.to_string(),
            site: site.to_string(),
        });
    }
    // First the move, so that the held changes find the case at their site.
    let wanted = Wanted {
        case_nos: vec![case_no.to_string()],
        fields: vec![FieldKey {
            scope: Scope::Case,
            entity: case_no.to_string(),
            field: Field::Site.column().to_string(),
        }],
        ..Wanted::default()
    };
    let snapshot = load_batch(&tx, &wanted).await?;
    let mut plan = merge::give(case_no, site, snapshot, next_seq, now_ms);
    apply(&tx, &Uuid::nil().to_string(), &mut plan).await?;
    next_seq = plan.next_seq;
    let mut settled = Settlement {
        at_ms: now_ms,
        action: SettleAction::Give,
        case_no: case_no.to_string(),
        site: site.to_string(),
        from_site: current.filter(|c| c != site),
        changes: rows.len() as u64,
        applied: 0,
        still_held: 0,
        refused: Vec::new(),
    };
    // Then each device's held changes, in the order they came, as if pushed now.
    for run in rows.chunk_by(|a, b| a.0 == b.0) {
        let device_id = run[0].0.as_str();
        let row = tx
            .query_one(
                "SELECT name, last_client_seq FROM device WHERE id = $1",
                &[&device_id],
            )
            .await?;
        let device = Device {
            id: Uuid::parse_str(device_id)
                .map_err(|_| ServerStoreError::Corrupt("a device id is not a UUID".into()))?,
            name: row.get(0),
            // HQ vouches for the site the changes were made for.
            sites: vec![site.to_string()],
            last_client_seq: to_u64(row.get(1))?,
            revoked: None,
        };
        let changes = run
            .iter()
            .map(|(_, json)| {
                serde_json::from_str::<Change>(json)
                    .map_err(|_| ServerStoreError::Corrupt("a held change cannot be read".into()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let count = changes.len() as u64;
        let wanted = Wanted::of(&changes);
        let mut snapshot = load_batch(&tx, &wanted).await?;
        load(&tx, &wanted, &mut snapshot).await?;
        let mut plan = merge::plan(&device, changes, snapshot, next_seq, now_ms);
        // The device's acknowledged number stays: these came before it.
        apply(&tx, device_id, &mut plan).await?;
        keep(&tx, device_id, &plan.held, now_ms).await?;
        next_seq = plan.next_seq;
        let (refused, held) = (plan.refused.len() as u64, plan.held.len() as u64);
        settled.applied += count - refused - held;
        settled.still_held += held;
        settled
            .refused
            .extend(plan.refused.into_iter().map(|r| r.reason));
    }
    record(&tx, &settled).await?;
    tx.commit().await?;
    Ok(settled)
}

pub(super) async fn drop_held(
    store: &PgStore,
    case_no: &str,
    site: &str,
    now_ms: u64,
) -> Result<Settlement, ServerStoreError> {
    let mut client = store.pool.get().await?;
    let tx = client.transaction().await?;
    lock_next_seq(&tx).await?;
    let n = tx
        .execute(
            "DELETE FROM held_change WHERE case_no = $1 AND site = $2",
            &[&case_no, &site],
        )
        .await?;
    if n == 0 {
        return Err(ServerStoreError::NothingHeld {
            case_no: case_no.to_string(),
            site: site.to_string(),
        });
    }
    let settled = Settlement {
        at_ms: now_ms,
        action: SettleAction::Drop,
        case_no: case_no.to_string(),
        site: site.to_string(),
        from_site: None,
        changes: n,
        applied: 0,
        still_held: 0,
        refused: Vec::new(),
    };
    record(&tx, &settled).await?;
    tx.commit().await?;
    Ok(settled)
}
