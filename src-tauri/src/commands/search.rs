//! Find a person: by any part of a name (spelling variants, diacritics, one typo) or by case,
//! individual or document number.

use crate::dto::SearchHit;
use crate::error::CommandError;
use crate::state::AppState;

/// The most results a search returns.
pub const MAX_RESULTS: usize = 50;

pub fn search(state: &AppState, query: &str, limit: usize) -> Result<Vec<SearchHit>, CommandError> {
    let query = query.trim();
    if query.is_empty() {
        return Ok(Vec::new());
    }
    let today = state.today();
    let results = state.store()?.search(query, limit.clamp(1, MAX_RESULTS))?;
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
            relationship: r.relationship,
            sex: r.sex,
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

    #[test]
    fn a_blank_query_finds_nothing_and_limits_are_kept() {
        let (_dir, state) = testing::state();
        assert!(search(&state, "   ", 10).unwrap().is_empty());
        assert_eq!(search(&state, "KGL-2025-000101", 1).unwrap().len(), 1);
    }
}
