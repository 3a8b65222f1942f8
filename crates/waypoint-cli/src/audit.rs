//! `waypoint audit verify` and `waypoint audit list`: the device's audit trail, for people and
//! scripts. The rules are `waypoint_app::audit`'s; this only prints.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use serde_json::json;
use waypoint_app::Store;
use waypoint_app::audit::AuditEntry;
use waypoint_domain::Role;

/// Checks the chain; exit code 1 (and the broken entries) when anything is wrong.
pub fn verify(store: &Store, role: Role, as_json: bool) -> Result<ExitCode> {
    let report = waypoint_app::audit::verify(store, role)?;
    let mut out = std::io::stdout().lock();
    if as_json {
        serde_json::to_writer_pretty(
            &mut out,
            &json!({ "intact": report.is_intact(), "report": report }),
        )?;
        writeln!(out)?;
    } else if report.is_intact() {
        writeln!(
            out,
            "audit log intact: {} entries, the newest is entry {} (hash {})",
            report.entries, report.head_seq, report.head_hash
        )?;
    } else {
        writeln!(
            out,
            "audit log BROKEN: {} problem(s) in {} entries",
            report.problems.len(),
            report.entries
        )?;
        for p in &report.problems {
            let kind = serde_json::to_value(p.kind)?;
            writeln!(
                out,
                "  entry {}: {}: {}",
                p.seq,
                kind.as_str().unwrap_or("broken"),
                p.message
            )?;
        }
    }
    if report.is_intact() {
        Ok(ExitCode::SUCCESS)
    } else {
        drop(out);
        eprintln!(
            "waypoint: the audit log has been tampered with or damaged ({} problem(s)); keep this device's data as it is and tell your supervisor",
            report.problems.len()
        );
        Ok(ExitCode::FAILURE)
    }
}

/// The entries after `after`, oldest first.
pub fn list(
    store: &Store,
    role: Role,
    after: i64,
    limit: usize,
    as_json: bool,
) -> Result<ExitCode> {
    let entries = waypoint_app::audit::entries(store, role, after, limit)?;
    let mut out = std::io::stdout().lock();
    if as_json {
        serde_json::to_writer_pretty(&mut out, &entries)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    if entries.is_empty() {
        writeln!(out, "no audit entries after {after}")?;
    }
    for e in &entries {
        writeln!(out, "{}", line(e))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn line(e: &AuditEntry) -> String {
    let what: Vec<&str> = [
        e.scope.as_deref(),
        e.entity.as_deref(),
        e.field.as_deref(),
        e.detail.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect();
    format!(
        "#{:<6} {} {:<16} {:<14} {}",
        e.seq,
        e.at,
        e.staff,
        e.action,
        what.join(" ")
    )
}
