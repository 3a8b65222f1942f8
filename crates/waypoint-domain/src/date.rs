//! Dates of birth as the field knows them: often only a year, sometimes nothing.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::{FieldError, ValueProblem};

/// A date that may be known only in part. Never filled in with a made-up 1 January.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum PartialDate {
    Unknown,
    Year(i32),
    YearMonth(i32, u32),
    Full(NaiveDate),
}

/// Earliest year we accept in a date of birth.
const MIN_YEAR: i32 = 1880;

impl PartialDate {
    /// Parses `YYYY-MM-DD`, `YYYY-MM`, `YYYY` or `UNKNOWN` (case-insensitive).
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim();
        if s.eq_ignore_ascii_case("UNKNOWN") {
            return Ok(Self::Unknown);
        }
        let bad = || {
            FieldError::new(ValueProblem::BadDate {
                value: s.to_owned(),
            })
        };
        // Digits at b[from..from + len] as a number, or None.
        let digits = |b: &[u8], from: usize, len: usize| -> Option<u32> {
            b.get(from..from + len)?.iter().try_fold(0u32, |n, d| {
                d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
            })
        };
        let b = s.as_bytes();
        let year = digits(b, 0, 4).ok_or_else(bad)? as i32;
        let date = match b.len() {
            4 => Self::Year(year),
            7 if b[4] == b'-' => {
                let m = digits(b, 5, 2).ok_or_else(bad)?;
                if !(1..=12).contains(&m) {
                    return Err(FieldError::new(ValueProblem::NoSuchMonth {
                        value: s.to_owned(),
                        month: m,
                    }));
                }
                Self::YearMonth(year, m)
            }
            10 if b[4] == b'-' && b[7] == b'-' => {
                let m = digits(b, 5, 2).ok_or_else(bad)?;
                let d = digits(b, 8, 2).ok_or_else(bad)?;
                Self::Full(NaiveDate::from_ymd_opt(year, m, d).ok_or_else(|| {
                    FieldError::new(ValueProblem::NoSuchDay {
                        value: s.to_owned(),
                    })
                })?)
            }
            _ => return Err(bad()),
        };
        if year < MIN_YEAR {
            return Err(FieldError::new(ValueProblem::TooEarly {
                value: s.to_owned(),
                min_year: MIN_YEAR,
            }));
        }
        Ok(date)
    }

    /// Parses a date of birth: like [`PartialDate::parse`], and not after `today`.
    pub fn parse_birth(raw: &str, today: NaiveDate) -> Result<Self, FieldError> {
        let date = Self::parse(raw)?;
        if date.earliest().is_some_and(|d| d > today) {
            return Err(FieldError::new(ValueProblem::BirthInFuture {
                value: raw.trim().to_owned(),
            }));
        }
        Ok(date)
    }

    pub fn year(&self) -> Option<i32> {
        match self {
            Self::Unknown => None,
            Self::Year(y) | Self::YearMonth(y, _) => Some(*y),
            Self::Full(d) => Some(d.year()),
        }
    }

    /// The first day this date could be.
    pub fn earliest(&self) -> Option<NaiveDate> {
        match *self {
            Self::Unknown => None,
            Self::Year(y) => NaiveDate::from_ymd_opt(y, 1, 1),
            Self::YearMonth(y, m) => NaiveDate::from_ymd_opt(y, m, 1),
            Self::Full(d) => Some(d),
        }
    }

    /// The last day this date could be.
    pub fn latest(&self) -> Option<NaiveDate> {
        match *self {
            Self::Unknown => None,
            Self::Year(y) => NaiveDate::from_ymd_opt(y, 12, 31),
            Self::YearMonth(y, m) => {
                let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
                NaiveDate::from_ymd_opt(ny, nm, 1).and_then(|d| d.pred_opt())
            }
            Self::Full(d) => Some(d),
        }
    }

    /// Age in completed years on `on`, as a range when the date is partial.
    pub fn age_on(&self, on: NaiveDate) -> Option<AgeRange> {
        let youngest = completed_years(self.latest()?, on);
        let oldest = completed_years(self.earliest()?, on);
        Some(AgeRange {
            min: youngest,
            max: oldest,
        })
    }
}

fn completed_years(born: NaiveDate, on: NaiveDate) -> u32 {
    if on < born {
        return 0;
    }
    let mut years = on.year() - born.year();
    if (on.month(), on.day()) < (born.month(), born.day()) {
        years -= 1;
    }
    years.max(0) as u32
}

/// An age in completed years: `min == max` when the date of birth is complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgeRange {
    pub min: u32,
    pub max: u32,
}

impl AgeRange {
    pub fn is_exact(&self) -> bool {
        self.min == self.max
    }
}

impl fmt::Display for AgeRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_exact() {
            write!(f, "{}", self.min)
        } else {
            write!(f, "{}–{}", self.min, self.max)
        }
    }
}

impl PartialDate {
    /// The canonical text (`1984`, `1984-03`, `1984-03-14`, `UNKNOWN`), made without the
    /// formatting machinery: imports make it for every row.
    pub fn to_canonical(&self) -> String {
        fn push(out: &mut String, n: u32, width: usize) {
            let digits = n.to_string();
            for _ in digits.len()..width {
                out.push('0');
            }
            out.push_str(&digits);
        }
        let mut out = String::with_capacity(10);
        match *self {
            Self::Unknown => out.push_str("UNKNOWN"),
            Self::Year(y) => push(&mut out, y.max(0) as u32, 4),
            Self::YearMonth(y, m) => {
                push(&mut out, y.max(0) as u32, 4);
                out.push('-');
                push(&mut out, m, 2);
            }
            Self::Full(d) => {
                push(&mut out, d.year().max(0) as u32, 4);
                out.push('-');
                push(&mut out, d.month(), 2);
                out.push('-');
                push(&mut out, d.day(), 2);
            }
        }
        out
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_canonical())
    }
}

impl From<PartialDate> for String {
    fn from(d: PartialDate) -> String {
        d.to_string()
    }
}

impl TryFrom<String> for PartialDate {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, FieldError> {
        Self::parse(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn parses_every_precision_and_round_trips() {
        for s in ["1979-03-14", "2019-11", "1952", "UNKNOWN"] {
            assert_eq!(PartialDate::parse(s).unwrap().to_string(), s);
        }
        assert_eq!(PartialDate::parse("unknown").unwrap(), PartialDate::Unknown);
    }

    #[test]
    fn rejects_impossible_dates_with_a_reason() {
        for s in [
            "1984-13",
            "1984-02-30",
            "84",
            "1984/02/01",
            "",
            "1700",
            "1984-1-01",
        ] {
            let e = PartialDate::parse(s).unwrap_err();
            assert!(!e.to_string().is_empty(), "{s}");
        }
        assert!(PartialDate::parse_birth("2031", d(2026, 1, 1)).is_err());
    }

    #[test]
    fn a_year_alone_gives_an_age_range_not_a_made_up_birthday() {
        let today = d(2026, 11, 25);
        let age = PartialDate::Year(1984).age_on(today).unwrap();
        assert_eq!((age.min, age.max), (41, 42));
        let age = PartialDate::YearMonth(2019, 11).age_on(today).unwrap();
        assert_eq!((age.min, age.max), (6, 7));
        let age = PartialDate::Full(d(1979, 3, 14)).age_on(today).unwrap();
        assert!(age.is_exact());
        assert_eq!(age.min, 47);
        assert_eq!(PartialDate::Unknown.age_on(today), None);
        assert_eq!(
            PartialDate::YearMonth(2024, 2).latest(),
            Some(d(2024, 2, 29))
        );
    }
}
