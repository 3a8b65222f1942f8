//! A case as the role may see it: its members, documents, special needs and what was recorded
//! (the store leaves out what the role may not see, and records a view of need-to-know fields).

use waypoint_domain::Role;
use waypoint_store::Store;
pub use waypoint_store::{CaseView, StoredEvent};

use crate::AppError;

/// The case numbered `case_no` (any case, spaces around it ignored).
pub fn case(store: &Store, role: Role, case_no: &str) -> Result<CaseView, AppError> {
    let case_no = case_no.trim().to_ascii_uppercase();
    store
        .case_as(role, &case_no)?
        .ok_or(AppError::UnknownCase(case_no))
}

/// The case that `individual_no` belongs to.
pub fn case_of_individual(
    store: &Store,
    role: Role,
    individual_no: &str,
) -> Result<CaseView, AppError> {
    let individual_no = individual_no.trim().to_ascii_uppercase();
    // Only the case number is used: looked up as the role that sees no need-to-know field,
    // so that finding the case is not recorded as a view of one; the case itself is then
    // read as `role`.
    let case_no = store
        .individual_as(Role::Administrator, &individual_no)?
        .map(|r| r.case_no().to_string())
        .ok_or(AppError::UnknownIndividual(individual_no))?;
    case(store, role, &case_no)
}
