//! Staff sign-in for the command line. The rules (offline with a wrapped key, online
//! for a first sign-in on an enrolled device, refusing disabled staff) are
//! `waypoint_app::session`'s, shared with the desktop app; this module keeps the keys of the
//! store a command opened, so that after the command (which may have synced) the keys of staff
//! the server disabled are destroyed, and so that enrolment can add the recovery slot.

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use waypoint_domain::Role;
use waypoint_keys::{DeviceKeys, StoreKey};
use waypoint_store::Store;

pub use waypoint_app::session::Unlocked;

/// The keys and store key of the store this process opened, for the work after the command
/// (destroying disabled staff's keys) and for enrolment (the recovery slot).
struct Opened {
    dir: PathBuf,
    keys: DeviceKeys,
    key: StoreKey,
}

thread_local! {
    static OPENED: RefCell<Option<Opened>> = const { RefCell::new(None) };
}

/// Once the store is open for `staff`: saves an online sign-in's directory; refuses (and
/// destroys the key of) a person the directory says is disabled; audits the sign-in (an online
/// one always; an offline unlock when `audit` says so); keeps the keys for [`finish`].
pub fn after_open(
    store: &mut Store,
    dir: &Path,
    staff: &str,
    unlocked: Unlocked,
    audit: bool,
) -> Result<()> {
    let Unlocked {
        mut keys,
        key,
        online,
    } = unlocked;
    waypoint_app::session::after_open(store, &mut keys, staff, online.as_ref())?;
    if audit || online.is_some() {
        store
            .record_sign_in(&format!("staff:{}", staff.trim()))
            .context("recording the sign-in in the audit log")?;
    }
    OPENED.with(|o| {
        *o.borrow_mut() = Some(Opened {
            dir: dir.to_path_buf(),
            keys,
            key,
        })
    });
    Ok(())
}

/// After the command: destroys the wrapped keys of every staff member the (possibly just
/// synced) directory says is disabled.
pub fn finish() -> Result<()> {
    let Some(mut opened) = OPENED.with(|o| o.borrow_mut().take()) else {
        return Ok(());
    };
    // A device HQ revoked has just wiped itself: opening the store would make a new one.
    if !opened.dir.join(waypoint_store::DB_FILE).exists() {
        return Ok(());
    }
    let store = Store::open(&opened.dir, &opened.key)?;
    waypoint_app::session::forget_disabled(&store, &mut opened.keys)?;
    Ok(())
}

/// `waypoint enrol`: enrols the device, then keeps what an online sign-in needs in the keys
/// file (the server's address, the sign-in credential, the store key under the recovery
/// secret, which is not kept). An enrolled device refuses (see `waypoint_sync::enrol`).
pub fn enrol(store: &mut Store, server: &str, code: &str) -> Result<std::process::ExitCode> {
    let enrolled = waypoint_sync::enrol(store, server, code)?;
    enrolled_now(store, &enrolled)
}

/// `waypoint enrol --replace`, a supervisor's: sends everything to the server the device
/// leaves, audits, then enrols (see `waypoint_sync::re_enrol`).
pub fn re_enrol(
    store: &mut Store,
    role: Role,
    server: &str,
    code: &str,
) -> Result<std::process::ExitCode> {
    let left = store.sync_state()?.server_url.unwrap_or_default();
    let (enrolled, report) = waypoint_sync::re_enrol(store, role, server, code, &mut |_| {})?;
    println!(
        "Sent every pending change ({}) and the audit log to {left}.",
        report.accepted
    );
    enrolled_now(store, &enrolled)
}

fn enrolled_now(
    store: &mut Store,
    enrolled: &waypoint_sync::EnrolResponse,
) -> Result<std::process::ExitCode> {
    let base = store
        .sync_state()?
        .server_url
        .ok_or_else(|| anyhow!("the enrolment was not saved"))?;
    if let (Some(token), Some(secret)) = (&enrolled.sign_in_token, &enrolled.recovery_secret) {
        OPENED.with(|o| -> Result<()> {
            let mut opened = o.borrow_mut();
            let opened = opened
                .as_mut()
                .ok_or_else(|| anyhow!("the store's keys are not at hand"))?;
            opened
                .keys
                .set_recovery(&opened.key, &base, token, secret)?;
            Ok(())
        })?;
    }
    println!(
        "This device is enrolled as {} for site(s) {}. Run `waypoint sync` to send and receive changes.",
        enrolled.device_name,
        enrolled.sites.join(", ")
    );
    Ok(std::process::ExitCode::SUCCESS)
}
