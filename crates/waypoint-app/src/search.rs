//! Finding a person: by any part of a name (spelling variants, diacritics, one typo) or by
//! case, individual or document number, with only what the role may see.

use waypoint_domain::{Field, Role, may_see};
pub use waypoint_store::SearchResult;
use waypoint_store::Store;

use crate::AppError;
use crate::lookup::number;

/// The people `query` finds, best first, at most `limit` (at least one); a blank query finds
/// no one. What the role may not see is left out of each result.
pub fn search(
    store: &mut Store,
    role: Role,
    query: &str,
    limit: usize,
) -> Result<Vec<SearchResult>, AppError> {
    let query = query.trim();
    if query.is_empty() {
        return Ok(Vec::new());
    }
    Ok(store.search_as(role, query, limit.max(1))?)
}

/// The ABN number `query` is, when the store holds bookings or issued versions under it and
/// `role` may see ABN numbers: finding an ABN number opens it (the movement file is kept by
/// ABN). Anything else, a name included, finds none.
pub fn abn_number(store: &Store, role: Role, query: &str) -> Result<Option<String>, AppError> {
    let abn_no = number(query);
    if abn_no.is_empty() || abn_no.contains(char::is_whitespace) || !may_see(role, Field::Abn) {
        return Ok(None);
    }
    let known =
        !store.abn_versions(&abn_no)?.is_empty() || !store.bookings_of_abn(&abn_no)?.is_empty();
    Ok(known.then_some(abn_no))
}
