//! Within-mode W2: how well each mode is drawn, apart from how much mass it got.

use rand::Rng;

use super::w2;
use crate::Points;
use crate::target::Mixture;

/// Within-mode W2 of `samples` against `target` (`DESIGN.md` §1).
///
/// Each point is assigned to its most likely component k; `W2_k` compares the points of k
/// with as many fresh draws from component k (drawn with `rng`); the result is `√(Σ_k
/// w_k·W2_k²)` with the target's weights. A component that received no point adds nothing
/// (mode TV sees missing mass).
///
/// Unlike W2 over the whole sample it does not pay for chance differences in mode counts, so
/// it is far less noisy, and it sees widened modes and mass smeared between them.
pub fn within_mode_w2(target: &Mixture, samples: &Points, rng: &mut impl Rng) -> f64 {
    let labels = target.assign(samples);
    let weights = target.normalized_weights();
    let mut total = 0.0;
    for (k, component) in target.components.iter().enumerate() {
        let rows: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == k).collect();
        if rows.is_empty() {
            continue;
        }
        let single = Mixture {
            dim: target.dim,
            components: vec![crate::target::Component {
                weight: 1.0,
                ..component.clone()
            }],
        };
        let fresh = single.sample(rows.len(), rng);
        total += weights[k] * w2(&samples.gather(&rows), &fresh).powi(2);
    }
    total.sqrt()
}
