//! Near-optimal column prices for an assignment problem by Bertsekas's auction with
//! ε-scaling: the warm start that lets the exact shortest-augmenting-path phase
//! ([`super::assignment`]) finish in a few short searches instead of one long search per row.
//!
//! Rows bid for their cheapest column (cost plus price), raising its price by the gap to
//! their second choice plus ε; an outbid row bids again. At the end of a phase every row
//! holds a column within ε of its best, so the prices are within `n·ε` of optimal duals.
//! Starting with a large ε and shrinking it keeps the bidding wars short. The auction alone
//! is only ε-optimal, and it runs in `f32` (sixteen columns per instruction with AVX-512,
//! eight with AVX2): its prices are a starting point, and the exact phase, in `f64`, owes them
//! nothing for its correctness.

use crate::flow::fused::simd::widest_fn;

/// Shrink factor of ε between phases.
const EPSILON_SHRINK: f32 = 4.0;

/// The last phase's ε as a share of the cost range: the exact phase repairs what is left.
/// Measured on OT-CFM batches of 256 (two-far, eight-gaussians, moons; ms per pairing): 1e-5
/// 0.59–0.61, 1e-4 0.53–0.57, 3e-4 0.48–0.50, 1e-3 0.47–0.54, 3e-3 0.55–0.67. Finer phases
/// cost more bids than the repairs they save, coarser ones leave longer repairs. (With the
/// list-based path search of before, 1e-5 was best: the repairs were slower.)
const FINAL_EPSILON_SHARE: f32 = 3e-4;

/// The first phase's ε as a share of the cost range, from zero prices.
const COLD_START_SHARE: f32 = 0.25;

/// The first phase's ε as a share of the cost range, from a warm start. Measured on OT-CFM
/// batches of 256 warm-started from the batch before (two-far, eight-gaussians, moons; ms per
/// pairing, cold 0.54–0.62): 0.03 0.53–0.56, 0.01 0.47–0.53, 0.003 0.46–0.50, 0.001
/// 0.54–0.61, 0.0003 (one phase) 0.85–1.09.
const WARM_START_SHARE: f32 = 0.003;

/// Columns compared per step of the bid's scan (one AVX-512 register of `f32`, two of
/// AVX2). Fixed whatever the CPU, so every machine bids the same way.
const LANES: usize = 16;

/// Column prices in the sign convention of the shortest-path phase (`v_j`, subtracted from
/// the cost: row i prefers the column with the least `cost(i, j) − v_j`), bid from `start`
/// if given (a warm start: near-optimal prices of a similar problem in the same convention,
/// see [`super::warm_start`]; the bidding then begins at a finer ε, [`WARM_START_SHARE`] of
/// the cost range, and takes fewer phases), with the `f32` costs in `scratch` (kept from one
/// problem to the next, so no page of it is zeroed again). A start that is not finite or of
/// the wrong size is ignored.
pub(crate) fn auction_prices_from(
    n: usize,
    cost: &[f64],
    start: Option<&[f64]>,
    scratch: &mut Vec<f32>,
) -> Vec<f64> {
    let (low, high) = bounds(cost);
    let range = (high - low) as f32;
    if n < 2 || !range.is_finite() || range <= 0.0 {
        return vec![0.0; n];
    }
    // Shifted to start at 0, so f32 keeps the differences that matter.
    scratch.clear();
    shifted(cost, low, scratch);
    let cost = &scratch[..];
    // Auction prices p_j are added to the cost: v_j = −p_j. A start is shifted so its least
    // price is 0 (only differences of prices matter), which keeps it within f32's reach.
    let start = start
        .filter(|v| v.len() == n && v.iter().all(|x| x.is_finite()))
        .map(|v| {
            let top = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            v.iter().map(|&x| (top - x) as f32).collect::<Vec<f32>>()
        });
    let price = match start {
        Some(price) => bid_phases(n, cost, range, price, WARM_START_SHARE),
        None => bid_phases(n, cost, range, vec![0.0; n], COLD_START_SHARE),
    };
    price.iter().map(|&p| -f64::from(p)).collect()
}

widest_fn! {
    /// The least and greatest cost (NaNs are skipped).
    fn bounds(cost: &[f64]) -> (f64, f64) = bounds_body;
}

#[inline(always)]
fn bounds_body(cost: &[f64]) -> (f64, f64) {
    // Two lanes of eight for each bound: one zmm register each on AVX-512 (one loop for both
    // bounds was compiled to shuffles and mask shifts, an eighth of a pairing's time).
    const L: usize = 16;
    let mut low = [f64::INFINITY; L];
    let mut high = [f64::NEG_INFINITY; L];
    let (chunks, tail) = cost.as_chunks::<L>();
    for c in chunks {
        for k in 0..L {
            low[k] = lesser(c[k], low[k]);
        }
    }
    for c in chunks {
        for k in 0..L {
            high[k] = greater(c[k], high[k]);
        }
    }
    let low = low
        .iter()
        .chain(tail)
        .fold(f64::INFINITY, |m, &c| lesser(c, m));
    let high = high
        .iter()
        .chain(tail)
        .fold(f64::NEG_INFINITY, |m, &c| greater(c, m));
    (low, high)
}

widest_fn! {
    /// `cost − low` in `f32`, appended to `out`.
    fn shifted(cost: &[f64], low: f64, out: &mut Vec<f32>) -> () = shifted_body;
}

#[inline(always)]
fn shifted_body(cost: &[f64], low: f64, out: &mut Vec<f32>) {
    out.extend(cost.iter().map(|&c| (c - low) as f32));
}

widest_fn! {
    /// The ε-scaling phases from `price`, the first at an ε of at least `first_share` of the
    /// range; returns the prices.
    fn bid_phases(n: usize, cost: &[f32], range: f32, price: Vec<f32>, first_share: f32)
        -> Vec<f32> = bid_phases_body;
}

#[inline(always)]
fn bid_phases_body(
    n: usize,
    cost: &[f32],
    range: f32,
    mut price: Vec<f32>,
    first_share: f32,
) -> Vec<f32> {
    // From the last ε up by whole factors to at least the first share of the range, so no
    // phase is a short step (a phase costs about as many bids whatever its step).
    let last = range * FINAL_EPSILON_SHARE;
    let mut epsilon = last;
    while epsilon < range * first_share {
        epsilon *= EPSILON_SHRINK;
    }
    let mut owner = vec![usize::MAX; n];
    let mut queue: Vec<usize> = Vec::with_capacity(n);
    loop {
        owner.fill(usize::MAX);
        queue.clear();
        queue.extend((0..n).rev());
        while let Some(i) = queue.pop() {
            let row = &cost[i * n..(i + 1) * n];
            let (best, second, j) = best_two(row, &price);
            price[j] += second - best + epsilon;
            let previous = std::mem::replace(&mut owner[j], i);
            if previous != usize::MAX {
                queue.push(previous);
            }
        }
        if epsilon <= last {
            break;
        }
        epsilon = (epsilon / EPSILON_SHRINK).max(last);
    }
    price
}

/// The least and second least of `row[j] + price[j]` (equal if the least is tied) and the
/// first column at the least, scanned in [`LANES`] independent lanes without branches so the
/// loop vectorises.
///
/// Every sum must be non-negative (the auction's shifted costs and prices are): such `f32`s
/// order as their bit patterns do as `i32`, so the lanes compare and take minima in integer
/// instructions, whose one-cycle latency, against four for `f32` minima, is the length of
/// the scan's dependency chain (measured: a bid about a quarter sooner).
#[inline(always)]
fn best_two(row: &[f32], price: &[f32]) -> (f32, f32, usize) {
    const INFINITY: i32 = f32::INFINITY.to_bits() as i32;
    let key = |v: f32| {
        debug_assert!(!v.is_sign_negative(), "a negative sum: {v}");
        v.to_bits() as i32
    };
    let mut best = [INFINITY; LANES];
    let mut second = [INFINITY; LANES];
    // Each lane's first column at its least.
    let mut at = [0u32; LANES];
    let mut column: [u32; LANES] = std::array::from_fn(|k| k as u32);
    let (rows, row_tail) = row.as_chunks::<LANES>();
    let (prices, price_tail) = price.as_chunks::<LANES>();
    for (c, p) in rows.iter().zip(prices) {
        for k in 0..LANES {
            let v = key(c[k] + p[k]);
            // All ones where v is the lane's new least (a vector compare and a blend).
            let better = u32::from(v < best[k]).wrapping_neg();
            second[k] = second[k].min(best[k].max(v));
            at[k] = (column[k] & better) | (at[k] & !better);
            best[k] = best[k].min(v);
            column[k] += LANES as u32;
        }
    }
    // Across the lanes by halving (shuffles and vector minima, no branches). The lanes hold
    // columns in no order: among equal values the lowest column wins.
    let mut b = best;
    halve(&mut b, i32::min);
    let mut b = b[0];
    let lowest: [u32; LANES] =
        std::array::from_fn(|k| if best[k] == b { at[k] } else { u32::MAX });
    // The second least: b again if two lanes hold it, else the least of the winning lane's
    // second and every other lane's least (neither needs the winning column: the two
    // reductions run side by side).
    let ties = best
        .iter()
        .enumerate()
        .fold(0u32, |m, (k, &v)| m | (u32::from(v == b) << k))
        .count_ones();
    let mut others: [i32; LANES] =
        std::array::from_fn(|k| if best[k] == b { second[k] } else { best[k] });
    let mut lowest = lowest;
    halve(&mut lowest, u32::min);
    halve(&mut others, i32::min);
    let mut j = lowest[0] as usize;
    let mut s = if ties > 1 { b } else { others[0] };
    let start = row.len() - row_tail.len();
    for (k, (&c, &p)) in row_tail.iter().zip(price_tail).enumerate() {
        let v = key(c + p);
        s = s.min(b.max(v));
        if v < b {
            b = v;
            j = start + k;
        }
    }
    // Only if every value was NaN (costs are finite where the solver calls this).
    let value = |v: i32| f32::from_bits(v as u32);
    (value(b), value(s), j.min(row.len().saturating_sub(1)))
}

/// Folds `values` into `values[0]` by halves with `pair` (a tree the compiler turns into
/// shuffles).
#[inline(always)]
fn halve<T: Copy>(values: &mut [T; LANES], pair: impl Fn(T, T) -> T) {
    let mut width = LANES / 2;
    while width > 0 {
        for k in 0..width {
            values[k] = pair(values[k], values[k + width]);
        }
        width /= 2;
    }
}

/// `min` without NaN handling (compiles to one vector instruction): a NaN `a` gives `b`.
#[inline(always)]
fn lesser<T: PartialOrd>(a: T, b: T) -> T {
    if a < b { a } else { b }
}

/// `max` without NaN handling: a NaN `a` gives `b`.
#[inline(always)]
fn greater<T: PartialOrd>(a: T, b: T) -> T {
    if a > b { a } else { b }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_least_values_are_found_in_every_lane_and_the_tail() {
        let price = vec![0.0f32; 19];
        for at in 0..19 {
            for other in 0..19 {
                let mut row = vec![5.0f32; 19];
                row[at] = 1.0;
                if other != at {
                    row[other] = 2.0;
                }
                let expected = if other == at {
                    (1.0, 5.0, at)
                } else {
                    (1.0, 2.0, at)
                };
                assert_eq!(best_two(&row, &price), expected, "{at} {other}");
            }
        }
        // A tie for the least: the second is the same value and the first column wins,
        // within a lane, across lanes and in the tail.
        let row = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0];
        assert_eq!(best_two(&row, &[0.0; 9]), (1.0, 1.0, 1));
        for (first, then) in [
            (3, 3 + LANES),
            (5, 2),
            (7, 2 * LANES + 1),
            (LANES + 2, 2 * LANES + 2),
        ] {
            let mut row = vec![4.0f32; 2 * LANES + 3];
            row[first] = 1.0;
            row[then] = 1.0;
            let expected = (1.0, 1.0, first.min(then));
            assert_eq!(
                best_two(&row, &vec![0.0; row.len()]),
                expected,
                "{first} {then}"
            );
        }
    }

    /// `best_two` one column at a time.
    fn best_two_serial(row: &[f32], price: &[f32]) -> (f32, f32, usize) {
        let (mut b, mut s, mut j) = (f32::INFINITY, f32::INFINITY, 0);
        for (k, (c, p)) in row.iter().zip(price).enumerate() {
            let v = c + p;
            if v < b {
                (s, b, j) = (b, v, k);
            } else if v < s {
                s = v;
            }
        }
        (b, s, j)
    }

    #[test]
    fn the_lanes_find_what_a_serial_scan_finds() {
        use rand::{Rng as _, SeedableRng as _};
        let mut rng = rand::rngs::StdRng::seed_from_u64(9);
        for n in [1, 2, 15, 16, 17, 31, 64, 100, 256, 259] {
            for round in 0..200 {
                // Coarse values make ties common, within lanes and across them.
                let levels = if round % 2 == 0 { 8.0 } else { 1e6 };
                let mut draw = |_| (rng.random::<f32>() * levels).floor() / levels * 3.0;
                let row: Vec<f32> = (0..n).map(&mut draw).collect();
                let price: Vec<f32> = (0..n).map(&mut draw).collect();
                assert_eq!(
                    best_two(&row, &price),
                    best_two_serial(&row, &price),
                    "n {n} round {round}"
                );
            }
        }
    }

    #[test]
    fn bounds_skip_nans_in_the_lanes_and_the_tail() {
        for len in [1, 15, 16, 17, 40, 77] {
            let cost: Vec<f64> = (0..len)
                .map(|k| {
                    if k % 5 == 2 {
                        f64::NAN
                    } else {
                        ((k * 37) % 23) as f64 - 7.0
                    }
                })
                .collect();
            let finite = cost.iter().filter(|c| !c.is_nan());
            let low = finite.clone().copied().fold(f64::INFINITY, f64::min);
            let high = finite.copied().fold(f64::NEG_INFINITY, f64::max);
            assert_eq!(bounds(&cost), (low, high), "{len}");
        }
        // A NaN first, in a lane and in the tail.
        let mut cost = vec![3.0; 35];
        cost[0] = f64::NAN;
        cost[34] = f64::NAN;
        cost[20] = -1.0;
        assert_eq!(bounds(&cost), (-1.0, 3.0));
    }

    #[test]
    fn prices_leave_every_row_near_its_best_column() {
        // Four rows, four columns: the diagonal is cheapest.
        let n = 4;
        let cost: Vec<f64> = (0..n * n)
            .map(|k| if k / n == k % n { 0.0 } else { 10.0 + k as f64 })
            .collect();
        let v = auction_prices_from(n, &cost, None, &mut Vec::new());
        // The last phase leaves each row within its ε (a share of the cost range) of its best.
        let range = 10.0 + (n * n - 1) as f64;
        let epsilon = f64::from(FINAL_EPSILON_SHARE) * range;
        for i in 0..n {
            let reduced = |j: usize| cost[i * n + j] - v[j];
            let best = (0..n).map(reduced).fold(f64::INFINITY, f64::min);
            assert!(reduced(i) <= best + epsilon * 1.001, "row {i}");
        }
    }
}
