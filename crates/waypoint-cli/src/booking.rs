//! `waypoint booking show|cancel|remove`: reading a booking (segments in each airport's local
//! time with its zone, travellers with their SSR codes per segment, escorts, what it replaces,
//! acknowledgements) and the changes a person makes to it. The rules are
//! `waypoint_app::booking`'s.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::Subcommand;
use serde_json::{Value, json};
use waypoint_app::booking::{self, BookingView, WarningLine};
use waypoint_domain::{Booking, Segment};

use crate::{Cli, app};

#[derive(Debug, Subcommand)]
pub enum BookingCommand {
    /// A booking: itinerary in local times, travellers with SSR codes per segment, escorts,
    /// status, the booking it replaces, acknowledged warnings
    Show {
        booking_ref: String,
        #[arg(long)]
        json: bool,
    },
    /// Cancel a booking (its travellers are no longer booked)
    Cancel {
        booking_ref: String,
        #[arg(long)]
        json: bool,
    },
    /// Take one traveller off a booking; the others travel as booked
    Remove {
        booking_ref: String,
        individual_no: String,
        #[arg(long)]
        json: bool,
    },
    /// Acknowledge a warning of a booking (its key, as `booking show` lists it): the booking
    /// goes ahead knowingly; the warning stays listed with who, when and why
    Acknowledge {
        booking_ref: String,
        warning: String,
        /// Why the booking goes ahead despite the warning
        #[arg(long)]
        reason: String,
        #[arg(long)]
        json: bool,
    },
}

/// `waypoint bookings import FILE`: a bookings file from the booking system, all or nothing.
pub fn import(cli: &Cli, file: &Path, dry_run: bool, json: bool) -> Result<ExitCode> {
    let name = file.display().to_string();
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {name}"))?;
    let (mut store, who, ctx) = app::open(cli)?;
    let outcome = booking::import_bookings(&mut store, &who, &ctx, &name, &bytes, dry_run)?;
    if json {
        app::print_json(&json!({
            "file": name,
            "dry_run": dry_run,
            "problems": outcome.file.problems.iter().map(|p| json!({
                "line": p.line, "column": p.column, "value": p.value, "code": p.code,
                "message": p.message(),
            })).collect::<Vec<_>>(),
            "changed": outcome.changed,
            "unchanged": outcome.unchanged,
            "events": outcome.events,
            "warnings": outcome.warnings.iter().map(|(r, lines)| json!({
                "booking_ref": r, "warnings": lines.iter().map(warning_json).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        }))?;
    } else {
        let mut err = std::io::stderr().lock();
        for p in &outcome.file.problems {
            writeln!(err, "{name}:{}:{}: {}", p.line, p.column, p.message())?;
        }
        if !outcome.file.is_clean() {
            writeln!(
                err,
                "{name}: rejected: {} problem(s); nothing was imported",
                outcome.file.problems.len()
            )?;
        }
        drop(err);
        if outcome.file.is_clean() {
            let mut out = std::io::stdout().lock();
            let verb = if dry_run { "would import" } else { "imported" };
            writeln!(
                out,
                "{name}: {verb} {} booking(s): {} new or changed, {} unchanged",
                outcome.file.bookings.len(),
                outcome.changed.len(),
                outcome.unchanged.len()
            )?;
            for (r, lines) in &outcome.warnings {
                for l in lines.iter().filter(|l| l.acknowledged.is_none()) {
                    writeln!(out, "warning: {r} {}: {}", l.warning.key, l.warning)?;
                }
            }
        }
    }
    Ok(if outcome.file.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

pub fn run(cli: &Cli, command: &BookingCommand) -> Result<ExitCode> {
    let (view, json) = match command {
        BookingCommand::Show { booking_ref, json } => {
            let (store, who, ctx) = app::open(cli)?;
            (
                booking::show(&store, who.role, booking_ref, ctx.today())?,
                *json,
            )
        }
        BookingCommand::Cancel { booking_ref, json } => {
            let (mut store, who, ctx) = app::open(cli)?;
            (booking::cancel(&mut store, &who, &ctx, booking_ref)?, *json)
        }
        BookingCommand::Remove {
            booking_ref,
            individual_no,
            json,
        } => {
            let (mut store, who, ctx) = app::open(cli)?;
            let view =
                booking::remove_traveller(&mut store, &who, &ctx, booking_ref, individual_no)?;
            (view, *json)
        }
        BookingCommand::Acknowledge {
            booking_ref,
            warning,
            reason,
            json,
        } => {
            let (mut store, who, ctx) = app::open(cli)?;
            let view = booking::acknowledge(&mut store, &who, &ctx, booking_ref, warning, reason)?;
            (view, *json)
        }
    };
    if json {
        app::print_json(&as_json(&view))?;
    } else {
        print(&mut std::io::stdout().lock(), &view)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// A segment with its times as instants and as each airport's clocks show them.
pub fn segment_json(number: usize, s: &Segment) -> Value {
    let (dep, arr) = (s.departs_local(), s.arrives_local());
    json!({
        "segment": number,
        "carrier": s.carrier,
        "flight_no": s.flight_no,
        "from": s.from,
        "to": s.to,
        "departs": s.departs,
        "departs_local": dep.at.format("%Y-%m-%dT%H:%M").to_string(),
        "departs_zone": dep.zone.name(),
        "arrives": s.arrives,
        "arrives_local": arr.at.format("%Y-%m-%dT%H:%M").to_string(),
        "arrives_zone": arr.zone.name(),
    })
}

pub fn booking_json(b: &Booking) -> Value {
    json!({
        "booking_ref": b.booking_ref,
        "record_locator": b.record_locator,
        "status": b.status,
        "replaces": b.replaces,
        "abn": b.abn,
        "segments": b.segments.iter().enumerate().map(|(i, s)| segment_json(i + 1, s)).collect::<Vec<_>>(),
        "travellers": b.travellers.iter().map(|t| json!({
            "individual_no": t.individual_no,
            "case_no": t.case_no,
            "ssr": t.ssr,
        })).collect::<Vec<_>>(),
        "escorts": b.escorts,
    })
}

fn as_json(v: &BookingView) -> Value {
    let mut out = booking_json(&v.booking);
    out["names"] = json!(
        v.travellers
            .iter()
            .map(|t| json!({
                "individual_no": t.individual_no,
                "family_name": t.family_name,
                "given_names": t.given_names,
                "native_name": t.native_name,
                "sex": t.sex,
                "nationality": t.nationality,
                "age": t.age.map(|a| a.to_string()),
            }))
            .collect::<Vec<_>>()
    );
    out["replaced_by"] = json!(v.replaced_by);
    out["warnings"] = json!(v.warnings.iter().map(warning_json).collect::<Vec<_>>());
    out["acknowledgements"] = json!(v.acknowledgements);
    out
}

fn warning_json(l: &WarningLine) -> Value {
    json!({
        "key": l.warning.key,
        "rule": l.warning.rule,
        "individual_no": l.warning.individual_no,
        "segment": l.warning.segment,
        "detail": l.warning.detail,
        "message": l.warning.to_string(),
        "acknowledged": l.acknowledged,
    })
}

pub fn print(out: &mut impl Write, v: &BookingView) -> Result<()> {
    let b = &v.booking;
    write!(out, "booking {}  {}", b.booking_ref, b.status)?;
    if let Some(l) = &b.record_locator {
        write!(out, "  record locator {l}")?;
    }
    if let Some(a) = &b.abn {
        write!(out, "  ABN {a}")?;
    }
    writeln!(out)?;
    if let Some(r) = &b.replaces {
        writeln!(out, "replaces {r}")?;
    }
    for r in &v.replaced_by {
        writeln!(out, "replaced by {r}")?;
    }
    writeln!(out, "itinerary:")?;
    for (i, s) in b.segments.iter().enumerate() {
        writeln!(
            out,
            "  {}. {:<7} {} → {}  departs {}  arrives {}",
            i + 1,
            s.flight(),
            s.from,
            s.to,
            s.departs_local(),
            s.arrives_local()
        )?;
    }
    writeln!(out, "travellers:")?;
    for t in &b.travellers {
        let line = v
            .travellers
            .iter()
            .find(|l| l.individual_no == t.individual_no);
        let name = line.map_or(String::new(), |l| {
            format!("{}, {}", l.family_name, l.given_names)
        });
        let ssr: Vec<String> = t
            .ssr
            .iter()
            .enumerate()
            .filter(|(_, codes)| !codes.is_empty())
            .map(|(i, codes)| {
                let codes: Vec<&str> = codes.iter().map(|c| c.as_str()).collect();
                format!("seg {}: {}", i + 1, codes.join(" "))
            })
            .collect();
        writeln!(
            out,
            "  {} ({}) {name}{}",
            t.individual_no,
            t.case_no,
            if ssr.is_empty() {
                String::new()
            } else {
                format!("  SSR {}", ssr.join("; "))
            }
        )?;
    }
    for e in &b.escorts {
        write!(out, "escort: {} ({})", e.name, e.kind)?;
        if let Some(o) = &e.organisation {
            write!(out, " of {o}")?;
        }
        if let Some(c) = &e.contact {
            write!(out, ", contact {c}")?;
        }
        writeln!(out, " accompanies {}", e.accompanies.join(", "))?;
    }
    for l in &v.warnings {
        match &l.acknowledged {
            None => writeln!(out, "WARNING {}: {}", l.warning.key, l.warning)?,
            Some(a) => writeln!(
                out,
                "warning {}: {} (acknowledged by {}: {})",
                l.warning.key, l.warning, a.recorded_by, a.reason
            )?,
        }
    }
    for a in v.acknowledgements.iter().filter(|a| {
        !v.warnings
            .iter()
            .any(|l| l.warning.key.as_str() == a.warning)
    }) {
        writeln!(
            out,
            "acknowledged: {} by {} at {}: {}",
            a.warning,
            a.recorded_by,
            a.at.format("%Y-%m-%d %H:%M UTC"),
            a.reason
        )?;
    }
    Ok(())
}
