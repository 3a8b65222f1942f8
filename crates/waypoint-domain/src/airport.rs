//! IATA airport codes, checked against a shipped public data set.
//!
//! `data/airports-iata.csv` is every airport with an IATA code from the `airportsdata` package
//! (PyPI, version 20260905, MIT licence, see `data/airports-LICENSE`): iata, icao, name, city,
//! country (ISO 3166-1 alpha-2), tz (IANA time zone).

use std::fmt;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::{FieldError, ValueProblem};

const AIRPORTS_CSV: &str = include_str!("../data/airports-iata.csv");

/// One airport of the shipped table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Airport {
    pub iata: String,
    pub icao: String,
    pub name: String,
    pub city: String,
    #[serde(rename = "country")]
    pub country_alpha2: String,
    #[serde(rename = "tz")]
    pub time_zone: String,
}

/// The table, sorted by IATA code (as the file is; sorted again to be sure).
static AIRPORTS: LazyLock<Vec<([u8; 3], Airport)>> = LazyLock::new(|| {
    let mut airports: Vec<([u8; 3], Airport)> = csv::Reader::from_reader(AIRPORTS_CSV.as_bytes())
        .into_deserialize::<Airport>()
        // The table is part of the binary and checked by a test; a bad row cannot come from a user.
        .filter_map(Result::ok)
        .filter_map(|a| Some((code3(&a.iata)?, a)))
        .collect();
    airports.sort_by_key(|(code, _)| *code);
    airports
});

fn find(code: &[u8; 3]) -> Option<&'static Airport> {
    let i = AIRPORTS.binary_search_by_key(code, |(c, _)| *c).ok()?;
    Some(&AIRPORTS[i].1)
}

/// Three ASCII letters, upper-cased, or `None`.
pub(crate) fn code3(s: &str) -> Option<[u8; 3]> {
    match s.as_bytes() {
        [a, b, c] if s.bytes().all(|b| b.is_ascii_alphabetic()) => Some([
            a.to_ascii_uppercase(),
            b.to_ascii_uppercase(),
            c.to_ascii_uppercase(),
        ]),
        _ => None,
    }
}

/// A three-letter IATA airport code that exists in the shipped table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct AirportCode([u8; 3]);

impl AirportCode {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        if let Some(code) = code3(raw.trim()).filter(|c| find(c).is_some()) {
            return Ok(Self(code));
        }
        Err(FieldError::new(ValueProblem::UnknownAirport {
            value: raw.trim().to_owned(),
        }))
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("")
    }

    pub fn airport(&self) -> Option<&'static Airport> {
        find(&self.0)
    }
}

impl fmt::Display for AirportCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
impl From<AirportCode> for String {
    fn from(c: AirportCode) -> String {
        c.to_string()
    }
}
impl TryFrom<String> for AirportCode {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, FieldError> {
        Self::parse(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_the_sample_destinations_with_time_zones() {
        for (code, tz) in [
            ("ORD", "America/Chicago"),
            ("FRA", "Europe/Berlin"),
            ("KGL", "Africa/Kigali"),
        ] {
            let a = AirportCode::parse(code).unwrap().airport().unwrap();
            assert_eq!(a.time_zone, tz, "{code}");
        }
        assert_eq!(AirportCode::parse("sea").unwrap().as_str(), "SEA");
    }

    #[test]
    fn the_whole_table_loads() {
        assert!(
            AIRPORTS.len() > 7000 && AIRPORTS.iter().all(|(c, a)| find(c) == Some(a)),
            "{}",
            AIRPORTS.len()
        );
    }

    #[test]
    fn rejects_unknown_codes() {
        for c in ["ZZZ", "OR", "ORDX", ""] {
            assert!(AirportCode::parse(c).is_err(), "{c}");
        }
    }
}
