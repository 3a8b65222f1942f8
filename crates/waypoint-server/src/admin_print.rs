//! What the `waypoint-server admin` commands print beyond a line or two (part of the binary,
//! not of the library): times, and the held changes (case numbers, sites, counts and times,
//! never a value of a change).

use waypoint_server::store;

/// A time for a person (UTC, to the minute).
pub fn when(ms: u64) -> String {
    i64::try_from(ms)
        .ok()
        .and_then(chrono::DateTime::from_timestamp_millis)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| ms.to_string())
}

/// `admin held`: case numbers and sites, counts and times; never a value of a change.
pub async fn list_held(store: &dyn store::ServerStore, json: bool) -> anyhow::Result<()> {
    let held = store.held_changes().await?;
    let settled = store.held_settlements().await?;
    if json {
        let when_json = |ms: u64| {
            i64::try_from(ms)
                .ok()
                .and_then(chrono::DateTime::from_timestamp_millis)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        };
        let held: Vec<_> = held
            .iter()
            .map(|g| {
                serde_json::json!({
                    "case_no": g.case_no,
                    "site": g.site,
                    "changes": g.changes,
                    "first_received": when_json(g.first_ms),
                    "last_received": when_json(g.last_ms),
                })
            })
            .collect();
        let settled: Vec<_> = settled
            .iter()
            .map(|s| {
                serde_json::json!({
                    "at": when_json(s.at_ms),
                    "action": s.action,
                    "case_no": s.case_no,
                    "site": s.site,
                    "from_site": s.from_site,
                    "changes": s.changes,
                    "applied": s.applied,
                    "still_held": s.still_held,
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "held": held, "settled": settled }))?
        );
        return Ok(());
    }
    if held.is_empty() {
        println!("No held changes.");
    }
    for g in &held {
        println!(
            "{}\t{}\t{} change(s)\tfirst {}\tlast {}",
            g.case_no,
            g.site,
            g.changes,
            when(g.first_ms),
            when(g.last_ms)
        );
    }
    if !settled.is_empty() {
        println!();
        println!("Settled by HQ:");
    }
    for s in &settled {
        let what = match s.action {
            store::SettleAction::Give => format!(
                "given to {}{}: {} change(s), {} applied, {} still held",
                s.site,
                s.from_site
                    .as_deref()
                    .map(|f| format!(" (taken from {f})"))
                    .unwrap_or_default(),
                s.changes,
                s.applied,
                s.still_held
            ),
            store::SettleAction::Drop => {
                format!("{} change(s) of {} dropped", s.changes, s.site)
            }
        };
        println!("{}\t{}\t{}", when(s.at_ms), s.case_no, what);
    }
    Ok(())
}

pub fn print_given(s: &store::Settlement) {
    match &s.from_site {
        Some(from) => println!(
            "Case {} now belongs to site {} (taken from {from}, whose devices remove it at their next sync).",
            s.case_no, s.site
        ),
        None => println!("Case {} belongs to site {}.", s.case_no, s.site),
    }
    println!(
        "Held changes of {}: {} applied, {} refused, {} still held.",
        s.site,
        s.applied,
        s.refused.len(),
        s.still_held
    );
    for reason in &s.refused {
        println!("  refused: {reason}");
    }
    if s.still_held > 0 {
        println!(
            "  Still held: a person's number in them is on another site's case; see `waypoint-server admin held`."
        );
    }
}
