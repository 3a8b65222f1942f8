//! Special needs as the airlines receive them: IATA SSR (Special Service Request) codes.
//!
//! [`SSR_CODES`] is the one table of codes Waypoint knows, with a description in each of the
//! organisation's three working languages. A four-letter code that is not in the table is still
//! a valid SSR code (airlines add codes); importing one gives a warning, not an error.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{FieldError, Language, ValueProblem};

/// What kind of need an SSR code describes, for grouping in pickers and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum SsrCategory {
    Mobility,
    Medical,
    Sensory,
    Assistance,
    Meal,
    Other,
}

/// One row of the SSR table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SsrInfo {
    pub code: &'static str,
    pub category: SsrCategory,
    pub en: &'static str,
    pub fr: &'static str,
    pub es: &'static str,
}

impl SsrInfo {
    pub fn description(&self, language: Language) -> &'static str {
        match language {
            Language::En => self.en,
            Language::Fr => self.fr,
            Language::Es => self.es,
        }
    }
}

macro_rules! ssr {
    ($code:literal, $cat:ident, $en:literal, $fr:literal, $es:literal) => {
        SsrInfo {
            code: $code,
            category: SsrCategory::$cat,
            en: $en,
            fr: $fr,
            es: $es,
        }
    };
}

/// Every SSR code Waypoint knows, sorted by code.
pub static SSR_CODES: &[SsrInfo] = &[
    ssr!(
        "AVML",
        Meal,
        "Asian vegetarian meal",
        "Repas végétarien asiatique",
        "Comida vegetariana asiática"
    ),
    ssr!("BBML", Meal, "Baby meal", "Repas bébé", "Comida para bebé"),
    ssr!("BLML", Meal, "Bland meal", "Repas léger", "Comida blanda"),
    ssr!(
        "BLND",
        Sensory,
        "Blind or visually impaired passenger",
        "Passager aveugle ou malvoyant",
        "Pasajero ciego o con discapacidad visual"
    ),
    ssr!(
        "CHML",
        Meal,
        "Child meal",
        "Repas enfant",
        "Comida infantil"
    ),
    ssr!(
        "DBML",
        Meal,
        "Diabetic meal",
        "Repas pour diabétique",
        "Comida para diabéticos"
    ),
    ssr!(
        "DEAF",
        Sensory,
        "Deaf or hearing-impaired passenger",
        "Passager sourd ou malentendant",
        "Pasajero sordo o con discapacidad auditiva"
    ),
    ssr!(
        "DPNA",
        Assistance,
        "Passenger with an intellectual or developmental disability needing assistance",
        "Passager avec un handicap intellectuel ou du développement ayant besoin d'assistance",
        "Pasajero con discapacidad intelectual o del desarrollo que necesita asistencia"
    ),
    ssr!(
        "FPML",
        Meal,
        "Fruit platter meal",
        "Repas de fruits",
        "Comida de frutas"
    ),
    ssr!(
        "GFML",
        Meal,
        "Gluten-free meal",
        "Repas sans gluten",
        "Comida sin gluten"
    ),
    ssr!("HNML", Meal, "Hindu meal", "Repas hindou", "Comida hindú"),
    ssr!(
        "INFT",
        Assistance,
        "Infant travelling on an adult's lap",
        "Bébé voyageant sur les genoux d'un adulte",
        "Bebé que viaja en el regazo de un adulto"
    ),
    ssr!("KSML", Meal, "Kosher meal", "Repas casher", "Comida kosher"),
    ssr!(
        "LCML",
        Meal,
        "Low-calorie meal",
        "Repas hypocalorique",
        "Comida baja en calorías"
    ),
    ssr!(
        "LFML",
        Meal,
        "Low-fat meal",
        "Repas pauvre en graisses",
        "Comida baja en grasas"
    ),
    ssr!(
        "LSML",
        Meal,
        "Low-salt meal",
        "Repas sans sel ajouté",
        "Comida baja en sal"
    ),
    ssr!(
        "MAAS",
        Assistance,
        "Meet and assist",
        "Accueil et assistance",
        "Recibir y asistir"
    ),
    ssr!(
        "MEDA",
        Medical,
        "Medical case: airline medical clearance needed",
        "Cas médical : autorisation médicale de la compagnie requise",
        "Caso médico: requiere autorización médica de la aerolínea"
    ),
    ssr!(
        "MOML",
        Meal,
        "Muslim meal",
        "Repas musulman",
        "Comida musulmana"
    ),
    ssr!(
        "NLML",
        Meal,
        "Lactose-free meal",
        "Repas sans lactose",
        "Comida sin lactosa"
    ),
    ssr!(
        "OTHS",
        Other,
        "Other service request (free text)",
        "Autre demande de service (texte libre)",
        "Otra solicitud de servicio (texto libre)"
    ),
    ssr!(
        "OXYG",
        Medical,
        "Oxygen needed on board",
        "Oxygène requis à bord",
        "Necesita oxígeno a bordo"
    ),
    ssr!(
        "PPOC",
        Medical,
        "Portable oxygen concentrator carried on board",
        "Concentrateur d'oxygène portable à bord",
        "Concentrador de oxígeno portátil a bordo"
    ),
    ssr!(
        "STCR",
        Medical,
        "Stretcher passenger",
        "Passager sur civière",
        "Pasajero en camilla"
    ),
    ssr!(
        "UMNR",
        Assistance,
        "Unaccompanied minor",
        "Mineur non accompagné",
        "Menor no acompañado"
    ),
    ssr!(
        "VGML",
        Meal,
        "Vegan meal (no animal products)",
        "Repas végétalien",
        "Comida vegana"
    ),
    ssr!(
        "VLML",
        Meal,
        "Vegetarian meal (lacto-ovo)",
        "Repas végétarien (lacto-ovo)",
        "Comida vegetariana (lacto-ovo)"
    ),
    ssr!(
        "WCBD",
        Mobility,
        "Wheelchair with dry-cell battery",
        "Fauteuil roulant à batterie sèche",
        "Silla de ruedas con batería seca"
    ),
    ssr!(
        "WCBW",
        Mobility,
        "Wheelchair with wet-cell battery",
        "Fauteuil roulant à batterie à électrolyte liquide",
        "Silla de ruedas con batería húmeda"
    ),
    ssr!(
        "WCHC",
        Mobility,
        "Wheelchair: fully immobile, needs carrying to the seat",
        "Fauteuil roulant : totalement immobile, doit être porté jusqu'au siège",
        "Silla de ruedas: totalmente inmóvil, debe ser llevado hasta el asiento"
    ),
    ssr!(
        "WCHR",
        Mobility,
        "Wheelchair for long distances: can walk steps and to the seat",
        "Fauteuil roulant pour les longues distances : peut monter les marches et aller au siège",
        "Silla de ruedas para largas distancias: puede subir escalones y llegar al asiento"
    ),
    ssr!(
        "WCHS",
        Mobility,
        "Wheelchair: cannot do steps, can walk to the seat",
        "Fauteuil roulant : ne peut pas monter les marches, peut aller au siège",
        "Silla de ruedas: no puede subir escalones, puede llegar al asiento"
    ),
    ssr!(
        "WCMP",
        Mobility,
        "Manual wheelchair carried by the passenger",
        "Fauteuil roulant manuel du passager",
        "Silla de ruedas manual del pasajero"
    ),
];

/// Looks a code up in [`SSR_CODES`].
pub fn ssr_info(code: &str) -> Option<&'static SsrInfo> {
    SSR_CODES
        .binary_search_by(|i| i.code.cmp(code))
        .ok()
        .map(|i| &SSR_CODES[i])
}

/// A four-letter SSR code, known to the table or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct SsrCode([u8; 4]);

impl SsrCode {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim().to_ascii_uppercase();
        if s.len() == 4 && s.bytes().all(|b| b.is_ascii_uppercase()) {
            let b = s.as_bytes();
            return Ok(Self([b[0], b[1], b[2], b[3]]));
        }
        Err(FieldError::new(ValueProblem::BadSsrCode {
            value: raw.trim().to_owned(),
        }))
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("OTHS")
    }

    /// The table row, or `None` for a code Waypoint does not know.
    pub fn info(&self) -> Option<&'static SsrInfo> {
        ssr_info(self.as_str())
    }
}

impl fmt::Display for SsrCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
impl From<SsrCode> for String {
    fn from(c: SsrCode) -> String {
        c.to_string()
    }
}
impl TryFrom<String> for SsrCode {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, FieldError> {
        Self::parse(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_unique_and_fully_translated() {
        for w in SSR_CODES.windows(2) {
            assert!(w[0].code < w[1].code, "{} before {}", w[0].code, w[1].code);
        }
        for i in SSR_CODES {
            assert!(SsrCode::parse(i.code).is_ok(), "{}", i.code);
            for l in [Language::En, Language::Fr, Language::Es] {
                assert!(!i.description(l).trim().is_empty(), "{} {l:?}", i.code);
            }
            assert_ne!(i.en, i.fr, "{} French is a copy of English", i.code);
        }
    }

    #[test]
    fn the_codes_the_field_uses_are_known() {
        for c in [
            "WCHR", "WCHS", "WCHC", "MEDA", "STCR", "OXYG", "BLND", "DEAF", "DPNA", "UMNR", "MAAS",
            "INFT", "BBML", "CHML", "DBML", "GFML", "KSML", "MOML", "VGML", "VLML", "OTHS",
        ] {
            assert!(ssr_info(c).is_some(), "{c}");
        }
        assert_eq!(
            SsrCode::parse("wchc").unwrap().info().unwrap().category,
            SsrCategory::Mobility
        );
        assert!(SsrCode::parse("ZZZZ").unwrap().info().is_none());
        assert!(SsrCode::parse("WCH").is_err());
        assert!(SsrCode::parse("WCH1").is_err());
    }
}
