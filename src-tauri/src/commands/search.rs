//! Find a person: by any part of a name (spelling variants, diacritics, one typo) or by case,
//! individual or document number.

use std::time::Duration;

use waypoint_domain::{Relationship, Sex};

use crate::dto::SearchHit;
use crate::error::CommandError;
use waypoint_app::session::Session;

/// The most results a search returns.
pub const MAX_RESULTS: usize = 50;

/// How long a search waits for the index being built at start or after an import, before it
/// builds the index itself (holding the store). Building it again would take as long, so this
/// is only a bound for a build that hangs.
const WAIT_FOR_INDEX: Duration = Duration::from_secs(30);

/// The ABN number `query` is, when the store knows it and the role may see it: the find screen
/// then offers to open that ABN.
pub fn find_abn(state: &Session, query: &str) -> Result<Option<String>, CommandError> {
    let store = state.store()?;
    let role = store.role();
    Ok(waypoint_app::search::abn_number(&store, role, query)?)
}

pub fn search(state: &Session, query: &str, limit: usize) -> Result<Vec<SearchHit>, CommandError> {
    if query.trim().is_empty() {
        return Ok(Vec::new());
    }
    let today = state.today();
    state.wait_for_search_index(WAIT_FOR_INDEX);
    let results = {
        let mut store = state.store()?;
        let role = store.role();
        waypoint_app::search::search(&mut store, role, query, limit.min(MAX_RESULTS))?
    };
    Ok(results
        .into_iter()
        .map(|r| SearchHit {
            age: super::age(&r.date_of_birth, today),
            case_no: r.case_no,
            individual_no: r.individual_no,
            family_name: r.family_name,
            given_names: r.given_names,
            family_name_native: r.family_name_native,
            given_names_native: r.given_names_native,
            relationship: Relationship::parse(&r.relationship).ok(),
            sex: Sex::parse(&r.sex).ok(),
            date_of_birth: r.date_of_birth,
            nationality: r.nationality,
            document_no: r.document_no,
            site: r.site,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testing;

    #[test]
    fn finds_names_with_typos_and_diacritics_and_numbers() {
        let (_dir, state) = testing::state();
        let hits = search(&state, "habimna", 10).unwrap();
        assert_eq!(hits[0].family_name, "HABIMANA");
        let hits = search(&state, "Mukamána", 10).unwrap();
        assert_eq!(hits[0].individual_no, "I-0001002");
        assert_eq!(hits[0].age, Some(crate::dto::AgeRange { min: 40, max: 41 }));
        // Exact matches first; the core's one-typo tolerance may add neighbouring numbers.
        let case: Vec<String> = search(&state, "KGL-2025-000104", 10)
            .unwrap()
            .into_iter()
            .take(2)
            .map(|h| h.case_no)
            .collect();
        assert_eq!(case, ["KGL-2025-000104", "KGL-2025-000104"]);
        let hits = search(&state, "Niyonzíma", 10).unwrap();
        assert_eq!(hits[0].individual_no, "I-0001030");
        assert_eq!(
            search(&state, "I-0001020", 10).unwrap()[0].given_names,
            "Meron"
        );
        assert_eq!(
            search(&state, "N0045821", 10).unwrap()[0].nationality,
            "SYR"
        );
    }

    /// At start the index is built off the store: the store stays free for other commands, a
    /// search typed meanwhile waits for the build instead of building it again under the
    /// store's lock, and its results include a write made while the build ran.
    #[test]
    fn a_search_during_the_start_up_build_waits_for_it_and_is_correct() {
        let (dir, loaded) = testing::state();
        drop(loaded);
        // The app as it starts: a store with the sample cases, no index yet.
        let state = testing::signed_in(dir.path(), "A. Officer");
        let pending = state.begin_search_index().unwrap();
        assert!(!state.store().unwrap().search_ready());
        // Other commands go on while the build is out.
        crate::commands::status::status(&state).unwrap();
        state
            .store()
            .unwrap()
            .set_field(
                "I-0001031",
                waypoint_domain::Field::GivenNames,
                "Kevinoquatre",
                testing::now().date_naive(),
            )
            .unwrap();
        let installed = std::thread::scope(|scope| {
            let typed = scope.spawn(|| search(&state, "kevinoquatre", 10).unwrap());
            let installed = state.finish_search_index(pending).unwrap();
            let hits = typed.join().unwrap();
            assert_eq!(hits.len(), 1, "{hits:?}");
            assert_eq!(hits[0].individual_no, "I-0001031");
            installed
        });
        // The background build's index is the one in use: the search did not build its own.
        assert!(installed);
        assert_eq!(
            search(&state, "KGL-2025-000104", 10).unwrap()[0].case_no,
            "KGL-2025-000104"
        );
    }

    #[test]
    fn a_blank_query_finds_nothing_and_limits_are_kept() {
        let (_dir, state) = testing::state();
        assert!(search(&state, "   ", 10).unwrap().is_empty());
        assert_eq!(search(&state, "KGL-2025-000101", 1).unwrap().len(), 1);
    }
}
