//! How training draws the time t of each example.

use rand::Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

/// The density training samples t from.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum TimeSampling {
    /// t ~ U(0, 1).
    Uniform,
    /// `t = sigmoid(n)`, `n ~ N(mean, std²)` (SD3 uses mean 0, std 1): more weight mid-path.
    LogitNormal {
        /// Mean of the normal before the sigmoid.
        mean: f64,
        /// Standard deviation of the normal before the sigmoid.
        std: f64,
    },
    /// A raised-cosine bump `p(t) = 1 − cos(2πt)`: peaked at t = ½, zero at both ends.
    Cosine,
}

impl TimeSampling {
    /// One draw of t in [0, 1].
    pub fn sample(self, rng: &mut impl Rng) -> f32 {
        match self {
            Self::Uniform => rng.random::<f32>(),
            Self::LogitNormal { mean, std } => {
                let n: f64 = rng.sample(StandardNormal);
                (1.0 / (1.0 + (-(mean + std * n)).exp())) as f32
            }
            Self::Cosine => loop {
                // Rejection sampling from the uniform: accept with probability p(t) / 2.
                let t: f64 = rng.random();
                let accept: f64 = rng.random();
                if accept * 2.0 < 1.0 - (2.0 * std::f64::consts::PI * t).cos() {
                    break t as f32;
                }
            },
        }
    }

    /// Checks parameters: the logit-normal std must be positive and both finite.
    pub fn validate(self) -> Result<(), super::FlowError> {
        if let Self::LogitNormal { mean, std } = self
            && !(mean.is_finite() && std.is_finite() && std > 0.0)
        {
            return Err(super::FlowError::invalid(
                "time_sampling",
                "logit-normal needs a finite mean and a positive std",
            ));
        }
        Ok(())
    }
}
