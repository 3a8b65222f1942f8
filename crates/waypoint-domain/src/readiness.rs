//! What makes a case travel-ready, per programme: data beside the SOP checklists (shipped in
//! `data/readiness/`, built in), so that a programme's rules change without changing code.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Checklists, DocumentType};

/// Something an individual must have before travelling. The exit permit is not one of these:
/// it is a step of its own, required or not per programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Requirement {
    /// The last identity and document check of the individual verified them.
    IdentityChecked,
    /// A valid travel document of an accepted type, held by the organisation or the case.
    TravelDocument,
    /// A complete counselling session of the programme attended (by a member of the case,
    /// for a child younger than the programme's counselling age).
    CounsellingComplete,
    /// No open data-quality problem with the individual or the case.
    NoOpenProblem,
}

/// Which travel documents a programme accepts, and how long past today they must be valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentRule {
    pub accepted: Vec<DocumentType>,
    pub valid_for_days: u32,
}

/// One programme's rules for the steps before booking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TravelReadiness {
    /// The programme code as in case records, e.g. `USRAP`.
    pub programme: String,
    /// Which edition of the programme's rules this follows.
    pub rules_version: String,
    /// What "documents complete" means.
    pub documents_complete: Vec<Requirement>,
    /// Whether the host government's exit permit (approved, or confirmed not required) is
    /// needed; when not, the exit-permit step is reached with the documents.
    pub exit_permit_required: bool,
    /// What is needed on top of the above to be travel-ready.
    pub travel_ready: Vec<Requirement>,
    pub travel_document: DocumentRule,
    /// From this age, an individual must attend counselling in person; younger children are
    /// covered by a member of the case who did. Needed when counselling is a requirement.
    #[serde(default)]
    pub counselling_from_age: Option<u32>,
}

impl TravelReadiness {
    /// The rules applied to a case whose programme has none (or that has no programme): every
    /// requirement, so that nothing is called ready by default.
    pub fn strictest() -> Self {
        Self {
            programme: String::new(),
            rules_version: String::new(),
            documents_complete: vec![Requirement::IdentityChecked, Requirement::TravelDocument],
            exit_permit_required: true,
            travel_ready: vec![Requirement::CounsellingComplete, Requirement::NoOpenProblem],
            travel_document: DocumentRule {
                accepted: vec![
                    DocumentType::Passport,
                    DocumentType::IcrcTravelDocument,
                    DocumentType::LaissezPasser,
                    DocumentType::RefugeeTravelDocument,
                ],
                valid_for_days: 0,
            },
            counselling_from_age: Some(0),
        }
    }

    /// Every requirement, in the order of the steps.
    pub fn requirements(&self) -> impl Iterator<Item = Requirement> + '_ {
        self.documents_complete
            .iter()
            .chain(&self.travel_ready)
            .copied()
    }

    pub fn requires(&self, requirement: Requirement) -> bool {
        self.requirements().any(|r| r == requirement)
    }

    /// Refuses rules that cannot be applied: a requirement twice, counselling without the age
    /// it starts at, a travel document required with none accepted.
    fn check(&self) -> Result<(), String> {
        let all: Vec<Requirement> = self.requirements().collect();
        if let Some(twice) = all
            .iter()
            .enumerate()
            .find_map(|(i, r)| all[..i].contains(r).then_some(r))
        {
            return Err(format!("requirement {twice:?} appears twice"));
        }
        if self.requires(Requirement::CounsellingComplete) && self.counselling_from_age.is_none() {
            return Err("counselling is required: say counselling_from_age".into());
        }
        if self.requires(Requirement::TravelDocument) {
            let accepted = &self.travel_document.accepted;
            if accepted.is_empty() || accepted.contains(&DocumentType::None) {
                return Err("travel_document.accepted must name document types (not NONE)".into());
            }
        }
        Ok(())
    }
}

/// The rule files built into Waypoint, by name.
const SHIPPED: &[(&str, &str)] = &[
    ("USRAP.json", include_str!("../data/readiness/USRAP.json")),
    (
        "RELOCATION.json",
        include_str!("../data/readiness/RELOCATION.json"),
    ),
    (
        "HUMANITARIAN_ADMISSION.json",
        include_str!("../data/readiness/HUMANITARIAN_ADMISSION.json"),
    ),
    (
        "FAMILY_REUNIFICATION.json",
        include_str!("../data/readiness/FAMILY_REUNIFICATION.json"),
    ),
    (
        "VOLUNTARY_RETURN.json",
        include_str!("../data/readiness/VOLUNTARY_RETURN.json"),
    ),
];

/// Every programme's readiness rules, by programme code.
#[derive(Debug, Clone, Default)]
pub struct ReadinessRules {
    programmes: BTreeMap<String, TravelReadiness>,
}

impl ReadinessRules {
    /// Reads rule files (name, JSON text), each named after its programme; says which file is
    /// wrong and why.
    pub fn parse(files: &[(&str, &str)]) -> Result<Self, String> {
        let mut programmes = BTreeMap::new();
        for (name, text) in files {
            let rules: TravelReadiness =
                serde_json::from_str(text).map_err(|e| format!("readiness/{name}: {e}"))?;
            if name.strip_suffix(".json") != Some(rules.programme.as_str()) {
                return Err(format!(
                    "readiness/{name}: holds the rules of {}, not of the programme it is named after",
                    rules.programme
                ));
            }
            rules
                .check()
                .map_err(|e| format!("readiness/{name}: {e}"))?;
            programmes.insert(rules.programme.clone(), rules);
        }
        Ok(Self { programmes })
    }

    /// The rules shipped with Waypoint (checked by a test, so this cannot fail at run time).
    pub fn shipped() -> Self {
        Self::parse(SHIPPED).unwrap_or_default()
    }

    /// The rules of `programme` (its code, any case).
    pub fn get(&self, programme: &str) -> Option<&TravelReadiness> {
        self.programmes
            .get(programme.trim().to_ascii_uppercase().as_str())
    }

    pub fn all(&self) -> impl Iterator<Item = &TravelReadiness> {
        self.programmes.values()
    }

    /// Programmes whose rules require counselling that has no SOP checklist in `checklists`:
    /// their cases could never be travel-ready, since a session is recorded against one.
    pub fn counselling_without_checklist<'a>(
        &'a self,
        checklists: &'a Checklists,
    ) -> impl Iterator<Item = &'a str> + 'a {
        self.all()
            .filter(|r| r.requires(Requirement::CounsellingComplete))
            .filter(|r| checklists.get(&r.programme).is_none())
            .map(|r| r.programme.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The five programmes of the case-import format.
    const PROGRAMMES: [&str; 5] = [
        "USRAP",
        "RELOCATION",
        "HUMANITARIAN_ADMISSION",
        "FAMILY_REUNIFICATION",
        "VOLUNTARY_RETURN",
    ];

    #[test]
    fn every_programme_has_shipped_rules_that_load() {
        let rules = ReadinessRules::parse(SHIPPED).unwrap();
        assert_eq!(rules.all().count(), SHIPPED.len());
        for p in PROGRAMMES {
            let r = rules
                .get(&p.to_lowercase())
                .unwrap_or_else(|| panic!("{p}"));
            assert!(r.requires(Requirement::TravelDocument), "{p}");
            assert!(!r.rules_version.trim().is_empty(), "{p}");
        }
        assert_eq!(ReadinessRules::shipped().all().count(), PROGRAMMES.len());
    }

    #[test]
    fn programmes_differ_in_what_they_ask() {
        let rules = ReadinessRules::shipped();
        let get = |p: &str| rules.get(p).unwrap();
        assert!(get("USRAP").exit_permit_required);
        assert!(!get("RELOCATION").exit_permit_required);
        assert_ne!(
            get("USRAP").travel_document,
            get("FAMILY_REUNIFICATION").travel_document
        );
    }

    #[test]
    fn counselling_is_required_only_where_a_checklist_exists() {
        let rules = ReadinessRules::shipped();
        let checklists = Checklists::shipped();
        let orphans: Vec<&str> = rules.counselling_without_checklist(&checklists).collect();
        assert!(orphans.is_empty(), "{orphans:?}");
        // The check itself can fail: without checklists every counselling programme is named.
        let none = Checklists::default();
        assert!(
            rules
                .counselling_without_checklist(&none)
                .any(|p| p == "USRAP")
        );
    }

    fn file(body: &str) -> String {
        format!(
            r#"{{"programme":"X","rules_version":"1",{body},
                "travel_document":{{"accepted":["PASSPORT"],"valid_for_days":0}}}}"#
        )
    }

    #[test]
    fn rules_that_cannot_be_applied_are_refused_with_the_file_name() {
        let twice = file(
            r#""documents_complete":["identity_checked"],"exit_permit_required":true,
               "travel_ready":["identity_checked"]"#,
        );
        let e = ReadinessRules::parse(&[("X.json", &twice)]).unwrap_err();
        assert!(e.contains("readiness/X.json") && e.contains("twice"), "{e}");
        let no_age = file(
            r#""documents_complete":[],"exit_permit_required":true,
               "travel_ready":["counselling_complete"]"#,
        );
        let e = ReadinessRules::parse(&[("X.json", &no_age)]).unwrap_err();
        assert!(e.contains("counselling_from_age"), "{e}");
        let typo = file(
            r#""documents_complete":["identity_check"],"exit_permit_required":true,
               "travel_ready":[]"#,
        );
        let e = ReadinessRules::parse(&[("X.json", &typo)]).unwrap_err();
        assert!(
            e.contains("readiness/X.json") && e.contains("identity_check"),
            "{e}"
        );
        let good = file(
            r#""documents_complete":["travel_document"],"exit_permit_required":false,
               "travel_ready":[]"#,
        );
        assert!(ReadinessRules::parse(&[("X.json", &good)]).is_ok());
        let e = ReadinessRules::parse(&[("Y.json", &good)]).unwrap_err();
        assert!(e.contains("not of the programme it is named after"), "{e}");
    }

    #[test]
    fn requirements_are_sent_as_their_file_spelling() {
        assert_eq!(
            serde_json::to_value(Requirement::NoOpenProblem).unwrap(),
            "no_open_problem"
        );
    }
}
