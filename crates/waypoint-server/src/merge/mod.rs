//! The merge rules of docs/sync-protocol.md ("Push"), decided once for both backends.
//!
//! A backend loads a [`Snapshot`] of everything a batch touches (under its write lock), calls
//! [`plan`], and writes the [`Plan`] in the same transaction. Nothing here does I/O, so the
//! rules are the same on SQLite and PostgreSQL by construction. What a backend loads is in
//! `inputs.rs`, what it writes in `outputs.rs`; changes kept for HQ are `hold.rs`'s.

use std::collections::HashMap;

use chrono::NaiveDate;
use waypoint_domain::{Field, FieldScope};
use waypoint_protocol::{Change, ChangeBody, Refusal, Scope, hlc};

use crate::store::Device;

mod arrivals;
mod events;
mod hold;
mod inputs;
mod outputs;

pub use arrivals::{
    ABOUT_BOOKING, ABOUT_CASE, ABOUT_INDIVIDUAL, ABOUT_REPLACES, ARRIVAL_RETENTION_MS, Arrival,
    Redelivery, booking_arrivals, event_about, redeliveries, touched_bookings,
};
pub use events::MAX_STORED_EVENT_BYTES;
use hold::Decision;
pub use hold::give;
pub(crate) use inputs::new_changes;
pub use inputs::{ConflictRef, FieldKey, FieldState, Snapshot, Wanted};
pub use outputs::{FieldRow, HeldChange, NewConflict, NewEvent, Plan};

/// The reason for a change outside the device's scope. Such changes are held (see `hold`)
/// before they get here, so it is only a safeguard: it is the same whether the case exists at
/// another site or not at all, so that even then it tells nothing about other sites.
pub const NOT_IN_SCOPE: &str = "This change is about a case that is not one of this device's \
    sites' cases (or that the server does not know); it was not applied. Ask HQ if the case \
    should be moved to your site.";

struct Planner<'a> {
    device: &'a Device,
    st: Snapshot,
    plan: Plan,
    today: NaiveDate,
    /// Cases whose creation this batch refused (number → why): the batch's other changes of
    /// such a case are refused with it rather than held.
    refused_cases: HashMap<String, String>,
}

/// Decides what a batch does. `changes` are the device's new changes in client_seq order
/// (already filtered by its last settled client_seq); `next_seq` is the first unused server
/// sequence number.
pub fn plan(
    device: &Device,
    changes: Vec<Change>,
    snapshot: Snapshot,
    next_seq: u64,
    now_ms: u64,
) -> Plan {
    let mut p = Planner::new(device, snapshot, next_seq, now_ms);
    for change in changes {
        let hlc = hlc::clamp(change.hlc, now_ms);
        p.plan.max_hlc = p.plan.max_hlc.max(hlc);
        p.plan.acked_up_to = p.plan.acked_up_to.max(change.client_seq);
        let client_seq = change.client_seq;
        let created_case = (change.scope == Scope::Case
            && matches!(change.body, ChangeBody::Create { .. }))
        .then(|| change.entity.clone());
        let outcome = match p.decide(&change) {
            Decision::Apply => p.change(change, hlc, false),
            Decision::Refuse(reason) => Err(reason),
            // A held change is checked like an applied one first, so that a bad one gets the
            // same refusal whoever holds its number.
            Decision::Hold { case_no, site } => p
                .change(change.clone(), hlc, true)
                .map(|()| p.hold(change, case_no, site)),
        };
        if let Err(reason) = outcome {
            if let Some(case_no) = created_case {
                p.refused_cases.insert(case_no, reason.clone());
            }
            p.plan.refused.push(Refusal { client_seq, reason });
        }
    }
    // Rows carry the case they belong to now (after any move in the batch).
    let Planner { st, mut plan, .. } = p;
    for (key, row) in plan.fields.iter_mut() {
        if key.scope == Scope::Individual {
            if let Some(case_no) = st.individuals.get(&key.entity) {
                row.case_no.clone_from(case_no);
            }
        }
    }
    plan
}

impl<'a> Planner<'a> {
    fn new(device: &'a Device, st: Snapshot, next_seq: u64, now_ms: u64) -> Self {
        let today = i64::try_from(now_ms)
            .ok()
            .and_then(chrono::DateTime::from_timestamp_millis)
            .map(|t| t.date_naive())
            .unwrap_or_default();
        Planner {
            device,
            st,
            plan: Plan {
                next_seq,
                now_ms,
                acked_up_to: device.last_client_seq,
                ..Plan::default()
            },
            today,
            refused_cases: HashMap::new(),
        }
    }

    fn alloc(&mut self) -> u64 {
        let seq = self.plan.next_seq;
        self.plan.next_seq += 1;
        seq
    }

    fn serves(&self, site: &str) -> bool {
        self.device.sites.iter().any(|s| s == site)
    }

    /// The case's site, when the device may change the case.
    fn case_in_scope(&self, case_no: &str) -> Result<&str, String> {
        match self.st.cases.get(case_no) {
            Some(site) if self.serves(site) => Ok(site),
            _ => Err(NOT_IN_SCOPE.to_string()),
        }
    }

    /// Applies a change, or with `check_only` only checks what can be checked without the
    /// stored records (a change to be held).
    fn change(&mut self, change: Change, hlc: u64, check_only: bool) -> Result<(), String> {
        match (change.scope, change.body) {
            (Scope::Case, ChangeBody::Create { case_no, fields }) => {
                if case_no != change.entity {
                    return Err(malformed("a new case whose number differs from its entity"));
                }
                self.create_case(&case_no, fields, hlc, check_only)
            }
            (Scope::Individual, ChangeBody::Create { case_no, fields }) => {
                self.create_individual(&change.entity, &case_no, fields, hlc, check_only)
            }
            (
                scope @ (Scope::Case | Scope::Individual),
                ChangeBody::Field {
                    field,
                    value,
                    base_seq,
                    resolves,
                    ..
                },
            ) => self.field_change(
                scope,
                &change.entity,
                &field,
                value,
                (base_seq, hlc),
                resolves,
                check_only,
            ),
            (
                Scope::Event,
                ChangeBody::Event {
                    case_no,
                    kind,
                    json,
                },
            ) => self.event(change.entity, case_no, kind, json, check_only),
            _ => Err(malformed("a change whose kind does not fit its scope")),
        }
    }

    fn check_value(&self, field: Field, value: &Option<String>) -> Result<(), String> {
        match value {
            None if field.required() => Err(format!(
                "{} is required and cannot be cleared; the change was not applied.",
                field.column()
            )),
            None => Ok(()),
            // Never quote the value: it may be a name or a document number.
            Some(v) => match field.normalize(v, self.today) {
                Ok(Some(canonical)) if canonical == *v => Ok(()),
                Ok(_) => Err(format!(
                    "The new value of {} is not in its canonical form; update Waypoint on this \
                     device and make the change again.",
                    field.column()
                )),
                Err(_) => Err(format!(
                    "The new value of {} is not valid; the change was not applied.",
                    field.column()
                )),
            },
        }
    }

    /// Parses a create's fields: each must be known, belong to `scope` (an individual's also
    /// carries its case_no) and be canonical.
    fn create_fields(
        &self,
        scope: FieldScope,
        fields: Vec<(String, Option<String>)>,
    ) -> Result<Vec<(Field, Option<String>)>, String> {
        let mut parsed: Vec<(Field, Option<String>)> = Vec::with_capacity(fields.len());
        for (name, value) in fields {
            let field = Field::from_column(&name)
                .filter(|f| f.column() == name)
                .ok_or_else(|| unknown_field(&name))?;
            if field.scope() != scope && field != Field::CaseNo {
                return Err(format!(
                    "{name} is not a field of {}; the record was not applied.",
                    if scope == FieldScope::Case {
                        "a case"
                    } else {
                        "an individual"
                    }
                ));
            }
            if parsed.iter().any(|(f, _)| *f == field) {
                return Err(malformed("a new record naming a field twice"));
            }
            self.check_value(field, &value)?;
            parsed.push((field, value));
        }
        Ok(parsed)
    }

    fn create_case(
        &mut self,
        case_no: &str,
        fields: Vec<(String, Option<String>)>,
        hlc: u64,
        check_only: bool,
    ) -> Result<(), String> {
        let fields = self.create_fields(FieldScope::Case, fields)?;
        let value_of = |f: Field| {
            fields
                .iter()
                .find(|(g, _)| *g == f)
                .and_then(|(_, v)| v.clone())
        };
        if value_of(Field::CaseNo).is_some_and(|v| v != case_no) {
            return Err(malformed(
                "a new case whose case_no field differs from its number",
            ));
        }
        let Some(site) = value_of(Field::Site) else {
            return Err("A new case needs its site; the case was not applied.".into());
        };
        if !self.serves(&site) {
            return Err(format!(
                "The case's site ({site}) is not one of this device's sites ({}); the case was \
                 not applied.",
                self.device.sites.join(", ")
            ));
        }
        if check_only {
            return Ok(());
        }
        if self.st.cases.contains_key(case_no) {
            // Created twice (two devices, or a re-created case): merge field by field.
            self.case_in_scope(case_no)?;
        } else {
            self.st.cases.insert(case_no.to_string(), site.clone());
            self.plan.cases.insert(case_no.to_string(), site);
        }
        for (field, value) in fields {
            let key = FieldKey {
                scope: Scope::Case,
                entity: case_no.to_string(),
                field: field.column().to_string(),
            };
            self.merge(key, field, value, 0, hlc);
        }
        Ok(())
    }

    fn create_individual(
        &mut self,
        individual_no: &str,
        case_no: &str,
        fields: Vec<(String, Option<String>)>,
        hlc: u64,
        check_only: bool,
    ) -> Result<(), String> {
        let fields = self.create_fields(FieldScope::Individual, fields)?;
        let value_of = |f: Field| {
            fields
                .iter()
                .find(|(g, _)| *g == f)
                .and_then(|(_, v)| v.clone())
        };
        if value_of(Field::CaseNo).is_some_and(|v| v != case_no)
            || value_of(Field::IndividualNo).is_some_and(|v| v != individual_no)
        {
            return Err(malformed(
                "a new individual whose numbers differ from its entity",
            ));
        }
        if check_only {
            return Ok(());
        }
        let site = self.case_in_scope(case_no)?.to_string();
        match self.st.individuals.get(individual_no).cloned() {
            Some(current_case) => {
                let current_site = self.case_in_scope(&current_case)?;
                if current_case != case_no && current_site != site {
                    return Err(MOVE_ACROSS_SITES.into());
                }
            }
            None => {
                self.st
                    .individuals
                    .insert(individual_no.to_string(), case_no.to_string());
                self.plan
                    .individuals
                    .insert(individual_no.to_string(), case_no.to_string());
            }
        }
        for (field, value) in fields {
            let key = FieldKey {
                scope: Scope::Individual,
                entity: individual_no.to_string(),
                field: field.column().to_string(),
            };
            self.merge(key, field, value, 0, hlc);
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn field_change(
        &mut self,
        scope: Scope,
        entity: &str,
        name: &str,
        value: Option<String>,
        (base_seq, hlc): (u64, u64),
        resolves: Option<u64>,
        check_only: bool,
    ) -> Result<(), String> {
        let field = Field::from_column(name)
            .filter(|f| f.column() == name)
            .ok_or_else(|| unknown_field(name))?;
        let field_scope = if scope == Scope::Case {
            FieldScope::Case
        } else {
            FieldScope::Individual
        };
        if field.scope() != field_scope && !(scope == Scope::Individual && field == Field::CaseNo) {
            return Err(format!(
                "{name} is not a field of {}; the change was not applied.",
                if scope == Scope::Case {
                    "a case"
                } else {
                    "an individual"
                }
            ));
        }
        self.check_value(field, &value)?;
        match (scope, field) {
            (Scope::Case, Field::CaseNo) => {
                return Err("A case number cannot be changed; the change was not applied.".into());
            }
            (Scope::Individual, Field::IndividualNo) => {
                return Err(
                    "An individual number cannot be changed; the change was not applied.".into(),
                );
            }
            (Scope::Case, Field::Site) if !value.as_deref().is_some_and(|s| self.serves(s)) => {
                return Err(
                    "A case can only be moved to one of this device's sites; the \
                            change was not applied."
                        .into(),
                );
            }
            _ => {}
        }
        // What follows depends on the stored records, which a held change does not touch.
        if check_only {
            return Ok(());
        }
        let case_no = match scope {
            Scope::Case => entity.to_string(),
            _ => self
                .st
                .individuals
                .get(entity)
                .cloned()
                .ok_or_else(|| NOT_IN_SCOPE.to_string())?,
        };
        let site = self.case_in_scope(&case_no)?.to_string();
        if (scope, field) == (Scope::Individual, Field::CaseNo) {
            let target = value.as_deref().unwrap_or_default();
            match self.st.cases.get(target) {
                Some(s) if *s == site => {}
                _ => return Err(MOVE_ACROSS_SITES.into()),
            }
        }
        let key = FieldKey {
            scope,
            entity: entity.to_string(),
            field: name.to_string(),
        };
        if let Some(id) = resolves {
            match self.st.conflicts.get(&id) {
                Some(c)
                    if c.scope == key.scope && c.entity == key.entity && c.field == key.field => {}
                _ => {
                    return Err("The conflict this change resolves was not found for this \
                                field; the change was not applied."
                        .into());
                }
            }
        }
        self.merge(key, field, value, base_seq, hlc);
        if let Some(id) = resolves {
            if let Some(c) = self.st.conflicts.get_mut(&id) {
                if !c.resolved {
                    c.resolved = true;
                    let seq = self.alloc();
                    self.plan.resolved.push((id, seq));
                }
            }
        }
        Ok(())
    }

    /// The merge of one field value (docs/sync-protocol.md, step 4).
    fn merge(
        &mut self,
        key: FieldKey,
        field: Field,
        value: Option<String>,
        base_seq: u64,
        hlc: u64,
    ) {
        let me = (hlc, self.device.id);
        let apply = match self.st.fields.get(&key).cloned() {
            None => true,
            // Fast-forward: made on a copy that already held the current value (the device had
            // received this field's sequence number, or a later one of the record), or after
            // this device's own last write.
            Some(cur)
                if cur.seq <= base_seq || (cur.device == self.device.id && cur.hlc <= hlc) =>
            {
                cur.value != value
            }
            Some(cur) => {
                let new_wins = me > (cur.hlc, cur.device);
                if field.sensitive() && cur.value != value {
                    let (winner, loser, winner_device, loser_device) = if new_wins {
                        (
                            value.clone(),
                            cur.value.clone(),
                            self.device.name.clone(),
                            cur.device_name.clone(),
                        )
                    } else {
                        (
                            cur.value.clone(),
                            value.clone(),
                            cur.device_name.clone(),
                            self.device.name.clone(),
                        )
                    };
                    let case_no = self.case_of(&key);
                    let id = self.alloc();
                    self.st.conflicts.insert(
                        id,
                        ConflictRef {
                            scope: key.scope,
                            entity: key.entity.clone(),
                            field: key.field.clone(),
                            resolved: false,
                        },
                    );
                    self.plan.conflicts.push(NewConflict {
                        id,
                        key: key.clone(),
                        case_no,
                        winner,
                        loser,
                        winner_device,
                        loser_device,
                    });
                }
                new_wins && cur.value != value
            }
        };
        if !apply {
            return;
        }
        let seq = self.alloc();
        let case_no = self.case_of(&key);
        // Follow-on effects of the two fields that say where a record belongs.
        if key.scope == Scope::Case && field == Field::Site {
            if let Some(new_site) = &value {
                if let Some(old) = self.st.cases.insert(key.entity.clone(), new_site.clone()) {
                    if old != *new_site {
                        self.plan.cases.insert(key.entity.clone(), new_site.clone());
                        if !self.plan.moved_cases.iter().any(|(c, _)| *c == key.entity) {
                            self.plan.moved_cases.push((key.entity.clone(), old));
                        }
                    }
                }
            }
        }
        if key.scope == Scope::Individual && field == Field::CaseNo {
            if let Some(new_case) = &value {
                if let Some(old) = self
                    .st
                    .individuals
                    .insert(key.entity.clone(), new_case.clone())
                {
                    if old != *new_case {
                        self.plan
                            .individuals
                            .insert(key.entity.clone(), new_case.clone());
                        self.plan.moved_individuals.push(key.entity.clone());
                    }
                }
            }
        }
        self.st.fields.insert(
            key.clone(),
            FieldState {
                value: value.clone(),
                seq,
                hlc,
                device: self.device.id,
                device_name: self.device.name.clone(),
            },
        );
        self.plan.fields.insert(
            key,
            FieldRow {
                case_no,
                value,
                seq,
                hlc,
                device: self.device.id,
            },
        );
    }

    fn case_of(&self, key: &FieldKey) -> String {
        match key.scope {
            Scope::Individual => self
                .st
                .individuals
                .get(&key.entity)
                .cloned()
                .unwrap_or_default(),
            _ => key.entity.clone(),
        }
    }
}

const MOVE_ACROSS_SITES: &str = "A person can only be moved to another case of the same site \
    by sync; the change was not applied. Ask HQ to move the person.";

fn malformed(what: &str) -> String {
    format!(
        "The device sent {what}; the change was not applied. This is a fault in Waypoint: \
         please report it."
    )
}

fn unknown_field(name: &str) -> String {
    // Field names come from the program, not from people: safe to repeat, but keep it short.
    let name: String = name.chars().take(40).collect();
    format!("'{name}' is not a field this server knows; update the server or the device.")
}
