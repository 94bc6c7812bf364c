//! The exact assignment behind OT-CFM's minibatch pairing and the W2 metric, timed with
//! each start of its exact phase on the problems flowlab solves.

use std::time::Instant;

use super::median;
use flowlab::metrics::{
    Start, WarmStart, optimal_matching_from, optimal_matching_warm, squared_distance,
};
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
        let mut times = [Vec::new(), Vec::new(), Vec::new()];
        // OT-CFM's pairings run batch after batch, each from the prices of the one before.
        let mut carried = WarmStart::new();
        for seed in 0..repeats {
            let rng = &mut StdRng::seed_from_u64(seed);
            let (a, b) = problem(&target, n, what, rng);
            let cost = |i: usize, j: usize| squared_distance(a.row(i), b.row(j));
            let mut totals = [0.0; 3];
            let starts = if what == "OT-CFM batch" { 3 } else { 2 };
            for k in 0..starts {
                let clock = Instant::now();
                let m = match k {
                    0 => optimal_matching_from(&a, &b, Start::Auction),
                    1 => optimal_matching_from(&a, &b, Start::ColumnReduction),
                    _ => optimal_matching_warm(&a, &b, &mut carried),
                };
                // The first warm pairing has no batch before it: not timed.
                if k < 2 || seed > 0 {
                    times[k].push(clock.elapsed().as_secs_f64() * 1000.0);
                }
                totals[k] = m.iter().enumerate().map(|(i, &j)| cost(i, j)).sum();
            }
            for k in (0..starts).filter(|&k| k != 1) {
                anyhow::ensure!(
                    (totals[k] - totals[1]).abs() <= 1e-9 * totals[1].abs().max(1.0),
                    "the starts disagree: {} vs {}",
                    totals[k],
                    totals[1]
                );
            }
        }
        let [mut auction, mut cold, mut warm] = times;
        let (auction, cold) = (median(&mut auction), median(&mut cold));
        let carried = if what == "OT-CFM batch" {
            format!(
                ", {:.2} ms from the batch before's prices (as OT-CFM runs it)",
                median(&mut warm)
            )
        } else {
            String::new()
        };
        println!(
            "pairing {what} {preset} n={n}: {auction:.2} ms from auction prices, {cold:.2} ms \
             from column reduction ({:.1}x){carried}",
            cold / auction
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
