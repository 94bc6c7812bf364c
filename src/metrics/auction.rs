//! Near-optimal column prices for an assignment problem by Bertsekas's auction with
//! ε-scaling: the warm start that lets the exact shortest-augmenting-path phase
//! ([`super::assignment`]) finish in a few short searches instead of one long search per row.
//!
//! Rows bid for their cheapest column (cost plus price), raising its price by the gap to
//! their second choice plus ε; an outbid row bids again. At the end of a phase every row
//! holds a column within ε of its best, so the prices are within `n·ε` of optimal duals.
//! Starting with a large ε and shrinking it keeps the bidding wars short. The auction alone
//! is only ε-optimal, and it runs in `f32` (eight columns per instruction with AVX2): its
//! prices are a starting point, and the exact phase, in `f64`, owes them nothing for its
//! correctness.

use crate::flow::fused::simd::widest;

/// Shrink factor of ε between phases.
const EPSILON_SHRINK: f32 = 4.0;

/// The last phase's ε as a share of the cost range: the exact phase repairs what is left.
/// Measured on OT-CFM batches of 256 (`flowlab bench`'s pairing lines): finer phases cost
/// more bids than the repairs they save, coarser ones leave longer repairs.
const FINAL_EPSILON_SHARE: f32 = 1e-5;

/// Columns compared per step of the bid's scan (one AVX2 register of `f32`).
const LANES: usize = 8;

/// Column prices in the sign convention of the shortest-path phase (`v_j`, subtracted from
/// the cost: row i prefers the column with the least `cost(i, j) − v_j`).
pub fn auction_prices(n: usize, cost: &[f64]) -> Vec<f64> {
    let (low, high) = cost
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &c| {
            (lo.min(c), hi.max(c))
        });
    let range = (high - low) as f32;
    if n < 2 || !range.is_finite() || range <= 0.0 {
        return vec![0.0; n];
    }
    // Shifted to start at 0, so f32 keeps the differences that matter.
    let cost: Vec<f32> = cost.iter().map(|&c| (c - low) as f32).collect();
    // Auction prices p_j are added to the cost: v_j = −p_j.
    let price = widest(|| bid_phases(n, &cost, range));
    price.iter().map(|&p| -f64::from(p)).collect()
}

/// The ε-scaling phases; returns the prices.
#[inline(always)]
fn bid_phases(n: usize, cost: &[f32], range: f32) -> Vec<f32> {
    let mut price = vec![0.0f32; n];
    let mut epsilon = range / 4.0;
    let last = range * FINAL_EPSILON_SHARE;
    let mut owner = vec![usize::MAX; n];
    let mut queue: Vec<usize> = Vec::with_capacity(n);
    loop {
        owner.fill(usize::MAX);
        queue.clear();
        queue.extend((0..n).rev());
        while let Some(i) = queue.pop() {
            let row = &cost[i * n..(i + 1) * n];
            let (best, second) = best_two(row, &price);
            // The first column at the best value (the same f32 sum as in the scan).
            let j = row
                .iter()
                .zip(&price)
                .position(|(c, p)| c + p == best)
                .unwrap_or(0);
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

/// The least and second least of `row[j] + price[j]` (equal if the least is tied), scanned
/// in [`LANES`] independent lanes without branches so the loop vectorises.
#[inline(always)]
fn best_two(row: &[f32], price: &[f32]) -> (f32, f32) {
    let mut best = [f32::INFINITY; LANES];
    let mut second = [f32::INFINITY; LANES];
    let rows = row.chunks_exact(LANES);
    let prices = price.chunks_exact(LANES);
    let (row_tail, price_tail) = (rows.remainder(), prices.remainder());
    for (c, p) in rows.zip(prices) {
        for k in 0..LANES {
            let v = c[k] + p[k];
            second[k] = lesser(second[k], greater(best[k], v));
            best[k] = lesser(best[k], v);
        }
    }
    let (mut b, mut s) = (f32::INFINITY, f32::INFINITY);
    let tail = row_tail.iter().zip(price_tail).map(|(c, p)| c + p);
    for v in best.into_iter().chain(second).chain(tail) {
        s = lesser(s, greater(b, v));
        b = lesser(b, v);
    }
    (b, s)
}

/// `min` without NaN handling (compiles to one vector instruction).
#[inline(always)]
fn lesser(a: f32, b: f32) -> f32 {
    if a < b { a } else { b }
}

/// `max` without NaN handling.
#[inline(always)]
fn greater(a: f32, b: f32) -> f32 {
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
                let expected = if other == at { (1.0, 5.0) } else { (1.0, 2.0) };
                assert_eq!(best_two(&row, &price), expected, "{at} {other}");
            }
        }
        // A tie for the least: the second is the same value.
        let row = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0];
        assert_eq!(best_two(&row, &[0.0; 9]), (1.0, 1.0));
    }

    #[test]
    fn prices_leave_every_row_near_its_best_column() {
        // Four rows, four columns: the diagonal is cheapest.
        let n = 4;
        let cost: Vec<f64> = (0..n * n)
            .map(|k| if k / n == k % n { 0.0 } else { 10.0 + k as f64 })
            .collect();
        let v = auction_prices(n, &cost);
        for i in 0..n {
            let reduced = |j: usize| cost[i * n + j] - v[j];
            let best = (0..n).map(reduced).fold(f64::INFINITY, f64::min);
            assert!(reduced(i) <= best + 1e-3, "row {i}");
        }
    }
}
