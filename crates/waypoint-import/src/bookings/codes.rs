//! What is wrong with a bookings file, as codes with typed parameters: a window words a
//! [`BookingProblemCode`]; [`BookingFileProblem::message`] is the English the command line prints.

use std::fmt;

use serde::{Deserialize, Serialize};
use waypoint_domain::{BookingProblem, ValueProblem};

use super::columns::Column;
use crate::codes::show;

/// One problem of a bookings file; the file is refused while it has any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingFileProblem {
    /// Physical line of the row (for an unclosed quote: of the quote); the header is 1.
    pub line: u64,
    /// The column's name as in the spec, the header's text for an unknown column, or `""` for
    /// the whole row or file.
    pub column: String,
    /// The value as it is in the file (shortened when very long).
    pub value: String,
    pub code: BookingProblemCode,
}

/// What is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", content = "params", rename_all = "snake_case")]
pub enum BookingProblemCode {
    /// The file has nothing in it, not even a header.
    Empty,
    /// The file is UTF-16, not UTF-8 text.
    NotUtf8File,
    /// The header lacks a required column (the problem's column).
    MissingColumn,
    /// A header name that is not a column of a bookings file.
    UnknownColumn,
    /// The header has this column twice; `first` is where it is first (1-based).
    DuplicateColumn { first: usize },
    /// The value's bytes are not UTF-8.
    NotUtf8,
    /// A quote opens a value and is never closed: the rest of the file was read as one row.
    QuoteNeverClosed,
    /// Text follows the quote that closes a quoted value.
    TextAfterClosingQuote,
    /// The row has another number of fields than the header.
    WrongFieldCount { found: usize, expected: usize },
    /// A required value is empty.
    Required,
    /// The value does not fit its column.
    InvalidValue(ValueProblem),
    /// A segment number is not 1, 2, 3...
    BadSegmentNumber,
    /// `ESCORT:` without a name after it.
    EscortWithoutName,
    /// The traveller is not an individual of an imported case.
    UnknownTraveller,
    /// `escort_type` or `escorts` on a traveller's row.
    OnlyForEscorts,
    /// `ssr_codes` on an escort's row (an escort's SSR codes are not kept).
    OnlyForTravellers,
    /// A row of the booking disagrees with its first row about the booking.
    BookingValueDiffers {
        booking_ref: String,
        first_value: Option<String>,
        first_line: u64,
    },
    /// A row disagrees with the first row of the same segment.
    SegmentValueDiffers {
        segment: usize,
        first_value: Option<String>,
        first_line: u64,
    },
    /// A row of an escort disagrees with the escort's first row.
    EscortValueDiffers {
        first_value: Option<String>,
        first_line: u64,
    },
    /// The booking has rows for later segments but none for this one.
    SegmentMissing { segment: usize },
    /// The same traveller is on the same segment of the booking twice.
    TravellerTwiceOnSegment { segment: usize, first_line: u64 },
    /// A traveller (or escort) is not on these segments of the booking.
    NotOnEverySegment { missing: Vec<usize> },
    /// The booking as assembled cannot stand (the itinerary does not chain, a segment arrives
    /// before it departs, a record locator is missing, an escort of someone not on it).
    Booking(BookingProblem),
}

impl BookingFileProblem {
    /// What is wrong and what to do, in English.
    pub fn message(&self) -> String {
        let column = self.column.as_str();
        let value = self.value.as_str();
        let shown = show(value, 60);
        match &self.code {
            BookingProblemCode::Empty => format!(
                "the file is empty: its first line must name the columns, e.g. {}",
                Column::required_names()
            ),
            BookingProblemCode::NotUtf8File => {
                "the file is not UTF-8 text (it looks like UTF-16): save it again as \"CSV UTF-8\""
                    .to_string()
            }
            BookingProblemCode::MissingColumn => format!(
                "the header has no column {column}: a bookings file must have the columns {}",
                Column::required_names()
            ),
            BookingProblemCode::UnknownColumn => format!(
                "'{shown}' is not a column of a bookings file: correct its name or remove the column"
            ),
            BookingProblemCode::DuplicateColumn { first } => format!(
                "the header has the column {column} twice (the first is column {first}): keep only one"
            ),
            BookingProblemCode::NotUtf8 => {
                format!("'{shown}' is not UTF-8 text: save the file again as \"CSV UTF-8\"")
            }
            BookingProblemCode::QuoteNeverClosed => format!(
                "unclosed quote: the value of {column} starts with a quote (\") that is never closed, so the rest of the file was read as one value"
            ),
            BookingProblemCode::TextAfterClosingQuote => format!(
                "{shown}: a quote (\") ends the quoted value but more text follows it; a quote inside a quoted value is written twice (\"\")"
            ),
            BookingProblemCode::WrongFieldCount { found, expected } => format!(
                "this row has {found} fields but the header has {expected}: check for a missing or extra comma"
            ),
            BookingProblemCode::Required => format!("{column} is required"),
            BookingProblemCode::InvalidValue(problem) => problem.to_string(),
            BookingProblemCode::BadSegmentNumber => format!(
                "'{shown}' is not a segment number: use 1, 2, 3... in the itinerary's order"
            ),
            BookingProblemCode::EscortWithoutName => {
                "an escort is written ESCORT: and the escort's name, e.g. ESCORT:Amina Yusuf"
                    .to_string()
            }
            BookingProblemCode::UnknownTraveller => format!(
                "'{shown}' is not an individual of an imported case: import the case first, or write ESCORT: and the name for an escort"
            ),
            BookingProblemCode::OnlyForEscorts => format!(
                "{column} is only for escorts' rows (traveller ESCORT:name); leave it empty for a traveller"
            ),
            BookingProblemCode::OnlyForTravellers => format!(
                "{column} is only for travellers: an escort's SSR codes are not kept; leave it empty"
            ),
            BookingProblemCode::BookingValueDiffers {
                booking_ref,
                first_value,
                first_line,
            } => format!(
                "booking {booking_ref} has {} here but {} on line {first_line}: every row of a booking must have the same {column}",
                this_or_none(value, column),
                this_or_none(first_value.as_deref().unwrap_or(""), column)
            ),
            BookingProblemCode::SegmentValueDiffers {
                segment,
                first_value,
                first_line,
            } => format!(
                "segment {segment} has {} here but {} on line {first_line}: every row of a segment must have the same {column}",
                this_or_none(value, column),
                this_or_none(first_value.as_deref().unwrap_or(""), column)
            ),
            BookingProblemCode::EscortValueDiffers {
                first_value,
                first_line,
            } => format!(
                "this escort has {} here but {} on line {first_line}: every row of an escort must have the same {column}",
                this_or_none(value, column),
                this_or_none(first_value.as_deref().unwrap_or(""), column)
            ),
            BookingProblemCode::SegmentMissing { segment } => format!(
                "the booking has no row for segment {segment}: number the segments 1, 2, 3... without a gap"
            ),
            BookingProblemCode::TravellerTwiceOnSegment {
                segment,
                first_line,
            } => format!(
                "{shown} is on segment {segment} already, on line {first_line}: one row per traveller per segment"
            ),
            BookingProblemCode::NotOnEverySegment { missing } => {
                let missing: Vec<String> = missing.iter().map(ToString::to_string).collect();
                format!(
                    "{shown} has no row for segment {} of this booking: a traveller flies the whole itinerary (a partial journey is a booking of its own)",
                    missing.join(", ")
                )
            }
            BookingProblemCode::Booking(problem) => problem.to_string(),
        }
    }
}

/// `LINE:COLUMN: message`; the caller puts the file name in front.
impl fmt::Display for BookingFileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message())
    }
}

fn this_or_none(value: &str, column: &str) -> String {
    if value.trim().is_empty() {
        format!("no {column}")
    } else {
        format!("{column} '{}'", show(value.trim(), 60))
    }
}
