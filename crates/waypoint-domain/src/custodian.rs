//! Who or what holds a document (custody transfers, the travel bag's handover).

use serde::{Deserialize, Serialize};

/// Who or what holds a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Custodian {
    /// A member of a case (the document's holder or another).
    Individual { individual_no: String },
    /// A staff member of the organisation.
    Staff { name: String },
    /// A safe, cabinet or office.
    Storage { place: String },
    /// The envelope of documents that travels with the case.
    TravelBag { case_no: String },
    /// An authority or partner (embassy, immigration, airline).
    Authority { name: String },
}
