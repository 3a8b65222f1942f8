//! The head count at the bus door: a traveller found by what was typed or scanned (individual
//! number, document number, MRZ) and ticked as boarded; a no-show recorded with its reason; a
//! mark made by mistake undone. Each answers the manifest as it now stands.
//!
//! A tick reads the one manifest (through its index), its travellers' document numbers and
//! their cases: work in the number of travellers on the bus, never in the size of the store.

use uuid::Uuid;
use waypoint_domain::{
    Action, Boarding, BoardingEvent, BoardingMark, Field, FieldEvent, Manifest, MatchedBy,
    NoShowReason, Role, find_on_manifest, may_see,
};
use waypoint_store::Store;

use super::{ManifestRow, ManifestView, stored_manifest, view};
use crate::lookup::number;
use crate::{AppError, Context, SignedIn};

/// What a scan at the bus door did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardOutcome {
    /// The traveller the scan found, as they now stand (boarded).
    pub traveller: ManifestRow,
    pub matched_by: MatchedBy,
    /// They were already ticked: nothing new was recorded (a second scan of the same
    /// passport is harmless).
    pub already_boarded: bool,
    pub manifest: ManifestView,
}

fn record_mark(
    store: &mut Store,
    who: &SignedIn,
    ctx: &Context,
    manifest: &Manifest,
    individual_no: &str,
    mark: BoardingMark,
) -> Result<(), AppError> {
    let line = manifest.require_line(individual_no)?;
    let case = store
        .case_as(Role::Administrator, &line.case_no)?
        .ok_or_else(|| AppError::UnknownCase(line.case_no.clone()))?;
    let event = FieldEvent::Boarding(BoardingEvent {
        id: Uuid::now_v7(),
        manifest_id: manifest.id.clone(),
        case_no: line.case_no.clone(),
        individual_no: line.individual_no.clone(),
        site: ctx.site_for(&case.case.site),
        recorded_by: who.name.clone(),
        at: ctx.now,
        mark,
    });
    store.record_events(std::slice::from_ref(&event))?;
    Ok(())
}

/// Ticks as boarded the traveller on manifest `id` that `scan` names (an individual number, a
/// document number, or a document's MRZ as a scanner types it). Nothing is recorded when
/// nobody or more than one traveller matches: the error says which.
pub fn board(
    store: &mut Store,
    who: &SignedIn,
    ctx: &Context,
    id: &str,
    scan: &str,
) -> Result<BoardOutcome, AppError> {
    store.require(who.role, Action::CountHeads)?;
    let manifest = stored_manifest(store, id)?;
    let numbers: Vec<&str> = manifest
        .travellers
        .iter()
        .map(|l| l.individual_no.as_str())
        .collect();
    // Matching a document number shows whose it is: only for a role that may see them.
    let documents = if may_see(who.role, Field::DocumentNo) {
        store.document_numbers(&numbers)?
    } else {
        Vec::new()
    };
    let found = find_on_manifest(&manifest, scan, &documents)?;
    let (individual_no, matched_by) = (found.line.individual_no.clone(), found.by);
    let already_boarded = matches!(found.line.boarding, Boarding::Boarded { .. });
    let manifest = if already_boarded {
        manifest
    } else {
        record_mark(
            store,
            who,
            ctx,
            &manifest,
            &individual_no,
            BoardingMark::Boarded,
        )?;
        stored_manifest(store, manifest.id.as_str())?
    };
    let manifest = view(store, who.role, manifest)?;
    let traveller = manifest
        .row(&individual_no)
        .cloned()
        .ok_or_else(|| AppError::invalid(format!("{individual_no} left the manifest")))?;
    Ok(BoardOutcome {
        traveller,
        matched_by,
        already_boarded,
        manifest,
    })
}

/// Records that `individual_no` did not board the vehicle of manifest `id`: a reason from the
/// list (its code, e.g. `ILL`) and what happened in words.
pub fn no_show(
    store: &mut Store,
    who: &SignedIn,
    ctx: &Context,
    id: &str,
    individual_no: &str,
    reason: &str,
    text: &str,
) -> Result<ManifestView, AppError> {
    store.require(who.role, Action::CountHeads)?;
    let reason = NoShowReason::parse(reason)?;
    let manifest = stored_manifest(store, id)?;
    let mark = BoardingMark::NoShow {
        reason,
        text: text.trim().to_owned(),
    };
    record_mark(store, who, ctx, &manifest, &number(individual_no), mark)?;
    view(store, who.role, stored_manifest(store, id)?)
}

/// Takes back the tick or no-show of `individual_no` on manifest `id`: awaited again.
pub fn undo(
    store: &mut Store,
    who: &SignedIn,
    ctx: &Context,
    id: &str,
    individual_no: &str,
) -> Result<ManifestView, AppError> {
    store.require(who.role, Action::CountHeads)?;
    let manifest = stored_manifest(store, id)?;
    let individual_no = number(individual_no);
    if manifest.require_line(&individual_no)?.boarding == Boarding::Waiting {
        return Err(AppError::invalid(format!(
            "{individual_no} is neither ticked nor a no-show on manifest {}: nothing to undo",
            manifest.id
        )));
    }
    record_mark(
        store,
        who,
        ctx,
        &manifest,
        &individual_no,
        BoardingMark::Undo,
    )?;
    view(store, who.role, stored_manifest(store, id)?)
}
