//! Where and when a use case runs: the same for the desktop and the CLI.

use chrono::{DateTime, NaiveDate, Utc};

/// What every use case needs besides the store.
#[derive(Debug, Clone)]
pub struct Context {
    /// The site this device works at (WAYPOINT_SITE); without it, each case's own site.
    pub site: Option<String>,
    /// The time of the request (a test sets it).
    pub now: DateTime<Utc>,
}

impl Context {
    pub fn new(site: Option<String>, now: DateTime<Utc>) -> Self {
        Self { site, now }
    }

    /// Today's date, in UTC like every date Waypoint records.
    pub fn today(&self) -> NaiveDate {
        self.now.date_naive()
    }

    /// The site where work on a case of `case_site` happens: this device's, else the case's.
    pub fn site_for(&self, case_site: &str) -> String {
        self.site.clone().unwrap_or_else(|| case_site.to_string())
    }
}
