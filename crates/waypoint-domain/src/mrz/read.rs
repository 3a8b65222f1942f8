//! Reading a zone as typed or scanned. The `mrz` crate reads the fields (names, codes, dates);
//! the check digits are Waypoint's own, from the characters printed, because that is where
//! readers disagree (docs/mrz.md): long document numbers, and fillers where a digit belongs.

use ::mrz::MrzDate;

use super::check_digit::verifies;
use super::{CheckDigit, CheckedField, DocumentDate, MrzError, MrzFormat, MrzReading};

/// Reads an MRZ as typed or scanned: two or three lines (or a scanner's one line of 88, 72 or
/// 90 characters); blanks are ignored and lower case accepted. A zone whose check digits
/// fail is read, and says which fail; only a text that is no zone at all is an error.
pub fn read_mrz(text: &str) -> Result<MrzReading, MrzError> {
    let lines = zone_lines(text);
    let lengths: Vec<usize> = lines.iter().map(|l| l.chars().count()).collect();
    let (format, parsed) = match (lines.as_slice(), lengths.as_slice()) {
        ([a, b, c], [30, 30, 30]) => (MrzFormat::Td1, ::mrz::parse_td1(a, b, c)),
        ([a, b], [44, 44]) if a.starts_with('V') => (MrzFormat::MrvA, ::mrz::parse_mrv_a(a, b)),
        ([a, b], [44, 44]) => (MrzFormat::Td3, ::mrz::parse_td3(a, b)),
        ([a, b], [36, 36]) if a.starts_with('V') => (MrzFormat::MrvB, ::mrz::parse_mrv_b(a, b)),
        ([a, b], [36, 36]) => (MrzFormat::Td2, ::mrz::parse_td2(a, b)),
        _ => return Err(MrzError::Shape { lengths }),
    };
    let data = parsed.map_err(|e| MrzError::Unreadable(e.to_string()))?;
    // The crate has refused every character outside A-Z, 0-9 and `<`: the lines are ASCII.
    if !lines.iter().all(|l| l.is_ascii()) {
        return Err(MrzError::Unreadable(
            "it holds characters other than A-Z, 0-9 and <".into(),
        ));
    }
    let zone = Zone { format, lines };
    let (document_number, number_ok) = zone.document_number();
    Ok(MrzReading {
        format,
        document_code: fillers_off(&data.document_type),
        issuing_country: fillers_off(&data.issuing_country),
        document_number,
        surname: data.surname.clone(),
        given_names: data.given_names.clone(),
        nationality: fillers_off(&data.nationality),
        date_of_birth: document_date(&data.date_of_birth),
        sex: data.sex.zone_char(),
        date_of_expiry: document_date(&data.date_of_expiry),
        check_digits: zone.check_digits(number_ok),
    })
}

/// The lines of a zone as typed or scanned: blanks removed, upper case, empty lines dropped;
/// a scanner's single line of a whole zone cut into its lines.
fn zone_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text
        .lines()
        .map(|l| {
            l.chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_ascii_uppercase()
        })
        .filter(|l| !l.is_empty())
        .collect();
    if let [one] = lines.as_slice() {
        let width = match one.chars().count() {
            88 => Some(44),
            72 => Some(36),
            90 => Some(30),
            _ => None,
        };
        if let Some(width) = width {
            let chars: Vec<char> = one.chars().collect();
            lines = chars.chunks(width).map(|c| c.iter().collect()).collect();
        }
    }
    lines
}

fn fillers_off(s: &str) -> String {
    s.trim_end_matches('<').to_string()
}

fn document_date(date: &MrzDate) -> DocumentDate {
    match date {
        MrzDate::Calendar(d) | MrzDate::OutOfCalendar(d) => DocumentDate::Day {
            year: d.year,
            month: d.month,
            day: d.day,
        },
        MrzDate::PartiallyUnknown(_) | MrzDate::Unknown => {
            DocumentDate::PartlyUnknown(date.to_string())
        }
        // Malformed, or a kind a later version of the crate adds.
        _ => DocumentDate::Unreadable(date.to_string()),
    }
}

/// The lines of a zone of a known format (ASCII, of the format's widths).
struct Zone {
    format: MrzFormat,
    lines: Vec<String>,
}

impl Zone {
    /// Characters `from..to` of line `line` (empty outside the zone, which the widths
    /// checked before rule out).
    fn cells(&self, line: usize, from: usize, to: usize) -> &str {
        self.lines
            .get(line)
            .and_then(|l| l.get(from..to))
            .unwrap_or("")
    }

    fn cell(&self, line: usize, at: usize) -> char {
        self.cells(line, at, at + 1).chars().next().unwrap_or('<')
    }

    /// The document number, whole, and whether its check digit agrees.
    ///
    /// ICAO 9303 Parts 5 and 6 (TD1, TD2): a number of more than 9 characters fills the
    /// field, a filler stands where its check digit would be, and the rest of the number goes
    /// on in the optional data, followed by the check digit of the whole number and a filler.
    /// Part 4 (passports) and Part 7 (visas) have no such rule: there a filler in place of the
    /// digit fails.
    fn document_number(&self) -> (String, bool) {
        let (line, at, optional) = match self.format {
            MrzFormat::Td1 => (0, 5, Some(self.cells(0, 15, 30))),
            MrzFormat::Td2 => (1, 0, Some(self.cells(1, 28, 35))),
            MrzFormat::Td3 | MrzFormat::MrvA | MrzFormat::MrvB => (1, 0, None),
        };
        let field = self.cells(line, at, at + 9);
        let printed = self.cell(line, at + 9);
        let number = field.trim_end_matches('<');
        if printed == '<' && !number.is_empty() {
            if let Some(optional) = optional {
                return long_number(field, optional);
            }
        }
        (number.to_string(), verifies(field, printed))
    }

    fn check_digits(&self, number_ok: bool) -> Vec<CheckDigit> {
        let check = |field: CheckedField, ok: bool| CheckDigit { field, ok };
        let digit = |line: usize, from: usize, to: usize| {
            verifies(self.cells(line, from, to), self.cell(line, to))
        };
        let mut checks = vec![check(CheckedField::DocumentNumber, number_ok)];
        match self.format {
            MrzFormat::Td1 => {
                checks.push(check(CheckedField::DateOfBirth, digit(1, 0, 6)));
                checks.push(check(CheckedField::DateOfExpiry, digit(1, 8, 14)));
                // Line 1 from the number on (its continuation and check digit included), the
                // dates with their digits, line 2's optional data.
                let covered = [
                    self.cells(0, 5, 30),
                    self.cells(1, 0, 7),
                    self.cells(1, 8, 15),
                    self.cells(1, 18, 29),
                ]
                .concat();
                checks.push(check(
                    CheckedField::Composite,
                    verifies(&covered, self.cell(1, 29)),
                ));
            }
            MrzFormat::Td2 | MrzFormat::Td3 => {
                let width = if self.format == MrzFormat::Td2 {
                    36
                } else {
                    44
                };
                checks.push(check(CheckedField::DateOfBirth, digit(1, 13, 19)));
                checks.push(check(CheckedField::DateOfExpiry, digit(1, 21, 27)));
                if self.format == MrzFormat::Td3 {
                    checks.push(check(CheckedField::PersonalNumber, self.personal_number()));
                }
                let covered = [
                    self.cells(1, 0, 10),
                    self.cells(1, 13, 20),
                    self.cells(1, 21, width - 1),
                ]
                .concat();
                checks.push(check(
                    CheckedField::Composite,
                    verifies(&covered, self.cell(1, width - 1)),
                ));
            }
            MrzFormat::MrvA | MrzFormat::MrvB => {
                checks.push(check(CheckedField::DateOfBirth, digit(1, 13, 19)));
                checks.push(check(CheckedField::DateOfExpiry, digit(1, 21, 27)));
            }
        }
        checks
    }

    /// A passport's personal number (Part 4): an empty one may have a filler for its check
    /// digit (or 0); any other has a numeral.
    fn personal_number(&self) -> bool {
        let field = self.cells(1, 28, 42);
        let printed = self.cell(1, 42);
        if printed == '<' {
            return field.bytes().all(|b| b == b'<');
        }
        verifies(field, printed)
    }
}

/// A number longer than its field: the field's 9 characters, then the optional data up to its
/// first filler, whose last character is the check digit of the whole number.
///
/// ICAO computes that digit over the number alone (ICAO 9303 Part 11's TD1 example). Some
/// issuers computed it with the filler between the two parts counted (Belgian cards of the
/// 2000s, PRADO BEL-BO-03003): both are accepted, see docs/mrz.md.
fn long_number(field: &str, optional: &str) -> (String, bool) {
    let end = optional.find('<').unwrap_or(optional.len());
    let Some(rest) = optional
        .get(..end.saturating_sub(1))
        .filter(|r| !r.is_empty())
    else {
        // A filler in place of the check digit, and no continuation: no digit to check.
        return (field.trim_end_matches('<').to_string(), false);
    };
    let printed = optional[end - 1..].chars().next().unwrap_or('<');
    let number = format!("{}{rest}", field.trim_end_matches('<'));
    let ok = verifies(&format!("{field}{rest}"), printed)
        || verifies(&format!("{field}<{rest}"), printed);
    (number, ok)
}
