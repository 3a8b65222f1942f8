//! `waypoint sync`, `conflicts` and `status` (`enrol` is in signin.rs): the device's side of sync, for people
//! and scripts. The rules are `waypoint_app`'s (the network calls `waypoint-sync`'s); this only
//! prints.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use serde_json::json;
use waypoint_app::conflicts::{Conflict, Keep, Resolved};
use waypoint_app::sync::{LeaseState, SyncOutcome, SyncReport, SyncStatus, Unsent};
use waypoint_app::{AppError, LeaseOver, Store, StoreError};
use waypoint_domain::{Role, may_see};

/// What a device past its offline lease says: it locks until it syncs.
pub fn lease_over(over: &LeaseOver) -> anyhow::Error {
    let offline = match over.since {
        Some(_) => format!("has not synced for {} days", over.days_offline),
        None => "has no record of a sync".to_string(),
    };
    anyhow!(
        "this laptop {offline}; the site allows {}: run `waypoint sync` (with a \
         network) to unlock it. Until then only `waypoint sync` and `waypoint status` work. \
         Its {} change(s) waiting to be synced are kept, and that sync sends them.",
        over.lease_days,
        over.pending
    )
}

fn kb(bytes: u64) -> String {
    if bytes < 1024 {
        format!("{bytes} B")
    } else {
        format!("{:.1} kB", bytes as f64 / 1024.0)
    }
}

pub fn sync(store: Store, data_dir: &Path, as_json: bool) -> Result<ExitCode> {
    let show_progress = !as_json && std::io::stderr().is_terminal();
    let mut progress = |p: waypoint_app::sync::Progress| {
        if show_progress {
            eprint!(
                "\rsync: round {}, sent {} of {} changes, received {}   ",
                p.round, p.sent, p.to_send, p.received
            );
        }
    };
    let outcome = waypoint_app::sync::run(store, data_dir, &mut progress);
    if show_progress {
        eprintln!();
    }
    let erased = || {
        format!(
            "erasing this device's data did not finish; remove {} by hand",
            data_dir.display()
        )
    };
    let (report, unsent, wiped) = match outcome? {
        SyncOutcome::Lost { error, lost, wiped } => {
            eprintln!("waypoint: {error}");
            wiped.with_context(erased)?;
            eprintln!(
                "waypoint: this device's Waypoint data has been erased: its keys first, then every \
                 file in {}. {lost} change(s) that were not synced are gone with it.",
                data_dir.display()
            );
            return Ok(ExitCode::FAILURE);
        }
        SyncOutcome::Failed { error, pending } => {
            bail!("sync failed: {error}. Changes waiting on this device: {pending}.")
        }
        SyncOutcome::Synced { report, unsent } => (report, unsent, None),
        SyncOutcome::Retired {
            report,
            unsent,
            wiped,
        } => (report, unsent, Some(wiped)),
    };
    let mut out = std::io::stdout().lock();
    if as_json {
        let mut value = serde_json::to_value(&report)?;
        value["pending"] = json!(unsent.pending);
        value["refused_kept"] = json!(unsent.refused);
        value["wiped"] = json!(wiped.is_some());
        serde_json::to_writer_pretty(&mut out, &value)?;
        writeln!(out)?;
    } else {
        print_report(&mut out, &report, unsent)?;
    }
    if let Some(wiped) = wiped {
        // Retired: every change reached the server and was taken; the data is gone.
        drop(out);
        wiped.with_context(erased)?;
        eprintln!(
            "waypoint: HQ retired this device: every change it had reached the server, and its \
             Waypoint data has now been erased (its keys first, then every file in {}).",
            data_dir.display()
        );
        return Ok(ExitCode::FAILURE);
    }
    if report.retired {
        eprintln!("waypoint: {}", retired_waiting(unsent));
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// What a retired device that keeps its data says, and what the person should do.
fn retired_waiting(unsent: Unsent) -> String {
    let mut said = "HQ retired this device; it erases its data once everything recorded on it \
                    has reached HQ."
        .to_string();
    if unsent.pending > 0 {
        said.push_str(&format!(
            " {} change(s) are still waiting: run `waypoint sync` again to send them.",
            unsent.pending
        ));
    }
    if unsent.refused > 0 {
        said.push_str(&format!(
            " HQ refused {} change(s), which are kept here (`waypoint outbox --refused`): a \
             supervisor gets each to HQ another way (or decides it is not needed), then \
             dismisses it with `waypoint outbox --dismiss NUMBER`; the next sync after that \
             erases the data.",
            unsent.refused
        ));
    }
    said
}

fn print_report(out: &mut impl Write, r: &SyncReport, unsent: Unsent) -> Result<()> {
    writeln!(
        out,
        "Synced with {} in {} round trip(s) ({} sent, {} received).",
        r.server,
        r.round_trips,
        kb(r.bytes_sent),
        kb(r.bytes_received)
    )?;
    writeln!(
        out,
        "Sent {} change(s): {} accepted, {} refused.",
        r.sent,
        r.accepted,
        r.refused.len()
    )?;
    for refused in &r.refused {
        writeln!(
            out,
            "  refused change {}: {}",
            refused.client_seq, refused.reason
        )?;
    }
    writeln!(
        out,
        "Received {} field value(s), {} event(s){}.",
        r.received_fields,
        r.received_events,
        if r.removed_cases > 0 {
            format!(", {} case(s) removed from this device", r.removed_cases)
        } else {
            String::new()
        }
    )?;
    writeln!(
        out,
        "Changes still waiting on this device: {}.",
        unsent.pending
    )?;
    if unsent.refused > 0 {
        writeln!(
            out,
            "Changes HQ refused, kept on this device: {} (see `waypoint outbox --refused`).",
            unsent.refused
        )?;
    }
    if r.unreadable_events > 0 {
        writeln!(
            out,
            "Received {} event(s) this version of Waypoint cannot read: kept on this device \
             (see `waypoint status`); update Waypoint to see them.",
            r.unreadable_events
        )?;
    }
    if r.audit_sent > 0 {
        writeln!(out, "Audit entries sent to HQ: {}.", r.audit_sent)?;
    }
    if let Some(why) = &r.audit_refused {
        writeln!(
            out,
            "WARNING: HQ refused this device's audit log: {why}. Tell your supervisor."
        )?;
    }
    if r.open_conflicts > 0 {
        writeln!(
            out,
            "Conflicts waiting for review: {} (see `waypoint conflicts list`).",
            r.open_conflicts
        )?;
    }
    Ok(())
}

fn value(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("(empty)")
}

/// The conflicts waiting for review, as `role` may see them: the values of a field it may not
/// see are left out (and said to be).
pub fn conflicts_list(store: &Store, role: Role, as_json: bool) -> Result<ExitCode> {
    let conflicts = waypoint_app::conflicts::waiting(store, role)?;
    let value = |c: &Conflict, v: &Option<String>| {
        if may_see(role, c.field) {
            value(v).to_string()
        } else {
            "(not shown: your role may not see this field)".to_string()
        }
    };
    let mut out = std::io::stdout().lock();
    if as_json {
        serde_json::to_writer_pretty(&mut out, &conflicts)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    if conflicts.is_empty() {
        writeln!(out, "No conflicts waiting for review.")?;
    }
    for c in &conflicts {
        writeln!(
            out,
            "conflict {}: {} of {} (case {})",
            c.id,
            c.field.column(),
            c.entity,
            c.case_no
        )?;
        writeln!(
            out,
            "  kept now:  {}   (from {})",
            value(c, &c.winner),
            c.winner_device
        )?;
        writeln!(
            out,
            "  other:     {}   (from {})",
            value(c, &c.loser),
            c.loser_device
        )?;
    }
    if !conflicts.is_empty() {
        writeln!(
            out,
            "Settle one with `waypoint conflicts resolve ID --keep mine|theirs|VALUE`, then sync."
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

pub fn conflicts_resolve(store: &mut Store, role: Role, id: &str, keep: &str) -> Result<ExitCode> {
    let keep = match keep.trim() {
        "mine" => Keep::Mine,
        "theirs" => Keep::Theirs,
        typed => Keep::Value(Some(typed.to_string())),
    };
    let resolved = match waypoint_app::conflicts::resolve(store, role, &crate::context(), id, keep)
    {
        Ok(resolved) => resolved,
        Err(AppError::Store(StoreError::UnknownConflict(_))) => {
            bail!("there is no conflict {id}: see `waypoint conflicts list`")
        }
        Err(e @ AppError::NeitherValueMadeHere { .. }) => bail!("{e} with --keep VALUE"),
        Err(e) => return Err(e.into()),
    };
    let Resolved { conflict, value } = resolved;
    println!(
        "Resolved conflict {}: {} of {} is now {}. The decision reaches the other devices with the next sync.",
        conflict.id,
        conflict.field.column(),
        conflict.entity,
        value.as_deref().unwrap_or("(empty)")
    );
    Ok(ExitCode::SUCCESS)
}

/// An RFC 3339 time as a person reads it (UTC, to the second).
fn readable(at: &Option<String>) -> String {
    match at {
        None => "never".into(),
        Some(text) => chrono::DateTime::parse_from_rfc3339(text)
            .map(|t| {
                t.with_timezone(&chrono::Utc)
                    .format("%Y-%m-%d %H:%M:%S UTC")
                    .to_string()
            })
            .unwrap_or_else(|_| text.clone()),
    }
}

pub fn status(store: &Store, as_json: bool) -> Result<ExitCode> {
    let SyncStatus {
        state,
        unsent,
        conflicts,
        unreadable_events: unreadable,
        refused,
        lease,
        ..
    } = waypoint_app::sync::status(store, &crate::context())?;
    let pending = unsent.pending;
    let mut out = std::io::stdout().lock();
    if as_json {
        serde_json::to_writer_pretty(
            &mut out,
            &json!({
                "server": state.server_url,
                "device_name": state.device_name,
                "last_success": state.last_success,
                "last_attempt": state.last_attempt,
                "last_error": state.last_error,
                "pending": pending,
                "conflicts": conflicts,
                "refused": refused,
                "unreadable_events": unreadable,
                "lease": lease,
            }),
        )?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    match (&state.server_url, &state.device_name) {
        (Some(url), name) => writeln!(
            out,
            "Server: {url} (this device: {})",
            name.as_deref().unwrap_or("?")
        )?,
        (None, _) => writeln!(
            out,
            "Not enrolled with a server yet (`waypoint enrol --server URL --code CODE`)."
        )?,
    }
    writeln!(
        out,
        "Last successful sync: {}",
        readable(&state.last_success)
    )?;
    if let Some(error) = &state.last_error {
        writeln!(
            out,
            "Last attempt ({}) failed: {error}",
            readable(&state.last_attempt)
        )?;
    }
    match lease {
        LeaseState::NoLease => {}
        LeaseState::Open {
            ends, lease_days, ..
        } => writeln!(
            out,
            "Offline lease: {lease_days} days; sync before {} or this laptop locks until it syncs",
            ends.format("%Y-%m-%d %H:%M UTC")
        )?,
        LeaseState::Expired {
            days_offline,
            lease_days,
            ..
        } => writeln!(
            out,
            "Offline lease: over ({days_offline} days without a sync; the site allows \
             {lease_days}): locked until `waypoint sync` succeeds"
        )?,
    }
    writeln!(out, "Changes waiting to be synced: {pending}")?;
    writeln!(out, "Conflicts waiting for review: {conflicts}")?;
    if unreadable > 0 {
        writeln!(
            out,
            "Events this version of Waypoint cannot read: {unreadable} (kept; update Waypoint \
             to see them)"
        )?;
    }
    if !refused.is_empty() {
        writeln!(out, "Changes the server refused: {}", refused.len())?;
        for r in &refused {
            writeln!(
                out,
                "  change {} ({} {}): {}",
                r.client_seq, r.scope, r.entity, r.reason
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
