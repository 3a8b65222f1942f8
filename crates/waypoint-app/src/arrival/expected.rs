//! Expected arrivals: who lands at the port of entry on a day, per flight in arrival order,
//! with what the person meeting them needs and may see (names, languages, SSR codes, the
//! special-needs note, escorts, the onward flight) and where each stands on the checklist.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use waypoint_domain::{
    AgeRange, ArrivalChecklist, ExpectedFlight, Field, Individual, Role, arrival_checklist,
    expected_arrivals, may_see,
};
use waypoint_store::Store;

use super::airport;
use crate::AppError;

/// What the person meeting one traveller reads, as their role may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedLine {
    pub individual_no: String,
    pub family_name: String,
    pub given_names: String,
    pub sex: String,
    /// On the day of arrival.
    pub age: Option<AgeRange>,
    /// The languages to meet them in.
    pub languages: Vec<String>,
    /// The special-needs note, where the role may see it.
    pub needs_note: Option<String>,
    pub checklist: ArrivalChecklist,
}

/// One arriving flight: the domain's answer (SSR codes removed for a role that may not see
/// them) and a line per traveller, in the same order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedFlightView {
    pub flight: ExpectedFlight,
    pub lines: Vec<ExpectedLine>,
}

/// The travellers expected at `airport_code` on `day` (its local date), as `role` may see
/// them. The records are read through the store's role-aware read, which leaves out what the
/// role may not see and records the need-to-know values shown.
pub fn expected(
    store: &Store,
    role: Role,
    airport_code: &str,
    day: NaiveDate,
) -> Result<Vec<ExpectedFlightView>, AppError> {
    let poe = airport(airport_code)?;
    let bookings = store.bookings_landing(poe, day)?;
    let mut flights = expected_arrivals(&bookings, poe, day);
    let mut case_nos: Vec<&str> = flights.iter().flat_map(|f| f.case_nos()).collect();
    case_nos.sort_unstable();
    case_nos.dedup();
    let mut cases: BTreeMap<String, (Vec<Individual>, Vec<ArrivalChecklist>)> = BTreeMap::new();
    for (case_no, case) in store.cases_as(role, &case_nos)? {
        let numbers: Vec<String> = case
            .members
            .iter()
            .map(|m| m.individual_no.clone())
            .collect();
        let (steps, _) = store.arrival_events(&case_no)?;
        let checklists = arrival_checklist(&numbers, &steps);
        cases.insert(case_no, (case.members, checklists));
    }
    let ssr_seen = may_see(role, Field::SsrCodes);
    let mut views = Vec::new();
    for mut flight in flights.drain(..) {
        let mut lines = Vec::new();
        for t in &mut flight.travellers {
            if !ssr_seen {
                t.ssr.clear();
            }
            let Some((members, checklists)) = cases.get(&t.case_no) else {
                continue;
            };
            let member = members.iter().find(|m| m.individual_no == t.individual_no);
            let checklist = checklists
                .iter()
                .find(|c| c.individual_no == t.individual_no)
                .cloned()
                .unwrap_or_else(|| {
                    arrival_checklist(std::slice::from_ref(&t.individual_no), &[]).remove(0)
                });
            lines.push(ExpectedLine {
                individual_no: t.individual_no.clone(),
                family_name: member.map(|m| m.family_name.clone()).unwrap_or_default(),
                given_names: member.map(|m| m.given_names.clone()).unwrap_or_default(),
                sex: member.map(|m| m.sex.code().to_owned()).unwrap_or_default(),
                age: member.and_then(|m| m.date_of_birth.age_on(day)),
                languages: member.map(|m| m.languages.clone()).unwrap_or_default(),
                needs_note: member.and_then(|m| m.special_needs.notes.clone()),
                checklist,
            });
        }
        // A traveller of a case this laptop does not hold is not shown (sync brings it).
        flight
            .travellers
            .retain(|t| lines.iter().any(|l| l.individual_no == t.individual_no));
        views.push(ExpectedFlightView { flight, lines });
    }
    Ok(views)
}
