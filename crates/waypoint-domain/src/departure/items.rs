//! Food and essential items handed out on departure day, per person, from a list per
//! programme: one data file per programme beside the SOP checklists
//! (`data/essential-items/*.json`, built in), each item labelled in EN, FR and ES.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::DepartureProblem;
use crate::event_check::require;
use crate::{EventError, Localized};

/// One item of a programme's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EssentialItem {
    /// What is recorded, e.g. `food_pack`.
    pub code: String,
    pub label: Localized,
}

/// What a programme hands each traveller on departure day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemList {
    /// The programme code as in case records, e.g. `USRAP`.
    pub programme: String,
    pub name: Localized,
    pub items: Vec<EssentialItem>,
}

impl ItemList {
    /// The codes as typed (any case), checked against the list, each once, in the list's order.
    pub fn check(&self, codes: &[String]) -> Result<Vec<String>, DepartureProblem> {
        let mut wanted = BTreeSet::new();
        for c in codes {
            let c = c.trim().to_ascii_lowercase();
            if !self.items.iter().any(|i| i.code == c) {
                return Err(DepartureProblem::UnknownItem {
                    code: c,
                    programme: self.programme.clone(),
                });
            }
            wanted.insert(c);
        }
        Ok(self
            .items
            .iter()
            .filter(|i| wanted.contains(&i.code))
            .map(|i| i.code.clone())
            .collect())
    }
}

pub(super) const SHIPPED: &[(&str, &str)] = &[
    (
        "USRAP.json",
        include_str!("../../data/essential-items/USRAP.json"),
    ),
    (
        "RELOCATION.json",
        include_str!("../../data/essential-items/RELOCATION.json"),
    ),
    (
        "HUMANITARIAN_ADMISSION.json",
        include_str!("../../data/essential-items/HUMANITARIAN_ADMISSION.json"),
    ),
    (
        "FAMILY_REUNIFICATION.json",
        include_str!("../../data/essential-items/FAMILY_REUNIFICATION.json"),
    ),
    (
        "VOLUNTARY_RETURN.json",
        include_str!("../../data/essential-items/VOLUNTARY_RETURN.json"),
    ),
];

/// Every programme's list, by programme code.
#[derive(Debug, Clone, Default)]
pub struct ItemLists {
    programmes: BTreeMap<String, ItemList>,
}

impl ItemLists {
    /// Reads list files (name, JSON text); says which file is wrong and why.
    pub fn parse(files: &[(&str, &str)]) -> Result<Self, String> {
        let mut programmes = BTreeMap::new();
        for (name, text) in files {
            let list: ItemList =
                serde_json::from_str(text).map_err(|e| format!("essential-items/{name}: {e}"))?;
            let mut codes = BTreeSet::new();
            for item in &list.items {
                if item.code.is_empty() || item.code != item.code.to_ascii_lowercase() {
                    return Err(format!(
                        "essential-items/{name}: item code '{}' must be lower case",
                        item.code
                    ));
                }
                if !codes.insert(item.code.as_str()) {
                    return Err(format!(
                        "essential-items/{name}: item {} appears twice",
                        item.code
                    ));
                }
            }
            programmes.insert(list.programme.clone(), list);
        }
        Ok(Self { programmes })
    }

    /// The lists shipped with Waypoint (checked by a test, so this cannot fail at run time).
    pub fn shipped() -> Self {
        Self::parse(SHIPPED).unwrap_or_default()
    }

    /// The list of `programme` (its code, any case).
    pub fn get(&self, programme: &str) -> Result<&ItemList, DepartureProblem> {
        let code = programme.trim().to_ascii_uppercase();
        self.programmes
            .get(&code)
            .ok_or(DepartureProblem::NoItemList(code))
    }

    pub fn programmes(&self) -> impl Iterator<Item = &ItemList> {
        self.programmes.values()
    }
}

/// Items handed to one traveller; recorded once, per case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemsHanded {
    pub id: Uuid,
    pub case_no: String,
    pub individual_no: String,
    /// The programme whose list the codes are from.
    pub programme: String,
    pub items: Vec<String>,
    pub site: String,
    pub recorded_by: String,
    pub at: DateTime<Utc>,
}

impl ItemsHanded {
    pub fn validate(&self) -> Result<(), EventError> {
        if self.id.get_version_num() != 7 {
            return Err(EventError::Invalid("an event id must be a UUID v7".into()));
        }
        require(&self.case_no, "the case")?;
        require(&self.individual_no, "who received the items")?;
        require(&self.programme, "the programme")?;
        require(&self.site, "the site")?;
        require(&self.recorded_by, "who recorded it")?;
        if self.items.is_empty() {
            return Err(EventError::Missing("at least one item"));
        }
        let mut seen = BTreeSet::new();
        for item in &self.items {
            require(item, "the item's code")?;
            if !seen.insert(item) {
                return Err(EventError::Invalid(format!("{item} is given twice")));
            }
        }
        Ok(())
    }
}
