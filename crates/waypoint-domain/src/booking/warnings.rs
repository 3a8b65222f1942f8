//! The warnings a booking carries until a person acknowledges them: a short connection, an
//! infant without an adult, a medical case without a medical escort... under the rules of each
//! traveller's programme ([`BookingRules`]).
//!
//! A warning is acknowledged by its [`WarningKey`]: the rule, who and where, never the numbers
//! (those are in its [`WarningDetail`]), so the same warning keeps its key across re-imports and
//! laptops. Rules that need what the store knows of a traveller (date of birth, document,
//! permit, readiness) are skipped for a traveller without [`TravellerFacts`]; those that read
//! only the booking (SSR codes, connections, escorts) are not.

use std::collections::{HashMap, HashSet};
use std::fmt;

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::rules::{BookingRuleSet, BookingRules, WarningRule};
use super::{Booking, EscortKind, Traveller};
use crate::{AgeRange, AirportCode, ExitPermitStatus, PartialDate, SsrCode, Vulnerability};

/// What the store knows of a traveller that the warnings need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TravellerFacts {
    pub individual_no: String,
    pub date_of_birth: PartialDate,
    pub vulnerabilities: Vec<Vulnerability>,
    /// The expiry of the travel document they travel on; `None`: none recorded (readiness
    /// says so; this warning is about a document that will not last the journey).
    pub document_expiry: Option<NaiveDate>,
    /// Where the exit permit stands; `None`: nothing recorded.
    pub exit_permit: Option<ExitPermitStatus>,
    pub travel_ready: bool,
    /// The programme of their case, whose rules apply to them.
    pub programme: Option<String>,
}

/// Identifies one warning for its acknowledgement: `short_connection:1:ADD`,
/// `infant_without_adult:I-0001004`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WarningKey(String);

impl WarningKey {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for WarningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The numbers a window words for a warning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "detail", rename_all = "snake_case")]
pub enum WarningDetail {
    /// `minutes` between arriving at `airport` and departing from it; `minimum` asked.
    Connection {
        airport: AirportCode,
        minutes: i64,
        minimum: u32,
    },
    /// An infant by their SSR code `INFT` (`by_code`) or by age on `on` (`age`: a range when
    /// the date of birth is partial); no adult of `adult_from` years of their case travels.
    Infant {
        by_code: bool,
        age: Option<AgeRange>,
        on: NaiveDate,
        under: u32,
        adult_from: u32,
    },
    /// The SSR codes that need a medical escort.
    MedicalNeeds {
        codes: Vec<SsrCode>,
    },
    /// An unaccompanied minor by an SSR code or by vulnerability (not said which: the
    /// vulnerability is need-to-know).
    UnaccompaniedMinor,
    /// The document expires on `expires`; it must be valid until `valid_until` (the last
    /// arrival, plus `months` the destination's country asks).
    DocumentExpiry {
        expires: NaiveDate,
        last_arrival: NaiveDate,
        months: u32,
        valid_until: NaiveDate,
    },
    /// Where the exit permit stands (`None`: nothing recorded).
    ExitPermit {
        status: Option<ExitPermitStatus>,
    },
    NotTravelReady,
}

/// Something about a booking a person must look at and acknowledge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingWarning {
    pub rule: WarningRule,
    /// The traveller it is about (`None` for the itinerary).
    pub individual_no: Option<String>,
    /// The segment it is about, 1-based: for a connection, the segment it arrives on.
    pub segment: Option<usize>,
    pub key: WarningKey,
    pub detail: WarningDetail,
}

/// Every warning of `booking`, itinerary first, then each traveller in the booking's order.
pub fn booking_warnings(
    booking: &Booking,
    facts: &[TravellerFacts],
    rules: &BookingRules,
) -> Vec<BookingWarning> {
    let facts: HashMap<&str, &TravellerFacts> = facts
        .iter()
        .map(|f| (f.individual_no.as_str(), f))
        .collect();
    let ctx = Context::new(booking, &facts, rules);
    let mut warnings = connections(&ctx);
    for t in &booking.travellers {
        let fact = facts.get(t.individual_no.as_str()).copied();
        let set = rules.get(fact.and_then(|f| f.programme.as_deref()));
        let one = Aboard {
            traveller: t,
            fact,
            set,
        };
        let found = [
            infant_without_adult(&ctx, &one),
            medical_needs(&ctx, &one),
            unaccompanied_minor(&ctx, &one),
            document_expires(&ctx, &one),
            exit_permit(&one),
            not_travel_ready(&one),
        ];
        warnings.extend(found.into_iter().flatten());
    }
    warnings
}

/// What every rule reads, worked out once per booking.
struct Context<'a> {
    booking: &'a Booking,
    facts: &'a HashMap<&'a str, &'a TravellerFacts>,
    /// The first departure's and the last arrival's dates, in local time.
    departs_on: Option<NaiveDate>,
    arrives_on: Option<NaiveDate>,
    /// Travellers accompanied by an escort, and by a medical escort.
    escorted: HashSet<&'a str>,
    medically_escorted: HashSet<&'a str>,
    /// The rule sets of the travellers' programmes, each once.
    sets: Vec<&'a BookingRuleSet>,
}

impl<'a> Context<'a> {
    fn new(
        booking: &'a Booking,
        facts: &'a HashMap<&'a str, &'a TravellerFacts>,
        rules: &'a BookingRules,
    ) -> Self {
        let mut escorted = HashSet::new();
        let mut medically_escorted = HashSet::new();
        for e in &booking.escorts {
            for n in &e.accompanies {
                escorted.insert(n.as_str());
                if e.kind == EscortKind::Medical {
                    medically_escorted.insert(n.as_str());
                }
            }
        }
        let mut sets: Vec<&BookingRuleSet> = Vec::new();
        for t in &booking.travellers {
            let programme = facts
                .get(t.individual_no.as_str())
                .and_then(|f| f.programme.as_deref());
            let set = rules.get(programme);
            if !sets.iter().any(|s| std::ptr::eq(*s, set)) {
                sets.push(set);
            }
        }
        Self {
            departs_on: booking
                .segments
                .first()
                .map(|s| s.departs_local().at.date()),
            arrives_on: booking.segments.last().map(|s| s.arrives_local().at.date()),
            booking,
            facts,
            escorted,
            medically_escorted,
            sets,
        }
    }

    fn age(&self, individual_no: &str) -> Option<AgeRange> {
        let on = self.departs_on?;
        self.facts.get(individual_no)?.date_of_birth.age_on(on)
    }
}

/// One traveller, with what is known of them and the rules of their programme.
struct Aboard<'a> {
    traveller: &'a Traveller,
    fact: Option<&'a TravellerFacts>,
    set: &'a BookingRuleSet,
}

impl Aboard<'_> {
    fn warning(
        &self,
        rule: WarningRule,
        segment: Option<usize>,
        detail: WarningDetail,
    ) -> BookingWarning {
        let no = &self.traveller.individual_no;
        BookingWarning {
            rule,
            individual_no: Some(no.clone()),
            segment,
            key: WarningKey(format!("{}:{no}", rule.code())),
            detail,
        }
    }

    /// The first segment (1-based) on which the traveller has one of `codes`, and all of
    /// those codes they have on any segment, sorted.
    fn codes_among(&self, codes: &[SsrCode]) -> (Option<usize>, Vec<SsrCode>) {
        let mut first = None;
        let mut found = Vec::new();
        for (i, on_segment) in self.traveller.ssr.iter().enumerate() {
            for c in on_segment.iter().filter(|c| codes.contains(c)) {
                first.get_or_insert(i + 1);
                found.push(*c);
            }
        }
        found.sort_unstable();
        found.dedup();
        (first, found)
    }
}

/// A connection shorter than the largest minimum of the travellers' programmes at that airport.
fn connections(ctx: &Context) -> Vec<BookingWarning> {
    let rule = WarningRule::ShortConnection;
    let sets: Vec<&&BookingRuleSet> = ctx.sets.iter().filter(|s| s.gives(rule)).collect();
    if sets.is_empty() {
        return Vec::new();
    }
    let mut warnings = Vec::new();
    for (i, pair) in ctx.booking.segments.windows(2).enumerate() {
        let airport = pair[0].to;
        let minimum = sets
            .iter()
            .map(|s| s.min_connection_at(airport))
            .max()
            .unwrap_or_default();
        let minutes = (pair[1].departs - pair[0].arrives).num_minutes();
        if minutes < i64::from(minimum) {
            let segment = i + 1;
            warnings.push(BookingWarning {
                rule,
                individual_no: None,
                segment: Some(segment),
                key: WarningKey(format!("{}:{segment}:{airport}", rule.code())),
                detail: WarningDetail::Connection {
                    airport,
                    minutes,
                    minimum,
                },
            });
        }
    }
    warnings
}

/// An infant: SSR `INFT` on any segment, or possibly younger than the programme's infant age on
/// the departure date (a partial date of birth that may be under it counts: better one warning
/// too many than an infant flying alone). An adult is someone certainly of the adult age: an
/// unknown or partial date that may be younger does not count.
fn infant_without_adult(ctx: &Context, one: &Aboard) -> Option<BookingWarning> {
    let rule = WarningRule::InfantWithoutAdult;
    let set = one.set;
    if !set.gives(rule) {
        return None;
    }
    let inft = SsrCode::parse("INFT").ok()?;
    let by_code = one.traveller.ssr.iter().any(|s| s.contains(&inft));
    let age = ctx.age(&one.traveller.individual_no);
    let by_age = age.is_some_and(|a| a.min < set.infant_under_years);
    if !by_code && !by_age {
        return None;
    }
    let adult = ctx.booking.travellers.iter().any(|t| {
        t.case_no == one.traveller.case_no
            && t.individual_no != one.traveller.individual_no
            && ctx
                .age(&t.individual_no)
                .is_some_and(|a| a.min >= set.adult_from_years)
    });
    if adult {
        return None;
    }
    let on = ctx.departs_on?;
    let detail = WarningDetail::Infant {
        by_code,
        age,
        on,
        under: set.infant_under_years,
        adult_from: set.adult_from_years,
    };
    Some(one.warning(rule, None, detail))
}

fn medical_needs(ctx: &Context, one: &Aboard) -> Option<BookingWarning> {
    let rule = WarningRule::MedicalNeedsWithoutMedicalEscort;
    if !one.set.gives(rule)
        || ctx
            .medically_escorted
            .contains(one.traveller.individual_no.as_str())
    {
        return None;
    }
    let (segment, codes) = one.codes_among(&one.set.medical_escort_for);
    if codes.is_empty() {
        return None;
    }
    Some(one.warning(rule, segment, WarningDetail::MedicalNeeds { codes }))
}

fn unaccompanied_minor(ctx: &Context, one: &Aboard) -> Option<BookingWarning> {
    let rule = WarningRule::UnaccompaniedMinorWithoutEscort;
    if !one.set.gives(rule) || ctx.escorted.contains(one.traveller.individual_no.as_str()) {
        return None;
    }
    let (segment, codes) = one.codes_among(&one.set.unaccompanied_minor_codes);
    let urm = one.fact.is_some_and(|f| {
        f.vulnerabilities
            .contains(&Vulnerability::UnaccompaniedMinor)
    });
    if codes.is_empty() && !urm {
        return None;
    }
    Some(one.warning(rule, segment, WarningDetail::UnaccompaniedMinor))
}

fn document_expires(ctx: &Context, one: &Aboard) -> Option<BookingWarning> {
    let rule = WarningRule::DocumentExpires;
    let expires = one.fact?.document_expiry?;
    let last_arrival = ctx.arrives_on?;
    if !one.set.gives(rule) {
        return None;
    }
    let country = ctx
        .booking
        .segments
        .last()
        .and_then(|s| s.to.airport())
        .map(|a| a.country_alpha2.as_str());
    let months = country
        .and_then(|c| one.set.document_valid_months.get(c))
        .copied()
        .unwrap_or(0);
    let valid_until = last_arrival
        .checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX);
    if expires >= valid_until {
        return None;
    }
    let detail = WarningDetail::DocumentExpiry {
        expires,
        last_arrival,
        months,
        valid_until,
    };
    Some(one.warning(rule, None, detail))
}

fn exit_permit(one: &Aboard) -> Option<BookingWarning> {
    let rule = WarningRule::ExitPermitNotApproved;
    let status = one.fact?.exit_permit;
    let fine = matches!(
        status,
        Some(ExitPermitStatus::Approved | ExitPermitStatus::NotRequired)
    );
    if fine || !one.set.gives(rule) {
        return None;
    }
    Some(one.warning(rule, None, WarningDetail::ExitPermit { status }))
}

fn not_travel_ready(one: &Aboard) -> Option<BookingWarning> {
    let rule = WarningRule::NotTravelReady;
    if one.fact?.travel_ready || !one.set.gives(rule) {
        return None;
    }
    Some(one.warning(rule, None, WarningDetail::NotTravelReady))
}

/// The English the command line prints.
impl fmt::Display for BookingWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let who = self.individual_no.as_deref().unwrap_or("a traveller");
        match &self.detail {
            WarningDetail::Connection {
                airport,
                minutes,
                minimum,
            } => {
                let n = self.segment.unwrap_or(0);
                write!(
                    f,
                    "the connection at {airport} from segment {n} to segment {} is {minutes} minutes, less than the {minimum} minutes asked",
                    n + 1
                )
            }
            WarningDetail::Infant {
                by_code,
                age,
                on,
                under,
                adult_from,
            } => {
                let why = match (by_code, age) {
                    (true, _) => "has the SSR code INFT".to_string(),
                    (false, Some(a)) if a.is_exact() => format!("is {a} on {on}"),
                    (false, Some(a)) => format!("may be younger than {under} on {on} (aged {a})"),
                    (false, None) => "is an infant".to_string(),
                };
                write!(
                    f,
                    "{who} {why}, and no adult ({adult_from} or older) of their case is on the booking"
                )
            }
            WarningDetail::MedicalNeeds { codes } => {
                let codes: Vec<&str> = codes.iter().map(SsrCode::as_str).collect();
                write!(
                    f,
                    "{who} has {} on the booking, but no MEDICAL escort accompanies them",
                    codes.join(", ")
                )
            }
            WarningDetail::UnaccompaniedMinor => write!(
                f,
                "{who} is an unaccompanied minor, but no escort accompanies them"
            ),
            WarningDetail::DocumentExpiry {
                expires,
                last_arrival,
                months,
                valid_until,
            } => {
                if *months == 0 {
                    write!(
                        f,
                        "{who}'s travel document expires on {expires}, before the last arrival on {last_arrival}"
                    )
                } else {
                    write!(
                        f,
                        "{who}'s travel document expires on {expires}; the destination asks for it to be valid {months} months after the arrival on {last_arrival}, until {valid_until}"
                    )
                }
            }
            WarningDetail::ExitPermit { status } => match status {
                Some(s) => write!(
                    f,
                    "{who}'s exit permit is {s}, not APPROVED (or NOT_REQUIRED)"
                ),
                None => write!(f, "{who} has no exit permit recorded"),
            },
            WarningDetail::NotTravelReady => write!(f, "{who} is not travel-ready"),
        }
    }
}

#[cfg(test)]
#[path = "warnings_tests.rs"]
mod tests;
