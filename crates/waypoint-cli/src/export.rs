//! `waypoint export [--out FILE]`: the canonical JSON Lines dump, for the roles that may
//! export, without what the role may not see (both `waypoint_app::export`'s rules). This
//! writes the file: private, and never left half written.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::{Cli, open_as};

pub(crate) fn run(cli: &Cli, out: Option<&Path>) -> Result<ExitCode> {
    let (store, role) = open_as(cli)?;
    // Refused before any file is made.
    waypoint_app::export::allowed(role)?;
    let Some(path) = out else {
        let mut stdout = BufWriter::new(std::io::stdout().lock());
        waypoint_app::export::export(&store, role, &mut stdout)?;
        return Ok(ExitCode::SUCCESS);
    };
    // Written beside the target and renamed, so a crash never leaves half a dump.
    let tmp = path.with_extension("partial");
    let file = private_file(&tmp).with_context(|| format!("cannot write {}", tmp.display()))?;
    let mut w = BufWriter::new(file);
    let written = waypoint_app::export::export(&store, role, &mut w)
        .map_err(anyhow::Error::new)
        .and_then(|()| Ok(w.into_inner().map_err(|e| e.into_error())?.sync_all()?));
    if let Err(e) = written {
        // No half dump is left behind.
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(ExitCode::SUCCESS)
}

/// A new file only its owner can read (0600 from its first byte, on Unix): what the CLI
/// writes holds personal data. A file left at `path` by an earlier run is replaced, never
/// followed if it is a link.
fn private_file(path: &Path) -> std::io::Result<File> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}
