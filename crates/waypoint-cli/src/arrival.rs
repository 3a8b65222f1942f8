//! `waypoint arrival expected|step|rebook|show|incident|paperwork`: the port of entry. Who lands
//! on which flight, each traveller's arrival checklist, a missed connection rebooked,
//! incidents, and the papers for the hotel, the meals and the ground transport. The rules are
//! `waypoint_app::arrival`'s.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result, anyhow};
use chrono::NaiveDate;
use clap::Subcommand;
use serde_json::{Value, json};
use waypoint_app::arrival::{
    self, ArrivalCheck, ArrivalChecklist, CaseArrival, ExpectedFlightView, Incident, IncidentAbout,
    IncidentKind, IncidentTarget, Meal, Rebooking,
};
use waypoint_app::booking::SegmentForm;
use waypoint_domain::Language;

use crate::booking::{booking_json, segment_json};
use crate::{Cli, app};

/// The port of entry this laptop works at, so that it need not be typed each time.
const AIRPORT_ENV: &str = "WAYPOINT_AIRPORT";

#[derive(Debug, Subcommand)]
pub enum ArrivalCommand {
    /// Who is booked to land at the airport on a day (its local date), per flight in arrival
    /// order: names, languages, SSR codes, special-needs notes the role may see, escorts, the
    /// onward flight, and where each stands on the checklist
    Expected {
        /// IATA code of the port of entry
        #[arg(long, env = AIRPORT_ENV)]
        airport: String,
        /// YYYY-MM-DD, the airport's local date [default: today]
        #[arg(long)]
        date: Option<NaiveDate>,
        #[arg(long)]
        json: bool,
    },
    /// Record a step of a case's arrival checklist: met_at_arrival, immigration_done,
    /// customs_done, baggage_claimed (--count, --lost, --pir), domestic_connection (--flight),
    /// connection_missed (--flight), hotel (--hotel, --nights, --meal), ground_transport
    /// (--provider, --destination) or handed_over (--agency)
    Step(Box<StepArgs>),
    /// Rebook a missed domestic connection: a new booking replacing the missed one, the
    /// flights up to the port of entry as they were, then the new flight
    Rebook {
        case_no: String,
        /// The booking whose connection was missed
        booking_ref: String,
        #[arg(long, env = AIRPORT_ENV)]
        airport: String,
        /// The new flight, e.g. UA1290
        #[arg(long)]
        flight: String,
        /// Where it flies to (IATA)
        #[arg(long)]
        to: String,
        /// YYYY-MM-DDTHH:MM, local time at the port of entry
        #[arg(long)]
        departs: String,
        /// YYYY-MM-DDTHH:MM, local time at the destination
        #[arg(long)]
        arrives: String,
        /// The airline's record locator: with it the rebooking is confirmed, else proposed
        #[arg(long)]
        locator: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// A case's arrival checklist, member by member, and its incidents
    Show {
        case_no: String,
        #[arg(long)]
        json: bool,
    },
    /// Record an incident: missed_connection, lost_baggage, medical_emergency, no_show or other,
    /// about a case's travellers (--case, --member) or a whole flight (--flight, --date)
    Incident {
        kind: String,
        /// What happened, in words (required for other)
        #[arg(long, default_value = "")]
        text: String,
        #[arg(long, env = AIRPORT_ENV)]
        airport: String,
        #[arg(long = "case", value_name = "CASE", conflicts_with = "flight")]
        case_no: Option<String>,
        /// Only this member (repeat for several); without it, the whole case
        #[arg(long = "member", value_name = "I-...", requires = "case_no")]
        members: Vec<String>,
        /// The flight, e.g. QR707: every case on it that this laptop holds
        #[arg(long, requires = "date")]
        flight: Option<String>,
        /// The flight's arrival date, the airport's local date
        #[arg(long)]
        date: Option<NaiveDate>,
        #[arg(long)]
        json: bool,
    },
    /// A paper for a vendor, as PDF: hotel (booking), meals (order) or transport (request)
    Paperwork {
        case_no: String,
        #[arg(value_parser = ["hotel", "meals", "transport"])]
        paper_kind: String,
        /// Write it to FILE (a PDF is not written to a terminal)
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// The language the port of entry works in: en, fr or es
        #[arg(long, default_value = "en", value_parser = ["en", "fr", "es"])]
        language: String,
        /// a4 or letter
        #[arg(long, default_value = "letter", value_parser = ["a4", "letter"])]
        paper: String,
    },
}

#[derive(Debug, clap::Args)]
pub struct StepArgs {
    case_no: String,
    step: String,
    #[arg(long, env = AIRPORT_ENV)]
    airport: String,
    /// Only this member (repeat for several); without it, the whole case
    #[arg(long = "member", value_name = "I-...")]
    members: Vec<String>,
    /// Pieces of baggage claimed
    #[arg(long)]
    count: Option<u32>,
    /// Pieces that did not arrive
    #[arg(long, default_value_t = 0)]
    lost: u32,
    /// The property irregularity report number of the lost baggage
    #[arg(long)]
    pir: Option<String>,
    /// The domestic flight, e.g. UA1234
    #[arg(long)]
    flight: Option<String>,
    #[arg(long)]
    hotel: Option<String>,
    #[arg(long)]
    nights: Option<u32>,
    /// A meal ordered for each night: breakfast, lunch or dinner (repeat for several)
    #[arg(long = "meal")]
    meals: Vec<String>,
    /// The ground transport company
    #[arg(long)]
    provider: Option<String>,
    #[arg(long)]
    destination: Option<String>,
    /// The receiving agency
    #[arg(long)]
    agency: Option<String>,
    #[arg(long)]
    json: bool,
}

fn needed<T: Clone>(value: &Option<T>, flag: &str, step: &str) -> Result<T> {
    value.clone().ok_or_else(|| anyhow!("{step} needs {flag}"))
}

/// The step a person typed, checked before signing in (a mistyped step costs no PIN).
fn check_of(a: &StepArgs) -> Result<ArrivalCheck> {
    let step = a.step.trim().to_ascii_lowercase();
    Ok(match step.as_str() {
        "met_at_arrival" => ArrivalCheck::MetAtArrival,
        "immigration_done" => ArrivalCheck::ImmigrationDone,
        "customs_done" => ArrivalCheck::CustomsDone,
        "baggage_claimed" => ArrivalCheck::BaggageClaimed {
            pieces: needed(&a.count, "--count", &step)?,
            lost: a.lost,
            pir: a.pir.clone(),
        },
        "domestic_connection" => ArrivalCheck::DomesticConnection {
            flight: needed(&a.flight, "--flight", &step)?,
        },
        "connection_missed" => ArrivalCheck::ConnectionMissed {
            flight: needed(&a.flight, "--flight", &step)?,
            rebooking: None,
        },
        "hotel" => ArrivalCheck::Hotel {
            hotel: needed(&a.hotel, "--hotel", &step)?,
            nights: needed(&a.nights, "--nights", &step)?,
            meals: a
                .meals
                .iter()
                .map(|m| Meal::parse(m).map_err(|e| anyhow!("--meal: {e}")))
                .collect::<Result<_>>()?,
        },
        "ground_transport" => ArrivalCheck::GroundTransport {
            provider: needed(&a.provider, "--provider", &step)?,
            destination: needed(&a.destination, "--destination", &step)?,
        },
        "handed_over" => ArrivalCheck::HandedOver {
            agency: needed(&a.agency, "--agency", &step)?,
        },
        other => {
            return Err(anyhow!(
                "{other:?} is not an arrival step: use one of {}",
                ArrivalCheck::CODES.join(", ")
            ));
        }
    })
}

pub fn run(cli: &Cli, command: &ArrivalCommand) -> Result<ExitCode> {
    match command {
        ArrivalCommand::Expected {
            airport,
            date,
            json,
        } => {
            let (store, who, ctx) = app::open(cli)?;
            let day = date.unwrap_or_else(|| ctx.today());
            let flights = arrival::expected(&store, who.role, airport, day)?;
            if *json {
                app::print_json(&json!({
                    "airport": airport.trim().to_ascii_uppercase(),
                    "date": day,
                    "flights": flights.iter().map(flight_json).collect::<Vec<_>>(),
                }))?;
            } else {
                print_expected(&mut std::io::stdout().lock(), &flights)?;
            }
        }
        ArrivalCommand::Step(a) => {
            let check = check_of(a)?;
            let (mut store, who, ctx) = app::open(cli)?;
            let case = arrival::record_step(
                &mut store, &who, &ctx, &a.case_no, &a.members, &a.airport, check,
            )?;
            show_case(&case, a.json)?;
        }
        ArrivalCommand::Rebook {
            case_no,
            booking_ref,
            airport,
            flight,
            to,
            departs,
            arrives,
            locator,
            json,
        } => {
            let compact: String = flight.split_whitespace().collect();
            let split = compact
                .char_indices()
                .nth(2)
                .map_or(compact.len(), |(i, _)| i);
            let (carrier, flight_no) = compact.split_at(split);
            let rebooking = Rebooking {
                booking_ref: booking_ref.clone(),
                segments: vec![SegmentForm {
                    carrier: carrier.to_owned(),
                    flight_no: flight_no.to_owned(),
                    from: airport.clone(),
                    to: to.clone(),
                    departs: departs.clone(),
                    arrives: arrives.clone(),
                }],
                record_locator: locator.clone(),
            };
            let (mut store, who, ctx) = app::open(cli)?;
            let (booking, case) =
                arrival::rebook_connection(&mut store, &who, &ctx, case_no, airport, &rebooking)?;
            if *json {
                let mut out = case_json(&case);
                out["rebooking"] = booking_json(&booking);
                app::print_json(&out)?;
            } else {
                let mut out = std::io::stdout().lock();
                writeln!(
                    out,
                    "rebooked as {} ({}), replacing {}",
                    booking.booking_ref, booking.status, booking_ref
                )?;
                print_case(&mut out, &case)?;
            }
        }
        ArrivalCommand::Show { case_no, json } => {
            let (store, who, _) = app::open(cli)?;
            show_case(&arrival::show(&store, who.role, case_no)?, *json)?;
        }
        ArrivalCommand::Incident {
            kind,
            text,
            airport,
            case_no,
            members,
            flight,
            date,
            json,
        } => {
            let kind = IncidentKind::parse(kind).map_err(|e| anyhow!("{e}"))?;
            let target = match (case_no, flight, date) {
                (Some(case_no), _, _) => IncidentTarget::Travellers {
                    case_no: case_no.clone(),
                    members: members.clone(),
                },
                (None, Some(flight), Some(date)) => IncidentTarget::Flight {
                    flight: flight.clone(),
                    date: *date,
                },
                _ => return Err(anyhow!("give --case CASE, or --flight and --date")),
            };
            let (mut store, who, ctx) = app::open(cli)?;
            let incidents =
                arrival::record_incident(&mut store, &who, &ctx, airport, &target, kind, text)?;
            if *json {
                app::print_json(&json!(incidents))?;
            } else {
                let mut out = std::io::stdout().lock();
                for i in &incidents {
                    writeln!(
                        out,
                        "incident {} recorded for case {}",
                        i.kind.code(),
                        i.case_no
                    )?;
                }
            }
        }
        ArrivalCommand::Paperwork {
            case_no,
            paper_kind,
            out,
            language,
            paper,
        } => {
            let kind = match paper_kind.as_str() {
                "hotel" => arrival::PaperworkKind::Hotel,
                "meals" => arrival::PaperworkKind::Meals,
                _ => arrival::PaperworkKind::Transport,
            };
            let language = match language.as_str() {
                "fr" => Language::Fr,
                "es" => Language::Es,
                _ => Language::En,
            };
            let paper = match paper.as_str() {
                "a4" => arrival::Paper::A4,
                _ => arrival::Paper::Letter,
            };
            let (store, who, ctx) = app::open(cli)?;
            let pdf = arrival::paperwork_pdf(&store, &who, &ctx, case_no, kind, paper, language)?;
            std::fs::write(out, pdf).with_context(|| format!("cannot write {}", out.display()))?;
            eprintln!(
                "{paper_kind} paper of case {} written to {}",
                case_no.trim().to_ascii_uppercase(),
                out.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn show_case(case: &CaseArrival, json: bool) -> Result<()> {
    if json {
        app::print_json(&case_json(case))
    } else {
        print_case(&mut std::io::stdout().lock(), case)
    }
}

fn checklist_json(c: &ArrivalChecklist) -> Value {
    json!({
        "individual_no": c.individual_no,
        "arrived": c.arrived,
        "at_final_destination": c.at_final_destination,
        "next": c.next().map(|i| i.code()),
        "lines": c.lines.iter().map(|l| json!({
            "item": l.item.code(),
            "done": l.done,
            "step": l.latest.as_ref().map(|s| json!({
                "step": s.check.code(),
                "detail": s.check,
                "recorded_by": s.recorded_by,
                "at": s.at,
                "airport": s.airport,
                "site": s.site,
            })),
        })).collect::<Vec<_>>(),
    })
}

fn incident_json(i: &Incident) -> Value {
    json!(i)
}

fn case_json(c: &CaseArrival) -> Value {
    json!({
        "case_no": c.case_no,
        "checklists": c.checklists.iter().map(checklist_json).collect::<Vec<_>>(),
        "incidents": c.incidents.iter().map(incident_json).collect::<Vec<_>>(),
    })
}

/// A step in words: its code and what it holds.
fn step_words(check: &ArrivalCheck) -> String {
    match check {
        ArrivalCheck::BaggageClaimed { pieces, lost, pir } => {
            let mut s = format!("baggage claimed: {pieces} piece(s)");
            if *lost > 0 {
                s.push_str(&format!(", {lost} lost"));
            }
            if let Some(pir) = pir {
                s.push_str(&format!(" (PIR {pir})"));
            }
            s
        }
        ArrivalCheck::DomesticConnection { flight } => format!("domestic connection {flight}"),
        ArrivalCheck::ConnectionMissed { flight, rebooking } => match rebooking {
            Some(r) => format!("connection {flight} missed, rebooked as {r}"),
            None => format!("connection {flight} missed"),
        },
        ArrivalCheck::Hotel {
            hotel,
            nights,
            meals,
        } => {
            let meals: Vec<&str> = meals.iter().map(|m| m.code()).collect();
            format!(
                "hotel {hotel}, {nights} night(s){}",
                if meals.is_empty() {
                    String::new()
                } else {
                    format!(", meals: {}", meals.join(", "))
                }
            )
        }
        ArrivalCheck::GroundTransport {
            provider,
            destination,
        } => format!("ground transport by {provider} to {destination}"),
        ArrivalCheck::HandedOver { agency } => format!("handed over to {agency}"),
        other => other.code().replace('_', " "),
    }
}

fn print_case(out: &mut impl Write, c: &CaseArrival) -> Result<()> {
    writeln!(out, "case {}", c.case_no)?;
    for list in &c.checklists {
        let state = if list.at_final_destination {
            "at final destination"
        } else if list.arrived {
            "arrived"
        } else {
            "not arrived"
        };
        writeln!(out, "  {}: {state}", list.individual_no)?;
        for l in &list.lines {
            let mark = if l.done { "[x]" } else { "[ ]" };
            match &l.latest {
                Some(s) => writeln!(
                    out,
                    "    {mark} {:<14} {} ({}, {})",
                    l.item.code(),
                    step_words(&s.check),
                    s.recorded_by,
                    s.at.format("%Y-%m-%d %H:%M UTC")
                )?,
                None => writeln!(out, "    {mark} {}", l.item.code())?,
            }
        }
    }
    for i in &c.incidents {
        let about = match &i.about {
            IncidentAbout::Flight {
                carrier,
                flight_no,
                date,
                ..
            } => format!("flight {carrier}{flight_no} of {date}"),
            IncidentAbout::Travellers { travellers } => match travellers {
                waypoint_domain::Travellers::WholeCase => "the whole case".to_string(),
                waypoint_domain::Travellers::Members { individual_nos } => {
                    individual_nos.join(", ")
                }
            },
        };
        writeln!(
            out,
            "incident {} at {} ({about}), {} {}: {}",
            i.kind.code(),
            i.airport,
            i.recorded_by,
            i.at.format("%Y-%m-%d %H:%M UTC"),
            i.text
        )?;
    }
    Ok(())
}

fn flight_json(f: &ExpectedFlightView) -> Value {
    let local = f.flight.arrives_local();
    json!({
        "flight": f.flight.flight(),
        "carrier": f.flight.carrier,
        "flight_no": f.flight.flight_no,
        "from": f.flight.from,
        "arrives": f.flight.arrives,
        "arrives_local": local.at.format("%Y-%m-%dT%H:%M").to_string(),
        "arrives_zone": local.zone.name(),
        "travellers": f.flight.travellers.iter().zip(&f.lines).map(|(t, l)| json!({
            "individual_no": t.individual_no,
            "case_no": t.case_no,
            "booking_ref": t.booking_ref,
            "family_name": l.family_name,
            "given_names": l.given_names,
            "sex": l.sex,
            "age": l.age.map(|a| a.to_string()),
            "languages": l.languages,
            "ssr": t.ssr,
            "needs_note": l.needs_note,
            "escorts": t.escorts,
            "onward": t.onward.iter().enumerate().map(|(i, s)| segment_json(i + 1, s)).collect::<Vec<_>>(),
            "arrived": l.checklist.arrived,
            "next": l.checklist.next().map(|i| i.code()),
        })).collect::<Vec<_>>(),
    })
}

fn print_expected(out: &mut impl Write, flights: &[ExpectedFlightView]) -> Result<()> {
    if flights.is_empty() {
        writeln!(out, "nobody is expected")?;
    }
    for f in flights {
        writeln!(
            out,
            "{} from {}  arrives {}  ({} traveller(s))",
            f.flight.flight(),
            f.flight.from,
            f.flight.arrives_local(),
            f.lines.len()
        )?;
        for (t, l) in f.flight.travellers.iter().zip(&f.lines) {
            let ssr: Vec<&str> = t.ssr.iter().map(|c| c.as_str()).collect();
            write!(
                out,
                "  {} ({}) {}, {}",
                t.individual_no, t.case_no, l.family_name, l.given_names
            )?;
            if !l.languages.is_empty() {
                write!(out, "  speaks {}", l.languages.join(", "))?;
            }
            if !ssr.is_empty() {
                write!(out, "  SSR {}", ssr.join(" "))?;
            }
            if let Some(next) = l.checklist.next() {
                write!(out, "  next: {}", next.code())?;
            } else {
                write!(out, "  checklist done")?;
            }
            writeln!(out)?;
            if let Some(note) = &l.needs_note {
                writeln!(out, "      needs: {note}")?;
            }
            for e in &t.escorts {
                writeln!(out, "      escort: {} ({})", e.name, e.kind)?;
            }
            if let Some(s) = t.onward.first() {
                writeln!(
                    out,
                    "      onward: {} to {} departs {}",
                    s.flight(),
                    s.to,
                    s.departs_local()
                )?;
            }
        }
    }
    Ok(())
}
