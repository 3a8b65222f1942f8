//! What every command over a `waypoint_app` use case needs: the store opened by the person
//! signed in, in their role, and where and when the work happens.

use anyhow::Result;
use waypoint_app::{Context, SignedIn, Store};

use crate::Cli;

/// The environment variable naming the site this device works at (as for the desktop app);
/// without it, work on a case happens at the case's own site.
const SITE_ENV: &str = "WAYPOINT_SITE";

/// The store, the person signed in and the context of a use case run now.
pub fn open(cli: &Cli) -> Result<(Store, SignedIn, Context)> {
    let (store, role) = crate::open_as(cli)?;
    let who = SignedIn::new(crate::signed_in(cli)?.to_string(), role);
    let site = std::env::var(SITE_ENV)
        .ok()
        .map(|s| s.trim().to_ascii_uppercase())
        .filter(|s| !s.is_empty());
    Ok((store, who, Context::new(site, chrono::Utc::now())))
}

/// Prints `value` as pretty JSON on standard output.
pub fn print_json(value: &impl serde::Serialize) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}
