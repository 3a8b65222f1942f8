//! `waypoint departure notify|show|csv|pdf BOOKING`: the departure notification of a booking
//! whose flight has left, who departed and who did not (and why). `notify` records a version
//! (nothing when it says what the last one said); `csv` and `pdf` give a version as the ABN's
//! do. The rules are `waypoint_app::departure_notice`'s.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, anyhow};
use clap::Subcommand;
use serde_json::{Value, json};
use waypoint_app::departure_notice::{
    self, Departures, NotDeparted, NotDepartedReason, Notice, NoticeIssue,
};
use waypoint_domain::Language;

use crate::abn::write_out;
use crate::{Cli, app};

#[derive(Debug, Subcommand)]
pub enum DepartureCommand {
    /// Record who of a booking's travellers departed and who did not, once its flight has
    /// left; every traveller is named once
    Notify {
        booking_ref: String,
        /// The travellers who departed
        #[arg(long, value_name = "INDIVIDUAL", num_args = 1..)]
        departed: Vec<String>,
        /// A traveller who did not depart, as INDIVIDUAL:REASON:TEXT; reasons: no_show,
        /// medical, documents, exit_refused, denied_boarding, traveller_request, other
        #[arg(long, value_name = "INDIVIDUAL:REASON:TEXT", num_args = 1..)]
        not_departed: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// A booking's departure notice: every version, what each changed
    Show {
        booking_ref: String,
        #[arg(long)]
        json: bool,
    },
    /// A version of the notice as CSV (one row per traveller) [default: the last]
    Csv {
        booking_ref: String,
        #[arg(long, value_name = "N")]
        version: Option<u32>,
        /// Write it to FILE instead of standard output
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// A version of the notice as a printable PDF [default: the last]
    Pdf {
        booking_ref: String,
        #[arg(long, value_name = "N")]
        version: Option<u32>,
        /// Write it to FILE (a PDF is not written to a terminal)
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// a4 or letter
        #[arg(long, default_value = "a4", value_parser = ["a4", "letter"])]
        paper: String,
        /// The language of the paper's fixed words: en, fr or es
        #[arg(long, default_value = "en", value_parser = ["en", "fr", "es"])]
        language: String,
    },
}

/// INDIVIDUAL:REASON:TEXT (the text may hold colons).
fn not_departed(text: &str) -> Result<NotDeparted> {
    let mut parts = text.splitn(3, ':');
    let (Some(no), Some(reason), Some(words)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(anyhow!(
            "'{text}' is not INDIVIDUAL:REASON:TEXT (e.g. I-0001040:no_show:Did not come to the bus)"
        ));
    };
    Ok(NotDeparted {
        individual_no: no.trim().to_string(),
        reason: NotDepartedReason::parse(reason).map_err(|e| anyhow!(e))?,
        text: words.trim().to_string(),
    })
}

/// Version `version` of the notice, or its last.
fn version_of(notice: &Notice, version: Option<u32>) -> Result<&NoticeIssue> {
    let found = match version {
        Some(n) => notice.versions.iter().rev().find(|v| v.number == n),
        None => notice.last(),
    };
    found.ok_or_else(|| match version {
        Some(n) => anyhow!(
            "booking {} has no version {n} of its departure notice",
            notice.booking.booking_ref
        ),
        None => anyhow!(
            "no departure notice for booking {} yet: `waypoint departure notify` records one",
            notice.booking.booking_ref
        ),
    })
}

pub fn run(cli: &Cli, command: &DepartureCommand) -> Result<ExitCode> {
    match command {
        DepartureCommand::Notify {
            booking_ref,
            departed,
            not_departed: stayed,
            json,
        } => {
            // Read before the store is opened: a typing mistake costs no sign-in.
            let departures = Departures {
                departed: departed.clone(),
                not_departed: stayed
                    .iter()
                    .map(|s| not_departed(s))
                    .collect::<Result<_>>()?,
            };
            let (mut store, who, ctx) = app::open(cli)?;
            let before = departure_notice::show(&store, who.role, booking_ref)?
                .versions
                .len();
            let notice =
                departure_notice::notify(&mut store, &who, &ctx, booking_ref, &departures)?;
            if notice.versions.len() == before {
                eprintln!("nothing changed since the last version: nothing recorded");
            }
            show(&notice, *json)?;
        }
        DepartureCommand::Show { booking_ref, json } => {
            let (store, who, _) = app::open(cli)?;
            show(
                &departure_notice::show(&store, who.role, booking_ref)?,
                *json,
            )?;
        }
        DepartureCommand::Csv {
            booking_ref,
            version,
            out,
        } => {
            let (store, who, _) = app::open(cli)?;
            let notice = departure_notice::show(&store, who.role, booking_ref)?;
            let issue = version_of(&notice, *version)?;
            write_out(
                out.as_ref(),
                &departure_notice::notice_csv(&store, &who, &notice, issue)?,
            )?;
        }
        DepartureCommand::Pdf {
            booking_ref,
            version,
            out,
            paper,
            language,
        } => {
            let paper = if paper == "letter" {
                waypoint_app::abn::Paper::Letter
            } else {
                waypoint_app::abn::Paper::A4
            };
            let language = match language.as_str() {
                "fr" => Language::Fr,
                "es" => Language::Es,
                _ => Language::En,
            };
            let (store, who, _) = app::open(cli)?;
            let notice = departure_notice::show(&store, who.role, booking_ref)?;
            let issue = version_of(&notice, *version)?;
            write_out(
                Some(out),
                &departure_notice::notice_pdf(&store, &who, &notice, issue, paper, language)?,
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn show(notice: &Notice, json: bool) -> Result<()> {
    if json {
        return app::print_json(&as_json(notice));
    }
    let out = &mut std::io::stdout().lock();
    writeln!(
        out,
        "departure notice of booking {}",
        notice.booking.booking_ref
    )?;
    if notice.versions.is_empty() {
        writeln!(out, "not notified yet")?;
    }
    for v in &notice.versions {
        writeln!(
            out,
            "version {} by {} at {} ({}); flight left {}",
            v.number,
            v.issued_by,
            v.at.format("%Y-%m-%d %H:%M UTC"),
            v.site,
            v.flight_left_at.format("%Y-%m-%d %H:%M UTC")
        )?;
        for c in &v.changes {
            writeln!(out, "  * {c}")?;
        }
    }
    if let Some(last) = notice.last() {
        let d = &last.departures;
        writeln!(
            out,
            "departed: {}",
            if d.departed.is_empty() {
                "nobody".into()
            } else {
                d.departed.join(", ")
            }
        )?;
        for n in &d.not_departed {
            writeln!(
                out,
                "did not depart: {} ({}): {}",
                n.individual_no, n.reason, n.text
            )?;
        }
    }
    Ok(())
}

fn issue_json(v: &NoticeIssue) -> Value {
    json!({
        "number": v.number,
        "issued_by": v.issued_by,
        "site": v.site,
        "at": v.at,
        "flight_left_at": v.flight_left_at,
        "departed": v.departures.departed,
        "not_departed": v.departures.not_departed,
        "changes": v.changes.iter().map(ToString::to_string).collect::<Vec<_>>(),
    })
}

fn as_json(notice: &Notice) -> Value {
    json!({
        "booking_ref": notice.booking.booking_ref,
        "versions": notice.versions.iter().map(issue_json).collect::<Vec<_>>(),
    })
}
