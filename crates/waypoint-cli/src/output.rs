//! How the CLI shows things to a person (the `--json` forms are serde's).

use std::io::{self, Write};

use chrono::NaiveDate;
use waypoint_app::case_view::CaseView;
/// What stands in for a value the role may not see, in every listing.
pub use waypoint_app::import::NOT_SHOWN;
use waypoint_app::import::{ImportReport, ImportSummary};
use waypoint_app::search::SearchResult;
use waypoint_domain::{ExitPermitStep, FieldEvent, Role, exit_permit_state, may_see};

pub fn search_results(out: &mut dyn Write, results: &[SearchResult]) -> io::Result<()> {
    if results.is_empty() {
        return writeln!(out, "no one found");
    }
    for r in results {
        let native = match (&r.family_name_native, &r.given_names_native) {
            (None, None) => String::new(),
            (f, g) => format!(
                "  ({})",
                [f.as_deref(), g.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        };
        writeln!(
            out,
            "{:<16} {:<11} {}, {}{}  {} {} born {}",
            r.case_no,
            r.individual_no,
            r.family_name,
            r.given_names,
            native,
            r.relationship,
            r.sex,
            r.date_of_birth
        )?;
    }
    Ok(())
}

pub fn case(out: &mut dyn Write, view: &CaseView, today: NaiveDate) -> io::Result<()> {
    let c = &view.case;
    writeln!(out, "Case {}  site {}", c.case_no, c.site)?;
    if let Some(p) = &c.programme {
        writeln!(out, "  programme:   {p}")?;
    }
    if let Some(d) = &c.destination {
        let place = d
            .airport()
            .map(|a| format!(" ({}, {})", a.name, a.country_alpha2))
            .unwrap_or_default();
        writeln!(out, "  destination: {d}{place}")?;
    }
    if let Some(abn) = &c.abn {
        writeln!(out, "  ABN:         {abn}")?;
    }
    writeln!(out, "Members:")?;
    for m in &c.members {
        let age = m
            .date_of_birth
            .age_on(today)
            .map(|a| format!("age {a}"))
            .unwrap_or("age unknown".into());
        writeln!(
            out,
            "  {} {:<2} {}, {}  {}  born {} ({age})  {}",
            m.individual_no,
            m.relationship,
            m.family_name,
            m.given_names,
            m.sex,
            m.date_of_birth,
            m.nationality
        )?;
        if let Some(d) = &m.document {
            let number = d.number.as_deref().unwrap_or("no number");
            let expiry = d
                .expiry
                .map(|e| format!(", expires {e}"))
                .unwrap_or_default();
            writeln!(out, "      document: {} {number}{expiry}", d.document_type)?;
        }
        for code in &m.special_needs.ssr_codes {
            let what = code.info().map_or("not a code Waypoint knows", |i| i.en);
            writeln!(out, "      special need: {code} ({what})")?;
        }
        if let Some(n) = &m.special_needs.notes {
            writeln!(
                out,
                "      special-needs notes (sensitive): {}",
                n.replace('\n', "\n        ")
            )?;
        }
        if !m.vulnerabilities.is_empty() {
            let v: Vec<&str> = m.vulnerabilities.iter().map(|v| v.code()).collect();
            writeln!(out, "      vulnerabilities (sensitive): {}", v.join(" "))?;
        }
        let steps = view.events.iter().filter_map(|e| match &e.event {
            FieldEvent::ExitPermit(p) => Some(p),
            _ => None,
        });
        if let Some(step) = exit_permit_state(&m.individual_no, steps).current() {
            let words = match step {
                ExitPermitStep::Denied { text, .. } if !text.is_empty() => format!(": {text}"),
                _ => String::new(),
            };
            writeln!(out, "      exit permit: {}{words}", step.status())?;
        }
    }
    if !view.events.is_empty() {
        writeln!(out, "Recorded:")?;
        for e in &view.events {
            writeln!(
                out,
                "  {} {} {}",
                e.event.at().format("%Y-%m-%d %H:%M"),
                e.kind,
                e.id
            )?;
        }
    }
    Ok(())
}

/// An import's summary for a person working in `role`: clashes of fields the role may not see
/// are counted and located, without their values (the caller has removed them).
pub fn import_summary(
    out: &mut dyn Write,
    name: &str,
    report: &ImportReport,
    summary: &ImportSummary,
    role: Role,
) -> io::Result<()> {
    let parsed = &report.file;
    let verb = if summary.dry_run {
        "Checked (dry run, nothing saved)"
    } else {
        "Imported"
    };
    let rows =
        summary.individuals.created + summary.individuals.updated + summary.individuals.unchanged;
    writeln!(out, "{verb} {name}: {rows} row(s)")?;
    let tally = |t: &waypoint_app::import::Tally| {
        format!(
            "{} created, {} updated, {} unchanged",
            t.created, t.updated, t.unchanged
        )
    };
    writeln!(out, "  cases:       {}", tally(&summary.cases))?;
    writeln!(out, "  individuals: {}", tally(&summary.individuals))?;
    if summary.exit_permit_steps > 0 {
        writeln!(
            out,
            "  exit permits: {} step(s) recorded from the exit_permit columns",
            summary.exit_permit_steps
        )?;
    }
    if !parsed.problems.is_empty() {
        writeln!(
            out,
            "  skipped:     {} row(s) with problems (listed on standard error)",
            report.rows_with_problems()
        )?;
    }
    if !parsed.unknown_columns.is_empty() {
        writeln!(
            out,
            "  ignored columns: {}",
            parsed.unknown_columns.join(", ")
        )?;
    }
    writeln!(out, "  warnings:    {}", parsed.warnings.len())?;
    for w in &parsed.warnings {
        writeln!(out, "    {name}:{}:{}: {}", w.line, w.column, w.message())?;
    }
    writeln!(out, "  clashes:     {}", summary.clashes.len())?;
    if !summary.clashes.is_empty() {
        writeln!(
            out,
            "    (edited in Waypoint since the last import, on this device or received by sync: that value was kept; decide which is right)"
        )?;
    }
    let show = |v: &Option<String>| {
        v.as_deref()
            .map(|s| format!("'{s}'"))
            .unwrap_or("(empty)".into())
    };
    for c in &summary.clashes {
        let who = if c.individual_no.is_empty() {
            format!("case {}", c.case_no)
        } else {
            c.individual_no.clone()
        };
        if may_see(role, c.field) {
            writeln!(
                out,
                "    {name}:{}: {who} {}: kept {} (edited in Waypoint), file has {}",
                c.line,
                c.field,
                show(&c.local),
                show(&c.incoming)
            )?;
        } else {
            writeln!(
                out,
                "    {name}:{}: {who} {}: kept the value edited in Waypoint, the file has another {NOT_SHOWN}",
                c.line, c.field,
            )?;
        }
    }
    Ok(())
}
