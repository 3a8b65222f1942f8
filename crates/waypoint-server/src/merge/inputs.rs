//! What a batch touches, as a backend loads it before [`plan`](super::plan): which keys to
//! load ([`Wanted`]) and what it found ([`Snapshot`]).

use std::collections::{HashMap, HashSet};

use uuid::Uuid;
use waypoint_protocol::{Change, Scope};

use crate::store::ServerStoreError;

/// A profile field of one case or individual.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FieldKey {
    pub scope: Scope,
    pub entity: String,
    pub field: String,
}

/// A field's current value on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldState {
    pub value: Option<String>,
    pub seq: u64,
    pub hlc: u64,
    pub device: Uuid,
    pub device_name: String,
}

/// What a batch touches, as the backend loaded it before planning.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// case_no → site.
    pub cases: HashMap<String, String>,
    /// individual_no → case_no.
    pub individuals: HashMap<String, String>,
    pub fields: HashMap<FieldKey, FieldState>,
    pub events: HashSet<String>,
    /// Conflicts named by resolutions in the batch.
    pub conflicts: HashMap<u64, ConflictRef>,
    /// (case_no, site) of the batch's cases that have changes held for a site.
    pub held_cases: HashSet<(String, String)>,
    /// (individual_no, site) → case_no: the batch's people with changes held for a site, and
    /// the case number they are held under.
    pub held_individuals: HashMap<(String, String), String>,
    /// Of the batch's cases, those with travellers arriving at the device's airports (when
    /// its site is a port of entry): case_no → (individual_no, booking_ref) of each.
    pub arriving: HashMap<String, Vec<(String, String)>>,
}

/// What a resolution must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConflictRef {
    pub scope: Scope,
    pub entity: String,
    pub field: String,
    pub resolved: bool,
}

/// The keys a backend loads for a batch.
#[derive(Debug, Default)]
pub struct Wanted {
    pub case_nos: Vec<String>,
    pub individual_nos: Vec<String>,
    /// Records whose every field is loaded (the batch creates them).
    pub entities: Vec<String>,
    /// Single fields the batch changes (of records not in `entities`): loading a record's
    /// ~21 fields for one changed field made a batch of edits read 21 times what it needed.
    pub fields: Vec<FieldKey>,
    pub event_ids: Vec<String>,
    pub conflict_ids: Vec<u64>,
}

impl Wanted {
    pub fn of(changes: &[Change]) -> Wanted {
        use waypoint_protocol::ChangeBody;
        let mut cases = HashSet::new();
        let mut individuals = HashSet::new();
        let mut entities = HashSet::new();
        let mut fields = HashSet::new();
        let mut events = HashSet::new();
        let mut conflicts = HashSet::new();
        for c in changes {
            match &c.body {
                ChangeBody::Create {
                    case_no,
                    fields: values,
                } => {
                    entities.insert(c.entity.clone());
                    cases.insert(case_no.clone());
                    for (name, value) in values {
                        if name == "case_no" {
                            if let Some(v) = value {
                                cases.insert(v.clone());
                            }
                        }
                    }
                }
                ChangeBody::Field {
                    case_no,
                    field,
                    value,
                    resolves,
                    ..
                } => {
                    cases.insert(case_no.clone());
                    if field == "case_no" {
                        if let Some(v) = value {
                            cases.insert(v.clone());
                        }
                    }
                    if let Some(id) = resolves {
                        conflicts.insert(*id);
                    }
                    if c.scope != Scope::Event {
                        fields.insert(FieldKey {
                            scope: c.scope,
                            entity: c.entity.clone(),
                            field: field.clone(),
                        });
                    }
                }
                ChangeBody::Event { case_no, .. } => {
                    cases.insert(case_no.clone());
                }
            }
            match c.scope {
                Scope::Case => {
                    cases.insert(c.entity.clone());
                }
                Scope::Individual => {
                    individuals.insert(c.entity.clone());
                }
                Scope::Event => {
                    events.insert(c.entity.clone());
                }
            }
        }
        Wanted {
            case_nos: cases.into_iter().collect(),
            individual_nos: individuals.into_iter().collect(),
            fields: fields
                .into_iter()
                .filter(|k| !entities.contains(&k.entity))
                .collect(),
            entities: entities.into_iter().collect(),
            event_ids: events.into_iter().collect(),
            conflict_ids: conflicts.into_iter().collect(),
        }
    }
}

/// Keeps the changes a device has not pushed before, checking their order.
pub(crate) fn new_changes(
    changes: Vec<Change>,
    last_client_seq: u64,
) -> Result<Vec<Change>, ServerStoreError> {
    let mut previous = 0;
    for c in &changes {
        if c.client_seq <= previous {
            return Err(ServerStoreError::OutOfOrder(c.client_seq));
        }
        if i64::try_from(c.client_seq).is_err() {
            return Err(ServerStoreError::OutOfRange);
        }
        previous = c.client_seq;
    }
    Ok(changes
        .into_iter()
        .filter(|c| c.client_seq > last_client_seq)
        .collect())
}
