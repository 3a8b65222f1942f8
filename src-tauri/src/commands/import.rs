//! Import a case-import CSV read by the window (no file-system access from the UI): progress
//! while it runs, then what the CLI reports: the summary, every problem (line, column, value),
//! warnings and clashes with local edits, without what the role may not see
//! (`waypoint_app::import`).

use waypoint_app::import::ImportMode;
use waypoint_domain::may_see;

use crate::dto::{
    ImportClash, ImportIssue, ImportIssueCode, ImportOutcome, ImportProgress, ImportRequest, Tally,
};
use crate::error::CommandError;
use waypoint_app::session::Session;

pub fn import_csv(
    state: &Session,
    request: &ImportRequest,
    progress: &mut dyn FnMut(ImportProgress),
) -> Result<ImportOutcome, CommandError> {
    let total_bytes = request.content.len() as u64;
    let mode = ImportMode {
        partial: request.partial,
        dry_run: request.dry_run,
    };
    let mut store = state.store()?;
    let role = store.role();
    // What the role may not see is already out of the report.
    let report = waypoint_app::import::import_csv(
        &mut store,
        role,
        &state.context(),
        &request.file_name,
        request.content.as_bytes(),
        mode,
        &mut |p| {
            progress(match p {
                waypoint_app::import::ImportProgress::Read { bytes, rows } => {
                    ImportProgress::Read {
                        bytes,
                        total_bytes,
                        rows,
                    }
                }
                waypoint_app::import::ImportProgress::Saved { rows } => {
                    ImportProgress::Saved { rows }
                }
            })
        },
    )?;
    drop(store);
    // The next search should not pay for rebuilding the index; built off the store, so the
    // window's other commands go on meanwhile. Should it fail, a search builds it itself: the
    // import is done either way.
    if let Err(e) = state.build_search_index() {
        eprintln!("waypoint-desktop: search index after the import: {e}");
    }
    let file = &report.file;
    let tally = |t: &waypoint_app::import::Tally| Tally {
        created: t.created,
        updated: t.updated,
        unchanged: t.unchanged,
    };
    let issue = |line: u64, column: &str, value: &str, code: ImportIssueCode, message: String| {
        ImportIssue {
            line,
            column: column.to_string(),
            value: value.to_string(),
            code,
            message,
        }
    };
    Ok(ImportOutcome {
        file_name: request.file_name.clone(),
        rejected: report.summary.is_none(),
        dry_run: request.dry_run,
        rows_read: file.rows_read,
        rows_with_problems: report.rows_with_problems(),
        problems: file
            .problems
            .iter()
            .map(|p| {
                let code = ImportIssueCode::Problem(p.code.clone());
                issue(p.line, &p.column, &p.value, code, p.message())
            })
            .collect(),
        warnings: file
            .warnings
            .iter()
            .map(|w| {
                let code = ImportIssueCode::Warning(w.code.clone());
                issue(w.line, &w.column, &w.value, code, w.message())
            })
            .collect(),
        unknown_columns: file.unknown_columns.clone(),
        cases: report.summary.as_ref().map(|s| tally(&s.cases)),
        individuals: report.summary.as_ref().map(|s| tally(&s.individuals)),
        clashes: report
            .summary
            .as_ref()
            .map(|s| {
                s.clashes
                    .iter()
                    .map(|c| ImportClash {
                        line: c.line,
                        case_no: c.case_no.clone(),
                        individual_no: c.individual_no.clone(),
                        field: c.field,
                        hidden: !may_see(role, c.field),
                        local: c.local.clone(),
                        incoming: c.incoming.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::{search, special_needs, testing};
    use crate::dto::SpecialNeedsUpdate;

    fn request(content: &str, partial: bool, dry_run: bool) -> ImportRequest {
        ImportRequest {
            file_name: "cases.csv".into(),
            content: content.into(),
            partial,
            dry_run,
        }
    }

    #[test]
    fn a_file_with_problems_is_rejected_whole_with_line_column_and_value() {
        let (_dir, state) = testing::state();
        let bad = testing::SAMPLE.replacen(
            "I-0001020,PA,TESFAY,Meron,ተስፋይ,ሜሮን,F,2009-08-19",
            "I-0001020,PA,TESFAY,Meron,ተስፋይ,ሜሮን,Q,2009-08-19",
            1,
        );
        let mut seen = Vec::new();
        let out = import_csv(&state, &request(&bad, false, false), &mut |p| seen.push(p)).unwrap();
        assert!(out.rejected);
        assert_eq!(out.rows_with_problems, 1);
        let p = &out.problems[0];
        assert_eq!(
            (p.line, p.column.as_str(), p.value.as_str()),
            (7, "sex", "Q")
        );
        // The window words the problem from its code; the English is for tests and debugging.
        assert_eq!(
            serde_json::to_value(&p.code).unwrap(),
            serde_json::json!({
                "code": "invalid_value",
                "params": { "code": "not_one_of", "params": { "value": "Q", "list": "sex" } }
            })
        );
        assert!(p.message.contains("'Q' is not a sex"), "{}", p.message);
        assert!(out.cases.is_none());
        assert!(!seen.is_empty());
    }

    #[test]
    fn partial_loads_the_good_rows_and_reimport_reports_clashes() {
        let (_dir, state) = testing::state();
        special_needs::update_special_needs(
            &state,
            &SpecialNeedsUpdate {
                individual_no: "I-0001031".into(),
                ssr_codes: Some(vec!["WCHR".into()]),
                notes: None,
                vulnerabilities: None,
            },
        )
        .unwrap();
        let out = import_csv(&state, &request(testing::SAMPLE, false, false), &mut |_| {}).unwrap();
        assert!(!out.rejected);
        assert_eq!(out.individuals.unwrap().unchanged, 10);
        assert_eq!(out.clashes.len(), 1);
        assert_eq!(out.clashes[0].field, waypoint_domain::Field::SsrCodes);
        assert_eq!(out.clashes[0].local.as_deref(), Some("WCHR"));
        let dry = import_csv(&state, &request(testing::SAMPLE, false, true), &mut |_| {}).unwrap();
        assert!(dry.dry_run && !dry.rejected);
        assert!(!search::search(&state, "TESFAY", 5).unwrap().is_empty());
    }

    #[test]
    fn a_file_that_is_not_a_case_import_is_said_so() {
        let (_dir, state) = testing::state();
        let e = import_csv(
            &state,
            &request("hello,world\n1,2\n", false, false),
            &mut |_| {},
        )
        .unwrap_err();
        assert!(e.message().starts_with("cases.csv: "), "{}", e.message());
    }

    /// A field assistant's edit of a vulnerability clashes with a re-import by data
    /// processing, who may not see vulnerabilities: the clash is reported without its values.
    #[test]
    fn a_clash_in_a_field_the_role_may_not_see_is_reported_without_values() {
        let (dir, supervisor) = testing::state();
        for (name, role) in [
            ("Fay Field", waypoint_domain::Role::FieldAssistant),
            ("Dan Data", waypoint_domain::Role::DataProcessing),
        ] {
            supervisor
                .store()
                .unwrap()
                .add_local_staff("A. Officer", name, role)
                .unwrap();
        }
        drop(supervisor);
        let field = testing::signed_in(dir.path(), "Fay Field");
        special_needs::update_special_needs(
            &field,
            &SpecialNeedsUpdate {
                individual_no: "I-0001031".into(),
                ssr_codes: None,
                notes: None,
                vulnerabilities: Some(vec!["AT_RISK".into()]),
            },
        )
        .unwrap();
        drop(field);
        let data = testing::signed_in(dir.path(), "Dan Data");
        let out = import_csv(&data, &request(testing::SAMPLE, false, true), &mut |_| {}).unwrap();
        let clash = out
            .clashes
            .iter()
            .find(|c| c.field == waypoint_domain::Field::Vulnerabilities)
            .unwrap();
        assert!(clash.hidden);
        assert_eq!(
            (clash.local.as_deref(), clash.incoming.as_deref()),
            (None, None)
        );
        assert!(!serde_json::to_string(&out).unwrap().contains("AT_RISK"));
    }
}
