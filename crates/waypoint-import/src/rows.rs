//! The rows: each cell through the domain's checks, and each row against the rows before it.

use std::collections::HashMap;
use std::collections::hash_map::Entry as MapEntry;

use chrono::NaiveDate;
use waypoint_domain::{Field, Record};

use crate::checks::{Checks, Member};
use crate::codes::show;
use crate::header::Column;
use crate::quotes::{self, Trouble};
use crate::{ParsedFile, Problem, ProblemCode};

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
pub(crate) struct CaseSeen {
    values: CaseValues,
    /// Its rows, good and bad, for the warnings about whole cases.
    members: Vec<Member>,
}

pub(crate) struct Parser {
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
    /// `lines`: how many lines the file has (the maps are sized for it).
    pub(crate) fn new(columns: Vec<Column>, today: NaiveDate, lines: usize) -> Self {
        let mut absent = [true; Field::COUNT];
        for f in columns.iter().filter_map(|c| c.field) {
            absent[f.index()] = false;
        }
        Self {
            absent,
            columns,
            today,
            problems: Vec::new(),
            checks: Checks::new(today, lines),
            individuals: HashMap::with_capacity(lines),
            cases: HashMap::new(),
            case_list: Vec::new(),
        }
    }

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
    pub(crate) fn row(
        &mut self,
        record: &csv::ByteRecord,
        raw: &[u8],
        line: u64,
    ) -> Option<Record> {
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

    pub(crate) fn finish(self, unknown_columns: Vec<String>, rows_read: u64) -> ParsedFile {
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
pub(crate) fn count_lines(bytes: &[u8]) -> u64 {
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
pub(crate) fn shorten(value: &str) -> String {
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

/// Where a record the csv crate read really starts, and on which line: its position is where
/// the previous record ended, so the line break(s) (and the blank lines the crate skips) are
/// stepped over.
pub(crate) fn record_start(data: &[u8], before: &csv::Position, end: usize) -> (usize, u64) {
    let (mut start, mut line) = (before.byte() as usize, before.line());
    while start < end && matches!(data[start], b'\r' | b'\n') {
        line += u64::from(data[start] == b'\n');
        start += 1;
    }
    (start, line)
}

/// A row whose every cell is blank: not a row of data.
pub(crate) fn is_blank(record: &csv::ByteRecord) -> bool {
    record
        .iter()
        .all(|cell| cell.iter().all(u8::is_ascii_whitespace))
}
