//! Density evaluation and most-likely-component assignment.

use std::f64::consts::PI;

use super::Mixture;
use crate::Points;

impl Mixture {
    /// Log of `weight_k · N(x; mean_k, diag(std_k²))` for each component, weights normalised,
    /// into `out`; into `log_dist`, the log of each component's squared standardised distance
    /// `Σ ((x − m) / s)²`, which stays finite when the distance itself overflows (a std below
    /// about 1e-154), so the nearest component can still be told apart.
    fn component_log_densities(
        &self,
        weights: &[f64],
        x: &[f32],
        out: &mut Vec<f64>,
        log_dist: &mut Vec<f64>,
    ) {
        out.clear();
        log_dist.clear();
        for (c, &w) in self.components.iter().zip(weights) {
            let mut log_p = if w > 0.0 { w.ln() } else { f64::NEG_INFINITY };
            let mut d2 = 0.0;
            for ((&xi, &m), &s) in x.iter().zip(&c.mean).zip(&c.std) {
                let d = (f64::from(xi) - m) / s;
                log_p += -0.5 * d * d - s.ln() - 0.5 * (2.0 * PI).ln();
                d2 += d * d;
            }
            let log_d2 = if d2.is_finite() {
                d2.ln()
            } else {
                // The squared distance overflowed: log Σ d² by log-sum-exp of 2·ln|d|.
                let logs: Vec<f64> = x
                    .iter()
                    .zip(&c.mean)
                    .zip(&c.std)
                    .map(|((&xi, &m), &s)| 2.0 * ((f64::from(xi) - m).abs().ln() - s.ln()))
                    .collect();
                let top = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                top + logs.iter().map(|l| (l - top).exp()).sum::<f64>().ln()
            };
            out.push(log_p);
            log_dist.push(if w > 0.0 { log_d2 } else { f64::INFINITY });
        }
    }

    /// The mixture's probability density at `x` (`x.len() == dim`).
    pub fn density(&self, x: &[f32]) -> f64 {
        let mut logs = Vec::with_capacity(self.components.len());
        self.component_log_densities(&self.normalized_weights(), x, &mut logs, &mut Vec::new());
        logs.iter().map(|l| l.exp()).sum()
    }

    /// Index of the component with the highest weighted density at `x`, compared in log
    /// space; where every density underflows to zero, the component nearest in standardised
    /// distance.
    pub fn most_likely_component(&self, x: &[f32]) -> usize {
        let (mut logs, mut dist) = (Vec::new(), Vec::new());
        self.component_log_densities(&self.normalized_weights(), x, &mut logs, &mut dist);
        argmax(&logs, &dist)
    }

    /// The most likely component of every point (see [`Mixture::most_likely_component`]).
    pub fn assign(&self, points: &Points) -> Vec<usize> {
        let mut logs = Vec::with_capacity(self.components.len());
        let mut dist = Vec::with_capacity(self.components.len());
        let weights = self.normalized_weights();
        points
            .rows()
            .map(|x| {
                self.component_log_densities(&weights, x, &mut logs, &mut dist);
                argmax(&logs, &dist)
            })
            .collect()
    }

    /// The density on a regular grid: `nx` points spanning `x_range` (and, in 2-D, `ny`
    /// spanning `y_range`), row by row from the lowest y. In 1-D the result has `nx` values.
    pub fn density_grid(
        &self,
        x_range: (f64, f64),
        y_range: (f64, f64),
        nx: usize,
        ny: usize,
    ) -> Vec<f64> {
        let at = |range: (f64, f64), i: usize, n: usize| {
            if n <= 1 {
                range.0
            } else {
                range.0 + (range.1 - range.0) * i as f64 / (n - 1) as f64
            }
        };
        if self.dim == 1 {
            return (0..nx)
                .map(|i| self.density(&[at(x_range, i, nx) as f32]))
                .collect();
        }
        let mut out = Vec::with_capacity(nx * ny);
        for j in 0..ny {
            let y = at(y_range, j, ny) as f32;
            for i in 0..nx {
                out.push(self.density(&[at(x_range, i, nx) as f32, y]));
            }
        }
        out
    }
}

/// The index of the largest log density; among components whose log density is −∞ (the
/// squared distance overflowed), the smallest log squared distance decides.
fn argmax(log_p: &[f64], log_dist: &[f64]) -> usize {
    let mut best = 0;
    for (i, (&p, &d)) in log_p.iter().zip(log_dist).enumerate().skip(1) {
        let better = if p == f64::NEG_INFINITY && log_p[best] == f64::NEG_INFINITY {
            d < log_dist[best]
        } else {
            p > log_p[best]
        };
        if better {
            best = i;
        }
    }
    best
}
