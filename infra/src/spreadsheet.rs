//! CSV for spreadsheets: every text cell that a spreadsheet would read as a
//! formula (it starts with `=`, `+`, `-`, `@`, a tab or a carriage return)
//! is written with a leading apostrophe, so that text a provider or the
//! public wrote cannot run in the spreadsheet of whoever opens the export
//! (OWASP "CSV injection"); numbers stay as they are.

use std::borrow::Cow;

/// `cell` as a spreadsheet may safely read it.
pub fn safe_cell(cell: &str) -> Cow<'_, str> {
    let risky = cell
        .chars()
        .next()
        .is_some_and(|c| matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r'));
    if risky && cell.trim().parse::<f64>().is_err() {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// A CSV document in memory whose cells are written through [`safe_cell`].
pub struct SafeCsv(csv::Writer<Vec<u8>>);

impl Default for SafeCsv {
    fn default() -> Self {
        Self(csv::Writer::from_writer(Vec::new()))
    }
}

impl SafeCsv {
    /// A new, empty document.
    pub fn new() -> Self {
        Self::default()
    }

    /// A new document as a spreadsheet in Czech settings opens it at a
    /// double click: cells separated by `;` (the comma is the decimal mark),
    /// and a byte order mark that says UTF-8.
    pub fn for_spreadsheets() -> Self {
        let bom = "\u{feff}".as_bytes().to_vec();
        Self(csv::WriterBuilder::new().delimiter(b';').from_writer(bom))
    }

    /// Writes one row.
    pub fn row<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        // Writing into memory cannot fail; the empty record ends the row.
        for cell in cells {
            let _ = self.0.write_field(safe_cell(cell.as_ref()).as_bytes());
        }
        let _ = self.0.write_record(std::iter::empty::<&[u8]>());
    }

    /// The document's bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0.into_inner().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_numbers_kept() {
        assert_eq!(
            safe_cell("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(safe_cell("+420 123"), "'+420 123");
        assert_eq!(safe_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(safe_cell("\t=1"), "'\t=1");
        assert_eq!(safe_cell("-3"), "-3");
        assert_eq!(safe_cell("-2.5"), "-2.5");
        assert_eq!(safe_cell("Azylový dům"), "Azylový dům");
        let mut doc = SafeCsv::new();
        doc.row(["name", "free"]);
        doc.row(["=cmd|' /C calc'!A0", "3"]);
        let text = String::from_utf8(doc.into_bytes()).unwrap();
        assert_eq!(text, "name,free\n'=cmd|' /C calc'!A0,3\n");
    }
}
