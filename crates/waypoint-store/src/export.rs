//! The canonical dump: every case, individual and event as JSON Lines, in a stable order with
//! sorted keys and no device-local bookkeeping, so two stores holding the same data give
//! byte-identical dumps.

use std::collections::BTreeMap;
use std::io::Write;

use crate::profile::{RECORD_SELECT, case_fields, individual_fields, read_record};
use crate::{Store, StoreError};

fn json(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

impl Store {
    /// Writes the canonical dump: per case (by case number) the case, its individuals (by
    /// individual number) and its events (by id, which orders them in time).
    /// The export is recorded in the audit log first (it shows every need-to-know field).
    pub fn export(&self, out: &mut dyn Write) -> Result<(), StoreError> {
        self.record_export("need-to-know fields included")?;
        let sql = format!("{} ORDER BY i.case_no, i.individual_no", *RECORD_SELECT);
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query([])?;
        let mut events = self
            .conn
            .prepare("SELECT id, kind, payload FROM event WHERE case_no = ?1 ORDER BY id")?;
        let mut current_case: Option<String> = None;
        let flush_events = |case_no: &str, out: &mut dyn Write| -> Result<(), StoreError> {
            let mut ev = events.query([case_no])?;
            while let Some(r) = ev.next()? {
                let (id, kind, payload): (String, String, String) =
                    (r.get(0)?, r.get(1)?, r.get(2)?);
                writeln!(
                    out,
                    "{{\"case_no\":{},\"id\":{},\"kind\":{},\"payload\":{payload},\"type\":\"event\"}}",
                    json(case_no),
                    json(&id),
                    json(&kind)
                )?;
            }
            Ok(())
        };
        let mut flush = flush_events;
        while let Some(row) = rows.next()? {
            let (_, record) = read_record(row)?;
            let case_no = record.case_no().to_string();
            if current_case.as_deref() != Some(case_no.as_str()) {
                if let Some(prev) = current_case.take() {
                    flush(&prev, out)?;
                }
                let mut line: BTreeMap<&str, &str> = case_fields()
                    .filter_map(|f| record.get(f).map(|v| (f.column(), v)))
                    .collect();
                line.insert("type", "case");
                writeln!(out, "{}", serde_json::to_string(&line).unwrap_or_default())?;
                current_case = Some(case_no);
            }
            let mut line: BTreeMap<&str, &str> = individual_fields()
                .filter_map(|f| record.get(f).map(|v| (f.column(), v)))
                .collect();
            line.insert("type", "individual");
            writeln!(out, "{}", serde_json::to_string(&line).unwrap_or_default())?;
        }
        if let Some(prev) = current_case {
            flush(&prev, out)?;
        }
        out.flush()?;
        Ok(())
    }
}
