//! Search over the store: an in-memory [`SearchIndex`] built from the individual table on the
//! first search and kept up to date by this store's own writes.

use serde::Serialize;
use waypoint_domain::{Field, Record};
use waypoint_search::{SearchDoc, SearchIndex};

use crate::profile::{RECORD_SELECT, read_record};
use crate::{Store, StoreError};

#[derive(Debug, Default)]
pub(crate) struct SearchCache {
    index: Option<SearchIndex>,
}

fn add(index: &mut SearchIndex, id: i64, record: &Record) {
    let names: Vec<&str> = [
        Field::FamilyName,
        Field::GivenNames,
        Field::FamilyNameNative,
        Field::GivenNamesNative,
    ]
    .iter()
    .filter_map(|f| record.get(*f))
    .collect();
    let identifiers: Vec<&str> = [Field::CaseNo, Field::IndividualNo, Field::DocumentNo]
        .iter()
        .filter_map(|f| record.get(*f))
        .collect();
    index.insert(
        id as u64,
        &SearchDoc {
            names: &names,
            identifiers: &identifiers,
        },
    );
}

impl SearchCache {
    /// Keeps a built index in step with a write to one individual.
    pub(crate) fn update(&mut self, id: i64, record: &Record) {
        if let Some(index) = &mut self.index {
            add(index, id, record);
        }
    }

    /// Forgets the index; the next search rebuilds it (after bulk writes).
    pub(crate) fn invalidate(&mut self) {
        self.index = None;
    }
}

/// One person found. Need-to-know fields (vulnerabilities, medical notes) are never part of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearchResult {
    pub case_no: String,
    pub individual_no: String,
    pub family_name: String,
    pub given_names: String,
    pub family_name_native: Option<String>,
    pub given_names_native: Option<String>,
    pub relationship: String,
    pub sex: String,
    pub date_of_birth: String,
    pub nationality: String,
    pub document_no: Option<String>,
    pub site: String,
    pub score: u32,
}

impl Store {
    /// Builds the search index now, so the first search does not pay for it.
    pub fn warm_search(&mut self) -> Result<(), StoreError> {
        if self.search.index.is_some() {
            return Ok(());
        }
        let mut index = SearchIndex::new();
        let sql = format!("{} ORDER BY i.id", *RECORD_SELECT);
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let (id, record) = read_record(row)?;
            add(&mut index, id, &record);
        }
        self.search.index = Some(index);
        Ok(())
    }

    /// Finds individuals by any part of their names, or by case, individual or document
    /// number; best matches first.
    pub fn search(&mut self, query: &str, limit: usize) -> Result<Vec<SearchResult>, StoreError> {
        self.warm_search()?;
        let hits = match &self.search.index {
            Some(index) => index.search(query, limit),
            None => Vec::new(),
        };
        let sql = format!("{} WHERE i.id = ?1", *RECORD_SELECT);
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut results = Vec::with_capacity(hits.len());
        for hit in hits {
            let (_, r) = stmt.query_row([hit.id as i64], read_record)?;
            let text = |f: Field| r.get(f).unwrap_or_default().to_string();
            let opt = |f: Field| r.get(f).map(str::to_string);
            results.push(SearchResult {
                case_no: text(Field::CaseNo),
                individual_no: text(Field::IndividualNo),
                family_name: text(Field::FamilyName),
                given_names: text(Field::GivenNames),
                family_name_native: opt(Field::FamilyNameNative),
                given_names_native: opt(Field::GivenNamesNative),
                relationship: text(Field::Relationship),
                sex: text(Field::Sex),
                date_of_birth: text(Field::DateOfBirth),
                nationality: text(Field::Nationality),
                document_no: opt(Field::DocumentNo),
                site: text(Field::Site),
                score: hit.score,
            });
        }
        Ok(results)
    }
}
