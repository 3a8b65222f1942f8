//! `waypoint manifest ...`: transport manifests on departure day (made from bookings, a
//! traveller added late or taken off), the head count at the bus door (`board` by individual
//! number, document number or a scanned MRZ; `no-show`; `undo`), the manifest on screen, as
//! PDF and as CSV; and `waypoint items ...`, the food and essential items handed to each
//! person. The rules are `waypoint_app::manifest`'s.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, anyhow};
use chrono::{DateTime, NaiveDateTime, Utc};
use clap::Subcommand;
use serde_json::{Value, json};
use waypoint_app::manifest::{self, BoardOutcome, ManifestForm, ManifestRow, ManifestView};
use waypoint_domain::{Boarding, ItemList, Language};

use crate::abn::write_out;
use crate::{Cli, app};

#[derive(Debug, Subcommand)]
pub enum ManifestCommand {
    /// Put the travellers of bookings (and individuals) on a vehicle: prints the new
    /// manifest's number
    Create {
        /// A booking whose travellers ride this vehicle (repeat for several)
        #[arg(long = "booking", value_name = "REF")]
        bookings: Vec<String>,
        /// Someone to put on by individual number (repeat for several)
        #[arg(long = "individual", value_name = "NUMBER")]
        individuals: Vec<String>,
        /// The vehicle's registration plate
        #[arg(long)]
        plate: String,
        #[arg(long)]
        driver: String,
        /// When it leaves: 2026-12-14T06:00+02:00, or without an offset in UTC
        #[arg(long, value_name = "TIME")]
        departs: String,
        #[arg(long)]
        json: bool,
    },
    /// Put more travellers on a manifest (a booking's, or someone added late)
    Add {
        id: String,
        #[arg(long = "booking", value_name = "REF")]
        bookings: Vec<String>,
        #[arg(long = "individual", value_name = "NUMBER")]
        individuals: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Take travellers off a manifest
    Remove {
        id: String,
        #[arg(required = true, value_name = "INDIVIDUAL")]
        individuals: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// A manifest: the vehicle, every traveller and where they stand, the count and who is
    /// missing
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// The manifests on this laptop, with their counts
    List {
        #[arg(long)]
        json: bool,
    },
    /// Tick a traveller as boarded: type or scan an individual number, a document number or
    /// the document's MRZ. Exits 1, ticking no one, when nobody or two travellers match
    Board {
        id: String,
        scan: String,
        #[arg(long)]
        json: bool,
    },
    /// Record that a traveller did not board, with a reason (DID_NOT_COME, ILL, DECLINED,
    /// DOCUMENTS, FAMILY_EMERGENCY, LATE, OTHER) and what happened
    NoShow {
        id: String,
        individual_no: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        text: String,
        #[arg(long)]
        json: bool,
    },
    /// Take back a tick or a no-show made by mistake
    Undo {
        id: String,
        individual_no: String,
        #[arg(long)]
        json: bool,
    },
    /// The manifest as a printable PDF, with a box to tick per traveller
    Pdf {
        id: String,
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
    /// The manifest as CSV, one row per traveller
    Csv {
        id: String,
        /// Write it to FILE instead of standard output
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ItemsCommand {
    /// A programme's list of food and essential items (codes and labels)
    List {
        #[arg(long)]
        programme: String,
        /// The labels' language: en, fr or es
        #[arg(long, default_value = "en", value_parser = ["en", "fr", "es"])]
        language: String,
        #[arg(long)]
        json: bool,
    },
    /// Record the items handed to one person (codes from their programme's list)
    Hand {
        individual_no: String,
        #[arg(required = true, value_name = "CODE")]
        codes: Vec<String>,
        /// The list to use when the case has no programme on record
        #[arg(long)]
        programme: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// What one person was handed
    Handed {
        individual_no: String,
        #[arg(long)]
        json: bool,
    },
}

/// A departure time as typed: RFC 3339 with its offset, or a date and time taken as UTC.
fn departs(text: &str) -> Result<DateTime<Utc>> {
    let t = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(t) {
        return Ok(at.with_timezone(&Utc));
    }
    // RFC 3339 wants seconds; a person types minutes.
    for format in ["%Y-%m-%dT%H:%M%:z", "%Y-%m-%d %H:%M%:z"] {
        if let Ok(at) = DateTime::parse_from_str(t, format) {
            return Ok(at.with_timezone(&Utc));
        }
    }
    for format in ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(at) = NaiveDateTime::parse_from_str(t, format) {
            return Ok(at.and_utc());
        }
    }
    Err(anyhow!(
        "--departs {t}: give the time as 2026-12-14T06:00+02:00 (or 2026-12-14T04:00 in UTC)"
    ))
}

fn language(code: &str) -> Language {
    match code {
        "fr" => Language::Fr,
        "es" => Language::Es,
        _ => Language::En,
    }
}

pub fn run(cli: &Cli, command: &ManifestCommand) -> Result<ExitCode> {
    let (view, json) = match command {
        ManifestCommand::Create {
            bookings,
            individuals,
            plate,
            driver,
            departs: at,
            json,
        } => {
            let form = ManifestForm {
                bookings: bookings.clone(),
                individuals: individuals.clone(),
                plate: plate.clone(),
                driver: driver.clone(),
                departs: departs(at)?,
            };
            let (mut store, who, ctx) = app::open(cli)?;
            let view = manifest::create(&mut store, &who, &ctx, &form)?;
            eprintln!("manifest {} made", view.id);
            (view, *json)
        }
        ManifestCommand::Add {
            id,
            bookings,
            individuals,
            json,
        } => {
            let (mut store, who, ctx) = app::open(cli)?;
            (
                manifest::add(&mut store, &who, &ctx, id, bookings, individuals)?,
                *json,
            )
        }
        ManifestCommand::Remove {
            id,
            individuals,
            json,
        } => {
            let (mut store, who, ctx) = app::open(cli)?;
            (
                manifest::remove(&mut store, &who, &ctx, id, individuals)?,
                *json,
            )
        }
        ManifestCommand::Show { id, json } => {
            let (store, who, _) = app::open(cli)?;
            (manifest::show(&store, who.role, id)?, *json)
        }
        ManifestCommand::List { json } => {
            let (store, who, _) = app::open(cli)?;
            let all = manifest::list(&store, who.role)?;
            if *json {
                app::print_json(&all.iter().map(as_json).collect::<Vec<_>>())?;
            } else {
                let mut out = std::io::stdout().lock();
                for v in &all {
                    writeln!(out, "{}", heading(v))?;
                }
            }
            return Ok(ExitCode::SUCCESS);
        }
        ManifestCommand::Board { id, scan, json } => {
            let (mut store, who, ctx) = app::open(cli)?;
            let outcome = manifest::board(&mut store, &who, &ctx, id, scan)?;
            if *json {
                app::print_json(&board_json(&outcome))?;
            } else {
                print_board(&mut std::io::stdout().lock(), &outcome)?;
            }
            return Ok(ExitCode::SUCCESS);
        }
        ManifestCommand::NoShow {
            id,
            individual_no,
            reason,
            text,
            json,
        } => {
            let (mut store, who, ctx) = app::open(cli)?;
            (
                manifest::no_show(&mut store, &who, &ctx, id, individual_no, reason, text)?,
                *json,
            )
        }
        ManifestCommand::Undo {
            id,
            individual_no,
            json,
        } => {
            let (mut store, who, ctx) = app::open(cli)?;
            (
                manifest::undo(&mut store, &who, &ctx, id, individual_no)?,
                *json,
            )
        }
        ManifestCommand::Pdf {
            id,
            out,
            paper,
            language: lang,
        } => {
            let paper = if paper == "letter" {
                waypoint_app::abn::Paper::Letter
            } else {
                waypoint_app::abn::Paper::A4
            };
            let (store, who, ctx) = app::open(cli)?;
            let view = manifest::show(&store, who.role, id)?;
            let pdf = manifest::manifest_pdf(&view, &who.name, ctx.now, paper, language(lang))?;
            write_out(Some(out), &pdf)?;
            return Ok(ExitCode::SUCCESS);
        }
        ManifestCommand::Csv { id, out } => {
            let (store, who, _) = app::open(cli)?;
            let view = manifest::show(&store, who.role, id)?;
            write_out(out.as_ref(), &manifest::manifest_csv(&view)?)?;
            return Ok(ExitCode::SUCCESS);
        }
    };
    if json {
        app::print_json(&as_json(&view))?;
    } else {
        print(&mut std::io::stdout().lock(), &view)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn row_json(r: &ManifestRow) -> Value {
    json!({
        "individual_no": r.individual_no,
        "case_no": r.case_no,
        "booking_ref": r.booking_ref,
        "family_name": r.family_name,
        "given_names": r.given_names,
        "native_name": r.native_name,
        "sex": r.sex,
        "nationality": r.nationality,
        "age": r.age.map(|a| a.to_string()),
        "document_no": r.document_no,
        "boarding": r.boarding,
    })
}

fn as_json(v: &ManifestView) -> Value {
    json!({
        "id": v.id,
        "vehicle": v.vehicle,
        "count": v.count,
        "missing": v.missing,
        "travellers": v.travellers.iter().map(row_json).collect::<Vec<_>>(),
    })
}

fn board_json(o: &BoardOutcome) -> Value {
    json!({
        "ticked": row_json(&o.traveller),
        "matched_by": o.matched_by,
        "already_boarded": o.already_boarded,
        "manifest": as_json(&o.manifest),
    })
}

fn heading(v: &ManifestView) -> String {
    format!(
        "{} · {} · driver {} · departs {} · boarded {} of {} · no-shows {}",
        v.id,
        v.vehicle.plate,
        v.vehicle.driver,
        v.vehicle.departs.format("%Y-%m-%d %H:%M UTC"),
        v.count.boarded,
        v.count.expected,
        v.count.no_shows
    )
}

fn name(r: &ManifestRow) -> String {
    format!("{}, {}", r.family_name, r.given_names)
}

fn print(out: &mut impl Write, v: &ManifestView) -> Result<()> {
    writeln!(out, "manifest {}", heading(v))?;
    for r in &v.travellers {
        let (mark, note) = match &r.boarding {
            Boarding::Waiting => ("[ ]", String::new()),
            Boarding::Boarded { by, at } => (
                "[x]",
                format!("  boarded {} by {by}", at.format("%H:%M UTC")),
            ),
            Boarding::NoShow { reason, text, .. } => ("[-]", format!("  no-show {reason}: {text}")),
        };
        writeln!(
            out,
            "{mark} {}  {}  {}  {}{note}",
            r.individual_no,
            name(r),
            r.document_no.as_deref().unwrap_or("-"),
            r.booking_ref.as_ref().map_or("-", |b| b.as_str()),
        )?;
    }
    if v.missing.is_empty() {
        writeln!(out, "everyone has boarded")?;
    } else {
        writeln!(
            out,
            "missing ({}): {}",
            v.missing.len(),
            v.missing.join(", ")
        )?;
    }
    Ok(())
}

fn print_board(out: &mut impl Write, o: &BoardOutcome) -> Result<()> {
    let how = match o.matched_by {
        manifest::MatchedBy::IndividualNo => "individual number",
        manifest::MatchedBy::DocumentNo => "document number",
        manifest::MatchedBy::Mrz => "MRZ",
    };
    let verb = if o.already_boarded {
        "already boarded"
    } else {
        "boarded"
    };
    writeln!(
        out,
        "{verb}: {} {} (by {how})",
        o.traveller.individual_no,
        name(&o.traveller)
    )?;
    let c = &o.manifest.count;
    writeln!(
        out,
        "boarded {} of {} · no-shows {} · missing {}",
        c.boarded,
        c.expected,
        c.no_shows,
        o.manifest.missing.len()
    )?;
    Ok(())
}

fn list_json(list: &ItemList) -> Value {
    json!({
        "programme": list.programme,
        "name": list.name,
        "items": list.items,
    })
}

pub fn items(cli: &Cli, command: &ItemsCommand) -> Result<ExitCode> {
    match command {
        ItemsCommand::List {
            programme,
            language: lang,
            json,
        } => {
            let list = manifest::item_list(programme)?;
            if *json {
                app::print_json(&list_json(&list))?;
            } else {
                let mut out = std::io::stdout().lock();
                let word = |l: &waypoint_domain::Localized| match language(lang) {
                    Language::En => l.en.clone(),
                    Language::Fr => l.fr.clone(),
                    Language::Es => l.es.clone(),
                };
                writeln!(out, "{} ({})", word(&list.name), list.programme)?;
                for item in &list.items {
                    writeln!(out, "{:<16} {}", item.code, word(&item.label))?;
                }
            }
        }
        ItemsCommand::Hand {
            individual_no,
            codes,
            programme,
            json,
        } => {
            let (mut store, who, ctx) = app::open(cli)?;
            let handed = manifest::hand_items(
                &mut store,
                &who,
                &ctx,
                individual_no,
                codes,
                programme.as_deref(),
            )?;
            if *json {
                app::print_json(&handed)?;
            } else {
                writeln!(
                    std::io::stdout().lock(),
                    "handed to {}: {} ({} list)",
                    handed.individual_no,
                    handed.items.join(", "),
                    handed.programme
                )?;
            }
        }
        ItemsCommand::Handed {
            individual_no,
            json,
        } => {
            let (store, _, _) = app::open(cli)?;
            let handed = manifest::items_handed(&store, individual_no)?;
            if *json {
                app::print_json(&handed)?;
            } else {
                let mut out = std::io::stdout().lock();
                if handed.is_empty() {
                    writeln!(out, "nothing handed yet")?;
                }
                for h in &handed {
                    writeln!(
                        out,
                        "{} by {}: {}",
                        h.at.format("%Y-%m-%d %H:%M UTC"),
                        h.recorded_by,
                        h.items.join(", ")
                    )?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
