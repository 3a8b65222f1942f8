//! Transport manifests: the travellers of one or more bookings put on a bus or vehicle (plate,
//! driver, departure time), travellers added late or taken off, and the manifest read with its
//! head count and who is missing ([docs/departure-day.md](../../../docs/departure-day.md)).
//!
//! A screen needs one call per action; each action answers with the whole [`ManifestView`]
//! (count and missing list included), so the screen shows what was stored.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;
use waypoint_domain::{
    Action, AgeRange, Boarding, BookingRef, BookingStatus, DepartureProblem, Field, FieldEvent,
    HeadCount, Manifest, ManifestChange, ManifestEvent, ManifestId, ManifestTraveller, Role,
    Vehicle, may_see,
};
use waypoint_store::Store;

use crate::booking::stored;
use crate::lookup::{self, number};
use crate::{AppError, Context, SignedIn};

mod csv;
mod head_count;
mod items;
#[cfg(feature = "pdf")]
mod pdf;

pub use self::csv::{COLUMNS as CSV_COLUMNS, manifest_csv};
pub use head_count::{BoardOutcome, board, no_show, undo};
pub use items::{hand_items, item_list, item_lists, items_handed};
#[cfg(feature = "pdf")]
pub use pdf::manifest_pdf;
pub use waypoint_domain::MatchedBy;

/// One traveller as the manifest screen and paper show them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestRow {
    pub individual_no: String,
    pub case_no: String,
    pub booking_ref: Option<BookingRef>,
    pub family_name: String,
    pub given_names: String,
    /// In the script of their language, when recorded.
    pub native_name: Option<String>,
    pub sex: String,
    pub nationality: String,
    /// On the day the vehicle leaves.
    pub age: Option<AgeRange>,
    /// The travel document's number, where the role may see it.
    pub document_no: Option<String>,
    pub boarding: Boarding,
}

/// A manifest with what a person needs at the bus door.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestView {
    pub id: ManifestId,
    pub vehicle: Vehicle,
    pub travellers: Vec<ManifestRow>,
    pub count: HeadCount,
    /// The individual numbers of those not boarded (awaited and no-shows), in order.
    pub missing: Vec<String>,
}

impl ManifestView {
    pub fn row(&self, individual_no: &str) -> Option<&ManifestRow> {
        self.travellers
            .iter()
            .find(|r| r.individual_no == individual_no)
    }
}

/// A new manifest: who (the travellers of these bookings, and these individuals) on which
/// vehicle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestForm {
    pub bookings: Vec<String>,
    pub individuals: Vec<String>,
    pub plate: String,
    pub driver: String,
    pub departs: DateTime<Utc>,
}

pub(crate) fn parse_id(id: &str) -> Result<ManifestId, AppError> {
    Ok(ManifestId::parse(id)?)
}

/// Manifest `id` as stored, or why there is none.
pub(crate) fn stored_manifest(store: &Store, id: &str) -> Result<Manifest, AppError> {
    let id = parse_id(id)?;
    store
        .manifest(&id)?
        .ok_or_else(|| AppError::invalid(format!("there is no manifest {id} on this laptop")))
}

/// The travellers the bookings and the individuals name, each once, with their case: a
/// booking's in its order, then the individuals (with the booking they are on, if any).
fn travellers_named(
    store: &Store,
    bookings: &[String],
    individuals: &[String],
) -> Result<Vec<(String, ManifestTraveller)>, AppError> {
    let mut named: Vec<(String, ManifestTraveller)> = Vec::new();
    let mut push = |case_no: String, t: ManifestTraveller| {
        if !named
            .iter()
            .any(|(_, n)| n.individual_no == t.individual_no)
        {
            named.push((case_no, t));
        }
    };
    for r in bookings {
        let booking = stored(store, r)?;
        if booking.status == BookingStatus::Cancelled {
            return Err(AppError::invalid(format!(
                "booking {} is cancelled: its travellers do not go to the airport",
                booking.booking_ref
            )));
        }
        for t in &booking.travellers {
            push(
                t.case_no.clone(),
                ManifestTraveller {
                    individual_no: t.individual_no.clone(),
                    booking_ref: Some(booking.booking_ref.clone()),
                },
            );
        }
    }
    for n in individuals {
        let n = number(n);
        let case_no =
            lookup::case_no_of(store, &n)?.ok_or_else(|| AppError::UnknownIndividual(n.clone()))?;
        let booking_ref = store
            .bookings_of_case(&case_no)?
            .into_iter()
            .filter(|b| b.status != BookingStatus::Cancelled && b.traveller(&n).is_some())
            .min_by_key(|b| b.departs())
            .map(|b| b.booking_ref);
        push(
            case_no,
            ManifestTraveller {
                individual_no: n,
                booking_ref,
            },
        );
    }
    Ok(named)
}

/// One event per case: `change` of its travellers on manifest `id`, at the case's site.
fn events_per_case(
    store: &Store,
    who: &SignedIn,
    ctx: &Context,
    id: &ManifestId,
    vehicle: &Vehicle,
    by_case: BTreeMap<String, ManifestChange>,
    first_id: Option<Uuid>,
) -> Result<Vec<FieldEvent>, AppError> {
    let mut events = Vec::new();
    for (i, (case_no, change)) in by_case.into_iter().enumerate() {
        let case = store
            .case_as(Role::Administrator, &case_no)?
            .ok_or_else(|| AppError::UnknownCase(case_no.clone()))?;
        events.push(FieldEvent::Manifest(ManifestEvent {
            id: match (i, first_id) {
                (0, Some(first)) => first,
                _ => Uuid::now_v7(),
            },
            manifest_id: id.clone(),
            site: ctx.site_for(&case.case.site),
            case_no,
            recorded_by: who.name.clone(),
            at: ctx.now,
            vehicle: vehicle.clone(),
            change,
        }));
    }
    Ok(events)
}

fn put_on_by_case(
    travellers: Vec<(String, ManifestTraveller)>,
) -> BTreeMap<String, ManifestChange> {
    let mut by_case: BTreeMap<String, Vec<ManifestTraveller>> = BTreeMap::new();
    for (case_no, t) in travellers {
        by_case.entry(case_no).or_default().push(t);
    }
    by_case
        .into_iter()
        .map(|(c, travellers)| (c, ManifestChange::PutOn { travellers }))
        .collect()
}

/// Makes a manifest of the travellers `form` names on its vehicle; answers it as stored.
pub fn create(
    store: &mut Store,
    who: &SignedIn,
    ctx: &Context,
    form: &ManifestForm,
) -> Result<ManifestView, AppError> {
    store.require(who.role, Action::MakeManifest)?;
    let travellers = travellers_named(store, &form.bookings, &form.individuals)?;
    if travellers.is_empty() {
        return Err(DepartureProblem::NoTravellers.into());
    }
    let vehicle = Vehicle {
        plate: form.plate.trim().to_ascii_uppercase(),
        driver: form.driver.trim().to_owned(),
        departs: form.departs,
    };
    let first = Uuid::now_v7();
    let id = ManifestId::new(form.departs, first);
    let events = events_per_case(
        store,
        who,
        ctx,
        &id,
        &vehicle,
        put_on_by_case(travellers),
        Some(first),
    )?;
    store.record_events(&events)?;
    show(store, who.role, id.as_str())
}

/// Puts more travellers on manifest `id` (a booking's, or someone added late); those already
/// on it stay as they are.
pub fn add(
    store: &mut Store,
    who: &SignedIn,
    ctx: &Context,
    id: &str,
    bookings: &[String],
    individuals: &[String],
) -> Result<ManifestView, AppError> {
    store.require(who.role, Action::MakeManifest)?;
    let manifest = stored_manifest(store, id)?;
    let new: Vec<(String, ManifestTraveller)> = travellers_named(store, bookings, individuals)?
        .into_iter()
        .filter(|(_, t)| manifest.line(&t.individual_no).is_none())
        .collect();
    let events = events_per_case(
        store,
        who,
        ctx,
        &manifest.id,
        &manifest.vehicle,
        put_on_by_case(new),
        None,
    )?;
    store.record_events(&events)?;
    show(store, who.role, manifest.id.as_str())
}

/// Takes travellers off manifest `id` (they go on another bus, or do not travel today).
pub fn remove(
    store: &mut Store,
    who: &SignedIn,
    ctx: &Context,
    id: &str,
    individuals: &[String],
) -> Result<ManifestView, AppError> {
    store.require(who.role, Action::MakeManifest)?;
    let manifest = stored_manifest(store, id)?;
    let mut by_case: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for n in individuals {
        let line = manifest.require_line(&number(n))?;
        let off = by_case.entry(line.case_no.clone()).or_default();
        if !off.contains(&line.individual_no) {
            off.push(line.individual_no.clone());
        }
    }
    let by_case = by_case
        .into_iter()
        .map(|(c, individual_nos)| (c, ManifestChange::TakenOff { individual_nos }))
        .collect();
    let events = events_per_case(
        store,
        who,
        ctx,
        &manifest.id,
        &manifest.vehicle,
        by_case,
        None,
    )?;
    store.record_events(&events)?;
    show(store, who.role, manifest.id.as_str())
}

/// Manifest `id` as `role` may see it, with the count and who is missing.
pub fn show(store: &Store, role: Role, id: &str) -> Result<ManifestView, AppError> {
    let manifest = stored_manifest(store, id)?;
    view(store, role, manifest)
}

/// The manifests this laptop holds a part of, by number.
pub fn list(store: &Store, role: Role) -> Result<Vec<ManifestView>, AppError> {
    store
        .manifest_ids()?
        .iter()
        .map(|id| show(store, role, id.as_str()))
        .collect()
}

/// The rows of `manifest` with the names and documents `role` may see: one read per case on
/// it, no other.
pub(crate) fn view(
    store: &Store,
    role: Role,
    manifest: Manifest,
) -> Result<ManifestView, AppError> {
    let departs = manifest.vehicle.departs.date_naive();
    let numbers: Vec<&str> = manifest
        .travellers
        .iter()
        .map(|l| l.individual_no.as_str())
        .collect();
    let documents = if may_see(role, Field::DocumentNo) {
        store.document_numbers(&numbers)?
    } else {
        Vec::new()
    };
    let mut members = BTreeMap::new();
    for case_no in manifest.case_nos() {
        // Read as the role that sees no need-to-know field: the manifest shows none, so
        // reading it is not recorded as a view of one.
        if let Some(view) = store.case_as(Role::Administrator, case_no)? {
            for m in view.case.members {
                members.insert(m.individual_no.clone(), m);
            }
        }
    }
    let count = manifest.count();
    let missing = manifest
        .missing()
        .iter()
        .map(|l| l.individual_no.clone())
        .collect();
    let travellers = manifest
        .travellers
        .into_iter()
        .map(|l| {
            let m = members.get(&l.individual_no);
            let native = m
                .map(|m| {
                    [&m.family_name_native, &m.given_names_native]
                        .into_iter()
                        .flatten()
                        .cloned()
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            ManifestRow {
                document_no: documents
                    .iter()
                    .find(|(n, _)| *n == l.individual_no)
                    .map(|(_, d)| d.clone()),
                family_name: m.map(|m| m.family_name.clone()).unwrap_or_default(),
                given_names: m.map(|m| m.given_names.clone()).unwrap_or_default(),
                native_name: (!native.is_empty()).then(|| native.join(" ")),
                sex: m.map(|m| m.sex.code().to_owned()).unwrap_or_default(),
                nationality: m.map(|m| m.nationality.to_string()).unwrap_or_default(),
                age: m.and_then(|m| m.date_of_birth.age_on(departs)),
                individual_no: l.individual_no,
                case_no: l.case_no,
                booking_ref: l.booking_ref,
                boarding: l.boarding,
            }
        })
        .collect();
    Ok(ManifestView {
        id: manifest.id,
        vehicle: manifest.vehicle,
        travellers,
        count,
        missing,
    })
}

#[cfg(test)]
mod tests;
