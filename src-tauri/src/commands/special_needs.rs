//! Special needs (SSR codes, notes) and vulnerabilities: the SSR table in three languages, and
//! edits through `Store::set_field` with the fields `ssr_codes`, `special_needs_notes` and
//! `vulnerabilities`.

use waypoint_domain::{Field, SSR_CODES, SsrCategory, Vulnerability};
use waypoint_store::StoreError;

use super::cases;
use crate::dto::{Localized, Member, SpecialNeedsOptions, SpecialNeedsUpdate, SsrCode};
use crate::error::CommandError;
use crate::state::AppState;

pub fn special_needs_options() -> SpecialNeedsOptions {
    SpecialNeedsOptions {
        ssr_codes: SSR_CODES
            .iter()
            .map(|s| SsrCode {
                code: s.code.to_string(),
                category: match s.category {
                    SsrCategory::Mobility => "mobility",
                    SsrCategory::Medical => "medical",
                    SsrCategory::Sensory => "sensory",
                    SsrCategory::Assistance => "assistance",
                    SsrCategory::Meal => "meal",
                    SsrCategory::Other => "other",
                }
                .to_string(),
                description: Localized {
                    en: s.en.to_string(),
                    fr: s.fr.to_string(),
                    es: s.es.to_string(),
                },
            })
            .collect(),
        vulnerabilities: Vulnerability::ALL
            .iter()
            .map(|v| v.code().to_string())
            .collect(),
    }
}

/// Replaces one individual's SSR codes, notes and vulnerabilities; every value is checked
/// before any is saved, so a bad one changes nothing.
pub fn update_special_needs(
    state: &AppState,
    update: &SpecialNeedsUpdate,
) -> Result<Member, CommandError> {
    let today = state.today();
    let individual_no = update.individual_no.trim().to_ascii_uppercase();
    let values = [
        (Field::SsrCodes, update.ssr_codes.join(";")),
        (Field::SpecialNeedsNotes, update.notes.clone()),
        (Field::Vulnerabilities, update.vulnerabilities.join(";")),
    ];
    for (field, raw) in &values {
        field
            .normalize(raw, today)
            .map_err(|error| StoreError::InvalidValue {
                field: *field,
                error,
            })?;
    }
    {
        let mut store = state.store()?;
        for (field, raw) in &values {
            store.set_field(&individual_no, *field, raw, today)?;
        }
    }
    let view = cases::load_of_individual(state, &individual_no)?;
    let site = state.site_for(&view.case.site);
    view.case
        .members
        .iter()
        .find(|m| m.individual_no == individual_no)
        .map(|m| cases::member(state, &view, m, &site))
        .ok_or(CommandError::UnknownIndividual(individual_no))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::{status, testing};

    #[test]
    fn the_table_has_three_languages_and_the_vulnerabilities() {
        let o = special_needs_options();
        let wchr = o.ssr_codes.iter().find(|s| s.code == "WCHR").unwrap();
        assert_eq!(wchr.category, "mobility");
        assert!(wchr.description.fr.contains("Fauteuil"));
        assert!(o.vulnerabilities.contains(&"URM".to_string()));
    }

    #[test]
    fn edits_go_through_the_store_and_the_outbox() {
        let (_dir, state) = testing::state();
        let before = status::status(&state).unwrap().pending_changes;
        let m = update_special_needs(
            &state,
            &SpecialNeedsUpdate {
                individual_no: "i-0001031".into(),
                ssr_codes: vec!["wchr".into(), "DBML".into()],
                notes: "Uses a cane".into(),
                vulnerabilities: vec!["DISABILITY".into()],
            },
        )
        .unwrap();
        assert_eq!(m.special_needs.ssr_codes, ["WCHR", "DBML"]);
        assert_eq!(m.special_needs.notes.as_deref(), Some("Uses a cane"));
        assert_eq!(m.special_needs.vulnerabilities, ["DISABILITY"]);
        assert_eq!(status::status(&state).unwrap().pending_changes, before + 3);
    }

    #[test]
    fn a_bad_value_changes_nothing() {
        let (_dir, state) = testing::state();
        let before = status::status(&state).unwrap().pending_changes;
        let e = update_special_needs(
            &state,
            &SpecialNeedsUpdate {
                individual_no: "I-0001031".into(),
                ssr_codes: vec!["WCHR".into()],
                notes: String::new(),
                vulnerabilities: vec!["SAD".into()],
            },
        )
        .unwrap_err();
        assert!(
            e.message().contains("'SAD' is not a vulnerability"),
            "{}",
            e.message()
        );
        assert_eq!(status::status(&state).unwrap().pending_changes, before);
    }
}
