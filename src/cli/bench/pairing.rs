//! The exact assignment behind OT-CFM's minibatch pairing and the W2 metric, timed with
//! each start of its exact phase on the problems flowlab solves.

use std::time::Instant;

use flowlab::metrics::{Start, optimal_matching_from, squared_distance};
use flowlab::target::{Mixture, presets, standard_normal};
use rand::SeedableRng as _;
use rand::rngs::StdRng;

/// Prints, per problem, the median milliseconds per matching (cost matrix and assignment, as
/// OT-CFM and W2 run it) from the auction's prices and from column reduction (both exact:
/// the costs are checked equal).
pub fn pairing(quick: bool) -> anyhow::Result<()> {
    let repeats = if quick { 5 } else { 21 };
    for (preset, n, what) in [
        ("two-far", 256, "OT-CFM batch"),
        ("eight-gaussians", 256, "OT-CFM batch"),
        ("two-far", 1000, "W2 sample"),
    ] {
        let target = presets::preset(preset)?;
        let mut times = [Vec::new(), Vec::new()];
        for seed in 0..repeats {
            let rng = &mut StdRng::seed_from_u64(seed);
            let (a, b) = problem(&target, n, what, rng);
            let cost = |i: usize, j: usize| squared_distance(a.row(i), b.row(j));
            let mut totals = [0.0; 2];
            for (k, start) in [Start::Auction, Start::ColumnReduction]
                .into_iter()
                .enumerate()
            {
                let clock = Instant::now();
                let m = optimal_matching_from(&a, &b, start);
                times[k].push(clock.elapsed().as_secs_f64() * 1000.0);
                totals[k] = m.iter().enumerate().map(|(i, &j)| cost(i, j)).sum();
            }
            anyhow::ensure!(
                (totals[0] - totals[1]).abs() <= 1e-9 * totals[1].abs().max(1.0),
                "the two starts disagree: {} vs {}",
                totals[0],
                totals[1]
            );
        }
        let [mut warm, mut cold] = times;
        let (warm, cold) = (median(&mut warm), median(&mut cold));
        println!(
            "pairing {what} {preset} n={n}: {warm:.2} ms from auction prices, {cold:.2} ms \
             from column reduction ({:.1}x)",
            cold / warm
        );
    }
    Ok(())
}

/// Noise and data (an OT-CFM batch), or two data samples (a W2 measurement).
fn problem(
    target: &Mixture,
    n: usize,
    what: &str,
    rng: &mut StdRng,
) -> (flowlab::Points, flowlab::Points) {
    let data = target.sample(n, rng);
    if what == "W2 sample" {
        (target.sample(n, rng), data)
    } else {
        (standard_normal(n, target.dim, rng), data)
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}
