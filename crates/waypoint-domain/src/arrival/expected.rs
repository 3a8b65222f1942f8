//! Who is expected at a port of entry on a day: the travellers of the bookings whose itinerary
//! lands there that day (the airport's local date), grouped per flight, ordered by arrival
//! time, each with their SSR codes on that flight, their escorts and what comes after (the
//! domestic connection).

use std::collections::BTreeMap;

use chrono::{DateTime, Days, NaiveDate, Offset, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::{
    AirportCode, Booking, BookingRef, BookingStatus, Carrier, Escort, FlightNo, LocalTime, Segment,
    SsrCode,
};

/// One traveller expected off a flight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectedTraveller {
    pub individual_no: String,
    pub case_no: String,
    pub booking_ref: BookingRef,
    /// Their SSR codes on the arriving flight (the assistance to have ready at the gate).
    pub ssr: Vec<SsrCode>,
    /// The escorts who accompany them.
    pub escorts: Vec<Escort>,
    /// The rest of their itinerary after this airport (a domestic connection), in order.
    pub onward: Vec<Segment>,
}

/// One arriving flight and who is on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectedFlight {
    pub carrier: Carrier,
    pub flight_no: FlightNo,
    pub from: AirportCode,
    pub to: AirportCode,
    pub arrives: DateTime<Utc>,
    /// By case, then individual number.
    pub travellers: Vec<ExpectedTraveller>,
}

impl ExpectedFlight {
    /// `QR707`
    pub fn flight(&self) -> String {
        format!("{}{}", self.carrier, self.flight_no)
    }

    /// The arrival as the clocks of the port of entry show it.
    pub fn arrives_local(&self) -> LocalTime {
        local_at(self.to, self.arrives)
    }

    /// The cases with travellers on the flight, each once.
    pub fn case_nos(&self) -> Vec<&str> {
        let mut cases: Vec<&str> = self.travellers.iter().map(|t| t.case_no.as_str()).collect();
        cases.dedup();
        cases
    }
}

/// `at` as the clocks of `airport` show it (a step's day at the port of entry, the time a
/// paper is made).
pub fn local_at(airport: AirportCode, at: DateTime<Utc>) -> LocalTime {
    let zone = airport
        .airport()
        .and_then(|a| a.time_zone.parse::<Tz>().ok())
        // Every airport of the shipped table has a zone chrono-tz knows (a booking test checks).
        .unwrap_or(Tz::UTC);
    let t = at.with_timezone(&zone);
    LocalTime {
        at: t.naive_local(),
        zone,
        offset: t.offset().fix(),
    }
}

/// The instants between which every arrival on local date `day` lies, at any airport (clocks
/// run from UTC-12 to UTC+14): what a store reads before [`expected_arrivals`] picks exactly.
pub fn arrival_window(day: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let midnight = |d: Option<NaiveDate>| {
        d.and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc())
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    };
    (
        midnight(day.checked_sub_days(Days::new(1))),
        midnight(day.checked_add_days(Days::new(2))),
    )
}

/// The travellers of `bookings` who land at `airport` on `day`, the airport's local date.
/// Only bookings that stand count (confirmed or ticketed: a proposal is not a seat, a
/// cancelled booking flies nobody); the caller leaves out bookings replaced by a rebooking.
pub fn expected_arrivals(
    bookings: &[Booking],
    airport: AirportCode,
    day: NaiveDate,
) -> Vec<ExpectedFlight> {
    type Key = (DateTime<Utc>, Carrier, FlightNo, AirportCode);
    let mut flights: BTreeMap<Key, Vec<ExpectedTraveller>> = BTreeMap::new();
    for b in bookings
        .iter()
        .filter(|b| matches!(b.status, BookingStatus::Confirmed | BookingStatus::Ticketed))
    {
        for (i, s) in b.segments.iter().enumerate() {
            if s.to != airport || s.arrives_local().at.date() != day {
                continue;
            }
            let key = (s.arrives, s.carrier.clone(), s.flight_no.clone(), s.from);
            let on_flight = flights.entry(key).or_default();
            for t in &b.travellers {
                on_flight.push(ExpectedTraveller {
                    individual_no: t.individual_no.clone(),
                    case_no: t.case_no.clone(),
                    booking_ref: b.booking_ref.clone(),
                    ssr: t.ssr.get(i).cloned().unwrap_or_default(),
                    escorts: b
                        .escorts
                        .iter()
                        .filter(|e| e.accompanies.contains(&t.individual_no))
                        .cloned()
                        .collect(),
                    onward: b.segments[i + 1..].to_vec(),
                });
            }
        }
    }
    flights
        .into_iter()
        .map(|((arrives, carrier, flight_no, from), mut travellers)| {
            travellers.sort_by(|a, b| {
                (&a.case_no, &a.individual_no).cmp(&(&b.case_no, &b.individual_no))
            });
            travellers.dedup_by(|a, b| a.individual_no == b.individual_no);
            ExpectedFlight {
                carrier,
                flight_no,
                from,
                to: airport,
                arrives,
                travellers,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDateTime;

    use super::*;
    use crate::{EscortKind, Traveller};

    fn code(s: &str) -> AirportCode {
        AirportCode::parse(s).unwrap()
    }

    fn seg(flight: &str, from: &str, to: &str, departs: &str, arrives: &str) -> Segment {
        let t = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap();
        Segment::from_local(
            Carrier::parse(&flight[..2]).unwrap(),
            FlightNo::parse(&flight[2..]).unwrap(),
            code(from),
            code(to),
            t(departs),
            t(arrives),
        )
        .unwrap()
    }

    fn booking(
        r: &str,
        status: BookingStatus,
        segments: Vec<Segment>,
        who: &[(&str, &str)],
    ) -> Booking {
        let n = segments.len();
        Booking {
            booking_ref: BookingRef::parse(r).unwrap(),
            record_locator: None,
            status,
            replaces: None,
            abn: None,
            segments,
            travellers: who
                .iter()
                .map(|(case, no)| Traveller {
                    individual_no: (*no).into(),
                    case_no: (*case).into(),
                    ssr: (0..n)
                        .map(|i| {
                            vec![SsrCode::parse(if i == 1 { "WCHR" } else { "VGML" }).unwrap()]
                        })
                        .collect(),
                })
                .collect(),
            escorts: vec![],
        }
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn travellers_are_grouped_per_flight_in_arrival_order_with_their_codes_and_onward_flight() {
        let mut family = booking(
            "BKG-1",
            BookingStatus::Ticketed,
            vec![
                seg(
                    "QR1350",
                    "KGL",
                    "DOH",
                    "2026-12-16T01:40",
                    "2026-12-16T07:10",
                ),
                seg(
                    "QR707",
                    "DOH",
                    "IAD",
                    "2026-12-16T08:35",
                    "2026-12-16T15:20",
                ),
                seg(
                    "UA1234",
                    "IAD",
                    "ORD",
                    "2026-12-16T19:00",
                    "2026-12-16T20:10",
                ),
            ],
            &[("C-2", "I-21"), ("C-1", "I-11")],
        );
        family.escorts.push(Escort {
            name: "Escort".into(),
            kind: EscortKind::Medical,
            organisation: None,
            contact: None,
            accompanies: vec!["I-11".into()],
        });
        let earlier = booking(
            "BKG-2",
            BookingStatus::Confirmed,
            vec![seg(
                "ET500",
                "ADD",
                "IAD",
                "2026-12-15T22:00",
                "2026-12-16T08:30",
            )],
            &[("C-3", "I-31")],
        );
        let proposed = booking(
            "BKG-3",
            BookingStatus::Proposed,
            vec![seg(
                "ET500",
                "ADD",
                "IAD",
                "2026-12-15T22:00",
                "2026-12-16T08:30",
            )],
            &[("C-4", "I-41")],
        );
        let flights =
            expected_arrivals(&[family, earlier, proposed], code("IAD"), day("2026-12-16"));
        let names: Vec<String> = flights.iter().map(ExpectedFlight::flight).collect();
        assert_eq!(names, ["ET500", "QR707"], "in arrival order, no proposal");
        assert_eq!(flights[0].travellers.len(), 1);
        let qr = &flights[1];
        assert_eq!(qr.from, code("DOH"));
        assert_eq!(qr.arrives_local().at.format("%H:%M").to_string(), "15:20");
        let nos: Vec<&str> = qr
            .travellers
            .iter()
            .map(|t| t.individual_no.as_str())
            .collect();
        assert_eq!(nos, ["I-11", "I-21"], "by case");
        let first = &qr.travellers[0];
        assert_eq!(
            first.ssr,
            [SsrCode::parse("WCHR").unwrap()],
            "the codes of this flight"
        );
        assert_eq!(first.escorts.len(), 1);
        assert!(qr.travellers[1].escorts.is_empty());
        assert_eq!(first.onward.len(), 1);
        assert_eq!(first.onward[0].flight(), "UA1234");
        assert_eq!(qr.case_nos(), ["C-1", "C-2"]);
    }

    #[test]
    fn the_day_is_the_port_of_entrys_local_date_not_utcs() {
        // 23:30 in Washington on the 16th is the 17th in UTC.
        let late = booking(
            "BKG-1",
            BookingStatus::Ticketed,
            vec![seg(
                "QR707",
                "DOH",
                "IAD",
                "2026-12-16T16:00",
                "2026-12-16T23:30",
            )],
            &[("C-1", "I-11")],
        );
        let b = [late];
        assert_eq!(
            expected_arrivals(&b, code("IAD"), day("2026-12-16")).len(),
            1
        );
        assert!(expected_arrivals(&b, code("IAD"), day("2026-12-17")).is_empty());
        assert!(
            expected_arrivals(&b, code("DOH"), day("2026-12-16")).is_empty(),
            "departs there"
        );
        let (from, to) = arrival_window(day("2026-12-16"));
        assert!(from <= b[0].segments[0].arrives && b[0].segments[0].arrives < to);
    }
}
