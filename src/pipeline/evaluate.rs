//! Measuring a round on fixed evaluation data, so rounds are compared on the same noise.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

use rand::SeedableRng;
use rand::rngs::StdRng;
use rayon::prelude::*;

use super::{EvalSettings, PipelineError, RoundKind};
use crate::Points;
use crate::flow::{
    FlowError, Solver, Trajectory, VelocityField, VelocityNet, integrate, integrate_observed,
};
use crate::metrics::{StraightnessMeter, metric_floor, mode_tv, w2};
use crate::target::{Mixture, Source};

/// Mixed into the run's seed for the evaluation's own random stream.
const EVALUATION_STREAM: u64 = 0xe7a1_5eed;

/// Largest 2-D W2 sample: the exact assignment is cubic in it.
pub const MAX_W2_POINTS_2D: usize = 2000;

/// The fixed noise every round is integrated from, a target sample to compare against, and
/// the metric floor.
///
/// W2 is averaged over `w2_repeats` independent draws: the first integrates the head of the
/// evaluation noise and compares with the reference sample, each further draw has its own
/// noise and reference. The floor is the mean over `floor_repeats` pairs of target samples.
pub struct Evaluator {
    w2_points: usize,
    noise: Points,
    reference: Points,
    /// The draws after the first: (noise, reference), `w2_points` each.
    extra_draws: Vec<(Points, Points)>,
    floor: f64,
}

/// W2 of `field` under `solver` with `steps`, averaged over independent draws: `first` is what
/// the field already made of the first draw's noise, compared with `reference`; each of
/// `extra` is a further (noise, reference) pair, integrated here. Every sample is cut to the
/// same size, the smaller of `first` and `reference`. The round reports and the app's live W2
/// both measure this way.
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
    /// W2 keyed by Euler step count.
    pub w2_by_steps: BTreeMap<usize, f64>,
    /// The coverage sample at the end of the reference path.
    pub samples: Points,
    /// Recorded paths.
    pub trajectory: Trajectory,
}

impl Evaluator {
    /// Draws the evaluation noise (from `eval_source`, N(0, I) when `None`), the reference
    /// sample, the further W2 draws and the metric floor from their own random stream of `seed`, so the evaluation settings never change
    /// what training draws.
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
        let floor = metric_floor(target, w2_points, eval.floor_repeats, rng);
        Ok(Self {
            w2_points,
            noise,
            reference,
            extra_draws,
            floor,
        })
    }

    /// The metric floor of W2.
    pub fn metric_floor_w2(&self) -> f64 {
        self.floor
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
        let mut w2_by_steps = BTreeMap::new();
        let step_counts: &[usize] = if kind.is_flow() {
            &eval.step_counts
        } else {
            &[1]
        };
        for &steps in step_counts {
            if cancel.load(Ordering::Relaxed) {
                return Err(FlowError::Cancelled);
            }
            let first = (steps == reference_steps).then_some(&samples);
            let value = self.mean_w2(net, Solver::Euler, steps, first)?;
            w2_by_steps.insert(steps, value);
        }
        Ok(Measured {
            straightness: kind.is_flow().then(|| meter.value()),
            mode_tv: mode_tv(target, &samples),
            w2_by_steps,
            samples,
            trajectory,
        })
    }
}
