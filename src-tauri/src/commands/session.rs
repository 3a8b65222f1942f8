//! Sign-in and locks: who is at the screen, and nothing of the store while nobody is.

use waypoint_app::session::{self as app, Session, Standing};
use waypoint_domain::{Action, Field, may, may_edit, may_see};

use crate::dto::{LockReason, SessionInfo, SignInOutcome};
use crate::error::CommandError;

/// Who is signed in and with which rights; or, locked, the name kept and why it locked.
pub fn session(state: &Session) -> SessionInfo {
    session_info(state.standing())
}

/// Signs a person in with their name and PIN (see [`Session::sign_in`]).
pub fn sign_in(state: &Session, name: &str, pin: &str) -> Result<SignInOutcome, CommandError> {
    Ok(match state.sign_in(name, pin)? {
        app::SignInOutcome::SignedIn => SignInOutcome::SignedIn {
            session: session(state),
        },
        app::SignInOutcome::WrongPin { attempts_left } => SignInOutcome::WrongPin { attempts_left },
        app::SignInOutcome::KeyErased => SignInOutcome::KeyErased,
        app::SignInOutcome::NoKey => SignInOutcome::NoKey,
        app::SignInOutcome::PinTooShort => SignInOutcome::PinTooShort,
        app::SignInOutcome::Refused(e) => SignInOutcome::refused(e),
    })
}

/// Locks the app: the store and its key are dropped; the sign-in screen keeps the name.
pub fn lock(state: &Session, reason: LockReason) -> SessionInfo {
    session_info(state.lock(reason))
}

/// The window's view of where the session stands, with the rights of the role signed in.
fn session_info(s: Standing) -> SessionInfo {
    let role = s.signed_in.as_ref().map(|who| who.role);
    let rights = |keep: fn(waypoint_domain::Role, Field) -> bool| -> Vec<Field> {
        role.map(|r| {
            Field::ALL
                .iter()
                .filter(|f| keep(r, **f))
                .copied()
                .collect()
        })
        .unwrap_or_default()
    };
    SessionInfo {
        locked: s.signed_in.is_none(),
        may: role
            .map(|r| {
                Action::ALL
                    .iter()
                    .filter(|a| may(r, **a))
                    .copied()
                    .collect()
            })
            .unwrap_or_default(),
        sees: rights(may_see),
        edits: rights(may_edit),
        name: s.signed_in.map(|who| who.name).or(s.last_name),
        role,
        lock_reason: s.lock_reason,
        first_use: s.first_use,
        idle_seconds: s.idle_seconds,
        lease_over: s.lease_over,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::{cases, conflicts, custody, import, search, special_needs, status};
    use crate::dto::{ImportRequest, SpecialNeedsUpdate};
    use waypoint_app::AppError;
    use waypoint_domain::{Action, Field, Role};
    use waypoint_keys::{DeviceKeys, MAX_WRONG_PINS, SecretPlace};

    const PIN: &str = "2468-1357";

    /// A locked app over an empty data directory, with its device secret in another directory.
    fn locked() -> (tempfile::TempDir, tempfile::TempDir, Session) {
        let data = tempfile::tempdir().unwrap();
        let secret = tempfile::tempdir().unwrap();
        let place = SecretPlace::File(secret.path().join("device-secret"));
        let state = Session::locked(data.path().to_path_buf(), None, Some(place))
            .with_clock(crate::commands::testing::now);
        (data, secret, state)
    }

    fn signed_in(outcome: SignInOutcome) -> SessionInfo {
        match outcome {
            SignInOutcome::SignedIn { session } => session,
            other => panic!("not signed in: {other:?}"),
        }
    }

    /// Every command that reads or writes the store, called once; each result's error, if any.
    fn every_command(state: &Session) -> Vec<Result<(), CommandError>> {
        vec![
            search::search(state, "HABIMANA", 5).map(drop),
            cases::get_case(state, "KGL-2025-000101").map(drop),
            custody::document_custody(state, "KGL-2025-000101").map(drop),
            status::status(state).map(drop),
            conflicts::conflicts(state).map(drop),
            special_needs::update_special_needs(
                state,
                &SpecialNeedsUpdate {
                    individual_no: "I-0001031".into(),
                    ssr_codes: Some(vec!["WCHR".into()]),
                    notes: None,
                    vulnerabilities: None,
                },
            )
            .map(drop),
            import::import_csv(
                state,
                &ImportRequest {
                    file_name: "sample-cases.csv".into(),
                    content: crate::commands::testing::SAMPLE.into(),
                    partial: false,
                    dry_run: true,
                },
                &mut |_| {},
            )
            .map(drop),
        ]
    }

    fn assert_all_locked(state: &Session) {
        for result in every_command(state) {
            let e = result.unwrap_err();
            assert!(matches!(e, CommandError::App(AppError::Locked)), "{e}");
            assert_eq!(e.failure_kind(), crate::error::FailureKind::Locked);
        }
    }

    #[test]
    fn the_app_starts_locked_and_no_command_reads_the_store() {
        let (_data, _secret, state) = locked();
        let info = session(&state);
        assert!(info.locked);
        assert!(info.first_use, "no keys on this device yet");
        assert_eq!(info.name, None);
        assert!(info.may.is_empty() && info.sees.is_empty());
        assert_all_locked(&state);
    }

    #[test]
    fn lock_closes_the_store_keeps_the_name_and_unlocking_needs_the_pin() {
        let (data, _secret, state) = locked();
        // The first sign-in on a device sets its PIN; the person made the store: supervisor.
        let info = signed_in(sign_in(&state, "  Ana Field ", PIN).unwrap());
        assert!(!info.locked);
        assert_eq!(info.name.as_deref(), Some("Ana Field"));
        assert_eq!(info.role, Some(Role::Supervisor));
        assert_eq!(info.idle_seconds, 300, "the site's default: 5 minutes");
        assert!(info.may.contains(&Action::Import));
        assert!(info.sees.contains(&Field::Vulnerabilities));
        assert!(info.edits.contains(&Field::Vulnerabilities));
        // Seen by every role, changed by none: the record's own number.
        assert!(info.sees.contains(&Field::IndividualNo));
        assert!(!info.edits.contains(&Field::IndividualNo));
        assert!(DeviceKeys::exist(data.path()));
        let imported = import::import_csv(
            &state,
            &ImportRequest {
                file_name: "sample-cases.csv".into(),
                content: crate::commands::testing::SAMPLE.into(),
                partial: false,
                dry_run: false,
            },
            &mut |_| {},
        )
        .unwrap();
        assert!(!imported.rejected);
        assert_eq!(status::status(&state).unwrap().staff, "Ana Field");

        let info = lock(&state, LockReason::Idle);
        assert!(info.locked);
        assert_eq!(info.name.as_deref(), Some("Ana Field"), "the name is kept");
        assert_eq!(info.lock_reason, Some(LockReason::Idle));
        assert!(!info.first_use);
        assert!(info.may.is_empty() && info.sees.is_empty() && info.role.is_none());
        assert_all_locked(&state);
        // Locking again keeps the first reason.
        assert_eq!(
            lock(&state, LockReason::Suspend).lock_reason,
            Some(LockReason::Idle)
        );

        assert_eq!(
            sign_in(&state, "Ana Field", "wrong-pin-1").unwrap(),
            SignInOutcome::WrongPin {
                attempts_left: MAX_WRONG_PINS - 1
            }
        );
        assert_all_locked(&state);
        signed_in(sign_in(&state, "Ana Field", PIN).unwrap());
        // The data is there, read through a fresh store and index.
        let hits = search::search(&state, "habimna", 10).unwrap();
        assert_eq!(hits[0].family_name, "HABIMANA");
        assert!(session(&state).lock_reason.is_none());
        // Signing in twice is refused: lock first.
        assert!(sign_in(&state, "Ana Field", PIN).is_err());
        // The audit log names the person for the sign-ins and the import.
        let log = state.store().unwrap().audit_entries(0, usize::MAX).unwrap();
        let sign_ins: Vec<_> = log.iter().filter(|e| e.action == "sign_in").collect();
        assert_eq!(sign_ins.len(), 2);
        assert!(log.iter().all(|e| e.staff == "staff:Ana Field"), "{log:?}");
    }

    #[test]
    fn five_wrong_pins_erase_the_key_and_the_screen_is_told_so() {
        let (_data, _secret, state) = locked();
        signed_in(sign_in(&state, "Ana Field", PIN).unwrap());
        lock(&state, LockReason::Manual);
        for left in (1..MAX_WRONG_PINS).rev() {
            assert_eq!(
                sign_in(&state, "Ana Field", "not-the-pin").unwrap(),
                SignInOutcome::WrongPin {
                    attempts_left: left
                }
            );
        }
        assert_eq!(
            sign_in(&state, "Ana Field", "not-the-pin").unwrap(),
            SignInOutcome::KeyErased
        );
        // Even the right PIN no longer opens it: the key is gone from this device.
        assert_eq!(
            sign_in(&state, "Ana Field", PIN).unwrap(),
            SignInOutcome::NoKey
        );
        assert_all_locked(&state);
    }

    #[test]
    fn a_new_pin_must_be_long_enough() {
        let (_data, _secret, state) = locked();
        assert_eq!(
            sign_in(&state, "Ana Field", "123").unwrap(),
            SignInOutcome::PinTooShort
        );
        assert!(sign_in(&state, "   ", PIN).is_err());
    }

    /// The role comes from the staff directory: someone with a key but not in the directory,
    /// or disabled, is refused with the store's reason; someone added signs in in their role.
    #[test]
    fn the_role_comes_from_the_staff_directory() {
        let (data, secret, state) = locked();
        signed_in(sign_in(&state, "Ana Field", PIN).unwrap());
        state
            .store()
            .unwrap()
            .add_local_staff("Ana Field", "Cleo Assist", Role::FieldAssistant)
            .unwrap();
        lock(&state, LockReason::Manual);
        // Ben gets a key on this device (a colleague who could unlock it added him) but is
        // not in the directory.
        let place = SecretPlace::File(secret.path().join("device-secret"));
        let mut keys = DeviceKeys::load(data.path(), &place).unwrap();
        let key = keys.unlock("Ana Field", PIN).unwrap();
        keys.add_staff(&key, "Ben Data", "ben-pin-9753").unwrap();
        keys.add_staff(&key, "Cleo Assist", "cleo-pin-8642")
            .unwrap();
        match sign_in(&state, "Ben Data", "ben-pin-9753").unwrap() {
            SignInOutcome::Refused { message, .. } => {
                assert!(message.contains("is not a staff member"), "{message}")
            }
            other => panic!("{other:?}"),
        }
        assert_all_locked(&state);
        let cleo = signed_in(sign_in(&state, "Cleo Assist", "cleo-pin-8642").unwrap());
        assert_eq!(cleo.role, Some(Role::FieldAssistant));
        assert!(!cleo.may.contains(&Action::Import));
        lock(&state, LockReason::Manual);
        // Disabled by HQ (a sync brought the directory): refused.
        signed_in(sign_in(&state, "Ana Field", PIN).unwrap());
        state
            .store()
            .unwrap()
            .replace_server_staff(&[waypoint_store::StaffMember {
                name: "Cleo Assist".into(),
                role: Role::FieldAssistant,
                site: None,
                disabled: true,
                source: waypoint_store::StaffSource::Server,
            }])
            .unwrap();
        lock(&state, LockReason::Manual);
        match sign_in(&state, "Cleo Assist", "cleo-pin-8642").unwrap() {
            SignInOutcome::Refused { message, .. } => {
                assert!(message.contains("disabled"), "{message}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_idle_time_comes_from_the_site_or_the_override() {
        let (_data, _secret, state) = locked();
        let state = state.with_idle_seconds(Some(7));
        assert_eq!(session(&state).idle_seconds, 7);
        let info = signed_in(sign_in(&state, "Ana Field", PIN).unwrap());
        assert_eq!(info.idle_seconds, 7);
        let (_data, _secret, state) = locked();
        signed_in(sign_in(&state, "Ana Field", PIN).unwrap());
        state
            .store()
            .unwrap()
            .set_site_policy(waypoint_domain::SitePolicy {
                lease_days: 14,
                idle_minutes: 2,
            })
            .unwrap();
        assert_eq!(session(&state).idle_seconds, 120);
    }
}
