//! Finding a person: by any part of a name (spelling variants, diacritics, one typo) or by
//! case, individual or document number, with only what the role may see.

use waypoint_domain::Role;
pub use waypoint_store::SearchResult;
use waypoint_store::Store;

use crate::AppError;

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
