//! What a batch does to the stored state, as [`plan`](super::plan) decides it and a backend
//! writes it.

use std::collections::BTreeMap;

use uuid::Uuid;
use waypoint_protocol::{Change, Refusal};

use super::inputs::FieldKey;

/// A field row to upsert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldRow {
    pub case_no: String,
    pub value: Option<String>,
    pub seq: u64,
    pub hlc: u64,
    pub device: Uuid,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub id: String,
    pub case_no: String,
    pub kind: String,
    pub json: String,
    pub seq: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewConflict {
    /// Also its first server_seq.
    pub id: u64,
    pub key: FieldKey,
    pub case_no: String,
    pub winner: Option<String>,
    pub loser: Option<String>,
    pub winner_device: String,
    pub loser_device: String,
}

/// What a batch does to the stored state.
#[derive(Debug, Default)]
pub struct Plan {
    /// Final state of every field the batch changed.
    pub fields: BTreeMap<FieldKey, FieldRow>,
    /// New cases and cases whose site changed: case_no → site.
    pub cases: BTreeMap<String, String>,
    /// New individuals and individuals whose case changed: individual_no → case_no.
    pub individuals: BTreeMap<String, String>,
    /// Individuals that moved to another case (of the same site): their stored rows follow.
    pub moved_individuals: Vec<String>,
    pub events: Vec<NewEvent>,
    pub conflicts: Vec<NewConflict>,
    /// Conflicts resolved: (id, new server_seq).
    pub resolved: Vec<(u64, u64)>,
    /// Cases that moved to another site: (case_no, old site). The backend re-sends their state
    /// to the new site (fresh sequence numbers) and writes a removal for the old one.
    pub moved_cases: Vec<(String, String)>,
    pub refused: Vec<Refusal>,
    /// Changes about a case number another site holds: acknowledged, kept whole for HQ, not
    /// applied (see `hold.rs`).
    pub held: Vec<HeldChange>,
    pub acked_up_to: u64,
    /// First unused sequence number after the plan.
    pub next_seq: u64,
    pub max_hlc: u64,
    /// When the batch was merged: arrivals that landed too long before are not kept.
    pub now_ms: u64,
}

/// A change kept for HQ instead of applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldChange {
    /// The case number it is held under: the case it is about, or, for a person whose number
    /// is on another site's case, that case.
    pub case_no: String,
    /// The device's site it was made for.
    pub site: String,
    /// As the device sent it.
    pub change: Change,
}
