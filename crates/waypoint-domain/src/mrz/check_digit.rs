//! The ICAO 9303 check digit (Part 3 §4.9): each character's value (digits as themselves,
//! A-Z as 10-35, the filler `<` as 0) times 7, 3, 1, 7, 3, 1, ...; the sum modulo 10.

/// The check digit of `field` (characters outside the MRZ alphabet count as fillers; the
/// reader refuses them before any digit is checked).
pub fn check_digit(field: &str) -> u8 {
    let sum: u32 = field
        .chars()
        .zip([7u32, 3, 1].into_iter().cycle())
        .map(|(c, weight)| value(c) * weight)
        .sum();
    // Below 10 by construction.
    (sum % 10) as u8
}

/// Whether `printed` is a numeral and the check digit of `field`. A filler where a digit
/// belongs fails, although it counts as 0 in the arithmetic (see [`super::read`]).
pub(crate) fn verifies(field: &str, printed: char) -> bool {
    printed
        .to_digit(10)
        .is_some_and(|d| d == u32::from(check_digit(field)))
}

fn value(c: char) -> u32 {
    match c {
        '0'..='9' => c as u32 - '0' as u32,
        'A'..='Z' => c as u32 - 'A' as u32 + 10,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ICAO 9303 Part 3, Appendix A: the worked examples.
    #[test]
    fn the_worked_examples_of_icao_9303_part_3() {
        assert_eq!(check_digit("520727"), 3);
        assert_eq!(check_digit("AB2134<<<"), 5);
        assert_eq!(check_digit("HA672242<658022549601086<<<<<<<<<<<<<<0"), 8);
        assert!(verifies("520727", '3'));
        assert!(!verifies("520727", '4'));
    }

    #[test]
    fn a_filler_is_no_digit_even_where_the_digit_is_0() {
        assert_eq!(check_digit("<<<<<<<<<<<<<<"), 0);
        assert!(verifies("<<<<<<<<<<<<<<", '0'));
        assert!(!verifies("<<<<<<<<<<<<<<", '<'));
    }
}
