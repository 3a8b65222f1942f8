//! Text folding: the one normal form that both indexed names and typed queries are compared in.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lower-case, strip diacritics (NFD, drop combining marks), fold special Latin letters (ß→ss,
/// ø→o, đ/ð→d, ł→l, æ→ae, œ→oe, ı→i, þ→th), fold Arabic-script variants (strip harakat/tatweel;
/// أ إ آ ٱ → ا; ى → ي; ة → ه; Persian ی/ک → ي/ك), keep every other script's letters as they are
/// (lower-cased).
///
/// Details beyond the list above:
/// - decomposition is compatibility decomposition (NFKD), so full-width letters, ligatures
///   (`ﬁ`) and Arabic presentation forms fold to their plain letters; the result is recomposed
///   (NFC) when it still holds marks or Hangul jamo, so Korean syllables and the vowel signs of
///   Indic scripts come out as they went in;
/// - the marks dropped are those that are diacritics: the Latin/Greek/Cyrillic combining
///   diacritics, Hebrew points and Arabic harakat and Quranic marks. Marks that are part of a
///   letter in other scripts (Devanagari vowel signs, Ethiopic marks, ...) are kept;
/// - ؤ and ئ fold to و and ي (their hamza is a mark), ħ → h, Greek final ς → σ, Arabic-Indic and
///   Persian digits → ASCII digits;
/// - zero-width space and ZWNJ become a space, ZWJ, soft hyphen and BOM are dropped, and
///   apostrophe-like modifier letters (ʻ ʼ ʾ ʿ) become `'`, so they separate tokens like any
///   other punctuation.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    fold_into(s, &mut out);
    out
}

/// [`fold`], appending to `out`.
pub(crate) fn fold_into(s: &str, out: &mut String) {
    let start = out.len();
    if s.is_ascii() {
        out.push_str(s);
        out[start..].make_ascii_lowercase();
        return;
    }
    let mut recompose = false;
    for c in s.nfkd() {
        for c in c.to_lowercase() {
            push_folded(c, out, &mut recompose);
        }
    }
    if recompose {
        let composed: String = out[start..].nfc().collect();
        out.truncate(start);
        out.push_str(&composed);
    }
}

/// fold() then split on anything that is not a letter or digit; empty tokens dropped.
///
/// Marks that [`fold`] keeps (the vowel signs and viramas of Indic scripts, for instance) stay
/// inside their token.
pub fn tokens(s: &str) -> Vec<String> {
    split_folded(&fold(s)).map(str::to_owned).collect()
}

/// The tokens of an already folded text.
pub(crate) fn split_folded(folded: &str) -> impl Iterator<Item = &str> {
    folded
        .split(|c: char| !is_token_char(c))
        .filter(|t| !t.is_empty())
}

fn is_token_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        c.is_alphanumeric() || is_combining_mark(c)
    }
}

fn push_folded(c: char, out: &mut String, recompose: &mut bool) {
    match c {
        'ß' => out.push_str("ss"),
        'ø' => out.push('o'),
        'đ' | 'ð' => out.push('d'),
        'ł' => out.push('l'),
        'æ' => out.push_str("ae"),
        'œ' => out.push_str("oe"),
        'ı' => out.push('i'),
        'þ' => out.push_str("th"),
        'ħ' => out.push('h'),
        'ς' => out.push('σ'),
        // Arabic script.
        'ٱ' => out.push('ا'),
        'ى' | 'ی' => out.push('ي'),
        'ة' => out.push('ه'),
        'ک' => out.push('ك'),
        '\u{0660}'..='\u{0669}' => push_digit(out, c as u32 - 0x0660),
        '\u{06F0}'..='\u{06F9}' => push_digit(out, c as u32 - 0x06F0),
        // Invisible characters.
        '\u{200B}' | '\u{200C}' => out.push(' '),
        '\u{200D}' | '\u{00AD}' | '\u{FEFF}' | '\u{2060}' => {}
        // Apostrophe-like modifier letters (they count as letters in Unicode).
        '\u{02B9}' | '\u{02BB}' | '\u{02BC}' | '\u{02BD}' | '\u{02BE}' | '\u{02BF}' => {
            out.push('\'')
        }
        c if is_dropped_mark(c) => {}
        c => {
            if !c.is_ascii() && (is_combining_mark(c) || ('\u{1100}'..='\u{11FF}').contains(&c)) {
                *recompose = true;
            }
            out.push(c);
        }
    }
}

fn push_digit(out: &mut String, d: u32) {
    if let Some(c) = char::from_digit(d, 10) {
        out.push(c);
    }
}

/// Diacritic marks and the Arabic tatweel: dropped by [`fold`].
fn is_dropped_mark(c: char) -> bool {
    matches!(c,
        // Combining diacritical marks (Latin, Greek, Cyrillic) and their supplements.
        '\u{0300}'..='\u{036F}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE20}'..='\u{FE2F}'
        // Cyrillic titlo and friends.
        | '\u{0483}'..='\u{0489}'
        // Hebrew points.
        | '\u{0591}'..='\u{05BD}'
        | '\u{05BF}'
        | '\u{05C1}'..='\u{05C2}'
        | '\u{05C4}'..='\u{05C5}'
        | '\u{05C7}'
        // Arabic harakat, hamza above/below, madda, superscript alef, Quranic marks, tatweel.
        | '\u{0610}'..='\u{061A}'
        | '\u{064B}'..='\u{065F}'
        | '\u{0670}'
        | '\u{06D6}'..='\u{06DC}'
        | '\u{06DF}'..='\u{06E4}'
        | '\u{06E7}'..='\u{06E8}'
        | '\u{06EA}'..='\u{06ED}'
        | '\u{08D3}'..='\u{08FF}'
        | '\u{0640}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_diacritics_and_case() {
        assert_eq!(fold("Müller"), "muller");
        assert_eq!(fold("NGUYỄN Văn"), "nguyen van");
        assert_eq!(fold("Çağlar Şahin"), "caglar sahin");
        assert_eq!(fold("İlknur"), "ilknur");
        assert_eq!(fold("ÉLODIE"), "elodie");
    }

    #[test]
    fn special_latin_letters() {
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("STRAẞE"), "strasse");
        assert_eq!(fold("Søren Ødegård"), "soren odegard");
        assert_eq!(fold("Đorđe"), "dorde");
        assert_eq!(fold("Łukasz"), "lukasz");
        assert_eq!(fold("Ærø Œuvre"), "aero oeuvre");
        assert_eq!(fold("Işık"), "isik");
        assert_eq!(fold("Þór"), "thor");
    }

    #[test]
    fn arabic_script() {
        // Harakat and tatweel go.
        assert_eq!(fold("مُحَمَّد"), "محمد");
        assert_eq!(fold("محـــمد"), "محمد");
        // Alef variants.
        assert_eq!(fold("أحمد"), "احمد");
        assert_eq!(fold("إبراهيم"), "ابراهيم");
        assert_eq!(fold("آمنة"), "امنه");
        assert_eq!(fold("ٱلله"), "الله");
        // Alef maqsura, teh marbuta, Persian yeh and keheh.
        assert_eq!(fold("مصطفى"), "مصطفي");
        assert_eq!(fold("فاطمة"), "فاطمه");
        assert_eq!(fold("علی"), "علي");
        assert_eq!(fold("کریم"), "كريم");
        // Digits.
        assert_eq!(fold("٠١٢٣"), "0123");
        assert_eq!(fold("۴۵۶"), "456");
    }

    #[test]
    fn other_scripts_kept() {
        assert_eq!(fold("ተስፋይ"), "ተስፋይ");
        assert_eq!(fold("Дмитрий"), "дмитрии");
        assert_eq!(fold("김민준"), "김민준");
        assert_eq!(fold("राम प्रसाद"), "राम प्रसाद");
        assert_eq!(fold("ΣΩΚΡΆΤΗΣ"), "σωκρατησ");
        assert_eq!(fold("ｆｕｌｌ"), "full");
    }

    #[test]
    fn tokens_split_on_punctuation() {
        assert_eq!(tokens("  KGL-2025-000101 "), ["kgl", "2025", "000101"]);
        assert_eq!(tokens("Abd al-Rahman"), ["abd", "al", "rahman"]);
        assert_eq!(tokens("O’Brien"), ["o", "brien"]);
        assert_eq!(tokens("Oʻzbek"), ["o", "zbek"]);
        assert_eq!(tokens("محمد علي"), ["محمد", "علي"]);
        assert_eq!(tokens("प्रसाद"), ["प्रसाद"]);
        assert_eq!(tokens("--"), Vec::<String>::new());
        assert_eq!(tokens(""), Vec::<String>::new());
    }
}
