//! The 2-Wasserstein distance between two equal-size samples, and its metric floor.

use rand::Rng;
use rayon::prelude::*;

use super::{optimal_matching, squared_distance};
use crate::Points;
use crate::target::Mixture;

/// W2 between two samples of the same size and dimension.
///
/// In 1-D the root mean squared difference of the sorted samples; otherwise the root mean
/// squared distance of the exact optimal one-to-one matching.
///
/// # Panics
/// If the samples differ in size or dimension (a programming error).
pub fn w2(a: &Points, b: &Points) -> f64 {
    assert_eq!(a.dim, b.dim, "W2 needs samples of one dimension");
    assert_eq!(a.len(), b.len(), "W2 needs samples of the same size");
    let n = a.len();
    if n == 0 {
        return 0.0;
    }
    if a.dim == 1 {
        let mut x: Vec<f32> = a.data.clone();
        let mut y: Vec<f32> = b.data.clone();
        x.sort_by(f32::total_cmp);
        y.sort_by(f32::total_cmp);
        let sum: f64 = x
            .iter()
            .zip(&y)
            .map(|(p, q)| f64::from(p - q).powi(2))
            .sum();
        return (sum / n as f64).sqrt();
    }
    let total: f64 = optimal_matching(a, b)
        .iter()
        .enumerate()
        .map(|(i, &j)| squared_distance(a.row(i), b.row(j)))
        .sum();
    (total / n as f64).sqrt()
}

/// The metric floor: W2 between two independent samples of `n` points from the target,
/// averaged over `repeats` draws. No model can be expected to score below it.
pub fn metric_floor(target: &Mixture, n: usize, repeats: usize, rng: &mut impl Rng) -> f64 {
    let repeats = repeats.max(1);
    let pairs: Vec<(Points, Points)> = (0..repeats)
        .map(|_| (target.sample(n, rng), target.sample(n, rng)))
        .collect();
    // The assignments dominate: one per core, summed in a fixed order.
    let values: Vec<f64> = pairs.par_iter().map(|(a, b)| w2(a, b)).collect();
    values.iter().sum::<f64>() / repeats as f64
}
