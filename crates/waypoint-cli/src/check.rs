//! `waypoint check mrz`: reads a machine-readable zone from standard input, checks its check
//! digits and, for an individual, compares it with the record. The rules are
//! `waypoint_app::identity_check`'s; this reads, prints and chooses the exit code: 0 valid
//! (and matching), 1 invalid or not matching, 2 when the zone or the record cannot be read
//! or the role may not check identities.

use std::io::{Read, Write};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use serde_json::json;
use waypoint_app::identity_check;
use waypoint_domain::Mismatch;
use waypoint_domain::mrz::MrzReading;

use crate::Cli;

#[derive(Debug, Subcommand)]
pub enum CheckCommand {
    /// Read an MRZ (the 2 or 3 lines at the foot of a passport or ID card) from standard
    /// input and check its check digits; exit code 1 when one fails (or the record differs)
    Mrz {
        /// Compare the MRZ with this individual's record (needs your PIN)
        #[arg(long, value_name = "IND")]
        individual: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

/// Exit code 2: the zone or the record could not be read, or the role may not check.
const CANNOT_CHECK: u8 = 2;

/// The most an MRZ typed or scanned with blank lines around it can be: far more than 3 lines
/// of 44, far less than anything that would take a while to read.
const MAX_INPUT: u64 = 64 * 1024;

pub fn run(cli: &Cli, command: &CheckCommand) -> Result<ExitCode> {
    let CheckCommand::Mrz { individual, json } = command;
    match check_mrz(cli, individual.as_deref(), *json) {
        Ok(code) => Ok(code),
        Err(e) => {
            eprintln!("waypoint: error: {e:#}");
            Ok(ExitCode::from(CANNOT_CHECK))
        }
    }
}

fn check_mrz(cli: &Cli, individual: Option<&str>, as_json: bool) -> Result<ExitCode> {
    let text = zone_from_stdin()?;
    let (reading, mismatches) = match individual {
        // Reading a zone needs no store: it is what the person at the keyboard holds.
        None => (identity_check::read_mrz(&text)?, None),
        Some(individual_no) => {
            let (store, role) = crate::open_as(cli)?;
            let compared = identity_check::check_mrz(&store, role, individual_no, &text)?;
            (compared.reading, Some(compared.mismatches))
        }
    };
    let valid = reading.is_valid();
    let matches = mismatches.as_ref().is_none_or(Vec::is_empty);
    let mut out = std::io::stdout().lock();
    if as_json {
        let mut answer = json!({ "valid": valid, "reading": reading });
        if let Some(mismatches) = &mismatches {
            answer["matches"] = json!(matches);
            answer["mismatches"] = json!(mismatches);
        }
        serde_json::to_writer_pretty(&mut out, &answer)?;
        writeln!(out)?;
    } else {
        print_reading(&mut out, &reading)?;
        if let (Some(mismatches), Some(individual_no)) = (&mismatches, individual) {
            print_comparison(&mut out, individual_no, mismatches)?;
        }
    }
    Ok(if valid && matches {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn zone_from_stdin() -> Result<String> {
    let mut text = String::new();
    std::io::stdin()
        .lock()
        .take(MAX_INPUT + 1)
        .read_to_string(&mut text)
        .context("reading the MRZ from standard input (it must be text)")?;
    if text.len() as u64 > MAX_INPUT {
        bail!("that is not an MRZ: more than {MAX_INPUT} bytes on standard input");
    }
    if text.trim().is_empty() {
        bail!(
            "no MRZ on standard input: type or paste its 2 or 3 lines, or pipe them in (echo ... | waypoint check mrz)"
        );
    }
    Ok(text)
}

fn print_reading(out: &mut impl Write, r: &MrzReading) -> Result<()> {
    writeln!(out, "format:          {}", r.format)?;
    writeln!(
        out,
        "document:        {} {} {}",
        r.document_code, r.issuing_country, r.document_number
    )?;
    writeln!(out, "surname:         {}", r.surname)?;
    writeln!(out, "given names:     {}", r.given_names)?;
    writeln!(out, "nationality:     {}", r.nationality)?;
    writeln!(out, "date of birth:   {}", r.date_of_birth)?;
    writeln!(out, "sex:             {}", r.sex)?;
    writeln!(out, "date of expiry:  {}", r.date_of_expiry)?;
    for c in &r.check_digits {
        let verdict = if c.ok { "ok" } else { "WRONG" };
        writeln!(out, "check digit:     {:<24} {verdict}", c.field.label())?;
    }
    if r.is_valid() {
        writeln!(out, "valid: every check digit agrees")?;
    } else {
        let failed: Vec<&str> = r.failed_checks().map(|f| f.label()).collect();
        writeln!(
            out,
            "INVALID: the check digit of the {} does not agree: a typing or scanning mistake, or a document to look at closely",
            failed.join(", the ")
        )?;
    }
    Ok(())
}

fn print_comparison(
    out: &mut impl Write,
    individual_no: &str,
    mismatches: &[Mismatch],
) -> Result<()> {
    let individual_no = individual_no.trim().to_ascii_uppercase();
    if mismatches.is_empty() {
        writeln!(out, "record of {individual_no}: matches the document")?;
        return Ok(());
    }
    writeln!(
        out,
        "record of {individual_no}: DIFFERS from the document in {} field(s)",
        mismatches.len()
    )?;
    for m in mismatches {
        writeln!(
            out,
            "  {:<16} on record: {:<24} on the document: {}",
            m.field, m.on_record, m.on_document
        )?;
    }
    Ok(())
}
