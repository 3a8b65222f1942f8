//! `waypoint case journey`: where each member of a case stands and what they still need, in
//! words for the person at the terminal (`--json` gives the application layer's answer); and
//! `waypoint case hold|cancel|resume`, the only journey changes a person records.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Result, anyhow};
use waypoint_app::journey::{
    CancelReason, DocumentProblem, HoldReason, IndividualJourney, Journey, JourneyChange,
    JourneyStep, Missing,
};

use crate::{Cli, app};

/// `case hold` and `case cancel`.
#[derive(Debug, clap::Args)]
pub struct StopArgs {
    case_no: String,
    /// Why, from the list: for a hold medical_clearance, security_clearance, documents,
    /// exit_permit, family_composition, protection, travel_restrictions, traveller_request or
    /// other; for a cancellation withdrawn, not_admitted, deceased, whereabouts_unknown,
    /// duplicate, programme_closed or other
    #[arg(long, value_name = "CODE")]
    reason: String,
    /// Why, in words, for the colleague who finds the case stopped
    #[arg(long, value_name = "T")]
    text: String,
    /// Only this member (repeat for several); without it, the whole case, also members added
    /// later
    #[arg(long = "member", value_name = "I-...")]
    members: Vec<String>,
    #[arg(long)]
    json: bool,
}

/// `case resume`.
#[derive(Debug, clap::Args)]
pub struct ResumeArgs {
    case_no: String,
    /// What changed, in words
    #[arg(long, value_name = "T", default_value = "")]
    text: String,
    /// Only this member (repeat for several); without it, the whole case
    #[arg(long = "member", value_name = "I-...")]
    members: Vec<String>,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy)]
pub enum Stop {
    Hold,
    Cancel,
}

pub fn stop(cli: &Cli, args: &StopArgs, stop: Stop) -> Result<ExitCode> {
    // Checked before signing in: a mistyped reason costs no PIN.
    let reason = |e: waypoint_domain::FieldError| anyhow!("--reason {}: {e}", args.reason.trim());
    let change = match stop {
        Stop::Hold => JourneyChange::OnHold {
            reason: HoldReason::parse(&args.reason).map_err(reason)?,
            text: args.text.clone(),
        },
        Stop::Cancel => JourneyChange::Cancelled {
            reason: CancelReason::parse(&args.reason).map_err(reason)?,
            text: args.text.clone(),
        },
    };
    record(cli, &args.case_no, &args.members, change, args.json)
}

pub fn resume(cli: &Cli, args: &ResumeArgs) -> Result<ExitCode> {
    let change = JourneyChange::Resumed {
        text: args.text.clone(),
    };
    record(cli, &args.case_no, &args.members, change, args.json)
}

fn record(
    cli: &Cli,
    case_no: &str,
    members: &[String],
    change: JourneyChange,
    json: bool,
) -> Result<ExitCode> {
    let (mut store, who, ctx) = app::open(cli)?;
    let done = match change {
        JourneyChange::OnHold { .. } => "put on hold",
        JourneyChange::Cancelled { .. } => "cancelled",
        JourneyChange::Resumed { .. } => "resumed",
    };
    let journey = waypoint_app::journey::change(&mut store, &who, &ctx, case_no, members, change)?;
    if json {
        app::print_json(&journey)?;
    } else {
        let mut out = std::io::stdout().lock();
        let whom = if members.is_empty() {
            "the whole case".to_string()
        } else {
            members.join(", ").to_ascii_uppercase()
        };
        writeln!(out, "{done}: {} ({whom})", journey.case_no)?;
        print(&mut out, &journey)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The step as a person says it.
fn step(s: JourneyStep) -> &'static str {
    match s {
        JourneyStep::Registered => "registered",
        JourneyStep::DocumentsComplete => "documents complete",
        JourneyStep::ExitPermitApproved => "exit permit approved",
        JourneyStep::TravelReady => "travel-ready",
        JourneyStep::Booked => "booked",
        JourneyStep::Departed => "departed",
        JourneyStep::Arrived => "arrived at the port of entry",
        JourneyStep::AtFinalDestination => "at final destination",
        JourneyStep::OnHold => "on hold",
        JourneyStep::Cancelled => "cancelled",
    }
}

fn document(p: &DocumentProblem) -> String {
    match p {
        DocumentProblem::NoDocument => "no travel document on record".into(),
        DocumentProblem::NotAccepted { document_type } => {
            format!("a {document_type} is not accepted for this programme")
        }
        DocumentProblem::NoNumber => "the travel document has no number".into(),
        DocumentProblem::ExpiryUnknown => "the travel document's expiry is unknown".into(),
        DocumentProblem::ExpiresTooSoon {
            expiry,
            valid_until_at_least,
        } => format!(
            "the travel document expires on {expiry}; it must be valid until {valid_until_at_least}"
        ),
        DocumentProblem::CustodyUnknown => {
            "no handover of the travel document was recorded: where it is is unknown".into()
        }
        DocumentProblem::NotHeld { holder } => {
            format!("the travel document is held by {holder}, not by the office or the family")
        }
    }
}

/// What is missing, with where it is done.
fn missing(m: &Missing) -> String {
    match m {
        Missing::ReadinessRules { programme } => match programme {
            Some(p) => format!("no readiness rules for programme {p} (the strictest apply)"),
            None => "the case has no programme (the strictest rules apply)".into(),
        },
        Missing::IdentityCheck => "an identity check (waypoint check mrz)".into(),
        Missing::Counselling => "a complete counselling session (waypoint counselling)".into(),
        Missing::TravelDocument { problem } => document(problem),
        Missing::ExitPermit { status } => match status {
            Some(s) => format!("an approved exit permit: it is {s} (waypoint exit-permit)"),
            None => "an approved exit permit: none requested (waypoint exit-permit)".into(),
        },
        Missing::DataProblem { field, kind } => match field {
            Some(f) => format!("a data problem to settle ({kind:?}) in {}", f.column()),
            None => format!("a data problem to settle ({kind:?})"),
        },
    }
}

pub fn print(out: &mut impl Write, journey: &Journey) -> Result<()> {
    writeln!(out, "{}", journey.case_no)?;
    for member in &journey.individuals {
        writeln!(out, "  {}  {}", member.individual_no, step(member.step))?;
        if let Some(why) = stopped(member) {
            writeln!(out, "      {why}")?;
        }
        for m in &member.missing {
            writeln!(out, "      missing: {}", missing(m))?;
        }
    }
    Ok(())
}

/// The hold or cancellation in force: why, who, when.
fn stopped(member: &IndividualJourney) -> Option<String> {
    let by = member.stopped_by.as_ref()?;
    let (what, reason, text) = match &by.change {
        JourneyChange::OnHold { reason, text } => ("on hold", reason.code(), text),
        JourneyChange::Cancelled { reason, text } => ("cancelled", reason.code(), text),
        JourneyChange::Resumed { .. } => return None,
    };
    Some(format!(
        "{what} ({reason}): {text} (by {}, {} UTC; reached: {})",
        by.recorded_by,
        by.at.format("%Y-%m-%d %H:%M"),
        step(member.reached)
    ))
}
