//! The paperwork of a case at the port of entry, as a printable PDF (`waypoint_print` lays it
//! out): the hotel booking and the meal order from the latest hotel step, the ground transport
//! request from the latest ground-transport step, filled with the travellers of that step as the
//! person preparing it may see them, the flight they arrived on and the one they go on with,
//! in the language the port of entry works in.

use chrono::Days;
use waypoint_domain::{
    Action, ArrivalCheck, ArrivalStep, Booking, BookingStatus, Individual, Language, Meal, Segment,
    SsrCategory, local_at, ssr_info,
};
pub use waypoint_print::PaperworkKind;
use waypoint_print::{
    Paper, PaperFlight, PaperHotel, PaperTransport, PaperTraveller, PaperworkDocument,
    PaperworkLabels,
};
use waypoint_store::Store;

use crate::lookup::{self, number};
use crate::{AppError, Context, SignedIn};

fn labels(language: Language) -> PaperworkLabels {
    match language {
        Language::En => PaperworkLabels::english(),
        Language::Fr => PaperworkLabels::french(),
        Language::Es => PaperworkLabels::spanish(),
    }
}

fn meal_word(l: &PaperworkLabels, meal: Meal) -> String {
    match meal {
        Meal::Breakfast => l.breakfast.clone(),
        Meal::Lunch => l.lunch.clone(),
        Meal::Dinner => l.dinner.clone(),
    }
}

/// The SSR categories each vendor acts on: the kitchen the meal codes, the hotel and the driver
/// the mobility and assistance codes.
fn concerns(kind: PaperworkKind, category: SsrCategory) -> bool {
    match kind {
        PaperworkKind::Meals => category == SsrCategory::Meal,
        PaperworkKind::Hotel | PaperworkKind::Transport => matches!(
            category,
            SsrCategory::Mobility
                | SsrCategory::Medical
                | SsrCategory::Sensory
                | SsrCategory::Assistance
        ),
    }
}

fn flight(s: &Segment) -> PaperFlight {
    let arr = s.arrives_local();
    PaperFlight {
        flight: s.flight(),
        from: s.from.to_string(),
        to: s.to.to_string(),
        arrives: arr.at.format("%Y-%m-%d %H:%M").to_string(),
        arrives_zone: format!("{} (UTC{})", arr.zone.name(), arr.offset),
    }
}

/// The flight landed on, the one after it, and their booking.
#[derive(Default)]
struct Flights {
    arrived_on: Option<Segment>,
    onward: Option<Segment>,
    booking: Option<Booking>,
}

/// The flight the case's travellers landed on at the step's airport and the one after it, from
/// the bookings that stand (confirmed or ticketed, not replaced), the latest landing first.
fn flights(store: &Store, case_no: &str, step: &ArrivalStep) -> Result<Flights, AppError> {
    let mut best: Option<(Booking, usize)> = None;
    for b in store.bookings_of_case(case_no)? {
        let stands = matches!(b.status, BookingStatus::Confirmed | BookingStatus::Ticketed)
            && store.bookings_replacing(&b.booking_ref)?.is_empty();
        let Some(i) = b.segments.iter().rposition(|s| s.to == step.airport) else {
            continue;
        };
        let later = best
            .as_ref()
            .is_none_or(|(o, j)| o.segments[*j].arrives < b.segments[i].arrives);
        if stands && later {
            best = Some((b, i));
        }
    }
    Ok(match best {
        Some((b, i)) => Flights {
            arrived_on: Some(b.segments[i].clone()),
            onward: b.segments.get(i + 1).cloned(),
            booking: Some(b),
        },
        None => Flights::default(),
    })
}

/// The paper of `kind` for case `case_no`, its fixed words in `language`.
pub fn paperwork_pdf(
    store: &Store,
    who: &SignedIn,
    ctx: &Context,
    case_no: &str,
    kind: PaperworkKind,
    paper: Paper,
    language: Language,
) -> Result<Vec<u8>, AppError> {
    store.require(who.role, Action::RecordArrival)?;
    let case_no = number(case_no);
    let view = lookup::case(store, who.role, &case_no)?;
    let (steps, _) = store.arrival_events(&case_no)?;
    let wanted = |c: &ArrivalCheck| match kind {
        PaperworkKind::Hotel | PaperworkKind::Meals => matches!(c, ArrivalCheck::Hotel { .. }),
        PaperworkKind::Transport => matches!(c, ArrivalCheck::GroundTransport { .. }),
    };
    let step = steps
        .iter()
        .rev()
        .find(|s| wanted(&s.check))
        .ok_or_else(|| {
            AppError::invalid(format!(
                "case {case_no} has no {} recorded: record that arrival step first",
                match kind {
                    PaperworkKind::Transport => "ground transport",
                    _ => "hotel stay",
                }
            ))
        })?;
    let l = labels(language);
    let members: Vec<&Individual> = view
        .case
        .members
        .iter()
        .filter(|m| step.travellers.includes(&m.individual_no))
        .collect();
    let Flights {
        arrived_on,
        onward,
        booking,
    } = flights(store, &case_no, step)?;
    let travellers = members
        .iter()
        .map(|m| PaperTraveller {
            individual_no: m.individual_no.clone(),
            name: format!("{}, {}", m.family_name, m.given_names),
            sex: m.sex.code().to_owned(),
            age: m
                .date_of_birth
                .age_on(ctx.today())
                .map_or(String::new(), |a| a.to_string()),
            languages: m.languages.join(", "),
            codes: m
                .special_needs
                .ssr_codes
                .iter()
                .filter_map(|c| ssr_info(c.as_str()))
                .filter(|i| concerns(kind, i.category))
                .map(|i| format!("{} – {}", i.code, i.description(language)))
                .collect(),
        })
        .collect();
    let escorts = booking
        .iter()
        .flat_map(|b| &b.escorts)
        .filter(|e| e.accompanies.iter().any(|n| step.travellers.includes(n)))
        .map(|e| format!("{} ({})", e.name, e.kind))
        .collect();
    let check_in = local_at(step.airport, step.at).at.date();
    let hotel = match &step.check {
        ArrivalCheck::Hotel {
            hotel,
            nights,
            meals,
        } => Some(PaperHotel {
            name: hotel.clone(),
            check_in: check_in.to_string(),
            check_out: check_in
                .checked_add_days(Days::new(u64::from(*nights)))
                .map_or(String::new(), |d| d.to_string()),
            nights: *nights,
            meals: meals.iter().map(|m| meal_word(&l, *m)).collect(),
            meal_count: members.len() as u32 * nights * meals.len() as u32,
        }),
        _ => None,
    };
    let transport = match &step.check {
        ArrivalCheck::GroundTransport {
            provider,
            destination,
        } => Some(PaperTransport {
            provider: provider.clone(),
            destination: destination.clone(),
            pieces: steps.iter().rev().find_map(|s| match &s.check {
                ArrivalCheck::BaggageClaimed { pieces, .. }
                    if members
                        .iter()
                        .any(|m| s.travellers.includes(&m.individual_no)) =>
                {
                    Some(*pieces)
                }
                _ => None,
            }),
        }),
        _ => None,
    };
    let now = local_at(step.airport, ctx.now);
    let doc = PaperworkDocument {
        kind,
        paper,
        labels: l,
        case_no: case_no.clone(),
        airport: step.airport.to_string(),
        airport_name: step
            .airport
            .airport()
            .map(|a| a.name.clone())
            .unwrap_or_default(),
        site: ctx.site_for(&view.case.site),
        prepared_at: format!(
            "{} {} (UTC{})",
            now.at.format("%Y-%m-%d %H:%M"),
            now.zone.name(),
            now.offset
        ),
        prepared_by: who.name.clone(),
        arrived_on: arrived_on.as_ref().map(flight),
        onward: onward.as_ref().map(flight),
        travellers,
        escorts,
        hotel,
        transport,
    };
    waypoint_print::paperwork_pdf(&doc).map_err(|e| AppError::invalid(e.to_string()))
}
