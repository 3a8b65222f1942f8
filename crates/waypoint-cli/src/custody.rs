//! `waypoint custody list` and `waypoint custody transfer`: where each travel document of a
//! case is, and recording one changing hands (`waypoint_app::custody` holds the rules).

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Result, anyhow};
use clap::Subcommand;
use serde_json::{Value, json};
use waypoint_app::custody::{self, Transfer};
use waypoint_domain::{Custodian, DocumentCustody, Field, may_see};

use crate::{Cli, app, output};

#[derive(Debug, Subcommand)]
pub enum CustodyCommand {
    /// List a case's documents: who holds each now and every transfer of it
    List {
        case_no: String,
        #[arg(long)]
        json: bool,
    },
    /// Record a document changing hands. Handing it to a person (individual:NUMBER) needs
    /// their identity check at this site today, and the transfer must start from whoever
    /// holds the document now.
    Transfer {
        /// The individual whose document it is
        individual_no: String,
        /// The document's number
        document_no: String,
        /// Who hands it over, as KIND:VALUE; kinds: individual, staff, storage, travel-bag,
        /// authority (e.g. storage:"Office safe", authority:UNHCR)
        #[arg(long, value_name = "KIND:VALUE")]
        from: String,
        /// Who receives it, as KIND:VALUE
        #[arg(long, value_name = "KIND:VALUE")]
        to: String,
        /// Where the transfer happened
        #[arg(long, value_name = "PLACE")]
        location: String,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(cli: &Cli, command: &CustodyCommand) -> Result<ExitCode> {
    match command {
        CustodyCommand::List { case_no, json } => {
            let (store, who, _) = app::open(cli)?;
            let documents = custody::documents(&store, &who, case_no)?;
            if *json {
                let all: Vec<Value> = documents.iter().map(as_json).collect();
                app::print_json(&all)?;
            } else {
                let mut out = std::io::stdout().lock();
                if documents.is_empty() {
                    if may_see(who.role, Field::DocumentNo) {
                        writeln!(out, "no document with a number on record in this case")?;
                    } else {
                        writeln!(out, "document numbers: {}", output::NOT_SHOWN)?;
                    }
                }
                for d in &documents {
                    document(&mut out, d)?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        CustodyCommand::Transfer {
            individual_no,
            document_no,
            from,
            to,
            location,
            json,
        } => {
            // Checked before the store is opened: a typing mistake costs no sign-in.
            let transfer = Transfer {
                individual_no: individual_no.clone(),
                document_no: document_no.clone(),
                from: custodian(from)?,
                to: custodian(to)?,
                location: location.trim().to_string(),
            };
            if transfer.location.is_empty() {
                return Err(anyhow!(
                    "say where the transfer happened with --location PLACE"
                ));
            }
            let (mut store, who, ctx) = app::open(cli)?;
            let done = custody::record_transfer(&mut store, &who, &ctx, &transfer)?;
            if *json {
                app::print_json(&as_json(&done))?;
            } else {
                let mut out = std::io::stdout().lock();
                writeln!(
                    out,
                    "recorded: document {} of {} handed from {} to {}",
                    done.document_no, done.individual_no, transfer.from, transfer.to
                )?;
                document(&mut out, &done)?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A custodian typed as KIND:VALUE.
fn custodian(text: &str) -> Result<Custodian> {
    let (kind, value) = text.split_once(':').ok_or_else(|| {
        anyhow!(
            "'{text}' is not KIND:VALUE; kinds are: {}",
            Custodian::KINDS.join(", ")
        )
    })?;
    Custodian::from_kind(kind, value).map_err(|e| anyhow!(e))
}

/// The document with who holds it now and where (methods of the domain type, so spelled out).
fn as_json(d: &DocumentCustody) -> Value {
    json!({
        "individual_no": d.individual_no,
        "holder_name": d.holder_name,
        "document_type": d.document_type,
        "document_no": d.document_no,
        "current": d.current(),
        "location": d.location(),
        "chain": d.chain,
    })
}

fn document(out: &mut dyn Write, d: &DocumentCustody) -> std::io::Result<()> {
    writeln!(
        out,
        "{} {} of {} ({})",
        d.document_type, d.document_no, d.individual_no, d.holder_name
    )?;
    match (d.current(), d.location()) {
        (Some(holder), Some(place)) => writeln!(out, "  held by {holder}, at {place}")?,
        _ => writeln!(out, "  no transfer recorded yet")?,
    }
    for t in &d.chain {
        writeln!(
            out,
            "  {}  {} -> {}  at {} ({}), recorded by {}",
            t.at.format("%Y-%m-%d %H:%M"),
            t.from,
            t.to,
            t.location,
            t.site,
            t.recorded_by
        )?;
    }
    Ok(())
}
