//! The keys of the store a command opened, and enrolment. Signing in and its rules are
//! `waypoint_app::open`'s (shared with the desktop through `waypoint_app::session`); this keeps
//! the keys for after the command (which may have synced), when the keys of staff the server
//! disabled are destroyed, and for enrolment, which adds the recovery slot.

use std::cell::RefCell;
use std::process::ExitCode;

use anyhow::{Result, anyhow};
use waypoint_app::enrol::Enrolled;
use waypoint_app::open::HeldKeys;
use waypoint_app::{AppError, Store};
use waypoint_domain::Role;

thread_local! {
    static HELD: RefCell<Option<HeldKeys>> = const { RefCell::new(None) };
}

/// Keeps the keys that opened this command's store, for [`finish`] and enrolment.
pub fn keep(keys: HeldKeys) {
    HELD.with(|held| *held.borrow_mut() = Some(keys));
}

/// After the command: destroys the wrapped keys of every staff member the (possibly just
/// synced) directory says is disabled.
pub fn finish() -> Result<()> {
    if let Some(keys) = HELD.with(|held| held.borrow_mut().take()) {
        keys.forget_disabled()?;
    }
    Ok(())
}

/// Runs `f` with the kept keys.
fn with_keys<T>(f: impl FnOnce(&mut HeldKeys) -> Result<T, AppError>) -> Result<T> {
    HELD.with(|held| {
        let mut held = held.borrow_mut();
        let keys = held
            .as_mut()
            .ok_or_else(|| anyhow!("the store's keys are not at hand"))?;
        Ok(f(keys)?)
    })
}

/// `waypoint enrol`: an enrolled device refuses (see `waypoint_app::enrol`).
pub fn enrol(store: &mut Store, server: &str, code: &str) -> Result<ExitCode> {
    let enrolled = with_keys(|keys| waypoint_app::enrol::enrol(store, keys, server, code))?;
    Ok(enrolled_now(&enrolled))
}

/// `waypoint enrol --replace`, a supervisor's: sends everything to the server the device
/// leaves, audits, then enrols.
pub fn re_enrol(store: &mut Store, role: Role, server: &str, code: &str) -> Result<ExitCode> {
    let replaced = with_keys(|keys| {
        waypoint_app::enrol::re_enrol(store, keys, role, server, code, &mut |_| {})
    })?;
    println!(
        "Sent every pending change ({}) and the audit log to {}.",
        replaced.sent, replaced.left
    );
    Ok(enrolled_now(&replaced.enrolled))
}

fn enrolled_now(enrolled: &Enrolled) -> ExitCode {
    println!(
        "This device is enrolled as {} for site(s) {}. Run `waypoint sync` to send and receive changes.",
        enrolled.device_name,
        enrolled.sites.join(", ")
    );
    ExitCode::SUCCESS
}
