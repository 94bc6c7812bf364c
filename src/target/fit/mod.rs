//! "Your own data": read 1-D or 2-D points from a CSV file and fit a Gaussian mixture to them,
//! so they can be opened as an editable target.
//!
//! - [`read_points_csv`] and [`load_points_csv`] read the points; every rejected input names
//!   its line (and column).
//! - [`fit_mixture`] fits a diagonal-covariance mixture by expectation–maximisation, with a
//!   fixed number of components or the number with the lowest BIC ([`Components`]).

mod csv;
mod em;

pub use csv::{MAX_CSV_BYTES, MAX_ROWS, load_points_csv, read_points_csv};
pub use em::{
    Components, FitConfig, FitResult, MAX_FIT_POINTS, MIN_STD, RELATIVE_VARIANCE_FLOOR, fit_mixture,
};

use std::path::PathBuf;

use super::{MAX_COMPONENTS, MAX_COORDINATE, TargetError};

/// Why points could not be read or a mixture could not be fitted to them.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file could not be opened or read.
    #[error("{path}: cannot read the file: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The file is longer than [`MAX_CSV_BYTES`]; reading stopped there.
    #[error(
        "the file is larger than {max} bytes, more than {rows} rows can take; flowlab reads at \
         most {rows} points",
        max = MAX_CSV_BYTES,
        rows = MAX_ROWS
    )]
    TooLarge,
    /// A line of the file is not UTF-8 text.
    #[error("line {line}: not UTF-8 text; save the file as CSV (UTF-8)")]
    NotUtf8 {
        /// Line number, from 1.
        line: usize,
    },
    /// No data rows at all (an empty file, or only comments and a header).
    #[error("no data rows{}: expected lines of 1 or 2 numbers separated by commas", header_note(.header_line))]
    Empty {
        /// The line that was read as a header, if any.
        header_line: Option<usize>,
    },
    /// A single data row: a fit needs at least two points.
    #[error("line {line}: this is the only data row; at least 2 points are needed")]
    TooFewRows {
        /// The line of the only data row.
        line: usize,
    },
    /// More than [`MAX_ROWS`] data rows; reading stopped at the first row too many.
    #[error("line {line}: more than {max} data rows; flowlab reads at most {max} points")]
    TooManyRows {
        /// The line of the first row beyond the limit.
        line: usize,
        /// The limit, [`MAX_ROWS`].
        max: usize,
    },
    /// A data row with 3 or more columns.
    #[error("line {line}: {found} columns found; flowlab takes 1 column (x) or 2 columns (x, y)")]
    TooManyColumns {
        /// Line number, from 1.
        line: usize,
        /// How many columns the row has.
        found: usize,
    },
    /// A data row whose number of columns differs from the first data row's.
    #[error(
        "line {line}: {found} column(s) found, but the first data row (line {first_line}) has \
         {expected}; every row needs the same number of columns"
    )]
    ColumnMismatch {
        /// Line number, from 1.
        line: usize,
        /// How many columns the row has.
        found: usize,
        /// How many columns the first data row has.
        expected: usize,
        /// The line of the first data row.
        first_line: usize,
    },
    /// A field with nothing in it, e.g. `1,,2` or `1,`.
    #[error("line {line}, column {column}: the field is empty; every field must hold a number")]
    EmptyField {
        /// Line number, from 1.
        line: usize,
        /// Column number, from 1.
        column: usize,
    },
    /// A field that is not a number.
    #[error("line {line}, column {column}: '{text}' is not a number{}", decimal_comma_note(.text))]
    NotANumber {
        /// Line number, from 1.
        line: usize,
        /// Column number, from 1.
        column: usize,
        /// The field (cut to 40 characters).
        text: String,
    },
    /// A field that is NaN or infinite (or too large for a float).
    #[error("line {line}, column {column}: '{text}' is not a finite number")]
    NotFinite {
        /// Line number, from 1.
        line: usize,
        /// Column number, from 1.
        column: usize,
        /// The field (cut to 40 characters).
        text: String,
    },
    /// A value beyond ±[`MAX_COORDINATE`].
    #[error(
        "line {line}, column {column}: {value} is beyond ±{max}, the largest coordinate \
         flowlab handles; rescale the data",
        max = MAX_COORDINATE
    )]
    OutOfRange {
        /// Line number, from 1.
        line: usize,
        /// Column number, from 1.
        column: usize,
        /// The value.
        value: f64,
    },
    /// Points of a dimension other than 1 or 2.
    #[error("points: dimension must be 1 or 2, got {0}")]
    Dimension(usize),
    /// A point with a NaN or infinite coordinate.
    #[error("point {index}: coordinate {axis} is not a finite number")]
    NotFinitePoint {
        /// Point index, from 0.
        index: usize,
        /// Axis, from 0.
        axis: usize,
    },
    /// A number of components outside `1..=MAX_COMPONENTS`.
    #[error("components: must be between 1 and {max}, got {0}", max = MAX_COMPONENTS)]
    ComponentCount(usize),
    /// Too few points for the number of components (2 per component are needed).
    #[error(
        "{points} point(s) are too few for {components} component(s): at least 2 points per \
         component are needed"
    )]
    NotEnoughPoints {
        /// How many points there are.
        points: usize,
        /// How many components were asked for.
        components: usize,
    },
    /// EM produced a NaN or infinite likelihood.
    #[error("the fit with {components} component(s) became numerically unstable")]
    Numerical {
        /// The number of components being fitted.
        components: usize,
    },
    /// The fitted mixture failed validation (a bug: fitted mixtures are clamped into range).
    #[error("the fitted mixture is not a valid target: {0}")]
    InvalidMixture(#[source] TargetError),
}

fn header_note(header_line: &Option<usize>) -> String {
    match header_line {
        Some(line) => format!(" (line {line} was read as a header)"),
        None => String::new(),
    }
}

fn decimal_comma_note(text: &str) -> &'static str {
    if text.contains(',') {
        " (use '.' as the decimal point)"
    } else {
        ""
    }
}
