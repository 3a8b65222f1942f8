//! The logic of every command, as plain functions over [`Session`](waypoint_app::session::Session):
//! they only translate calls into the core crates and results into [`crate::dto`] types. The
//! `#[tauri::command]` wrappers in [`crate::shell`] call these; the tests call them directly.

pub mod bookings;
pub mod cases;
pub mod checks;
pub mod conflicts;
pub mod counselling;
pub mod custody;
pub mod history;
pub mod import;
pub mod journey;
pub mod search;
pub mod session;
pub mod special_needs;
pub mod status;
pub mod sync;

use chrono::NaiveDate;
use waypoint_domain::PartialDate;

use crate::dto::{self, AgeRange};

/// The age range of a canonical date of birth on `today`, if it is known at all.
pub(crate) fn age(date_of_birth: &str, today: NaiveDate) -> Option<AgeRange> {
    PartialDate::parse(date_of_birth)
        .ok()?
        .age_on(today)
        .map(|a| AgeRange {
            min: a.min,
            max: a.max,
        })
}

pub(crate) fn custodian_to_dto(c: &waypoint_domain::Custodian) -> dto::Custodian {
    use waypoint_domain::Custodian as C;
    match c {
        C::Individual { individual_no } => dto::Custodian::Individual {
            individual_no: individual_no.clone(),
        },
        C::Staff { name } => dto::Custodian::Staff { name: name.clone() },
        C::Storage { place } => dto::Custodian::Storage {
            place: place.clone(),
        },
        C::TravelBag { case_no } => dto::Custodian::TravelBag {
            case_no: case_no.clone(),
        },
        C::Authority { name } => dto::Custodian::Authority { name: name.clone() },
    }
}

pub(crate) fn custodian_from_dto(c: &dto::Custodian) -> waypoint_domain::Custodian {
    use waypoint_domain::Custodian as C;
    let t = |s: &str| s.trim().to_string();
    match c {
        dto::Custodian::Individual { individual_no } => C::Individual {
            individual_no: individual_no.trim().to_ascii_uppercase(),
        },
        dto::Custodian::Staff { name } => C::Staff { name: t(name) },
        dto::Custodian::Storage { place } => C::Storage { place: t(place) },
        dto::Custodian::TravelBag { case_no } => C::TravelBag {
            case_no: case_no.trim().to_ascii_uppercase(),
        },
        dto::Custodian::Authority { name } => C::Authority { name: t(name) },
    }
}

pub(crate) fn outcome_to_dto(o: &waypoint_domain::CheckOutcome) -> dto::CheckOutcome {
    use waypoint_domain::CheckOutcome as O;
    match o {
        O::Verified => dto::CheckOutcome::Verified,
        O::Mismatch { reason } => dto::CheckOutcome::Mismatch {
            reason: reason.clone(),
        },
        O::NotVerified { reason } => dto::CheckOutcome::NotVerified {
            reason: reason.clone(),
        },
    }
}

/// `None` for a field this version does not know (recorded by a newer one): the window words
/// a mismatch by its field's code.
pub(crate) fn mismatch_to_dto(m: &waypoint_domain::Mismatch) -> Option<dto::Mismatch> {
    Some(dto::Mismatch {
        field: waypoint_domain::Field::from_column(&m.field)?,
        on_record: m.on_record.clone(),
        on_document: m.on_document.clone(),
    })
}

pub(crate) fn transfer_to_dto(t: &waypoint_domain::CustodyTransfer) -> dto::TransferRecord {
    dto::TransferRecord {
        id: t.id.to_string(),
        individual_no: t.individual_no.clone(),
        document_no: t.document_no.clone(),
        from: custodian_to_dto(&t.from),
        to: custodian_to_dto(&t.to),
        location: t.location.clone(),
        site: t.site.clone(),
        recorded_by: t.recorded_by.clone(),
        at: t.at.to_rfc3339(),
    }
}

pub(crate) fn session_to_dto(s: &waypoint_domain::CounsellingSession) -> dto::CounsellingRecord {
    dto::CounsellingRecord {
        id: s.id.to_string(),
        case_no: s.case_no.clone(),
        programme: s.programme.clone(),
        topics_covered: s.topics_covered.clone(),
        attendees: s.attendees.clone(),
        language: s.language.clone(),
        interpreter: s.interpreter.clone(),
        counsellor: s.counsellor.clone(),
        held_at: s.held_at.to_rfc3339(),
        duration_minutes: s.duration_minutes,
        notes: s.notes.clone(),
        complete: s.complete,
        site: s.site.clone(),
    }
}

pub(crate) fn document_custody_to_dto(
    d: &waypoint_domain::DocumentCustody,
) -> dto::DocumentCustody {
    dto::DocumentCustody {
        individual_no: d.individual_no.clone(),
        holder_name: d.holder_name.clone(),
        document_type: waypoint_domain::DocumentType::parse(&d.document_type).ok(),
        document_no: d.document_no.clone(),
        current: d.current().map(custodian_to_dto),
        location: d.location().map(str::to_string),
        chain: d.chain.iter().map(transfer_to_dto).collect(),
    }
}

pub(crate) fn checklist_to_dto(c: &waypoint_domain::Checklist) -> dto::SopProgramme {
    let text = |l: &waypoint_domain::Localized| dto::Localized {
        en: l.en.clone(),
        fr: l.fr.clone(),
        es: l.es.clone(),
    };
    dto::SopProgramme {
        programme: c.programme.clone(),
        name: text(&c.name),
        sop_version: c.sop_version.clone(),
        topics: c
            .topics
            .iter()
            .map(|t| dto::SopTopic {
                id: t.id.clone(),
                mandatory: t.mandatory,
                title: text(&t.title),
            })
            .collect(),
    }
}

/// The event as the window lists it; `None` for a kind it does not list yet (holds and
/// cancellations, shown by the journey; bookings, their acknowledgements and ABN versions).
pub(crate) fn event_to_dto(e: &waypoint_domain::FieldEvent) -> Option<dto::EventRecord> {
    use waypoint_domain::FieldEvent as E;
    Some(match e {
        E::IdentityCheck(c) => dto::EventRecord::IdentityCheck(dto::IdentityCheckRecord {
            id: c.id.to_string(),
            individual_no: c.individual_no.clone(),
            document_no: c.document_no.clone(),
            outcome: outcome_to_dto(&c.outcome),
            mismatches: c.mismatches.iter().filter_map(mismatch_to_dto).collect(),
            site: c.site.clone(),
            checked_by: c.checked_by.clone(),
            checked_at: c.checked_at.to_rfc3339(),
        }),
        E::CounsellingSession(s) => dto::EventRecord::CounsellingSession(session_to_dto(s)),
        E::CustodyTransfer(t) => dto::EventRecord::CustodyTransfer(transfer_to_dto(t)),
        E::ExitPermit(p) => dto::EventRecord::ExitPermit(exit_permit_to_dto(p)),
        E::Booking(_)
        | E::WarningAcknowledgement(_)
        | E::AbnVersion(_)
        | E::Journey(_)
        | E::TravelBag(_)
        | E::DepartureNotice(_)
        | E::ArrivalStep(_)
        | E::Incident(_) => {
            return None;
        }
        // Departure day (manifests, boarding, items handed) has no screen yet.
        E::Manifest(_) | E::Boarding(_) | E::ItemsHanded(_) => return None,
    })
}

pub(crate) fn exit_permit_to_dto(p: &waypoint_domain::ExitPermitEvent) -> dto::ExitPermitRecord {
    let details = step_details(&p.step);
    dto::ExitPermitRecord {
        id: p.id.to_string(),
        individual_no: p.individual_no.clone(),
        case_no: p.case_no.clone(),
        step: p.step.status(),
        on: p.step.on().map(|d| d.to_string()),
        authority: details.authority,
        reference: details.reference,
        reason: details.reason,
        text: details.text,
        solution: details.solution,
        site: p.site.clone(),
        recorded_by: p.recorded_by.clone(),
        at: p.at.to_rfc3339(),
    }
}

/// What an exit-permit step says besides its kind and day; `None` where the step has nothing.
#[derive(Default)]
pub(crate) struct StepDetails {
    pub authority: Option<String>,
    pub reference: Option<String>,
    pub reason: Option<waypoint_domain::DenialReason>,
    pub text: Option<String>,
    pub solution: Option<String>,
}

pub(crate) fn step_details(step: &waypoint_domain::ExitPermitStep) -> StepDetails {
    use waypoint_domain::ExitPermitStep as S;
    match step {
        S::NotRequired { .. } | S::Requested { .. } => StepDetails::default(),
        S::Submitted { authority, .. } => StepDetails {
            authority: Some(authority.clone()),
            ..StepDetails::default()
        },
        S::Approved { reference, .. } => StepDetails {
            reference: Some(reference.clone()),
            ..StepDetails::default()
        },
        S::Denied {
            reason,
            text,
            solution,
            ..
        } => StepDetails {
            reason: Some(*reason),
            text: Some(text.clone()),
            solution: solution.clone(),
            ..StepDetails::default()
        },
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! A real store in a temporary directory, loaded with the sample cases.
    #![allow(clippy::unwrap_used)]

    use chrono::{DateTime, TimeZone, Utc};
    use waypoint_store::Store;

    use waypoint_app::session::Session;

    pub const SAMPLE: &str = include_str!("../../../tests/fixtures/sample-cases.csv");

    /// The sample cases, loaded by a supervisor, then signed in as someone of `role`.
    pub fn state_as(role: waypoint_domain::Role) -> (tempfile::TempDir, Session) {
        let (dir, state) = state();
        let name = format!("Staff {role}");
        state
            .store()
            .unwrap()
            .add_local_staff("A. Officer", &name, role)
            .unwrap();
        state.lock(crate::dto::LockReason::Manual);
        drop(state);
        let signed = signed_in(dir.path(), &name);
        (dir, signed)
    }

    /// An app state signed in as `name` on the store in `dir` (opened with a fixed key).
    pub fn signed_in(dir: &std::path::Path, name: &str) -> Session {
        let store = Store::open(dir, &waypoint_store::StoreKey::from_bytes([7; 32])).unwrap();
        let state = Session::locked(dir.to_path_buf(), None, None).with_clock(now);
        let outcome = state.open_with(store, name).unwrap();
        assert!(
            matches!(outcome, waypoint_app::session::SignInOutcome::SignedIn),
            "{outcome:?}"
        );
        state
    }

    pub fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 11, 25, 9, 30, 0).unwrap()
    }

    /// An app state over a fresh store holding the sample cases; keep the directory alive.
    pub fn state() -> (tempfile::TempDir, Session) {
        let dir = tempfile::tempdir().unwrap();
        let state = signed_in(dir.path(), "A. Officer");
        let outcome = super::import::import_csv(
            &state,
            &crate::dto::ImportRequest {
                file_name: "sample-cases.csv".into(),
                content: SAMPLE.into(),
                partial: false,
                dry_run: false,
            },
            &mut |_| {},
        )
        .unwrap();
        assert!(!outcome.rejected, "{outcome:?}");
        (dir, state)
    }
}
