//! Pre-departure counselling checklists: one data file per programme, from its SOP (shipped in
//! `data/sop/`, built in), and the rule a session is saved by.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// A text in the organisation's three working languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Localized {
    pub en: String,
    pub fr: String,
    pub es: String,
}

/// One topic of a checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistTopic {
    pub id: String,
    /// A session is complete only when every mandatory topic was covered.
    pub mandatory: bool,
    pub title: Localized,
}

/// A programme's pre-departure counselling checklist, from its SOP data file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checklist {
    /// The programme code as in case records, e.g. `USRAP`.
    pub programme: String,
    pub name: Localized,
    /// Which edition of the SOP the checklist follows.
    pub sop_version: String,
    pub topics: Vec<ChecklistTopic>,
}

impl Checklist {
    /// Refuses topics that are not on this checklist and, for a session saved as complete, a
    /// mandatory topic not covered (named in English, as the SOP does).
    pub fn check_session(
        &self,
        topics_covered: &[String],
        complete: bool,
    ) -> Result<(), SessionProblem> {
        if let Some(unknown) = topics_covered
            .iter()
            .find(|t| !self.topics.iter().any(|s| &s.id == *t))
        {
            return Err(SessionProblem::UnknownTopic {
                topic: unknown.clone(),
                programme: self.programme.clone(),
            });
        }
        if complete {
            let missing: Vec<String> = self
                .topics
                .iter()
                .filter(|t| t.mandatory && !topics_covered.contains(&t.id))
                .map(|t| t.title.en.clone())
                .collect();
            if !missing.is_empty() {
                return Err(SessionProblem::MandatoryTopicsMissing {
                    programme: self.programme.clone(),
                    titles: missing,
                });
            }
        }
        Ok(())
    }
}

/// Why a counselling session cannot be saved as it was given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionProblem {
    #[error("'{topic}' is not a topic of the {programme} checklist")]
    UnknownTopic { topic: String, programme: String },
    /// Saved as complete without every mandatory topic (their English titles).
    #[error(
        "the session cannot be saved as complete: mandatory topics not covered: {}",
        titles.join("; ")
    )]
    MandatoryTopicsMissing {
        programme: String,
        titles: Vec<String>,
    },
}

/// The SOP files built into Waypoint, by name.
const SHIPPED: &[(&str, &str)] = &[
    ("USRAP.json", include_str!("../data/sop/USRAP.json")),
    (
        "RELOCATION.json",
        include_str!("../data/sop/RELOCATION.json"),
    ),
    (
        "HUMANITARIAN_ADMISSION.json",
        include_str!("../data/sop/HUMANITARIAN_ADMISSION.json"),
    ),
    (
        "FAMILY_REUNIFICATION.json",
        include_str!("../data/sop/FAMILY_REUNIFICATION.json"),
    ),
    (
        "VOLUNTARY_RETURN.json",
        include_str!("../data/sop/VOLUNTARY_RETURN.json"),
    ),
];

/// Every programme's checklist, by programme code.
#[derive(Debug, Clone, Default)]
pub struct Checklists {
    programmes: BTreeMap<String, Checklist>,
}

impl Checklists {
    /// Reads SOP files (name, JSON text); says which file is wrong and why.
    pub fn parse(files: &[(&str, &str)]) -> Result<Self, String> {
        let mut programmes = BTreeMap::new();
        for (name, text) in files {
            let sop: Checklist =
                serde_json::from_str(text).map_err(|e| format!("sop/{name}: {e}"))?;
            let mut ids = BTreeSet::new();
            for topic in &sop.topics {
                if !ids.insert(topic.id.as_str()) {
                    return Err(format!("sop/{name}: topic {} appears twice", topic.id));
                }
            }
            programmes.insert(sop.programme.clone(), sop);
        }
        Ok(Self { programmes })
    }

    /// The checklists shipped with Waypoint (checked by a test, so this cannot fail at run time).
    pub fn shipped() -> Self {
        Self::parse(SHIPPED).unwrap_or_default()
    }

    /// The checklist of `programme` (its code, any case).
    pub fn get(&self, programme: &str) -> Option<&Checklist> {
        self.programmes
            .get(programme.trim().to_ascii_uppercase().as_str())
    }

    pub fn all(&self) -> impl Iterator<Item = &Checklist> {
        self.programmes.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_sops_parse_and_differ_in_mandatory_topics() {
        let lib = Checklists::parse(SHIPPED).unwrap();
        assert_eq!(lib.all().count(), SHIPPED.len());
        let mandatory = |p: &str| -> Vec<String> {
            lib.get(p)
                .unwrap()
                .topics
                .iter()
                .filter(|t| t.mandatory)
                .map(|t| t.id.clone())
                .collect()
        };
        assert_ne!(mandatory("USRAP"), mandatory("RELOCATION"));
        for sop in lib.all() {
            for t in &sop.topics {
                for text in [&t.title.en, &t.title.fr, &t.title.es] {
                    assert!(!text.trim().is_empty(), "{} {}", sop.programme, t.id);
                }
            }
        }
    }

    /// The programmes the case-import format names (docs/import-csv.md, `programme` row),
    /// read from the document so that a programme added there needs a checklist here.
    fn import_format_programmes() -> Vec<String> {
        let doc = include_str!("../../../docs/import-csv.md");
        let row = doc
            .lines()
            .find(|l| l.starts_with("| `programme` |"))
            .expect("the programme row of the import format");
        // `programme`, then each code between backquotes.
        row.split('`')
            .skip(3)
            .step_by(2)
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn every_programme_of_the_import_format_has_a_checklist_in_three_languages() {
        let lib = Checklists::shipped();
        let programmes = import_format_programmes();
        assert!(programmes.len() >= 5, "{programmes:?}");
        for p in &programmes {
            let sop = lib
                .get(p)
                .unwrap_or_else(|| panic!("{p} has no SOP checklist"));
            assert_eq!(&sop.programme, p);
            assert!(!sop.sop_version.trim().is_empty(), "{p}");
            for text in [&sop.name.en, &sop.name.fr, &sop.name.es] {
                assert!(!text.trim().is_empty(), "{p}");
            }
            assert!(sop.topics.iter().any(|t| t.mandatory), "{p}");
            assert!(sop.topics.iter().any(|t| !t.mandatory), "{p}");
        }
        // The check can fail: a programme the files lack is not found.
        assert!(lib.get("NO_SUCH_PROGRAMME").is_none());
    }

    #[test]
    fn a_duplicate_topic_is_refused_with_the_file_name() {
        let text = r#"{"programme":"X","name":{"en":"X","fr":"X","es":"X"},"sop_version":"1",
            "topics":[{"id":"a","mandatory":true,"title":{"en":"A","fr":"A","es":"A"}},
                      {"id":"a","mandatory":false,"title":{"en":"A","fr":"A","es":"A"}}]}"#;
        let e = Checklists::parse(&[("X.json", text)]).unwrap_err();
        assert!(e.contains("sop/X.json") && e.contains("twice"), "{e}");
    }

    fn checklist() -> Checklist {
        let text = r#"{"programme":"TEST","name":{"en":"T","fr":"T","es":"T"},"sop_version":"1",
            "topics":[{"id":"a","mandatory":true,"title":{"en":"Topic A","fr":"A","es":"A"}},
                      {"id":"b","mandatory":false,"title":{"en":"Topic B","fr":"B","es":"B"}}]}"#;
        let lib = Checklists::parse(&[("TEST.json", text)]).unwrap();
        lib.get("test").unwrap().clone()
    }

    #[test]
    fn complete_needs_every_mandatory_topic_and_only_known_topics() {
        let c = checklist();
        let topics = |t: &[&str]| -> Vec<String> { t.iter().map(|s| s.to_string()).collect() };
        let e = c.check_session(&topics(&["b"]), true).unwrap_err();
        assert!(
            e.to_string()
                .contains("mandatory topics not covered: Topic A"),
            "{e}"
        );
        assert!(c.check_session(&topics(&["b"]), false).is_ok());
        assert!(c.check_session(&topics(&["a"]), true).is_ok());
        let e = c.check_session(&topics(&["juggling"]), false).unwrap_err();
        assert!(
            e.to_string()
                .contains("'juggling' is not a topic of the TEST checklist"),
            "{e}"
        );
    }
}
