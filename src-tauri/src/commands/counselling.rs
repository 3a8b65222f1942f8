//! Pre-departure counselling: the programme's checklist from its SOP file; a session cannot be
//! saved as complete until every mandatory topic is covered.

use uuid::Uuid;
use waypoint_domain::{CounsellingSession, FieldEvent};

use super::{cases, event_to_dto, non_blank};
use crate::dto::{CounsellingRecord, CounsellingRequest, EventRecord, SopProgramme};
use crate::error::CommandError;
use crate::state::AppState;

/// Every programme's checklist.
pub fn counselling_programmes(state: &AppState) -> Vec<SopProgramme> {
    state.sops.all().cloned().collect()
}

pub fn record_counselling(
    state: &AppState,
    request: &CounsellingRequest,
) -> Result<CounsellingRecord, CommandError> {
    let view = cases::load(state, &request.case_no)?;
    let programme = request.programme.trim().to_ascii_uppercase();
    let sop = state.sops.get(&programme).ok_or_else(|| {
        CommandError::invalid(format!(
            "there is no counselling checklist for programme {programme}"
        ))
    })?;
    if let Some(unknown) = request
        .topics_covered
        .iter()
        .find(|t| !sop.topics.iter().any(|s| &s.id == *t))
    {
        return Err(CommandError::invalid(format!(
            "'{unknown}' is not a topic of the {programme} checklist"
        )));
    }
    if request.complete {
        let missing: Vec<&str> = sop
            .topics
            .iter()
            .filter(|t| t.mandatory && !request.topics_covered.contains(&t.id))
            .map(|t| t.title.en.as_str())
            .collect();
        if !missing.is_empty() {
            return Err(CommandError::invalid(format!(
                "the session cannot be saved as complete: mandatory topics not covered: {}",
                missing.join("; ")
            )));
        }
    }
    let event = FieldEvent::CounsellingSession(CounsellingSession {
        id: Uuid::now_v7(),
        case_no: view.case.case_no.clone(),
        programme: Some(programme),
        topics_covered: request.topics_covered.clone(),
        attendees: request
            .attendees
            .iter()
            .map(|a| a.trim().to_ascii_uppercase())
            .collect(),
        language: request.language.trim().to_ascii_lowercase(),
        interpreter: non_blank(request.interpreter.as_deref()),
        counsellor: String::new(),
        held_at: state.now(),
        duration_minutes: request.duration_minutes,
        notes: non_blank(request.notes.as_deref()),
        complete: request.complete,
        site: state.site_for(&view.case.site),
    });
    let event = super::record(state, event)?;
    match event_to_dto(&event) {
        EventRecord::CounsellingSession(s) => Ok(s),
        _ => Err(CommandError::invalid("the session was not recorded")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testing;

    fn request(topics: &[&str], complete: bool) -> CounsellingRequest {
        CounsellingRequest {
            case_no: "KGL-2025-000104".into(),
            programme: "RELOCATION".into(),
            topics_covered: topics.iter().map(|t| t.to_string()).collect(),
            attendees: vec!["I-0001030".into()],
            language: "fr".into(),
            interpreter: Some("  ".into()),
            duration_minutes: 45,
            notes: None,
            complete,
        }
    }

    #[test]
    fn programmes_come_from_the_sop_files() {
        let (_dir, state) = testing::state();
        let all = counselling_programmes(&state);
        assert!(all.iter().any(|p| p.programme == "USRAP"));
        assert!(all.iter().any(|p| p.programme == "RELOCATION"));
    }

    #[test]
    fn complete_needs_every_mandatory_topic() {
        let (_dir, state) = testing::state();
        let e = record_counselling(&state, &request(&["travel_documents"], true)).unwrap_err();
        assert!(
            e.message().contains("cannot be saved as complete"),
            "{}",
            e.message()
        );
        // Saved as incomplete, it is recorded.
        let s = record_counselling(&state, &request(&["travel_documents"], false)).unwrap();
        assert!(!s.complete);
        assert_eq!(s.interpreter, None);
        let sop = state.sops.get("RELOCATION").unwrap().clone();
        let all: Vec<&str> = sop
            .topics
            .iter()
            .filter(|t| t.mandatory)
            .map(|t| t.id.as_str())
            .collect();
        let s = record_counselling(&state, &request(&all, true)).unwrap();
        assert!(s.complete);
        assert_eq!(s.counsellor, "A. Officer");
    }

    #[test]
    fn strangers_and_unknown_topics_are_refused() {
        let (_dir, state) = testing::state();
        let e = record_counselling(&state, &request(&["juggling"], false)).unwrap_err();
        assert!(e.message().contains("not a topic"));
        let mut r = request(&[], false);
        r.attendees = vec!["I-0001001".into()];
        let e = record_counselling(&state, &r).unwrap_err();
        assert!(
            e.message().contains("is not a member of case"),
            "{}",
            e.message()
        );
    }
}
