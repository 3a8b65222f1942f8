//! The closed code lists a profile field takes its value from (relationship, sex, document
//! type, vulnerability, exit permit status), each spelled by its import-CSV code.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{CodeList, FieldError, ValueProblem};

macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($variant:ident = $code:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        pub enum $name {
            $(#[serde(rename = $code)] $variant,)*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)*
                }
            }

            pub fn parse(raw: &str) -> Result<Self, FieldError> {
                let s = raw.trim();
                Self::ALL.iter().copied().find(|v| v.code().eq_ignore_ascii_case(s)).ok_or_else(|| {
                    FieldError::new(ValueProblem::NotOneOf { value: s.to_owned(), list: CodeList::$name })
                })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

// Event code lists (exit permit denials, holds, cancellations) are made the same way.
pub(crate) use code_enum;

code_enum!(
    /// Relationship to the principal applicant.
    Relationship, "a relationship" {
        PrincipalApplicant = "PA",
        Spouse = "SP",
        Child = "CH",
        Parent = "PR",
        Sibling = "SB",
        Other = "OT",
    }
);

code_enum!(Sex, "a sex" { Male = "M", Female = "F", Unspecified = "X", });

code_enum!(DocumentType, "a document type" {
    Passport = "PASSPORT",
    IcrcTravelDocument = "ICRC_TRAVEL_DOCUMENT",
    LaissezPasser = "LAISSEZ_PASSER",
    RefugeeTravelDocument = "REFUGEE_TRAVEL_DOCUMENT",
    NationalId = "NATIONAL_ID",
    None = "NONE",
});

code_enum!(
    /// Vulnerabilities: the most sensitive data Waypoint holds, need-to-know only.
    Vulnerability, "a vulnerability" {
        UnaccompaniedMinor = "URM",
        Elderly = "ELDERLY",
        Pregnant = "PREGNANT",
        Medical = "MEDICAL",
        Disability = "DISABILITY",
        AtRisk = "AT_RISK",
    }
);

code_enum!(ExitPermitStatus, "an exit permit status" {
    NotRequired = "NOT_REQUIRED",
    Requested = "REQUESTED",
    Submitted = "SUBMITTED",
    Approved = "APPROVED",
    Denied = "DENIED",
});

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Action, Field, Role};

    fn wire(v: impl Serialize) -> String {
        serde_json::to_value(v)
            .unwrap()
            .as_str()
            .unwrap()
            .to_string()
    }

    /// The desktop UI receives these enums as JSON and builds translation keys from them: their
    /// serialised name must be the code the import CSV, the store and the UI's wordings use.
    #[test]
    fn each_code_is_sent_as_its_own_spelling() {
        for v in Relationship::ALL {
            assert_eq!(wire(v), v.code());
        }
        for v in Sex::ALL {
            assert_eq!(wire(v), v.code());
        }
        for v in DocumentType::ALL {
            assert_eq!(wire(v), v.code());
        }
        for v in Vulnerability::ALL {
            assert_eq!(wire(v), v.code());
        }
        for v in ExitPermitStatus::ALL {
            assert_eq!(wire(v), v.code());
        }
        for v in Role::ALL {
            assert_eq!(wire(v), v.code());
        }
        for v in Action::ALL {
            assert_eq!(wire(v), v.code());
        }
        for f in Field::ALL {
            assert_eq!(wire(f), f.column());
        }
    }
}
