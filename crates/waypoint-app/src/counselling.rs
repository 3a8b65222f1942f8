//! Pre-departure counselling: the programmes' checklists, a case's sessions, and recording a
//! session (refused as complete until every mandatory topic of its checklist is covered).

use std::sync::OnceLock;

use uuid::Uuid;
use waypoint_domain::{Action, Checklist, Checklists, CounsellingSession, FieldEvent};
use waypoint_store::Store;
use waypoint_store::roles::redact_event;

use crate::lookup::{self, non_blank, number};
use crate::{AppError, Context, SignedIn};

/// A counselling session as the counsellor reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    pub case_no: String,
    /// The programme whose checklist was followed, e.g. `USRAP`.
    pub programme: String,
    /// Topic ids of that checklist.
    pub topics_covered: Vec<String>,
    /// Individual numbers of those who attended (members of the case).
    pub attendees: Vec<String>,
    /// ISO 639 code of the session's language.
    pub language: String,
    pub interpreter: Option<String>,
    pub duration_minutes: u32,
    pub notes: Option<String>,
    /// Save as complete: refused unless every mandatory topic is covered.
    pub complete: bool,
}

/// The checklists shipped with Waypoint, read once.
pub fn checklists() -> &'static Checklists {
    static SHIPPED: OnceLock<Checklists> = OnceLock::new();
    SHIPPED.get_or_init(Checklists::shipped)
}

/// Every programme's checklist.
pub fn programmes() -> Vec<Checklist> {
    checklists().all().cloned().collect()
}

/// The sessions recorded with case `case_no`, oldest first; notes are left out for a role
/// that may not see medical notes (they often hold them).
pub fn sessions(
    store: &Store,
    who: &SignedIn,
    case_no: &str,
) -> Result<Vec<CounsellingSession>, AppError> {
    let view = lookup::case(store, who.role, case_no)?;
    let mut sessions: Vec<CounsellingSession> = view
        .events
        .into_iter()
        .filter_map(|e| match e.event {
            FieldEvent::CounsellingSession(s) => Some(s),
            _ => None,
        })
        .collect();
    sessions.sort_by_key(|s| s.held_at);
    Ok(sessions)
}

/// Records a session held now by `who`, and gives it as recorded (as their role may see it).
pub fn record_session(
    store: &mut Store,
    who: &SignedIn,
    ctx: &Context,
    session: &NewSession,
) -> Result<CounsellingSession, AppError> {
    store.require(who.role, Action::Counselling)?;
    let view = lookup::case(store, who.role, &session.case_no)?;
    let programme = number(&session.programme);
    let checklist = checklists()
        .get(&programme)
        .ok_or_else(|| AppError::NoChecklist(programme.clone()))?;
    let topics: Vec<String> = session
        .topics_covered
        .iter()
        .map(|t| t.trim().to_string())
        .collect();
    checklist.check_session(&topics, session.complete)?;
    let mut event = FieldEvent::CounsellingSession(CounsellingSession {
        id: Uuid::now_v7(),
        case_no: view.case.case_no.clone(),
        programme: Some(programme),
        topics_covered: topics,
        attendees: session.attendees.iter().map(|a| number(a)).collect(),
        language: session.language.trim().to_ascii_lowercase(),
        interpreter: non_blank(session.interpreter.as_deref()),
        counsellor: who.name.clone(),
        held_at: ctx.now,
        duration_minutes: session.duration_minutes,
        notes: non_blank(session.notes.as_deref()),
        complete: session.complete,
        site: ctx.site_for(&view.case.site),
    });
    store.record_event_as(who.role, &event)?;
    redact_event(who.role, &mut event);
    match event {
        FieldEvent::CounsellingSession(s) => Ok(s),
        _ => Err(AppError::invalid("the session was not recorded")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;
    use waypoint_domain::Role;
    use waypoint_store::StoreError;

    fn session(topics: &[&str], complete: bool) -> NewSession {
        NewSession {
            case_no: "kgl-2025-000104".into(),
            programme: "relocation".into(),
            topics_covered: topics.iter().map(|t| t.to_string()).collect(),
            attendees: vec!["i-0001030".into()],
            language: "FR".into(),
            interpreter: Some("  ".into()),
            duration_minutes: 45,
            notes: Some("Asked about luggage allowance".into()),
            complete,
        }
    }

    fn mandatory(programme: &str) -> Vec<&'static str> {
        checklists()
            .get(programme)
            .unwrap()
            .topics
            .iter()
            .filter(|t| t.mandatory)
            .map(|t| t.id.as_str())
            .collect()
    }

    #[test]
    fn programmes_come_from_the_sop_files() {
        let all = programmes();
        assert!(all.iter().any(|p| p.programme == "USRAP"));
        assert!(all.iter().any(|p| p.programme == "RELOCATION"));
    }

    #[test]
    fn complete_needs_every_mandatory_topic() {
        let (_dir, mut store) = testing::store();
        let (who, ctx) = (testing::supervisor(), testing::context());
        let e = record_session(
            &mut store,
            &who,
            &ctx,
            &session(&["travel_documents"], true),
        )
        .unwrap_err();
        assert!(e.to_string().contains("cannot be saved as complete"), "{e}");
        assert!(
            sessions(&store, &who, "KGL-2025-000104")
                .unwrap()
                .is_empty()
        );
        // Saved as incomplete, it is recorded.
        let s = record_session(
            &mut store,
            &who,
            &ctx,
            &session(&["travel_documents"], false),
        )
        .unwrap();
        assert!(!s.complete);
        assert_eq!(s.interpreter, None);
        assert_eq!(s.language, "fr");
        assert_eq!(s.attendees, ["I-0001030"]);
        let s = record_session(
            &mut store,
            &who,
            &ctx,
            &session(&mandatory("RELOCATION"), true),
        )
        .unwrap();
        assert!(s.complete);
        assert_eq!(s.counsellor, testing::OFFICER);
        assert_eq!(s.site, "KGL-TC1");
        let listed = sessions(&store, &who, "KGL-2025-000104").unwrap();
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[1], s);
    }

    #[test]
    fn strangers_unknown_topics_and_programmes_are_refused() {
        let (_dir, mut store) = testing::store();
        let (who, ctx) = (testing::supervisor(), testing::context());
        let e = record_session(&mut store, &who, &ctx, &session(&["juggling"], false)).unwrap_err();
        assert!(e.to_string().contains("not a topic"), "{e}");
        let mut s = session(&[], false);
        s.attendees = vec!["I-0001001".into()];
        let e = record_session(&mut store, &who, &ctx, &s).unwrap_err();
        assert!(e.to_string().contains("is not a member of case"), "{e}");
        let mut s = session(&[], false);
        s.programme = "NOPE".into();
        let e = record_session(&mut store, &who, &ctx, &s).unwrap_err();
        assert!(e.to_string().contains("no counselling checklist"), "{e}");
    }

    /// POE staff may not counsel; a field assistant may, and their notes are then hidden from
    /// data processing, who do not see medical notes.
    #[test]
    fn the_role_decides_who_counsels_and_who_reads_the_notes() {
        let (_dir, mut store) = testing::store();
        let ctx = testing::context();
        let poe = SignedIn::new("Test Porter", Role::PoeAssociate);
        let e = record_session(&mut store, &poe, &ctx, &session(&[], false)).unwrap_err();
        assert!(
            matches!(e, AppError::Store(StoreError::NotAllowed { .. })),
            "{e}"
        );
        let field = SignedIn::new("Test Fielder", Role::FieldAssistant);
        let s = record_session(&mut store, &field, &ctx, &session(&[], false)).unwrap();
        assert_eq!(s.notes.as_deref(), Some("Asked about luggage allowance"));
        let clerk = SignedIn::new("Test Clerk", Role::DataProcessing);
        let seen = sessions(&store, &clerk, "KGL-2025-000104").unwrap();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].notes, None);
        assert_eq!(seen[0].counsellor, "Test Fielder");
    }
}
