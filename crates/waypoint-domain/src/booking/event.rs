//! A booking as events: one [`BookingEvent`] per case the booking touches, each carrying the
//! fields that changed. The booking-wide fields (status, record locator, what it replaces, the
//! ABN, the itinerary) go in every case's event; the travellers and escorts of a case only in
//! its own. So each site's laptops learn the whole itinerary and their own travellers, never
//! another site's people, and the current booking is the latest value of each field, by
//! (time, event id): the same on every laptop, whatever order the events arrived in.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Booking, BookingRef, BookingStatus, Escort, RecordLocator, Segment, Traveller};
use crate::EventError;
use crate::event_check::require;

/// One field of a booking, with its new value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "field", content = "value", rename_all = "snake_case")]
pub enum BookingChange {
    Status(BookingStatus),
    RecordLocator(Option<RecordLocator>),
    Replaces(Option<BookingRef>),
    Abn(Option<String>),
    Segments(Vec<Segment>),
    /// The travellers of the event's case (empty: none of them travels on it any more).
    Travellers(Vec<Traveller>),
    /// The escorts whose first accompanied traveller is of the event's case.
    Escorts(Vec<Escort>),
}

/// A change to a booking, as it concerns one case; recorded once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingEvent {
    pub id: Uuid,
    pub booking_ref: BookingRef,
    pub case_no: String,
    pub site: String,
    pub recorded_by: String,
    pub at: DateTime<Utc>,
    pub changes: Vec<BookingChange>,
}

impl BookingEvent {
    pub fn validate(&self) -> Result<(), EventError> {
        if self.id.get_version_num() != 7 {
            return Err(EventError::Invalid("an event id must be a UUID v7".into()));
        }
        require(&self.case_no, "the case")?;
        require(&self.site, "the site")?;
        require(&self.recorded_by, "who recorded it")?;
        if self.changes.is_empty() {
            return Err(EventError::Missing("what changed"));
        }
        for change in &self.changes {
            match change {
                BookingChange::Travellers(ts) => {
                    if let Some(t) = ts.iter().find(|t| t.case_no != self.case_no) {
                        return Err(EventError::Invalid(format!(
                            "{} is not a member of case {}",
                            t.individual_no, self.case_no
                        )));
                    }
                }
                BookingChange::Escorts(es) => {
                    for e in es {
                        require(&e.name, "the escort's name")?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}

impl Booking {
    /// The booking as its events make it: for each field the value of the latest event by
    /// (time, id); travellers and escorts per case. `None` until the events say at least its
    /// status (a laptop may hold only part of a booking's history).
    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a BookingEvent>) -> Option<Self> {
        let mut events: Vec<&BookingEvent> = events.into_iter().collect();
        events.sort_by_key(|e| (e.at, e.id));
        let first = events.first()?;
        let mut booking = Booking {
            booking_ref: first.booking_ref.clone(),
            record_locator: None,
            status: BookingStatus::Proposed,
            replaces: None,
            abn: None,
            segments: Vec::new(),
            travellers: Vec::new(),
            escorts: Vec::new(),
        };
        let mut has_status = false;
        let mut travellers: BTreeMap<&str, &[Traveller]> = BTreeMap::new();
        let mut escorts: BTreeMap<&str, &[Escort]> = BTreeMap::new();
        for e in events.iter().filter(|e| e.booking_ref == first.booking_ref) {
            for change in &e.changes {
                match change {
                    BookingChange::Status(s) => {
                        booking.status = *s;
                        has_status = true;
                    }
                    BookingChange::RecordLocator(l) => booking.record_locator = l.clone(),
                    BookingChange::Replaces(r) => booking.replaces = r.clone(),
                    BookingChange::Abn(a) => booking.abn = a.clone(),
                    BookingChange::Segments(s) => booking.segments = s.clone(),
                    BookingChange::Travellers(t) => {
                        travellers.insert(&e.case_no, t);
                    }
                    BookingChange::Escorts(x) => {
                        escorts.insert(&e.case_no, x);
                    }
                }
            }
        }
        booking.travellers = travellers
            .values()
            .flat_map(|t| t.iter().cloned())
            .collect();
        booking.escorts = escorts.values().flat_map(|x| x.iter().cloned()).collect();
        has_status.then_some(booking)
    }

    /// The case an escort's part of the booking is filed under: that of the first traveller
    /// they accompany.
    fn escort_case(&self, escort: &Escort) -> Option<&str> {
        let first = escort.accompanies.first()?;
        self.traveller(first).map(|t| t.case_no.as_str())
    }

    fn travellers_of(&self, case_no: &str) -> Vec<Traveller> {
        self.travellers
            .iter()
            .filter(|t| t.case_no == case_no)
            .cloned()
            .collect()
    }

    fn escorts_of(&self, case_no: &str) -> Vec<Escort> {
        self.escorts
            .iter()
            .filter(|e| self.escort_case(e) == Some(case_no))
            .cloned()
            .collect()
    }
}

/// What to record to turn `before` (the booking as stored, if any) into `after`: per case, the
/// changed fields (empty when nothing changed: a re-import records nothing). A case that
/// leaves the booking gets empty travellers and escorts.
pub fn booking_changes(
    before: Option<&Booking>,
    after: &Booking,
) -> Vec<(String, Vec<BookingChange>)> {
    let mut wide = Vec::new();
    if before.map(|b| b.status) != Some(after.status) {
        wide.push(BookingChange::Status(after.status));
    }
    if before.map(|b| &b.record_locator) != Some(&after.record_locator) {
        wide.push(BookingChange::RecordLocator(after.record_locator.clone()));
    }
    if before.map(|b| &b.replaces) != Some(&after.replaces) {
        wide.push(BookingChange::Replaces(after.replaces.clone()));
    }
    if before.map(|b| &b.abn) != Some(&after.abn) {
        wide.push(BookingChange::Abn(after.abn.clone()));
    }
    if before.map(|b| &b.segments) != Some(&after.segments) {
        wide.push(BookingChange::Segments(after.segments.clone()));
    }
    let mut cases: Vec<&str> = after.case_nos();
    if let Some(b) = before {
        cases.extend(b.case_nos());
    }
    cases.sort_unstable();
    cases.dedup();
    cases
        .into_iter()
        .filter_map(|case_no| {
            let mut changes = wide.clone();
            let (t_after, e_after) = (after.travellers_of(case_no), after.escorts_of(case_no));
            let (t_before, e_before) = match before {
                Some(b) => (Some(b.travellers_of(case_no)), Some(b.escorts_of(case_no))),
                None => (None, None),
            };
            if t_before.as_ref() != Some(&t_after) {
                changes.push(BookingChange::Travellers(t_after));
            }
            if e_before.as_ref() != Some(&e_after) {
                changes.push(BookingChange::Escorts(e_after));
            }
            (!changes.is_empty()).then(|| (case_no.to_owned(), changes))
        })
        .collect()
}
