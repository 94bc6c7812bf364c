//! Seeded sampling from a mixture.

use rand::Rng;
use rand_distr::StandardNormal;

use super::Mixture;
use crate::Points;

impl Mixture {
    /// `n` samples drawn with `rng`.
    pub fn sample(&self, n: usize, rng: &mut impl Rng) -> Points {
        self.sample_labeled(n, rng).0
    }

    /// `n` samples and, for each, the index of the component it was drawn from.
    pub fn sample_labeled(&self, n: usize, rng: &mut impl Rng) -> (Points, Vec<usize>) {
        let weights = self.normalized_weights();
        let mut cumulative = Vec::with_capacity(weights.len());
        let mut acc = 0.0;
        for w in &weights {
            acc += w;
            cumulative.push(acc);
        }
        let mut data = Vec::with_capacity(n * self.dim);
        let mut labels = Vec::with_capacity(n);
        for _ in 0..n {
            let u: f64 = rng.random::<f64>() * acc;
            let k = cumulative
                .iter()
                .position(|&c| u < c)
                .unwrap_or(weights.len() - 1);
            let c = &self.components[k];
            for axis in 0..self.dim {
                let e: f64 = rng.sample(StandardNormal);
                data.push((c.mean[axis] + c.std[axis] * e) as f32);
            }
            labels.push(k);
        }
        (Points::new(self.dim, data), labels)
    }
}

/// `n` draws from the standard normal N(0, I) in `dim` dimensions: the noise end (t = 1).
pub fn standard_normal(n: usize, dim: usize, rng: &mut impl Rng) -> Points {
    let data = (0..n * dim)
        .map(|_| rng.sample::<f32, _>(StandardNormal))
        .collect();
    Points::new(dim, data)
}
