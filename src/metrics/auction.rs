//! Near-optimal column prices for an assignment problem by Bertsekas's auction with
//! ε-scaling: the warm start that lets the exact shortest-augmenting-path phase
//! ([`super::assignment`]) finish in a few short searches instead of one long search per row.
//!
//! Rows bid for their cheapest column (cost plus price), raising its price by the gap to
//! their second choice plus ε; an outbid row bids again. At the end of a phase every row
//! holds a column within ε of its best, so the prices are within `n·ε` of optimal duals.
//! Starting with a large ε and shrinking it keeps the bidding wars short. The auction alone
//! is only ε-optimal, and it bids on costs rounded to [`LEVELS`] steps of the cost range, in
//! 16-bit integers (thirty-two columns per instruction with AVX-512, sixteen with AVX2; the
//! rounding is a quarter of the last phase's ε): its prices are a starting point, and the
//! exact phase, in `f64`, owes them nothing for its correctness.

use crate::flow::fused::simd::widest_fn;

/// Shrink factor of ε between phases.
const EPSILON_SHRINK: u32 = 4;

/// Steps the cost range is rounded to for bidding: a step is a sixteen-thousandth of the
/// range, half the last phase's ε. Prices stay within the range plus the first ε of
/// each other, so a cost plus a price stays below `u16::MAX` (see [`PRICE_LIMIT`]).
const LEVELS: u16 = 16_383;

/// The most a price may reach: `LEVELS + PRICE_LIMIT` is `u16::MAX`, so no sum of a cost and
/// a price overflows. Prices are only compared with each other, so when one would pass this
/// the least is taken from all of them (which never happened on the OT-CFM batches measured).
const PRICE_LIMIT: u16 = u16::MAX - LEVELS;

/// The last phase's ε as a share of the cost range (two steps of [`LEVELS`]): the exact
/// phase repairs what is left. Measured on OT-CFM batches of 256 warm-started from the batch
/// before (two-far, eight-gaussians, moons; ms per pairing): 6e-5 (one step) 0.41/0.40/0.38,
/// 1e-4 0.42/0.39/0.38, 1.5e-4 0.42/0.39/0.38, 3e-4 0.44/0.41/0.39, 6e-4 0.50/0.43/0.41,
/// 1e-3 0.54/0.45/0.43. Finer phases cost more bids than the repairs they save, coarser ones
/// leave longer repairs. (Bidding in `f32`, 3e-4 was best; with the list-based path search of
/// before, 1e-5.)
const FINAL_EPSILON_SHARE: f64 = 1e-4;

/// The first phase's ε as a share of the cost range, from zero prices.
const COLD_START_SHARE: f64 = 0.25;

/// The first phase's ε as a share of the cost range, from a warm start: the phases are then
/// 128, 32, 8 and 2 steps. Measured as above: 0.001 0.44/0.42/0.40, 0.002 0.42/0.39/0.39,
/// 0.003 0.42/0.39/0.38, 0.005 0.42/0.40/0.38, 0.01 0.44/0.41/0.41.
const WARM_START_SHARE: f64 = 0.003;

/// Columns compared per step of the bid's scan (one AVX-512 register of `u16`, two of
/// AVX2). Fixed whatever the CPU, so every machine bids the same way.
const LANES: usize = 32;

/// Column prices in the sign convention of the shortest-path phase (`v_j`, subtracted from
/// the cost: row i prefers the column with the least `cost(i, j) − v_j`), bid from `start`
/// if given (a warm start: near-optimal prices of a similar problem in the same convention,
/// see [`super::warm_start`]; the bidding then begins at a finer ε, [`WARM_START_SHARE`] of
/// the cost range, and takes fewer phases), with the rounded costs in `scratch` (kept from
/// one problem to the next, so no page of it is zeroed again). A start that is not finite or
/// of the wrong size is ignored. Problems of more than `u16::MAX` columns (whose cost
/// matrices would not fit in memory) get zero prices.
pub(crate) fn auction_prices_from(
    n: usize,
    cost: &[f64],
    start: Option<&[f64]>,
    scratch: &mut Vec<u16>,
) -> Vec<f64> {
    let (low, high) = bounds(cost);
    let range = high - low;
    if n < 2 || n > usize::from(u16::MAX) || !range.is_finite() || range <= 0.0 {
        return vec![0.0; n];
    }
    // Steps of the range from the least cost.
    let scale = f64::from(LEVELS) / range;
    scratch.clear();
    rounded(cost, low, scale, scratch);
    let cost = &scratch[..];
    // Auction prices p_j are added to the cost: v_j = −p_j. A start is shifted so its least
    // price is 0 (only differences of prices matter) and held within the range.
    let start = start
        .filter(|v| v.len() == n && v.iter().all(|x| x.is_finite()))
        .map(|v| {
            let top = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            v.iter()
                .map(|&x| ((top - x) * scale).round().min(f64::from(LEVELS)) as u16)
                .collect::<Vec<u16>>()
        });
    let price = match start {
        Some(price) => bid_phases(n, cost, price, steps(WARM_START_SHARE)),
        None => bid_phases(n, cost, vec![0; n], steps(COLD_START_SHARE)),
    };
    price.iter().map(|&p| -f64::from(p) / scale).collect()
}

/// An ε given as a share of the cost range, in whole steps of [`LEVELS`] (at least one).
fn steps(share: f64) -> u32 {
    (share * f64::from(LEVELS)).round().max(1.0) as u32
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
    /// `(cost − low)·scale` rounded to the nearest step (at most [`LEVELS`] for the costs
    /// within the range), appended to `out`.
    fn rounded(cost: &[f64], low: f64, scale: f64, out: &mut Vec<u16>) -> () = rounded_body;
}

#[inline(always)]
fn rounded_body(cost: &[f64], low: f64, scale: f64, out: &mut Vec<u16>) {
    // Rounded by adding 2^52: the sum's last mantissa bits are the nearest whole number
    // (a vector add, where a conversion instruction with Rust's saturating `as` was an
    // eighth of a pairing). Clamped first to the levels; a NaN gives the top level.
    const ROUND: f64 = 4_503_599_627_370_496.0;
    out.extend(cost.iter().map(|&c| {
        let x = lesser((c - low) * scale, f64::from(LEVELS));
        let x = greater(x, 0.0);
        (x + ROUND).to_bits() as u16
    }));
}

widest_fn! {
    /// The ε-scaling phases from `price`, the first at an ε of at least `first` steps;
    /// returns the prices.
    fn bid_phases(n: usize, cost: &[u16], price: Vec<u16>, first: u32) -> Vec<u16>
        = bid_phases_body;
}

#[inline(always)]
fn bid_phases_body(n: usize, cost: &[u16], mut price: Vec<u16>, first: u32) -> Vec<u16> {
    // From the last ε up by whole factors to at least the first, so no phase is a short step
    // (a phase costs about as many bids whatever its step).
    let last = steps(FINAL_EPSILON_SHARE);
    let mut epsilon = last;
    while epsilon < first {
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
            let mut raised = u32::from(price[j]) + u32::from(second - best) + epsilon;
            if raised > u32::from(PRICE_LIMIT) {
                let least = price.iter().copied().min().unwrap_or(0);
                for p in &mut price {
                    *p -= least;
                }
                raised -= u32::from(least);
                if raised > u32::from(PRICE_LIMIT) {
                    // Cannot happen while prices stay within the range plus ε of each other;
                    // the exact phase does not need these prices to be good.
                    return price;
                }
            }
            price[j] = raised as u16;
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
/// loop vectorises. No sum may pass `u16::MAX` (the bids keep prices below [`PRICE_LIMIT`]).
#[inline(always)]
fn best_two(row: &[u16], price: &[u16]) -> (u16, u16, usize) {
    let mut best = [u16::MAX; LANES];
    let mut second = [u16::MAX; LANES];
    // Each lane's first column at its least.
    let mut at = [0u16; LANES];
    let mut column = [0u16; LANES];
    for (k, c) in column.iter_mut().enumerate() {
        *c = k as u16;
    }
    let (rows, row_tail) = row.as_chunks::<LANES>();
    let (prices, price_tail) = price.as_chunks::<LANES>();
    for (c, p) in rows.iter().zip(prices) {
        for k in 0..LANES {
            let v = c[k].wrapping_add(p[k]);
            // All ones where v is the lane's new least (a vector compare and a blend).
            let better = u16::from(v < best[k]).wrapping_neg();
            second[k] = second[k].min(best[k].max(v));
            at[k] = (column[k] & better) | (at[k] & !better);
            best[k] = best[k].min(v);
            column[k] = column[k].wrapping_add(LANES as u16);
        }
    }
    // Across the lanes by halving, in one tournament of 32-bit keys (shuffles and vector
    // minima, no branches): a lane's least is `value << 16 | column`, so the least key is the
    // least value at its lowest column; its second is `value << 16`. Where two meet, the
    // loser's least competes with both seconds, so a tie leaves the tied value second.
    let mut least = [0u32; LANES];
    let mut next = [0u32; LANES];
    for k in 0..LANES {
        least[k] = u32::from(best[k]) << 16 | u32::from(at[k]);
        next[k] = u32::from(second[k]) << 16;
    }
    let mut width = LANES / 2;
    while width > 0 {
        for k in 0..width {
            let (a, b) = (least[k], least[k + width]);
            least[k] = a.min(b);
            next[k] = (a.max(b) & !0xFFFF).min(next[k].min(next[k + width]));
        }
        width /= 2;
    }
    let mut b = (least[0] >> 16) as u16;
    let mut j = usize::from(least[0] as u16);
    let mut s = (next[0] >> 16) as u16;
    let start = row.len() - row_tail.len();
    for (k, (&c, &p)) in row_tail.iter().zip(price_tail).enumerate() {
        let v = c.wrapping_add(p);
        s = s.min(b.max(v));
        if v < b {
            b = v;
            j = start + k;
        }
    }
    // A row of only u16::MAX sums has no lane at its least below the first column.
    (b, s, j.min(row.len().saturating_sub(1)))
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
        let n = LANES + 7;
        let price = vec![0u16; n];
        for at in 0..n {
            for other in 0..n {
                let mut row = vec![5u16; n];
                row[at] = 1;
                if other != at {
                    row[other] = 2;
                }
                let expected = if other == at { (1, 5, at) } else { (1, 2, at) };
                assert_eq!(best_two(&row, &price), expected, "{at} {other}");
            }
        }
        // A tie for the least: the second is the same value and the first column wins,
        // within a lane, across lanes and in the tail.
        let row = [3, 1, 4, 1, 5, 9, 2, 6, 5];
        assert_eq!(best_two(&row, &[0; 9]), (1, 1, 1));
        for (first, then) in [
            (3, 3 + LANES),
            (5, 2),
            (7, 2 * LANES + 1),
            (LANES + 2, 2 * LANES + 2),
        ] {
            let mut row = vec![4u16; 2 * LANES + 3];
            row[first] = 1;
            row[then] = 1;
            let expected = (1, 1, first.min(then));
            assert_eq!(
                best_two(&row, &vec![0; row.len()]),
                expected,
                "{first} {then}"
            );
        }
    }

    /// `best_two` one column at a time.
    fn best_two_serial(row: &[u16], price: &[u16]) -> (u16, u16, usize) {
        let (mut b, mut s, mut j) = (u16::MAX, u16::MAX, 0);
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
        for n in [1, 2, 15, 31, 32, 33, 64, 100, 256, 259] {
            for round in 0..200 {
                // Few levels make ties common, within lanes and across them.
                let levels = if round % 2 == 0 { 8 } else { LEVELS };
                let mut draw = |_| rng.random_range(0..=levels);
                let row: Vec<u16> = (0..n).map(&mut draw).collect();
                let price: Vec<u16> = (0..n).map(&mut draw).collect();
                assert_eq!(
                    best_two(&row, &price),
                    best_two_serial(&row, &price),
                    "n {n} round {round}"
                );
            }
        }
    }

    #[test]
    fn prices_near_the_limit_are_lowered_together_and_bid_as_from_zero() {
        use rand::{Rng as _, SeedableRng as _};
        let mut rng = rand::rngs::StdRng::seed_from_u64(4);
        let n = 40;
        let cost: Vec<u16> = (0..n * n).map(|_| rng.random_range(0..=LEVELS)).collect();
        // Bids depend only on differences of prices: all at the limit, the first raise lowers
        // them all to zero and the bidding then goes as from zero.
        let high = bid_phases(n, &cost, vec![PRICE_LIMIT; n], 400);
        let low = bid_phases(n, &cost, vec![0; n], 400);
        assert_eq!(high, low);
        assert!(low.iter().any(|&p| p > 0));
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
    fn prices_are_within_n_epsilon_of_the_optimal_duals() {
        use rand::{Rng as _, SeedableRng as _};
        let mut rng = rand::rngs::StdRng::seed_from_u64(8);
        for n in [4, 33, 100] {
            let points: Vec<[f64; 4]> = (0..n)
                .map(|_| std::array::from_fn(|_| rng.random_range(-3.0..3.0)))
                .collect();
            let cost: Vec<f64> = (0..n * n)
                .map(|k| {
                    let (a, b) = (points[k / n], points[k % n]);
                    (a[0] - b[2]).powi(2) + (a[1] - b[3]).powi(2)
                })
                .collect();
            let exact = super::super::assignment::min_cost_assignment_from(
                n,
                |i, j| cost[i * n + j],
                super::super::Start::ColumnReduction,
            );
            let optimum: f64 = exact
                .iter()
                .enumerate()
                .map(|(i, &j)| cost[i * n + j])
                .sum();
            // Any prices give a lower bound on the optimum (the dual value); the last phase's ε,
            // and half a step of rounding on each side, bound each row's gap to its best.
            let v = auction_prices_from(n, &cost, None, &mut Vec::new());
            let dual: f64 = (0..n)
                .map(|i| {
                    (0..n)
                        .map(|j| cost[i * n + j] - v[j])
                        .fold(f64::INFINITY, f64::min)
                })
                .sum::<f64>()
                + v.iter().sum::<f64>();
            let (low, high) = bounds(&cost);
            let step = (high - low) / f64::from(LEVELS);
            let epsilon = f64::from(steps(FINAL_EPSILON_SHARE)) * step;
            assert!(
                dual <= optimum + 1e-9 * optimum,
                "n {n}: {dual} > {optimum}"
            );
            assert!(
                optimum - dual <= n as f64 * (epsilon + 2.0 * step),
                "n {n}: {dual} vs {optimum}"
            );
            // Zero prices are far from that (the bound is not loose).
            let zero: f64 = (0..n)
                .map(|i| {
                    (0..n)
                        .map(|j| cost[i * n + j])
                        .fold(f64::INFINITY, f64::min)
                })
                .sum();
            assert!(
                optimum - zero > 10.0 * n as f64 * (epsilon + 2.0 * step),
                "n {n}"
            );
        }
    }
}
