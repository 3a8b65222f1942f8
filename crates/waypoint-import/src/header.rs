//! The header line: which column of the file is which field of the spec.

use waypoint_domain::Field;

use crate::ImportError;
use crate::codes::show;

/// One column of the file.
#[derive(Debug)]
pub(crate) struct Column {
    /// The spec's name for a known column, else the header text, trimmed and lower-cased.
    pub(crate) name: String,
    pub(crate) field: Option<Field>,
}

pub(crate) fn header(
    record: &csv::ByteRecord,
    data: &[u8],
) -> Result<(Vec<Column>, Vec<String>), ImportError> {
    if record.as_slice().contains(&0) {
        return Err(ImportError::NotUtf8 { encoding: "UTF-16" });
    }
    if record.as_slice().iter().any(|&b| b == b'\n' || b == b'\r') {
        return Err(ImportError::HeaderNotOneLine);
    }
    let mut columns = Vec::with_capacity(record.len());
    let mut unknown: Vec<String> = Vec::new();
    let mut seen: [Option<usize>; Field::COUNT] = [None; Field::COUNT];
    for (i, cell) in record.iter().enumerate() {
        let text = String::from_utf8_lossy(cell);
        let text = text.trim();
        let field = Field::from_column(text);
        if let Some(f) = field {
            if let Some(first) = seen[f.index()] {
                return Err(ImportError::DuplicateColumn {
                    column: f.column().to_string(),
                    first: first + 1,
                    second: i + 1,
                });
            }
            seen[f.index()] = Some(i);
        } else {
            let shown = if text.is_empty() {
                format!("(column {} has no name)", i + 1)
            } else {
                text.to_string()
            };
            if !unknown.contains(&shown) {
                unknown.push(shown);
            }
        }
        columns.push(Column {
            name: field.map_or_else(|| text.to_lowercase(), |f| f.column().to_string()),
            field,
        });
    }
    if seen.iter().all(Option::is_none) {
        let first_line = data.split(|&b| b == b'\n').next().unwrap_or_default();
        let first_line = String::from_utf8_lossy(first_line);
        for (byte, separator) in [(';', "semicolons (;)"), ('\t', "tabs")] {
            let known = first_line
                .split(byte)
                .filter(|name| Field::from_column(name.trim_matches(['"', ' '])).is_some())
                .count();
            if known > 0 {
                return Err(ImportError::WrongSeparator { separator });
            }
        }
        return Err(ImportError::NoHeader {
            first_line: show(first_line.trim_end(), 100),
        });
    }
    let missing: Vec<String> = Field::ALL
        .iter()
        .filter(|f| f.required() && seen[f.index()].is_none())
        .map(|f| f.column().to_string())
        .collect();
    if !missing.is_empty() {
        return Err(ImportError::MissingColumns {
            columns: missing,
            unknown,
        });
    }
    Ok((columns, unknown))
}
