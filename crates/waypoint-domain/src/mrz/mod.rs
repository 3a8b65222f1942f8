//! Machine-readable zones (ICAO 9303) of passports, identity cards and visas: reading one as
//! typed or scanned, with every check digit, and comparing it with an individual's record.
//! Which reading Waypoint takes where MRZ readers disagree is in docs/mrz.md.

mod check_digit;
mod compare;
mod read;

use std::fmt;

use serde::{Deserialize, Serialize, Serializer};

pub use check_digit::check_digit;
pub use compare::{MrzComparison, compare};
pub use read::read_mrz;

/// The layout of a machine-readable zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum MrzFormat {
    /// Identity card size: 3 lines of 30.
    #[serde(rename = "TD1")]
    Td1,
    /// 2 lines of 36.
    #[serde(rename = "TD2")]
    Td2,
    /// Passport: 2 lines of 44.
    #[serde(rename = "TD3")]
    Td3,
    /// Visa, 2 lines of 44.
    #[serde(rename = "MRV-A")]
    MrvA,
    /// Visa, 2 lines of 36.
    #[serde(rename = "MRV-B")]
    MrvB,
}

impl MrzFormat {
    /// The name ICAO 9303 gives it: `TD1`, `TD2`, `TD3`, `MRV-A`, `MRV-B`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Td1 => "TD1",
            Self::Td2 => "TD2",
            Self::Td3 => "TD3",
            Self::MrvA => "MRV-A",
            Self::MrvB => "MRV-B",
        }
    }
}

impl fmt::Display for MrzFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a check digit of the zone covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum CheckedField {
    DocumentNumber,
    DateOfBirth,
    DateOfExpiry,
    /// The personal number of a passport (TD3).
    PersonalNumber,
    /// The digit over the number, dates and optional data together.
    Composite,
}

impl CheckedField {
    /// The name used in the desktop app, the CLI's JSON and docs/mrz.md.
    pub fn code(self) -> &'static str {
        match self {
            Self::DocumentNumber => "document_number",
            Self::DateOfBirth => "date_of_birth",
            Self::DateOfExpiry => "date_of_expiry",
            Self::PersonalNumber => "personal_number",
            Self::Composite => "composite",
        }
    }

    /// Said for a person: "the date of birth".
    pub fn label(self) -> &'static str {
        match self {
            Self::DocumentNumber => "document number",
            Self::DateOfBirth => "date of birth",
            Self::DateOfExpiry => "date of expiry",
            Self::PersonalNumber => "personal number",
            Self::Composite => "composite (whole line)",
        }
    }
}

impl fmt::Display for CheckedField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One check digit of a zone: what it covers, and whether the printed digit agrees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CheckDigit {
    pub field: CheckedField,
    pub ok: bool,
}

/// A date printed in a zone (`YYMMDD`, the century chosen as ICAO readers do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentDate {
    /// Six digits. The day may not exist (month `00`, 30 February): some issuers print such
    /// dates for people whose day or month of birth is unknown.
    Day { year: i32, month: u32, day: u32 },
    /// Digits with fillers (`<`) where a part is unknown, as printed: `74<<<<`.
    PartlyUnknown(String),
    /// Not a date: a letter where a digit goes (a typing or scanning mistake), as printed.
    Unreadable(String),
}

impl fmt::Display for DocumentDate {
    /// `YYYY-MM-DD`, or the six characters as printed when the date is not all digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Day { year, month, day } => write!(f, "{year:04}-{month:02}-{day:02}"),
            Self::PartlyUnknown(raw) | Self::Unreadable(raw) => f.write_str(raw),
        }
    }
}

impl Serialize for DocumentDate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// What a zone says, read and checked. Fillers are removed from codes and numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MrzReading {
    pub format: MrzFormat,
    /// `P`, `I`, `ID`, `V`, ...
    pub document_code: String,
    pub issuing_country: String,
    /// The whole number, also when it is longer than the 9-character field (it then goes on
    /// in the optional data: see docs/mrz.md).
    pub document_number: String,
    pub surname: String,
    pub given_names: String,
    pub nationality: String,
    pub date_of_birth: DocumentDate,
    /// `M`, `F`, or `<` (unspecified), as printed.
    pub sex: char,
    pub date_of_expiry: DocumentDate,
    /// Every check digit the format has, in the order of the zone.
    pub check_digits: Vec<CheckDigit>,
}

impl MrzReading {
    /// Every check digit agrees.
    pub fn is_valid(&self) -> bool {
        self.check_digits.iter().all(|c| c.ok)
    }

    /// The check digits that do not agree.
    pub fn failed_checks(&self) -> impl Iterator<Item = CheckedField> + '_ {
        self.check_digits.iter().filter(|c| !c.ok).map(|c| c.field)
    }
}

/// Why a text cannot be read as a zone at all (a zone whose check digits fail is still read).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MrzError {
    #[error(
        "an MRZ is 2 lines of 44 characters (passport, TD3), 2 lines of 36 (TD2) or 3 lines of 30 (ID card, TD1); this one has {} line(s) of {} characters",
        .lengths.len(),
        lengths_text(.lengths)
    )]
    Shape {
        /// The length of each line given, in characters.
        lengths: Vec<usize>,
    },
    /// The right shape, but not a zone (a character outside A-Z, 0-9 and `<`, an unknown
    /// document code, ...); the reason is the MRZ reader's.
    #[error("the MRZ cannot be read: {0}")]
    Unreadable(String),
}

fn lengths_text(lengths: &[usize]) -> String {
    if lengths.is_empty() {
        return "0".to_string();
    }
    let each: Vec<String> = lengths.iter().map(|n| n.to_string()).collect();
    each.join(", ")
}
