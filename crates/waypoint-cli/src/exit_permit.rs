//! `waypoint exit-permit record` and `waypoint exit-permit show`: recording a step of an
//! individual's exit permit and reading its history (`waypoint_app::exit_permit` holds the
//! rules).

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Result, anyhow};
use chrono::NaiveDate;
use clap::Subcommand;
use serde_json::json;
use waypoint_app::exit_permit;
use waypoint_domain::{DenialReason, ExitPermitState, ExitPermitStep, Field, Role, may_see};

use crate::{Cli, app, output};

/// The steps as typed on the command line.
const STEPS: [&str; 5] = [
    "requested",
    "submitted",
    "approved",
    "denied",
    "not-required",
];

#[derive(Debug, Subcommand)]
pub enum ExitPermitCommand {
    /// Record a step of an individual's exit permit. Any step may follow any other: a request
    /// after a denial is a new attempt, and the denial stays in the history.
    Record {
        individual_no: String,
        /// requested, submitted (with --authority), approved (with --reference), denied (with
        /// --reason, --text and maybe --solution) or not-required
        #[arg(long)]
        step: String,
        /// The day it happened, YYYY-MM-DD (default: today)
        #[arg(long, value_name = "DATE")]
        on: Option<String>,
        /// Who the request was submitted to
        #[arg(long, value_name = "A")]
        authority: Option<String>,
        /// The approved permit's reference
        #[arg(long, value_name = "R")]
        reference: Option<String>,
        /// Why it was denied: incomplete_documents, invalid_travel_document, security_check,
        /// pending_legal_case, outstanding_obligations, quota, not_given or other
        #[arg(long, value_name = "CODE")]
        reason: Option<String>,
        /// What the authority said (may be left out only with --reason not_given)
        #[arg(long, value_name = "T")]
        text: Option<String>,
        /// What could be done about the denial
        #[arg(long, value_name = "S")]
        solution: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// An individual's exit permit: where it is and every step, oldest first
    Show {
        individual_no: String,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(cli: &Cli, command: &ExitPermitCommand) -> Result<ExitCode> {
    match command {
        ExitPermitCommand::Record {
            individual_no,
            json,
            ..
        } => {
            // Checked before the store is opened: a typing mistake costs no sign-in.
            let step = step_of(command)?;
            let (mut store, who, ctx) = app::open(cli)?;
            let state = exit_permit::record(&mut store, &who, &ctx, individual_no, step)?;
            if *json {
                app::print_json(&as_json(&state))?;
            } else {
                let mut out = std::io::stdout().lock();
                writeln!(out, "recorded: exit permit step of {}", state.individual_no)?;
                history(&mut out, &state, who.role)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        ExitPermitCommand::Show {
            individual_no,
            json,
        } => {
            let (store, who, _) = app::open(cli)?;
            let state = exit_permit::history(&store, who.role, individual_no)?;
            if *json {
                app::print_json(&as_json(&state))?;
            } else {
                history(&mut std::io::stdout().lock(), &state, who.role)?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The step the options describe; options that belong to another step are refused rather
/// than dropped, so that nothing typed is silently lost.
fn step_of(command: &ExitPermitCommand) -> Result<ExitPermitStep> {
    let ExitPermitCommand::Record {
        step,
        on,
        authority,
        reference,
        reason,
        text,
        solution,
        ..
    } = command
    else {
        return Err(anyhow!("not a step to record"));
    };
    let step = step.trim().to_ascii_lowercase().replace('_', "-");
    let on = Some(match on {
        Some(day) => NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d")
            .map_err(|_| anyhow!("--on {day}: give the day as YYYY-MM-DD"))?,
        None => crate::today(),
    });
    let only_with = |given: bool, option: &str, with: &str| {
        if given && step != with {
            Err(anyhow!("{option} goes with --step {with}, not {step}"))
        } else {
            Ok(())
        }
    };
    only_with(authority.is_some(), "--authority", "submitted")?;
    only_with(reference.is_some(), "--reference", "approved")?;
    for (given, option) in [
        (reason.is_some(), "--reason"),
        (text.is_some(), "--text"),
        (solution.is_some(), "--solution"),
    ] {
        only_with(given, option, "denied")?;
    }
    Ok(match step.as_str() {
        "requested" => ExitPermitStep::Requested { on },
        "not-required" => ExitPermitStep::NotRequired { on },
        "submitted" => ExitPermitStep::Submitted {
            on,
            authority: authority.clone().ok_or_else(|| {
                anyhow!("say who the request was submitted to with --authority A")
            })?,
        },
        "approved" => ExitPermitStep::Approved {
            on,
            reference: reference
                .clone()
                .ok_or_else(|| anyhow!("give the permit's reference with --reference R"))?,
        },
        "denied" => {
            let reason = reason.as_deref().ok_or_else(|| {
                anyhow!("say why the permit was denied with --reason CODE and --text T")
            })?;
            ExitPermitStep::Denied {
                on,
                reason: DenialReason::parse(reason).map_err(|e| anyhow!("--reason: {e}"))?,
                text: text.clone().unwrap_or_default(),
                solution: solution.clone(),
            }
        }
        other => {
            return Err(anyhow!(
                "'{other}' is not a step: use one of {}",
                STEPS.join(", ")
            ));
        }
    })
}

fn as_json(state: &ExitPermitState) -> serde_json::Value {
    json!({
        "individual_no": state.individual_no,
        "status": state.status(),
        "cleared": state.cleared(),
        "history": state.history,
    })
}

fn history(out: &mut dyn Write, state: &ExitPermitState, role: Role) -> std::io::Result<()> {
    match state.status() {
        Some(status) => writeln!(
            out,
            "{}: exit permit {}",
            state.individual_no,
            status.code().to_ascii_lowercase().replace('_', " ")
        )?,
        None => {
            return writeln!(out, "{}: no exit permit step recorded", state.individual_no);
        }
    }
    let sees_denials = may_see(role, Field::ExitPermitDenialReason);
    for e in &state.history {
        let day = e
            .step
            .on()
            .map_or_else(|| "(no day)".to_string(), |d| d.to_string());
        let what = match &e.step {
            ExitPermitStep::NotRequired { .. } => "not required".to_string(),
            ExitPermitStep::Requested { .. } => "requested".to_string(),
            ExitPermitStep::Submitted { authority, .. } => format!("submitted to {authority}"),
            ExitPermitStep::Approved { reference, .. } => format!("approved, {reference}"),
            ExitPermitStep::Denied {
                reason,
                text,
                solution,
                ..
            } if sees_denials => {
                let mut what = format!("denied ({reason}): {text}");
                if let Some(solution) = solution {
                    what.push_str(&format!("; possible solution: {solution}"));
                }
                what
            }
            ExitPermitStep::Denied { reason, .. } => {
                format!("denied ({reason}): {}", output::NOT_SHOWN)
            }
        };
        writeln!(
            out,
            "  {day}  {what}  ({}, recorded by {})",
            e.site, e.recorded_by
        )?;
    }
    Ok(())
}
