//! Target distributions: Gaussian mixtures in 1-D or 2-D with diagonal covariances.
//!
//! A [`Mixture`] is what a flow learns to sample. It is read from and written to TOML
//! ([`Mixture::from_toml_str`], [`Mixture::to_toml_string`]), ships as presets
//! ([`presets`]), is checked by [`Mixture::validate`], and can be sampled, evaluated on a grid
//! and used to assign a point to its most likely component.

mod density;
mod error;
mod file;
pub mod fit;
pub mod presets;
mod sample;
mod source;

pub use sample::standard_normal;
pub use source::Source;

pub use error::TargetError;

use serde::{Deserialize, Serialize};

/// Largest number of components a mixture may have.
pub const MAX_COMPONENTS: usize = 32;

/// Largest magnitude of a mean or std: beyond it f32 training loses all precision.
pub const MAX_COORDINATE: f64 = 1000.0;

/// One Gaussian component with a diagonal covariance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    /// Relative weight (weights need not sum to one; they are normalised on use).
    pub weight: f64,
    /// Mean, one value per axis.
    pub mean: Vec<f64>,
    /// Standard deviation, one positive value per axis.
    pub std: Vec<f64>,
}

/// A mixture of 1 to [`MAX_COMPONENTS`] Gaussian components in 1-D or 2-D.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mixture {
    /// Dimension of the space: 1 or 2.
    pub dim: usize,
    /// The components (`[[component]]` tables in TOML).
    #[serde(rename = "component", default)]
    pub components: Vec<Component>,
}

impl Mixture {
    /// A validated mixture from its parts.
    pub fn new(dim: usize, components: Vec<Component>) -> Result<Self, TargetError> {
        let mixture = Self { dim, components };
        mixture.validate()?;
        Ok(mixture)
    }

    /// Checks every rule a usable mixture must follow; the error names the first field that
    /// breaks one.
    pub fn validate(&self) -> Result<(), TargetError> {
        if self.dim != 1 && self.dim != 2 {
            return Err(TargetError::Dimension(self.dim));
        }
        if self.components.is_empty() {
            return Err(TargetError::NoComponents);
        }
        if self.components.len() > MAX_COMPONENTS {
            return Err(TargetError::TooManyComponents(self.components.len()));
        }
        for (index, c) in self.components.iter().enumerate() {
            if !c.weight.is_finite() {
                return Err(TargetError::NotFinite {
                    field: format!("component[{index}].weight"),
                });
            }
            if c.weight < 0.0 {
                return Err(TargetError::NegativeWeight {
                    index,
                    weight: c.weight,
                });
            }
            for (name, values) in [("mean", &c.mean), ("std", &c.std)] {
                if values.len() != self.dim {
                    return Err(TargetError::WrongLength {
                        field: format!("component[{index}].{name}"),
                        expected: self.dim,
                        got: values.len(),
                    });
                }
                if let Some(axis) = values.iter().position(|v| !v.is_finite()) {
                    return Err(TargetError::NotFinite {
                        field: format!("component[{index}].{name}[{axis}]"),
                    });
                }
                if let Some(axis) = values.iter().position(|v| v.abs() > MAX_COORDINATE) {
                    return Err(TargetError::TooLarge {
                        field: format!("component[{index}].{name}[{axis}]"),
                        value: values[axis],
                    });
                }
            }
            if let Some(axis) = c.std.iter().position(|&s| s <= 0.0) {
                return Err(TargetError::StdNotPositive {
                    index,
                    axis,
                    std: c.std[axis],
                });
            }
        }
        if self.total_weight() <= 0.0 {
            return Err(TargetError::ZeroWeightSum);
        }
        Ok(())
    }

    /// Sum of the raw weights.
    pub fn total_weight(&self) -> f64 {
        self.components.iter().map(|c| c.weight).sum()
    }

    /// The weights normalised to sum to one.
    pub fn normalized_weights(&self) -> Vec<f64> {
        let total = self.total_weight();
        self.components.iter().map(|c| c.weight / total).collect()
    }

    /// A box `(min, max)` per axis that holds nearly all of the mass (means ± 4 std), widened
    /// to hold most of a standard normal too, so plots of paths from noise fit inside.
    pub fn bounds(&self) -> Vec<(f64, f64)> {
        (0..self.dim)
            .map(|axis| {
                let mut lo: f64 = -3.0;
                let mut hi: f64 = 3.0;
                for c in &self.components {
                    lo = lo.min(c.mean[axis] - 4.0 * c.std[axis]);
                    hi = hi.max(c.mean[axis] + 4.0 * c.std[axis]);
                }
                (lo, hi)
            })
            .collect()
    }
}
