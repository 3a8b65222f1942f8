//! Identity and document checks: reading an MRZ, comparing it with an individual's record, and
//! recording the officer's conclusion as an `IdentityCheck` event. The reading and the
//! comparison are the domain's (`waypoint_domain::mrz`); this adds the role rules and the
//! store.

use uuid::Uuid;
use waypoint_domain::mrz::{self, MrzComparison, MrzReading};
use waypoint_domain::{
    Action, CheckOutcome, Field, FieldEvent, IdentityCheck, Individual, Mismatch, Role, may_see,
};
use waypoint_store::{CaseView, Store};

use crate::{AppError, Context};

/// Reads an MRZ as typed or scanned (see [`mrz::read_mrz`]). Nothing of the store is read:
/// the zone is what the person at the keyboard holds.
pub fn read_mrz(text: &str) -> Result<MrzReading, AppError> {
    Ok(mrz::read_mrz(text)?)
}

/// Reads an MRZ and compares it with `individual_no`'s record, for a person of `role` (who
/// must be allowed to check identities). A field the role may not see is not compared: its
/// value is not in the record the role gets, and no mismatch names it.
pub fn check_mrz(
    store: &Store,
    role: Role,
    individual_no: &str,
    text: &str,
) -> Result<MrzComparison, AppError> {
    store.require(role, Action::IdentityCheck)?;
    let view = case_of(store, role, individual_no)?;
    let person = member(&view, individual_no)?;
    let reading = mrz::read_mrz(text)?;
    let mut mismatches = mrz::compare(person, &reading);
    mismatches.retain(|m| Field::from_column(&m.field).is_none_or(|f| may_see(role, f)));
    Ok(MrzComparison {
        reading,
        mismatches,
    })
}

/// What the officer concluded, to be recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityCheckRequest {
    pub individual_no: String,
    /// The document checked against, if any.
    pub document_no: Option<String>,
    pub outcome: CheckOutcome,
    pub mismatches: Vec<Mismatch>,
}

/// Records the officer's conclusion as an identity check by `checked_by` (of `role`) at this
/// device's site (or the case's), now. The store refuses an outcome that contradicts the
/// mismatches, or a mismatch without a reason.
pub fn record_identity_check(
    store: &mut Store,
    cx: &Context,
    role: Role,
    checked_by: &str,
    request: IdentityCheckRequest,
) -> Result<IdentityCheck, AppError> {
    store.require(role, Action::IdentityCheck)?;
    let view = case_of(store, role, &request.individual_no)?;
    let outcome = match request.outcome {
        CheckOutcome::Verified => CheckOutcome::Verified,
        CheckOutcome::Mismatch { reason } => CheckOutcome::Mismatch {
            reason: reason.trim().to_string(),
        },
        CheckOutcome::NotVerified { reason } => CheckOutcome::NotVerified {
            reason: reason.trim().to_string(),
        },
    };
    let check = IdentityCheck {
        id: Uuid::now_v7(),
        individual_no: individual_number(&request.individual_no),
        document_no: request
            .document_no
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        outcome,
        mismatches: request.mismatches,
        site: cx.site_for(&view.case.site),
        checked_by: checked_by.to_string(),
        checked_at: cx.now,
    };
    let event = FieldEvent::IdentityCheck(check);
    store.record_event_as(role, &event)?;
    match event {
        FieldEvent::IdentityCheck(check) => Ok(check),
        _ => Err(AppError::invalid("the check was not recorded as a check")),
    }
}

/// An individual number as typed: blanks around it removed, upper case.
fn individual_number(raw: &str) -> String {
    raw.trim().to_ascii_uppercase()
}

/// The case `individual_no` belongs to, as `role` may see it.
fn case_of(store: &Store, role: Role, individual_no: &str) -> Result<CaseView, AppError> {
    let individual_no = individual_number(individual_no);
    // Only the case number is used: looked up as the role that sees no need-to-know field, so
    // that finding the case is not recorded as a view of one; the case itself is then read
    // as `role`.
    let case_no = store
        .individual_as(Role::Administrator, &individual_no)?
        .map(|r| r.case_no().to_string())
        .ok_or_else(|| AppError::UnknownIndividual(individual_no.clone()))?;
    store
        .case_as(role, &case_no)?
        .ok_or(AppError::UnknownCase(case_no))
}

fn member<'v>(view: &'v CaseView, individual_no: &str) -> Result<&'v Individual, AppError> {
    let individual_no = individual_number(individual_no);
    view.case
        .members
        .iter()
        .find(|m| m.individual_no == individual_no)
        .ok_or(AppError::UnknownIndividual(individual_no))
}

#[cfg(test)]
mod tests;
