//! Role-aware reads and writes: the need-to-know rules of `waypoint_domain::RoleTable`,
//! enforced where the data leaves the store.
//!
//! Each `*_as` method is its unrestricted namesake with a [`Role`]: fields the role may not
//! see are removed (not greyed: the value is not in what is returned), edits and actions the
//! role may not do are refused with [`StoreError::NotAllowed`], and only what was shown is
//! recorded as viewed in the audit log. The unrestricted methods stay for the CLI, sync and
//! tests, which act for the device, not for a person.

use std::collections::BTreeMap;
use std::io::Write;

use chrono::NaiveDate;
use waypoint_domain::{
    Action, ExitPermitEvent, ExitPermitStep, Field, FieldEvent, Record, Refused, Role, may,
    may_edit, may_see,
};

use crate::profile::{RECORD_SELECT, case_fields, individual_fields, read_record};
use crate::{CaseView, Conflict, EditOutcome, SearchResult, Store, StoreError};

/// Removes from `record` every field `role` may not see, and the two old exit-permit fields,
/// which no one reads any more (they are kept for older versions; the permit is its steps).
pub fn redact_record(role: Role, record: &mut Record) {
    for field in Field::ALL {
        if !may_see(role, *field)
            || matches!(field, Field::ExitPermit | Field::ExitPermitDenialReason)
        {
            record.set(*field, None);
        }
    }
}

/// Removes from an event what `role` may not see: mismatches of hidden fields, document
/// numbers if documents are hidden, counselling notes unless medical notes are seen (they
/// often hold them).
pub fn redact_event(role: Role, event: &mut FieldEvent) {
    match event {
        FieldEvent::IdentityCheck(c) => {
            c.mismatches
                .retain(|m| Field::from_column(&m.field).is_some_and(|f| may_see(role, f)));
            if !may_see(role, Field::DocumentNo) {
                c.document_no = None;
            }
        }
        FieldEvent::CounsellingSession(s) => {
            if !may_see(role, Field::SpecialNeedsNotes) {
                s.notes = None;
            }
        }
        FieldEvent::CustodyTransfer(t) => {
            if !may_see(role, Field::DocumentNo) {
                t.document_no = String::new();
            }
        }
        FieldEvent::ExitPermit(p) => redact_exit_permit(role, p),
        // Why a journey stopped is for everyone who plans it.
        FieldEvent::Journey(_) => {}
        FieldEvent::Booking(b) => {
            for change in &mut b.changes {
                if let waypoint_domain::BookingChange::Travellers(ts) = change {
                    ts.iter_mut().for_each(|t| redact_traveller(role, t));
                }
            }
        }
        FieldEvent::WarningAcknowledgement(_) => {}
        FieldEvent::AbnVersion(v) => v.bookings.iter_mut().for_each(|b| redact_booking(role, b)),
        // The bag's items name no value; a departure notice's words go to stakeholders anyway.
        FieldEvent::TravelBag(_) | FieldEvent::DepartureNotice(_) => {}
        // Who rode which bus, who did not and why, and what they were handed: for everyone
        // who plans or follows the departure, like a journey's holds.
        FieldEvent::Manifest(_) | FieldEvent::Boarding(_) | FieldEvent::ItemsHanded(_) => {}
        // Hotels, agencies and baggage counts are what everyone meeting the case needs.
        FieldEvent::ArrivalStep(_) => {}
        // The account of an incident often tells of a medical emergency: seen as medical
        // notes are.
        FieldEvent::Incident(i) => {
            if !may_see(role, Field::SpecialNeedsNotes) {
                i.text.clear();
            }
        }
    }
}

/// Removes the SSR codes of a booking's travellers from a role that may not see them.
pub fn redact_booking(role: Role, booking: &mut waypoint_domain::Booking) {
    booking
        .travellers
        .iter_mut()
        .for_each(|t| redact_traveller(role, t));
}

fn redact_traveller(role: Role, traveller: &mut waypoint_domain::Traveller) {
    if !may_see(role, Field::SsrCodes) {
        traveller.ssr.iter_mut().for_each(Vec::clear);
    }
}

/// Removes from an exit-permit step what the denial reason field hides from `role`: what the
/// authority said and the possible solution (the reason's code, for the report, stays).
pub fn redact_exit_permit(role: Role, event: &mut ExitPermitEvent) {
    if may_see(role, Field::ExitPermitDenialReason) {
        return;
    }
    if let ExitPermitStep::Denied { text, solution, .. } = &mut event.step {
        text.clear();
        *solution = None;
    }
}

impl Store {
    /// Refuses an action `role` may not do.
    pub fn require(&self, role: Role, action: Action) -> Result<(), StoreError> {
        if may(role, action) {
            Ok(())
        } else {
            Err(StoreError::NotAllowed {
                role,
                what: Refused::Action { action },
            })
        }
    }

    /// Refuses a change of `field` that `role` may not make (what [`Store::set_field_as`] says
    /// too): for callers that check every change before saving any.
    pub fn require_edit(&self, role: Role, field: Field) -> Result<(), StoreError> {
        if may_edit(role, field) {
            Ok(())
        } else {
            Err(StoreError::NotAllowed {
                role,
                what: Refused::Change { field },
            })
        }
    }

    /// [`Store::case`] for `role`: the fields it may not see are not in the view.
    pub fn case_as(&self, role: Role, case_no: &str) -> Result<Option<CaseView>, StoreError> {
        let case_no = case_no.trim().to_ascii_uppercase();
        let sql = format!(
            "{} WHERE i.case_no = ?1 ORDER BY i.relationship <> 'PA', i.individual_no",
            *RECORD_SELECT
        );
        let mut records = self
            .conn
            .prepare_cached(&sql)?
            .query_map([&case_no], read_record)?
            .map(|r| r.map(|(_, rec)| rec))
            .collect::<Result<Vec<_>, _>>()?;
        if records.is_empty() {
            return Ok(None);
        }
        for r in &mut records {
            redact_record(role, r);
        }
        let case = waypoint_domain::Case::from_records(&records)
            .map_err(|e| StoreError::Corrupt(format!("case {case_no}: {e}")))?;
        let mut events = self.events_of_case(&case_no)?;
        for e in &mut events {
            redact_event(role, &mut e.event);
        }
        self.record_sensitive_view(&crate::profile::need_to_know_values(&records))?;
        Ok(Some(CaseView { case, events }))
    }

    /// [`Store::individual`] for `role`.
    pub fn individual_as(
        &self,
        role: Role,
        individual_no: &str,
    ) -> Result<Option<Record>, StoreError> {
        let record = crate::profile::load_individual(
            &self.conn,
            &individual_no.trim().to_ascii_uppercase(),
        )?;
        let Some((_, mut record)) = record else {
            return Ok(None);
        };
        redact_record(role, &mut record);
        self.record_sensitive_view(&crate::profile::need_to_know_values(std::slice::from_ref(
            &record,
        )))?;
        Ok(Some(record))
    }

    /// [`Store::search`] for `role`: the results' fields it may not see are emptied.
    pub fn search_as(
        &mut self,
        role: Role,
        query: &str,
        limit: usize,
    ) -> Result<Vec<SearchResult>, StoreError> {
        let mut results = self.search(query, limit)?;
        let hide = |f: Field| !may_see(role, f);
        for r in &mut results {
            let text = [
                (Field::CaseNo, &mut r.case_no),
                (Field::IndividualNo, &mut r.individual_no),
                (Field::FamilyName, &mut r.family_name),
                (Field::GivenNames, &mut r.given_names),
                (Field::Relationship, &mut r.relationship),
                (Field::Sex, &mut r.sex),
                (Field::DateOfBirth, &mut r.date_of_birth),
                (Field::Nationality, &mut r.nationality),
                (Field::Site, &mut r.site),
            ];
            for (f, value) in text {
                if hide(f) {
                    value.clear();
                }
            }
            let optional = [
                (Field::FamilyNameNative, &mut r.family_name_native),
                (Field::GivenNamesNative, &mut r.given_names_native),
                (Field::DocumentNo, &mut r.document_no),
            ];
            for (f, value) in optional {
                if hide(f) {
                    *value = None;
                }
            }
        }
        Ok(results)
    }

    /// [`Store::export`] for `role`: refused without the export right; the fields and event
    /// details it may not see are left out. Same order and form as the canonical dump.
    pub fn export_as(&self, role: Role, out: &mut dyn Write) -> Result<(), StoreError> {
        self.require(role, Action::Export)?;
        let hidden: Vec<&str> = Field::ALL
            .iter()
            .filter(|f| f.need_to_know() && !may_see(role, **f))
            .map(|f| f.column())
            .collect();
        self.record_export(&if hidden.is_empty() {
            format!("as {role}, need-to-know fields included")
        } else {
            format!("as {role}, without {}", hidden.join(", "))
        })?;
        let sql = format!("{} ORDER BY i.case_no, i.individual_no", *RECORD_SELECT);
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query([])?;
        let mut current_case: Option<String> = None;
        while let Some(row) = rows.next()? {
            let (_, mut record) = read_record(row)?;
            let case_no = record.case_no().to_string();
            redact_record(role, &mut record);
            if current_case.as_deref() != Some(case_no.as_str()) {
                if let Some(prev) = current_case.take() {
                    self.export_events_as(role, &prev, out)?;
                }
                write_line(out, case_fields(), &record, "case")?;
                current_case = Some(case_no);
            }
            write_line(out, individual_fields(), &record, "individual")?;
        }
        if let Some(prev) = current_case {
            self.export_events_as(role, &prev, out)?;
        }
        out.flush()?;
        Ok(())
    }

    fn export_events_as(
        &self,
        role: Role,
        case_no: &str,
        out: &mut dyn Write,
    ) -> Result<(), StoreError> {
        for mut e in self.events_of_case(case_no)? {
            redact_event(role, &mut e.event);
            let line = serde_json::json!({
                "case_no": case_no,
                "id": e.id,
                "kind": e.kind,
                "payload": e.event,
                "type": "event",
            });
            writeln!(out, "{line}")?;
        }
        Ok(())
    }

    /// [`Store::set_field`] for `role`: refused unless the role may edit the field.
    pub fn set_field_as(
        &mut self,
        role: Role,
        individual_no: &str,
        field: Field,
        raw: &str,
        today: NaiveDate,
    ) -> Result<EditOutcome, StoreError> {
        self.require_edit(role, field)?;
        self.set_field(individual_no, field, raw, today)
    }

    /// [`Store::record_event`] for `role`: refused unless the role may record that kind.
    pub fn record_event_as(&mut self, role: Role, event: &FieldEvent) -> Result<(), StoreError> {
        let action = match event {
            FieldEvent::IdentityCheck(_) => Action::IdentityCheck,
            FieldEvent::CounsellingSession(_) => Action::Counselling,
            FieldEvent::CustodyTransfer(_) => Action::CustodyTransfer,
            FieldEvent::ExitPermit(_) => Action::ExitPermit,
            FieldEvent::Booking(_) => Action::Book,
            FieldEvent::WarningAcknowledgement(_) => Action::AcknowledgeWarning,
            FieldEvent::AbnVersion(_) => Action::IssueAbn,
            FieldEvent::Journey(_) => Action::HoldJourney,
            FieldEvent::TravelBag(_) => Action::HandleTravelBag,
            FieldEvent::DepartureNotice(_) => Action::NotifyDeparture,
            FieldEvent::Manifest(_) => Action::MakeManifest,
            FieldEvent::Boarding(_) | FieldEvent::ItemsHanded(_) => Action::CountHeads,
            FieldEvent::ArrivalStep(_) => Action::RecordArrival,
            FieldEvent::Incident(_) => Action::RecordIncident,
        };
        self.require(role, action)?;
        self.record_event(event)
    }

    /// The conflicts waiting for review, for `role`: the values of fields it may not see are
    /// removed, and the need-to-know values shown are recorded as viewed.
    pub fn conflicts_as(
        &self,
        role: Role,
        include_resolved: bool,
    ) -> Result<Vec<Conflict>, StoreError> {
        let mut conflicts = self.conflicts(include_resolved)?;
        let mut viewed: BTreeMap<(String, Field), ()> = BTreeMap::new();
        for c in &mut conflicts {
            if !may_see(role, c.field) {
                c.winner = None;
                c.loser = None;
            } else if c.field.need_to_know() && (c.winner.is_some() || c.loser.is_some()) {
                viewed.insert((c.entity.clone(), c.field), ());
            }
        }
        let viewed: Vec<(&str, Field)> = viewed.keys().map(|(e, f)| (e.as_str(), *f)).collect();
        self.record_sensitive_view(&viewed)?;
        Ok(conflicts)
    }

    /// [`Store::resolve_conflict`] for `role`: refused unless it may settle conflicts and
    /// edit the field.
    pub fn resolve_conflict_as(
        &mut self,
        role: Role,
        id: &str,
        value: Option<&str>,
        today: NaiveDate,
    ) -> Result<(), StoreError> {
        self.require(role, Action::ResolveConflict)?;
        let field = self
            .conflicts(true)?
            .into_iter()
            .find(|c| c.id == id)
            .map(|c| c.field)
            .ok_or_else(|| StoreError::UnknownConflict(id.to_string()))?;
        if !may_edit(role, field) {
            return Err(StoreError::NotAllowed {
                role,
                what: Refused::Change { field },
            });
        }
        self.resolve_conflict(id, value, today)
    }
}

fn write_line(
    out: &mut dyn Write,
    fields: impl Iterator<Item = Field>,
    record: &Record,
    kind: &'static str,
) -> Result<(), StoreError> {
    let mut line: BTreeMap<&str, &str> = fields
        .filter_map(|f| record.get(f).map(|v| (f.column(), v)))
        .collect();
    line.insert("type", kind);
    let text = serde_json::to_string(&line)
        .map_err(|e| StoreError::Corrupt(format!("a record cannot be written: {e}")))?;
    writeln!(out, "{text}")?;
    Ok(())
}
