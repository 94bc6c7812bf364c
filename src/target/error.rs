//! Why a target was rejected.

use std::path::PathBuf;

/// A target that cannot be used, with the field at fault.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// `dim` is not 1 or 2.
    #[error("dim: must be 1 or 2, got {0}")]
    Dimension(usize),
    /// The mixture has no components.
    #[error("component: a target needs at least one component")]
    NoComponents,
    /// More components than [`super::MAX_COMPONENTS`].
    #[error("component: at most {max} components are allowed, got {0}", max = super::MAX_COMPONENTS)]
    TooManyComponents(usize),
    /// A mean or std with a number of values other than `dim`.
    #[error("{field}: expected {expected} value(s), one per axis, got {got}")]
    WrongLength {
        /// Which field, e.g. `component[2].std`.
        field: String,
        /// The dimension.
        expected: usize,
        /// How many values were given.
        got: usize,
    },
    /// NaN or infinity.
    #[error("{field}: must be a finite number")]
    NotFinite {
        /// Which field, e.g. `component[0].mean[1]`.
        field: String,
    },
    /// A mean or std beyond ±[`super::MAX_COORDINATE`].
    #[error("{field}: must be within ±{max}, got {value}", max = super::MAX_COORDINATE)]
    TooLarge {
        /// Which field.
        field: String,
        /// The offending value.
        value: f64,
    },
    /// A standard deviation that is zero or negative.
    #[error("component[{index}].std[{axis}]: must be greater than 0, got {std}")]
    StdNotPositive {
        /// Component index.
        index: usize,
        /// Axis index.
        axis: usize,
        /// The offending value.
        std: f64,
    },
    /// A negative weight.
    #[error("component[{index}].weight: must not be negative, got {weight}")]
    NegativeWeight {
        /// Component index.
        index: usize,
        /// The offending value.
        weight: f64,
    },
    /// All weights are zero.
    #[error("component.weight: the weights sum to zero; at least one must be positive")]
    ZeroWeightSum,
    /// The text is not TOML of the target shape.
    #[error("{0}")]
    Parse(String),
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// No preset has this name.
    #[error("preset: no preset named '{name}' (known: {known})")]
    UnknownPreset {
        /// The name asked for.
        name: String,
        /// The known names, comma-separated.
        known: String,
    },
}
