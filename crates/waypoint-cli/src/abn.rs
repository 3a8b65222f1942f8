//! `waypoint abn show|csv ABN_NO`: an ABN's versions and what changed since the last; `csv`
//! (and `pdf`) issue a new version first when the bookings under the number changed, else
//! they give the last one again. The rules are `waypoint_app::abn`'s.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::Subcommand;
use serde_json::{Value, json};
use waypoint_app::abn::{self, Abn, AbnIssue};
use waypoint_domain::Language;

use crate::booking::booking_json;
use crate::{Cli, app};

#[derive(Debug, Subcommand)]
pub enum AbnCommand {
    /// An ABN's versions (number, kind, who issued it, when, what changed) and the changes not
    /// issued yet; issues nothing
    Show {
        abn_no: String,
        #[arg(long)]
        json: bool,
    },
    /// The ABN as CSV (one row per traveller per segment), issuing a new version first if the
    /// bookings changed since the last
    Csv {
        abn_no: String,
        /// Write it to FILE instead of standard output
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// The ABN as a printable PDF, issuing a new version first if the bookings changed since
    /// the last
    Pdf {
        abn_no: String,
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

/// Issues the ABN if its bookings changed and gives its last version.
fn issued(
    cli: &Cli,
    abn_no: &str,
) -> Result<(waypoint_app::Store, waypoint_app::SignedIn, AbnIssue)> {
    let (mut store, who, ctx) = app::open(cli)?;
    let abn = abn::issue(&mut store, &who, &ctx, abn_no)?;
    let last = abn
        .last()
        .cloned()
        .context("no version of this ABN could be issued: no booking is notified under it")?;
    eprintln!(
        "ABN {} version {} ({})",
        last.abn_no, last.number, last.kind
    );
    Ok((store, who, last))
}

pub fn run(cli: &Cli, command: &AbnCommand) -> Result<ExitCode> {
    match command {
        AbnCommand::Show { abn_no, json } => {
            let (store, who, _) = app::open(cli)?;
            let abn = abn::show(&store, who.role, abn_no)?;
            if *json {
                app::print_json(&as_json(&abn))?;
            } else {
                print(&mut std::io::stdout().lock(), &abn)?;
            }
        }
        AbnCommand::Csv { abn_no, out } => {
            let (store, who, last) = issued(cli, abn_no)?;
            write_out(out.as_ref(), &abn::abn_csv(&store, &who, &last)?)?;
        }
        AbnCommand::Pdf {
            abn_no,
            out,
            paper,
            language,
        } => {
            let paper = if paper == "letter" {
                abn::Paper::Letter
            } else {
                abn::Paper::A4
            };
            let language = match language.as_str() {
                "fr" => Language::Fr,
                "es" => Language::Es,
                _ => Language::En,
            };
            let (store, who, last) = issued(cli, abn_no)?;
            write_out(
                Some(out),
                &abn::abn_pdf(&store, &who, &last, paper, language)?,
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes a produced file to `out`, or to standard output.
pub fn write_out(out: Option<&PathBuf>, bytes: &[u8]) -> Result<()> {
    match out {
        Some(path) => std::fs::write(path, bytes)
            .with_context(|| format!("{}: could not be written", path.display())),
        None => Ok(std::io::stdout().lock().write_all(bytes)?),
    }
}

fn issue_json(v: &AbnIssue) -> Value {
    json!({
        "number": v.number,
        "kind": v.kind,
        "issued_by": v.issued_by,
        "site": v.site,
        "at": v.at,
        "changes": v.changes.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "bookings": v.bookings.iter().map(booking_json).collect::<Vec<_>>(),
    })
}

fn as_json(abn: &Abn) -> Value {
    json!({
        "abn_no": abn.abn_no,
        "versions": abn.versions.iter().map(issue_json).collect::<Vec<_>>(),
        "current": abn.current.iter().map(booking_json).collect::<Vec<_>>(),
        "pending": abn.pending.iter().map(ToString::to_string).collect::<Vec<_>>(),
    })
}

fn print(out: &mut impl Write, abn: &Abn) -> Result<()> {
    writeln!(out, "ABN {}", abn.abn_no)?;
    if abn.versions.is_empty() {
        writeln!(out, "not issued yet")?;
    }
    for v in &abn.versions {
        writeln!(
            out,
            "version {} {} by {} at {} ({})",
            v.number,
            v.kind,
            v.issued_by,
            v.at.format("%Y-%m-%d %H:%M UTC"),
            v.site
        )?;
        for c in &v.changes {
            writeln!(out, "  * {c}")?;
        }
    }
    let refs: Vec<String> = abn
        .current
        .iter()
        .map(|b| b.booking_ref.to_string())
        .collect();
    writeln!(
        out,
        "bookings now: {}",
        if refs.is_empty() {
            "none".into()
        } else {
            refs.join(", ")
        }
    )?;
    if !abn.pending.is_empty() {
        writeln!(out, "changed since the last version (not issued yet):")?;
        for c in &abn.pending {
            writeln!(out, "  * {c}")?;
        }
    }
    Ok(())
}
