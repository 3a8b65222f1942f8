//! `waypoint needs`: the special needs (IATA SSR codes, notes) and vulnerabilities of a case's
//! members, and changing one individual's (`waypoint_app::special_needs` holds the rules).

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Subcommand;
use waypoint_app::special_needs::{self, MemberNeeds, NeedsUpdate};

use crate::{Cli, app, output};

#[derive(Debug, Subcommand)]
pub enum NeedsCommand {
    /// List the special needs of every member of a case, or of one individual
    List {
        /// A case number or an individual number
        #[arg(value_name = "CASE|INDIVIDUAL")]
        number: String,
        #[arg(long)]
        json: bool,
    },
    /// Replace an individual's SSR codes, notes or vulnerabilities (only the parts given)
    Record {
        individual_no: String,
        /// An IATA SSR code, e.g. WCHR; repeat, or separate with commas; --ssr "" removes all
        #[arg(long = "ssr", value_name = "CODE", value_delimiter = ',')]
        ssr_codes: Option<Vec<String>>,
        /// Special-needs notes (medical: need-to-know); --notes "" removes them
        #[arg(long)]
        notes: Option<String>,
        /// A vulnerability code, e.g. ELDERLY; repeat, or separate with commas; --vulnerability ""
        /// removes all
        #[arg(long = "vulnerability", value_name = "CODE", value_delimiter = ',')]
        vulnerabilities: Option<Vec<String>>,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(cli: &Cli, command: &NeedsCommand) -> Result<ExitCode> {
    match command {
        NeedsCommand::List { number, json } => {
            let (store, who, _) = app::open(cli)?;
            let needs = special_needs::list(&store, &who, number)?;
            print(&needs, *json)
        }
        NeedsCommand::Record {
            individual_no,
            ssr_codes,
            notes,
            vulnerabilities,
            json,
        } => {
            let codes = |v: &Option<Vec<String>>| {
                v.as_ref().map(|v| {
                    v.iter()
                        .map(|c| c.trim().to_string())
                        .filter(|c| !c.is_empty())
                        .collect::<Vec<_>>()
                })
            };
            let update = NeedsUpdate {
                individual_no: individual_no.clone(),
                ssr_codes: codes(ssr_codes),
                notes: notes.clone(),
                vulnerabilities: codes(vulnerabilities),
            };
            if update.ssr_codes.is_none()
                && update.notes.is_none()
                && update.vulnerabilities.is_none()
            {
                bail!("nothing to change: give --ssr, --notes or --vulnerability");
            }
            let (mut store, who, ctx) = app::open(cli)?;
            let view = special_needs::update(&mut store, &who, &ctx, &update)?;
            let wanted = individual_no.trim().to_ascii_uppercase();
            let needs: Vec<MemberNeeds> = view
                .case
                .members
                .iter()
                .filter(|m| m.individual_no == wanted)
                .map(|m| MemberNeeds::of(m, who.role))
                .collect();
            if !*json {
                println!("saved: special needs of {wanted}");
            }
            print(&needs, *json)
        }
    }
}

fn print(needs: &[MemberNeeds], json: bool) -> Result<ExitCode> {
    if json {
        app::print_json(&needs)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = std::io::stdout().lock();
    for n in needs {
        writeln!(out, "{} (case {})", n.individual_no, n.case_no)?;
        match &n.ssr_codes {
            None => writeln!(out, "  SSR codes: {}", output::NOT_SHOWN)?,
            Some(codes) if codes.is_empty() => writeln!(out, "  SSR codes: none")?,
            Some(codes) => {
                for code in codes {
                    let what = code.info().map_or("not a code Waypoint knows", |i| i.en);
                    writeln!(out, "  SSR code: {code} ({what})")?;
                }
            }
        }
        if n.hidden.contains(&"special_needs_notes") {
            writeln!(out, "  notes: {}", output::NOT_SHOWN)?;
        } else if let Some(notes) = &n.notes {
            writeln!(
                out,
                "  notes (sensitive): {}",
                notes.replace('\n', "\n    ")
            )?;
        }
        match &n.vulnerabilities {
            None => writeln!(out, "  vulnerabilities: {}", output::NOT_SHOWN)?,
            Some(v) if v.is_empty() => writeln!(out, "  vulnerabilities: none")?,
            Some(v) => {
                let codes: Vec<&str> = v.iter().map(|v| v.code()).collect();
                writeln!(out, "  vulnerabilities (sensitive): {}", codes.join(" "))?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
