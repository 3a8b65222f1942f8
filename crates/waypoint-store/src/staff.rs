//! Who may work on this device and in which role (the staff directory), and the site's policy
//! (offline lease, idle lock); migration 0005. See docs/sign-in.md.
//!
//! On an enrolled device the directory is the server's list of staff accounts for the device's
//! sites, replaced whole by each sync that brings one; on a device that is not enrolled, the
//! people its supervisor added. The directory holds names, roles and whether an account is
//! disabled; PINs are never here (they wrap the store key in `keys.json`).

use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use waypoint_domain::{Role, SitePolicy};

use crate::audit::{AuditAction, NewEntry};
use crate::{Store, StoreError, Writer};

/// Where a directory entry came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffSource {
    /// The server's staff accounts (an enrolled device).
    Server,
    /// Added on this device (a device that is not enrolled).
    Local,
}

impl StaffSource {
    fn code(self) -> &'static str {
        match self {
            StaffSource::Server => "server",
            StaffSource::Local => "local",
        }
    }
}

/// One person of the staff directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffMember {
    pub name: String,
    pub role: Role,
    /// The site they work at; `None`: every site of the device.
    pub site: Option<String>,
    pub disabled: bool,
    pub source: StaffSource,
}

fn read_member(
    r: &rusqlite::Row<'_>,
) -> rusqlite::Result<(String, String, Option<String>, bool, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn to_member(
    (name, role, site, disabled, source): (String, String, Option<String>, bool, String),
) -> Result<StaffMember, StoreError> {
    let role = Role::parse(&role).map_err(|_| {
        StoreError::Corrupt(format!(
            "the staff directory names an unknown role '{role}'"
        ))
    })?;
    let source = match source.as_str() {
        "server" => StaffSource::Server,
        "local" => StaffSource::Local,
        other => {
            return Err(StoreError::Corrupt(format!(
                "the staff directory has an unknown source '{other}'"
            )));
        }
    };
    Ok(StaffMember {
        name,
        role,
        site,
        disabled,
        source,
    })
}

const MEMBER_SELECT: &str = "SELECT name, role, site, disabled, source FROM staff";

impl Store {
    /// The whole staff directory, by name.
    pub fn staff_directory(&self) -> Result<Vec<StaffMember>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{MEMBER_SELECT} ORDER BY name"))?;
        let rows = stmt
            .query_map([], read_member)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(to_member).collect()
    }

    /// `name`'s entry in the staff directory (names compare without case).
    pub fn staff_member(&self, name: &str) -> Result<Option<StaffMember>, StoreError> {
        let row = self
            .conn
            .prepare_cached(&format!("{MEMBER_SELECT} WHERE name = ?1"))?
            .query_row([name.trim()], read_member)
            .optional()?;
        row.map(to_member).transpose()
    }

    /// The role `name` works in on this device. A disabled account is
    /// [`StoreError::StaffDisabled`]; a name the directory does not hold is
    /// [`StoreError::UnknownStaff`] — except on a device whose directory is empty (not enrolled
    /// and nobody added, or a site HQ has given no accounts yet), whose users act as
    /// supervisors: the person who made the store owns its data.
    pub fn role_of(&self, name: &str) -> Result<Role, StoreError> {
        match self.staff_member(name)? {
            Some(m) if m.disabled => Err(StoreError::StaffDisabled(m.name)),
            Some(m) => Ok(m.role),
            None => {
                let any: bool =
                    self.conn
                        .query_row("SELECT EXISTS (SELECT 1 FROM staff)", [], |r| r.get(0))?;
                if any {
                    Err(StoreError::UnknownStaff(name.trim().to_string()))
                } else {
                    Ok(Role::Supervisor)
                }
            }
        }
    }

    /// Adds `name` with `role` to the directory of a device that is not enrolled (or changes
    /// their role), on behalf of `added_by`. The first addition also writes `added_by` as a
    /// supervisor, so that the person who made the store keeps their role.
    pub fn add_local_staff(
        &mut self,
        added_by: &str,
        name: &str,
        role: Role,
    ) -> Result<(), StoreError> {
        let name = name.trim();
        let added_by = added_by.trim();
        if name.is_empty() || added_by.is_empty() {
            return Err(StoreError::InvalidInput(
                "a staff member needs a name".into(),
            ));
        }
        // One transaction for the directory and the audit entry that says who gave the role.
        let mut w = Writer::begin(&self.conn, &self.staff)?;
        let any: bool =
            w.tx.query_row("SELECT EXISTS (SELECT 1 FROM staff)", [], |r| r.get(0))?;
        if !any && !added_by.eq_ignore_ascii_case(name) {
            w.tx.execute(
                "INSERT INTO staff (name, role, site, disabled, source) VALUES (?1, ?2, NULL, 0, 'local')",
                (added_by, Role::Supervisor.code()),
            )?;
        }
        w.tx.execute(
            "INSERT INTO staff (name, role, site, disabled, source) VALUES (?1, ?2, NULL, 0, 'local')
             ON CONFLICT (name) DO UPDATE SET role = excluded.role, disabled = 0",
            (name, role.code()),
        )?;
        w.audit(NewEntry {
            action: AuditAction::StaffRole,
            scope: Some("staff"),
            entity: Some(name),
            field: None,
            detail: Some(role.code()),
        })?;
        w.commit()
    }

    /// Replaces the server's part of the directory with `members` (a sync brought the list of
    /// the device's sites). Returns the names that can no longer sign in here (disabled, or
    /// gone from the list), whose wrapped keys the caller must destroy.
    pub fn replace_server_staff(
        &mut self,
        members: &[StaffMember],
    ) -> Result<Vec<String>, StoreError> {
        let before: Vec<StaffMember> = self.staff_directory()?;
        let tx = self.conn.unchecked_transaction()?;
        tx.execute("DELETE FROM staff WHERE source = 'server'", [])?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO staff (name, role, site, disabled, source) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (name) DO UPDATE SET role = excluded.role, site = excluded.site,
                     disabled = excluded.disabled, source = excluded.source",
            )?;
            for m in members {
                insert.execute((
                    m.name.trim(),
                    m.role.code(),
                    m.site.as_deref(),
                    m.disabled,
                    StaffSource::Server.code(),
                ))?;
            }
        }
        tx.commit()?;
        let mut lost = Vec::new();
        for old in before.iter().filter(|m| !m.disabled) {
            let now = members
                .iter()
                .find(|m| m.name.trim().eq_ignore_ascii_case(old.name.trim()));
            let gone = old.source == StaffSource::Server && now.is_none();
            if gone || now.is_some_and(|m| m.disabled) {
                lost.push(old.name.clone());
            }
        }
        Ok(lost)
    }

    /// The device's site policy (the defaults until the server sends the site's own).
    pub fn site_policy(&self) -> Result<SitePolicy, StoreError> {
        let (lease_days, idle_minutes): (i64, i64) = self.conn.query_row(
            "SELECT lease_days, idle_minutes FROM site_policy WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let days = u32::try_from(lease_days)
            .map_err(|_| StoreError::Corrupt("the site's lease is out of range".into()))?;
        let minutes = u32::try_from(idle_minutes)
            .map_err(|_| StoreError::Corrupt("the site's idle lock is out of range".into()))?;
        Ok(SitePolicy {
            lease_days: days,
            idle_minutes: minutes,
        })
    }

    /// Saves the site policy the server sent (both values must be at least 1).
    pub fn set_site_policy(&mut self, policy: SitePolicy) -> Result<(), StoreError> {
        if policy.lease_days == 0 || policy.idle_minutes == 0 {
            return Err(StoreError::InvalidInput(
                "a site's lease and idle lock are at least 1 (days, minutes)".into(),
            ));
        }
        self.conn.execute(
            "UPDATE site_policy SET lease_days = ?1, idle_minutes = ?2 WHERE id = 1",
            (policy.lease_days, policy.idle_minutes),
        )?;
        Ok(())
    }
}
