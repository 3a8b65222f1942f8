//! Pre-departure counselling: the programme's checklist from its SOP file; a session cannot be
//! saved as complete until every mandatory topic is covered (`waypoint_app::counselling`).

use waypoint_app::counselling::{self, NewSession};

use super::{checklist_to_dto, session_to_dto};
use crate::dto::{CounsellingRecord, CounsellingRequest, SopProgramme};
use crate::error::CommandError;
use waypoint_app::session::Session;

/// Every programme's checklist.
pub fn counselling_programmes() -> Vec<SopProgramme> {
    counselling::programmes()
        .iter()
        .map(checklist_to_dto)
        .collect()
}

pub fn record_counselling(
    state: &Session,
    request: &CounsellingRequest,
) -> Result<CounsellingRecord, CommandError> {
    let mut store = state.store()?;
    let who = store.who();
    let session = NewSession {
        case_no: request.case_no.clone(),
        programme: request.programme.clone(),
        topics_covered: request.topics_covered.clone(),
        attendees: request.attendees.clone(),
        language: request.language.clone(),
        interpreter: request.interpreter.clone(),
        duration_minutes: request.duration_minutes,
        notes: request.notes.clone(),
        complete: request.complete,
    };
    let recorded = counselling::record_session(&mut store, &who, &state.context(), &session)?;
    Ok(session_to_dto(&recorded))
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
        let all = counselling_programmes();
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
        let sop = counselling::checklists().get("RELOCATION").unwrap().clone();
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
