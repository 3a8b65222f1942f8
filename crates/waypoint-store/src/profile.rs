//! Reading and editing profile data (cases and individuals), and recording field events.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Row};
use serde::Serialize;
use uuid::Uuid;
use waypoint_domain::{
    Case, CheckOutcome, Custodian, Field, FieldEvent, FieldScope, Record, Scope, Travellers,
};

use crate::outbox_kind::OutboxKind;
use crate::{Change, Store, StoreError, Writer};

/// Fields stored on the individual row (`case_no` included: it links the individual to its case).
pub(crate) fn individual_fields() -> impl Iterator<Item = Field> {
    Field::ALL
        .iter()
        .copied()
        .filter(|f| f.scope() == FieldScope::Individual || *f == Field::CaseNo)
}

/// Fields stored on the case row, `case_no` first.
pub(crate) fn case_fields() -> impl Iterator<Item = Field> {
    Field::ALL
        .iter()
        .copied()
        .filter(|f| f.scope() == FieldScope::Case)
}

/// `SELECT` of a whole record: individual columns, then the case's.
pub(crate) static RECORD_SELECT: LazyLock<String> = LazyLock::new(|| {
    let cols: Vec<String> = individual_fields()
        .map(|f| format!("i.{}", f.column()))
        .chain(
            case_fields()
                .filter(|f| *f != Field::CaseNo)
                .map(|f| format!("c.{}", f.column())),
        )
        .collect();
    format!(
        "SELECT i.id, {} FROM individual i JOIN case_file c ON c.case_no = i.case_no",
        cols.join(", ")
    )
});

/// Reads a row of [`RECORD_SELECT`] into its id and record.
pub(crate) fn read_record(row: &Row<'_>) -> rusqlite::Result<(i64, Record)> {
    let mut record = Record::new();
    let fields = individual_fields().chain(case_fields().filter(|f| *f != Field::CaseNo));
    for (i, f) in fields.enumerate() {
        record.set(f, row.get(i + 1)?);
    }
    Ok((row.get(0)?, record))
}

pub(crate) fn load_individual(
    conn: &Connection,
    individual_no: &str,
) -> Result<Option<(i64, Record)>, StoreError> {
    let sql = format!("{} WHERE i.individual_no = ?1", *RECORD_SELECT);
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([individual_no], read_record)
        .optional()?)
}

/// What an edit did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum EditOutcome {
    Changed { field: Field, entity: String },
    Unchanged { field: Field, entity: String },
}

/// An event as stored: its id, kind and canonical JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredEvent {
    pub id: Uuid,
    pub kind: String,
    pub event: FieldEvent,
}

/// A case with its members and everything recorded about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseView {
    pub case: Case,
    pub events: Vec<StoredEvent>,
}

impl Writer<'_> {
    /// Updates one column of a case or individual row and appends the outbox entry.
    pub(crate) fn set_column(
        &mut self,
        field: Field,
        entity: &str,
        value: Option<&str>,
    ) -> Result<(), StoreError> {
        let (table, key, scope) = match field.scope() {
            FieldScope::Case if field != Field::CaseNo => ("case_file", "case_no", Scope::Case),
            _ => ("individual", "individual_no", Scope::Individual),
        };
        let sql = format!(
            "UPDATE {table} SET {} = ?1 WHERE {key} = ?2",
            field.column()
        );
        self.tx.prepare_cached(&sql)?.execute((value, entity))?;
        self.append(Change {
            kind: OutboxKind::Field,
            scope,
            entity,
            field: Some(field.column()),
            value,
            payload: None,
        })
    }
}

impl Store {
    /// A local edit of one field of an individual (or of its case, for case fields), validated
    /// like an import and recorded through the outbox. Until a later import brings the same
    /// value, a re-import keeps this edit and reports the clash.
    pub fn set_field(
        &mut self,
        individual_no: &str,
        field: Field,
        raw: &str,
        today: NaiveDate,
    ) -> Result<EditOutcome, StoreError> {
        if field == Field::IndividualNo {
            return Err(StoreError::ReadOnlyField(field));
        }
        if matches!(field, Field::ExitPermit | Field::ExitPermitDenialReason) {
            return Err(StoreError::RecordedAsSteps(field));
        }
        let value = field
            .normalize(raw, today)
            .map_err(|error| StoreError::InvalidValue { field, error })?;
        let individual_no = individual_no.trim().to_ascii_uppercase();
        let mut w = self.write()?;
        let (id, record) = load_individual(w.tx, &individual_no)?
            .ok_or_else(|| StoreError::UnknownIndividual(individual_no.clone()))?;
        let (scope, entity) = match field.scope() {
            FieldScope::Case if field != Field::CaseNo => {
                (Scope::Case, record.case_no().to_string())
            }
            _ => (Scope::Individual, individual_no.clone()),
        };
        if record.get(field) == value.as_deref() {
            return Ok(EditOutcome::Unchanged { field, entity });
        }
        if field == Field::CaseNo {
            let target = value.as_deref().unwrap_or_default();
            let exists: bool = w.tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM case_file WHERE case_no = ?1)",
                [target],
                |r| r.get(0),
            )?;
            if !exists {
                return Err(StoreError::UnknownCase(target.to_string()));
            }
        }
        let entity_key = if scope == Scope::Case {
            record.case_no()
        } else {
            individual_no.as_str()
        };
        w.set_column(field, entity_key, value.as_deref())?;
        w.tx.prepare_cached(
            "INSERT OR IGNORE INTO local_edit (scope, entity, field) VALUES (?1, ?2, ?3)",
        )?
        .execute((scope.as_str(), entity_key, field.column()))?;
        w.commit()?;
        // Case fields change every member's record; only names and numbers are searched.
        let mut updated = record;
        updated.set(field, value);
        self.search.update(id, &updated);
        Ok(EditOutcome::Changed { field, entity })
    }

    /// One individual's record. Its need-to-know fields that hold a value are recorded in
    /// the audit log as viewed.
    pub fn individual(&self, individual_no: &str) -> Result<Option<Record>, StoreError> {
        let record = load_individual(&self.conn, &individual_no.trim().to_ascii_uppercase())?
            .map(|(_, r)| r);
        if let Some(r) = &record {
            self.record_sensitive_view(&need_to_know_values(std::slice::from_ref(r)))?;
        }
        Ok(record)
    }

    /// A case with its members (principal applicant first) and its events (oldest first).
    /// Recorded as a view of the need-to-know values it holds.
    pub fn case(&self, case_no: &str) -> Result<Option<CaseView>, StoreError> {
        let Some((records, view)) = self.read_case(case_no)? else {
            return Ok(None);
        };
        self.record_sensitive_view(&need_to_know_values(&records))?;
        Ok(Some(view))
    }

    /// [`Store::case`] for a rule that shows none of the case's values (where a journey
    /// stands, a booking's warnings): nobody sees a value, so no view is recorded. What it
    /// reads must never reach a person as it is.
    pub fn case_for_rules(&self, case_no: &str) -> Result<Option<CaseView>, StoreError> {
        Ok(self.read_case(case_no)?.map(|(_, view)| view))
    }

    fn read_case(&self, case_no: &str) -> Result<Option<(Vec<Record>, CaseView)>, StoreError> {
        let case_no = case_no.trim().to_ascii_uppercase();
        let sql = format!(
            "{} WHERE i.case_no = ?1 ORDER BY i.relationship <> 'PA', i.individual_no",
            *RECORD_SELECT
        );
        let records = self
            .conn
            .prepare_cached(&sql)?
            .query_map([&case_no], read_record)?
            .map(|r| r.map(|(_, rec)| rec))
            .collect::<Result<Vec<_>, _>>()?;
        if records.is_empty() {
            return Ok(None);
        }
        let case = Case::from_records(&records)
            .map_err(|e| StoreError::Corrupt(format!("case {case_no}: {e}")))?;
        let events = self.events_of_case(&case_no)?;
        Ok(Some((records, CaseView { case, events })))
    }

    /// Every event of case `case_no`, whole (the caller redacts them for the role, see
    /// [`crate::roles::redact_event`]); reads no record field, so records no view of one.
    pub fn events_of_case(&self, case_no: &str) -> Result<Vec<StoredEvent>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, kind, payload FROM event WHERE case_no = ?1 ORDER BY id")?;
        let rows = stmt.query_map([case_no], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        rows.map(|row| {
            let (id, kind, payload) = row?;
            let corrupt = |e: String| StoreError::Corrupt(format!("event {id}: {e}"));
            Ok(StoredEvent {
                id: Uuid::parse_str(&id).map_err(|e| corrupt(e.to_string()))?,
                kind,
                event: serde_json::from_str(&payload).map_err(|e| corrupt(e.to_string()))?,
            })
        })
        .collect()
    }

    /// Records a field event, once. Refuses an event about someone not in the store, a
    /// counselling session with attendees from another case, and handing a document to a
    /// person who has not passed an identity check at this site on that day.
    pub fn record_event(&mut self, event: &FieldEvent) -> Result<(), StoreError> {
        self.record_events(std::slice::from_ref(event))
    }

    /// Records several field events in one transaction: all of them or, when one is refused,
    /// none (a bookings file is all or nothing).
    pub fn record_events(&mut self, events: &[FieldEvent]) -> Result<(), StoreError> {
        for event in events {
            event.validate()?;
        }
        let mut w = self.write()?;
        for event in events {
            file_local_event(&mut w, event)?;
        }
        w.commit()
    }
}

impl Writer<'_> {
    /// Files `event` of case `case_no` and appends it to the outbox, once by id: `false` (and
    /// nothing written) when an event with its id is already stored.
    pub(crate) fn insert_event(
        &mut self,
        event: &FieldEvent,
        case_no: &str,
    ) -> Result<bool, StoreError> {
        let id = event.id().to_string();
        let payload = serde_json::to_string(event)
            .map_err(|e| StoreError::Corrupt(format!("event cannot be written: {e}")))?;
        let inserted = self
            .tx
            .prepare_cached(
                "INSERT OR IGNORE INTO event (id, kind, case_no, individual_no, at, payload)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute((
                &id,
                event.kind(),
                case_no,
                event.individual_no(),
                event.at().to_rfc3339(),
                &payload,
            ))?;
        if inserted == 0 {
            return Ok(false);
        }
        self.append(Change {
            kind: OutboxKind::Event,
            scope: Scope::Event,
            entity: &id,
            field: None,
            value: None,
            payload: Some(&payload),
        })?;
        Ok(true)
    }
}

/// Files one event recorded on this device: checked against the data, stored once, and
/// appended to the outbox, in the writer's transaction.
fn file_local_event(w: &mut Writer<'_>, event: &FieldEvent) -> Result<(), StoreError> {
    let invalid = |m: String| StoreError::Event(waypoint_domain::EventError::Invalid(m));
    let case_no = match event {
        FieldEvent::CounsellingSession(s) => {
            let members = members_of(w.tx, &s.case_no)?;
            if members.is_empty() {
                return Err(StoreError::UnknownCase(s.case_no.clone()));
            }
            if let Some(stranger) = s.attendees.iter().find(|a| !members.contains(*a)) {
                return Err(invalid(format!(
                    "{stranger} is not a member of case {}",
                    s.case_no
                )));
            }
            s.case_no.clone()
        }
        FieldEvent::IdentityCheck(c) => case_of(w.tx, &c.individual_no)?,
        FieldEvent::CustodyTransfer(t) => {
            if let Custodian::Individual { individual_no } = &t.to {
                case_of(w.tx, individual_no)?;
                let day = t.at.date_naive();
                if !verified_on(w.tx, individual_no, &t.site, day)? {
                    return Err(invalid(format!(
                        "{individual_no} has not passed an identity check at {} on {day}: check their identity before handing over the document",
                        t.site
                    )));
                }
            }
            case_of(w.tx, &t.individual_no)?
        }
        FieldEvent::ExitPermit(p) => member_of(w.tx, &p.individual_no, &p.case_no)?,
        FieldEvent::Journey(j) => {
            let members = members_of(w.tx, &j.case_no)?;
            if members.is_empty() {
                return Err(StoreError::UnknownCase(j.case_no.clone()));
            }
            if let Travellers::Members { individual_nos } = &j.travellers {
                if let Some(stranger) = individual_nos.iter().find(|n| !members.contains(*n)) {
                    return Err(invalid(format!(
                        "{stranger} is not a member of case {}",
                        j.case_no
                    )));
                }
            }
            j.case_no.clone()
        }
        FieldEvent::Booking(b) => {
            for t in b.changes.iter().flat_map(|c| match c {
                waypoint_domain::BookingChange::Travellers(ts) => ts.as_slice(),
                _ => &[],
            }) {
                member_of(w.tx, &t.individual_no, &b.case_no)?;
            }
            known_case(w.tx, &b.case_no)?
        }
        FieldEvent::WarningAcknowledgement(a) => known_case(w.tx, &a.case_no)?,
        FieldEvent::AbnVersion(v) => {
            for t in v.bookings.iter().flat_map(|b| &b.travellers) {
                member_of(w.tx, &t.individual_no, &v.case_no)?;
            }
            known_case(w.tx, &v.case_no)?
        }
        FieldEvent::TravelBag(b) => {
            // A bag handed to a member of a case follows the custody rule of its documents.
            if let waypoint_domain::BagChange::HandedOver {
                to: Custodian::Individual { individual_no },
                ..
            } = &b.change
            {
                case_of(w.tx, individual_no)?;
                let day = b.at.date_naive();
                if !verified_on(w.tx, individual_no, &b.site, day)? {
                    return Err(invalid(format!(
                        "{individual_no} has not passed an identity check at {} on {day}: check their identity before handing over the bag",
                        b.site
                    )));
                }
            }
            known_case(w.tx, &b.case_no)?
        }
        FieldEvent::DepartureNotice(v) => {
            for n in v.departures.travellers() {
                member_of(w.tx, n, &v.case_no)?;
            }
            known_case(w.tx, &v.case_no)?
        }
        FieldEvent::Manifest(m) => {
            if let waypoint_domain::ManifestChange::PutOn { travellers } = &m.change {
                for t in travellers {
                    member_of(w.tx, &t.individual_no, &m.case_no)?;
                }
            }
            known_case(w.tx, &m.case_no)?
        }
        FieldEvent::Boarding(b) => member_of(w.tx, &b.individual_no, &b.case_no)?,
        FieldEvent::ItemsHanded(h) => member_of(w.tx, &h.individual_no, &h.case_no)?,
        FieldEvent::ArrivalStep(a) => members_in(w.tx, &a.case_no, &a.travellers)?,
        FieldEvent::Incident(i) => match &i.about {
            waypoint_domain::IncidentAbout::Travellers { travellers } => {
                members_in(w.tx, &i.case_no, travellers)?
            }
            waypoint_domain::IncidentAbout::Flight { .. } => known_case(w.tx, &i.case_no)?,
        },
    };
    if !w.insert_event(event, &case_no)? {
        return Err(StoreError::DuplicateEvent(event.id()));
    }
    Ok(())
}

/// `case_no`, which must exist and have every member `travellers` names.
fn members_in(
    conn: &Connection,
    case_no: &str,
    travellers: &Travellers,
) -> Result<String, StoreError> {
    let members = members_of(conn, case_no)?;
    if members.is_empty() {
        return Err(StoreError::UnknownCase(case_no.to_string()));
    }
    if let Travellers::Members { individual_nos } = travellers {
        if let Some(stranger) = individual_nos.iter().find(|n| !members.contains(*n)) {
            return Err(StoreError::Event(waypoint_domain::EventError::Invalid(
                format!("{stranger} is not a member of case {case_no}"),
            )));
        }
    }
    Ok(case_no.to_string())
}

/// The case of `individual_no`, which must be `case_no`.
fn member_of(conn: &Connection, individual_no: &str, case_no: &str) -> Result<String, StoreError> {
    let found = case_of(conn, individual_no)?;
    if found != case_no {
        return Err(StoreError::Event(waypoint_domain::EventError::Invalid(
            format!("{individual_no} is a member of case {found}, not {case_no}"),
        )));
    }
    Ok(found)
}

fn known_case(conn: &Connection, case_no: &str) -> Result<String, StoreError> {
    conn.prepare_cached("SELECT case_no FROM case_file WHERE case_no = ?1")?
        .query_row([case_no], |r| r.get(0))
        .optional()?
        .ok_or_else(|| StoreError::UnknownCase(case_no.to_string()))
}

/// The need-to-know fields that hold a value, by individual: what a read of these records shows.
pub(crate) fn need_to_know_values(records: &[Record]) -> Vec<(&str, Field)> {
    records
        .iter()
        .flat_map(|r| {
            Field::ALL
                .iter()
                .filter(move |f| f.need_to_know() && r.get(**f).is_some())
                .map(move |f| (r.individual_no(), *f))
        })
        .collect()
}

/// The numbers of the members of case `case_no` (none: no such case).
fn members_of(conn: &Connection, case_no: &str) -> Result<BTreeSet<String>, StoreError> {
    let members = conn
        .prepare_cached("SELECT individual_no FROM individual WHERE case_no = ?1")?
        .query_map([case_no], |r| r.get::<_, String>(0))?
        .collect::<Result<_, _>>()?;
    Ok(members)
}

fn case_of(conn: &Connection, individual_no: &str) -> Result<String, StoreError> {
    conn.prepare_cached("SELECT case_no FROM individual WHERE individual_no = ?1")?
        .query_row([individual_no], |r| r.get(0))
        .optional()?
        .ok_or_else(|| StoreError::UnknownIndividual(individual_no.to_string()))
}

/// Whether `individual_no` passed an identity check at `site` on `day` (UTC).
fn verified_on(
    conn: &Connection,
    individual_no: &str,
    site: &str,
    day: NaiveDate,
) -> Result<bool, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT payload FROM event WHERE kind = 'identity_check' AND individual_no = ?1",
    )?;
    let payloads = stmt.query_map([individual_no], |r| r.get::<_, String>(0))?;
    for payload in payloads {
        if let Ok(FieldEvent::IdentityCheck(c)) = serde_json::from_str(&payload?) {
            if c.site == site
                && c.checked_at.date_naive() == day
                && c.outcome == CheckOutcome::Verified
            {
                return Ok(true);
            }
        }
    }
    Ok(false)
}
