//! One row of a bookings file: each cell checked on its own. A cell that is wrong is reported
//! and left `None` ("not usable"), so that the checks across rows compare only good values.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use waypoint_domain::{
    AirportCode, BookingRef, BookingStatus, Carrier, EscortKind, Field, FieldError, FlightNo,
    RecordLocator, SsrCode, ValueProblem, local_instant,
};

use super::KnownTraveller;
use super::codes::{BookingFileProblem, BookingProblemCode};
use super::columns::Column;

/// Who a row is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Who {
    /// An individual of an imported case, with what the store knows of them (`None`: not
    /// known, already reported).
    Individual(String),
    Escort(String),
}

/// A row's values; `None` is a value that is missing when required, or wrong (reported).
/// An optional column's empty cell is `Some(None)`.
#[derive(Debug, Default)]
pub(crate) struct Row {
    pub line: u64,
    /// The cells' text by [`Column::index`] (empty for a column the file lacks).
    pub text: Vec<String>,
    /// Whether any cell of the row is wrong.
    pub bad: bool,
    pub booking_ref: Option<BookingRef>,
    pub record_locator: Option<Option<RecordLocator>>,
    pub status: Option<BookingStatus>,
    pub replaces: Option<Option<BookingRef>>,
    pub abn: Option<Option<String>>,
    pub who: Option<Who>,
    pub known: Option<KnownTraveller>,
    pub escort_type: Option<Option<EscortKind>>,
    pub escorts: Option<Vec<String>>,
    /// The escort's organisation and how to reach them (trimmed; empty: not given).
    pub escort_organisation: Option<Option<String>>,
    pub escort_contact: Option<Option<String>>,
    pub segment: Option<usize>,
    pub carrier: Option<Carrier>,
    pub flight_no: Option<FlightNo>,
    pub from: Option<AirportCode>,
    pub to: Option<AirportCode>,
    pub departs: Option<NaiveDateTime>,
    pub arrives: Option<NaiveDateTime>,
    /// The instants of `departs` and `arrives` in the airports' zones.
    pub departs_at: Option<DateTime<Utc>>,
    pub arrives_at: Option<DateTime<Utc>>,
    pub ssr: Option<Option<Vec<SsrCode>>>,
}

impl Row {
    pub(crate) fn text(&self, column: Column) -> &str {
        self.text
            .get(column.index())
            .map_or("", |t| t.as_str())
            .trim()
    }
}

/// Individual numbers are compared in their canonical spelling; the date only bounds dates of
/// birth, which this never reads.
fn individual_no(raw: &str) -> Result<Option<String>, FieldError> {
    Field::IndividualNo.normalize(raw, NaiveDate::MAX)
}

const ESCORT_PREFIX: &str = "ESCORT:";

/// Reads one row's cells. `unusable` marks cells already reported (bytes that are not UTF-8, a
/// stray quote); `lookup` says what the store knows of an individual.
pub(crate) fn read_row(
    line: u64,
    text: Vec<String>,
    unusable: [bool; Column::COUNT],
    lookup: &mut dyn FnMut(&str) -> Option<KnownTraveller>,
    problems: &mut Vec<BookingFileProblem>,
) -> Row {
    let mut row = Row {
        line,
        text,
        ..Row::default()
    };
    let before = problems.len();
    let mut r = Reader {
        row: &row,
        unusable,
        problems,
    };
    let booking_ref = r.required(Column::BookingRef, BookingRef::parse);
    let record_locator = r.optional(Column::RecordLocator, RecordLocator::parse);
    let status = r.required(Column::Status, BookingStatus::parse);
    let replaces = r.optional(Column::Replaces, BookingRef::parse);
    let abn = r.cell(Column::Abn, |s| Field::Abn.normalize(s, NaiveDate::MAX));
    let escort_type = r.optional(Column::EscortType, EscortKind::parse);
    let escorts = r.cell(Column::Escorts, |s| {
        s.split(';')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .filter_map(|p| individual_no(p).transpose())
            .collect::<Result<Vec<String>, FieldError>>()
    });
    // Checked like the case file's names and phone numbers: the same limits, the same words.
    let escort_organisation = r.optional(Column::EscortOrganisation, |s| {
        Field::FamilyName.normalize(s, NaiveDate::MAX)
    });
    let escort_contact = r.optional(Column::EscortContact, |s| {
        Field::Phone.normalize(s, NaiveDate::MAX)
    });
    let segment = r.segment();
    let carrier = r.required(Column::Carrier, Carrier::parse);
    let flight_no = r.required(Column::FlightNo, FlightNo::parse);
    let from = r.required(Column::From, AirportCode::parse);
    let to = r.required(Column::To, AirportCode::parse);
    let departs = r.required(Column::Departs, local_time);
    let arrives = r.required(Column::Arrives, local_time);
    let departs_at = r.instant(Column::Departs, from, departs);
    let arrives_at = r.instant(Column::Arrives, to, arrives);
    let ssr = r.optional(Column::SsrCodes, |s| {
        s.split(';')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(SsrCode::parse)
            .collect::<Result<Vec<SsrCode>, FieldError>>()
    });
    let who = r.who();

    // What only an escort's row, or only a traveller's, may say.
    let filled = |c: Column| !row.text(c).is_empty();
    let (has_ssr, has_type, has_escorts) = (
        filled(Column::SsrCodes),
        filled(Column::EscortType),
        filled(Column::Escorts),
    );
    let (has_organisation, has_contact) = (
        filled(Column::EscortOrganisation),
        filled(Column::EscortContact),
    );
    match &who {
        Some(Who::Escort(_)) => {
            if escort_type == Some(None) {
                r.problem(Column::EscortType, BookingProblemCode::Required);
            }
            if escorts.as_ref().is_some_and(Vec::is_empty) {
                r.problem(Column::Escorts, BookingProblemCode::Required);
            }
            if has_ssr {
                r.problem(Column::SsrCodes, BookingProblemCode::OnlyForTravellers);
            }
        }
        Some(Who::Individual(_)) => {
            for (c, has) in [
                (Column::EscortType, has_type),
                (Column::Escorts, has_escorts),
                (Column::EscortOrganisation, has_organisation),
                (Column::EscortContact, has_contact),
            ] {
                if has {
                    r.problem(c, BookingProblemCode::OnlyForEscorts);
                }
            }
        }
        None => {}
    }
    let known = match &who {
        Some(Who::Individual(no)) => {
            let known = lookup(no);
            if known.is_none() {
                r.problem(Column::Traveller, BookingProblemCode::UnknownTraveller);
            }
            known
        }
        _ => None,
    };

    row.bad = problems.len() > before;
    row.booking_ref = booking_ref;
    row.record_locator = record_locator;
    row.status = status;
    row.replaces = replaces;
    row.abn = abn;
    row.who = who;
    row.known = known;
    row.escort_type = escort_type;
    row.escorts = escorts;
    row.escort_organisation = escort_organisation.map(Option::flatten);
    row.escort_contact = escort_contact.map(Option::flatten);
    row.segment = segment;
    row.carrier = carrier;
    row.flight_no = flight_no;
    row.from = from;
    row.to = to;
    row.departs = departs;
    row.arrives = arrives;
    row.departs_at = departs_at;
    row.arrives_at = arrives_at;
    row.ssr = ssr;
    row
}

/// `YYYY-MM-DDTHH:MM`, a date and time that exist on the calendar.
fn local_time(s: &str) -> Result<NaiveDateTime, FieldError> {
    let b = s.as_bytes();
    let shaped = b.len() == 16
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T' || *c == b't',
            13 => *c == b':',
            _ => c.is_ascii_digit(),
        });
    let bad = || {
        FieldError::new(ValueProblem::BadLocalTime {
            value: s.to_owned(),
        })
    };
    if !shaped {
        return Err(bad());
    }
    NaiveDateTime::parse_from_str(&s.to_ascii_uppercase(), "%Y-%m-%dT%H:%M").map_err(|_| bad())
}

struct Reader<'a> {
    row: &'a Row,
    unusable: [bool; Column::COUNT],
    problems: &'a mut Vec<BookingFileProblem>,
}

impl Reader<'_> {
    fn problem(&mut self, column: Column, code: BookingProblemCode) {
        self.problems.push(BookingFileProblem {
            line: self.row.line,
            column: column.name().to_string(),
            value: crate::rows::shorten(self.row.text(column)),
            code,
        });
    }

    /// The cell through `parse`; an empty cell is `parse("")`'s business.
    fn cell<T>(
        &mut self,
        column: Column,
        parse: impl FnOnce(&str) -> Result<T, FieldError>,
    ) -> Option<T> {
        if self.unusable[column.index()] {
            return None;
        }
        match parse(self.row.text(column)) {
            Ok(v) => Some(v),
            Err(e) => {
                self.problem(
                    column,
                    BookingProblemCode::InvalidValue(e.problem().clone()),
                );
                None
            }
        }
    }

    fn required<T>(
        &mut self,
        column: Column,
        parse: impl FnOnce(&str) -> Result<T, FieldError>,
    ) -> Option<T> {
        if self.row.text(column).is_empty() && !self.unusable[column.index()] {
            self.problem(column, BookingProblemCode::Required);
            return None;
        }
        self.cell(column, parse)
    }

    fn optional<T>(
        &mut self,
        column: Column,
        parse: impl FnOnce(&str) -> Result<T, FieldError>,
    ) -> Option<Option<T>> {
        if self.row.text(column).is_empty() && !self.unusable[column.index()] {
            return Some(None);
        }
        self.cell(column, parse).map(Some)
    }

    fn segment(&mut self) -> Option<usize> {
        let column = Column::Segment;
        let text = self.row.text(column);
        if text.is_empty() && !self.unusable[column.index()] {
            self.problem(column, BookingProblemCode::Required);
            return None;
        }
        if self.unusable[column.index()] {
            return None;
        }
        let n = (text.len() <= 2 && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse::<usize>().ok())
            .flatten()
            .filter(|n| *n >= 1);
        if n.is_none() {
            self.problem(column, BookingProblemCode::BadSegmentNumber);
        }
        n
    }

    fn instant(
        &mut self,
        column: Column,
        airport: Option<AirportCode>,
        local: Option<NaiveDateTime>,
    ) -> Option<DateTime<Utc>> {
        match local_instant(airport?, local?) {
            Ok(t) => Some(t),
            Err(e) => {
                self.problem(
                    column,
                    BookingProblemCode::InvalidValue(e.problem().clone()),
                );
                None
            }
        }
    }

    fn who(&mut self) -> Option<Who> {
        let column = Column::Traveller;
        let text = self.row.text(column);
        if self.unusable[column.index()] {
            return None;
        }
        if text.is_empty() {
            self.problem(column, BookingProblemCode::Required);
            return None;
        }
        let escort = text
            .get(..ESCORT_PREFIX.len())
            .filter(|p| p.eq_ignore_ascii_case(ESCORT_PREFIX))
            .map(|_| text[ESCORT_PREFIX.len()..].trim());
        match escort {
            Some("") => {
                self.problem(column, BookingProblemCode::EscortWithoutName);
                None
            }
            Some(name) => match Field::FamilyName.normalize(name, NaiveDate::MAX) {
                Ok(Some(name)) => Some(Who::Escort(name)),
                Ok(None) => None,
                Err(e) => {
                    self.problem(
                        column,
                        BookingProblemCode::InvalidValue(e.problem().clone()),
                    );
                    None
                }
            },
            None => self
                .cell(column, individual_no)
                .flatten()
                .map(Who::Individual),
        }
    }
}
