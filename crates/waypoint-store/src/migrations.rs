//! Numbered schema migrations. The schema version is SQLite's `user_version`.
//!
//! A migration is never edited once released: a change is a new file with the next number,
//! and a test migrates a store of the previous release's schema to it.

use rusqlite::Connection;

use crate::StoreError;

/// Every migration, in order; migration `n` takes the schema from version `n - 1` to `n`.
pub const MIGRATIONS: &[(u32, &str)] = &[
    (1, include_str!("../migrations/0001_initial.sql")),
    (2, include_str!("../migrations/0002_sync.sql")),
    (3, include_str!("../migrations/0003_record_version.sql")),
    (4, include_str!("../migrations/0004_audit.sql")),
    (5, include_str!("../migrations/0005_staff.sql")),
    (6, include_str!("../migrations/0006_enrolled_at.sql")),
    (7, include_str!("../migrations/0007_unreadable_event.sql")),
    (8, include_str!("../migrations/0008_clock_seen.sql")),
    (9, include_str!("../migrations/0009_refused_whole.sql")),
    (10, include_str!("../migrations/0010_data_migration.sql")),
    (11, include_str!("../migrations/0011_movements.sql")),
    (12, include_str!("../migrations/0012_booking_links.sql")),
    (13, include_str!("../migrations/0013_departure_day.sql")),
    (14, include_str!("../migrations/0014_arrivals.sql")),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

pub fn schema_version(conn: &Connection) -> Result<u32, StoreError> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Brings the schema up to `target`, each migration in its own transaction.
pub fn migrate_to(conn: &mut Connection, target: u32) -> Result<(), StoreError> {
    let found = schema_version(conn)?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            found,
            known: SCHEMA_VERSION,
        });
    }
    for (version, sql) in MIGRATIONS
        .iter()
        .filter(|(v, _)| *v > found && *v <= target)
    {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}
