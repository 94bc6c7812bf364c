//! The metrics against values known in closed form or by brute force.

use flowlab::Points;
use flowlab::flow::{FlowError, VelocityField};
use flowlab::metrics::{min_cost_assignment, mode_tv, straightness, transport_cost, w2};
use flowlab::target::presets::preset;
use flowlab::target::standard_normal;
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};

#[test]
fn w2_1d_of_a_shift_is_the_shift() {
    let a = Points::new(1, vec![0.0, 1.0, 5.0, -2.0]);
    let b = Points::new(1, a.data.iter().rev().map(|x| x + 0.75).collect());
    assert!((w2(&a, &b) - 0.75).abs() < 1e-6);
    assert_eq!(w2(&a, &a), 0.0);
}

#[test]
fn w2_2d_of_a_shift_is_the_shift() {
    let mut rng = StdRng::seed_from_u64(3);
    let a = standard_normal(300, 2, &mut rng);
    // Shuffle and translate: the optimal matching undoes the shuffle.
    let mut idx: Vec<usize> = (0..300).collect();
    for i in (1..idx.len()).rev() {
        idx.swap(i, rng.random_range(0..=i));
    }
    let b = Points::new(
        2,
        a.gather(&idx)
            .data
            .chunks(2)
            .flat_map(|p| [p[0] + 0.3, p[1] - 0.4])
            .collect(),
    );
    assert!((w2(&a, &b) - 0.5).abs() < 1e-5, "{}", w2(&a, &b));
}

fn brute_force_min(n: usize, cost: &dyn Fn(usize, usize) -> f64) -> f64 {
    fn go(
        row: usize,
        n: usize,
        used: &mut Vec<bool>,
        acc: f64,
        best: &mut f64,
        cost: &dyn Fn(usize, usize) -> f64,
    ) {
        if row == n {
            *best = best.min(acc);
            return;
        }
        for j in 0..n {
            if !used[j] {
                used[j] = true;
                go(row + 1, n, used, acc + cost(row, j), best, cost);
                used[j] = false;
            }
        }
    }
    let mut best = f64::INFINITY;
    go(0, n, &mut vec![false; n], 0.0, &mut best, cost);
    best
}

#[test]
fn assignment_matches_brute_force() {
    let mut rng = StdRng::seed_from_u64(11);
    for trial in 0..40 {
        let n = 1 + trial % 7;
        let c: Vec<f64> = (0..n * n).map(|_| rng.random_range(0.0..10.0)).collect();
        let cost = |i: usize, j: usize| c[i * n + j];
        let m = min_cost_assignment(n, cost);
        let mut seen = vec![false; n];
        for &j in &m {
            assert!(!seen[j], "not a permutation");
            seen[j] = true;
        }
        let total: f64 = m.iter().enumerate().map(|(i, &j)| cost(i, j)).sum();
        assert!(
            (total - brute_force_min(n, &cost)).abs() < 1e-9,
            "trial {trial}"
        );
    }
}

#[test]
fn transport_cost_is_mean_squared_distance() {
    let z = Points::new(2, vec![0.0, 0.0, 1.0, 1.0]);
    let x = Points::new(2, vec![3.0, 4.0, 1.0, 1.0]);
    assert!((transport_cost(&z, &x) - 12.5).abs() < 1e-12);
}

/// `v(x, t) = c`: every path is a straight line.
struct Constant;
impl VelocityField for Constant {
    fn dim(&self) -> usize {
        2
    }
    fn velocity(&self, x: &[f32], _t: f32) -> Result<Vec<f32>, FlowError> {
        Ok(x.chunks(2).flat_map(|_| [1.0, -2.0]).collect())
    }
}

/// `v(x, t) = (cos 2πt, 0)`: the speed swings; known straightness ½ (the variance of a cosine).
struct Swinging;
impl VelocityField for Swinging {
    fn dim(&self) -> usize {
        2
    }
    fn velocity(&self, x: &[f32], t: f32) -> Result<Vec<f32>, FlowError> {
        let v = (2.0 * std::f32::consts::PI * t).cos();
        Ok(x.chunks(2).flat_map(|_| [v, 0.0]).collect())
    }
}

#[test]
fn straightness_of_known_fields() {
    let z = standard_normal(50, 2, &mut StdRng::seed_from_u64(1));
    assert!(straightness(&Constant, &z, 100).unwrap() < 1e-10);
    let s = straightness(&Swinging, &z, 1000).unwrap();
    assert!((s - 0.5).abs() < 1e-3, "{s}");
}

#[test]
fn mode_tv_is_zero_for_the_target_and_large_for_a_collapse() {
    let m = preset("eight-gaussians").unwrap();
    let mut rng = StdRng::seed_from_u64(5);
    let good = m.sample(20_000, &mut rng);
    assert!(mode_tv(&m, &good) < 0.02, "{}", mode_tv(&m, &good));
    // Everything in one mode: TV = 1 − 1/8.
    let collapsed = Points::new(2, [4.0f32, 0.0].repeat(1000));
    assert!((mode_tv(&m, &collapsed) - 0.875).abs() < 1e-9);
}

#[test]
fn shipped_presets_have_little_assignment_bias() {
    // mode_tv compares assignment fractions with weights; overlapping components would bias
    // it even for perfect samples. The presets keep that bias far below the 0.05 bar.
    let mut rng = StdRng::seed_from_u64(9);
    for p in flowlab::target::presets::PRESETS {
        let m = p.mixture().unwrap();
        let tv = mode_tv(&m, &m.sample(100_000, &mut rng));
        assert!(tv < 0.015, "{}: {tv}", p.name);
    }
}
