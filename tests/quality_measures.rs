//! The quality measures on synthetic samplers — samples drawn from the target itself, or
//! from a target deliberately made wrong — through the same evaluator the rounds go through,
//! and the optimal transport cost against values worked out independently.

mod common;

use std::sync::atomic::AtomicBool;

use flowlab::Points;
use flowlab::flow::Solver;
use flowlab::metrics::{Estimate, mode_tv, ot_minimum};
use flowlab::pipeline::{
    EvalDraws, EvalSettings, Evaluator, Pipeline, QualityNumbers, Settings, quality_of,
};
use flowlab::target::presets::preset;
use flowlab::target::{Mixture, Source};
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};

const SEED: u64 = 11;

fn two_far() -> Mixture {
    preset("two-far").expect("test fixture")
}

/// The evaluator of a default run on `target`, and the quality numbers of `sampler` on its
/// draws (one fresh sample per draw, as many points as the draw's reference).
fn measure(
    target: &Mixture,
    sampler: &dyn Fn(usize, &mut StdRng) -> Points,
) -> (Evaluator, QualityNumbers) {
    let evaluator =
        Evaluator::new(target, None, &EvalSettings::default(), SEED).expect("test fixture");
    let draws = evaluator.draws();
    let rng = &mut StdRng::seed_from_u64(SEED + 1);
    let pairs: Vec<(Points, Points)> = draws
        .pairs
        .iter()
        .map(|(_, reference)| (sampler(reference.len(), rng), reference.clone()))
        .collect();
    let numbers = quality_of(target, &pairs, &draws.seeds);
    (evaluator, numbers)
}

fn within_se(value: Estimate, floor: Estimate, k: f64) -> bool {
    (value.mean - floor.mean).abs() <= k * value.combined_se(floor)
}

/// `n` points of `target` with a share `smear` of them replaced by points uniform on the
/// segment between the first two means.
fn smeared(target: &Mixture, smear: f64, n: usize, rng: &mut StdRng) -> Points {
    let mut points = target.sample(n, rng);
    let (a, b) = (&target.components[0].mean, &target.components[1].mean);
    for row in points.data.chunks_mut(target.dim) {
        if rng.random::<f64>() < smear {
            let u: f64 = rng.random();
            for ((x, p), q) in row.iter_mut().zip(a).zip(b) {
                *x = (p + u * (q - p)) as f32;
            }
        }
    }
    points
}

fn widened(target: &Mixture, factor: f64) -> Mixture {
    let mut wide = target.clone();
    for c in &mut wide.components {
        for s in &mut c.std {
            *s *= factor;
        }
    }
    wide
}

#[test]
fn a_perfect_sampler_scores_its_floors() {
    for name in ["two-far", "two-modes-1d", "eight-gaussians"] {
        let target = preset(name).unwrap();
        let (evaluator, q) = measure(&target, &|n, rng| target.sample(n, rng));
        let floors = evaluator.floors();
        eprintln!(
            "{name}: within-mode {:.4} ± {:.4} (floor {:.4} ± {:.4}), stray {:.4} ± {:.4} \
             (floor {:.4} ± {:.4}), W2 {:.3} ± {:.3} (floor {:.3} ± {:.3})",
            q.within_mode_w2.mean,
            q.within_mode_w2.se,
            floors.within_mode_w2.mean,
            floors.within_mode_w2.se,
            q.stray_mass.mean,
            q.stray_mass.se,
            floors.stray_mass.mean,
            floors.stray_mass.se,
            q.w2.mean,
            q.w2.se,
            floors.w2.mean,
            floors.w2.se
        );
        assert!(
            within_se(q.within_mode_w2, floors.within_mode_w2, 2.0),
            "{name}: within-mode W2"
        );
        assert!(
            within_se(q.stray_mass, floors.stray_mass, 2.0),
            "{name}: stray mass"
        );
        assert!(floors.within_mode_w2.se > 0.0 && floors.stray_mass.se > 0.0);
    }
}

#[test]
fn within_mode_w2_sees_smeared_and_widened_modes() {
    let target = two_far();
    let (evaluator, perfect) = measure(&target, &|n, rng| target.sample(n, rng));
    let floor = evaluator.floors().within_mode_w2.mean;
    let (_, smear) = measure(&target, &|n, rng| smeared(&target, 0.01, n, rng));
    let wide = widened(&target, 1.3);
    let (_, widths) = measure(&target, &|n, rng| wide.sample(n, rng));
    eprintln!(
        "within-mode W2: floor {floor:.4}, perfect {:.4}, 1 % smear {:.4} (stray {:.4}), \
         widths x1.3 {:.4}; W2 perfect {:.3} ± {:.3}, 1 % smear {:.3} ± {:.3}",
        perfect.within_mode_w2.mean,
        smear.within_mode_w2.mean,
        smear.stray_mass.mean,
        widths.within_mode_w2.mean,
        perfect.w2.mean,
        perfect.w2.se,
        smear.w2.mean,
        smear.w2.se
    );
    // Measured at this seed: floor 0.102, 1 % smear 0.185 (1.8×), widths ×1.3 0.208 (2.0×);
    // the 2× for the smear assumed a floor of 0.059 that 1,000 points per draw do
    // not reach. The draw-to-draw SE is about 0.003, so these bounds are far outside noise.
    assert!(smear.within_mode_w2.mean >= 1.6 * floor);
    assert!(widths.within_mode_w2.mean >= 1.8 * floor);
    // The smear strands mass between the modes: stray mass rises clearly above the floor.
    let stray_floor = evaluator.floors().stray_mass;
    assert!(
        smear.stray_mass.mean > stray_floor.mean + 3.0 * smear.stray_mass.combined_se(stray_floor)
    );
}

#[test]
fn mode_tv_sees_weights_off_by_three_percent() {
    let target = two_far();
    let evaluator = Evaluator::new(&target, None, &EvalSettings::default(), SEED).unwrap();
    let floor = evaluator.floors().mode_tv;
    let mut skewed = target.clone();
    skewed.components[0].weight = 0.53;
    skewed.components[1].weight = 0.47;
    let n = EvalSettings::default().coverage_points;
    let rng = &mut StdRng::seed_from_u64(SEED + 2);
    let tv_skewed = mode_tv(&target, &skewed.sample(n, rng));
    let tv_perfect = mode_tv(&target, &target.sample(n, rng));
    eprintln!(
        "mode TV: floor {:.4} ± {:.4}, perfect {tv_perfect:.4}, weights off by 0.03 {tv_skewed:.4}",
        floor.mean, floor.se
    );
    // Four standard deviations of the floor's draws above it (SE·√repeats is the spread).
    let spread = floor.se * (EvalSettings::default().floor_repeats as f64).sqrt();
    assert!(tv_skewed > floor.mean + 4.0 * spread);
    assert!(tv_perfect < floor.mean + 4.0 * spread);
}

#[test]
fn the_optimal_transport_cost_of_the_presets() {
    let rng = &mut StdRng::seed_from_u64(SEED);
    let far = ot_minimum(Source::StandardNormal(2), &two_far(), rng);
    let one_d = ot_minimum(
        Source::StandardNormal(1),
        &preset("two-modes-1d").unwrap(),
        rng,
    );
    eprintln!("two-far {far:?}\ntwo-modes-1d {one_d:?}");
    // The issue quoted 10.849 for two-far; the quantile integral gives 10.673, and so does an
    // independent check (sorting 400,000 samples per axis in Python: 10.674; x-axis 10.313 +
    // y-axis (1 − 0.4)² = 0.36).
    assert!((far.cost - 10.673).abs() < 0.005, "{far:?}");
    assert!(far.method.contains("factorises"));
    assert!(far.error < 2e-3);
    assert!((one_d.cost - 1.478).abs() < 0.01, "{one_d:?}");
    assert!(one_d.method.contains("1-D"));
    // No closed form for eight Gaussians on a ring: assignment on samples, error stated.
    let ring = preset("eight-gaussians").unwrap();
    let estimate = ot_minimum(Source::StandardNormal(2), &ring, rng);
    eprintln!("eight-gaussians {estimate:?}");
    assert!(estimate.method.contains("assignment"));
    assert!(estimate.error > 0.0 && estimate.error < 0.05 * estimate.cost);
}

#[test]
fn the_sampled_estimate_agrees_with_the_exact_cost_where_both_exist() {
    // two-far turned by 45° shares no axis, so it goes to the assignment estimate; N(0, I)
    // is rotation invariant, so its exact cost is two-far's.
    let rng = &mut StdRng::seed_from_u64(SEED);
    let exact = ot_minimum(Source::StandardNormal(2), &two_far(), rng);
    let mut diagonal = two_far();
    let r = 4.0 / 2f64.sqrt();
    diagonal.components[0].mean = vec![-r, -r];
    diagonal.components[1].mean = vec![r, r];
    let sampled = ot_minimum(Source::StandardNormal(2), &diagonal, rng);
    eprintln!("exact {exact:?}\nsampled {sampled:?}");
    assert!(sampled.method.contains("assignment"));
    // The sample overstates the cost a little (finite-sample bias), never by much.
    assert!(
        (sampled.cost - exact.cost).abs() < sampled.error + 0.1,
        "{} vs {}",
        sampled.cost,
        exact.cost
    );
}

/// `count` fresh draws like the evaluator's: N(0, 1) noise, a target reference and a seed.
fn fresh_draws(target: &Mixture, n: usize, count: usize, seed: u64) -> EvalDraws {
    let rng = &mut StdRng::seed_from_u64(seed);
    let pairs = (0..count)
        .map(|_| {
            let z = flowlab::target::standard_normal(n, target.dim, rng);
            (z, target.sample(n, rng))
        })
        .collect();
    let seeds = (0..count).map(|_| rng.random()).collect();
    EvalDraws { pairs, seeds }
}

#[test]
fn the_reported_quality_is_within_one_standard_error_of_fresh_draws() {
    // The case: on two-modes-1d the fixed draws made 1-RF's W2 read 0.094 against
    // 0.222 ± 0.042 over fresh draws. The same 1-RF, its evaluation, and 16 fresh draws.
    // Measured: W2@100 reads 0.094 ± 0.035 against 0.108 ± 0.011 over these 16 fresh draws;
    // within-mode W2 0.0415 ± 0.0020 against 0.0448 ± 0.0010 (1.5 SE), at 4 steps 0.378 ±
    // 0.002 against 0.372 ± 0.002 (2.3 SE).
    let target = preset("two-modes-1d").unwrap();
    let settings = Settings {
        reflows: 0,
        distill: None,
        ..Settings::default()
    };
    let mut pipeline = Pipeline::new(target.clone(), settings).unwrap();
    let report = pipeline
        .run_all(&mut |_| {}, &AtomicBool::new(false))
        .unwrap();
    let round = &pipeline.rounds()[0];
    let n = pipeline.evaluator().w2_points();
    let fresh = fresh_draws(&target, n, 16, 99);
    let mut failures = Vec::new();
    for steps in [4, 100] {
        let reported = report.rounds[0].quality_at(steps).unwrap();
        let truth = fresh
            .quality(&round.net, &target, Solver::Euler, steps, None)
            .unwrap();
        eprintln!(
            "{steps} steps: within-mode {:.4} ± {:.4} (fresh {:.4} ± {:.4}), W2 {:.4} ± {:.4} \
             (fresh {:.4} ± {:.4}), stray {:.4} ± {:.4} (fresh {:.4} ± {:.4})",
            reported.within_mode_w2.mean,
            reported.within_mode_w2.se,
            truth.within_mode_w2.mean,
            truth.within_mode_w2.se,
            reported.w2.mean,
            reported.w2.se,
            truth.w2.mean,
            truth.w2.se,
            reported.stray_mass.mean,
            reported.stray_mass.se,
            truth.stray_mass.mean,
            truth.stray_mass.se,
        );
        for (name, r, t) in [
            (
                "within-mode W2",
                reported.within_mode_w2,
                truth.within_mode_w2,
            ),
            ("W2", reported.w2, truth.w2),
            ("stray mass", reported.stray_mass, truth.stray_mass),
        ] {
            // No number of independent draws puts every estimate within one SE of the truth
            // (a third of them land outside by chance); what the draws must not do is bias
            // it. With 4 draws the SE is itself rough: the 95 % bound of Student's t with 3
            // degrees of freedom is 3.18 standard errors.
            if (r.mean - t.mean).abs() > 3.18 * r.combined_se(t) {
                failures.push(format!("{steps} steps, {name}: {r:?} vs fresh {t:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn the_app_readout_gives_the_round_report_numbers() {
    // What the app's sampling thread would call: the evaluator's draws, the round's network,
    // the same solver and steps.
    let pipeline = common::tiny_run("two-far");
    let target = pipeline.target();
    let draws = pipeline.evaluator().draws();
    for round in pipeline.rounds() {
        for (&steps, &w2) in &round.report.w2_by_steps {
            let reference_steps = round.kind.reference_steps(&pipeline.settings().eval);
            let first = (steps == reference_steps).then_some(&round.samples);
            let live = draws
                .quality(&round.net, target, Solver::Euler, steps, first)
                .unwrap();
            let report = round.report.quality_at(steps).unwrap();
            assert_eq!(live.w2.mean, w2, "{} at {steps}", round.name);
            assert_eq!(live.within_mode_w2, report.within_mode_w2);
            assert_eq!(live.stray_mass, report.stray_mass);
        }
    }
}
