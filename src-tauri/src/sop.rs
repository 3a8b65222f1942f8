//! Pre-departure counselling checklists: one data file per programme, from its SOP, shipped in
//! `src-tauri/sop/` and built into the app.

use std::collections::BTreeMap;

use crate::dto::SopProgramme;

/// The shipped SOP files, by name.
const SHIPPED: &[(&str, &str)] = &[
    ("USRAP.json", include_str!("../sop/USRAP.json")),
    ("RELOCATION.json", include_str!("../sop/RELOCATION.json")),
    (
        "HUMANITARIAN_ADMISSION.json",
        include_str!("../sop/HUMANITARIAN_ADMISSION.json"),
    ),
];

/// Every programme's checklist, by programme code.
#[derive(Debug, Clone, Default)]
pub struct SopLibrary {
    programmes: BTreeMap<String, SopProgramme>,
}

impl SopLibrary {
    /// Reads SOP files (name, JSON text); says which file is wrong and why.
    pub fn parse(files: &[(&str, &str)]) -> Result<Self, String> {
        let mut programmes = BTreeMap::new();
        for (name, text) in files {
            let sop: SopProgramme =
                serde_json::from_str(text).map_err(|e| format!("sop/{name}: {e}"))?;
            let mut ids = std::collections::BTreeSet::new();
            for topic in &sop.topics {
                if !ids.insert(topic.id.as_str()) {
                    return Err(format!("sop/{name}: topic {} appears twice", topic.id));
                }
            }
            programmes.insert(sop.programme.clone(), sop);
        }
        Ok(Self { programmes })
    }

    /// The checklists shipped with the app (checked by a test, so this cannot fail at run time).
    pub fn shipped() -> Self {
        Self::parse(SHIPPED).unwrap_or_default()
    }

    pub fn get(&self, programme: &str) -> Option<&SopProgramme> {
        self.programmes.get(programme)
    }

    pub fn all(&self) -> impl Iterator<Item = &SopProgramme> {
        self.programmes.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_sops_parse_and_differ_in_mandatory_topics() {
        let lib = SopLibrary::parse(SHIPPED).unwrap();
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

    #[test]
    fn a_duplicate_topic_is_refused_with_the_file_name() {
        let text = r#"{"programme":"X","name":{"en":"X","fr":"X","es":"X"},"sop_version":"1",
            "topics":[{"id":"a","mandatory":true,"title":{"en":"A","fr":"A","es":"A"}},
                      {"id":"a","mandatory":false,"title":{"en":"A","fr":"A","es":"A"}}]}"#;
        let e = SopLibrary::parse(&[("X.json", text)]).unwrap_err();
        assert!(e.contains("sop/X.json") && e.contains("twice"), "{e}");
    }
}
