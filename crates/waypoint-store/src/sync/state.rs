//! The sync bookkeeping: when this device last tried and succeeded, and the events kept aside
//! because they could not be read yet.

use chrono::{DateTime, Utc};

use super::SyncState;
use crate::event_reader::{self, EventReader};
use crate::{Store, StoreError};

impl Store {
    /// How many pulled events this version could not read (kept as received; an upgrade
    /// reads them).
    pub fn unreadable_event_count(&self) -> Result<u64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM unreadable_event", [], |r| {
                r.get::<_, i64>(0)
            })? as u64)
    }

    /// Reads the events kept as unreadable again, filing those this version can read now.
    /// Returns how many it filed. Runs at every open and every applied page.
    pub fn read_kept_events(&mut self) -> Result<u64, StoreError> {
        if self.unreadable_event_count()? == 0 {
            return Ok(0);
        }
        let read = self.event_reader.0.clone();
        let w = self.write()?;
        let moved = event_reader::read_kept_events(w.tx, &read)?;
        w.commit()?;
        Ok(moved)
    }

    /// Replaces how this store reads pulled events. The product keeps the default (the kinds
    /// this version knows); tests stand in for a newer version that knows one more kind.
    pub fn set_event_reader(&mut self, reader: EventReader) {
        self.event_reader = event_reader::ReaderSlot(reader);
    }

    /// The sync bookkeeping.
    pub fn sync_state(&self) -> Result<SyncState, StoreError> {
        Ok(self.conn.query_row(
            "SELECT server_url, server_device_id, token, cursor, last_success, last_attempt, last_error,
                    device_name
             FROM sync_state WHERE id = 1",
            [],
            |r| {
                Ok(SyncState {
                    server_url: r.get(0)?,
                    server_device_id: r.get(1)?,
                    device_name: r.get(7)?,
                    token: r.get(2)?,
                    cursor: r.get(3)?,
                    last_success: r.get(4)?,
                    last_attempt: r.get(5)?,
                    last_error: r.get(6)?,
                })
            },
        )?)
    }

    /// Records how a sync ended: `None` for success.
    pub fn record_sync_attempt(
        &mut self,
        at: DateTime<Utc>,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let at = at.to_rfc3339();
        match error {
            None => self.conn.execute(
                "UPDATE sync_state SET last_attempt = ?1, last_success = ?1, last_error = NULL WHERE id = 1",
                [&at],
            )?,
            Some(e) => self.conn.execute(
                "UPDATE sync_state SET last_attempt = ?1, last_error = ?2 WHERE id = 1",
                (&at, e),
            )?,
        };
        Ok(())
    }
}
