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

mod checks;
mod codes;
mod quotes;

use std::collections::HashMap;
use std::collections::hash_map::Entry as MapEntry;
use std::io::Read;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use waypoint_domain::{Field, Record};

use crate::checks::{Checks, Member};
use crate::codes::show;
pub use crate::codes::{NOT_SHOWN, Problem, ProblemCode, Warning, WarningCode};
use crate::quotes::Trouble;

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

    let mut absent = [true; Field::COUNT];
    for f in columns.iter().filter_map(|c| c.field) {
        absent[f.index()] = false;
    }
    // Every row is at least one line: sizing the maps for that many rows at once spares
    // growing them (rehashing every key, again and again) while the file is read.
    let lines = usize::try_from(count_lines(data)).unwrap_or(usize::MAX);
    let mut parser = Parser {
        absent,
        columns,
        today: options.today,
        problems: Vec::new(),
        checks: Checks::new(options.today, lines),
        individuals: HashMap::with_capacity(lines),
        cases: HashMap::new(),
        case_list: Vec::new(),
    };
    let mut rows_read = 0;
    loop {
        let before = reader.position().clone();
        if !reader.read_byte_record(&mut record).map_err(csv_error)? {
            break;
        }
        let end = (reader.position().byte() as usize).min(data.len());
        // The record's position is where the previous one ended: step over the line break(s)
        // (and the blank lines the csv crate skips) to where this record really starts.
        let (mut start, mut line) = (before.byte() as usize, before.line());
        while start < end && matches!(data[start], b'\r' | b'\n') {
            line += u64::from(data[start] == b'\n');
            start += 1;
        }
        if record
            .iter()
            .all(|cell| cell.iter().all(u8::is_ascii_whitespace))
        {
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

/// One column of the file.
#[derive(Debug)]
struct Column {
    /// The spec's name for a known column, else the header text, trimmed and lower-cased.
    name: String,
    field: Option<Field>,
}

fn header(
    record: &csv::ByteRecord,
    data: &[u8],
) -> Result<(Vec<Column>, Vec<String>), ImportError> {
    if record.as_slice().contains(&0) {
        return Err(ImportError::NotUtf8 { encoding: "UTF-16" });
    }
    if record.as_slice().iter().any(|&b| b == b'\n' || b == b'\r') {
        return Err(ImportError::HeaderNotOneLine);
    }
    let mut columns = Vec::with_capacity(record.len());
    let mut unknown: Vec<String> = Vec::new();
    let mut seen: [Option<usize>; Field::COUNT] = [None; Field::COUNT];
    for (i, cell) in record.iter().enumerate() {
        let text = String::from_utf8_lossy(cell);
        let text = text.trim();
        let field = Field::from_column(text);
        if let Some(f) = field {
            if let Some(first) = seen[f.index()] {
                return Err(ImportError::DuplicateColumn {
                    column: f.column().to_string(),
                    first: first + 1,
                    second: i + 1,
                });
            }
            seen[f.index()] = Some(i);
        } else {
            let shown = if text.is_empty() {
                format!("(column {} has no name)", i + 1)
            } else {
                text.to_string()
            };
            if !unknown.contains(&shown) {
                unknown.push(shown);
            }
        }
        columns.push(Column {
            name: field.map_or_else(|| text.to_lowercase(), |f| f.column().to_string()),
            field,
        });
    }
    if seen.iter().all(Option::is_none) {
        let first_line = data.split(|&b| b == b'\n').next().unwrap_or_default();
        let first_line = String::from_utf8_lossy(first_line);
        for (byte, separator) in [(';', "semicolons (;)"), ('\t', "tabs")] {
            let known = first_line
                .split(byte)
                .filter(|name| Field::from_column(name.trim_matches(['"', ' '])).is_some())
                .count();
            if known > 0 {
                return Err(ImportError::WrongSeparator { separator });
            }
        }
        return Err(ImportError::NoHeader {
            first_line: show(first_line.trim_end(), 100),
        });
    }
    let missing: Vec<String> = Field::ALL
        .iter()
        .filter(|f| f.required() && seen[f.index()].is_none())
        .map(|f| f.column().to_string())
        .collect();
    if !missing.is_empty() {
        return Err(ImportError::MissingColumns {
            columns: missing,
            unknown,
        });
    }
    Ok((columns, unknown))
}

/// The case-level fields that every row of one case must agree on.
const CASE_FIELDS: [Field; 4] = [
    Field::Site,
    Field::Programme,
    Field::Destination,
    Field::Abn,
];

/// Where each case-level value of a case was first seen: (line, canonical value).
type CaseValues = [Option<(u64, Option<String>)>; CASE_FIELDS.len()];

/// What is kept of each case while the file is read.
#[derive(Default)]
struct CaseSeen {
    values: CaseValues,
    /// Its rows, good and bad, for the warnings about whole cases.
    members: Vec<Member>,
}

struct Parser {
    columns: Vec<Column>,
    today: NaiveDate,
    problems: Vec<Problem>,
    /// The warnings, found as the rows are read.
    checks: Checks,
    /// individual_no → line where it first appears.
    individuals: HashMap<String, u64>,
    /// case_no → where the case is in `case_list`.
    cases: HashMap<String, usize>,
    /// Every case, in the order of its first row.
    case_list: Vec<CaseSeen>,
    /// By field index: the file has no column for the field.
    absent: [bool; Field::COUNT],
}

impl Parser {
    fn column_name(&self, index: usize) -> &str {
        self.columns.get(index).map_or("", |c| c.name.as_str())
    }

    fn problem(&mut self, line: u64, column: &str, value: String, code: ProblemCode) {
        self.problems.push(Problem {
            line,
            column: column.to_string(),
            value,
            code,
        });
    }

    /// Checks one row; `raw` is its text in the file, from its first byte to the next row.
    /// Returns the row's values when it has no problem.
    fn row(&mut self, record: &csv::ByteRecord, raw: &[u8], line: u64) -> Option<Record> {
        let before = self.problems.len();
        let expected = self.columns.len();
        let found = record.len();
        let mut skip = None;
        if raw.contains(&b'"') {
            let scan = quotes::scan(raw);
            match scan.trouble {
                Some(Trouble::Unclosed { field, open }) => {
                    self.unclosed_quote(raw, line, field, open, None);
                    return None;
                }
                Some(Trouble::TextAfterClose(q)) if has_line_break(&raw[q.open..q.close]) => {
                    self.unclosed_quote(raw, line, q.field, q.open, Some(q.close));
                    return None;
                }
                Some(Trouble::TextAfterClose(q)) => {
                    self.stray_quote(raw, line, q);
                    skip = Some(q.field);
                }
                None => {
                    if found != expected {
                        if let Some(q) = scan.first_multiline {
                            self.unclosed_quote(raw, line, q.field, q.open, Some(q.close));
                            return None;
                        }
                    }
                }
            }
        }
        if found != expected {
            self.wrong_field_count(raw, line, found);
            return None;
        }

        let mut values = Record::new();
        // By field index: the row has a usable value (possibly none) for the field. Columns the
        // file does not have are usable as "no value".
        let mut usable = self.absent;
        // The row's text checked as UTF-8 at once (usually it is); a cell is then a slice of it
        // unless it starts or ends inside a character, and then it is checked alone.
        let whole = std::str::from_utf8(record.as_slice()).ok();
        for (i, cell) in record.iter().enumerate() {
            let Some(field) = self.columns[i].field else {
                continue;
            };
            if skip == Some(i) {
                continue;
            }
            let checked = whole.and_then(|w| record.range(i).and_then(|r| w.get(r)));
            let text = match checked.map_or_else(|| std::str::from_utf8(cell), Ok) {
                Ok(text) => text,
                Err(_) => {
                    let value = String::from_utf8_lossy(cell).into_owned();
                    self.problem(line, field.column(), value, ProblemCode::NotUtf8);
                    continue;
                }
            };
            match field.normalize(text, self.today) {
                Ok(value) => {
                    values.set(field, value);
                    usable[field.index()] = true;
                }
                Err(e) => {
                    let code = ProblemCode::InvalidValue(e.problem().clone());
                    self.problem(line, field.column(), shorten(text), code);
                }
            }
        }
        self.across_rows(&values, usable, line);
        self.checks.row(line, &values);
        (self.problems.len() == before).then_some(values)
    }

    /// Checks a row against the rows before it: one row per individual, one set of case values
    /// per case.
    fn across_rows(&mut self, values: &Record, usable: [bool; Field::COUNT], line: u64) {
        if let Some(no) = values.get(Field::IndividualNo) {
            match self.individuals.entry(no.to_string()) {
                MapEntry::Occupied(first) => {
                    let code = ProblemCode::DuplicateIndividual {
                        first_line: *first.get(),
                    };
                    self.problem(line, Field::IndividualNo.column(), no.to_string(), code);
                }
                MapEntry::Vacant(v) => {
                    v.insert(line);
                }
            }
        }
        let Some(case_no) = values.get(Field::CaseNo) else {
            return;
        };
        let index = match self.cases.get(case_no) {
            Some(&index) => index,
            None => {
                let index = self.case_list.len();
                self.cases.insert(case_no.to_string(), index);
                self.case_list.push(CaseSeen::default());
                index
            }
        };
        let Some(case) = self.case_list.get_mut(index) else {
            return;
        };
        case.members.push(Member::new(line, values));
        let seen = &mut case.values;
        let mut disagreements = Vec::new();
        for (k, field) in CASE_FIELDS.iter().enumerate() {
            if !usable[field.index()] {
                continue;
            }
            let value = values.get(*field);
            match &seen[k] {
                None => seen[k] = Some((line, value.map(str::to_string))),
                Some((first_line, first)) if first.as_deref() != value => {
                    let code = ProblemCode::CaseValueDiffers {
                        case_no: case_no.to_string(),
                        first_value: first.clone(),
                        first_line: *first_line,
                    };
                    disagreements.push((*field, value.unwrap_or_default().to_string(), code));
                }
                Some(_) => {}
            }
        }
        for (field, value, code) in disagreements {
            self.problem(line, field.column(), value, code);
        }
    }

    fn unclosed_quote(
        &mut self,
        raw: &[u8],
        line: u64,
        field: usize,
        open: usize,
        close: Option<usize>,
    ) {
        let quote_line = line + count_lines(&raw[..open]);
        let column = self.column_name(field).to_string();
        let code = match close {
            Some(close) => ProblemCode::QuoteNotClosedOnLine {
                next_quote_line: line + count_lines(&raw[..close]),
            },
            None => {
                let last_line = line + count_lines(raw.trim_ascii_end());
                ProblemCode::QuoteNeverClosed {
                    last_line: (last_line > quote_line).then_some(last_line),
                }
            }
        };
        let value = first_line_from(raw, open);
        self.problem(quote_line, &column, value, code);
    }

    fn stray_quote(&mut self, raw: &[u8], line: u64, q: quotes::Quoted) {
        let rest = &raw[q.open..];
        let end = rest
            .iter()
            .position(|&b| matches!(b, b',' | b'\r' | b'\n'))
            .unwrap_or(rest.len());
        let value = String::from_utf8_lossy(&rest[..end]);
        let column = self.column_name(q.field).to_string();
        let code = ProblemCode::TextAfterClosingQuote;
        self.problem(line, &column, shorten(&value), code);
    }

    fn wrong_field_count(&mut self, raw: &[u8], line: u64, found: usize) {
        let expected = self.columns.len();
        let (column, ends_before) = if found < expected {
            let missing = self.column_name(found);
            let column = if self.columns[found].field.is_some() {
                missing.to_string()
            } else {
                String::new()
            };
            (column, Some(missing.to_string()))
        } else {
            (String::new(), None)
        };
        let code = ProblemCode::WrongFieldCount {
            found,
            expected,
            ends_before,
        };
        let value = first_line_from(raw, 0);
        self.problem(line, &column, value, code);
    }

    fn finish(self, unknown_columns: Vec<String>, rows_read: u64) -> ParsedFile {
        let mut problems = self.problems;
        problems.sort_by_cached_key(|p| (p.line, column_rank(&p.column)));
        let cases = self.case_list.iter().map(|c| c.members.as_slice());
        let mut warnings = self.checks.finish(cases);
        warnings.sort_by_cached_key(|w| (w.line, column_rank(&w.column)));
        ParsedFile {
            rows: Vec::new(),
            problems,
            warnings,
            unknown_columns,
            rows_read,
        }
    }
}

/// Whole-row problems first, then the columns in the order of the spec, then unknown columns.
fn column_rank(column: &str) -> usize {
    if column.is_empty() {
        0
    } else {
        Field::from_column(column).map_or(usize::MAX, |f| f.index() + 1)
    }
}

fn has_line_break(bytes: &[u8]) -> bool {
    bytes.iter().any(|&b| b == b'\n' || b == b'\r')
}

/// How many line feeds `bytes` holds. Counted in blocks of 255 into one byte each: the
/// compiler makes that a vector loop, ten times faster than counting into a `usize`.
fn count_lines(bytes: &[u8]) -> u64 {
    bytes
        .chunks(255)
        .map(|block| block.iter().fold(0u8, |n, &b| n + u8::from(b == b'\n')))
        .map(u64::from)
        .sum()
}

/// The text of `raw` from `from` to the end of that line, shortened.
fn first_line_from(raw: &[u8], from: usize) -> String {
    let rest = raw.get(from..).unwrap_or_default();
    let end = rest
        .iter()
        .position(|&b| b == b'\n' || b == b'\r')
        .unwrap_or(rest.len());
    show(&String::from_utf8_lossy(&rest[..end]), 80)
}

/// A value as kept in a problem: very long text is cut.
fn shorten(value: &str) -> String {
    const MAX: usize = 300;
    if value.len() <= MAX {
        value.to_string()
    } else {
        let mut end = MAX;
        while !value.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &value[..end])
    }
}
