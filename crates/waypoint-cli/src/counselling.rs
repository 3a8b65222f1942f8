//! `waypoint counselling`: the programmes' checklists, a case's pre-departure counselling
//! sessions, and recording one (`waypoint_app::counselling` holds the rules).

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Result, anyhow};
use clap::Subcommand;
use waypoint_app::counselling::{self, NewSession};
use waypoint_domain::{CounsellingSession, Field, may_see};

use crate::{Cli, app, output};

#[derive(Debug, Subcommand)]
pub enum CounsellingCommand {
    /// Show a programme's checklist (every programme without one): topic ids and which are
    /// mandatory
    Checklist {
        programme: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List a case's counselling sessions, oldest first
    List {
        case_no: String,
        #[arg(long)]
        json: bool,
    },
    /// Record a session held now with members of a case
    Record {
        case_no: String,
        /// The programme whose checklist was followed, e.g. USRAP
        #[arg(long)]
        programme: String,
        /// A topic covered (its id in the checklist); repeat, or separate with commas
        #[arg(long = "topic", value_name = "ID", value_delimiter = ',')]
        topics: Vec<String>,
        /// An individual who attended; repeat, or separate with commas
        #[arg(
            long = "attendee",
            value_name = "INDIVIDUAL_NO",
            value_delimiter = ',',
            required = true
        )]
        attendees: Vec<String>,
        /// The language the session was held in (ISO 639 code, e.g. fr)
        #[arg(long)]
        language: String,
        /// The interpreter's name, if there was one
        #[arg(long)]
        interpreter: Option<String>,
        /// How long the session took, in minutes
        #[arg(long, value_name = "MINUTES")]
        minutes: u32,
        #[arg(long)]
        notes: Option<String>,
        /// Every mandatory topic was covered (refused if one was not)
        #[arg(long)]
        complete: bool,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(cli: &Cli, command: &CounsellingCommand) -> Result<ExitCode> {
    match command {
        CounsellingCommand::Checklist { programme, json } => {
            // Reference data: no store, no sign-in.
            let all = counselling::programmes();
            let chosen: Vec<_> = match programme {
                Some(p) => {
                    let c = counselling::checklists().get(p).ok_or_else(|| {
                        anyhow!(
                            "there is no counselling checklist for programme {}",
                            p.trim()
                        )
                    })?;
                    vec![c.clone()]
                }
                None => all,
            };
            if *json {
                return app::print_json(&chosen).map(|()| ExitCode::SUCCESS);
            }
            let mut out = std::io::stdout().lock();
            for c in &chosen {
                writeln!(
                    out,
                    "{} ({}), SOP {}",
                    c.programme, c.name.en, c.sop_version
                )?;
                for t in &c.topics {
                    let must = if t.mandatory {
                        "mandatory"
                    } else {
                        "optional "
                    };
                    writeln!(out, "  {must}  {:<28} {}", t.id, t.title.en)?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        CounsellingCommand::List { case_no, json } => {
            let (store, who, _) = app::open(cli)?;
            let sessions = counselling::sessions(&store, &who, case_no)?;
            if *json {
                return app::print_json(&sessions).map(|()| ExitCode::SUCCESS);
            }
            let mut out = std::io::stdout().lock();
            if sessions.is_empty() {
                writeln!(out, "no counselling session recorded for this case")?;
            }
            let notes_shown = may_see(who.role, Field::SpecialNeedsNotes);
            for s in &sessions {
                session(&mut out, s, notes_shown)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        CounsellingCommand::Record {
            case_no,
            programme,
            topics,
            attendees,
            language,
            interpreter,
            minutes,
            notes,
            complete,
            json,
        } => {
            let session_given = NewSession {
                case_no: case_no.clone(),
                programme: programme.clone(),
                topics_covered: topics
                    .iter()
                    .filter(|t| !t.trim().is_empty())
                    .cloned()
                    .collect(),
                attendees: attendees.clone(),
                language: language.clone(),
                interpreter: interpreter.clone(),
                duration_minutes: *minutes,
                notes: notes.clone(),
                complete: *complete,
            };
            let (mut store, who, ctx) = app::open(cli)?;
            let recorded = counselling::record_session(&mut store, &who, &ctx, &session_given)?;
            if *json {
                return app::print_json(&recorded).map(|()| ExitCode::SUCCESS);
            }
            let mut out = std::io::stdout().lock();
            writeln!(out, "recorded: counselling session {}", recorded.id)?;
            session(
                &mut out,
                &recorded,
                may_see(who.role, Field::SpecialNeedsNotes),
            )?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn session(out: &mut dyn Write, s: &CounsellingSession, notes_shown: bool) -> std::io::Result<()> {
    writeln!(
        out,
        "{}  {}  {}, {} min, in {}, by {} at {}",
        s.held_at.format("%Y-%m-%d %H:%M"),
        s.programme.as_deref().unwrap_or("no programme"),
        if s.complete { "complete" } else { "incomplete" },
        s.duration_minutes,
        s.language,
        s.counsellor,
        s.site
    )?;
    writeln!(out, "  attendees: {}", s.attendees.join(" "))?;
    let topics = if s.topics_covered.is_empty() {
        "none".to_string()
    } else {
        s.topics_covered.join(" ")
    };
    writeln!(out, "  topics:    {topics}")?;
    if let Some(i) = &s.interpreter {
        writeln!(out, "  interpreter: {i}")?;
    }
    match (&s.notes, notes_shown) {
        (Some(n), _) => writeln!(out, "  notes (sensitive): {}", n.replace('\n', "\n    "))?,
        (None, false) => writeln!(out, "  notes: {}", output::NOT_SHOWN)?,
        (None, true) => {}
    }
    Ok(())
}
