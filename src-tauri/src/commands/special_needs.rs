//! Special needs (SSR codes, notes) and vulnerabilities: the SSR table in three languages, and
//! edits through `waypoint_app::special_needs`.

use waypoint_app::special_needs::{self, NeedsUpdate};
use waypoint_domain::{SSR_CODES, Vulnerability};

use super::cases;
use crate::dto::{Localized, Member, SpecialNeedsOptions, SpecialNeedsUpdate, SsrCode};
use crate::error::CommandError;
use waypoint_app::session::Session;

pub fn special_needs_options() -> SpecialNeedsOptions {
    SpecialNeedsOptions {
        ssr_codes: SSR_CODES
            .iter()
            .map(|s| SsrCode {
                code: s.code.to_string(),
                category: s.category,
                description: Localized {
                    en: s.en.to_string(),
                    fr: s.fr.to_string(),
                    es: s.es.to_string(),
                },
            })
            .collect(),
        vulnerabilities: Vulnerability::ALL.to_vec(),
    }
}

/// Replaces one individual's SSR codes, notes and vulnerabilities (those given: the UI sends
/// only what the role signed in may change); `waypoint_app::special_needs` checks every right
/// and value before any is saved.
pub fn update_special_needs(
    state: &Session,
    update: &SpecialNeedsUpdate,
) -> Result<Member, CommandError> {
    let individual_no = update.individual_no.trim().to_ascii_uppercase();
    let view = {
        let mut store = state.store()?;
        let who = store.who();
        let update = NeedsUpdate {
            individual_no: individual_no.clone(),
            ssr_codes: update.ssr_codes.clone(),
            notes: update.notes.clone(),
            vulnerabilities: update.vulnerabilities.clone(),
        };
        special_needs::update(&mut store, &who, &state.context(), &update)?
    };
    let site = state.site_for(&view.case.site);
    view.case
        .members
        .iter()
        .find(|m| m.individual_no == individual_no)
        .map(|m| cases::member(state, &view, m, &site))
        .ok_or_else(|| waypoint_app::AppError::UnknownIndividual(individual_no).into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::{status, testing};
    use waypoint_domain::{Role, SsrCategory};

    #[test]
    fn the_table_has_three_languages_and_the_vulnerabilities() {
        let o = special_needs_options();
        let wchr = o.ssr_codes.iter().find(|s| s.code == "WCHR").unwrap();
        assert_eq!(wchr.category, SsrCategory::Mobility);
        assert!(wchr.description.fr.contains("Fauteuil"));
        assert!(
            o.vulnerabilities
                .contains(&Vulnerability::UnaccompaniedMinor)
        );
    }

    #[test]
    fn edits_go_through_the_store_and_the_outbox() {
        let (_dir, state) = testing::state_as(Role::FieldAssistant);
        let before = status::status(&state).unwrap().pending_changes;
        let m = update_special_needs(
            &state,
            &SpecialNeedsUpdate {
                individual_no: "i-0001031".into(),
                ssr_codes: Some(vec!["wchr".into(), "DBML".into()]),
                notes: Some("Uses a cane".into()),
                vulnerabilities: Some(vec!["DISABILITY".into()]),
            },
        )
        .unwrap();
        assert_eq!(m.special_needs.ssr_codes, ["WCHR", "DBML"]);
        assert_eq!(m.special_needs.notes.as_deref(), Some("Uses a cane"));
        assert_eq!(m.special_needs.vulnerabilities, [Vulnerability::Disability]);
        assert_eq!(status::status(&state).unwrap().pending_changes, before + 3);
    }

    #[test]
    fn a_bad_value_changes_nothing() {
        let (_dir, state) = testing::state_as(Role::FieldAssistant);
        let before = status::status(&state).unwrap().pending_changes;
        let e = update_special_needs(
            &state,
            &SpecialNeedsUpdate {
                individual_no: "I-0001031".into(),
                ssr_codes: Some(vec!["WCHR".into()]),
                notes: Some(String::new()),
                vulnerabilities: Some(vec!["SAD".into()]),
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

    /// Data processing may not change vulnerabilities (it does not even see them); a POE
    /// associate may not change special needs at all: refused, with the reason, and nothing is
    /// saved. A supervisor may (and settles conflicts of them).
    #[test]
    fn a_role_may_change_only_what_the_table_lets_it() {
        let (_dir, state) = testing::state();
        let (_dp_dir, data_processing) = testing::state_as(Role::DataProcessing);
        let before = status::status(&data_processing).unwrap().pending_changes;
        let e = update_special_needs(
            &data_processing,
            &SpecialNeedsUpdate {
                individual_no: "I-0001031".into(),
                ssr_codes: None,
                notes: None,
                vulnerabilities: Some(vec!["DISABILITY".into()]),
            },
        )
        .unwrap_err();
        assert_eq!(e.failure_kind(), crate::error::FailureKind::NotAllowed);
        assert!(
            e.message().contains("may not change vulnerabilities"),
            "{}",
            e.message()
        );
        assert_eq!(
            status::status(&data_processing).unwrap().pending_changes,
            before
        );
        assert_eq!(status::status(&state).unwrap().pending_changes, before);
        // What a supervisor may change goes through.
        let m = update_special_needs(
            &state,
            &SpecialNeedsUpdate {
                individual_no: "I-0001031".into(),
                ssr_codes: Some(vec!["WCHR".into()]),
                notes: Some("Walks slowly".into()),
                vulnerabilities: Some(vec!["DISABILITY".into(), "ELDERLY".into()]),
            },
        )
        .unwrap();
        assert_eq!(m.special_needs.ssr_codes, ["WCHR"]);
        assert_eq!(
            m.special_needs.vulnerabilities,
            [
                waypoint_domain::Vulnerability::Disability,
                waypoint_domain::Vulnerability::Elderly
            ]
        );
        let (_dir, poe) = testing::state_as(Role::PoeAssociate);
        let e = update_special_needs(
            &poe,
            &SpecialNeedsUpdate {
                individual_no: "I-0001031".into(),
                ssr_codes: Some(vec!["WCHR".into()]),
                notes: None,
                vulnerabilities: None,
            },
        )
        .unwrap_err();
        assert_eq!(
            e.failure_kind(),
            crate::error::FailureKind::NotAllowed,
            "{}",
            e.message()
        );
    }
}
