//! Reading departure-day events: a manifest's events and the boarding marks on it (found
//! through the payload indexes of `0013_departure_day.sql`), the travel-document numbers its
//! head count matches scans against, and the items handed to a traveller. Written, like every
//! field event, by `record_events`.

use waypoint_domain::{
    BoardingEvent, FieldEvent, ItemsHanded, Manifest, ManifestEvent, ManifestId,
};

use crate::{Store, StoreError};

fn corrupt(e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(format!("a stored departure-day event cannot be read: {e}"))
}

impl Store {
    pub(crate) fn departure_events(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<FieldEvent>, StoreError> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let payloads = stmt.query_map(params, |r| r.get::<_, String>(0))?;
        payloads
            .map(|p| serde_json::from_str(&p?).map_err(corrupt))
            .collect()
    }

    /// The events of manifest `id` this device holds (its parts for the cases of this device's
    /// sites).
    pub fn manifest_events(&self, id: &ManifestId) -> Result<Vec<ManifestEvent>, StoreError> {
        let events = self.departure_events(
            "SELECT payload FROM event
             WHERE kind = 'manifest' AND json_extract(payload, '$.manifest_id') = ?1",
            [id.as_str()],
        )?;
        Ok(events
            .into_iter()
            .filter_map(|e| match e {
                FieldEvent::Manifest(m) => Some(m),
                _ => None,
            })
            .collect())
    }

    /// The boarding marks (ticks, no-shows, undos) recorded on manifest `id`.
    pub fn boarding_events(&self, id: &ManifestId) -> Result<Vec<BoardingEvent>, StoreError> {
        let events = self.departure_events(
            "SELECT payload FROM event
             WHERE kind = 'boarding' AND json_extract(payload, '$.manifest_id') = ?1",
            [id.as_str()],
        )?;
        Ok(events
            .into_iter()
            .filter_map(|e| match e {
                FieldEvent::Boarding(b) => Some(b),
                _ => None,
            })
            .collect())
    }

    /// Manifest `id` as its events make it, if this device holds any of it.
    pub fn manifest(&self, id: &ManifestId) -> Result<Option<Manifest>, StoreError> {
        Ok(Manifest::from_events(
            id,
            &self.manifest_events(id)?,
            &self.boarding_events(id)?,
        ))
    }

    /// Every manifest this device holds a part of, by number.
    pub fn manifest_ids(&self) -> Result<Vec<ManifestId>, StoreError> {
        let ids: Vec<String> = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT json_extract(payload, '$.manifest_id') FROM event
                 WHERE kind = 'manifest' ORDER BY 1",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        ids.iter()
            .map(|i| ManifestId::parse(i).map_err(|e| StoreError::Corrupt(e.to_string())))
            .collect()
    }

    /// The travel-document number on record of each of `individual_nos` that has one, as
    /// (individual number, document number): one indexed read per traveller, no other field
    /// (a document number is not a need-to-know field, so no view is recorded).
    pub fn document_numbers(
        &self,
        individual_nos: &[&str],
    ) -> Result<Vec<(String, String)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT document_no FROM individual
             WHERE individual_no = ?1 AND document_no IS NOT NULL AND document_no <> ''",
        )?;
        let mut found = Vec::new();
        for n in individual_nos {
            let docs = stmt.query_map([n], |r| r.get::<_, String>(0))?;
            for d in docs {
                found.push(((*n).to_owned(), d?));
            }
        }
        Ok(found)
    }

    /// The items handed to `individual_no` of case `case_no`, oldest first.
    pub fn items_handed(
        &self,
        case_no: &str,
        individual_no: &str,
    ) -> Result<Vec<ItemsHanded>, StoreError> {
        let mut handed: Vec<ItemsHanded> = self
            .departure_events(
                "SELECT payload FROM event
                 WHERE case_no = ?1 AND kind = 'items_handed' AND individual_no = ?2",
                [case_no, individual_no],
            )?
            .into_iter()
            .filter_map(|e| match e {
                FieldEvent::ItemsHanded(h) => Some(h),
                _ => None,
            })
            .collect();
        handed.sort_by_key(|h| (h.at, h.id));
        Ok(handed)
    }
}
