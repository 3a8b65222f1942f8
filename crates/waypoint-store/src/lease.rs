//! The offline lease (docs/revocation.md): a device that has not synced successfully for longer
//! than its site allows (`SitePolicy::lease_days`, 14 by default) is locked until it syncs. Its
//! pending changes are kept, and the sync that ends the lock pushes them.
//!
//! The rule is here, without a UI, so that the command line and the desktop app lock alike:
//! [`Store::lease`] reads what it needs, [`lease_state`] decides.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{Store, StoreError};

/// Where a device stands with its lease at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum LeaseState {
    /// Not enrolled with a server: there is nothing to sync with, so there is no lease.
    NoLease,
    /// Within the lease: it ends at `ends` unless the device syncs before.
    Open {
        /// The last successful sync (or the enrolment, before the first).
        since: DateTime<Utc>,
        lease_days: u32,
        ends: DateTime<Utc>,
    },
    /// The lease is over: locked until a sync succeeds. `since` is `None` for a device with
    /// no record of a sync or an enrolment (it locks: the safe reading).
    Expired {
        since: Option<DateTime<Utc>>,
        lease_days: u32,
        /// Whole days since `since` (0 when unknown).
        days_offline: u64,
    },
}

impl LeaseState {
    /// Whether the device is locked until it syncs.
    pub fn is_expired(&self) -> bool {
        matches!(self, LeaseState::Expired { .. })
    }
}

/// The lease rule. A device that is not `enrolled` has no lease. Otherwise the lease runs from
/// `last_success` (the last successful sync), or from `enrolled_at` before the first sync, and
/// is over once more than `lease_days` days have passed by `now`. A clock set back (`now`
/// before the start) does not end it.
pub fn lease_state(
    enrolled: bool,
    last_success: Option<DateTime<Utc>>,
    enrolled_at: Option<DateTime<Utc>>,
    lease_days: u32,
    now: DateTime<Utc>,
) -> LeaseState {
    if !enrolled {
        return LeaseState::NoLease;
    }
    let Some(since) = last_success.or(enrolled_at) else {
        return LeaseState::Expired {
            since: None,
            lease_days,
            days_offline: 0,
        };
    };
    let ends = since + chrono::Duration::days(i64::from(lease_days));
    if now > ends {
        LeaseState::Expired {
            since: Some(since),
            lease_days,
            days_offline: u64::try_from((now - since).num_days()).unwrap_or(0),
        }
    } else {
        LeaseState::Open {
            since,
            lease_days,
            ends,
        }
    }
}

fn parse_time(text: Option<String>, what: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
    text.map(|t| {
        DateTime::parse_from_rfc3339(&t)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| StoreError::Corrupt(format!("the time of the {what} is not readable")))
    })
    .transpose()
}

impl Store {
    /// This device's lease at `now` (see [`lease_state`]): enrolment and the last successful
    /// sync from the sync bookkeeping, the length from the site's policy. `now` counts as the
    /// latest time the device's clock has shown since that sync (kept here at each call), so a
    /// clock set back does not extend the lease.
    pub fn lease(&self, now: DateTime<Utc>) -> Result<LeaseState, StoreError> {
        type Row = (
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let (token, last_success, enrolled_at, seen, seen_since): Row = self.conn.query_row(
            "SELECT token, last_success, enrolled_at, clock_seen, clock_seen_since
             FROM sync_state WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )?;
        let since = last_success.clone().or_else(|| enrolled_at.clone());
        // The mark counts only since the sync it was made after.
        let seen = match seen_since == since {
            true => parse_time(seen, "latest clock")?,
            false => None,
        };
        let now = seen.map_or(now, |seen| seen.max(now));
        if token.is_some() {
            self.conn.execute(
                "UPDATE sync_state SET clock_seen = ?1, clock_seen_since = ?2 WHERE id = 1",
                (now.to_rfc3339(), since),
            )?;
        }
        let lease_days = self.site_policy()?.lease_days;
        Ok(lease_state(
            token.is_some(),
            parse_time(last_success, "last sync")?,
            parse_time(enrolled_at, "enrolment")?,
            lease_days,
            now,
        ))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn a_device_that_is_not_enrolled_has_no_lease() {
        let now = at("2026-03-01T12:00:00Z");
        assert_eq!(lease_state(false, None, None, 14, now), LeaseState::NoLease);
        assert_eq!(
            lease_state(false, Some(at("2020-01-01T00:00:00Z")), None, 14, now),
            LeaseState::NoLease
        );
    }

    #[test]
    fn the_lease_ends_just_after_its_last_day() {
        let synced = at("2026-03-01T12:00:00Z");
        let on_the_last_moment = at("2026-03-15T12:00:00Z");
        assert!(matches!(
            lease_state(true, Some(synced), None, 14, on_the_last_moment),
            LeaseState::Open { ends, .. } if ends == on_the_last_moment
        ));
        let a_second_later = at("2026-03-15T12:00:01Z");
        assert_eq!(
            lease_state(true, Some(synced), None, 14, a_second_later),
            LeaseState::Expired {
                since: Some(synced),
                lease_days: 14,
                days_offline: 14
            }
        );
        assert_eq!(
            lease_state(true, Some(synced), None, 14, at("2026-03-16T13:00:00Z")),
            LeaseState::Expired {
                since: Some(synced),
                lease_days: 14,
                days_offline: 15
            }
        );
    }

    #[test]
    fn the_site_sets_the_length() {
        let synced = at("2026-03-01T12:00:00Z");
        let now = at("2026-03-05T12:00:00Z");
        assert!(!lease_state(true, Some(synced), None, 14, now).is_expired());
        assert!(lease_state(true, Some(synced), None, 3, now).is_expired());
    }

    #[test]
    fn before_the_first_sync_the_enrolment_counts_and_after_it_the_sync() {
        let enrolled = at("2026-03-01T12:00:00Z");
        let now = at("2026-03-20T12:00:00Z");
        assert!(lease_state(true, None, Some(enrolled), 14, now).is_expired());
        assert!(!lease_state(true, None, Some(at("2026-03-10T12:00:00Z")), 14, now).is_expired());
        // A sync after an old enrolment renews the lease.
        assert!(
            !lease_state(
                true,
                Some(at("2026-03-19T12:00:00Z")),
                Some(enrolled),
                14,
                now
            )
            .is_expired()
        );
    }

    #[test]
    fn no_record_of_either_locks_and_a_clock_set_back_does_not() {
        let now = at("2026-03-20T12:00:00Z");
        assert!(lease_state(true, None, None, 14, now).is_expired());
        assert!(!lease_state(true, Some(at("2026-04-20T12:00:00Z")), None, 14, now).is_expired());
    }
}
