//! Reads for the port of entry: the bookings landing at an airport on a day (found through
//! `booking_arrival`, migration 0014, not by reading every booking) and a case's arrival steps
//! and incidents. Written like every field event, by `record_events`.

use std::collections::BTreeMap;

use chrono::{NaiveDate, SecondsFormat};
use waypoint_domain::{
    AirportCode, ArrivalStep, Booking, BookingRef, Case, FieldEvent, Incident, Role, arrival_window,
};

use crate::profile::{RECORD_SELECT, need_to_know_values, read_record};
use crate::roles::redact_record;
use crate::{Store, StoreError};

impl Store {
    /// The bookings that stand now with a segment landing at `airport` around local date
    /// `day` (the day before to the day after, in UTC: `expected_arrivals` picks the day
    /// exactly), leaving out those replaced by a rebooking; by reference.
    pub fn bookings_landing(
        &self,
        airport: AirportCode,
        day: NaiveDate,
    ) -> Result<Vec<Booking>, StoreError> {
        let (from, to) = arrival_window(day);
        let refs: Vec<String> = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT booking_ref FROM booking_arrival
                 WHERE airport = ?1 AND arrives >= ?2 AND arrives < ?3 ORDER BY booking_ref",
            )?
            .query_map(
                (
                    airport.as_str(),
                    from.to_rfc3339_opts(SecondsFormat::Secs, true),
                    to.to_rfc3339_opts(SecondsFormat::Secs, true),
                ),
                |r| r.get(0),
            )?
            .collect::<Result<_, _>>()?;
        let mut bookings = Vec::new();
        for r in refs {
            let r = BookingRef::parse(&r).map_err(|e| StoreError::Corrupt(e.message()))?;
            let Some(b) = self.booking(&r)? else { continue };
            let lands = b
                .segments
                .iter()
                .any(|s| s.to == airport && s.arrives >= from && s.arrives < to);
            if lands && self.bookings_replacing(&r)?.is_empty() {
                bookings.push(b);
            }
        }
        Ok(bookings)
    }

    /// Each of `case_nos` as `role` may see it (what [`Store::case_as`] gives, without the
    /// events), those this laptop does not hold left out. The need-to-know values shown are
    /// recorded as viewed in one transaction for all, not one per case: a day of arrivals reads
    /// a hundred cases.
    pub fn cases_as(
        &self,
        role: Role,
        case_nos: &[&str],
    ) -> Result<BTreeMap<String, Case>, StoreError> {
        let sql = format!(
            "{} WHERE i.case_no = ?1 ORDER BY i.relationship <> 'PA', i.individual_no",
            *RECORD_SELECT
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut cases = BTreeMap::new();
        let mut shown = Vec::new();
        for case_no in case_nos {
            let mut records = stmt
                .query_map([case_no], read_record)?
                .map(|r| r.map(|(_, rec)| rec))
                .collect::<Result<Vec<_>, _>>()?;
            if records.is_empty() {
                continue;
            }
            for r in &mut records {
                redact_record(role, r);
            }
            let case = Case::from_records(&records)
                .map_err(|e| StoreError::Corrupt(format!("case {case_no}: {e}")))?;
            cases.insert(case_no.to_string(), case);
            shown.extend(records);
        }
        drop(stmt);
        self.record_sensitive_view(&need_to_know_values(&shown))?;
        Ok(cases)
    }

    /// The arrival steps and incidents recorded for case `case_no`, oldest first.
    pub fn arrival_events(
        &self,
        case_no: &str,
    ) -> Result<(Vec<ArrivalStep>, Vec<Incident>), StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT payload FROM event
             WHERE case_no = ?1 AND kind IN ('arrival_step', 'incident')",
        )?;
        let payloads = stmt.query_map([case_no], |r| r.get::<_, String>(0))?;
        let (mut steps, mut incidents) = (Vec::new(), Vec::new());
        for p in payloads {
            let event: FieldEvent = serde_json::from_str(&p?).map_err(|e| {
                StoreError::Corrupt(format!("a stored arrival event cannot be read: {e}"))
            })?;
            match event {
                FieldEvent::ArrivalStep(s) => steps.push(s),
                FieldEvent::Incident(i) => incidents.push(i),
                _ => {}
            }
        }
        steps.sort_by_key(|s| (s.at, s.id));
        incidents.sort_by_key(|i| (i.at, i.id));
        Ok((steps, incidents))
    }
}
