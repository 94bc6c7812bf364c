//! Measuring a round on fixed evaluation data, so rounds are compared on the same noise.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use rayon::prelude::*;

use super::quality::{EvalDraws, QualityFloors, QualityNumbers};
use super::{EvalSettings, PipelineError, RoundKind};
use crate::Points;
use crate::flow::{
    FlowError, FlowPath, MEASURE_TOLERANCE, OnPath, Solver, Trajectory, VelocityField, VelocityNet,
    integrate, integrate_adaptive, integrate_observed,
};
use crate::metrics::{
    Estimate, OtMinimum, StraightnessMeter, mode_tv, ot_minimum, stray_mass, w2, within_mode_w2,
};
use crate::target::{Mixture, Source};

/// Mixed into the run's seed for the evaluation's own random stream.
const EVALUATION_STREAM: u64 = 0xe7a1_5eed;
/// Mixed into the run's seed for the draws the quality readout added (within-mode W2's
/// component draws, the new floors, the OT minimum), so the W2 draws stay as they were.
const QUALITY_STREAM: u64 = 0x9a11_7e57;

/// Step counts the diffusion round is also sampled at with the stochastic DDPM sampler.
pub const DDPM_STEP_COUNTS: [usize; 4] = [10, 20, 50, 100];

/// Points of the evaluation noise the adaptive solver's evaluation count is measured on.
pub const ADAPTIVE_POINTS: usize = 1000;

/// Largest 2-D W2 sample: the exact assignment is cubic in it.
pub const MAX_W2_POINTS_2D: usize = 2000;

/// The fixed noise every round is integrated from, the target samples to compare against,
/// the floors and the optimal transport cost.
///
/// Every quality number is averaged over `w2_repeats` independent draws: the first
/// integrates the head of the evaluation noise and compares with the reference sample, each
/// further draw has its own noise and reference. Its standard error is the spread over the
/// draws. The floors are the means over `floor_repeats` target samples.
pub struct Evaluator {
    w2_points: usize,
    noise: Points,
    reference: Points,
    /// The draws after the first: (noise, reference), `w2_points` each.
    extra_draws: Vec<(Points, Points)>,
    /// One seed per draw for within-mode W2's fresh component draws.
    draw_seeds: Vec<u64>,
    floors: QualityFloors,
    ot_minimum: OtMinimum,
}

/// W2 of `field` under `solver` with `steps`, averaged over independent draws.
///
/// `first` is what the field already made of the first draw's noise, compared with
/// `reference`; each of `extra` is a further (noise, reference) pair, integrated here.
/// Every sample is cut to the same size, the smaller of `first` and `reference`. (The round
/// reports measure W2 the same way, together with the other numbers, through
/// [`EvalDraws::quality`].)
pub fn averaged_w2(
    field: &dyn VelocityField,
    first: &Points,
    reference: &Points,
    extra: &[(Points, Points)],
    solver: Solver,
    steps: usize,
) -> Result<f64, FlowError> {
    let n = first.len().min(reference.len());
    let mut pairs = vec![(first.head(n), reference.head(n))];
    for (z, r) in extra {
        pairs.push((integrate(field, &z.head(n), solver, steps)?, r.head(n)));
    }
    // The assignments dominate: one per core, summed in a fixed order.
    let values: Vec<f64> = pairs.par_iter().map(|(s, r)| w2(s, r)).collect();
    Ok(values.iter().sum::<f64>() / values.len() as f64)
}

/// What [`Evaluator::measure`] found for one model.
pub struct Measured {
    /// Straightness on the reference path (`None` for a one-step student).
    pub straightness: Option<f64>,
    /// Mode coverage TV on the coverage sample.
    pub mode_tv: f64,
    /// The quality numbers keyed by Euler step count.
    pub quality_by_steps: BTreeMap<usize, QualityNumbers>,
    /// The diffusion round's quality under the stochastic DDPM sampler, keyed by steps
    /// (empty for other rounds).
    pub ddpm_by_steps: BTreeMap<usize, QualityNumbers>,
    /// Mean network evaluations per sample the adaptive Dormand–Prince solver needs at
    /// tolerance [`MEASURE_TOLERANCE`] from the head of the evaluation noise (`None` for the students,
    /// which are not integrated, and for a field the solver cannot cross).
    pub adaptive_evaluations: Option<f64>,
    /// The coverage sample at the end of the reference path.
    pub samples: Points,
    /// Recorded paths.
    pub trajectory: Trajectory,
}

impl Evaluator {
    /// Draws the evaluation noise (from `eval_source`, N(0, I) when `None`), the reference
    /// sample, the further draws and the floors from their own random streams of `seed`, so
    /// the evaluation settings never change what training draws, and computes the optimal
    /// transport cost from the source to the target.
    pub fn new(
        target: &Mixture,
        eval_source: Option<&Mixture>,
        eval: &EvalSettings,
        seed: u64,
    ) -> Result<Self, PipelineError> {
        let w2_points = eval.w2_points_for(target.dim);
        if target.dim > 1 && w2_points > MAX_W2_POINTS_2D {
            return Err(FlowError::invalid(
                "w2_points",
                format!("must be at most {MAX_W2_POINTS_2D} in 2-D (exact assignment)"),
            )
            .into());
        }
        let rng = &mut StdRng::seed_from_u64(seed ^ EVALUATION_STREAM);
        let n = eval.coverage_points.max(w2_points);
        let source = Source::new(eval_source, target.dim);
        let noise = source.sample(n, rng);
        let reference = target.sample(w2_points, rng);
        let extra_draws = (1..eval.w2_repeats)
            .map(|_| {
                let z = source.sample(w2_points, rng);
                (z, target.sample(w2_points, rng))
            })
            .collect();
        let w2_floor = w2_floor(target, w2_points, eval.floor_repeats, rng);
        let quality_rng = &mut StdRng::seed_from_u64(seed ^ EVALUATION_STREAM ^ QUALITY_STREAM);
        let draw_seeds = (0..eval.w2_repeats.max(1))
            .map(|_| quality_rng.random())
            .collect();
        let floors = QualityFloors {
            w2: w2_floor,
            ..quality_floors(target, w2_points, n, eval.floor_repeats, quality_rng)
        };
        let ot_minimum = ot_minimum(source, target, quality_rng);
        Ok(Self {
            w2_points,
            noise,
            reference,
            extra_draws,
            draw_seeds,
            floors,
            ot_minimum,
        })
    }

    /// The metric floor of W2.
    pub fn metric_floor_w2(&self) -> f64 {
        self.floors.w2.mean
    }

    /// The floors of every quality number, with their standard errors.
    pub fn floors(&self) -> &QualityFloors {
        &self.floors
    }

    /// The optimal transport cost from the source to the target.
    pub fn ot_minimum(&self) -> &OtMinimum {
        &self.ot_minimum
    }

    /// Points per W2 sample.
    pub fn w2_points(&self) -> usize {
        self.w2_points
    }

    /// The target sample W2 compares against.
    pub fn reference(&self) -> &Points {
        &self.reference
    }

    /// The fixed evaluation noise (the first `w2_points` are used for W2).
    pub fn noise(&self) -> &Points {
        &self.noise
    }

    /// The independent (noise, reference) draws after the first, each of `w2_points`.
    pub fn extra_draws(&self) -> &[(Points, Points)] {
        &self.extra_draws
    }

    /// Every draw the quality numbers are measured on (the first is the head of the
    /// evaluation noise with the reference), as plain data the app's sampler can keep.
    pub fn draws(&self) -> EvalDraws {
        let mut pairs = vec![(self.noise.head(self.w2_points), self.reference.clone())];
        pairs.extend(self.extra_draws.iter().cloned());
        EvalDraws {
            pairs,
            seeds: self.draw_seeds.clone(),
        }
    }

    /// W2 of `net` under `solver` with `steps`, averaged over every draw. `first` is what the
    /// first draw's noise (the head of the evaluation noise) already became, when known.
    pub fn mean_w2(
        &self,
        net: &VelocityNet,
        solver: Solver,
        steps: usize,
        first: Option<&Points>,
    ) -> Result<f64, FlowError> {
        let first = match first {
            Some(samples) => samples.head(self.w2_points),
            None => integrate(net, &self.noise.head(self.w2_points), solver, steps)?,
        };
        averaged_w2(
            net,
            &first,
            &self.reference,
            &self.extra_draws,
            solver,
            steps,
        )
    }

    /// Integrates `net` from the evaluation noise and measures it.
    pub fn measure(
        &self,
        target: &Mixture,
        net: &VelocityNet,
        kind: RoundKind,
        eval: &EvalSettings,
        cancel: &AtomicBool,
    ) -> Result<Measured, FlowError> {
        let reference_steps = kind.reference_steps(eval);
        let mut meter = StraightnessMeter::new(self.noise.len(), self.noise.dim);
        let (samples, trajectory) = integrate_observed(
            net,
            &self.noise,
            Solver::Euler,
            reference_steps,
            eval.trajectory_particles,
            &mut |v| meter.observe(v),
        )?;
        let draws = self.draws();
        let mut quality_by_steps = BTreeMap::new();
        for steps in kind.step_counts(eval) {
            if cancel.load(Ordering::Relaxed) {
                return Err(FlowError::Cancelled);
            }
            // One step of every sampler is one Euler step: the reference samples serve.
            let first = (steps == reference_steps).then_some(&samples);
            let numbers = draws.quality(net, target, kind.sampler(), steps, first)?;
            quality_by_steps.insert(steps, numbers);
        }
        let adaptive_evaluations = if kind.is_flow() {
            let z = self.noise.head(ADAPTIVE_POINTS.min(self.noise.len()));
            // A field that blows up (a diverged round) gets no count rather than failing
            // the round: its other numbers say what went wrong.
            integrate_adaptive(net, &z, MEASURE_TOLERANCE)
                .ok()
                .map(|run| run.mean_evaluations())
        } else {
            None
        };
        let mut ddpm_by_steps = BTreeMap::new();
        if kind.path() == FlowPath::VpLinear {
            let field = OnPath {
                field: net,
                path: kind.path(),
            };
            for steps in DDPM_STEP_COUNTS {
                if cancel.load(Ordering::Relaxed) {
                    return Err(FlowError::Cancelled);
                }
                let numbers = draws.quality(&field, target, Solver::Ddpm, steps, None)?;
                ddpm_by_steps.insert(steps, numbers);
            }
        }
        Ok(Measured {
            straightness: kind.is_flow().then(|| meter.value()),
            mode_tv: mode_tv(target, &samples),
            quality_by_steps,
            ddpm_by_steps,
            adaptive_evaluations,
            samples,
            trajectory,
        })
    }
}

/// W2 between two independent target samples of `n` points, over `repeats` pairs (the
/// draws of [`crate::metrics::metric_floor`], so its mean is that floor).
fn w2_floor(target: &Mixture, n: usize, repeats: usize, rng: &mut StdRng) -> Estimate {
    let pairs: Vec<(Points, Points)> = (0..repeats.max(1))
        .map(|_| (target.sample(n, rng), target.sample(n, rng)))
        .collect();
    let values: Vec<f64> = pairs.par_iter().map(|(a, b)| w2(a, b)).collect();
    Estimate::of(&values)
}

/// Within-mode W2 and stray mass of target samples of `w2_points`, and mode TV of target
/// samples of `coverage_points` (and of `w2_points`, the size the per-step numbers use),
/// over `repeats` draws each (W2's floor is left at zero).
fn quality_floors(
    target: &Mixture,
    w2_points: usize,
    coverage_points: usize,
    repeats: usize,
    rng: &mut StdRng,
) -> QualityFloors {
    let draws: Vec<(Points, u64, Points)> = (0..repeats.max(1))
        .map(|_| {
            let small = target.sample(w2_points, rng);
            let seed = rng.random();
            (small, seed, target.sample(coverage_points, rng))
        })
        .collect();
    let per_draw: Vec<[f64; 4]> = draws
        .par_iter()
        .map(|(small, seed, large)| {
            let component_rng = &mut StdRng::seed_from_u64(*seed);
            [
                within_mode_w2(target, small, component_rng),
                stray_mass(target, small),
                mode_tv(target, large),
                mode_tv(target, small),
            ]
        })
        .collect();
    let column = |k: usize| Estimate::of(&per_draw.iter().map(|v| v[k]).collect::<Vec<_>>());
    QualityFloors {
        w2: Estimate::default(),
        within_mode_w2: column(0),
        stray_mass: column(1),
        mode_tv: column(2),
        mode_tv_per_draw: column(3),
    }
}
