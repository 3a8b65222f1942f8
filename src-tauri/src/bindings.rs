//! TypeScript types for the UI, generated from [`crate::dto`] with `ts-rs` and committed under
//! `ui/src/lib/bindings/`. The test `tests/bindings.rs` fails when the committed files differ
//! from what the Rust types generate; `WAYPOINT_BLESS=1` makes it rewrite them.

use std::path::Path;

use ts_rs::{Config, ExportError, TS};

use waypoint_domain::{
    AbnVersionKind, Action, BookingProblem, BookingStatus, CancelReason, DenialReason,
    DocumentType, EscortKind, ExitPermitStatus, Field, HoldReason, Relationship, Role, Sex,
    SsrCategory, Vulnerability,
};

use crate::dto::*;
use crate::error::CommandFailure;

/// Where the UI keeps the generated types, from this crate's directory.
pub const UI_BINDINGS: &str = "../ui/src/lib/bindings";

/// Writes every command's argument and result types (and what they use) into `dir`.
pub fn export(dir: &Path) -> Result<(), ExportError> {
    // serde_json writes 64-bit integers as JSON numbers.
    let cfg = Config::new().with_out_dir(dir).with_large_int("number");
    SearchHit::export_all(&cfg)?;
    CaseDetail::export_all(&cfg)?;
    EventRecord::export_all(&cfg)?;
    DocumentCustody::export_all(&cfg)?;
    TransferRequest::export_all(&cfg)?;
    MrzComparison::export_all(&cfg)?;
    IdentityCheckRequest::export_all(&cfg)?;
    IdentityCheckRecord::export_all(&cfg)?;
    SopProgramme::export_all(&cfg)?;
    CounsellingRequest::export_all(&cfg)?;
    CounsellingRecord::export_all(&cfg)?;
    SpecialNeedsOptions::export_all(&cfg)?;
    SpecialNeedsUpdate::export_all(&cfg)?;
    Member::export_all(&cfg)?;
    BookingDetail::export_all(&cfg)?;
    BookingRequest::export_all(&cfg)?;
    AcknowledgeRequest::export_all(&cfg)?;
    AbnDetail::export_all(&cfg)?;
    AbnPdfRequest::export_all(&cfg)?;
    AbnPdfSaved::export_all(&cfg)?;
    ImportRequest::export_all(&cfg)?;
    ImportProgress::export_all(&cfg)?;
    ImportOutcome::export_all(&cfg)?;
    ConflictItem::export_all(&cfg)?;
    ConflictResolution::export_all(&cfg)?;
    Status::export_all(&cfg)?;
    SyncOutcome::export_all(&cfg)?;
    SessionInfo::export_all(&cfg)?;
    SignInOutcome::export_all(&cfg)?;
    HistoryEntry::export_all(&cfg)?;
    JourneyChangeRequest::export_all(&cfg)?;
    ExitPermitStepRequest::export_all(&cfg)?;
    ExitPermitRecord::export_all(&cfg)?;
    // The domain's code lists, so the UI builds translation keys from typed unions.
    Relationship::export_all(&cfg)?;
    Sex::export_all(&cfg)?;
    DocumentType::export_all(&cfg)?;
    Vulnerability::export_all(&cfg)?;
    ExitPermitStatus::export_all(&cfg)?;
    DenialReason::export_all(&cfg)?;
    HoldReason::export_all(&cfg)?;
    CancelReason::export_all(&cfg)?;
    BookingStatus::export_all(&cfg)?;
    EscortKind::export_all(&cfg)?;
    AbnVersionKind::export_all(&cfg)?;
    BookingProblem::export_all(&cfg)?;
    SsrCategory::export_all(&cfg)?;
    Field::export_all(&cfg)?;
    Role::export_all(&cfg)?;
    Action::export_all(&cfg)?;
    CommandFailure::export_all(&cfg)?;
    Ok(())
}
