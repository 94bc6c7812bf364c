//! Per-mode coverage: does the model put the right mass on every component?

use crate::Points;
use crate::target::Mixture;

/// Fraction of `samples` whose most likely component is each component of `target`.
pub fn mode_fractions(target: &Mixture, samples: &Points) -> Vec<f64> {
    let mut counts = vec![0usize; target.components.len()];
    for k in target.assign(samples) {
        counts[k] += 1;
    }
    let n = samples.len().max(1) as f64;
    counts.into_iter().map(|c| c as f64 / n).collect()
}

/// Total variation distance between the fractions of samples assigned to each component and
/// the component weights.
///
/// `½ Σ_k |fraction_k − weight_k|`, 0 when every mode gets its share, 1 when the mass is
/// all in the wrong places.
pub fn mode_tv(target: &Mixture, samples: &Points) -> f64 {
    mode_fractions(target, samples)
        .iter()
        .zip(target.normalized_weights())
        .map(|(f, w)| (f - w).abs())
        .sum::<f64>()
        * 0.5
}
