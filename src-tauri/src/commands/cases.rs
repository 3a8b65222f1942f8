//! The case view: members with relationships and ages, documents and where each physically is,
//! special needs, exit permits, today's events.

use waypoint_app::case_view::CaseView;
use waypoint_app::journey::{DocumentProblem, IndividualJourney, Missing};
use waypoint_domain::{CheckOutcome, FieldEvent, Individual};

use super::{age, document_custody_to_dto, event_to_dto};
use crate::dto::{self, CaseDetail, Member, MemberJourney, MissingItem};
use crate::error::CommandError;
use waypoint_app::session::Session;

pub fn get_case(state: &Session, case_no: &str) -> Result<CaseDetail, CommandError> {
    let view = load(state, case_no)?;
    let journey = {
        let store = state.store()?;
        waypoint_app::journey::of_case(&store, &view.case.case_no, state.today())?
    };
    let mut detail = detail(state, &view);
    detail.journey = journey.individuals.iter().map(member_journey).collect();
    Ok(detail)
}

pub(crate) fn member_journey(j: &IndividualJourney) -> MemberJourney {
    MemberJourney {
        individual_no: j.individual_no.clone(),
        step: j.step,
        missing: j.missing.iter().map(missing_item).collect(),
    }
}

fn missing_item(m: &Missing) -> MissingItem {
    match m {
        Missing::ReadinessRules { programme } => MissingItem::ReadinessRules {
            programme: programme.clone(),
        },
        Missing::IdentityCheck => MissingItem::IdentityCheck,
        Missing::Counselling => MissingItem::Counselling,
        Missing::TravelDocument { problem } => MissingItem::TravelDocument {
            problem: match problem {
                DocumentProblem::NoDocument => "no_document",
                DocumentProblem::NotAccepted { .. } => "not_accepted",
                DocumentProblem::NoNumber => "no_number",
                DocumentProblem::ExpiryUnknown => "expiry_unknown",
                DocumentProblem::ExpiresTooSoon { .. } => "expires_too_soon",
                DocumentProblem::CustodyUnknown => "custody_unknown",
                DocumentProblem::NotHeld { .. } => "not_held",
            }
            .to_string(),
        },
        Missing::ExitPermit { status } => MissingItem::ExitPermit { status: *status },
        Missing::DataProblem { field, .. } => MissingItem::DataProblem { field: *field },
    }
}

/// The case as the role signed in may see it (the store leaves out what it may not).
pub(crate) fn load(state: &Session, case_no: &str) -> Result<CaseView, CommandError> {
    let store = state.store()?;
    Ok(waypoint_app::case_view::case(
        &store,
        store.role(),
        case_no,
    )?)
}

pub(crate) fn detail(state: &Session, view: &CaseView) -> CaseDetail {
    let today = state.today();
    let case = &view.case;
    let site = state.site_for(&case.site);
    let events_today = view
        .events
        .iter()
        .filter(|e| e.event.at().date_naive() == today)
        .filter_map(|e| event_to_dto(&e.event))
        .collect();
    CaseDetail {
        case_no: case.case_no.clone(),
        site: case.site.clone(),
        programme: case.programme.clone(),
        destination: case.destination.map(|d| d.as_str().to_string()),
        destination_name: case
            .destination
            .and_then(|d| d.airport())
            .map(|a| format!("{}, {}", a.name, a.city)),
        abn: case.abn.clone(),
        members: case
            .members
            .iter()
            .map(|m| member(state, view, m, &site))
            .collect(),
        documents: waypoint_domain::document_custody(case, view.events.iter().map(|e| &e.event))
            .iter()
            .map(document_custody_to_dto)
            .collect(),
        events_today,
        working_site: site,
        journey: Vec::new(),
    }
}

pub(crate) fn member(state: &Session, view: &CaseView, m: &Individual, site: &str) -> Member {
    let today = state.today();
    let dob = m.date_of_birth.to_canonical();
    let verified_today = view.events.iter().any(|e| match &e.event {
        FieldEvent::IdentityCheck(c) => {
            c.individual_no == m.individual_no
                && c.site == site
                && c.checked_at.date_naive() == today
                && c.outcome == CheckOutcome::Verified
        }
        _ => false,
    });
    Member {
        individual_no: m.individual_no.clone(),
        relationship: m.relationship,
        family_name: m.family_name.clone(),
        given_names: m.given_names.clone(),
        family_name_native: m.family_name_native.clone(),
        given_names_native: m.given_names_native.clone(),
        sex: m.sex,
        age: age(&dob, today),
        date_of_birth: dob,
        nationality: m.nationality.as_str().to_string(),
        languages: m.languages.clone(),
        phone: m.phone.clone(),
        document: m.document.as_ref().map(|d| dto::Document {
            document_type: d.document_type,
            number: d.number.clone(),
            issuer: d.issuer.as_ref().map(|i| i.as_str().to_string()),
            expiry: d.expiry.map(|e| e.format("%Y-%m-%d").to_string()),
        }),
        special_needs: dto::SpecialNeeds {
            ssr_codes: m
                .special_needs
                .ssr_codes
                .iter()
                .map(|c| c.as_str().to_string())
                .collect(),
            notes: m.special_needs.notes.clone(),
            vulnerabilities: m.vulnerabilities.clone(),
        },
        exit_permit: exit_permit(view, &m.individual_no),
        verified_today,
    }
}

/// Where a member's exit permit stands, from its steps; a denial's words only when the role
/// sees them (the view's events are already redacted for it).
fn exit_permit(view: &CaseView, individual_no: &str) -> Option<dto::ExitPermit> {
    let steps = view.events.iter().filter_map(|e| match &e.event {
        FieldEvent::ExitPermit(p) => Some(p),
        _ => None,
    });
    let state = waypoint_domain::exit_permit_state(individual_no, steps);
    let step = state.current()?;
    Some(dto::ExitPermit {
        status: step.status(),
        denial_reason: match step {
            waypoint_domain::ExitPermitStep::Denied { text, .. } if !text.is_empty() => {
                Some(text.clone())
            }
            _ => None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testing;
    use waypoint_domain::Relationship;

    #[test]
    fn shows_members_ages_documents_and_permits() {
        let (_dir, state) = testing::state();
        let case = get_case(&state, "kgl-2025-000101").unwrap();
        assert_eq!(case.members.len(), 4);
        assert_eq!(
            case.members[0].relationship,
            Relationship::PrincipalApplicant
        );
        assert_eq!(case.destination.as_deref(), Some("ORD"));
        assert!(case.destination_name.is_some());
        let divine = &case.members[2];
        assert_eq!(divine.date_of_birth, "2019-11");
        assert_eq!(divine.age, Some(dto::AgeRange { min: 5, max: 6 }));
        assert_eq!(
            case.members[1].age,
            Some(dto::AgeRange { min: 40, max: 41 })
        );
        assert_eq!(case.documents.len(), 4);
        assert!(case.documents.iter().all(|d| d.current.is_none()));
        assert!(case.events_today.is_empty());
        let denied = get_case(&state, "KGL-2025-000104").unwrap();
        let permit = denied.members[0].exit_permit.as_ref().unwrap();
        assert_eq!(permit.status, waypoint_domain::ExitPermitStatus::Denied);
        assert!(
            permit
                .denial_reason
                .as_deref()
                .unwrap()
                .contains("court case")
        );
        let unknown = get_case(&state, "KGL-2025-000105").unwrap();
        assert_eq!(unknown.members[0].age, None);
    }

    #[test]
    fn an_unknown_case_is_said_plainly() {
        let (_dir, state) = testing::state();
        let e = get_case(&state, "nope").unwrap_err();
        assert_eq!(e.message(), "there is no case with number NOPE");
    }
}
