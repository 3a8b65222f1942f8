//! One flight of an itinerary, and the airports' local times. Times are kept as instants
//! (UTC) so that connections and durations are right across time zones; people read and type
//! them in each airport's local time, with its zone, from the shipped airports data.

use std::fmt;

use chrono::{DateTime, FixedOffset, LocalResult, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::{Carrier, FlightNo};
use crate::{AirportCode, FieldError, ValueProblem};

/// One flight: from one airport to the next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    pub carrier: Carrier,
    pub flight_no: FlightNo,
    pub from: AirportCode,
    pub to: AirportCode,
    pub departs: DateTime<Utc>,
    pub arrives: DateTime<Utc>,
}

/// A time as the clocks of an airport show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    pub at: NaiveDateTime,
    /// The IANA zone, e.g. `Africa/Kigali`.
    pub zone: Tz,
    pub offset: FixedOffset,
}

impl fmt::Display for LocalTime {
    /// `2026-12-14 14:45 Africa/Kigali (UTC+02:00)`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} (UTC{})",
            self.at.format("%Y-%m-%d %H:%M"),
            self.zone.name(),
            self.offset
        )
    }
}

fn zone_of(airport: AirportCode) -> Tz {
    airport
        .airport()
        .and_then(|a| a.time_zone.parse::<Tz>().ok())
        // Every airport of the shipped table has a zone chrono-tz knows (a test checks it).
        .unwrap_or(Tz::UTC)
}

/// The instant of a local time at `airport`. A time the clocks skip (the hour lost when
/// summer time starts) does not exist and is refused; a time they show twice (the hour
/// repeated when it ends) is taken as the first.
pub fn local_instant(
    airport: AirportCode,
    local: NaiveDateTime,
) -> Result<DateTime<Utc>, FieldError> {
    let zone = zone_of(airport);
    match zone.from_local_datetime(&local) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Ok(t.with_timezone(&Utc)),
        LocalResult::None => Err(FieldError::new(ValueProblem::NoSuchLocalTime {
            value: local.format("%Y-%m-%dT%H:%M").to_string(),
            zone: zone.name().to_owned(),
        })),
    }
}

fn local(airport: AirportCode, at: DateTime<Utc>) -> LocalTime {
    let zone = zone_of(airport);
    let t = at.with_timezone(&zone);
    LocalTime {
        at: t.naive_local(),
        zone,
        offset: t.offset().fix(),
    }
}

impl Segment {
    /// A segment from the local times a person or a booking file gives.
    pub fn from_local(
        carrier: Carrier,
        flight_no: FlightNo,
        from: AirportCode,
        to: AirportCode,
        departs: NaiveDateTime,
        arrives: NaiveDateTime,
    ) -> Result<Self, FieldError> {
        Ok(Self {
            departs: local_instant(from, departs)?,
            arrives: local_instant(to, arrives)?,
            carrier,
            flight_no,
            from,
            to,
        })
    }

    /// The departure as the clocks of the departure airport show it.
    pub fn departs_local(&self) -> LocalTime {
        local(self.from, self.departs)
    }

    pub fn arrives_local(&self) -> LocalTime {
        local(self.to, self.arrives)
    }

    /// `ET812`
    pub fn flight(&self) -> String {
        format!("{}{}", self.carrier, self.flight_no)
    }
}
