//! Special needs (IATA SSR codes and notes) and vulnerabilities of a case's members: reading
//! them, and changing them through the store's field edits (`ssr_codes`,
//! `special_needs_notes`, `vulnerabilities`), which the outbox syncs.

use serde::Serialize;
use waypoint_domain::{Field, Individual, Role, SsrCode, Vulnerability, may_see};
use waypoint_store::{CaseView, Store};

use crate::lookup::{self, number};
use crate::{AppError, Context, SignedIn};

/// One member's special needs as a role may see them: a part the role may not see is `None`
/// (and named in `hidden`), never an empty list that would read as "no needs".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberNeeds {
    pub individual_no: String,
    pub case_no: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssr_codes: Option<Vec<SsrCode>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vulnerabilities: Option<Vec<Vulnerability>>,
    /// The fields (import CSV names) the role may not see, so not given.
    pub hidden: Vec<&'static str>,
}

impl MemberNeeds {
    /// `member`'s needs as `role` may see them (`member` was read as that role already).
    pub fn of(member: &Individual, role: Role) -> Self {
        let seen = |f: Field| may_see(role, f);
        Self {
            individual_no: member.individual_no.clone(),
            case_no: member.case_no.clone(),
            ssr_codes: seen(Field::SsrCodes).then(|| member.special_needs.ssr_codes.clone()),
            notes: member
                .special_needs
                .notes
                .clone()
                .filter(|_| seen(Field::SpecialNeedsNotes)),
            vulnerabilities: seen(Field::Vulnerabilities).then(|| member.vulnerabilities.clone()),
            hidden: [
                Field::SsrCodes,
                Field::SpecialNeedsNotes,
                Field::Vulnerabilities,
            ]
            .into_iter()
            .filter(|f| !seen(*f))
            .map(|f| f.column())
            .collect(),
        }
    }
}

/// New special needs of one individual; each part given replaces the stored one, a part left
/// `None` stays as it is (the desktop sends only what the role may change).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NeedsUpdate {
    pub individual_no: String,
    pub ssr_codes: Option<Vec<String>>,
    /// Blank clears the notes.
    pub notes: Option<String>,
    pub vulnerabilities: Option<Vec<String>>,
}

/// The needs of every member of case `number`, or of the individual `number`.
pub fn list(
    store: &Store,
    who: &SignedIn,
    number_given: &str,
) -> Result<Vec<MemberNeeds>, AppError> {
    let wanted = number(number_given);
    if let Some(view) = store.case_as(who.role, &wanted)? {
        return Ok(view
            .case
            .members
            .iter()
            .map(|m| MemberNeeds::of(m, who.role))
            .collect());
    }
    let Some(case_no) = lookup::case_no_of(store, &wanted)? else {
        return Err(AppError::UnknownNumber(wanted));
    };
    let view = lookup::case(store, who.role, &case_no)?;
    Ok(view
        .case
        .members
        .iter()
        .filter(|m| m.individual_no == wanted)
        .map(|m| MemberNeeds::of(m, who.role))
        .collect())
}

/// Replaces the parts of one individual's needs that `update` gives. Every right and every
/// value is checked before any is saved, so a refused or bad one changes nothing. Gives the
/// individual's case after the change, as the role sees it.
pub fn update(
    store: &mut Store,
    who: &SignedIn,
    ctx: &Context,
    update: &NeedsUpdate,
) -> Result<CaseView, AppError> {
    let today = ctx.today();
    let individual_no = number(&update.individual_no);
    let values: Vec<(Field, String)> = [
        update
            .ssr_codes
            .as_ref()
            .map(|c| (Field::SsrCodes, c.join(";"))),
        update
            .notes
            .as_ref()
            .map(|n| (Field::SpecialNeedsNotes, n.clone())),
        update
            .vulnerabilities
            .as_ref()
            .map(|v| (Field::Vulnerabilities, v.join(";"))),
    ]
    .into_iter()
    .flatten()
    .collect();
    if lookup::case_no_of(store, &individual_no)?.is_none() {
        return Err(AppError::UnknownIndividual(individual_no));
    }
    for (field, raw) in &values {
        store.require_edit(who.role, *field)?;
        field
            .normalize(raw, today)
            .map_err(|error| waypoint_store::StoreError::InvalidValue {
                field: *field,
                error,
            })?;
    }
    for (field, raw) in &values {
        store.set_field_as(who.role, &individual_no, *field, raw, today)?;
    }
    lookup::case_of_individual(store, who.role, &individual_no)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;
    use waypoint_store::StoreError;

    fn member<'a>(view: &'a CaseView, no: &str) -> &'a Individual {
        view.case
            .members
            .iter()
            .find(|m| m.individual_no == no)
            .unwrap()
    }

    #[test]
    fn a_case_or_one_member_is_listed_as_the_role_may_see_it() {
        let (_dir, store) = testing::store();
        let all = list(&store, &testing::supervisor(), "kgl-2025-000102").unwrap();
        assert_eq!(all.len(), 1);
        let codes: Vec<&str> = all[0]
            .ssr_codes
            .as_ref()
            .unwrap()
            .iter()
            .map(|c| c.as_str())
            .collect();
        assert_eq!(codes, ["WCHS", "DBML"]);
        assert!(all[0].notes.as_deref().unwrap().contains("Insulin"));
        assert!(all[0].hidden.is_empty());
        let one = list(&store, &testing::supervisor(), "I-0001031").unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].individual_no, "I-0001031");
        // Data processing sees the codes, not the notes or the vulnerabilities.
        let clerk = SignedIn::new("Test Clerk", Role::DataProcessing);
        let seen = list(&store, &clerk, "KGL-2025-000102").unwrap();
        assert!(seen[0].ssr_codes.is_some());
        assert_eq!(seen[0].notes, None);
        assert_eq!(seen[0].vulnerabilities, None);
        assert_eq!(seen[0].hidden, ["special_needs_notes", "vulnerabilities"]);
        let e = list(&store, &clerk, "NOPE-1").unwrap_err();
        assert!(e.to_string().contains("no case or individual"), "{e}");
    }

    #[test]
    fn edits_go_through_the_store_and_the_outbox() {
        let (_dir, mut store) = testing::store();
        let who = SignedIn::new("Test Fielder", Role::FieldAssistant);
        let before = store.outbox(1000).unwrap().len();
        let view = update(
            &mut store,
            &who,
            &testing::context(),
            &NeedsUpdate {
                individual_no: "i-0001031".into(),
                ssr_codes: Some(vec!["wchr".into(), "DBML".into()]),
                notes: Some("Uses a cane".into()),
                vulnerabilities: Some(vec!["DISABILITY".into()]),
            },
        )
        .unwrap();
        let m = member(&view, "I-0001031");
        let codes: Vec<&str> = m
            .special_needs
            .ssr_codes
            .iter()
            .map(|c| c.as_str())
            .collect();
        assert_eq!(codes, ["WCHR", "DBML"]);
        assert_eq!(m.special_needs.notes.as_deref(), Some("Uses a cane"));
        assert_eq!(m.vulnerabilities, [Vulnerability::Disability]);
        assert_eq!(store.outbox(1000).unwrap().len(), before + 3);
    }

    #[test]
    fn a_bad_value_changes_nothing() {
        let (_dir, mut store) = testing::store();
        let who = SignedIn::new("Test Fielder", Role::FieldAssistant);
        let before = store.outbox(1000).unwrap().len();
        let e = update(
            &mut store,
            &who,
            &testing::context(),
            &NeedsUpdate {
                individual_no: "I-0001031".into(),
                ssr_codes: Some(vec!["WCHR".into()]),
                notes: Some(String::new()),
                vulnerabilities: Some(vec!["SAD".into()]),
            },
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("'SAD' is not a vulnerability"),
            "{e}"
        );
        assert_eq!(store.outbox(1000).unwrap().len(), before);
    }

    /// Data processing may not change vulnerabilities (it does not even see them); a POE
    /// associate may not change special needs at all: refused, with the reason, and nothing is
    /// saved. A supervisor may.
    #[test]
    fn a_role_may_change_only_what_the_table_lets_it() {
        let (_dir, mut store) = testing::store();
        let ctx = testing::context();
        let before = store.outbox(1000).unwrap().len();
        let clerk = SignedIn::new("Test Clerk", Role::DataProcessing);
        let e = update(
            &mut store,
            &clerk,
            &ctx,
            &NeedsUpdate {
                individual_no: "I-0001031".into(),
                ssr_codes: Some(vec!["WCHR".into()]),
                vulnerabilities: Some(vec!["DISABILITY".into()]),
                ..NeedsUpdate::default()
            },
        )
        .unwrap_err();
        assert!(
            matches!(e, AppError::Store(StoreError::NotAllowed { .. })),
            "{e}"
        );
        assert!(
            e.to_string().contains("may not change vulnerabilities"),
            "{e}"
        );
        assert_eq!(store.outbox(1000).unwrap().len(), before);
        let poe = SignedIn::new("Test Porter", Role::PoeAssociate);
        let e = update(
            &mut store,
            &poe,
            &ctx,
            &NeedsUpdate {
                individual_no: "I-0001031".into(),
                ssr_codes: Some(vec!["WCHR".into()]),
                ..NeedsUpdate::default()
            },
        )
        .unwrap_err();
        assert!(
            matches!(e, AppError::Store(StoreError::NotAllowed { .. })),
            "{e}"
        );
        let view = update(
            &mut store,
            &testing::supervisor(),
            &ctx,
            &NeedsUpdate {
                individual_no: "I-0001031".into(),
                ssr_codes: Some(vec!["WCHR".into()]),
                notes: Some("Walks slowly".into()),
                vulnerabilities: Some(vec!["DISABILITY".into(), "ELDERLY".into()]),
            },
        )
        .unwrap();
        let m = member(&view, "I-0001031");
        assert_eq!(
            m.vulnerabilities,
            [Vulnerability::Disability, Vulnerability::Elderly]
        );
    }
}
