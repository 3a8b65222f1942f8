//! `waypoint staff add NAME`: lets another staff member unlock this device (a device not
//! enrolled at HQ), or sets the role of one who already can.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Result, bail};
use waypoint_app::AppError;
use waypoint_app::staff::StaffAdded;
use waypoint_domain::Role;
use zeroize::Zeroizing;

use crate::{Cli, NEW_PIN_ENV, PIN_ENV, data_dir, not_in_directory, pin_from, signed_in};

pub(crate) fn add(cli: &Cli, name: &str, role: Option<&str>) -> Result<ExitCode> {
    let dir = data_dir(cli)?;
    let me = signed_in(cli)?;
    let name = name.trim();
    let given = role.map(Role::parse).transpose()?;
    let mut opened = waypoint_app::open::unlock(&dir, me, &pin_from(PIN_ENV)?)?;
    // Read only when needed: someone who can already unlock needs no new PIN.
    let new_pin = std::env::var(NEW_PIN_ENV)
        .ok()
        .filter(|p| !p.is_empty())
        .map(Zeroizing::new);
    let new = waypoint_app::staff::NewStaff {
        name,
        role: given,
        pin: new_pin.as_deref().map(String::as_str),
    };
    let added = match opened.add_staff(me, new) {
        Ok(added) => added,
        Err(AppError::StaffManagedAtHq) => bail!(
            "staff accounts of an enrolled device are managed at HQ (`waypoint-server admin user add`); they sign in here once with a network"
        ),
        Err(AppError::RoleNeeded(name)) => {
            let roles: Vec<&str> = Role::ALL.iter().map(|r| r.code()).collect();
            bail!(
                "give {name}'s role with --role ROLE (one of {})",
                roles.join(", ")
            );
        }
        Err(AppError::AlreadyUnlocks(name)) => {
            bail!("{name} can already unlock this device: give --role ROLE to set their role")
        }
        Err(AppError::NewPinNeeded) => {
            bail!("no PIN: give it in the environment variable {NEW_PIN_ENV}")
        }
        Err(AppError::NotInDirectory(who)) => return Err(not_in_directory(&who)),
        Err(e) => return Err(e.into()),
    };
    let mut out = std::io::stdout().lock();
    match added {
        StaffAdded::RoleSet(role) => writeln!(
            out,
            "{name} can already unlock this device with their PIN; their role is now {role}"
        )?,
        StaffAdded::MayUnlock(role) => writeln!(
            out,
            "{name} can now unlock this device with their PIN, as {role}"
        )?,
    }
    Ok(ExitCode::SUCCESS)
}
