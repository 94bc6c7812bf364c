//! Density evaluation and most-likely-component assignment.

use std::f64::consts::PI;

use super::Mixture;
use crate::Points;

impl Mixture {
    /// Log of `weight_k · N(x; mean_k, diag(std_k²))` for each component, weights normalised.
    fn component_log_densities(&self, x: &[f32], out: &mut Vec<f64>) {
        let total = self.total_weight();
        out.clear();
        for c in &self.components {
            let mut log_p = if c.weight > 0.0 {
                (c.weight / total).ln()
            } else {
                f64::NEG_INFINITY
            };
            for ((&xi, &m), &s) in x.iter().zip(&c.mean).zip(&c.std) {
                let d = (f64::from(xi) - m) / s;
                log_p += -0.5 * d * d - s.ln() - 0.5 * (2.0 * PI).ln();
            }
            out.push(log_p);
        }
    }

    /// The mixture's probability density at `x` (`x.len() == dim`).
    pub fn density(&self, x: &[f32]) -> f64 {
        let mut logs = Vec::with_capacity(self.components.len());
        self.component_log_densities(x, &mut logs);
        logs.iter().map(|l| l.exp()).sum()
    }

    /// Index of the component with the highest weighted density at `x`.
    pub fn most_likely_component(&self, x: &[f32]) -> usize {
        let mut logs = Vec::with_capacity(self.components.len());
        self.component_log_densities(x, &mut logs);
        argmax(&logs)
    }

    /// The most likely component of every point.
    pub fn assign(&self, points: &Points) -> Vec<usize> {
        let mut logs = Vec::with_capacity(self.components.len());
        points
            .rows()
            .map(|x| {
                self.component_log_densities(x, &mut logs);
                argmax(&logs)
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

fn argmax(values: &[f64]) -> usize {
    let mut best = 0;
    for (i, v) in values.iter().enumerate() {
        if *v > values[best] {
            best = i;
        }
    }
    best
}
