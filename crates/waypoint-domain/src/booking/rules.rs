//! What a booking is warned about, per programme: data shipped in `data/booking-rules/` beside
//! the readiness rules, so that a programme's rules change without changing code.
//!
//! `default.json` holds the spec's defaults; it applies to the programmes it names in
//! `also_for`, to a programme without a file of its own, and to travellers without a
//! programme. Every other file is one programme's whole rule set, named after it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{AirportCode, SsrCode};

/// What a booking may be warned about, each a code a window words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningRule {
    /// Less time between arriving on a segment and departing on the next than the minimum.
    ShortConnection,
    /// An infant without an adult of their case on the booking.
    InfantWithoutAdult,
    /// A stretcher, oxygen or medical case without a medical escort accompanying them.
    MedicalNeedsWithoutMedicalEscort,
    /// An unaccompanied minor without an escort accompanying them.
    UnaccompaniedMinorWithoutEscort,
    /// A travel document that expires before the last arrival (or too soon after it).
    DocumentExpires,
    /// An exit permit that is neither approved nor confirmed not required.
    ExitPermitNotApproved,
    /// A traveller who is not travel-ready.
    NotTravelReady,
}

impl WarningRule {
    pub const ALL: [WarningRule; 7] = [
        Self::ShortConnection,
        Self::InfantWithoutAdult,
        Self::MedicalNeedsWithoutMedicalEscort,
        Self::UnaccompaniedMinorWithoutEscort,
        Self::DocumentExpires,
        Self::ExitPermitNotApproved,
        Self::NotTravelReady,
    ];

    /// The code as in the rule files and in warning keys, e.g. `short_connection`.
    pub fn code(self) -> &'static str {
        match self {
            Self::ShortConnection => "short_connection",
            Self::InfantWithoutAdult => "infant_without_adult",
            Self::MedicalNeedsWithoutMedicalEscort => "medical_needs_without_medical_escort",
            Self::UnaccompaniedMinorWithoutEscort => "unaccompanied_minor_without_escort",
            Self::DocumentExpires => "document_expires",
            Self::ExitPermitNotApproved => "exit_permit_not_approved",
            Self::NotTravelReady => "not_travel_ready",
        }
    }
}

/// One programme's booking rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BookingRuleSet {
    /// The programme code as in case records (`USRAP`), or `DEFAULT`.
    pub programme: String,
    /// Which edition of the programme's rules this follows.
    pub rules_version: String,
    /// Only in `default.json`: the programmes that follow the default on purpose.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also_for: Vec<String>,
    /// The warnings this programme gives.
    pub warnings: Vec<WarningRule>,
    /// The shortest connection, in minutes, anywhere...
    pub min_connection_minutes: u32,
    /// ...and at these airports (a bigger hub, a transfer through immigration).
    #[serde(default)]
    pub min_connection_minutes_at: BTreeMap<AirportCode, u32>,
    /// Younger than this on the departure date is an infant.
    pub infant_under_years: u32,
    /// From this age on the departure date a traveller is an adult.
    pub adult_from_years: u32,
    /// SSR codes that need a medical escort.
    pub medical_escort_for: Vec<SsrCode>,
    /// SSR codes that make a traveller an unaccompanied minor (besides the URM vulnerability).
    pub unaccompanied_minor_codes: Vec<SsrCode>,
    /// Months a travel document must stay valid after the last arrival, by the destination's
    /// country (ISO 3166-1 alpha-2, as in the airports data); elsewhere until the arrival.
    #[serde(default)]
    pub document_valid_months: BTreeMap<String, u32>,
}

impl BookingRuleSet {
    pub fn gives(&self, rule: WarningRule) -> bool {
        self.warnings.contains(&rule)
    }

    /// The shortest connection allowed at `airport`.
    pub fn min_connection_at(&self, airport: AirportCode) -> u32 {
        self.min_connection_minutes_at
            .get(&airport)
            .copied()
            .unwrap_or(self.min_connection_minutes)
    }

    fn check(&self) -> Result<(), String> {
        if let Some(twice) = self
            .warnings
            .iter()
            .enumerate()
            .find_map(|(i, r)| self.warnings[..i].contains(r).then_some(r))
        {
            return Err(format!("warning {} appears twice", twice.code()));
        }
        if self.infant_under_years >= self.adult_from_years {
            return Err("infant_under_years must be below adult_from_years".into());
        }
        if let Some(bad) = self
            .document_valid_months
            .keys()
            .find(|c| c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase()))
        {
            return Err(format!(
                "document_valid_months: {bad} is not an ISO 3166-1 alpha-2 country code"
            ));
        }
        Ok(())
    }
}

/// The rule files built into Waypoint, by name.
const SHIPPED: &[(&str, &str)] = &[
    (
        "default.json",
        include_str!("../../data/booking-rules/default.json"),
    ),
    (
        "USRAP.json",
        include_str!("../../data/booking-rules/USRAP.json"),
    ),
    (
        "RELOCATION.json",
        include_str!("../../data/booking-rules/RELOCATION.json"),
    ),
];

/// Every programme's booking rules, and the default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingRules {
    default: BookingRuleSet,
    programmes: BTreeMap<String, BookingRuleSet>,
}

impl BookingRules {
    /// Reads rule files (name, JSON text): `default.json` and one file per programme named
    /// after it; says which file is wrong and why.
    pub fn parse(files: &[(&str, &str)]) -> Result<Self, String> {
        let mut default = None;
        let mut programmes = BTreeMap::new();
        for (name, text) in files {
            let rules: BookingRuleSet =
                serde_json::from_str(text).map_err(|e| format!("booking-rules/{name}: {e}"))?;
            rules
                .check()
                .map_err(|e| format!("booking-rules/{name}: {e}"))?;
            if *name == "default.json" {
                default = Some(rules);
                continue;
            }
            if name.strip_suffix(".json") != Some(rules.programme.as_str()) {
                return Err(format!(
                    "booking-rules/{name}: holds the rules of {}, not of the programme it is named after",
                    rules.programme
                ));
            }
            if !rules.also_for.is_empty() {
                return Err(format!(
                    "booking-rules/{name}: only default.json may say also_for"
                ));
            }
            programmes.insert(rules.programme.clone(), rules);
        }
        let default = default.ok_or("booking-rules: default.json is missing")?;
        if let Some(both) = default
            .also_for
            .iter()
            .find(|p| programmes.contains_key(*p))
        {
            return Err(format!(
                "booking-rules: {both} has a file of its own and is also in default.json's also_for"
            ));
        }
        Ok(Self {
            default,
            programmes,
        })
    }

    /// The rules shipped with Waypoint (checked by a test, so this cannot fail at run time).
    pub fn shipped() -> Self {
        Self::parse(SHIPPED).unwrap_or_else(|_| Self::fallback())
    }

    /// Every rule with the spec's numbers: used only if the shipped files could not be read.
    fn fallback() -> Self {
        let codes = |list: &[&str]| list.iter().filter_map(|c| SsrCode::parse(c).ok()).collect();
        Self {
            default: BookingRuleSet {
                programme: "DEFAULT".into(),
                rules_version: String::new(),
                also_for: Vec::new(),
                warnings: WarningRule::ALL.to_vec(),
                min_connection_minutes: 90,
                min_connection_minutes_at: BTreeMap::new(),
                infant_under_years: 2,
                adult_from_years: 18,
                medical_escort_for: codes(&["STCR", "OXYG", "MEDA"]),
                unaccompanied_minor_codes: codes(&["UMNR"]),
                document_valid_months: BTreeMap::new(),
            },
            programmes: BTreeMap::new(),
        }
    }

    /// The rules of `programme` (its code, any case): its own, or the default.
    pub fn get(&self, programme: Option<&str>) -> &BookingRuleSet {
        programme
            .and_then(|p| self.programmes.get(p.trim().to_ascii_uppercase().as_str()))
            .unwrap_or(&self.default)
    }

    /// Whether `programme` has rules of its own or is named as following the default.
    pub fn covers(&self, programme: &str) -> bool {
        let p = programme.trim().to_ascii_uppercase();
        self.programmes.contains_key(&p) || self.default.also_for.contains(&p)
    }

    pub fn default_rules(&self) -> &BookingRuleSet {
        &self.default
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ReadinessRules;

    #[test]
    fn every_readiness_programme_has_booking_rules_or_follows_the_default_explicitly() {
        let rules = BookingRules::parse(SHIPPED).unwrap();
        let readiness = ReadinessRules::shipped();
        assert_eq!(readiness.all().count(), 5);
        for p in readiness.all() {
            assert!(rules.covers(&p.programme), "{}", p.programme);
        }
        // The check can fail: a programme nobody named is not covered.
        assert!(!rules.covers("NEW_PROGRAMME"));
    }

    /// The exit-permit warning is given exactly where readiness asks for an exit permit.
    #[test]
    fn the_exit_permit_warning_follows_the_readiness_rules() {
        let rules = BookingRules::shipped();
        for p in ReadinessRules::shipped().all() {
            let given = rules
                .get(Some(&p.programme))
                .gives(WarningRule::ExitPermitNotApproved);
            assert_eq!(given, p.exit_permit_required, "{}", p.programme);
        }
    }

    #[test]
    fn defaults_are_the_specs_and_programmes_may_ask_more() {
        let rules = BookingRules::shipped();
        let default = rules.get(None);
        assert_eq!(default, rules.default_rules());
        assert_eq!(default.warnings, WarningRule::ALL.to_vec());
        assert_eq!(default.min_connection_minutes, 90);
        let fallback = BookingRules::fallback();
        assert_eq!(
            default.medical_escort_for,
            fallback.default.medical_escort_for
        );
        assert_eq!(
            default.infant_under_years,
            fallback.default.infant_under_years
        );
        let ord = AirportCode::parse("ORD").unwrap();
        assert_eq!(rules.get(Some("usrap")).min_connection_at(ord), 150);
        assert_eq!(default.min_connection_at(ord), 90);
        assert_eq!(rules.get(Some("FAMILY_REUNIFICATION")), default);
        assert_eq!(rules.get(Some("RELOCATION")).document_valid_months["NL"], 3);
    }

    #[test]
    fn rules_that_cannot_be_applied_are_refused_with_the_file_name() {
        let default = SHIPPED[0].1;
        let twice = default.replace(
            r#""short_connection","#,
            r#""short_connection","short_connection","#,
        );
        let e = BookingRules::parse(&[("default.json", twice.as_str())]).unwrap_err();
        assert!(e.contains("default.json") && e.contains("twice"), "{e}");

        let misnamed = SHIPPED[1].1;
        let e = BookingRules::parse(&[("default.json", default), ("RELOCATION.json", misnamed)])
            .unwrap_err();
        assert!(e.contains("RELOCATION.json"), "{e}");

        let e = BookingRules::parse(&[("USRAP.json", misnamed)]).unwrap_err();
        assert!(e.contains("default.json is missing"), "{e}");

        let bad_airport = default.replace(
            r#""min_connection_minutes_at": {}"#,
            r#""min_connection_minutes_at": {"Q1Q": 100}"#,
        );
        assert!(BookingRules::parse(&[("default.json", bad_airport.as_str())]).is_err());
        let bad_country = default.replace(
            r#""document_valid_months": {}"#,
            r#""document_valid_months": {"Netherlands": 3}"#,
        );
        let e = BookingRules::parse(&[("default.json", bad_country.as_str())]).unwrap_err();
        assert!(e.contains("Netherlands"), "{e}");
    }
}
