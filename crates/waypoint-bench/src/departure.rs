//! `departure`: the booking screen's work for a large departure. A store of N travellers (the
//! synthetic case file), each with an identity check and an approved exit permit besides the
//! import's requested one, all booked on two-segment bookings of several cases each; timed is
//! computing every traveller's journey and every booking's warnings, as the screens do.
//! Also the bookings `search --with-bookings` loads beside its 100,000 individuals.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use chrono::{NaiveDateTime, Utc};
use waypoint_domain::{
    AirportCode, Booking, BookingEvent, BookingRef, BookingStatus, Carrier, CheckOutcome,
    ExitPermitEvent, ExitPermitStep, FieldEvent, FlightNo, IdentityCheck, JourneyStep,
    RecordLocator, Segment, Traveller, booking_changes, local_instant,
};
use waypoint_store::Store;

use crate::{Kind, import_file, ms, write_file};

/// The limit for the departure's journeys and warnings.
const LIMIT: Duration = Duration::from_millis(50);

/// Cases on one booking: a family rarely flies alone on a charter-size departure.
const CASES_PER_BOOKING: usize = 4;

/// Who recorded the synthetic events.
const OFFICER: &str = "Bench Officer";

/// One person of the synthetic file: case, individual number, site.
#[derive(Debug, Clone)]
pub struct Person {
    case_no: String,
    individual_no: String,
    site: String,
}

impl Person {
    pub fn case_no(&self) -> &str {
        &self.case_no
    }

    pub fn individual_no(&self) -> &str {
        &self.individual_no
    }
}

/// The people of a synthetic case file, in file order.
pub fn people(file: &Path) -> Result<Vec<Person>> {
    let mut reader = csv::Reader::from_path(file)?;
    let headers = reader.headers()?.clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}') == name)
            .with_context(|| format!("no {name} column"))
    };
    let (case, individual, site) = (
        column("case_no")?,
        column("individual_no")?,
        column("site")?,
    );
    reader
        .records()
        .map(|r| {
            let r = r?;
            Ok(Person {
                case_no: r[case].to_owned(),
                individual_no: r[individual].to_owned(),
                site: r[site].to_owned(),
            })
        })
        .collect()
}

/// The people grouped by case, in file order (a case's rows are together).
pub(crate) fn cases(people: &[Person]) -> Vec<&[Person]> {
    people
        .chunk_by(|a, b| a.case_no == b.case_no)
        .collect::<Vec<_>>()
}

/// A flight on `day`, its times as the airports' clocks show them.
pub(crate) fn segment(
    (carrier, flight): (&str, &str),
    (from, to): (&str, &str),
    day: chrono::NaiveDate,
    (departs, arrives): (&str, &str),
) -> Result<Segment> {
    let err = |e: waypoint_domain::FieldError| anyhow!("{e}");
    let at = |t: &str| -> Result<NaiveDateTime> { Ok(NaiveDateTime::new(day, t.parse()?)) };
    let (from, to) = (
        AirportCode::parse(from).map_err(err)?,
        AirportCode::parse(to).map_err(err)?,
    );
    Ok(Segment {
        carrier: Carrier::parse(carrier).map_err(err)?,
        flight_no: FlightNo::parse(flight).map_err(err)?,
        from,
        to,
        departs: local_instant(from, at(departs)?).map_err(err)?,
        arrives: local_instant(to, at(arrives)?).map_err(err)?,
    })
}

/// Bookings of `CASES_PER_BOOKING` cases each, for every `every`-th group of cases: Kigali to
/// Washington through Doha, three weeks from today.
pub fn bookings(people: &[Person], every: usize) -> Result<Vec<Booking>> {
    let day = Utc::now().date_naive() + chrono::Days::new(21);
    let itinerary = vec![
        segment(("QR", "1350"), ("KGL", "DOH"), day, ("01:40", "07:10"))?,
        segment(("QR", "707"), ("DOH", "IAD"), day, ("10:35", "17:20"))?,
    ];
    let err = |e: waypoint_domain::FieldError| anyhow!("{e}");
    let mut out = Vec::new();
    for (n, group) in cases(people)
        .chunks(CASES_PER_BOOKING)
        .enumerate()
        .filter(|(n, _)| n % every.max(1) == 0)
    {
        let booking = Booking {
            booking_ref: BookingRef::parse(&format!("BKG-BENCH-{n:06}")).map_err(err)?,
            record_locator: Some(
                RecordLocator::parse(&format!("Q{:05}", n % 100_000)).map_err(err)?,
            ),
            status: BookingStatus::Ticketed,
            replaces: None,
            abn: Some(format!("ABN-BENCH-{:04}", n / 25)),
            segments: itinerary.clone(),
            travellers: group
                .iter()
                .flat_map(|case| case.iter())
                .map(|p| Traveller {
                    individual_no: p.individual_no.clone(),
                    case_no: p.case_no.clone(),
                    ssr: vec![Vec::new(); itinerary.len()],
                })
                .collect(),
            escorts: Vec::new(),
        };
        booking
            .check()
            .map_err(|e| anyhow!("{}: {e:?}", booking.booking_ref))?;
        out.push(booking);
    }
    Ok(out)
}

/// The events saving `bookings` records (one per case of each), as `waypoint_app::booking`
/// makes them; written in one transaction.
pub fn save_bookings(store: &mut Store, people: &[Person], bookings: &[Booking]) -> Result<()> {
    let site_of = |case_no: &str| {
        people
            .iter()
            .find(|p| p.case_no == case_no)
            .map_or_else(String::new, |p| p.site.clone())
    };
    let now = Utc::now();
    let mut events = Vec::new();
    for b in bookings {
        for (case_no, changes) in booking_changes(None, b) {
            events.push(FieldEvent::Booking(BookingEvent {
                id: uuid::Uuid::now_v7(),
                booking_ref: b.booking_ref.clone(),
                site: site_of(&case_no),
                case_no,
                recorded_by: OFFICER.into(),
                at: now,
                changes,
            }));
        }
    }
    store.record_events(&events)?;
    Ok(())
}

/// An identity check and an approved exit permit for each person.
fn field_work(store: &mut Store, people: &[Person]) -> Result<()> {
    let now = Utc::now();
    let events: Vec<FieldEvent> = people
        .iter()
        .flat_map(|p| {
            [
                FieldEvent::IdentityCheck(IdentityCheck {
                    id: uuid::Uuid::now_v7(),
                    individual_no: p.individual_no.clone(),
                    document_no: None,
                    outcome: CheckOutcome::Verified,
                    mismatches: Vec::new(),
                    site: p.site.clone(),
                    checked_by: OFFICER.into(),
                    checked_at: now,
                }),
                FieldEvent::ExitPermit(ExitPermitEvent {
                    id: uuid::Uuid::now_v7(),
                    individual_no: p.individual_no.clone(),
                    case_no: p.case_no.clone(),
                    site: p.site.clone(),
                    recorded_by: OFFICER.into(),
                    at: now,
                    step: ExitPermitStep::Approved {
                        on: Some(now.date_naive()),
                        reference: format!("EP-{}", p.individual_no),
                    },
                }),
            ]
        })
        .collect();
    store.record_events(&events)?;
    Ok(())
}

/// Every traveller's journey and every booking's warnings, once: (travellers booked,
/// warnings).
fn departure_screens(
    store: &Store,
    case_nos: &[&str],
    refs: &[BookingRef],
    today: chrono::NaiveDate,
) -> Result<(usize, usize)> {
    let mut booked = 0;
    for case_no in case_nos {
        let journey = waypoint_app::journey::of_case(store, case_no, today)?;
        booked += journey
            .individuals
            .iter()
            .filter(|j| j.reached >= JourneyStep::Booked)
            .count();
    }
    let mut warnings = 0;
    for r in refs {
        let booking = store
            .booking(r)?
            .with_context(|| format!("{r} not stored"))?;
        warnings += waypoint_app::booking::warnings(store, &booking, today)?.len();
    }
    Ok((booked, warnings))
}

pub fn run(travellers: usize, rounds: usize) -> Result<()> {
    anyhow::ensure!(rounds > 0, "at least one round");
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("cases.csv");
    write_file(&file, travellers)?;
    let mut store = Kind::Encrypted.open(&dir.path().join("store"))?;
    import_file(&mut store, &file).context("loading the departure's cases")?;
    let people = people(&file)?;
    field_work(&mut store, &people)?;
    let bookings = bookings(&people, 1)?;
    save_bookings(&mut store, &people, &bookings)?;
    let on_bookings: usize = bookings.iter().map(|b| b.travellers.len()).sum();
    anyhow::ensure!(
        on_bookings == people.len(),
        "{on_bookings} of {} travellers booked",
        people.len()
    );
    let case_nos: Vec<&str> = cases(&people)
        .iter()
        .map(|c| c[0].case_no.as_str())
        .collect();
    let refs: Vec<BookingRef> = bookings.iter().map(|b| b.booking_ref.clone()).collect();
    let today = Utc::now().date_naive();

    let mut times = Vec::with_capacity(rounds);
    let mut seen = (0, 0);
    for _ in 0..rounds {
        let start = Instant::now();
        seen = departure_screens(&store, &case_nos, &refs, today)?;
        times.push(start.elapsed());
    }
    // Each traveller on a ticketed booking counts as booked: the bookings were read, not
    // just timed.
    anyhow::ensure!(
        seen.0 == people.len(),
        "{} of {} travellers' journeys say booked",
        seen.0,
        people.len()
    );
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "== departure: {} travellers in {} cases on {} bookings of 2 segments, each with an identity check and exit-permit steps",
        people.len(),
        case_nos.len(),
        refs.len()
    );
    println!(
        "every journey and every booking's warnings ({} warnings): median of {rounds} {:.1} ms (min {:.1}, max {:.1}): {:.2}x the {} ms limit",
        seen.1,
        ms(median),
        ms(times[0]),
        ms(times[times.len() - 1]),
        median.as_secs_f64() / LIMIT.as_secs_f64(),
        LIMIT.as_millis()
    );
    Ok(())
}
