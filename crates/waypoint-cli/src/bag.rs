//! `waypoint bag show|check|tick|untick|handover CASE`: a case's travel bag, the checklist of
//! what must travel with it (each item known from custody, permits, bookings and the ABN,
//! ticked by hand, or missing), and its handover. `check` exits 1 when the bag is not
//! complete, for the boarding checklist. The rules are `waypoint_app::travel_bag`'s.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Result, anyhow};
use clap::Subcommand;
use serde_json::{Value, json};
use waypoint_app::travel_bag::{self, Handover, ItemState, ReceiverCheck, TravelBag};
use waypoint_domain::{BagChange, Custodian};

use crate::{Cli, app};

#[derive(Debug, Subcommand)]
pub enum BagCommand {
    /// A case's travel bag: every item, whether it is known to be in it (and how), ticked by
    /// hand or missing (and why), and its handovers
    Show {
        case_no: String,
        #[arg(long)]
        json: bool,
    },
    /// Like show, and exit code 1 when the bag is not complete: the check before boarding
    Check {
        case_no: String,
        #[arg(long)]
        json: bool,
    },
    /// Tick an item by hand (its id as `bag show` lists it, e.g. medical:I-0001040), saying
    /// what was seen
    Tick {
        case_no: String,
        item: String,
        #[arg(long)]
        note: String,
        #[arg(long)]
        json: bool,
    },
    /// Take back a tick made by hand
    Untick {
        case_no: String,
        item: String,
        #[arg(long, default_value = "")]
        note: String,
        #[arg(long)]
        json: bool,
    },
    /// Hand the bag over to someone whose identity you checked; its documents move to them.
    /// A bag with missing items goes only with a --note saying why
    Handover {
        case_no: String,
        /// Who receives it: a staff member's NAME, or KIND:VALUE with kind individual, staff
        /// or authority (e.g. individual:I-0001041, authority:"QR ground staff")
        #[arg(long, value_name = "RECEIVER")]
        to: String,
        /// The outcome of the check of the receiver's identity: verified or not_verified
        #[arg(long, value_name = "OUTCOME")]
        check: String,
        /// Where it happens [default: the site]
        #[arg(long, value_name = "PLACE")]
        location: Option<String>,
        #[arg(long, default_value = "")]
        note: String,
        #[arg(long)]
        json: bool,
    },
}

/// The receiver as typed: a bare name is a staff member.
fn receiver(text: &str) -> Result<Custodian> {
    match text.split_once(':') {
        Some((kind, value)) => Custodian::from_kind(kind, value).map_err(|e| anyhow!(e)),
        None if text.trim().is_empty() => Err(anyhow!("say who receives the bag with --to")),
        None => Ok(Custodian::Staff {
            name: text.trim().to_string(),
        }),
    }
}

pub fn run(cli: &Cli, command: &BagCommand) -> Result<ExitCode> {
    let (bag, json) = match command {
        BagCommand::Show { case_no, json } | BagCommand::Check { case_no, json } => {
            let (store, who, _) = app::open(cli)?;
            (travel_bag::show(&store, who.role, case_no)?, *json)
        }
        BagCommand::Tick {
            case_no,
            item,
            note,
            json,
        }
        | BagCommand::Untick {
            case_no,
            item,
            note,
            json,
        } => {
            let ticked = matches!(command, BagCommand::Tick { .. });
            let (mut store, who, ctx) = app::open(cli)?;
            let bag = travel_bag::tick(&mut store, &who, &ctx, case_no, item, ticked, note)?;
            (bag, *json)
        }
        BagCommand::Handover {
            case_no,
            to,
            check,
            location,
            note,
            json,
        } => {
            // Checked before the store is opened: a typing mistake costs no sign-in.
            let handover = Handover {
                to: receiver(to)?,
                check: ReceiverCheck::parse(check).map_err(|e| anyhow!(e))?,
                location: location.clone(),
                note: note.clone(),
            };
            let (mut store, who, ctx) = app::open(cli)?;
            (
                travel_bag::hand_over(&mut store, &who, &ctx, case_no, &handover)?,
                *json,
            )
        }
    };
    if json {
        app::print_json(&as_json(&bag))?;
    } else {
        print(&mut std::io::stdout().lock(), &bag)?;
    }
    if matches!(command, BagCommand::Check { .. }) && !bag.complete() {
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

fn as_json(bag: &TravelBag) -> Value {
    json!({
        "case_no": bag.case_no,
        "complete": bag.complete(),
        "travellers": bag.travellers,
        "items": bag.items,
        "missing": bag.missing().map(|i| i.id.as_str()).collect::<Vec<_>>(),
        "holder": bag.holder(),
        "handovers": bag.handovers,
    })
}

fn print(out: &mut impl Write, bag: &TravelBag) -> Result<()> {
    let missing = bag.missing().count();
    if missing == 0 {
        writeln!(out, "travel bag of {}: complete", bag.case_no)?;
    } else {
        writeln!(
            out,
            "travel bag of {}: NOT COMPLETE ({missing} missing)",
            bag.case_no
        )?;
    }
    let width = bag.items.iter().map(|i| i.id.len()).max().unwrap_or(0);
    for item in &bag.items {
        let (mark, how) = match &item.state {
            ItemState::Known { from } => ("x", from.to_string()),
            ItemState::TickedByHand { by, at, note } => (
                "x",
                format!(
                    "ticked by hand by {by} at {}: {note}",
                    at.format("%Y-%m-%d %H:%M UTC")
                ),
            ),
            ItemState::Missing { why } => (" ", format!("MISSING: {why}")),
        };
        writeln!(out, "  [{mark}] {:<width$}  {how}", item.id)?;
    }
    for h in &bag.handovers {
        if let BagChange::HandedOver { to, check, .. } = &h.change {
            writeln!(
                out,
                "handed over to {to} by {} at {} ({}; identity {check})",
                h.recorded_by,
                h.at.format("%Y-%m-%d %H:%M UTC"),
                h.site
            )?;
        }
    }
    Ok(())
}
