//! Finding the case a use case works on, as the role signed in may see it.

use waypoint_domain::Role;
use waypoint_store::{CaseView, Store};

use crate::AppError;

/// The case `case_no` as `role` may see it (the store leaves out what it may not).
pub(crate) fn case(store: &Store, role: Role, case_no: &str) -> Result<CaseView, AppError> {
    store
        .case_as(role, case_no)?
        .ok_or_else(|| AppError::UnknownCase(case_no.trim().to_ascii_uppercase()))
}

/// The case number of `individual_no`, if there is such an individual.
pub(crate) fn case_no_of(store: &Store, individual_no: &str) -> Result<Option<String>, AppError> {
    // Only the case number is used: looked up as the role that sees no need-to-know field, so
    // that finding the case is not recorded as a view of one.
    Ok(store
        .individual_as(Role::Administrator, individual_no)?
        .map(|r| r.case_no().to_string()))
}

/// The case that `individual_no` belongs to, as `role` may see it.
pub(crate) fn case_of_individual(
    store: &Store,
    role: Role,
    individual_no: &str,
) -> Result<CaseView, AppError> {
    let individual_no = individual_no.trim().to_ascii_uppercase();
    let case_no =
        case_no_of(store, &individual_no)?.ok_or(AppError::UnknownIndividual(individual_no))?;
    case(store, role, &case_no)
}

/// A number as records hold it: trimmed, upper case.
pub(crate) fn number(text: &str) -> String {
    text.trim().to_ascii_uppercase()
}

/// Text a person typed into an optional field: `None` when blank.
pub(crate) fn non_blank(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}
