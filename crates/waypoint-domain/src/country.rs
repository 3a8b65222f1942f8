//! Nationality and document-issuer codes.
//!
//! States come from ISO 3166-1 alpha-3 through the `celes` crate. The special codes come from
//! ICAO Doc 9303 Part 3, section 5 ("Codes for nationality, place of birth, location of issuing
//! State/authority and other purposes"): the `XX?` codes for persons without a nationality and
//! the codes of organisations that issue travel documents.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{FieldError, ValueProblem};

/// ICAO Doc 9303 codes for persons: stateless, refugees, unspecified.
const ICAO_PERSON_CODES: &[(&str, &str)] = &[
    ("XXA", "stateless person"),
    ("XXB", "refugee (1951 Convention)"),
    ("XXC", "refugee (other than 1951 Convention)"),
    ("XXX", "unspecified nationality"),
];

/// ICAO Doc 9303 codes of organisations that issue travel documents.
const ICAO_ORGANISATION_CODES: &[(&str, &str)] = &[
    ("EUE", "European Union"),
    ("UNO", "United Nations Organization"),
    ("UNA", "specialized agency of the United Nations"),
    (
        "UNK",
        "United Nations Interim Administration Mission in Kosovo",
    ),
    ("XBA", "African Development Bank"),
    ("XIM", "African Export-Import Bank"),
    ("XCC", "Caribbean Community"),
    ("XCE", "Council of Europe"),
    ("XCO", "Common Market for Eastern and Southern Africa"),
    ("XDC", "Southern African Development Community"),
    ("XEC", "Economic Community of West African States"),
    ("XES", "Organisation of Eastern Caribbean States"),
    ("XMP", "Parliamentary Assembly of the Mediterranean"),
    ("XOM", "Sovereign Military Order of Malta"),
    (
        "XPO",
        "International Criminal Police Organization (INTERPOL)",
    ),
];

/// A nationality: an ISO 3166-1 alpha-3 state or an ICAO `XX?` code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct CountryCode([u8; 3]);

impl CountryCode {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        if let Some(code) = crate::airport::code3(raw.trim()) {
            let s = std::str::from_utf8(&code).unwrap_or_default();
            if is_iso_alpha3(s) || ICAO_PERSON_CODES.iter().any(|(c, _)| *c == s) {
                return Ok(Self(code));
            }
        }
        Err(FieldError::new(ValueProblem::UnknownNationality {
            value: raw.trim().to_owned(),
        }))
    }

    pub fn as_str(&self) -> &str {
        // The three bytes were checked to be ASCII letters when the code was made.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// The English name of the state, or the meaning of the ICAO code.
    pub fn name(&self) -> String {
        let code = self.as_str();
        if let Some((_, name)) = ICAO_PERSON_CODES.iter().find(|(c, _)| *c == code) {
            return (*name).to_string();
        }
        celes::Country::from_alpha3(code)
            .map(|c| c.long_name.to_string())
            .unwrap_or_default()
    }
}

/// Every ISO 3166-1 alpha-3 code, sorted, for a lookup without allocation.
static ISO_ALPHA3: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
    let mut codes: Vec<&'static str> = celes::Country::get_countries()
        .iter()
        .map(|c| c.alpha3)
        .collect();
    codes.sort_unstable();
    codes
});

fn is_iso_alpha3(s: &str) -> bool {
    ISO_ALPHA3.binary_search(&s).is_ok()
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
impl From<CountryCode> for String {
    fn from(c: CountryCode) -> String {
        c.to_string()
    }
}
impl TryFrom<String> for CountryCode {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, FieldError> {
        Self::parse(&s)
    }
}

/// Who issued a travel document: a state, an ICAO-listed organisation, or the ICRC.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum DocumentIssuer {
    State(CountryCode),
    Organisation(String),
    Icrc,
}

impl DocumentIssuer {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim();
        if s.eq_ignore_ascii_case("ICRC") {
            return Ok(Self::Icrc);
        }
        if let Some((code, _)) = ICAO_ORGANISATION_CODES
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(s))
        {
            return Ok(Self::Organisation((*code).to_owned()));
        }
        CountryCode::parse(raw).map(Self::State).map_err(|_| {
            FieldError::new(ValueProblem::UnknownDocumentIssuer {
                value: raw.trim().to_owned(),
            })
        })
    }
}

impl DocumentIssuer {
    pub fn as_str(&self) -> &str {
        match self {
            Self::State(c) => c.as_str(),
            Self::Organisation(o) => o,
            Self::Icrc => "ICRC",
        }
    }
}

impl fmt::Display for DocumentIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
impl From<DocumentIssuer> for String {
    fn from(c: DocumentIssuer) -> String {
        c.to_string()
    }
}
impl TryFrom<String> for DocumentIssuer {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, FieldError> {
        Self::parse(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_states_and_icao_person_codes() {
        for c in [
            "SYR", "cod", "ERI", "AFG", "BDI", "XXA", "XXB", "XXC", "XXX",
        ] {
            assert!(CountryCode::parse(c).is_ok(), "{c}");
        }
        assert_eq!(CountryCode::parse("syr").unwrap().as_str(), "SYR");
        assert!(CountryCode::parse("SYR").unwrap().name().contains("Syria"));
    }

    #[test]
    fn rejects_what_is_not_a_nationality() {
        for c in ["ZZZ", "SY", "SYRI", "", "UNO", "12A"] {
            let e = CountryCode::parse(c).unwrap_err();
            assert!(e.to_string().contains("not a nationality"), "{c}: {e}");
        }
    }

    #[test]
    fn issuers_are_states_organisations_or_the_icrc() {
        assert_eq!(DocumentIssuer::parse("icrc").unwrap(), DocumentIssuer::Icrc);
        assert_eq!(DocumentIssuer::parse("UNO").unwrap().to_string(), "UNO");
        assert_eq!(DocumentIssuer::parse("RWA").unwrap().to_string(), "RWA");
        assert!(DocumentIssuer::parse("QQQ").is_err());
    }
}
