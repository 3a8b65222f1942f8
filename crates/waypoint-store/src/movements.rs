//! Reading bookings, the acknowledgements of their warnings and ABN versions, which are field
//! events (written by `record_events`); the current booking is derived from its events.

use waypoint_domain::{
    AbnVersion, Booking, BookingEvent, BookingRef, FieldEvent, WarningAcknowledgement,
};

use crate::{Store, StoreError};

fn corrupt(e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(format!("a stored movement event cannot be read: {e}"))
}

impl Store {
    fn events_where(&self, sql: &str, key: &str) -> Result<Vec<FieldEvent>, StoreError> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let payloads = stmt.query_map([key], |r| r.get::<_, String>(0))?;
        payloads
            .map(|p| serde_json::from_str(&p?).map_err(corrupt))
            .collect()
    }

    /// The events of one booking (its parts for every case this device holds).
    pub fn booking_events(
        &self,
        booking_ref: &BookingRef,
    ) -> Result<Vec<BookingEvent>, StoreError> {
        let events = self.events_where(
            "SELECT payload FROM event
             WHERE kind = 'booking' AND json_extract(payload, '$.booking_ref') = ?1",
            booking_ref.as_str(),
        )?;
        Ok(events
            .into_iter()
            .filter_map(|e| match e {
                FieldEvent::Booking(b) => Some(b),
                _ => None,
            })
            .collect())
    }

    /// The booking as its events make it, if this device holds any of it.
    pub fn booking(&self, booking_ref: &BookingRef) -> Result<Option<Booking>, StoreError> {
        Ok(Booking::from_events(&self.booking_events(booking_ref)?))
    }

    /// The bookings whose field `field` (`replaces` or `abn`) is `value` now. The candidates
    /// come from `booking_link` (every value the field ever had), then each is checked.
    fn bookings_linked(&self, field: &str, value: &str) -> Result<Vec<Booking>, StoreError> {
        let refs: Vec<String> = self
            .conn
            .prepare_cached(
                "SELECT booking_ref FROM booking_link WHERE field = ?1 AND value = ?2
                 ORDER BY booking_ref",
            )?
            .query_map([field, value], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut bookings = Vec::new();
        for r in refs {
            let r = BookingRef::parse(&r).map_err(|e| StoreError::Corrupt(e.message()))?;
            bookings.extend(self.booking(&r)?);
        }
        Ok(bookings)
    }

    /// The bookings that replace `booking_ref` (rebookings of it), by reference.
    pub fn bookings_replacing(&self, booking_ref: &BookingRef) -> Result<Vec<Booking>, StoreError> {
        let mut found = self.bookings_linked("replaces", booking_ref.as_str())?;
        found.retain(|b| b.replaces.as_ref() == Some(booking_ref));
        Ok(found)
    }

    /// The bookings under ABN number `abn_no` now, by reference.
    pub fn bookings_of_abn(&self, abn_no: &str) -> Result<Vec<Booking>, StoreError> {
        let mut found = self.bookings_linked("abn", abn_no)?;
        found.retain(|b| b.abn.as_deref() == Some(abn_no));
        Ok(found)
    }

    /// The bookings with travellers of case `case_no`, now or before (a booking they left).
    pub fn bookings_of_case(&self, case_no: &str) -> Result<Vec<Booking>, StoreError> {
        let refs: Vec<String> = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT json_extract(payload, '$.booking_ref') FROM event
                 WHERE case_no = ?1 AND kind = 'booking' ORDER BY 1",
            )?
            .query_map([case_no], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut bookings = Vec::new();
        for r in refs {
            let r = BookingRef::parse(&r).map_err(|e| StoreError::Corrupt(e.message()))?;
            bookings.extend(self.booking(&r)?);
        }
        Ok(bookings)
    }

    /// The acknowledgements of a booking's warnings, oldest first.
    pub fn acknowledgements(
        &self,
        booking_ref: &BookingRef,
    ) -> Result<Vec<WarningAcknowledgement>, StoreError> {
        let mut acks: Vec<WarningAcknowledgement> = self
            .events_where(
                "SELECT payload FROM event WHERE kind = 'warning_acknowledgement'
                 AND json_extract(payload, '$.booking_ref') = ?1",
                booking_ref.as_str(),
            )?
            .into_iter()
            .filter_map(|e| match e {
                FieldEvent::WarningAcknowledgement(a) => Some(a),
                _ => None,
            })
            .collect();
        acks.sort_by_key(|a| (a.at, a.id));
        Ok(acks)
    }

    /// The parts of every version of ABN `abn_no` this device holds, oldest first.
    pub fn abn_versions(&self, abn_no: &str) -> Result<Vec<AbnVersion>, StoreError> {
        let mut versions: Vec<AbnVersion> = self
            .events_where(
                "SELECT payload FROM event WHERE kind = 'abn_version'
                 AND json_extract(payload, '$.abn_no') = ?1",
                abn_no,
            )?
            .into_iter()
            .filter_map(|e| match e {
                FieldEvent::AbnVersion(v) => Some(v),
                _ => None,
            })
            .collect();
        versions.sort_by_key(|v| (v.at, v.issue, v.case_no.clone()));
        Ok(versions)
    }
}
