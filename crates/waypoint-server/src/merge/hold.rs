//! Held changes (docs/sync-protocol.md, "Held changes"): a change about a case number that
//! another site holds is neither applied nor refused. Its device gets the answer a new number
//! gets (acknowledged, the same sequence numbers used up), so that no answer tells a device
//! which numbers exist at other sites; the change is kept whole for HQ, who gives the number to
//! a site (`give`, then the held changes go through the merge) or drops them. A number that
//! another site created first therefore claims nothing that HQ cannot undo.

use uuid::Uuid;
use waypoint_domain::Field;
use waypoint_protocol::{Change, ChangeBody, Scope, hlc};

use super::{FieldKey, HeldChange, Plan, Planner, Snapshot};
use crate::store::Device;

/// What the planner does with one change.
pub(super) enum Decision {
    Apply,
    Hold { case_no: String, site: String },
    Refuse(String),
}

impl Planner<'_> {
    /// Whether `change` is applied or held. Decided on numbers alone, before any check of its
    /// content: a held change is then checked like an applied one (`check_only`).
    pub(super) fn decide(&self, change: &Change) -> Decision {
        // The case the device says the change belongs to.
        let claimed = match &change.body {
            _ if change.scope == Scope::Case => &change.entity,
            ChangeBody::Create { case_no, .. }
            | ChangeBody::Field { case_no, .. }
            | ChangeBody::Event { case_no, .. } => case_no,
        };
        // An event a port of entry may add about a traveller arriving there is applied.
        if let ChangeBody::Event { kind, json, .. } = &change.body {
            if change.scope == Scope::Event && self.arrival_accepts(claimed, kind, json) {
                return Decision::Apply;
            }
        }
        // A change of a case whose creation this batch refused goes with it: the refusal says
        // nothing about other sites (it never depends on them).
        if !self.owns(claimed) {
            if let Some(why) = self.refused_cases.get(claimed) {
                return Decision::Refuse(format!(
                    "The case this change belongs to was not applied, so this change was not \
                     applied either. Why: {why}"
                ));
            }
        }
        let hold = match (change.scope, &change.body) {
            (Scope::Case, ChangeBody::Create { fields, .. }) => {
                match (self.held_site(claimed), self.st.cases.get(claimed)) {
                    (Some(site), _) => Some((claimed.clone(), site)),
                    (None, Some(site)) if !self.serves(site) => {
                        let site = fields
                            .iter()
                            .find(|(name, _)| name == Field::Site.column())
                            .and_then(|(_, v)| v.clone())
                            .filter(|s| self.serves(s))
                            .unwrap_or_else(|| self.home_site());
                        Some((claimed.clone(), site))
                    }
                    // A new number, or one of the device's own cases.
                    _ => None,
                }
            }
            (Scope::Case | Scope::Event, _) => self.case_hold(claimed),
            (Scope::Individual, ChangeBody::Create { .. }) => self
                .person_hold(&change.entity)
                .or_else(|| self.case_hold(claimed))
                .or_else(|| {
                    // A number on another site's case is held under that case; a new one is new.
                    let current = self.st.individuals.get(&change.entity)?;
                    self.case_hold(current)
                }),
            (Scope::Individual, _) => self.person_hold(&change.entity).or_else(|| {
                match self.st.individuals.get(&change.entity) {
                    Some(current) => self.case_hold(current),
                    // Unknown here, or on another site's case: the same answer.
                    None => Some((
                        claimed.clone(),
                        self.held_site(claimed).unwrap_or_else(|| self.home_site()),
                    )),
                }
            }),
        };
        match hold {
            None => Decision::Apply,
            Some((case_no, site)) => Decision::Hold { case_no, site },
        }
    }

    /// Keeps `change` for HQ. It uses up as many sequence numbers as applying it to a new
    /// record would, so that the device's next cursor moves as it would for a new number.
    pub(super) fn hold(&mut self, change: Change, case_no: String, site: String) {
        let numbers = match &change.body {
            ChangeBody::Create { fields, .. } => fields.len(),
            _ => 1,
        };
        for _ in 0..numbers {
            self.alloc();
        }
        if change.scope == Scope::Individual {
            self.st
                .held_individuals
                .insert((change.entity.clone(), site.clone()), case_no.clone());
        } else {
            self.st.held_cases.insert((case_no.clone(), site.clone()));
        }
        self.plan.held.push(HeldChange {
            case_no,
            site,
            change,
        });
    }

    /// Whether the case is one of the device's sites' (and none of their changes of it waits
    /// for HQ).
    fn owns(&self, case_no: &str) -> bool {
        self.st.cases.get(case_no).is_some_and(|s| self.serves(s))
            && self.held_site(case_no).is_none()
    }

    /// The device's site that has changes of this case held, if one has.
    fn held_site(&self, case_no: &str) -> Option<String> {
        self.device
            .sites
            .iter()
            .find(|s| {
                self.st
                    .held_cases
                    .contains(&(case_no.to_string(), (*s).clone()))
            })
            .cloned()
    }

    /// Where a change of this case is held, when it is: the case is unknown, another site's,
    /// or has changes of this device's site held already (later ones wait with them).
    fn case_hold(&self, case_no: &str) -> Option<(String, String)> {
        if let Some(site) = self.held_site(case_no) {
            return Some((case_no.to_string(), site));
        }
        match self.st.cases.get(case_no) {
            Some(site) if self.serves(site) => None,
            _ => Some((case_no.to_string(), self.home_site())),
        }
    }

    /// Where a change of this person is held, when changes of them from this device's site
    /// are held already.
    fn person_hold(&self, individual_no: &str) -> Option<(String, String)> {
        self.device.sites.iter().find_map(|s| {
            self.st
                .held_individuals
                .get(&(individual_no.to_string(), s.clone()))
                .map(|case_no| (case_no.clone(), s.clone()))
        })
    }

    /// The site a held change that names none is kept for (devices have one site).
    fn home_site(&self) -> String {
        self.device.sites.first().cloned().unwrap_or_default()
    }
}

/// HQ gives `case_no` to `site`: the case's site field becomes `site` (HQ's word, over any
/// value: never a conflict), which moves the case with everything it holds when it was
/// elsewhere. Nothing when the case does not exist or is at `site` already.
pub fn give(case_no: &str, site: &str, snapshot: Snapshot, next_seq: u64, now_ms: u64) -> Plan {
    let hq = Device {
        id: Uuid::nil(),
        name: "HQ".into(),
        sites: vec![site.to_string()],
        last_client_seq: 0,
        revoked: None,
    };
    let mut p = Planner::new(&hq, snapshot, next_seq, now_ms);
    if p.st.cases.get(case_no).is_some_and(|s| s != site) {
        let hlc = hlc::from_parts(now_ms, 0);
        p.plan.max_hlc = hlc;
        let key = FieldKey {
            scope: Scope::Case,
            entity: case_no.to_string(),
            field: Field::Site.column().to_string(),
        };
        p.merge(key, Field::Site, Some(site.to_string()), u64::MAX, hlc);
    }
    p.plan
}
