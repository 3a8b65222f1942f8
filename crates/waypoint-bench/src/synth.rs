//! Synthetic, messy case files. Every person is made up from syllables; nobody real.

use std::io::Write;

/// A small deterministic generator (xorshift64*), so runs are comparable.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const SYLLABLES: &[&str] = &[
    "ka", "mi", "ro", "ye", "ñu", "ló", "ga", "tse", "bä", "dú", "ngo", "vi", "há", "zé", "ku",
    "ri", "mo", "sa", "të", "lu", "bé", "da", "nö", "fi", "wa", "qo", "xi", "çe", "ší", "ğa",
];
/// Transliteration variants, so search has something to find across spellings.
const VARIANT_NAMES: &[&str] = &[
    "Mohamed", "Mohammed", "Muhammad", "Ahmed", "Ahmad", "Youssef", "Yusuf", "Hussein", "Husayn",
];
const NATIVE: &[&str] = &[
    "ሜሮን",
    "ተስፋይ",
    "محمد",
    "علي",
    "گل",
    "فرید",
    "أحمد",
    "ኣማን",
    "سارا",
    "يوسف",
];
const NATIONALITIES: &[&str] = &[
    "COD", "SYR", "ERI", "AFG", "BDI", "SSD", "SOM", "XXA", "XXB",
];
const SSR: &[&str] = &[
    "WCHR",
    "WCHS",
    "WCHC",
    "MEDA",
    "DBML",
    "CHML",
    "INFT;BBML",
    "MOML",
    "VGML",
];
const DESTINATIONS: &[&str] = &["ORD", "SEA", "IAD", "FRA", "BRU", "JFK", "YYZ", "MEL"];
const RELS: &[&str] = &["SP", "CH", "CH", "CH", "PR", "SB", "OT"];

fn name(rng: &mut Rng, syllables: usize) -> String {
    let mut s = String::new();
    for _ in 0..syllables {
        s.push_str(rng.pick(SYLLABLES));
    }
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => s,
    }
}

pub const HEADER: &str = "case_no,individual_no,relationship,family_name,given_names,family_name_native,given_names_native,sex,date_of_birth,nationality,languages,phone,site,programme,destination,abn,document_type,document_no,document_issuer,document_expiry,ssr_codes,special_needs_notes,vulnerabilities,exit_permit,exit_permit_denial_reason";

/// Writes a case-import CSV of `rows` individuals in families of one to six.
pub fn write_cases(out: &mut dyn Write, rows: usize, seed: u64) -> std::io::Result<()> {
    let mut rng = Rng::new(seed);
    writeln!(out, "\u{feff}{HEADER}")?;
    let mut written = 0;
    let mut case = 0;
    while written < rows {
        case += 1;
        let syllables = 2 + rng.below(2);
        let family = name(&mut rng, syllables).to_uppercase();
        let size = (1 + rng.below(6)).min(rows - written);
        let destination = rng.pick(DESTINATIONS);
        let nationality = rng.pick(NATIONALITIES);
        let site = if case % 2 == 0 { "KGL-TC1" } else { "NBO-CP2" };
        for m in 0..size {
            written += 1;
            let rel = if m == 0 { "PA" } else { rng.pick(RELS) };
            let given = if rng.chance(8) {
                format!("{} {}", rng.pick(VARIANT_NAMES), name(&mut rng, 2))
            } else {
                {
                    let syllables = 1 + rng.below(2);
                    format!("{} {}", name(&mut rng, 2), name(&mut rng, syllables))
                }
            };
            let (fam_native, given_native) = if rng.chance(30) {
                (
                    rng.pick(NATIVE).to_string(),
                    format!("{} {}", rng.pick(NATIVE), rng.pick(NATIVE)),
                )
            } else {
                (String::new(), String::new())
            };
            let year = if rel == "CH" {
                2008 + rng.below(17)
            } else {
                1940 + rng.below(60)
            };
            let dob = match rng.below(10) {
                0 => "UNKNOWN".to_string(),
                1 | 2 => format!("{year}"),
                3 => format!("{year}-{:02}", 1 + rng.below(12)),
                _ => format!("{year}-{:02}-{:02}", 1 + rng.below(12), 1 + rng.below(28)),
            };
            let ssr = if rng.chance(15) { rng.pick(SSR) } else { "" };
            let notes = if rng.chance(5) {
                "\"Needs a ground-floor room;\nmedication in \"\"cool box\"\", see file\""
            } else {
                ""
            };
            let vuln = if rng.chance(6) {
                "MEDICAL;DISABILITY"
            } else {
                ""
            };
            writeln!(
                out,
                "KGL-2025-{case:06},I-{written:07},{rel},{family},{given},{fam_native},{given_native},{sex},{dob},{nationality},ar;en,,{site},USRAP,{destination},,PASSPORT,P{written:08},{nationality},2029-01-31,{ssr},{notes},{vuln},REQUESTED,",
                sex = if rng.chance(50) { "F" } else { "M" },
            )?;
        }
    }
    Ok(())
}

/// Queries a person at a desk would type, drawn from the generated data's shapes.
pub fn queries(rng: &mut Rng, rows: usize) -> Vec<String> {
    let mut q = Vec::new();
    for i in 0..1000 {
        let n = 1 + rng.below(rows);
        q.push(match i % 8 {
            0 => format!("I-{n:07}"),
            1 => format!("P{n:08}"),
            2 => format!("KGL-2025-{:06}", 1 + rng.below(rows / 3)),
            3 => rng.pick(VARIANT_NAMES).to_lowercase(),
            4 => name(&mut rng.clone(), 2).to_lowercase(),
            5 => format!("{}{}", rng.pick(SYLLABLES), rng.pick(SYLLABLES)),
            6 => rng.pick(NATIVE).to_string(),
            _ => {
                // A typo: one letter dropped from a variant name.
                let mut s = rng.pick(VARIANT_NAMES).to_lowercase();
                s.remove(2);
                s
            }
        });
    }
    q
}
