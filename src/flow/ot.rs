//! Minibatch optimal-transport coupling (OT-CFM): pair a batch of noise with a batch of data
//! by an exact optimal assignment before drawing the straight lines between them.

use crate::Points;
use crate::metrics::optimal_matching;

/// `x0`'s rows reordered so that row i goes with row i of `z` and the total squared distance
/// `Σ ‖z_i − x0_i‖²` is the least any one-to-one pairing of the two batches has.
///
/// # Panics
/// If the batches differ in size or dimension (a programming error).
pub fn ot_pair(z: &Points, x0: &Points) -> Points {
    x0.gather(&optimal_matching(z, x0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crossing_pairs_are_uncrossed() {
        let z = Points::new(1, vec![-1.0, 1.0]);
        let x0 = Points::new(1, vec![2.0, -2.0]);
        assert_eq!(ot_pair(&z, &x0).data, vec![-2.0, 2.0]);
    }
}
