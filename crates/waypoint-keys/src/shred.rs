//! Destroying a file for good: overwritten with random bytes, flushed, removed, and the removal
//! made durable. Used by the wipe and when a secret is replaced.

use std::io::Write;
use std::path::Path;

/// Overwrites a file with random bytes, flushes it, and removes it. A missing file is fine.
pub(crate) fn shred_file(path: &Path) -> std::io::Result<()> {
    let len = match std::fs::metadata(path) {
        Ok(m) => m.len(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    {
        let mut file = std::fs::OpenOptions::new().write(true).open(path)?;
        let mut left = len;
        let mut noise = [0u8; 4096];
        while left > 0 {
            getrandom::fill(&mut noise).map_err(|_| {
                std::io::Error::other("the operating system gave no random numbers")
            })?;
            let n = usize::try_from(left.min(noise.len() as u64)).unwrap_or(noise.len());
            file.write_all(&noise[..n])?;
            left -= n as u64;
        }
        file.sync_all()?;
    }
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        sync_dir(dir);
    }
    Ok(())
}

/// Makes removals in `dir` durable (Unix; elsewhere a no-op).
pub(crate) fn sync_dir(dir: &Path) {
    if let Ok(dir) = std::fs::File::open(dir) {
        let _ = dir.sync_all();
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn shredding_a_missing_file_is_not_an_error() {
        let dir = tempfile::tempdir().unwrap();
        shred_file(&dir.path().join("nothing")).unwrap();
    }
}
