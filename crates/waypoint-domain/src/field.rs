//! [`Field`] names every profile field by its column in the case-import CSV; how a value of
//! each is made canonical is [`Field::normalize`] in `record.rs`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Whether a field belongs to the case (shared by its members) or to one individual.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldScope {
    Case,
    Individual,
}

macro_rules! fields {
    ($($variant:ident = $column:literal, $scope:ident, $required:literal, $sensitive:literal;)*) => {
        /// A profile field, named by its column in the case-import CSV.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[serde(rename_all = "snake_case")]
        pub enum Field {
            $($variant,)*
        }

        impl Field {
            /// Every field, in the order of the import spec.
            pub const ALL: &'static [Field] = &[$(Field::$variant,)*];
            pub const COUNT: usize = Self::ALL.len();

            /// The CSV column name, also the name used by `waypoint individual set`.
            pub fn column(self) -> &'static str {
                match self {
                    $(Field::$variant => $column,)*
                }
            }

            /// Whether the import spec requires a value.
            pub fn required(self) -> bool {
                match self {
                    $(Field::$variant => $required,)*
                }
            }

            pub fn scope(self) -> FieldScope {
                match self {
                    $(Field::$variant => FieldScope::$scope,)*
                }
            }

            /// Sensitive fields: two concurrent edits of one go to a person for review.
            pub fn sensitive(self) -> bool {
                match self {
                    $(Field::$variant => $sensitive,)*
                }
            }
        }
    };
}

fields! {
    CaseNo = "case_no", Case, true, false;
    IndividualNo = "individual_no", Individual, true, false;
    Relationship = "relationship", Individual, true, false;
    FamilyName = "family_name", Individual, true, true;
    GivenNames = "given_names", Individual, true, true;
    FamilyNameNative = "family_name_native", Individual, false, true;
    GivenNamesNative = "given_names_native", Individual, false, true;
    Sex = "sex", Individual, true, false;
    DateOfBirth = "date_of_birth", Individual, true, true;
    Nationality = "nationality", Individual, true, true;
    Languages = "languages", Individual, false, false;
    Phone = "phone", Individual, false, false;
    Site = "site", Case, true, false;
    Programme = "programme", Case, false, false;
    Destination = "destination", Case, false, false;
    Abn = "abn", Case, false, false;
    DocumentType = "document_type", Individual, false, false;
    DocumentNo = "document_no", Individual, false, true;
    DocumentIssuer = "document_issuer", Individual, false, false;
    DocumentExpiry = "document_expiry", Individual, false, false;
    SsrCodes = "ssr_codes", Individual, false, true;
    SpecialNeedsNotes = "special_needs_notes", Individual, false, true;
    Vulnerabilities = "vulnerabilities", Individual, false, true;
    ExitPermit = "exit_permit", Individual, false, false;
    ExitPermitDenialReason = "exit_permit_denial_reason", Individual, false, false;
}

impl Field {
    /// Finds a field by its column name, ignoring case and surrounding blanks.
    pub fn from_column(name: &str) -> Option<Field> {
        let name = name.trim();
        Self::ALL
            .iter()
            .copied()
            .find(|f| f.column().eq_ignore_ascii_case(name))
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// Fields whose values the need-to-know rules protect (medical and protection data).
    pub fn need_to_know(self) -> bool {
        matches!(self, Field::SpecialNeedsNotes | Field::Vulnerabilities)
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.column())
    }
}
