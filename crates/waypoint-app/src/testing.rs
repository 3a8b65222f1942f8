//! A real store in a temporary directory, loaded with the repository's sample cases.
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, TimeZone, Utc};
use waypoint_domain::Role;
use waypoint_store::{Store, StoreKey};

use crate::import::{ImportMode, import_csv};
use crate::{Context, SignedIn};

const SAMPLE: &str = include_str!("../../../tests/fixtures/sample-cases.csv");

/// The supervisor every test acts as, unless it needs another role.
pub const OFFICER: &str = "A. Officer";

pub fn supervisor() -> SignedIn {
    SignedIn::new(OFFICER, Role::Supervisor)
}

/// Working at the cases' own site (no WAYPOINT_SITE), on a fixed morning.
pub fn context() -> Context {
    Context::new(None, now())
}

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 11, 25, 9, 30, 0).unwrap()
}

/// A fresh store holding the sample cases; keep the directory alive.
pub fn store() -> (tempfile::TempDir, Store) {
    store_with("")
}

/// A fresh store holding the sample cases and `more` rows (CSV lines after the sample's).
pub fn store_with(more: &str) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), &StoreKey::from_bytes([7; 32])).unwrap();
    let content = format!("{SAMPLE}{more}");
    let report = import_csv(
        &mut store,
        Role::Supervisor,
        &context(),
        "sample-cases.csv",
        content.as_bytes(),
        ImportMode {
            partial: false,
            dry_run: false,
        },
        &mut |_| {},
    )
    .unwrap();
    assert!(report.summary.is_some(), "{:?}", report.file.problems);
    (dir, store)
}
