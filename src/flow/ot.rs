//! Minibatch optimal-transport coupling (OT-CFM): pair a batch of noise with a batch of data
//! by an exact optimal assignment before drawing the straight lines between them.

use crate::Points;
use crate::metrics::{WarmStart, optimal_matching, optimal_matching_warm};

/// `x0`'s rows reordered so that row i goes with row i of `z` and the total squared distance
/// `Σ ‖z_i − x0_i‖²` is the least any one-to-one pairing of the two batches has.
///
/// In 1-D that pairing is the monotone one (the k-th smallest z with the k-th smallest x0), found by
/// sorting; otherwise by an exact assignment.
///
/// # Panics
/// If the batches differ in size or dimension (a programming error).
pub fn ot_pair(z: &Points, x0: &Points) -> Points {
    sorted_pairing(z, x0).unwrap_or_else(|| x0.gather(&optimal_matching(z, x0)))
}

/// The 1-D pairing by sorting, if the batches are 1-D and of one size.
fn sorted_pairing(z: &Points, x0: &Points) -> Option<Points> {
    (z.dim == 1 && x0.dim == 1 && z.len() == x0.len())
        .then(|| x0.gather(&monotone_matching(&z.data, &x0.data)))
}

/// [`ot_pair`] for a run of batches from the same two distributions (OT-CFM's).
///
/// Each exact assignment starts from the optimal prices of the batch before (see
/// [`crate::metrics::WarmStart`]), about an eighth sooner, to the same optimum.
#[derive(Clone, Debug, Default)]
pub struct OtPairing {
    warm: WarmStart,
}

impl OtPairing {
    /// A pairing with no batch before it.
    pub fn new() -> Self {
        Self::default()
    }

    /// `x0`'s rows reordered to pair with `z`'s at the least total squared distance, as
    /// [`ot_pair`].
    ///
    /// # Panics
    /// If the batches differ in size or dimension (a programming error).
    pub fn pair(&mut self, z: &Points, x0: &Points) -> Points {
        sorted_pairing(z, x0)
            .unwrap_or_else(|| x0.gather(&optimal_matching_warm(z, x0, &mut self.warm)))
    }
}

/// For each value of `a`, the index of the value of `b` with the same rank.
fn monotone_matching(a: &[f32], b: &[f32]) -> Vec<usize> {
    let ranked = |v: &[f32]| {
        let mut idx: Vec<usize> = (0..v.len()).collect();
        idx.sort_by(|&i, &j| v[i].total_cmp(&v[j]));
        idx
    };
    let (a_order, b_order) = (ranked(a), ranked(b));
    let mut matching = vec![0; a.len()];
    for (&i, &j) in a_order.iter().zip(&b_order) {
        matching[i] = j;
    }
    matching
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_dimensional_pairs_cost_the_exact_optimum() {
        use crate::metrics::transport_cost;
        use rand::SeedableRng as _;
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        for n in [1, 2, 7, 64, 256] {
            let z = crate::target::standard_normal(n, 1, &mut rng);
            let mut x0 = crate::target::standard_normal(n, 1, &mut rng);
            for v in &mut x0.data {
                *v += 3.0 * v.signum();
            }
            let sorted = ot_pair(&z, &x0);
            let exact = x0.gather(&optimal_matching(&z, &x0));
            let (fast, best) = (transport_cost(&z, &sorted), transport_cost(&z, &exact));
            assert!(
                (fast - best).abs() <= 1e-9 * best.max(1.0),
                "n {n}: {fast} vs {best}"
            );
            // A pairing that is not a permutation of x0 could undercut the optimum.
            let mut a = sorted.data.clone();
            let mut b = x0.data.clone();
            a.sort_by(f32::total_cmp);
            b.sort_by(f32::total_cmp);
            assert_eq!(a, b);
        }
    }

    #[test]
    fn warm_started_pairings_cost_the_exact_optimum_batch_after_batch() {
        use crate::metrics::transport_cost;
        use rand::SeedableRng as _;
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        let mut pairing = OtPairing::new();
        for name in ["two-far", "eight-gaussians", "moons", "two-far"] {
            let target = crate::target::presets::preset(name).expect("preset");
            for n in [256, 256, 100, 256] {
                let z = crate::target::standard_normal(n, 2, &mut rng);
                let x0 = target.sample(n, &mut rng);
                let warm = pairing.pair(&z, &x0);
                let cold = x0.gather(&crate::metrics::optimal_matching_from(
                    &z,
                    &x0,
                    crate::metrics::Start::ColumnReduction,
                ));
                let (fast, best) = (transport_cost(&z, &warm), transport_cost(&z, &cold));
                assert!(
                    (fast - best).abs() <= 1e-9 * best,
                    "{name} n {n}: {fast} vs {best}"
                );
                let mut a = warm.data.clone();
                let mut b = x0.data.clone();
                a.sort_by(f32::total_cmp);
                b.sort_by(f32::total_cmp);
                assert_eq!(a, b, "{name} n {n}: not a permutation of the data");
            }
        }
    }

    #[test]
    fn crossing_pairs_are_uncrossed() {
        let z = Points::new(1, vec![-1.0, 1.0]);
        let x0 = Points::new(1, vec![2.0, -2.0]);
        assert_eq!(ot_pair(&z, &x0).data, vec![-2.0, 2.0]);
    }
}
