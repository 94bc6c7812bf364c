//! Column prices carried from one assignment to the next when the problems are alike: OT-CFM
//! pairs batch after batch of noise with data drawn from the same two distributions, so the
//! optimal prices of one batch say much about those of the next.
//!
//! The prices are carried through the points, not the indices (the next batch's points are
//! new ones): two c-transforms, the first giving each new row its best value against the
//! previous columns at their prices (`u_i = min_k ‖a_i − y_k‖² − v_k`), the second each new
//! column the price that makes some row's reduced cost zero and none negative
//! (`v_j = min_i c_ij − u_i`). That is a feasible dual of the new problem near the
//! semi-discrete optimum both batches sample. The auction then starts at a finer ε and bids
//! less; the exact phase owes the start nothing for its correctness.

use crate::Points;

/// The previous problem's columns and their optimal prices (the solver's convention: row i
/// prefers the column with the least `cost(i, j) − v_j`).
#[derive(Clone, Debug, Default)]
pub struct WarmStart {
    /// The previous columns' coordinates, one axis after another.
    axes: Vec<Vec<f64>>,
    /// Their prices.
    prices: Vec<f64>,
    /// The cost matrices of the last problem, `f64` and rounded, kept for the next one (fresh
    /// ones were zeroed page by page: about 3 % of a 256-point pairing's profile).
    buffers: (Vec<f64>, Vec<u16>),
}

impl WarmStart {
    /// No previous problem: the first solve starts cold.
    pub fn new() -> Self {
        Self::default()
    }

    /// Prices for the columns of a problem with rows `a` and squared-distance costs `cost`
    /// (`a.len()` rows, row-major), from the previous problem (`None`: there is none, or it
    /// had another dimension).
    pub(crate) fn prices_for(&self, a: &Points, cost: &[f64]) -> Option<Vec<f64>> {
        if self.prices.is_empty() || self.axes.len() != a.dim || a.is_empty() {
            return None;
        }
        let m = cost.len() / a.len();
        let mut v = vec![f64::INFINITY; m];
        let mut distance = vec![0.0f64; self.prices.len()];
        for (p, row) in a.rows().zip(cost.chunks_exact(m)) {
            let u = best_value(p, &self.axes, &self.prices, &mut distance);
            lower_prices(row, u, &mut v);
        }
        v.iter().all(|x| x.is_finite()).then_some(v)
    }

    /// Keeps `b`'s points and their optimal prices `v` for the next problem.
    pub(crate) fn keep(&mut self, b: &Points, v: Vec<f64>) {
        self.axes = (0..b.dim)
            .map(|k| b.rows().map(|q| f64::from(q[k])).collect())
            .collect();
        self.prices = v;
    }

    /// The buffers for a problem's cost matrices (give them back with
    /// [`Self::return_buffers`]).
    pub(crate) fn take_buffers(&mut self) -> (Vec<f64>, Vec<u16>) {
        std::mem::take(&mut self.buffers)
    }

    /// Keeps the buffers for the next problem.
    pub(crate) fn return_buffers(&mut self, cost: Vec<f64>, rounded: Vec<u16>) {
        self.buffers = (cost, rounded);
    }

    /// Forgets the previous problem (its prices would mislead: a diverged batch).
    pub(crate) fn clear(&mut self) {
        self.axes.clear();
        self.prices.clear();
    }
}

crate::flow::fused::simd::widest_fn! {
    /// `min_k ‖p − y_k‖² − v_k` over the previous columns `y` (by axes) at prices `v`;
    /// `distance` is scratch of their length.
    fn best_value(p: &[f32], axes: &[Vec<f64>], v: &[f64], distance: &mut [f64]) -> f64
        = best_value_body;
}

#[inline(always)]
fn best_value_body(p: &[f32], axes: &[Vec<f64>], v: &[f64], distance: &mut [f64]) -> f64 {
    for (d, &price) in distance.iter_mut().zip(v) {
        *d = -price;
    }
    for (&pk, axis) in p.iter().zip(axes) {
        let pk = f64::from(pk);
        for (d, &qk) in distance.iter_mut().zip(axis) {
            *d += (pk - qk) * (pk - qk);
        }
    }
    // In eight independent lanes, so the minimum vectorises too.
    const L: usize = 8;
    let mut least = [f64::INFINITY; L];
    let (chunks, tail) = distance.as_chunks::<L>();
    for c in chunks {
        for k in 0..L {
            least[k] = if c[k] < least[k] { c[k] } else { least[k] };
        }
    }
    least
        .iter()
        .chain(tail)
        .fold(f64::INFINITY, |m, &d| if d < m { d } else { m })
}

crate::flow::fused::simd::widest_fn! {
    /// `v_j ← min(v_j, row_j − u)` for every column.
    fn lower_prices(row: &[f64], u: f64, v: &mut [f64]) -> () = lower_prices_body;
}

#[inline(always)]
fn lower_prices_body(row: &[f64], u: f64, v: &mut [f64]) {
    for (x, &c) in v.iter_mut().zip(row) {
        let candidate = c - u;
        *x = if candidate < *x { candidate } else { *x };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{Start, optimal_matching_from, optimal_matching_warm, squared_distances};
    use rand::SeedableRng as _;
    use rand::rngs::StdRng;

    fn batch(rng: &mut StdRng, n: usize) -> (Points, Points) {
        let target = crate::target::presets::preset("eight-gaussians").expect("preset");
        (
            crate::target::standard_normal(n, 2, rng),
            target.sample(n, rng),
        )
    }

    fn total(a: &Points, b: &Points, m: &[usize]) -> f64 {
        m.iter()
            .enumerate()
            .map(|(i, &j)| crate::metrics::squared_distance(a.row(i), b.row(j)))
            .sum()
    }

    #[test]
    fn carried_prices_are_a_feasible_dual_tight_on_every_column() {
        let rng = &mut StdRng::seed_from_u64(11);
        let mut warm = WarmStart::new();
        let (a, b) = batch(rng, 120);
        assert_eq!(warm.prices_for(&a, &squared_distances(&a, &b)), None);
        optimal_matching_warm(&a, &b, &mut warm);
        let (a, b) = batch(rng, 90);
        let cost = squared_distances(&a, &b);
        let v = warm.prices_for(&a, &cost).expect("prices");
        assert_eq!(v.len(), 90);
        // u_i = min_j c_ij − v_j; every column is some row's least (v_j = min_i c_ij − u_i).
        let u: Vec<f64> = (0..90)
            .map(|i| {
                (0..90)
                    .map(|j| cost[i * 90 + j] - v[j])
                    .fold(f64::INFINITY, f64::min)
            })
            .collect();
        for j in 0..90 {
            let slack = (0..90)
                .map(|i| cost[i * 90 + j] - v[j] - u[i])
                .fold(f64::INFINITY, f64::min);
            assert!(slack.abs() < 1e-9, "column {j}: slack {slack}");
        }
        // The dual bound they give is below the optimum and near it (cold prices, all 0,
        // give Σ min_j c_ij only).
        let best = total(
            &a,
            &b,
            &optimal_matching_from(&a, &b, Start::ColumnReduction),
        );
        let bound: f64 = u.iter().sum::<f64>() + v.iter().sum::<f64>();
        let cold: f64 = (0..90)
            .map(|i| {
                (0..90)
                    .map(|j| cost[i * 90 + j])
                    .fold(f64::INFINITY, f64::min)
            })
            .sum();
        assert!(bound <= best * (1.0 + 1e-12), "{bound} > {best}");
        assert!(best - bound < 0.5 * (best - cold), "{bound} {cold} {best}");
    }

    #[test]
    fn a_batch_with_nan_is_matched_and_forgotten() {
        let rng = &mut StdRng::seed_from_u64(12);
        let mut warm = WarmStart::new();
        let (a, b) = batch(rng, 64);
        optimal_matching_warm(&a, &b, &mut warm);
        let (a, mut b) = batch(rng, 64);
        b.data[5] = f32::NAN;
        let m = optimal_matching_warm(&a, &b, &mut warm);
        let mut seen = [false; 64];
        for &j in &m {
            assert!(j < 64 && !seen[j], "not a permutation");
            seen[j] = true;
        }
        assert!(warm.prices.is_empty());
        let (a, b) = batch(rng, 64);
        let exact = total(
            &a,
            &b,
            &optimal_matching_from(&a, &b, Start::ColumnReduction),
        );
        let got = total(&a, &b, &optimal_matching_warm(&a, &b, &mut warm));
        assert!((got - exact).abs() <= 1e-9 * exact, "{got} vs {exact}");
    }
}
