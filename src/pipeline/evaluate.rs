//! Measuring a round on fixed evaluation data, so rounds are compared on the same noise.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

use rand::Rng;

use super::{EvalSettings, PipelineError, RoundKind};
use crate::Points;
use crate::flow::{FlowError, Solver, Trajectory, VelocityNet, integrate, integrate_observed};
use crate::metrics::{StraightnessMeter, metric_floor, mode_tv, w2};
use crate::target::{Mixture, standard_normal};

/// Largest 2-D W2 sample: the exact assignment is cubic in it.
pub const MAX_W2_POINTS_2D: usize = 2000;

/// The fixed noise every round is integrated from, a target sample to compare against, and
/// the metric floor.
pub struct Evaluator {
    w2_points: usize,
    noise: Points,
    reference: Points,
    floor: f64,
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
    /// Draws the evaluation noise, the reference sample and the metric floor from `rng`.
    pub fn new(
        target: &Mixture,
        eval: &EvalSettings,
        rng: &mut impl Rng,
    ) -> Result<Self, PipelineError> {
        let w2_points = eval.w2_points_for(target.dim);
        if target.dim > 1 && w2_points > MAX_W2_POINTS_2D {
            return Err(FlowError::invalid(
                "w2_points",
                format!("must be at most {MAX_W2_POINTS_2D} in 2-D (exact assignment)"),
            )
            .into());
        }
        let n = eval.coverage_points.max(w2_points);
        let noise = standard_normal(n, target.dim, rng);
        let reference = target.sample(w2_points, rng);
        let floor = metric_floor(target, w2_points, eval.floor_repeats, rng);
        Ok(Self {
            w2_points,
            noise,
            reference,
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

    /// W2 between `samples` (at least `w2_points` of them; the first are used) and the
    /// reference sample.
    pub fn w2_of(&self, samples: &Points) -> f64 {
        w2(&samples.head(self.w2_points), &self.reference)
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
        let step_counts: &[usize] = match kind {
            RoundKind::Distilled => &[1],
            RoundKind::Rectified(_) => &eval.step_counts,
        };
        let w2_noise = self.noise.head(self.w2_points);
        for &steps in step_counts {
            if cancel.load(Ordering::Relaxed) {
                return Err(FlowError::Cancelled);
            }
            let value = if steps == reference_steps {
                self.w2_of(&samples)
            } else {
                self.w2_of(&integrate(net, &w2_noise, Solver::Euler, steps)?)
            };
            w2_by_steps.insert(steps, value);
        }
        Ok(Measured {
            straightness: match kind {
                RoundKind::Distilled => None,
                RoundKind::Rectified(_) => Some(meter.value()),
            },
            mode_tv: mode_tv(target, &samples),
            w2_by_steps,
            samples,
            trajectory,
        })
    }
}
