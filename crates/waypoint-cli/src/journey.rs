//! `waypoint case journey`: where each member of a case stands and what they still need, in
//! words for the person at the terminal (`--json` gives the application layer's answer).

use std::io::Write;

use anyhow::Result;
use waypoint_app::journey::{DocumentProblem, Journey, JourneyStep, Missing};

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
        for m in &member.missing {
            writeln!(out, "      missing: {}", missing(m))?;
        }
    }
    Ok(())
}
