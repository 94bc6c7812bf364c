//! The least transport cost any coupling of the source and the target can have.

use rand::Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{Estimate, min_cost_assignment, squared_distance};
use crate::target::{Component, Mixture, Source};

/// Points per sample of the assignment estimate.
const ASSIGNMENT_POINTS: usize = 1000;
/// Samples the assignment estimate is averaged over.
const ASSIGNMENT_REPEATS: usize = 8;
/// Quadrature intervals of the 1-D quantile integral.
const QUADRATURE_INTERVALS: usize = 16_000;

/// `min over couplings of E ‖z − x0‖²` between the source and the target, how it was found
/// and how far it may be off.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OtMinimum {
    /// The optimal transport cost.
    pub cost: f64,
    /// Its error: the quadrature's for the exact methods, two standard errors of the mean
    /// for the assignment estimate.
    pub error: f64,
    /// How it was computed, in words.
    pub method: String,
}

/// The optimal transport cost from `source` to `target` (`DESIGN.md` §1 "OT minimum").
///
/// Exact in 1-D (the monotone map, `∫₀¹ (F⁻¹(u) − G⁻¹(u))² du` integrated numerically);
/// exact in 2-D when source and target both factorise over the axes (every component shares
/// its mean and std on one axis), as the sum of the axes' 1-D costs; otherwise the mean
/// exact assignment cost over independent samples drawn with `rng`, with its error stated
/// (a finite sample also overstates the cost slightly).
pub fn ot_minimum(source: Source<'_>, target: &Mixture, rng: &mut impl Rng) -> OtMinimum {
    let source_mixture = match source {
        Source::Mixture(m) => m.clone(),
        Source::StandardNormal(dim) => standard_normal_mixture(dim),
    };
    if target.dim == 1 {
        let (cost, error) = quantile_cost(&source_mixture, target);
        return OtMinimum {
            cost,
            error,
            method: "exact 1-D: monotone (quantile) map, integrated numerically".into(),
        };
    }
    if factorises(&source_mixture) && factorises(target) {
        let mut cost = 0.0;
        let mut error = 0.0;
        for axis in 0..target.dim {
            let (c, e) = quantile_cost(&marginal(&source_mixture, axis), &marginal(target, axis));
            cost += c;
            error += e;
        }
        return OtMinimum {
            cost,
            error,
            method: "exact: the target factorises over the axes, product of 1-D monotone maps"
                .into(),
        };
    }
    let draws: Vec<_> = (0..ASSIGNMENT_REPEATS)
        .map(|_| {
            (
                source.sample(ASSIGNMENT_POINTS, rng),
                target.sample(ASSIGNMENT_POINTS, rng),
            )
        })
        .collect();
    let costs: Vec<f64> = draws
        .par_iter()
        .map(|(z, x)| {
            let m = min_cost_assignment(z.len(), |i, j| squared_distance(z.row(i), x.row(j)));
            m.iter()
                .enumerate()
                .map(|(i, &j)| squared_distance(z.row(i), x.row(j)))
                .sum::<f64>()
                / z.len() as f64
        })
        .collect();
    let estimate = Estimate::of(&costs);
    OtMinimum {
        cost: estimate.mean,
        error: 2.0 * estimate.se,
        method: format!(
            "estimate: exact assignment on {ASSIGNMENT_REPEATS} samples of \
             {ASSIGNMENT_POINTS} points, error 2 SE (a finite sample overstates it slightly)"
        ),
    }
}

fn standard_normal_mixture(dim: usize) -> Mixture {
    Mixture {
        dim,
        components: vec![Component {
            weight: 1.0,
            mean: vec![0.0; dim],
            std: vec![1.0; dim],
        }],
    }
}

/// True when every component has the same mean and std on some axis, so the mixture is the
/// product of its marginals.
fn factorises(m: &Mixture) -> bool {
    m.dim == 1
        || (0..m.dim).any(|axis| {
            let first = &m.components[0];
            m.components
                .iter()
                .all(|c| c.mean[axis] == first.mean[axis] && c.std[axis] == first.std[axis])
        })
}

/// The 1-D mixture of `m` along `axis`.
fn marginal(m: &Mixture, axis: usize) -> Mixture {
    Mixture {
        dim: 1,
        components: m
            .components
            .iter()
            .map(|c| Component {
                weight: c.weight,
                mean: vec![c.mean[axis]],
                std: vec![c.std[axis]],
            })
            .collect(),
    }
}

/// `(cost, error)` of the monotone map between two 1-D mixtures:
/// `∫ (x − G⁻¹(F(x)))² f(x) dx` by Simpson's rule over the source's ±12 std; the error is
/// the change from half the intervals.
fn quantile_cost(source: &Mixture, target: &Mixture) -> (f64, f64) {
    let fine = simpson_cost(source, target, QUADRATURE_INTERVALS);
    let coarse = simpson_cost(source, target, QUADRATURE_INTERVALS / 2);
    (fine, (fine - coarse).abs() + 1e-6)
}

fn simpson_cost(source: &Mixture, target: &Mixture, intervals: usize) -> f64 {
    let (lo, hi) = support(source);
    let h = (hi - lo) / intervals as f64;
    // Terms on the cores, summed in order: rayon's own sum splits where the work is stolen,
    // so its rounding (and the last digits of the cost) would change from run to run.
    let terms: Vec<f64> = (0..=intervals)
        .into_par_iter()
        .map(|i| {
            let x = lo + h * i as f64;
            let weight = if i == 0 || i == intervals {
                1.0
            } else if i % 2 == 1 {
                4.0
            } else {
                2.0
            };
            let y = transport_map(source, target, x);
            weight * (x - y).powi(2) * pdf(source, x)
        })
        .collect();
    terms.iter().sum::<f64>() * h / 3.0
}

/// Where a 1-D mixture has its mass: its components' ±12 std.
fn support(m: &Mixture) -> (f64, f64) {
    m.components
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), c| {
            (
                lo.min(c.mean[0] - 12.0 * c.std[0]),
                hi.max(c.mean[0] + 12.0 * c.std[0]),
            )
        })
}

/// The monotone map `G⁻¹(F(x))`, solved in whichever tail keeps the precision.
fn transport_map(source: &Mixture, target: &Mixture, x: f64) -> f64 {
    let lower = cdf(source, x);
    let (lo, hi) = support(target);
    let (mut a, mut b) = (lo - 50.0, hi + 50.0);
    if lower <= 0.5 {
        for _ in 0..64 {
            let mid = 0.5 * (a + b);
            if cdf(target, mid) < lower {
                a = mid;
            } else {
                b = mid;
            }
        }
    } else {
        let upper = survival(source, x);
        for _ in 0..64 {
            let mid = 0.5 * (a + b);
            if survival(target, mid) > upper {
                a = mid;
            } else {
                b = mid;
            }
        }
    }
    0.5 * (a + b)
}

fn weights(m: &Mixture) -> impl Iterator<Item = (f64, &Component)> {
    let total = m.total_weight();
    m.components.iter().map(move |c| (c.weight / total, c))
}

fn pdf(m: &Mixture, x: f64) -> f64 {
    weights(m)
        .map(|(w, c)| {
            let d = (x - c.mean[0]) / c.std[0];
            w * (-0.5 * d * d).exp() / (c.std[0] * (2.0 * std::f64::consts::PI).sqrt())
        })
        .sum()
}

fn cdf(m: &Mixture, x: f64) -> f64 {
    weights(m)
        .map(|(w, c)| w * normal_tail(-(x - c.mean[0]) / c.std[0]))
        .sum()
}

fn survival(m: &Mixture, x: f64) -> f64 {
    weights(m)
        .map(|(w, c)| w * normal_tail((x - c.mean[0]) / c.std[0]))
        .sum()
}

/// `P(N(0, 1) > z)`, with relative precision in the far tail.
fn normal_tail(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

/// The complementary error function, fractional error below 1.2e-7 everywhere (Numerical
/// Recipes' Chebyshev fit `erfcc`).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erfc_matches_known_values() {
        for (x, want) in [
            (0.0, 1.0),
            (0.5, 0.479_500_122_186_953_5),
            (1.0, 0.157_299_207_050_285_13),
            (2.0, 0.004_677_734_981_047_266),
            (-1.0, 1.842_700_792_949_715),
        ] {
            assert!((erfc(x) - want).abs() < 2e-7 * want.max(1e-3), "erfc({x})");
        }
    }

    #[test]
    fn gaussian_to_gaussian_costs_the_closed_form() {
        // W2² between N(m1, s1²) and N(m2, s2²) is (m1 − m2)² + (s1 − s2)².
        let target = Mixture {
            dim: 1,
            components: vec![Component {
                weight: 1.0,
                mean: vec![3.0],
                std: vec![0.5],
            }],
        };
        let (cost, error) = quantile_cost(&standard_normal_mixture(1), &target);
        assert!((cost - 9.25).abs() < 1e-5, "{cost}");
        assert!(error < 1e-4);
    }
}
