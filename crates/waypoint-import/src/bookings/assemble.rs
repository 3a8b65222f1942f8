//! The rows of one booking put together: they must agree about the booking, each segment and
//! each escort; every traveller flies every segment; then the booking as a whole is checked
//! by the domain ([`Booking::problems`]) and each of its problems is put on the row and column
//! it concerns.

use std::collections::{BTreeMap, HashMap};

use waypoint_domain::{Booking, BookingProblem, BookingStatus, Escort, Segment, Traveller};

use super::codes::{BookingFileProblem, BookingProblemCode};
use super::columns::Column;
use super::row::{Row, Who};

/// Checks the rows of one booking (in file order) and returns the booking when neither its
/// rows nor the booking have any problem.
pub(crate) fn assemble(rows: &[&Row], problems: &mut Vec<BookingFileProblem>) -> Option<Booking> {
    let before = problems.len();
    let mut out = Problems(problems);
    let first = rows.first()?;
    let booking_ref = first.booking_ref.clone()?;

    // The booking's own fields: each row says the same as the first that says something usable.
    let differs =
        |first_value: Option<String>, first_line| BookingProblemCode::BookingValueDiffers {
            booking_ref: booking_ref.to_string(),
            first_value,
            first_line,
        };
    let record_locator = agree(
        rows,
        Column::RecordLocator,
        |r| r.record_locator.as_ref(),
        &differs,
        &mut out,
    );
    let status = agree(
        rows,
        Column::Status,
        |r| r.status.as_ref(),
        &differs,
        &mut out,
    );
    let replaces = agree(
        rows,
        Column::Replaces,
        |r| r.replaces.as_ref(),
        &differs,
        &mut out,
    );
    let abn = agree(rows, Column::Abn, |r| r.abn.as_ref(), &differs, &mut out);

    // Each segment's rows, by number.
    let mut by_segment: BTreeMap<usize, Vec<&Row>> = BTreeMap::new();
    for r in rows {
        if let Some(n) = r.segment {
            by_segment.entry(n).or_default().push(r);
        }
    }
    let count = by_segment.keys().next_back().copied().unwrap_or(0);
    let mut segments = Vec::new();
    for n in 1..=count {
        let Some(seg_rows) = by_segment.get(&n) else {
            // Put on the first row of the next segment there is.
            if let Some((_, next)) = by_segment.range(n..).next() {
                out.at(
                    next[0],
                    Column::Segment,
                    BookingProblemCode::SegmentMissing { segment: n },
                );
            }
            continue;
        };
        let segment = agreed_segment(n, seg_rows, &mut out);
        segments.push(segment);
    }

    // Who is on which segment, in the order of their first row.
    let mut people: Vec<(&Who, Vec<&Row>)> = Vec::new();
    let mut index: HashMap<&Who, usize> = HashMap::new();
    for r in rows {
        let Some(who) = &r.who else { continue };
        let i = *index.entry(who).or_insert_with(|| {
            people.push((who, Vec::new()));
            people.len() - 1
        });
        people[i].1.push(r);
    }
    let mut travellers = Vec::new();
    let mut escorts = Vec::new();
    let mut complete = true;
    for (who, their_rows) in &people {
        let mut on: BTreeMap<usize, &Row> = BTreeMap::new();
        for r in their_rows {
            let Some(n) = r.segment else { continue };
            match on.get(&n) {
                Some(first) => out.at(
                    r,
                    Column::Traveller,
                    BookingProblemCode::TravellerTwiceOnSegment {
                        segment: n,
                        first_line: first.line,
                    },
                ),
                None => {
                    on.insert(n, r);
                }
            }
        }
        let missing: Vec<usize> = by_segment
            .keys()
            .copied()
            .filter(|n| !on.contains_key(n))
            .collect();
        if !missing.is_empty() {
            out.at(
                their_rows[0],
                Column::Traveller,
                BookingProblemCode::NotOnEverySegment { missing },
            );
        }
        match who {
            Who::Individual(no) => {
                // Per segment: the row's codes, or the person's special needs when it has none.
                let ssr = (1..=count)
                    .map(|n| {
                        let r = on.get(&n)?;
                        match r.ssr.as_ref()? {
                            Some(codes) => Some(codes.clone()),
                            None => r.known.as_ref().map(|k| k.ssr_codes.clone()),
                        }
                    })
                    .collect::<Option<Vec<_>>>();
                complete &= ssr.is_some() && their_rows[0].known.is_some();
                travellers.push(Traveller {
                    individual_no: no.clone(),
                    case_no: their_rows[0]
                        .known
                        .as_ref()
                        .map(|k| k.case_no.clone())
                        .unwrap_or_default(),
                    ssr: ssr.unwrap_or_else(|| vec![Vec::new(); count]),
                });
            }
            Who::Escort(name) => {
                let differs = |first_value, first_line| BookingProblemCode::EscortValueDiffers {
                    first_value,
                    first_line,
                };
                let kind = agree(
                    their_rows,
                    Column::EscortType,
                    |r| r.escort_type.as_ref(),
                    &differs,
                    &mut out,
                );
                let accompanies = agree(
                    their_rows,
                    Column::Escorts,
                    |r| r.escorts.as_ref(),
                    &differs,
                    &mut out,
                );
                let organisation = agree(
                    their_rows,
                    Column::EscortOrganisation,
                    |r| r.escort_organisation.as_ref(),
                    &differs,
                    &mut out,
                );
                let contact = agree(
                    their_rows,
                    Column::EscortContact,
                    |r| r.escort_contact.as_ref(),
                    &differs,
                    &mut out,
                );
                match (kind.flatten(), accompanies, organisation, contact) {
                    (Some(kind), Some(accompanies), Some(organisation), Some(contact))
                        if !accompanies.is_empty() =>
                    {
                        escorts.push((
                            their_rows[0],
                            Escort {
                                name: name.clone(),
                                kind,
                                organisation,
                                contact,
                                accompanies,
                            },
                        ));
                    }
                    _ => complete = false,
                }
            }
        }
    }

    // The booking as a whole, when its itinerary could be made. Whether it needs a record
    // locator is known only when its status and locator cells could be read.
    let locator_known = record_locator.is_some() && status.is_some();
    let segments: Option<Vec<Segment>> = segments.into_iter().collect();
    let segments = segments.filter(|s| !s.is_empty());
    let booking = segments.map(|segments| Booking {
        booking_ref: booking_ref.clone(),
        record_locator: record_locator.flatten(),
        // Unknown status (already reported): not checked for a record locator.
        status: status.unwrap_or(BookingStatus::Proposed),
        replaces: replaces.flatten(),
        abn: abn.flatten(),
        segments,
        travellers,
        escorts: escorts.iter().map(|(_, e)| e.clone()).collect(),
    });
    let booking = booking?;
    for problem in booking.problems() {
        let (row, column) = match &problem {
            BookingProblem::ArrivesBeforeDeparts { segment } => (
                by_segment.get(&(*segment as usize)).map(|r| r[0]),
                Column::Arrives,
            ),
            BookingProblem::DoesNotChain { segment, .. } => (
                by_segment.get(&(*segment as usize + 1)).map(|r| r[0]),
                Column::From,
            ),
            BookingProblem::DepartsBeforePreviousArrives { segment } => (
                by_segment.get(&(*segment as usize + 1)).map(|r| r[0]),
                Column::Departs,
            ),
            BookingProblem::NoRecordLocator { .. } if locator_known => {
                let row = rows.iter().find(|r| r.record_locator.is_some()).copied();
                (row, Column::RecordLocator)
            }
            BookingProblem::EscortOfStranger { escort, .. } => {
                let row = escorts
                    .iter()
                    .find(|(_, e)| &e.name == escort)
                    .map(|(r, _)| *r);
                (row, Column::Escorts)
            }
            BookingProblem::NoTravellers
                if !people.iter().any(|(w, _)| matches!(w, Who::Individual(_))) =>
            {
                if rows.iter().any(|r| r.who.is_none()) {
                    continue; // a traveller cell already reported
                }
                (Some(*first), Column::Traveller)
            }
            // Reported row by row already, or cannot happen with rows grouped by traveller.
            _ => continue,
        };
        if let Some(row) = row {
            out.at(row, column, BookingProblemCode::Booking(problem));
        }
    }
    let clean = complete && out.0.len() == before && rows.iter().all(|r| !r.bad);
    clean.then_some(booking)
}

/// Segment `n` as its rows agree it is, `None` when a value is missing or wrong.
fn agreed_segment(n: usize, rows: &[&Row], out: &mut Problems) -> Option<Segment> {
    let differs = |first_value, first_line| BookingProblemCode::SegmentValueDiffers {
        segment: n,
        first_value,
        first_line,
    };
    let carrier = agree(rows, Column::Carrier, |r| r.carrier.as_ref(), &differs, out);
    let flight_no = agree(
        rows,
        Column::FlightNo,
        |r| r.flight_no.as_ref(),
        &differs,
        out,
    );
    let from = agree(rows, Column::From, |r| r.from.as_ref(), &differs, out);
    let to = agree(rows, Column::To, |r| r.to.as_ref(), &differs, out);
    let departs = agree(rows, Column::Departs, |r| r.departs.as_ref(), &differs, out);
    let arrives = agree(rows, Column::Arrives, |r| r.arrives.as_ref(), &differs, out);
    let (from, to, departs, arrives) = (from?, to?, departs?, arrives?);
    // The instants of the agreed local times, from a row that has them.
    let departs_at = rows
        .iter()
        .filter(|r| r.departs == Some(departs) && r.from == Some(from))
        .find_map(|r| r.departs_at)?;
    let arrives_at = rows
        .iter()
        .filter(|r| r.arrives == Some(arrives) && r.to == Some(to))
        .find_map(|r| r.arrives_at)?;
    Some(Segment {
        carrier: carrier?,
        flight_no: flight_no?,
        from,
        to,
        departs: departs_at,
        arrives: arrives_at,
    })
}

struct Problems<'a>(&'a mut Vec<BookingFileProblem>);

impl Problems<'_> {
    fn at(&mut self, row: &Row, column: Column, code: BookingProblemCode) {
        self.0.push(BookingFileProblem {
            line: row.line,
            column: column.name().to_string(),
            value: crate::rows::shorten(row.text(column)),
            code,
        });
    }
}

/// The value of `column` on which `rows` agree: that of the first row with a usable one. A
/// later row with another usable value is reported with `differs(first text, first line)`.
/// `None` when no row has a usable value.
fn agree<'r, T: PartialEq + Clone + 'r>(
    rows: &[&'r Row],
    column: Column,
    value: impl Fn(&'r Row) -> Option<&'r T>,
    differs: &dyn Fn(Option<String>, u64) -> BookingProblemCode,
    out: &mut Problems,
) -> Option<T> {
    let mut first: Option<(&Row, &T)> = None;
    for &r in rows {
        let Some(v) = value(r) else { continue };
        match first {
            None => first = Some((r, v)),
            Some((f, fv)) if fv != v => {
                let text = f.text(column);
                let first_value = (!text.is_empty()).then(|| text.to_string());
                out.at(r, column, differs(first_value, f.line));
            }
            Some(_) => {}
        }
    }
    first.map(|(_, v)| v.clone())
}
