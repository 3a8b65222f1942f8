//! The codes a booking is written with: the booking system's reference, the airline's record
//! locator, IATA carrier designators and flight numbers. Each is checked when it is made and
//! kept in one canonical spelling, so that two rows about the same flight compare equal.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{FieldError, ValueProblem};

macro_rules! text_code {
    ($(#[$meta:meta])* $name:ident, $parse:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(into = "String", try_from = "String")]
        pub struct $name(String);

        impl $name {
            pub fn parse(raw: &str) -> Result<Self, FieldError> {
                let parse: fn(&str) -> Result<String, FieldError> = $parse;
                parse(raw.trim()).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<$name> for String {
            fn from(c: $name) -> String {
                c.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = FieldError;
            fn try_from(s: String) -> Result<Self, FieldError> {
                Self::parse(&s)
            }
        }
    };
}

text_code!(
    /// The booking's number in the booking system, stable across exports (`BKG-25-0001`).
    BookingRef,
    |s| crate::record::identifier(s, 40)
);

text_code!(
    /// The airline's record locator (PNR): six letters or digits.
    RecordLocator,
    |s| {
        let up = s.to_ascii_uppercase();
        if up.len() == 6 && up.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(up)
        } else {
            Err(FieldError::new(ValueProblem::BadRecordLocator { value: s.to_owned() }))
        }
    }
);

text_code!(
    /// An IATA airline designator: two letters or digits, not two digits (`ET`, `QR`, `3U`).
    Carrier,
    |s| {
        let up = s.to_ascii_uppercase();
        let b = up.as_bytes();
        if b.len() == 2
            && b.iter().all(u8::is_ascii_alphanumeric)
            && !b.iter().all(u8::is_ascii_digit)
        {
            Ok(up)
        } else {
            Err(FieldError::new(ValueProblem::BadCarrier { value: s.to_owned() }))
        }
    }
);

text_code!(
    /// A flight number: one to four digits, optionally one letter (`812`, `1234A`). Leading
    /// zeros are dropped (`0812` is flight 812).
    FlightNo,
    |s| {
        let up = s.to_ascii_uppercase();
        let digits = up.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        let suffix = &up[digits.len()..];
        let ok = (1..=4).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && suffix.len() <= 1
            && digits.bytes().any(|b| b != b'0');
        if ok {
            Ok(format!("{}{suffix}", digits.trim_start_matches('0')))
        } else {
            Err(FieldError::new(ValueProblem::BadFlightNo { value: s.to_owned() }))
        }
    }
);
