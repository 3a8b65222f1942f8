//! Reads the bookings CSV that comes from the booking system (one row per traveller per
//! segment, see the bookings import spec) into [`Booking`]s, with every problem of the file in
//! one pass: each cell on its own (`row.rs`), then the rows of each booking together
//! (`assemble.rs`: they agree, every traveller flies every segment, and the booking as a whole
//! passes [`Booking::problems`]).
//!
//! The file loads whole or not at all: the caller stores nothing unless
//! [`BookingsFile::is_clean`]. Like the case import this never touches the store: what it
//! needs to know of the travellers comes through the `travellers` lookup.

mod assemble;
mod codes;
mod columns;
mod row;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use waypoint_domain::{Booking, BookingRef, SsrCode};

pub use codes::{BookingFileProblem, BookingProblemCode};
use columns::{Column, column_rank};
use row::{Row, read_row};

use crate::quotes::{self, Trouble};
use crate::rows::{count_lines, is_blank, record_start};

/// What the store knows of an individual named in a bookings file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownTraveller {
    pub case_no: String,
    /// The SSR codes of their special needs: their codes on a segment whose `ssr_codes` cell
    /// is empty.
    pub ssr_codes: Vec<SsrCode>,
}

/// Everything read from a bookings file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingsFile {
    /// The bookings without any problem, in the order of their first row; travellers and
    /// escorts in the order of their first row.
    pub bookings: Vec<Booking>,
    /// Every problem in the file, sorted by line, then by column in the spec's order (problems
    /// with the whole row first).
    pub problems: Vec<BookingFileProblem>,
    /// Data rows read after the header (rows whose every cell is empty are not counted).
    pub rows_read: u64,
}

impl BookingsFile {
    /// Whether the file may be loaded: it has no problem at all.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Reads and checks a whole bookings file. `travellers` says what the store knows of an
/// `individual_no` (in its canonical spelling), `None` when it is not an imported individual;
/// it is asked once per individual.
pub fn read_bookings(
    bytes: &[u8],
    travellers: &dyn Fn(&str) -> Option<KnownTraveller>,
) -> BookingsFile {
    let mut file = BookingsFile {
        bookings: Vec::new(),
        problems: Vec::new(),
        rows_read: 0,
    };
    let file_problem = |code| BookingFileProblem {
        line: 1,
        column: String::new(),
        value: String::new(),
        code,
    };
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        file.problems
            .push(file_problem(BookingProblemCode::NotUtf8File));
        return file;
    }
    // Line breaks of old Mac spreadsheets: a lone CR. The csv crate counts lines by LF only.
    let owned;
    let bytes = if bytes.contains(&b'\r') && !bytes.contains(&b'\n') {
        owned = bytes
            .iter()
            .map(|&b| if b == b'\r' { b'\n' } else { b })
            .collect::<Vec<u8>>();
        &owned[..]
    } else {
        bytes
    };
    let data = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if data.iter().all(u8::is_ascii_whitespace) {
        file.problems.push(file_problem(BookingProblemCode::Empty));
        return file;
    }

    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(data);
    let mut record = csv::ByteRecord::new();
    if !matches!(reader.read_byte_record(&mut record), Ok(true)) {
        file.problems.push(file_problem(BookingProblemCode::Empty));
        return file;
    }
    if record.as_slice().contains(&0) {
        file.problems
            .push(file_problem(BookingProblemCode::NotUtf8File));
        return file;
    }
    let names: Vec<String> = record
        .iter()
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    let Some(at) = header(&names, &mut file.problems) else {
        sort(&mut file.problems);
        return file;
    };
    let width = names.len();
    // The column of the spec at each position of the file.
    let mut spec_column: Vec<Option<Column>> = vec![None; width];
    for c in Column::ALL {
        if let Some(i) = at[c.index()] {
            spec_column[i] = Some(c);
        }
    }

    let mut known: HashMap<String, Option<KnownTraveller>> = HashMap::new();
    let mut lookup = |no: &str| -> Option<KnownTraveller> {
        known
            .entry(no.to_string())
            .or_insert_with(|| travellers(no))
            .clone()
    };
    let mut rows: Vec<Row> = Vec::new();
    loop {
        let before = reader.position().clone();
        if !matches!(reader.read_byte_record(&mut record), Ok(true)) {
            break;
        }
        let end = (reader.position().byte() as usize).min(data.len());
        let (start, line) = record_start(data, &before, end);
        if is_blank(&record) {
            continue;
        }
        file.rows_read += 1;
        let raw = &data[start..end];
        let mut unusable = [false; Column::COUNT];
        let name_of = |field: usize| spec_column.get(field).copied().flatten();
        if raw.contains(&b'"') {
            match quotes::scan(raw).trouble {
                Some(Trouble::Unclosed { field, open }) => {
                    file.problems.push(BookingFileProblem {
                        line: line + count_lines(&raw[..open]),
                        column: name_of(field).map_or("", |c| c.name()).to_string(),
                        value: first_line(&raw[open..]),
                        code: BookingProblemCode::QuoteNeverClosed,
                    });
                    continue;
                }
                Some(Trouble::TextAfterClose(q)) => {
                    let column = name_of(q.field);
                    file.problems.push(BookingFileProblem {
                        line,
                        column: column.map_or("", |c| c.name()).to_string(),
                        value: first_line(&raw[q.open..]),
                        code: BookingProblemCode::TextAfterClosingQuote,
                    });
                    if let Some(c) = column {
                        unusable[c.index()] = true;
                    }
                }
                None => {}
            }
        }
        if record.len() != width {
            file.problems.push(BookingFileProblem {
                line,
                column: String::new(),
                value: first_line(raw),
                code: BookingProblemCode::WrongFieldCount {
                    found: record.len(),
                    expected: width,
                },
            });
            continue;
        }
        let mut text = vec![String::new(); Column::COUNT];
        for c in Column::ALL {
            let Some(cell) = at[c.index()].and_then(|i| record.get(i)) else {
                continue;
            };
            match std::str::from_utf8(cell) {
                Ok(s) => text[c.index()] = s.to_string(),
                Err(_) => {
                    unusable[c.index()] = true;
                    file.problems.push(BookingFileProblem {
                        line,
                        column: c.name().to_string(),
                        value: String::from_utf8_lossy(cell).into_owned(),
                        code: BookingProblemCode::NotUtf8,
                    });
                }
            }
        }
        rows.push(read_row(
            line,
            text,
            unusable,
            &mut lookup,
            &mut file.problems,
        ));
    }

    // The rows of each booking, in the order of its first row.
    let mut bookings: Vec<Vec<&Row>> = Vec::new();
    let mut index: HashMap<&BookingRef, usize> = HashMap::new();
    for r in &rows {
        let Some(booking_ref) = &r.booking_ref else {
            continue;
        };
        let i = *index.entry(booking_ref).or_insert_with(|| {
            bookings.push(Vec::new());
            bookings.len() - 1
        });
        bookings[i].push(r);
    }
    for booking_rows in &bookings {
        if let Some(b) = assemble::assemble(booking_rows, &mut file.problems) {
            file.bookings.push(b);
        }
    }
    sort(&mut file.problems);
    file
}

fn sort(problems: &mut [BookingFileProblem]) {
    problems.sort_by_cached_key(|p| (p.line, column_rank(&p.column)));
}

/// The text from the start of `raw` to the end of its line, as a problem shows it.
fn first_line(raw: &[u8]) -> String {
    let end = raw
        .iter()
        .position(|&b| b == b'\n' || b == b'\r')
        .unwrap_or(raw.len());
    crate::codes::show(&String::from_utf8_lossy(&raw[..end]), 80)
}

/// Where each column of the spec is in the file (by [`Column::index`]), with the header's
/// problems. `None` when a required column is missing: the rows cannot be read.
fn header(
    cells: &[String],
    problems: &mut Vec<BookingFileProblem>,
) -> Option<[Option<usize>; Column::COUNT]> {
    let mut at: [Option<usize>; Column::COUNT] = [None; Column::COUNT];
    let mut problem = |column: &str, value: &str, code| {
        problems.push(BookingFileProblem {
            line: 1,
            column: column.to_string(),
            value: value.to_string(),
            code,
        });
    };
    for (i, cell) in cells.iter().enumerate() {
        let text = cell.trim();
        match Column::from_name(text) {
            Some(c) => match at[c.index()] {
                Some(first) => problem(
                    c.name(),
                    text,
                    BookingProblemCode::DuplicateColumn { first: first + 1 },
                ),
                None => at[c.index()] = Some(i),
            },
            // A trailing comma leaves an empty name: harmless.
            None if text.is_empty() => {}
            None => problem(text, text, BookingProblemCode::UnknownColumn),
        }
    }
    let mut complete = true;
    for c in Column::ALL
        .iter()
        .filter(|c| c.required() && at[c.index()].is_none())
    {
        problem(c.name(), "", BookingProblemCode::MissingColumn);
        complete = false;
    }
    complete.then_some(at)
}

#[cfg(test)]
mod escort_tests;
#[cfg(test)]
mod tests;
