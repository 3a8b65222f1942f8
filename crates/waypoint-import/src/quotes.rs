//! Finds where quoting went wrong in one record's raw bytes, to explain it to a clerk.
//!
//! The values always come from the `csv` crate; this only looks again at the raw bytes of a
//! record the crate has already delimited, and only when that record contains a quote. It follows
//! the same rules as the crate (RFC 4180: a field is quoted only when its first byte is `"`, and
//! `""` inside a quoted field is one quote) up to the first place where they are broken.

/// A quoted field: the index of the field in the record and the offsets of its two quotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Quoted {
    pub field: usize,
    pub open: usize,
    pub close: usize,
}

/// What is wrong with the quoting of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trouble {
    /// A field opens a quote that is never closed: the record runs to the end of the input.
    Unclosed { field: usize, open: usize },
    /// A quoted field is closed and then followed by more text instead of `,` or a line break.
    TextAfterClose(Quoted),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Scan {
    pub trouble: Option<Trouble>,
    /// The first quoted field (before any trouble) that holds a line break.
    pub first_multiline: Option<Quoted>,
}

/// Scans one record's raw bytes (from its first byte to where the next record starts).
pub(crate) fn scan(raw: &[u8]) -> Scan {
    let mut scan = Scan::default();
    let mut i = 0;
    let mut field = 0;
    loop {
        if raw.get(i) == Some(&b'"') {
            let open = i;
            let mut from = i + 1;
            let close = loop {
                match raw
                    .get(from..)
                    .and_then(|rest| rest.iter().position(|&b| b == b'"'))
                {
                    None => {
                        scan.trouble = Some(Trouble::Unclosed { field, open });
                        return scan;
                    }
                    Some(k) if raw.get(from + k + 1) == Some(&b'"') => from += k + 2,
                    Some(k) => break from + k,
                }
            };
            let quoted = Quoted { field, open, close };
            if scan.first_multiline.is_none()
                && raw[open..close].iter().any(|&b| b == b'\n' || b == b'\r')
            {
                scan.first_multiline = Some(quoted);
            }
            i = close + 1;
            match raw.get(i) {
                None | Some(b'\r' | b'\n') => return scan,
                Some(b',') => {
                    i += 1;
                    field += 1;
                }
                Some(_) => {
                    scan.trouble = Some(Trouble::TextAfterClose(quoted));
                    return scan;
                }
            }
        } else {
            let rest = raw.get(i..).unwrap_or_default();
            match rest.iter().position(|&b| matches!(b, b',' | b'\r' | b'\n')) {
                Some(k) if rest[k] == b',' => {
                    i += k + 1;
                    field += 1;
                }
                _ => return scan,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formed_records_have_no_trouble() {
        for raw in [
            &b"a,b,c\n"[..],
            b"a,\"b,c\",d\n",
            b"\"a \"\"q\"\" b\",c\r\n",
            b"\"\",\"\"",
            b"a,b\"c,d\n",
            b"",
        ] {
            assert_eq!(scan(raw).trouble, None, "{}", String::from_utf8_lossy(raw));
        }
    }

    #[test]
    fn finds_a_multiline_field() {
        let s = scan(b"a,\"one\ntwo\",c\n");
        assert_eq!(s.trouble, None);
        assert_eq!(
            s.first_multiline,
            Some(Quoted {
                field: 1,
                open: 2,
                close: 10
            })
        );
    }

    #[test]
    fn finds_an_unclosed_quote() {
        let s = scan(b"a,b,\"never closed\nx,y,z\n");
        assert_eq!(s.trouble, Some(Trouble::Unclosed { field: 2, open: 4 }));
        let s = scan(b"a,\"\"\"");
        assert_eq!(s.trouble, Some(Trouble::Unclosed { field: 1, open: 2 }));
    }

    #[test]
    fn finds_text_after_a_closing_quote() {
        let s = scan(b"a,\"Jean \"JC\" Claude\",b\n");
        assert_eq!(
            s.trouble,
            Some(Trouble::TextAfterClose(Quoted {
                field: 1,
                open: 2,
                close: 8
            }))
        );
    }
}
