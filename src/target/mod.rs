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
pub use file::{MAX_TARGET_BYTES, read_capped, read_text_capped};

use serde::{Deserialize, Serialize};

/// Largest number of components a mixture may have.
pub const MAX_COMPONENTS: usize = 32;

/// Largest magnitude of a mean or std: beyond it f32 training loses all precision.
pub const MAX_COORDINATE: f64 = 1000.0;

/// How far (as a factor either way) a target's RMS may sit from the noise's 1 before
/// [`Mixture::scale_warning`] warns.
pub const SCALE_WARNING_RATIO: f64 = 20.0;

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

    /// Sum of the raw weights (infinite when it overflows: use
    /// [`Mixture::normalized_weights`] for fractions).
    pub fn total_weight(&self) -> f64 {
        self.components.iter().map(|c| c.weight).sum()
    }

    /// The weights normalised to sum to one. Each weight is first divided by the largest, so
    /// weights near the largest f64 (whose raw sum is infinite) normalise correctly.
    pub fn normalized_weights(&self) -> Vec<f64> {
        let max = self.max_weight();
        let scaled: Vec<f64> = self
            .components
            .iter()
            .map(|c| if max > 0.0 { c.weight / max } else { c.weight })
            .collect();
        let total: f64 = scaled.iter().sum();
        scaled.into_iter().map(|w| w / total).collect()
    }

    /// The largest raw weight.
    fn max_weight(&self) -> f64 {
        self.components.iter().map(|c| c.weight).fold(0.0, f64::max)
    }

    /// The root mean square of the mixture's coordinates, per axis: `√E[x²]`, 1 for the
    /// N(0, I) noise the flows start from.
    pub fn rms(&self) -> Vec<f64> {
        let weights = self.normalized_weights();
        (0..self.dim)
            .map(|axis| {
                self.components
                    .iter()
                    .zip(&weights)
                    .map(|(c, w)| w * (c.std[axis].powi(2) + c.mean[axis].powi(2)))
                    .sum::<f64>()
                    .sqrt()
            })
            .collect()
    }

    /// A warning when the target's scale is far from the N(0, I) noise's (an RMS beyond
    /// [`SCALE_WARNING_RATIO`] times larger or smaller on some axis). The network works in
    /// the target's own units, with defaults tuned for targets a few units across; far from
    /// that, training and reflow can quietly come out poor (measured: on a ±1000 1-D target
    /// 2-RF came out worse than 1-RF).
    pub fn scale_warning(&self) -> Option<String> {
        let rms = self.rms().into_iter().fold(0.0, f64::max);
        if rms > SCALE_WARNING_RATIO {
            Some(format!(
                "the target's scale (RMS {rms:.1}) is {rms:.0}× the noise's N(0, 1): the network \
                 learns in the target's units and its defaults suit targets a few units across, \
                 so rounds may come out poor (reflow can be worse than 1-RF); rescale the target \
                 to within about ±10"
            ))
        } else if rms < 1.0 / SCALE_WARNING_RATIO {
            Some(format!(
                "the target's scale (RMS {rms:.2e}) is {:.0}× smaller than the noise's N(0, 1): \
                 the network's errors are large against it, so W2 and mode numbers may be poor; \
                 rescale the target to a few units across",
                1.0 / rms
            ))
        } else {
            None
        }
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
