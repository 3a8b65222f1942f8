//! Where each travel document of a case is: its chain of custody, derived from the case's
//! [`CustodyTransfer`] events (never stored on its own, so that it cannot disagree with them).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Case, Custodian, CustodyTransfer, FieldEvent};

/// One document of a case member and every transfer of it, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentCustody {
    pub individual_no: String,
    /// The document holder's name, as on the record.
    pub holder_name: String,
    /// The document type's code, e.g. `PASSPORT`.
    pub document_type: String,
    pub document_no: String,
    /// Every transfer of this document, oldest first.
    pub chain: Vec<CustodyTransfer>,
}

impl DocumentCustody {
    /// Who holds the document now; `None` until its first transfer is recorded.
    pub fn current(&self) -> Option<&Custodian> {
        self.chain.last().map(|t| &t.to)
    }

    /// Where the last transfer happened.
    pub fn location(&self) -> Option<&str> {
        self.chain.last().map(|t| t.location.as_str())
    }

    /// Refuses a transfer `from` someone other than the document's current holder: the chain
    /// must not have gaps. A document with no transfer yet may start from anyone.
    pub fn check_handed_from(&self, from: &Custodian) -> Result<(), HeldElsewhere> {
        match self.current() {
            Some(holder) if holder != from => Err(HeldElsewhere {
                document_no: self.document_no.clone(),
                holder: holder.clone(),
                from: from.clone(),
            }),
            _ => Ok(()),
        }
    }
}

/// A transfer recorded from someone who does not hold the document (another device may have
/// recorded a handover meanwhile).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "document {document_no} is held by {holder}, not by {from}: record the transfer from its current holder"
)]
pub struct HeldElsewhere {
    pub document_no: String,
    pub holder: Custodian,
    pub from: Custodian,
}

/// Every numbered document of `case`'s members with its chain, in member order. A document
/// whose number is not known (or not shown to the role) has no chain to follow and is left out.
pub fn document_custody<'a>(
    case: &Case,
    events: impl IntoIterator<Item = &'a FieldEvent>,
) -> Vec<DocumentCustody> {
    let transfers: Vec<&CustodyTransfer> = events
        .into_iter()
        .filter_map(|e| match e {
            FieldEvent::CustodyTransfer(t) => Some(t),
            _ => None,
        })
        .collect();
    case.members
        .iter()
        .filter_map(|m| {
            let doc = m.document.as_ref()?;
            let number = doc.number.clone()?;
            let chain = transfers
                .iter()
                .filter(|t| t.individual_no == m.individual_no && t.document_no == number)
                .map(|t| (*t).clone())
                .collect();
            Some(DocumentCustody {
                individual_no: m.individual_no.clone(),
                holder_name: format!("{} {}", m.given_names, m.family_name),
                document_type: doc.document_type.code().to_string(),
                document_no: number,
                chain,
            })
        })
        .collect()
}

/// Who or what holds a document, as a person says it: `I-0001010`, `staff member A. Officer`.
impl fmt::Display for Custodian {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Custodian::Individual { individual_no } => f.write_str(individual_no),
            Custodian::Staff { name } => write!(f, "staff member {name}"),
            Custodian::Storage { place } => f.write_str(place),
            Custodian::TravelBag { case_no } => write!(f, "the travel bag of {case_no}"),
            Custodian::Authority { name } => f.write_str(name),
        }
    }
}

impl Custodian {
    /// The kind's name as people type it: individual, staff, storage, travel-bag, authority.
    pub const KINDS: [&'static str; 5] =
        ["individual", "staff", "storage", "travel-bag", "authority"];

    /// A custodian of kind `kind` (one of [`Custodian::KINDS`]; `travel_bag` is accepted too)
    /// named `value`, in the form events record: numbers upper case, text trimmed.
    pub fn from_kind(kind: &str, value: &str) -> Result<Self, String> {
        let value = value.trim();
        if value.is_empty() {
            return Err(format!("say who or what the {kind} is"));
        }
        let text = value.to_string();
        let number = value.to_ascii_uppercase();
        Ok(match kind.trim().to_ascii_lowercase().as_str() {
            "individual" => Custodian::Individual {
                individual_no: number,
            },
            "staff" => Custodian::Staff { name: text },
            "storage" => Custodian::Storage { place: text },
            "travel-bag" | "travel_bag" => Custodian::TravelBag { case_no: number },
            "authority" => Custodian::Authority { name: text },
            other => {
                return Err(format!(
                    "'{other}' is not a kind of custodian; kinds are: {}",
                    Self::KINDS.join(", ")
                ));
            }
        })
    }

    /// The same custodian in the form events record (see [`Custodian::from_kind`]).
    pub fn normalized(&self) -> Self {
        let t = |s: &str| s.trim().to_string();
        let n = |s: &str| s.trim().to_ascii_uppercase();
        match self {
            Custodian::Individual { individual_no } => Custodian::Individual {
                individual_no: n(individual_no),
            },
            Custodian::Staff { name } => Custodian::Staff { name: t(name) },
            Custodian::Storage { place } => Custodian::Storage { place: t(place) },
            Custodian::TravelBag { case_no } => Custodian::TravelBag {
                case_no: n(case_no),
            },
            Custodian::Authority { name } => Custodian::Authority { name: t(name) },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use uuid::Uuid;

    use crate::{Field, Record};

    fn case() -> Case {
        let member = |no: &str, doc: Option<&str>| {
            let mut r = Record::default();
            r.set(Field::CaseNo, Some("TST-2025-000001".into()));
            r.set(Field::IndividualNo, Some(no.into()));
            r.set(Field::Relationship, Some("PA".into()));
            r.set(Field::FamilyName, Some("TESTER".into()));
            r.set(Field::GivenNames, Some("Example".into()));
            r.set(Field::Sex, Some("F".into()));
            r.set(Field::DateOfBirth, Some("1990".into()));
            r.set(Field::Nationality, Some("COD".into()));
            r.set(Field::Site, Some("TST-SITE".into()));
            if let Some(doc) = doc {
                r.set(Field::DocumentType, Some("PASSPORT".into()));
                r.set(Field::DocumentNo, Some(doc.into()));
            }
            r
        };
        Case::from_records(&[member("I-1", Some("P1")), member("I-2", None)]).unwrap()
    }

    fn transfer(doc: &str, from: Custodian, to: Custodian, minute: u32) -> FieldEvent {
        FieldEvent::CustodyTransfer(CustodyTransfer {
            id: Uuid::now_v7(),
            individual_no: "I-1".into(),
            document_no: doc.into(),
            from,
            to,
            location: format!("desk {minute}"),
            site: "TST-SITE".into(),
            recorded_by: "Test Officer".into(),
            at: Utc.with_ymd_and_hms(2025, 1, 1, 9, minute, 0).unwrap(),
        })
    }

    fn safe() -> Custodian {
        Custodian::Storage {
            place: "Office safe".into(),
        }
    }

    fn person() -> Custodian {
        Custodian::Individual {
            individual_no: "I-1".into(),
        }
    }

    #[test]
    fn a_chain_follows_the_transfers_of_its_document_only() {
        let events = [
            transfer("P1", person(), safe(), 1),
            transfer("OTHER", person(), safe(), 2),
            transfer("P1", safe(), person(), 3),
        ];
        let docs = document_custody(&case(), &events);
        assert_eq!(docs.len(), 1, "a member without a document number has none");
        let d = &docs[0];
        assert_eq!(d.holder_name, "Example TESTER");
        assert_eq!(d.document_type, "PASSPORT");
        assert_eq!(d.chain.len(), 2);
        assert_eq!(d.current(), Some(&person()));
        assert_eq!(d.location(), Some("desk 3"));
        let none = document_custody(&case(), &[]);
        assert_eq!(none[0].current(), None);
        assert_eq!(none[0].location(), None);
    }

    #[test]
    fn a_transfer_starts_from_the_current_holder() {
        let docs = document_custody(&case(), &[transfer("P1", person(), safe(), 1)]);
        assert!(docs[0].check_handed_from(&safe()).is_ok());
        let e = docs[0]
            .check_handed_from(&Custodian::Staff {
                name: "Someone".into(),
            })
            .unwrap_err();
        assert_eq!(e.holder, safe());
        assert!(
            e.to_string()
                .contains("is held by Office safe, not by staff member Someone"),
            "{e}"
        );
        let fresh = document_custody(&case(), &[]);
        assert!(fresh[0].check_handed_from(&person()).is_ok());
    }

    #[test]
    fn custodians_are_read_from_their_kind_and_value() {
        assert_eq!(
            Custodian::from_kind("travel-bag", " tst-2025-000001 ").unwrap(),
            Custodian::TravelBag {
                case_no: "TST-2025-000001".into()
            }
        );
        assert_eq!(
            Custodian::from_kind("Staff", " A. Tester ").unwrap(),
            Custodian::Staff {
                name: "A. Tester".into()
            }
        );
        let e = Custodian::from_kind("pocket", "x").unwrap_err();
        assert!(e.contains("not a kind of custodian"), "{e}");
        assert!(Custodian::from_kind("storage", "  ").is_err());
    }
}
