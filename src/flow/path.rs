//! The probability paths a velocity network can be trained on, from data (t = 0) to noise
//! (t = 1): `x_t = α(t)·x0 + σ(t)·z`, with velocity target `α'(t)·x0 + σ'(t)·z`.

use serde::{Deserialize, Serialize};

/// A path between a data point x0 and a noise point z.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FlowPath {
    /// The straight line of flow matching and rectified flow: α = 1 − t, σ = t, so
    /// `x_t = t·z + (1 − t)·x0` and the velocity is `z − x0`, constant along the path.
    #[default]
    Straight,
    /// The variance-preserving path of score-based diffusion (DDPM / VP-SDE) with its linear
    /// noise schedule β(t) = 0.1 + 19.9·t: α = exp(−½∫₀ᵗβ), σ = √(1 − α²). α(1) ≈ 0.007, so
    /// t = 1 is noise up to 0.7 % of the data.
    VpLinear,
}

/// β at t = 0 and t = 1 of [`FlowPath::VpLinear`].
const BETA_MIN: f32 = 0.1;
const BETA_MAX: f32 = 20.0;

/// `(α, σ, α', σ')` of a path at one time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PathCoefficients {
    /// Weight of the data point.
    pub alpha: f32,
    /// Weight of the noise point.
    pub sigma: f32,
    /// dα/dt.
    pub d_alpha: f32,
    /// dσ/dt.
    pub d_sigma: f32,
}

impl FlowPath {
    /// The path's coefficients at time `t` in [0, 1].
    pub fn at(self, t: f32) -> PathCoefficients {
        match self {
            Self::Straight => PathCoefficients {
                alpha: 1.0 - t,
                sigma: t,
                d_alpha: -1.0,
                d_sigma: 1.0,
            },
            Self::VpLinear => {
                // σ' = ½·β·α²/σ grows without bound as t → 0; a floor on t keeps it finite.
                let t = t.max(1e-4);
                let integral = BETA_MIN * t + 0.5 * (BETA_MAX - BETA_MIN) * t * t;
                let beta = BETA_MIN + (BETA_MAX - BETA_MIN) * t;
                let alpha = (-0.5 * integral).exp();
                let sigma = (1.0 - alpha * alpha).sqrt();
                PathCoefficients {
                    alpha,
                    sigma,
                    d_alpha: -0.5 * beta * alpha,
                    d_sigma: 0.5 * beta * alpha * alpha / sigma,
                }
            }
        }
    }

    /// One line stating the schedule, for tooltips and run cards.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Straight => "straight line: x_t = t·z + (1 − t)·x0, velocity z − x0",
            Self::VpLinear => {
                "variance-preserving diffusion (DDPM / VP-SDE schedule): x_t = α(t)·x0 + σ(t)·z \
                 with α = exp(−½∫₀ᵗβ), β(t) = 0.1 + 19.9·t, σ = √(1 − α²); velocity α'·x0 + σ'·z"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_paths_run_from_data_to_noise_and_their_velocities_are_derivatives() {
        for path in [FlowPath::Straight, FlowPath::VpLinear] {
            let start = path.at(0.0);
            let end = path.at(1.0);
            assert!((start.alpha - 1.0).abs() < 1e-3 && start.sigma.abs() < 0.01);
            assert!(end.alpha.abs() < 0.01 && (end.sigma - 1.0).abs() < 1e-3);
            for k in 1..20 {
                let t = k as f32 / 20.0;
                let h = 1e-3;
                let (a, b) = (path.at(t - h), path.at(t + h));
                let c = path.at(t);
                let tolerance = 1e-2 * (1.0 + c.d_alpha.abs() + c.d_sigma.abs());
                assert!(((b.alpha - a.alpha) / (2.0 * h) - c.d_alpha).abs() < tolerance);
                assert!(((b.sigma - a.sigma) / (2.0 * h) - c.d_sigma).abs() < tolerance);
            }
        }
        for k in 0..=10 {
            let c = FlowPath::VpLinear.at(k as f32 / 10.0);
            assert!(
                (c.alpha.powi(2) + c.sigma.powi(2) - 1.0).abs() < 1e-5,
                "variance preserving"
            );
        }
    }
}
