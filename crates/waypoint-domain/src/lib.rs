//! Waypoint's domain model, in the words field staff use.
//!
//! A [`Case`] is a family or group processed together; its members are [`Individual`]s. Their
//! biographic data, travel document, special needs (as IATA [`SsrCode`]s), vulnerabilities and
//! exit permit are *profile* data, addressed field by field with [`Field`] (the column names of
//! the case-import CSV) and held as canonical text in a [`Record`]. What staff do in the field is
//! recorded as append-only [`FieldEvent`]s: [`IdentityCheck`], [`CounsellingSession`],
//! [`CustodyTransfer`].
//!
//! Every value is validated when it is made. This crate knows nothing of SQL, files or HTTP.

mod airport;
pub mod audit_chain;
mod counselling;
mod country;
mod custody;
mod date;
mod event;
pub mod mrz;
mod policy;
mod record;
mod role;
mod scope;
mod ssr;

use std::fmt;

pub use airport::{Airport, AirportCode};
pub use counselling::{Checklist, ChecklistTopic, Checklists, Localized};
pub use country::{CountryCode, DocumentIssuer};
pub use custody::{DocumentCustody, document_custody};
pub use date::{AgeRange, PartialDate};
pub use event::{
    CheckOutcome, CounsellingSession, Custodian, CustodyTransfer, EventError, FieldEvent,
    IdentityCheck, Mismatch,
};
pub use policy::SitePolicy;
pub use record::{
    Case, DocumentType, ExitPermit, ExitPermitStatus, Field, FieldScope, Individual, Record,
    Relationship, Sex, SpecialNeeds, TravelDocument, Vulnerability,
};
pub use role::{
    Access, Action, ROLES_CSV, Refused, Role, RoleError, RoleTable, may, may_edit, may_see,
};
pub use scope::Scope;
pub use ssr::{SSR_CODES, SsrCategory, SsrCode, SsrInfo, ssr_info};

/// A value that cannot be accepted, with a message a data clerk understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[error("{message}")]
pub struct FieldError {
    message: String,
}

impl FieldError {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

/// The organisation's three working languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    En,
    Fr,
    Es,
}

impl Language {
    pub const ALL: [Language; 3] = [Language::En, Language::Fr, Language::Es];

    pub fn code(&self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Fr => "fr",
            Self::Es => "es",
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}
