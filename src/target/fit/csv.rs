//! Points from CSV text.
//!
//! Rules, checked line by line so an error names the line (and column) at fault:
//! - fields are separated by commas; a line without commas may use semicolons, tabs or plain
//!   whitespace instead (a line with a semicolon is split at semicolons, so `1,5;2,5` reads
//!   as the fields `1,5` and `2,5` and is rejected with a decimal-point hint);
//! - blank lines and lines starting with `#` are skipped;
//! - the first remaining line is a header, and skipped, when none of its fields is a number or
//!   starts with a digit (`x,y`); a first line mixing numbers and text is an error;
//! - fields may be wrapped in double quotes and surrounded by spaces;
//! - every data row has the same number of columns, 1 or 2;
//! - every field is a finite number within ±[`MAX_COORDINATE`];
//! - there are between 2 and [`MAX_ROWS`] data rows.

use std::io::BufRead as _;
use std::path::Path;

use super::DataError;
use crate::Points;
use crate::target::MAX_COORDINATE;

/// Most data rows a CSV file may have; reading stops at the first row beyond it.
pub const MAX_ROWS: usize = 1_000_000;

/// Largest CSV file read, in bytes.
///
/// 1,000,000 rows of two numbers written out at full f64 precision with a separator and
/// line ending (2 × 25 + 2 bytes a row) and some room for a header and comments. Reading
/// stops one byte past it, so `/dev/zero` is refused at once.
pub const MAX_CSV_BYTES: u64 = 64 * 1024 * 1024;

/// Longest field text quoted in an error message.
const MAX_QUOTED_CHARS: usize = 40;

/// Points from CSV text (see the module docs for the rules).
pub fn read_points_csv(text: &str) -> Result<Points, DataError> {
    let mut reader = Reader::default();
    for (index, line) in text.lines().enumerate() {
        reader.line(index + 1, line)?;
    }
    reader.finish()
}

/// Points from a CSV file, read line by line so an oversized file stops at the row limit.
/// Errors in the text are those of [`read_points_csv`]; the I/O error names the path.
pub fn load_points_csv(path: &Path) -> Result<Points, DataError> {
    let io_error = |source: std::io::Error| DataError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io_error)?;
    let mut input = std::io::BufReader::new(std::io::Read::take(file, MAX_CSV_BYTES + 1));
    let mut read: u64 = 0;
    let mut reader = Reader::default();
    let mut bytes = Vec::new();
    let mut number = 0;
    loop {
        bytes.clear();
        let got = input.read_until(b'\n', &mut bytes).map_err(io_error)?;
        if got == 0 {
            break;
        }
        read += got as u64;
        if read > MAX_CSV_BYTES {
            return Err(DataError::TooLarge);
        }
        number += 1;
        let line =
            std::str::from_utf8(&bytes).map_err(|_not_utf8| DataError::NotUtf8 { line: number })?;
        reader.line(number, line.trim_end_matches(['\n', '\r']))?;
    }
    reader.finish()
}

/// The state of a read: the rows so far and what the first lines established.
#[derive(Default)]
struct Reader {
    /// Coordinates read so far, row-major.
    data: Vec<f32>,
    /// Column count of the first data row, and its line.
    columns: Option<(usize, usize)>,
    /// Data rows read so far.
    rows: usize,
    /// Line of the last data row.
    last_row_line: usize,
    /// Whether a non-blank, non-comment line has been seen (only the first can be a header).
    seen_content: bool,
    /// The line read as a header, if any.
    header_line: Option<usize>,
}

impl Reader {
    /// Reads line `number` (from 1), without its line ending.
    fn line(&mut self, number: usize, line: &str) -> Result<(), DataError> {
        let line = if number == 1 {
            line.trim_start_matches('\u{feff}')
        } else {
            line
        };
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return Ok(());
        }
        let separator = Separator::of(line);
        if !self.seen_content {
            self.seen_content = true;
            if separator.fields(line).all(is_header_field) {
                self.header_line = Some(number);
                return Ok(());
            }
        }
        let found = separator.fields(line).count();
        if found > 2 {
            return Err(DataError::TooManyColumns {
                line: number,
                found,
            });
        }
        match self.columns {
            None => self.columns = Some((found, number)),
            Some((expected, first_line)) if expected != found => {
                return Err(DataError::ColumnMismatch {
                    line: number,
                    found,
                    expected,
                    first_line,
                });
            }
            Some(_) => {}
        }
        if self.rows == MAX_ROWS {
            return Err(DataError::TooManyRows {
                line: number,
                max: MAX_ROWS,
            });
        }
        for (index, field) in separator.fields(line).enumerate() {
            self.data.push(parse_field(field, number, index + 1)?);
        }
        self.rows += 1;
        self.last_row_line = number;
        Ok(())
    }

    /// The points read, if there are at least two.
    fn finish(self) -> Result<Points, DataError> {
        match (self.rows, self.columns) {
            (0, _) | (_, None) => Err(DataError::Empty {
                header_line: self.header_line,
            }),
            (1, _) => Err(DataError::TooFewRows {
                line: self.last_row_line,
            }),
            (_, Some((dim, _))) => Ok(Points::new(dim, self.data)),
        }
    }
}

/// How the fields of one line are separated.
#[derive(Clone, Copy)]
enum Separator {
    Char(char),
    Whitespace,
}

impl Separator {
    /// Semicolon if the line has one, else comma, else tab, else runs of whitespace.
    fn of(line: &str) -> Self {
        [';', ',', '\t']
            .into_iter()
            .find(|&c| line.contains(c))
            .map_or(Self::Whitespace, Self::Char)
    }

    /// The line's fields, trimmed and unquoted.
    fn fields(self, line: &str) -> Box<dyn Iterator<Item = &str> + '_> {
        match self {
            Self::Char(c) => Box::new(line.split(c).map(unquote)),
            Self::Whitespace => Box::new(line.split_whitespace().map(unquote)),
        }
    }
}

/// Whether a field of the first line reads as a column name: not a number and not starting
/// with a digit (so `1,5` in a semicolon-separated file is a bad number, not a name).
fn is_header_field(field: &str) -> bool {
    field.parse::<f64>().is_err() && !field.starts_with(|c: char| c.is_ascii_digit())
}

/// The field without surrounding spaces and double quotes.
fn unquote(field: &str) -> &str {
    let field = field.trim();
    field
        .strip_prefix('"')
        .and_then(|f| f.strip_suffix('"'))
        .map_or(field, str::trim)
}

/// The field as a coordinate, or the error naming its line and column.
fn parse_field(text: &str, line: usize, column: usize) -> Result<f32, DataError> {
    if text.is_empty() {
        return Err(DataError::EmptyField { line, column });
    }
    let quoted = || text.chars().take(MAX_QUOTED_CHARS).collect::<String>();
    let value: f64 = text
        .parse()
        .map_err(|_not_a_number| DataError::NotANumber {
            line,
            column,
            text: quoted(),
        })?;
    if !value.is_finite() {
        return Err(DataError::NotFinite {
            line,
            column,
            text: quoted(),
        });
    }
    if value.abs() > MAX_COORDINATE {
        return Err(DataError::OutOfRange {
            line,
            column,
            value,
        });
    }
    Ok(value as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_other_separators_quotes_bom_and_crlf() {
        for text in [
            "1;2\n3;4\n",
            "1\t2\n3\t4\n",
            "1 2\n  3   4  \n",
            "\u{feff}\"x\",\"y\"\r\n\"1\", \"2\"\r\n3 , 4\r\n",
        ] {
            let points = read_points_csv(text).expect(text);
            assert_eq!(points, Points::new(2, vec![1.0, 2.0, 3.0, 4.0]), "{text:?}");
        }
    }

    #[test]
    fn reads_one_column_with_header() {
        let points = read_points_csv("value\n-1.5\n+2e-1\n").expect("valid");
        assert_eq!(points, Points::new(1, vec![-1.5, 0.2]));
    }

    #[test]
    fn a_first_line_mixing_numbers_and_text_is_not_a_header() {
        let err = read_points_csv("1.0,abc\n1,2\n").expect_err("text");
        assert!(
            matches!(
                err,
                DataError::NotANumber {
                    line: 1,
                    column: 2,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn empty_field_names_line_and_column() {
        let err = read_points_csv("1,2\n3,\n").expect_err("empty field");
        assert!(
            matches!(err, DataError::EmptyField { line: 2, column: 2 }),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "line 2, column 2: the field is empty; every field must hold a number"
        );
    }

    #[test]
    fn decimal_comma_gets_a_hint() {
        let err = read_points_csv("x;y\n1,5;2,5\n").expect_err("decimal comma");
        assert_eq!(
            err.to_string(),
            "line 2, column 1: '1,5' is not a number (use '.' as the decimal point)"
        );
        let err = read_points_csv("1,5;2,5\n").expect_err("decimal comma, no header");
        assert!(
            matches!(
                err,
                DataError::NotANumber {
                    line: 1,
                    column: 1,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn out_of_range_and_overflow() {
        let err = read_points_csv("0\n1000.5\n").expect_err("out of range");
        assert!(
            matches!(
                err,
                DataError::OutOfRange {
                    line: 2,
                    column: 1,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("±1000"), "{err}");
        let err = read_points_csv("0\n1e400\n").expect_err("overflow");
        assert!(
            matches!(
                err,
                DataError::NotFinite {
                    line: 2,
                    column: 1,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(read_points_csv("-1000\n1000\n").is_ok());
    }

    #[test]
    fn one_row_is_too_few() {
        let err = read_points_csv("x\n# c\n4.0\n").expect_err("one row");
        assert!(matches!(err, DataError::TooFewRows { line: 3 }), "{err:?}");
    }

    #[test]
    fn long_text_is_cut_in_the_message() {
        let text = format!("1\n{}\n", "a".repeat(1000));
        let err = read_points_csv(&text).expect_err("text");
        match err {
            DataError::NotANumber { text, .. } => assert_eq!(text.len(), MAX_QUOTED_CHARS),
            other => panic!("{other:?}"),
        }
    }
}
