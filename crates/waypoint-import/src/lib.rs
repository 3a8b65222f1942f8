//! Reads the case-import CSV (see the import spec) into validated [`Record`]s, with every
//! problem and warning in the file found in one pass.
//!
//! [`parse`] reads the whole input, finds the columns by their header names, runs every cell
//! through [`Field::normalize`] and checks the rows against each other (an `individual_no` once
//! per file; one site, programme, destination and ABN per case). A row with any [`Problem`] is
//! left out of [`ParsedFile::rows`]; a file is fit to load whole when [`ParsedFile::is_clean`].
//! [`Warning`]s are for data that is valid but suspicious and never keep a row out.
//!
//! This crate knows nothing of the store: comparing with what is already stored, and clashes with
//! edits made in Waypoint since the last import, are the store's business.

mod bookings;
mod checks;
mod codes;
mod header;
mod quotes;
mod rows;

use std::io::Read;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use waypoint_domain::{Field, Record};

pub use crate::bookings::{
    BookingFileProblem, BookingProblemCode, BookingsFile, KnownTraveller, read_bookings,
};
pub use crate::codes::{NOT_SHOWN, Problem, ProblemCode, Warning, WarningCode};
use crate::header::header;
use crate::rows::{Parser, count_lines, is_blank, record_start};

/// How often [`parse`] reports progress, in rows.
pub const PROGRESS_EVERY: u64 = 1000;

/// What [`parse`] needs to know besides the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOptions {
    /// Bounds dates of birth, and is the date document expiry is measured from.
    pub today: NaiveDate,
}

impl ImportOptions {
    pub fn new(today: NaiveDate) -> Self {
        Self { today }
    }
}

/// One row that passed validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRow {
    /// Physical line where the row starts, 1-based; the header is line 1.
    pub line: u64,
    pub record: Record,
}

/// Everything read from one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParsedFile {
    /// The rows without any problem, in file order.
    pub rows: Vec<ImportRow>,
    /// Every problem in the file, sorted by line, then by column in the order of the spec
    /// (problems with the whole row first).
    pub problems: Vec<Problem>,
    /// Every warning, sorted like the problems.
    pub warnings: Vec<Warning>,
    /// Header names that are not columns of the spec, each once, as written in the header.
    pub unknown_columns: Vec<String>,
    /// Data rows read after the header, good and bad; rows whose every cell is empty
    /// (spreadsheets leave such rows behind) are skipped and not counted.
    pub rows_read: u64,
}

impl ParsedFile {
    /// Whether the file has no problem at all (it may have warnings).
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}

/// A failure that stops reading the file altogether.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("could not read the file: {0}")]
    Io(#[from] std::io::Error),
    #[error(
        "the file is empty: its first line must name the columns, e.g. {}",
        required_columns()
    )]
    Empty,
    #[error(
        "the file is not UTF-8 text (it looks like {encoding}): open it in the spreadsheet and save it again as \"CSV UTF-8\""
    )]
    NotUtf8 { encoding: &'static str },
    #[error(
        "line 1 is not a header: it names none of the columns of a case import ({}); line 1 reads: {first_line}",
        required_columns()
    )]
    NoHeader { first_line: String },
    #[error(
        "the columns are separated by {separator}, not by commas: open the file in the spreadsheet and save it again as \"CSV UTF-8 (comma delimited)\""
    )]
    WrongSeparator { separator: &'static str },
    #[error(
        "the header (line 1) does not end on line 1: a quote (\") in it is not closed, or a column name holds a line break; the header must be one line of column names separated by commas"
    )]
    HeaderNotOneLine,
    #[error(
        "the header (line 1) has no column {}{}: every case import must have the columns {}",
        columns.join(", "),
        if unknown.is_empty() { String::new() } else {
            format!(" (it has columns that are not in the spec: {})", unknown.join(", "))
        },
        required_columns()
    )]
    MissingColumns {
        /// The required columns the header lacks.
        columns: Vec<String>,
        /// The header's names that are not columns of the spec: perhaps misspelt.
        unknown: Vec<String>,
    },
    #[error(
        "the header (line 1) has the column {column} twice (columns {first} and {second}): keep only one"
    )]
    DuplicateColumn {
        column: String,
        first: usize,
        second: usize,
    },
}

fn required_columns() -> String {
    let names: Vec<&str> = Field::ALL
        .iter()
        .filter(|f| f.required())
        .map(|f| f.column())
        .collect();
    names.join(", ")
}

/// Reads and checks a whole case-import CSV.
///
/// `progress` is called every [`PROGRESS_EVERY`] rows, and once at the end, with the bytes and
/// the rows read so far. The input is read into memory first (tens of thousands of rows are a
/// few megabytes), so that a problem can be shown with the text around it.
pub fn parse<R: Read>(
    mut input: R,
    options: &ImportOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<ParsedFile, ImportError> {
    let mut buf = Vec::new();
    input.read_to_end(&mut buf)?;
    parse_bytes(buf, options, progress)
}

/// [`parse`] for a file already in memory.
pub fn parse_bytes(
    buf: Vec<u8>,
    options: &ImportOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<ParsedFile, ImportError> {
    let mut rows = Vec::new();
    let mut file = parse_bytes_streaming(buf, options, progress, &mut |line, record| {
        rows.push(ImportRow { line, record });
    })?;
    file.rows = rows;
    Ok(file)
}

/// [`parse`] that hands each good row to `on_row`, with the line it starts on, as soon as it
/// is read, so a caller can store rows while the rest of the file is still being checked.
/// The rows are handed over, not kept: [`ParsedFile::rows`] is empty. Later rows never make a
/// row handed over bad; whether the file as a whole is acceptable is known only from the
/// returned [`ParsedFile`].
pub fn parse_streaming<R: Read>(
    mut input: R,
    options: &ImportOptions,
    progress: &mut dyn FnMut(u64, u64),
    on_row: &mut dyn FnMut(u64, Record),
) -> Result<ParsedFile, ImportError> {
    let mut buf = Vec::new();
    input.read_to_end(&mut buf)?;
    parse_bytes_streaming(buf, options, progress, on_row)
}

fn parse_bytes_streaming(
    mut buf: Vec<u8>,
    options: &ImportOptions,
    progress: &mut dyn FnMut(u64, u64),
    on_row: &mut dyn FnMut(u64, Record),
) -> Result<ParsedFile, ImportError> {
    if buf.starts_with(&[0xFF, 0xFE]) || buf.starts_with(&[0xFE, 0xFF]) {
        return Err(ImportError::NotUtf8 { encoding: "UTF-16" });
    }
    // Line breaks of old Mac spreadsheets: a lone CR. The csv crate counts lines by LF only.
    if !buf.contains(&b'\n') {
        for b in buf.iter_mut().filter(|b| **b == b'\r') {
            *b = b'\n';
        }
    }
    let bom = if buf.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let data = &buf[bom..];
    if data.iter().all(u8::is_ascii_whitespace) {
        return Err(ImportError::Empty);
    }

    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(data);
    let mut record = csv::ByteRecord::new();
    if !reader.read_byte_record(&mut record).map_err(csv_error)? {
        return Err(ImportError::Empty);
    }
    let (columns, unknown_columns) = header(&record, data)?;

    // Every row is at least one line: sizing the maps for that many rows at once spares
    // growing them (rehashing every key, again and again) while the file is read.
    let lines = usize::try_from(count_lines(data)).unwrap_or(usize::MAX);
    let mut parser = Parser::new(columns, options.today, lines);
    let mut rows_read = 0;
    loop {
        let before = reader.position().clone();
        if !reader.read_byte_record(&mut record).map_err(csv_error)? {
            break;
        }
        let end = (reader.position().byte() as usize).min(data.len());
        let (start, line) = record_start(data, &before, end);
        if is_blank(&record) {
            continue;
        }
        rows_read += 1;
        if let Some(good) = parser.row(&record, &data[start..end], line) {
            on_row(line, good);
        }
        if rows_read % PROGRESS_EVERY == 0 {
            progress((bom + end) as u64, rows_read);
        }
    }
    progress(buf.len() as u64, rows_read);
    Ok(parser.finish(unknown_columns, rows_read))
}

fn csv_error(e: csv::Error) -> ImportError {
    ImportError::Io(std::io::Error::other(e))
}
