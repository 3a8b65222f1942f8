//! `arrivals`: the port of entry's screen for a busy day. A store holding N travellers (the
//! synthetic case file), booked on F flights from Doha landing at Washington Dulles on one day,
//! a few cases to each flight; timed is the day's expected arrivals as the arrival screen asks
//! for them (`waypoint_app::arrival::expected`, as a POE associate: every flight, its
//! travellers with what the role may see, each one's checklist).

use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use chrono::Utc;
use waypoint_domain::{Booking, BookingRef, BookingStatus, RecordLocator, Role, Traveller};

use crate::departure::{cases, people, save_bookings, segment};
use crate::{Kind, import_file, ms, write_file};

/// The limit for a day's expected arrivals.
const LIMIT: Duration = Duration::from_millis(50);

pub fn run(travellers: usize, flights: usize, rounds: usize) -> Result<()> {
    anyhow::ensure!(
        rounds > 0 && flights > 0,
        "at least one round and one flight"
    );
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("cases.csv");
    write_file(&file, travellers)?;
    let mut store = Kind::Encrypted.open(&dir.path().join("store"))?;
    import_file(&mut store, &file).context("loading the day's cases")?;
    let people = people(&file)?;
    let day = Utc::now().date_naive() + chrono::Days::new(21);
    let err = |e: waypoint_domain::FieldError| anyhow!("{e}");

    // The cases dealt out over the flights in turn; flight n lands n * 15 minutes after 05:00.
    let groups = cases(&people);
    let mut bookings = Vec::new();
    for f in 0..flights {
        let on_flight: Vec<_> = groups.iter().skip(f).step_by(flights).collect();
        if on_flight.is_empty() {
            continue;
        }
        let minutes = 5 * 60 + 15 * f as u32;
        let lands = format!("{:02}:{:02}", (minutes / 60) % 24, minutes % 60);
        let itinerary = vec![segment(
            ("QR", &format!("{}", 700 + f)),
            ("DOH", "IAD"),
            day,
            ("01:00", &lands),
        )?];
        let booking = Booking {
            booking_ref: BookingRef::parse(&format!("BKG-POE-{f:04}")).map_err(err)?,
            record_locator: Some(RecordLocator::parse(&format!("P{f:05}")).map_err(err)?),
            status: BookingStatus::Ticketed,
            replaces: None,
            abn: Some(format!("ABN-POE-{f:04}")),
            segments: itinerary.clone(),
            travellers: on_flight
                .iter()
                .flat_map(|case| case.iter())
                .map(|p| Traveller {
                    individual_no: p.individual_no().to_owned(),
                    case_no: p.case_no().to_owned(),
                    ssr: vec![Vec::new(); itinerary.len()],
                })
                .collect(),
            escorts: Vec::new(),
        };
        booking
            .check()
            .map_err(|e| anyhow!("{}: {e:?}", booking.booking_ref))?;
        bookings.push(booking);
    }
    save_bookings(&mut store, &people, &bookings)?;

    let mut times = Vec::with_capacity(rounds);
    let mut seen = (0, 0);
    for _ in 0..rounds {
        let start = Instant::now();
        let expected = waypoint_app::arrival::expected(&store, Role::PoeAssociate, "IAD", day)?;
        times.push(start.elapsed());
        seen = (
            expected.len(),
            expected.iter().map(|f| f.lines.len()).sum::<usize>(),
        );
    }
    // Every flight and every traveller was read, not just timed.
    anyhow::ensure!(
        seen == (bookings.len(), people.len()),
        "{} flights and {} travellers expected, {} and {} shown",
        bookings.len(),
        people.len(),
        seen.0,
        seen.1
    );
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "== arrivals: {} travellers in {} cases on {} flights landing at IAD on {day}",
        people.len(),
        groups.len(),
        bookings.len()
    );
    println!(
        "the day's expected arrivals as a POE associate: median of {rounds} {:.1} ms (min {:.1}, max {:.1}): {:.2}x the {} ms limit",
        ms(median),
        ms(times[0]),
        ms(times[times.len() - 1]),
        median.as_secs_f64() / LIMIT.as_secs_f64(),
        LIMIT.as_millis()
    );
    Ok(())
}
