//! `abn-pdf`: the time to lay out and write an ABN of many travellers as a PDF (the issue's
//! "ABN PDF of 100 travellers in under 1 s").

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use waypoint_print::{
    AbnBooking, AbnDocument, AbnEscort, AbnLabels, AbnSegment, AbnTraveller, AbnVersionKind, Paper,
    abn_pdf,
};

use crate::synth::Rng;

/// The limit the issue sets for 100 travellers.
const LIMIT: Duration = Duration::from_secs(1);

const FAMILY: &[&str] = &[
    "KAMIROYE", "LUBEDA", "NGOVIHA", "ZEKURI", "MOSATE", "FIWAQO",
];
const GIVEN: &[&str] = &[
    "Amani", "Yusuf", "Mariam", "Tesfay", "Farid", "Sara", "Ahmad",
];
// Synthetic native names (Arabic and Ge'ez script), none of them a real person's.
const NATIVE: &[&str] = &[
    "تجربة اختبار",
    "سارا تجربة",
    "فرید آزمون",
    "ተስፋይ ፈተና",
    "ሜሮን ሙከራ",
];
const SSR: &[&str] = &[
    "WCHR", "WCHS", "INFT", "BLND", "DEAF", "MEDA", "DPNA", "STCR",
];

/// An ABN of `travellers` people on one booking of two segments. `round` changes every number
/// on it, so each render is a new paper (typst memoizes layout across calls; the same paper
/// again would time its cache).
fn document(travellers: usize, round: usize) -> AbnDocument {
    let mut rng = Rng::new(0xAB0 + round as u64);
    let segment = |number: u32, flight_no: &str, from: (&str, &str), to: (&str, &str)| AbnSegment {
        number,
        carrier: "KQ".into(),
        flight_no: flight_no.into(),
        from: from.0.into(),
        from_name: from.1.into(),
        to: to.0.into(),
        to_name: to.1.into(),
        departs: "2026-12-14 14:45".into(),
        departs_zone: "Africa/Kigali (UTC+02:00)".into(),
        arrives: "2026-12-14 17:05".into(),
        arrives_zone: "Africa/Nairobi (UTC+03:00)".into(),
    };
    let people: Vec<AbnTraveller> = (0..travellers)
        .map(|i| {
            let name = format!("{}, {}", rng.pick(FAMILY), rng.pick(GIVEN));
            let ssr: Vec<Vec<String>> = (0..2)
                .map(|_| {
                    if rng.chance(30) {
                        vec![rng.pick(SSR).to_owned()]
                    } else {
                        vec![]
                    }
                })
                .collect();
            AbnTraveller {
                individual_no: format!("BEN-{round:02}-{i:05}"),
                case_no: format!("CASE-{round:02}-{:04}", i / 4),
                name,
                native_name: rng.chance(60).then(|| rng.pick(NATIVE).to_owned()),
                sex: rng.pick(&["F", "M"]).to_owned(),
                age: rng
                    .pick(&["0-1", "4", "17", "25-29", "34", "60-64"])
                    .to_owned(),
                nationality: rng.pick(&["SYR", "ERI", "AFG", "COD", "SSD"]).to_owned(),
                ssr_by_segment: ssr,
                needs_note: rng
                    .chance(10)
                    .then(|| "Needs a wheelchair at the gate.".to_owned()),
                changed: rng.chance(5),
            }
        })
        .collect();
    let escorts = vec![AbnEscort {
        name: "ESCORTFAKE, Medic".into(),
        kind: "Medical".into(),
        organisation: Some("Test Health Partner".into()),
        contact: Some("+000 0000 0000".into()),
        accompanies: people.iter().take(3).map(|t| t.name.clone()).collect(),
    }];
    AbnDocument {
        abn_no: format!("ABN-BENCH-{round:04}"),
        version: 1,
        kind: AbnVersionKind::Issued,
        issued_at: "2026-12-05 14:03 UTC".into(),
        issued_by: "Bench Officer".into(),
        site: "Bench Site".into(),
        paper: Paper::A4,
        labels: AbnLabels::english(),
        changes: vec![],
        bookings: vec![AbnBooking {
            booking_ref: format!("BKG-BENCH-{round}"),
            record_locator: Some("QZXBEN".into()),
            status: "Ticketed".into(),
            replaces: None,
            segments: vec![
                segment(
                    1,
                    "471",
                    ("KGL", "Kigali International"),
                    ("NBO", "Jomo Kenyatta International"),
                ),
                segment(
                    2,
                    "102",
                    ("NBO", "Jomo Kenyatta International"),
                    ("AMS", "Amsterdam Schiphol"),
                ),
            ],
            travellers: people,
            escorts,
        }],
    }
}

pub fn run(travellers: usize, rounds: usize, out: Option<&Path>) -> Result<()> {
    anyhow::ensure!(rounds > 0, "at least one round");
    // The first paper of a process also parses the embedded fonts: timed on its own.
    let first = Instant::now();
    let pdf = abn_pdf(&document(travellers, 0)).context("render the ABN")?;
    let first = first.elapsed();
    if let Some(out) = out {
        std::fs::write(out, &pdf).with_context(|| format!("write {}", out.display()))?;
    }
    let mut times: Vec<Duration> = (1..=rounds)
        .map(|round| {
            let doc = document(travellers, round);
            let start = Instant::now();
            abn_pdf(&doc)
                .map(|_| start.elapsed())
                .context("render the ABN")
        })
        .collect::<Result<_>>()?;
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "ABN PDF of {travellers} travellers (A4, 2 segments, {} KB): first in the process {:.3} s, median of {rounds} {:.3} s (min {:.3}, max {:.3}): {:.2}x the 1 s limit",
        pdf.len() / 1024,
        first.as_secs_f64(),
        median.as_secs_f64(),
        times[0].as_secs_f64(),
        times[times.len() - 1].as_secs_f64(),
        median.as_secs_f64() / LIMIT.as_secs_f64(),
    );
    Ok(())
}
