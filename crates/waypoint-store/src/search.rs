//! Search over the store: an in-memory [`SearchIndex`] built from the individual table and kept
//! up to date by this store's own writes.
//!
//! The index is built either on the first search (holding the store), or off the store by a
//! [`SearchBuild`]: [`Store::begin_search_build`] opens a second, read-only connection and fixes
//! a snapshot of the table there; [`SearchBuild::run`] reads and indexes it without the store,
//! which stays free for other work meanwhile; [`Store::finish_search_build`] applies the
//! individuals this store wrote since the snapshot and installs the index. A bulk write during
//! the build (an import, a sync) makes the build stale: it is dropped, never installed.

use std::time::Duration;

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use waypoint_domain::{Field, Record};
use waypoint_search::{SearchDoc, SearchIndex};

use crate::profile::{RECORD_SELECT, read_record};
use crate::{Store, StoreError};

#[derive(Debug, Default)]
pub(crate) struct SearchCache {
    index: Option<SearchIndex>,
    /// The build in progress off the store, if any.
    build: Option<BuildLog>,
    /// How many builds were begun (each build's number).
    builds: u64,
}

/// What this store wrote since a build's snapshot.
#[derive(Debug)]
struct BuildLog {
    number: u64,
    /// Individuals written one by one since the snapshot, to read again before installing.
    touched: Vec<i64>,
    /// A bulk write happened since the snapshot: the build cannot be brought up to date.
    stale: bool,
}

/// A search index to build from a snapshot of the store, on its own connection, without holding
/// the [`Store`]: see [`Store::begin_search_build`].
#[derive(Debug)]
pub struct SearchBuild {
    conn: Connection,
    number: u64,
}

/// A search index built by [`SearchBuild::run`], for [`Store::finish_search_build`].
#[derive(Debug)]
pub struct BuiltSearch {
    index: SearchIndex,
    number: u64,
}

impl SearchBuild {
    /// Reads the snapshot and indexes every individual in it. Slow with many individuals (it
    /// is the whole table); the store is not involved.
    pub fn run(self) -> Result<BuiltSearch, StoreError> {
        let index = build_index(&self.conn)?;
        Ok(BuiltSearch {
            index,
            number: self.number,
        })
    }
}

/// Indexes every individual `conn` sees.
fn build_index(conn: &Connection) -> Result<SearchIndex, StoreError> {
    let mut index = SearchIndex::new();
    let sql = format!("{} ORDER BY i.id", *RECORD_SELECT);
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let (id, record) = read_record(row)?;
        add(&mut index, id, &record);
    }
    Ok(index)
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
    /// Keeps a built index (and a build in progress) in step with a write to one individual.
    pub(crate) fn update(&mut self, id: i64, record: &Record) {
        if let Some(index) = &mut self.index {
            add(index, id, record);
        }
        if let Some(build) = &mut self.build {
            build.touched.push(id);
        }
    }

    /// Forgets the index, and makes a build in progress stale; the next search rebuilds it
    /// (after bulk writes).
    pub(crate) fn invalidate(&mut self) {
        self.index = None;
        if let Some(build) = &mut self.build {
            build.stale = true;
        }
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
    /// Builds the search index now, holding the store, so the first search does not pay for it.
    /// To build it without holding the store, see [`Store::begin_search_build`].
    pub fn warm_search(&mut self) -> Result<(), StoreError> {
        if self.search.index.is_some() {
            return Ok(());
        }
        self.search.index = Some(build_index(&self.conn)?);
        Ok(())
    }

    /// Forgets the search index, for when another connection changed the individuals (a sync
    /// run on its own [`Store`] over the same file): the next search or build reads them afresh.
    /// A build in progress becomes stale.
    pub fn forget_search_index(&mut self) {
        self.search.invalidate();
    }

    /// Whether the search index is built (a search now does not build it first).
    pub fn search_ready(&self) -> bool {
        self.search.index.is_some()
    }

    /// Starts building the search index off the store: opens a read-only connection to the
    /// store's file and fixes a snapshot there, then logs this store's writes until
    /// [`Store::finish_search_build`]. Quick; the slow part is [`SearchBuild::run`], which needs
    /// no store. `None` when the index is already built (a store without a file builds it here).
    /// A later begin supersedes an earlier build.
    pub fn begin_search_build(&mut self) -> Result<Option<SearchBuild>, StoreError> {
        if self.search.index.is_some() {
            return Ok(None);
        }
        let Some(path) = self
            .conn
            .path()
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
        else {
            self.warm_search()?;
            return Ok(None);
        };
        let conn = self.read_only_connection(std::path::Path::new(&path))?;
        conn.busy_timeout(Duration::from_secs(10))?;
        // The snapshot is fixed by the transaction's first read, here, while this store (borrowed
        // mutably) cannot write: every later write is in the log.
        conn.execute_batch("BEGIN DEFERRED")?;
        conn.query_row("SELECT count(*) FROM individual", [], |r| {
            r.get::<_, i64>(0)
        })?;
        self.search.builds += 1;
        let number = self.search.builds;
        self.search.build = Some(BuildLog {
            number,
            touched: Vec::new(),
            stale: false,
        });
        Ok(Some(SearchBuild { conn, number }))
    }

    /// Installs an index built off the store, after indexing again the individuals written
    /// since its snapshot. Returns whether it was installed: not when the index was built
    /// meanwhile, a later build superseded this one, or a bulk write made it stale (the next
    /// search, or the next build, builds it afresh).
    pub fn finish_search_build(&mut self, built: BuiltSearch) -> Result<bool, StoreError> {
        let log = match self.search.build.take() {
            Some(log) if log.number == built.number => log,
            other => {
                self.search.build = other;
                return Ok(false);
            }
        };
        if log.stale || self.search.index.is_some() {
            return Ok(false);
        }
        let mut index = built.index;
        let mut touched = log.touched;
        touched.sort_unstable();
        touched.dedup();
        let sql = format!("{} WHERE i.id = ?1", *RECORD_SELECT);
        let mut stmt = self.conn.prepare_cached(&sql)?;
        for id in touched {
            match stmt.query_row([id], read_record).optional()? {
                Some((_, record)) => add(&mut index, id, &record),
                None => index.remove(id as u64),
            }
        }
        self.search.index = Some(index);
        Ok(true)
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
            // Gone since the index was built (removed through another connection, whose
            // changes the index learns with `forget_search_index`): not a result.
            let Some((_, r)) = stmt.query_row([hit.id as i64], read_record).optional()? else {
                continue;
            };
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
