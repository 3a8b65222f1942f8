//! What an import in the window takes and gives: the file, progress, and the report (problems,
//! warnings and clashes with local edits) as the role may see it.

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use waypoint_app::import::{ProblemCode, WarningCode};
use waypoint_domain::Field;

/// A case-import CSV read by the window, sent as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ImportRequest {
    pub file_name: String,
    pub content: String,
    /// Load the good rows of a file that has problems.
    pub partial: bool,
    /// Say what would happen; save nothing.
    pub dry_run: bool,
}

/// How far an import has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum ImportProgress {
    Read {
        bytes: u64,
        total_bytes: u64,
        rows: u64,
    },
    Saved {
        rows: u64,
    },
}

/// A problem or warning of an import file, where the CLI says `FILE:LINE:COLUMN: message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ImportIssue {
    pub line: u64,
    /// The column's header name, or empty for the whole row.
    pub column: String,
    pub value: String,
    /// What the window says, in the person's language.
    pub code: ImportIssueCode,
    /// English, as the CLI prints it: for tests and debugging, never shown as it is.
    pub message: String,
}

/// What is wrong (a problem's code) or suspicious (a warning's). The two share one code,
/// `not_shown`, which says the same in either list: the role may not see the value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(untagged)]
pub enum ImportIssueCode {
    Problem(ProblemCode),
    Warning(WarningCode),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Tally {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
}

/// A field edited on this device that the file would have changed: the local value was kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ImportClash {
    pub line: u64,
    pub case_no: String,
    /// Empty for a case field.
    pub individual_no: String,
    /// Sent as its CSV column name.
    pub field: Field,
    /// The role signed in may not see this field: `local` and `incoming` are left out.
    pub hidden: bool,
    pub local: Option<String>,
    pub incoming: Option<String>,
}

/// What an import did, or why it saved nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ImportOutcome {
    pub file_name: String,
    /// The file had problems and nothing was saved (not partial).
    pub rejected: bool,
    pub dry_run: bool,
    pub rows_read: u64,
    pub problems: Vec<ImportIssue>,
    /// How many rows the problems are in.
    pub rows_with_problems: u64,
    pub warnings: Vec<ImportIssue>,
    pub unknown_columns: Vec<String>,
    pub cases: Option<Tally>,
    pub individuals: Option<Tally>,
    pub clashes: Vec<ImportClash>,
}
