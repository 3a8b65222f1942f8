//! Reading a case's travel-bag events and a booking's departure-notice versions, which are field
//! events (written by `record_events`). Both are found through indexes the store already has:
//! a case's events by `event_by_case`, a booking's cases by `event_by_booking`, so no new
//! index (and no migration) is needed.

use waypoint_domain::{BookingRef, DepartureNoticeVersion, FieldEvent, TravelBagEvent};

use crate::{Store, StoreError};

impl Store {
    /// The travel-bag events of case `case_no`, oldest first.
    pub fn travel_bag_events(&self, case_no: &str) -> Result<Vec<TravelBagEvent>, StoreError> {
        let mut events: Vec<TravelBagEvent> = self
            .departure_events(
                "SELECT payload FROM event WHERE case_no = ?1 AND kind = 'travel_bag'",
                [case_no],
            )?
            .into_iter()
            .filter_map(|e| match e {
                FieldEvent::TravelBag(b) => Some(b),
                _ => None,
            })
            .collect();
        events.sort_by_key(|e| (e.at, e.id));
        Ok(events)
    }

    /// The parts of every version of booking `booking_ref`'s departure notice this device
    /// holds, oldest first (by version, then case).
    pub fn departure_notices(
        &self,
        booking_ref: &BookingRef,
    ) -> Result<Vec<DepartureNoticeVersion>, StoreError> {
        let events = self.departure_events(
            "SELECT payload FROM event WHERE kind = 'departure_notice'
             AND case_no IN (SELECT case_no FROM event WHERE kind = 'booking'
                             AND json_extract(payload, '$.booking_ref') = ?1)
             AND json_extract(payload, '$.booking_ref') = ?1",
            [booking_ref.as_str()],
        )?;
        Ok(sorted(events))
    }

    /// The parts of departure notices filed under case `case_no`, every booking, oldest first.
    pub fn departure_notices_of_case(
        &self,
        case_no: &str,
    ) -> Result<Vec<DepartureNoticeVersion>, StoreError> {
        let events = self.departure_events(
            "SELECT payload FROM event WHERE case_no = ?1 AND kind = 'departure_notice'",
            [case_no],
        )?;
        Ok(sorted(events))
    }
}

fn sorted(events: Vec<FieldEvent>) -> Vec<DepartureNoticeVersion> {
    let mut versions: Vec<DepartureNoticeVersion> = events
        .into_iter()
        .filter_map(|e| match e {
            FieldEvent::DepartureNotice(v) => Some(v),
            _ => None,
        })
        .collect();
    versions.sort_by(|a, b| {
        (a.number, a.at, a.issue, &a.case_no).cmp(&(b.number, b.at, b.issue, &b.case_no))
    });
    versions
}
