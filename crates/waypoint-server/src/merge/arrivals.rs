//! The port-of-entry scope (docs/sync-protocol.md, "Port-of-entry scope"), decided here once
//! for both backends: which travellers arrive at which airport (from a booking's events),
//! whom each event concerns, what a change of arrivals means for the airport's devices, and
//! which events a port-of-entry device may push about another site's case.
//!
//! A site with an airport (`site_airport`, set by `waypoint-server admin site-airport`) is a
//! port of entry: its devices receive, besides their own sites' cases, the travellers booked to
//! arrive at that airport until [`ARRIVAL_RETENTION_MS`] after they land.

use std::collections::{BTreeMap, BTreeSet};

use waypoint_domain::{Booking, BookingChange, BookingEvent, BookingStatus, FieldEvent};

use super::{NewEvent, Planner};

/// How long after a traveller's last flight lands the airport's devices keep receiving them:
/// long enough for the arrival, the onward steps and a missed connection rebooked; after it the
/// devices are told to remove the case.
pub const ARRIVAL_RETENTION_MS: u64 = 72 * 60 * 60 * 1000;

/// One traveller booked to arrive at an airport.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Arrival {
    pub booking_ref: String,
    pub individual_no: String,
    pub case_no: String,
    /// The IATA code of the last segment's destination.
    pub airport: String,
    /// When the last segment lands (ms since the epoch).
    pub arrives_ms: u64,
}

impl Arrival {
    /// Whether the airport's devices still receive this traveller at `now_ms`.
    pub fn active_at(&self, now_ms: u64) -> bool {
        now_ms < self.arrives_ms.saturating_add(ARRIVAL_RETENTION_MS)
    }
}

/// The arrivals of one booking, from every stored event of it (the JSON of `booking` events,
/// any order): each traveller of the current booking at the last segment's airport. None when
/// the booking is cancelled, replaced by another (`replaced`), has no itinerary yet, or landed
/// more than [`ARRIVAL_RETENTION_MS`] before `now_ms`.
pub fn booking_arrivals(jsons: &[String], replaced: bool, now_ms: u64) -> Vec<Arrival> {
    let events: Vec<BookingEvent> = jsons
        .iter()
        .filter_map(|j| match serde_json::from_str::<FieldEvent>(j) {
            Ok(FieldEvent::Booking(e)) => Some(e),
            _ => None,
        })
        .collect();
    let Some(booking) = Booking::from_events(&events) else {
        return Vec::new();
    };
    if replaced || booking.status == BookingStatus::Cancelled {
        return Vec::new();
    }
    let Some(last) = booking.segments.last() else {
        return Vec::new();
    };
    let arrives_ms = u64::try_from(last.arrives.timestamp_millis()).unwrap_or(0);
    booking
        .travellers
        .iter()
        .map(|t| Arrival {
            booking_ref: booking.booking_ref.to_string(),
            individual_no: t.individual_no.clone(),
            case_no: t.case_no.clone(),
            airport: last.to.to_string(),
            arrives_ms,
        })
        .filter(|a| a.active_at(now_ms))
        .collect()
}

/// What an index row of `event_about` says an event is about.
pub const ABOUT_CASE: &str = "case";
pub const ABOUT_INDIVIDUAL: &str = "individual";
pub const ABOUT_BOOKING: &str = "booking";
/// A booking event that says its booking replaces this one.
pub const ABOUT_REPLACES: &str = "replaces";

/// The `event_about` rows of a stored event: (about, value). None for a kind this server does
/// not know (it cannot tell whom it concerns, so a port of entry never receives it).
pub fn event_about(e: &NewEvent) -> Vec<(&'static str, String)> {
    if !FieldEvent::KINDS.contains(&e.kind.as_str()) {
        return Vec::new();
    }
    let Ok(event) = serde_json::from_str::<FieldEvent>(&e.json) else {
        return Vec::new();
    };
    let c = event.concerns();
    let mut rows = Vec::new();
    if c.whole_case {
        rows.push((ABOUT_CASE, e.case_no.clone()));
    }
    rows.extend(c.individuals.into_iter().map(|n| (ABOUT_INDIVIDUAL, n)));
    rows.extend(c.bookings.into_iter().map(|b| (ABOUT_BOOKING, b)));
    if let FieldEvent::Booking(b) = &event {
        for change in &b.changes {
            if let BookingChange::Replaces(Some(old)) = change {
                rows.push((ABOUT_REPLACES, old.to_string()));
            }
        }
    }
    rows.sort();
    rows.dedup();
    rows
}

/// The bookings whose arrivals a batch's new events may change: those of its booking events,
/// and the bookings they say they replace.
pub fn touched_bookings(events: &[NewEvent]) -> BTreeSet<String> {
    events
        .iter()
        .filter(|e| e.kind == "booking")
        .flat_map(|e| {
            event_about(e)
                .into_iter()
                .filter(|(about, _)| *about == ABOUT_BOOKING || *about == ABOUT_REPLACES)
                .map(|(_, v)| v)
        })
        .collect()
}

/// What the devices of `airport` must be sent about `case_no` after its arrivals changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redelivery {
    pub airport: String,
    pub case_no: String,
    /// Someone they held stopped arriving: remove the case (its removal comes first).
    pub remove: bool,
    /// Send again, with fresh sequence numbers, what they receive of the case now: the case's
    /// fields, the arriving travellers' fields and the events about them. Their cursor may be
    /// past those rows (a booking made long after the import), or a removal just took them.
    pub resend: bool,
}

/// The redeliveries when the arrivals of some (airport, case) pairs go from `before` to
/// `after` (every arrival of those pairs, before and after the change).
pub fn redeliveries(before: &[Arrival], after: &[Arrival]) -> Vec<Redelivery> {
    /// (individual_no, booking_ref) of the arrivals of one (airport, case), before and after.
    type Who<'a> = BTreeSet<(&'a str, &'a str)>;
    let mut sets: BTreeMap<(String, String), (Who<'_>, Who<'_>)> = BTreeMap::new();
    for a in before {
        let pair = (a.airport.clone(), a.case_no.clone());
        let entry = sets.entry(pair).or_default();
        entry.0.insert((&a.individual_no, &a.booking_ref));
    }
    for a in after {
        let pair = (a.airport.clone(), a.case_no.clone());
        let entry = sets.entry(pair).or_default();
        entry.1.insert((&a.individual_no, &a.booking_ref));
    }
    sets.into_iter()
        .filter_map(|((airport, case_no), (was, now))| {
            let was_people: BTreeSet<&str> = was.iter().map(|(i, _)| *i).collect();
            let now_people: BTreeSet<&str> = now.iter().map(|(i, _)| *i).collect();
            let remove = !was_people.is_subset(&now_people);
            let resend = !now.is_empty() && (remove || !now.is_subset(&was));
            (remove || resend).then_some(Redelivery {
                airport,
                case_no,
                remove,
                resend,
            })
        })
        .collect()
}

impl Planner<'_> {
    /// Whether a port-of-entry device may add this event about another site's case: the case
    /// has travellers arriving at the device's airport (loaded into the snapshot), the kind is
    /// one this server knows, valid, and it concerns one of those travellers or their booking.
    /// It is stored under the case's own site, so the departure site receives it.
    pub(super) fn arrival_accepts(&self, case_no: &str, kind: &str, json: &str) -> bool {
        let Some(arriving) = self.st.arriving.get(case_no) else {
            return false;
        };
        if !self.st.cases.contains_key(case_no) || !FieldEvent::KINDS.contains(&kind) {
            return false;
        }
        let Ok(event) = serde_json::from_str::<FieldEvent>(json) else {
            return false;
        };
        if event.kind() != kind || event.validate().is_err() {
            return false;
        }
        let concerns = event.concerns();
        // Only about people arriving there: an event naming another member (a booking that
        // adds them, a session they attended) would widen what the airport receives.
        let people: BTreeSet<&str> = arriving.iter().map(|(i, _)| i.as_str()).collect();
        let bookings: BTreeSet<&str> = arriving.iter().map(|(_, b)| b.as_str()).collect();
        if !concerns
            .individuals
            .iter()
            .all(|i| people.contains(i.as_str()))
        {
            return false;
        }
        // A rebooking may replace the booking they arrive on, never another.
        if let FieldEvent::Booking(b) = &event {
            let replaces_other = b.changes.iter().any(
                |c| matches!(c, BookingChange::Replaces(Some(r)) if !bookings.contains(r.as_str())),
            );
            if replaces_other {
                return false;
            }
        }
        arriving
            .iter()
            .any(|(individual_no, booking_ref)| concerns.touches(individual_no, booking_ref))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arrival(individual_no: &str, booking_ref: &str, airport: &str) -> Arrival {
        Arrival {
            booking_ref: booking_ref.into(),
            individual_no: individual_no.into(),
            case_no: "C-1".into(),
            airport: airport.into(),
            arrives_ms: 1_000,
        }
    }

    #[test]
    fn a_new_traveller_is_sent_again_without_a_removal() {
        let before = [arrival("C-1-01", "B-1", "YYZ")];
        let after = [
            arrival("C-1-01", "B-1", "YYZ"),
            arrival("C-1-02", "B-1", "YYZ"),
        ];
        assert_eq!(
            redeliveries(&before, &after),
            [Redelivery {
                airport: "YYZ".into(),
                case_no: "C-1".into(),
                remove: false,
                resend: true
            }]
        );
    }

    #[test]
    fn a_traveller_taken_off_removes_the_case_and_sends_back_who_still_arrives() {
        let before = [
            arrival("C-1-01", "B-1", "YYZ"),
            arrival("C-1-02", "B-1", "YYZ"),
        ];
        let after = [arrival("C-1-02", "B-1", "YYZ")];
        let r = redeliveries(&before, &after);
        assert_eq!(r.len(), 1);
        assert!(r[0].remove && r[0].resend);
        let r = redeliveries(&after, &[]);
        assert!(r[0].remove && !r[0].resend, "nobody left: only the removal");
    }

    #[test]
    fn a_booking_to_another_airport_removes_at_one_and_sends_at_the_other() {
        let before = [arrival("C-1-01", "B-1", "YYZ")];
        let after = [arrival("C-1-01", "B-2", "YUL")];
        let mut r = redeliveries(&before, &after);
        r.sort_by(|a, b| a.airport.cmp(&b.airport));
        assert_eq!(
            (r[0].airport.as_str(), r[0].remove, r[0].resend),
            ("YUL", false, true)
        );
        assert_eq!(
            (r[1].airport.as_str(), r[1].remove, r[1].resend),
            ("YYZ", true, false)
        );
    }

    #[test]
    fn an_unchanged_arrival_sends_nothing() {
        let a = [arrival("C-1-01", "B-1", "YYZ")];
        let mut later = a.clone();
        later[0].arrives_ms = 9_000;
        assert!(
            redeliveries(&a, &later).is_empty(),
            "a new time is no new delivery"
        );
    }

    /// One case's event of booking B-1 to `to`, landing at `lands_ms`, recorded at `at_ms`.
    fn booking_event(
        n: u64,
        travellers: &[&str],
        status: BookingStatus,
        to: &str,
        at_ms: i64,
    ) -> String {
        use waypoint_domain::{AirportCode, BookingRef, Carrier, FlightNo, Segment, Traveller};
        let t = |ms: i64| chrono::DateTime::from_timestamp_millis(ms).unwrap();
        serde_json::to_string(&FieldEvent::Booking(BookingEvent {
            id: format!("0190a0b0-0000-7000-8000-{n:012}").parse().unwrap(),
            booking_ref: BookingRef::parse("B-1").unwrap(),
            case_no: "C-1".into(),
            site: "KGL-TC1".into(),
            recorded_by: "caseworker".into(),
            at: t(at_ms),
            changes: vec![
                BookingChange::Status(status),
                BookingChange::Segments(vec![Segment {
                    carrier: Carrier::parse("ET").unwrap(),
                    flight_no: FlightNo::parse("812").unwrap(),
                    from: AirportCode::parse("KGL").unwrap(),
                    to: AirportCode::parse(to).unwrap(),
                    departs: t(1_000_000),
                    arrives: t(2_000_000),
                }]),
                BookingChange::Travellers(
                    travellers
                        .iter()
                        .map(|n| Traveller {
                            individual_no: (*n).into(),
                            case_no: "C-1".into(),
                            ssr: vec![vec![]],
                        })
                        .collect(),
                ),
            ],
        }))
        .unwrap()
    }

    #[test]
    fn a_bookings_arrivals_are_its_current_travellers_at_the_last_airport() {
        let first = booking_event(1, &["C-1-01", "C-1-02"], BookingStatus::Confirmed, "YYZ", 1);
        let later = booking_event(2, &["C-1-02"], BookingStatus::Confirmed, "YUL", 2);
        // Whatever order the events came in, the later one decides.
        let a = booking_arrivals(&[later.clone(), first.clone()], false, 0);
        assert_eq!(a.len(), 1);
        assert_eq!(
            (
                a[0].individual_no.as_str(),
                a[0].airport.as_str(),
                a[0].arrives_ms
            ),
            ("C-1-02", "YUL", 2_000_000)
        );
        assert_eq!(a[0].booking_ref, "B-1");
        assert!(
            booking_arrivals(std::slice::from_ref(&first), true, 0).is_empty(),
            "replaced"
        );
        let cancelled = booking_event(3, &["C-1-02"], BookingStatus::Cancelled, "YUL", 3);
        assert!(booking_arrivals(&[first.clone(), cancelled], false, 0).is_empty());
        assert!(
            booking_arrivals(&[first], false, 2_000_000 + ARRIVAL_RETENTION_MS).is_empty(),
            "landed longer ago than the retention"
        );
        assert!(
            booking_arrivals(&["{}".into()], false, 0).is_empty(),
            "nothing readable"
        );
    }

    #[test]
    fn a_booking_event_is_about_its_travellers_and_its_booking_and_unknown_kinds_about_nobody() {
        let json = booking_event(1, &["C-1-01"], BookingStatus::Confirmed, "YYZ", 1);
        let e = NewEvent {
            id: "0190a0b0-0000-7000-8000-000000000001".into(),
            case_no: "C-1".into(),
            kind: "booking".into(),
            json: json.clone(),
            seq: 1,
        };
        assert_eq!(
            event_about(&e),
            [
                (ABOUT_BOOKING, "B-1".to_string()),
                (ABOUT_INDIVIDUAL, "C-1-01".to_string())
            ]
        );
        assert_eq!(touched_bookings(std::slice::from_ref(&e)).len(), 1);
        let unknown = NewEvent {
            kind: "from_a_newer_version".into(),
            ..e
        };
        assert!(event_about(&unknown).is_empty());
    }

    #[test]
    fn an_arrival_is_kept_until_the_retention_has_passed() {
        let a = arrival("C-1-01", "B-1", "YYZ");
        assert!(a.active_at(0) && a.active_at(1_000 + ARRIVAL_RETENTION_MS - 1));
        assert!(!a.active_at(1_000 + ARRIVAL_RETENTION_MS));
    }
}
