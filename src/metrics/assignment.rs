//! Exact minimum-cost one-to-one assignment: the Jonker–Volgenant algorithm on a dense cost
//! matrix — a start (column reduction, or the auction's near-optimal prices), then a
//! shortest augmenting path (Dijkstra on reduced costs) for each row still free. Each step
//! of a path search relaxes every column in one branch-free pass that also picks the next
//! column to settle, so it runs eight `f64` columns per instruction on AVX-512 (measured on
//! OT-CFM's 256-point batches from the same auction prices: the searches fell from a quarter
//! of a pairing's profile to 4 %, beside the list-based search that skipped settled columns
//! one at a time). Worst case O(n³) like the Hungarian method.
//!
//! LAPJV's augmenting row reduction is left out on purpose: on squared-distance costs its
//! price decrements are tiny and it cycles for longer than the paths it saves (measured: 2.4 s
//! of reduction to save 0.7 s of paths at n = 2000).

use super::WarmStart;
use crate::Points;
use crate::flow::fused::simd::widest_fn;

/// `‖p − q‖²`, accumulated in f64.
pub fn squared_distance(p: &[f32], q: &[f32]) -> f64 {
    p.iter().zip(q).map(|(a, b)| f64::from(a - b).powi(2)).sum()
}

/// For each row of `a`, the row of `b` it is matched with by the one-to-one matching of least
/// total squared distance (exact).
///
/// # Panics
/// If the samples differ in size or dimension (a programming error).
pub fn optimal_matching(a: &Points, b: &Points) -> Vec<usize> {
    optimal_matching_from(a, b, Start::Auction)
}

/// [`optimal_matching`] with the exact phase started by `start` (both give a least-cost
/// matching; they differ in speed).
///
/// # Panics
/// If the samples differ in size or dimension (a programming error).
pub fn optimal_matching_from(a: &Points, b: &Points, start: Start) -> Vec<usize> {
    assert_eq!(a.len(), b.len(), "matching needs samples of the same size");
    let mut cost = squared_distances(a, b);
    if !(a.all_finite() && b.all_finite()) {
        // A diverged model's samples: no matching of them means anything (the distances
        // through them are not finite either), but the solver needs finite costs to end.
        make_finite(&mut cost);
    }
    Lapjv::new(a.len(), &cost).solve(start)
}

/// [`optimal_matching`] from the prices of the problem `warm` kept, which it then replaces.
///
/// For a run of alike problems, as OT-CFM's batches are: the result is the same exact
/// optimum, sooner.
///
/// # Panics
/// If the samples differ in size or dimension (a programming error).
pub fn optimal_matching_warm(a: &Points, b: &Points, warm: &mut WarmStart) -> Vec<usize> {
    assert_eq!(a.len(), b.len(), "matching needs samples of the same size");
    let (mut cost, mut rounded) = warm.take_buffers();
    squared_distances_into(a, b, &mut cost);
    let matching = if a.all_finite() && b.all_finite() {
        let start = warm.prices_for(a, &cost);
        let (matching, prices) =
            Lapjv::new(a.len(), &cost).solve_from(start.as_deref(), &mut rounded);
        warm.keep(b, prices);
        matching
    } else {
        // As in `optimal_matching_from`; and these prices would mislead the next problem.
        make_finite(&mut cost);
        warm.clear();
        Lapjv::new(a.len(), &cost).solve_from(None, &mut rounded).0
    };
    warm.return_buffers(cost, rounded);
    matching
}

/// Replaces every cost that is not finite by one above all the finite ones.
fn make_finite(cost: &mut [f64]) {
    if cost.iter().all(|c| c.is_finite()) {
        return;
    }
    let big = cost
        .iter()
        .filter(|c| c.is_finite())
        .fold(0.0f64, |m, &c| m.max(c))
        * 2.0
        + 1.0;
    for c in cost.iter_mut().filter(|c| !c.is_finite()) {
        *c = big;
    }
}

/// Every `‖a_i − b_j‖²` ([`squared_distance`], to the bit), row after row: the cost matrix
/// of matching `a` with `b`, computed a coordinate at a time over a whole row of `b` so the
/// loop vectorises.
///
/// # Panics
/// If the samples differ in dimension (a programming error).
pub fn squared_distances(a: &Points, b: &Points) -> Vec<f64> {
    let mut out = Vec::new();
    squared_distances_into(a, b, &mut out);
    out
}

/// [`squared_distances`] written over `out` (a buffer kept between problems: its pages are
/// not zeroed again).
fn squared_distances_into(a: &Points, b: &Points, out: &mut Vec<f64>) {
    assert_eq!(a.dim, b.dim, "distances need samples of one dimension");
    let (dim, m) = (b.dim, b.len());
    // b's coordinates, one axis after the other.
    let axes: Vec<Vec<f32>> = (0..dim).map(|k| b.rows().map(|q| q[k]).collect()).collect();
    out.clear();
    out.resize(a.len() * m, 0.0);
    if m == 0 {
        return;
    }
    for (p, row) in a.rows().zip(out.chunks_exact_mut(m)) {
        for (&pk, axis) in p.iter().zip(&axes) {
            add_squares(row, pk, axis);
        }
    }
}

widest_fn! {
    /// `row[j] += (pk − axis[j])²`, in f64 (compiled for the widest vector unit: at
    /// baseline this pass took a tenth of an OT-CFM pairing).
    fn add_squares(row: &mut [f64], pk: f32, axis: &[f32]) -> () = add_squares_body;
}

#[inline(always)]
fn add_squares_body(row: &mut [f64], pk: f32, axis: &[f32]) {
    for (acc, &qk) in row.iter_mut().zip(axis) {
        let d = f64::from(pk - qk);
        *acc += d * d;
    }
}

/// For an `n × n` cost given by `cost(i, j)`, the column assigned to each row so that the
/// total cost is minimal.
pub fn min_cost_assignment(n: usize, cost: impl Fn(usize, usize) -> f64) -> Vec<usize> {
    min_cost_assignment_from(n, cost, Start::Auction)
}

/// [`min_cost_assignment`] with the exact phase started by `start` (both give a least-cost
/// assignment; they differ in speed).
pub fn min_cost_assignment_from(
    n: usize,
    cost: impl Fn(usize, usize) -> f64,
    start: Start,
) -> Vec<usize> {
    let mut matrix: Vec<f64> = (0..n * n).map(|k| cost(k / n, k % n)).collect();
    make_finite(&mut matrix);
    Lapjv::new(n, &matrix).solve(start)
}

/// How the exact phase is started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// JV's column reduction (every column's cheapest row).
    ColumnReduction,
    /// The auction's near-optimal prices ([`super::auction`]), each row on its cheapest
    /// column at those prices where no other row took it first.
    Auction,
}

/// The state of one solve. `NONE` marks an unassigned row or column.
struct Lapjv<'a> {
    n: usize,
    cost: &'a [f64],
    /// Column of each row.
    x: Vec<usize>,
    /// Row of each column.
    y: Vec<usize>,
    /// Column prices (dual variables).
    v: Vec<f64>,
}

const NONE: usize = usize::MAX;

impl<'a> Lapjv<'a> {
    fn new(n: usize, cost: &'a [f64]) -> Self {
        Self {
            n,
            cost,
            x: vec![NONE; n],
            y: vec![NONE; n],
            v: vec![f64::INFINITY; n],
        }
    }

    fn row(&self, i: usize) -> &'a [f64] {
        &self.cost[i * self.n..(i + 1) * self.n]
    }

    fn solve(mut self, start: Start) -> Vec<usize> {
        if self.n == 0 {
            return Vec::new();
        }
        let free = match start {
            Start::ColumnReduction => self.column_reduction(),
            Start::Auction => return self.solve_from(None, &mut Vec::new()).0,
        };
        self.augment_all(free);
        self.x
    }

    /// Solves from the auction's prices bid from `start` (see
    /// [`super::auction::auction_prices_from`], its rounded costs in `scratch`); returns the
    /// assignment and its optimal column prices.
    fn solve_from(
        mut self,
        start: Option<&[f64]>,
        scratch: &mut Vec<u16>,
    ) -> (Vec<usize>, Vec<f64>) {
        if self.n == 0 {
            return (Vec::new(), Vec::new());
        }
        self.v = super::auction::auction_prices_from(self.n, self.cost, start, scratch);
        let free = self.cheapest_columns();
        self.augment_all(free);
        (self.x, self.v)
    }

    /// Assigns each of the `free` rows along a shortest augmenting path.
    fn augment_all(&mut self, free: Vec<usize>) {
        let mut work = Work::new(self.n);
        for i in free {
            self.augment(i, &mut work);
        }
    }

    /// Each row takes its cheapest column at the current prices unless a row before it
    /// did (so every assigned row sits on a least reduced cost, as the path searches need).
    /// Returns the rows left free.
    fn cheapest_columns(&mut self) -> Vec<usize> {
        let mut free = Vec::new();
        let mut reduced = vec![0.0; self.n];
        for i in 0..self.n {
            for ((r, &c), &v) in reduced.iter_mut().zip(self.row(i)).zip(&self.v) {
                *r = c - v;
            }
            let (best_j, _) = least_of(&reduced);
            if best_j != NONE && self.y[best_j] == NONE {
                self.x[i] = best_j;
                self.y[best_j] = i;
            } else {
                free.push(i);
            }
        }
        free
    }

    /// Each column goes to its cheapest row; rows that won several keep the last, and the
    /// price of a row's only column is lowered by the row's second-best reduced cost.
    /// Returns the rows left free.
    fn column_reduction(&mut self) -> Vec<usize> {
        let n = self.n;
        let mut best_row = vec![0usize; n];
        for i in 0..n {
            for (j, &c) in self.row(i).iter().enumerate() {
                if c < self.v[j] {
                    self.v[j] = c;
                    best_row[j] = i;
                }
            }
        }
        let mut unique = vec![true; n];
        for j in (0..n).rev() {
            let i = best_row[j];
            if self.x[i] == NONE {
                self.x[i] = j;
                self.y[j] = i;
            } else {
                unique[i] = false;
            }
        }
        let mut free = Vec::new();
        for (i, &unique_row) in unique.iter().enumerate() {
            let j = self.x[i];
            if j == NONE {
                free.push(i);
            } else if unique_row {
                let row = self.row(i);
                let min = (0..n)
                    .filter(|&k| k != j)
                    .map(|k| row[k] - self.v[k])
                    .fold(f64::INFINITY, f64::min);
                if min.is_finite() {
                    self.v[j] -= min;
                }
            }
        }
        free
    }

    /// Assigns free row `start` along a shortest augmenting path (Dijkstra on reduced
    /// costs), updating the prices of the columns it settled.
    ///
    /// Dense: every step relaxes all `n` columns in one branch-free pass that also finds the
    /// next column to settle, so the pass vectorises (a settled column's working price is
    /// −∞, which makes its reduced cost +∞: it is never relaxed again).
    fn augment(&mut self, start: usize, work: &mut Work) {
        let n = self.n;
        work.price.copy_from_slice(&self.v);
        work.pred.fill(start);
        work.settled.clear();
        work.open.fill(f64::INFINITY);
        let (mut j, mut min) = relax(self.row(start), 0.0, start, work);
        let end = loop {
            if self.y[j] == NONE {
                break j;
            }
            work.settled.push((j, min));
            work.price[j] = f64::NEG_INFINITY;
            work.open[j] = f64::INFINITY;
            let i = self.y[j];
            let row = self.row(i);
            // The edge (i, j) has reduced cost 0: paths through i start at j's distance.
            let h = row[j] - self.v[j] - min;
            (j, min) = relax(row, h, i, work);
            debug_assert!(j < n, "a free column is always reachable");
        };
        for &(k, d) in &work.settled {
            self.v[k] += d - min;
        }
        let mut j = end;
        loop {
            let i = work.pred[j];
            self.y[j] = i;
            let next = std::mem::replace(&mut self.x[i], j);
            if i == start {
                break;
            }
            j = next;
        }
    }
}

/// Scratch space of the path searches, kept between them.
struct Work {
    /// Working column prices: the real ones, −∞ once settled.
    price: Vec<f64>,
    /// Distance of each column not yet settled (+∞ once settled).
    open: Vec<f64>,
    /// The row each column was reached from.
    pred: Vec<usize>,
    /// The settled columns of this search, with their distances.
    settled: Vec<(usize, f64)>,
}

impl Work {
    fn new(n: usize) -> Self {
        Self {
            price: vec![0.0; n],
            open: vec![f64::INFINITY; n],
            pred: vec![0; n],
            settled: Vec::with_capacity(n),
        }
    }
}

/// f64 columns per step of the relaxing pass (one AVX-512 register; fixed whatever the CPU,
/// so every machine settles the same columns).
const RELAX_LANES: usize = 8;

crate::flow::fused::simd::widest_fn! {
    /// Relaxes every open column through row `i` (`row[k] − price[k] − h`) and returns the
    /// open column at the least distance (the first such) and that distance.
    fn relax(row: &[f64], h: f64, i: usize, work: &mut Work) -> (usize, f64) = relax_lanes;
}

#[inline(always)]
fn relax_lanes(row: &[f64], h: f64, i: usize, work: &mut Work) -> (usize, f64) {
    const L: usize = RELAX_LANES;
    let n = row.len();
    let (price, open, pred) = (&work.price[..n], &mut work.open[..n], &mut work.pred[..n]);
    // Relax and pick the least in one pass (compares and blends, no branches), each chunk's
    // new distances still in registers when the lanes' least takes them: 0.418 -> about 0.405
    // ms a two-far pairing against a second pass over the row. Each chunk is written back
    // whole from arrays: blending in place, the compiler turned the blends into branches
    // (0.87 ms).
    let mut lanes = Lanes::new();
    let (rows, row_tail) = row.as_chunks::<L>();
    let (prices, price_tail) = price.as_chunks::<L>();
    let (opens, open_tail) = open.as_chunks_mut::<L>();
    let (preds, pred_tail) = pred.as_chunks_mut::<L>();
    for (((c, p), o), r) in rows.iter().zip(prices).zip(opens).zip(preds) {
        let mut fresh = [0.0; L];
        let mut from = [0usize; L];
        for k in 0..L {
            let reduced = c[k] - p[k] - h;
            // All ones where the path through row i is shorter (a compare and two blends).
            let shorter = usize::from(reduced < o[k]).wrapping_neg();
            fresh[k] = if reduced < o[k] { reduced } else { o[k] };
            from[k] = (i & shorter) | (r[k] & !shorter);
        }
        *o = fresh;
        *r = from;
        lanes.take(&fresh);
    }
    for (((&c, &p), o), r) in row_tail
        .iter()
        .zip(price_tail)
        .zip(open_tail.iter_mut())
        .zip(pred_tail.iter_mut())
    {
        let reduced = c - p - h;
        if reduced < *o {
            *o = reduced;
            *r = i;
        }
    }
    lanes.least(open_tail, n - open_tail.len())
}

crate::flow::fused::simd::widest_fn! {
    /// The least of `values` and the first index holding it (`usize::MAX` if none is
    /// finite).
    fn least_of(values: &[f64]) -> (usize, f64) = least;
}

/// The least of `values` and the first index holding it (`usize::MAX` if none is finite),
/// scanned in [`RELAX_LANES`] independent lanes.
#[inline(always)]
fn least(values: &[f64]) -> (usize, f64) {
    let mut lanes = Lanes::new();
    let (chunks, tail) = values.as_chunks::<RELAX_LANES>();
    for v in chunks {
        lanes.take(v);
    }
    lanes.least(tail, values.len() - tail.len())
}

/// The least value seen in each of [`RELAX_LANES`] lanes and the first index holding it:
/// chunk after chunk of a row, without branches.
struct Lanes {
    best: [f64; RELAX_LANES],
    at: [u64; RELAX_LANES],
    /// The indices of the next chunk.
    column: [u64; RELAX_LANES],
}

impl Lanes {
    #[inline(always)]
    fn new() -> Self {
        let mut column = [0u64; RELAX_LANES];
        for (k, c) in column.iter_mut().enumerate() {
            *c = k as u64;
        }
        Self {
            best: [f64::INFINITY; RELAX_LANES],
            at: [0; RELAX_LANES],
            column,
        }
    }

    /// Takes the next chunk of values.
    #[inline(always)]
    fn take(&mut self, v: &[f64; RELAX_LANES]) {
        for (k, &v) in v.iter().enumerate() {
            let better = u64::from(v < self.best[k]).wrapping_neg();
            self.at[k] = (self.column[k] & better) | (self.at[k] & !better);
            self.best[k] = if v < self.best[k] { v } else { self.best[k] };
            self.column[k] += RELAX_LANES as u64;
        }
    }

    /// The least over the lanes and the `tail` of values after them (the first at index
    /// `first`), and the first index holding it (`usize::MAX` if none is finite).
    #[inline(always)]
    fn least(self, tail: &[f64], first: usize) -> (usize, f64) {
        let Self { best, at, .. } = self;
        let mut lanes = best;
        for width in [4, 2, 1] {
            for k in 0..width {
                lanes[k] = if lanes[k + width] < lanes[k] {
                    lanes[k + width]
                } else {
                    lanes[k]
                };
            }
        }
        let mut b = lanes[0];
        let mut lowest = [u64::MAX; RELAX_LANES];
        for k in 0..RELAX_LANES {
            lowest[k] = if best[k] == b { at[k] } else { u64::MAX };
        }
        for width in [4, 2, 1] {
            for k in 0..width {
                lowest[k] = lowest[k].min(lowest[k + width]);
            }
        }
        let mut j = if b.is_finite() {
            lowest[0] as usize
        } else {
            usize::MAX
        };
        for (k, &v) in tail.iter().enumerate() {
            if v < b {
                b = v;
                j = first + k;
            }
        }
        (j, b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng as _, SeedableRng as _};

    /// The O(n³) Hungarian method (shortest augmenting paths with potentials), kept as the
    /// reference LAPJV is checked against.
    fn hungarian(n: usize, cost: impl Fn(usize, usize) -> f64) -> Vec<usize> {
        // 1-based arrays with a virtual row/column 0, as in the classic formulation.
        let mut u = vec![0.0f64; n + 1];
        let mut v = vec![0.0f64; n + 1];
        let mut row_of_col = vec![0usize; n + 1];
        let mut way = vec![0usize; n + 1];
        let mut min_to = vec![f64::INFINITY; n + 1];
        let mut used = vec![false; n + 1];
        for i in 1..=n {
            row_of_col[0] = i;
            let mut j0 = 0;
            min_to.fill(f64::INFINITY);
            used.fill(false);
            loop {
                used[j0] = true;
                let i0 = row_of_col[j0];
                let mut delta = f64::INFINITY;
                let mut j1 = 0;
                let ui0 = u[i0];
                for j in 1..=n {
                    if !used[j] {
                        let cur = cost(i0 - 1, j - 1) - ui0 - v[j];
                        if cur < min_to[j] {
                            min_to[j] = cur;
                            way[j] = j0;
                        }
                        if min_to[j] < delta {
                            delta = min_to[j];
                            j1 = j;
                        }
                    }
                }
                for j in 0..=n {
                    if used[j] {
                        u[row_of_col[j]] += delta;
                        v[j] -= delta;
                    } else {
                        min_to[j] -= delta;
                    }
                }
                j0 = j1;
                if row_of_col[j0] == 0 {
                    break;
                }
            }
            loop {
                let j1 = way[j0];
                row_of_col[j0] = row_of_col[j1];
                j0 = j1;
                if j0 == 0 {
                    break;
                }
            }
        }
        let mut col_of_row = vec![0usize; n];
        for j in 1..=n {
            if row_of_col[j] > 0 {
                col_of_row[row_of_col[j] - 1] = j - 1;
            }
        }
        col_of_row
    }

    fn total(n: usize, c: &[f64], m: &[usize]) -> f64 {
        let mut seen = vec![false; n];
        for &j in m {
            assert!(j < n && !seen[j], "not a permutation");
            seen[j] = true;
        }
        m.iter().enumerate().map(|(i, &j)| c[i * n + j]).sum()
    }

    /// Checks that both starts reach the Hungarian method's total on the `n × n` cost `c`;
    /// returns that total.
    fn both_starts_reach_the_optimum(n: usize, c: &[f64], what: &str) -> f64 {
        let slow = total(n, c, &hungarian(n, |i, j| c[i * n + j]));
        for start in [Start::Auction, Start::ColumnReduction] {
            let fast = total(
                n,
                c,
                &min_cost_assignment_from(n, |i, j| c[i * n + j], start),
            );
            assert!(
                (fast - slow).abs() < 1e-9 * (1.0 + slow),
                "{what} {start:?}: {fast} vs {slow}"
            );
        }
        slow
    }

    #[test]
    fn matches_the_hungarian_method_on_random_and_tied_costs() {
        let mut rng = StdRng::seed_from_u64(5);
        for trial in 0..60 {
            let n = [1, 2, 3, 8, 31, 100, 257][trial % 7];
            // Every third trial has small integer costs: many ties.
            let c: Vec<f64> = (0..n * n)
                .map(|_| {
                    if trial % 3 == 0 {
                        f64::from(rng.random_range(0..4u8))
                    } else {
                        rng.random_range(0.0..10.0)
                    }
                })
                .collect();
            both_starts_reach_the_optimum(n, &c, &format!("trial {trial}"));
        }
    }

    #[test]
    fn every_minibatch_ot_pairing_costs_the_exact_optimum() {
        // OT-CFM's problem: 256 noise points against 256 data points, on the presets whose
        // modes make column reduction slow; both starts against the Hungarian method.
        for (name, seeds) in [
            ("two-far", 0..6),
            ("eight-gaussians", 6..12),
            ("moons", 12..15),
        ] {
            let target = crate::target::presets::preset(name).expect("preset");
            for seed in seeds {
                let rng = &mut StdRng::seed_from_u64(seed);
                let n = 256;
                let x0 = target.sample(n, rng);
                let z = crate::target::standard_normal(n, target.dim, rng);
                let c: Vec<f64> = (0..n * n)
                    .map(|k| squared_distance(z.row(k / n), x0.row(k % n)))
                    .collect();
                let slow = both_starts_reach_the_optimum(n, &c, &format!("{name} seed {seed}"));
                // The pairing OT-CFM trains on is this optimum.
                let paired = crate::flow::ot_pair(&z, &x0);
                let cost: f64 = (0..n)
                    .map(|i| squared_distance(z.row(i), paired.row(i)))
                    .sum();
                assert!((cost - slow).abs() < 1e-9 * slow, "{name} seed {seed}");
            }
        }
    }

    #[test]
    fn the_cost_matrix_is_every_squared_distance_to_the_bit() {
        let mut rng = StdRng::seed_from_u64(7);
        for (dim, rows, columns) in [(1, 5, 19), (2, 33, 17), (3, 4, 40), (2, 0, 3), (2, 3, 0)] {
            let mut points = |n: usize| {
                Points::new(
                    dim,
                    (0..n * dim).map(|_| rng.random_range(-4.0..4.0)).collect(),
                )
            };
            let (a, b) = (points(rows), points(columns));
            let matrix = squared_distances(&a, &b);
            assert_eq!(matrix.len(), rows * columns);
            for (k, &c) in matrix.iter().enumerate() {
                let expected = squared_distance(a.row(k / columns), b.row(k % columns));
                assert_eq!(c.to_bits(), expected.to_bits(), "dim {dim} entry {k}");
            }
        }
    }

    #[test]
    fn samples_with_nan_or_infinity_still_get_a_permutation() {
        let mut rng = StdRng::seed_from_u64(8);
        for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            let mut points = |n: usize| {
                Points::new(2, (0..2 * n).map(|_| rng.random_range(-3.0..3.0)).collect())
            };
            let (mut a, mut b) = (points(40), points(40));
            a.data[6] = bad;
            b.data[11] = bad;
            b.data[30] = bad;
            for start in [Start::Auction, Start::ColumnReduction] {
                let m = optimal_matching_from(&a, &b, start);
                let mut seen = [false; 40];
                for &j in &m {
                    assert!(j < 40 && !seen[j], "{bad} {start:?}: not a permutation");
                    seen[j] = true;
                }
            }
        }
    }

    #[test]
    fn matches_the_hungarian_method_on_point_clouds() {
        let mut rng = StdRng::seed_from_u64(6);
        for n in [50, 400] {
            let p: Vec<(f64, f64)> = (0..2 * n)
                .map(|_| (rng.random_range(-3.0..3.0), rng.random_range(-3.0..3.0)))
                .collect();
            let c: Vec<f64> = (0..n * n)
                .map(|k| {
                    let (a, b) = (p[k / n], p[n + k % n]);
                    (a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)
                })
                .collect();
            let fast = total(n, &c, &min_cost_assignment(n, |i, j| c[i * n + j]));
            let slow = total(n, &c, &hungarian(n, |i, j| c[i * n + j]));
            assert!(
                (fast - slow).abs() < 1e-9 * (1.0 + slow),
                "n {n}: {fast} vs {slow}"
            );
        }
    }
}
