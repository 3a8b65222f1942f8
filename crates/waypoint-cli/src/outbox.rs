//! `waypoint outbox`: the changes waiting to be synced, those HQ refused (`--refused`), and
//! dismissing one (`--dismiss NUMBER`). Which record and field, and HQ's reason; never a
//! value. The rules are `waypoint_app::outbox`'s; this only prints.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use serde_json::json;
use waypoint_app::outbox::{self, OutboxEntry};

use crate::app::print_json;
use crate::{Cli, open_as};

/// What `waypoint outbox` was asked to do.
pub(crate) enum Asked {
    Pending,
    Refused,
    Dismiss(i64),
}

pub(crate) fn run(cli: &Cli, asked: Asked, as_json: bool) -> Result<ExitCode> {
    let (mut store, role) = open_as(cli)?;
    match asked {
        Asked::Pending => pending(&outbox::pending(&store)?, as_json)?,
        Asked::Refused => refused(&outbox::refused(&store)?, as_json)?,
        Asked::Dismiss(number) => {
            let dismissed = outbox::dismiss(&mut store, role, number)?;
            let change = &dismissed.change;
            println!(
                "Dismissed refused change {} ({} {}). Refused changes still kept: {}.",
                change.client_seq, change.scope, change.entity, dismissed.refused_left
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn pending(entries: &[OutboxEntry], as_json: bool) -> Result<()> {
    if as_json {
        return print_json(&json!({ "pending": entries.len(), "entries": entries }));
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "{} change(s) waiting to be synced", entries.len())?;
    for e in entries {
        let field = e
            .field
            .as_deref()
            .map(|f| format!(" {f}"))
            .unwrap_or_default();
        writeln!(
            out,
            "  #{:<6} {:<6} {} {}{field}",
            e.client_seq,
            e.kind.as_str(),
            e.scope,
            e.entity
        )?;
    }
    Ok(())
}

fn refused(refused: &[outbox::RefusedChange], as_json: bool) -> Result<()> {
    if as_json {
        return print_json(&json!({ "refused": refused.len(), "changes": refused }));
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{} change(s) the server refused, kept on this device",
        refused.len()
    )?;
    for r in refused {
        let field = r
            .field
            .as_deref()
            .map(|f| format!(" {f}"))
            .unwrap_or_default();
        writeln!(
            out,
            "  #{:<6} {} {}{field}: {}",
            r.client_seq, r.scope, r.entity, r.reason
        )?;
    }
    if !refused.is_empty() {
        writeln!(
            out,
            "A supervisor dismisses one, once it has been dealt with: `waypoint outbox --dismiss NUMBER`."
        )?;
    }
    Ok(())
}
