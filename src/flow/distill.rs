//! Distillation of a (reflowed) teacher into a few-step or one-step student.

use std::sync::atomic::AtomicBool;

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::train::{BatchReads, fit};
use super::{FlowError, Pairs, TrainConfig, TrainProgress, TrainStats, VelocityNet};

/// How the student is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum DistillMethod {
    /// One step: the student's `x̂0 = z − v_s(z, 1)` is regressed onto the teacher's result for
    /// the same z.
    Direct,
    /// Progressive halving: a student with N/2 Euler steps learns to match two of its
    /// teacher's N steps, then becomes the teacher; from `start_steps` down to 1.
    Progressive {
        /// The first teacher's step count (a power of two, 2 to 512).
        start_steps: usize,
    },
}

/// Settings of a distillation.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct DistillConfig {
    /// Direct or progressive.
    pub method: DistillMethod,
    /// Optimiser settings; for progressive distillation the steps are split over the stages.
    pub train: TrainConfig,
}

/// Makes a one-step student from `teacher`, starting from a copy of its weights.
///
/// `pairs` are the teacher's own `(z, x̂0)` pairs from its many-step ODE (see
/// [`super::make_pairs`]); direct distillation regresses onto them, progressive distillation
/// uses them to place its training points on the teacher's (nearly straight) paths:
/// `x_t = t·z + (1 − t)·x̂0`.
pub fn distill<R: Rng>(
    teacher: &VelocityNet,
    pairs: &Pairs,
    config: &DistillConfig,
    rng: &mut R,
    on_progress: &mut dyn FnMut(TrainProgress<'_>),
    cancel: &AtomicBool,
) -> Result<(VelocityNet, TrainStats), FlowError> {
    if pairs.is_empty() {
        return Err(FlowError::invalid("distill_pairs", "must be at least 1"));
    }
    match config.method {
        DistillMethod::Direct => {
            let student = teacher.deep_clone()?;
            let stats = distill_direct(&student, pairs, &config.train, rng, on_progress, cancel)?;
            Ok((student, stats))
        }
        DistillMethod::Progressive { start_steps } => {
            if !(2..=512).contains(&start_steps) || !start_steps.is_power_of_two() {
                return Err(FlowError::invalid(
                    "start_steps",
                    format!("must be a power of two from 2 to 512, got {start_steps}"),
                ));
            }
            let stages = start_steps.trailing_zeros() as usize;
            let mut stage_config = config.train;
            stage_config.steps = (config.train.steps / stages).max(1);
            let mut current = teacher.deep_clone()?;
            let mut stats = TrainStats::default();
            let mut teacher_steps = start_steps;
            let mut offset = 0;
            while teacher_steps > 1 {
                let student = current.deep_clone()?;
                let mut report = |p: TrainProgress<'_>| {
                    on_progress(TrainProgress {
                        step: offset + p.step,
                        steps: stage_config.steps * stages,
                        ..p
                    });
                };
                let stage = distill_halving(
                    &current,
                    &student,
                    pairs,
                    teacher_steps,
                    &stage_config,
                    rng,
                    &mut report,
                    cancel,
                )?;
                stats
                    .losses
                    .extend(stage.losses.iter().map(|&(s, l)| (offset + s, l)));
                stats.seconds += stage.seconds;
                offset += stage_config.steps;
                current = student;
                teacher_steps /= 2;
            }
            Ok((current, stats))
        }
    }
}

fn distill_direct<R: Rng>(
    student: &VelocityNet,
    pairs: &Pairs,
    config: &TrainConfig,
    rng: &mut R,
    on_progress: &mut dyn FnMut(TrainProgress<'_>),
    cancel: &AtomicBool,
) -> Result<TrainStats, FlowError> {
    let mut make_batch = |rng: &mut R, inputs: &mut Vec<f32>, targets: &mut Vec<f32>| {
        for _ in 0..config.batch {
            let i = rng.random_range(0..pairs.len());
            let (z, x0) = (pairs.z.row(i), pairs.x0.row(i));
            student.push_input(z, 1.0, inputs);
            targets.extend(z.iter().zip(x0).map(|(a, b)| a - b));
        }
        Ok(())
    };
    // The targets come from the pairs, never the student's weights.
    fit(
        student,
        config,
        rng,
        &mut make_batch,
        BatchReads::Data,
        on_progress,
        cancel,
    )
}

/// One progressive stage: the student's single Euler step of 2/N from a grid time matches
/// two of the teacher's steps of 1/N.
#[expect(clippy::too_many_arguments)]
fn distill_halving<R: Rng>(
    teacher: &VelocityNet,
    student: &VelocityNet,
    pairs: &Pairs,
    teacher_steps: usize,
    config: &TrainConfig,
    rng: &mut R,
    on_progress: &mut dyn FnMut(TrainProgress<'_>),
    cancel: &AtomicBool,
) -> Result<TrainStats, FlowError> {
    let dim = pairs.z.dim;
    let student_steps = teacher_steps / 2;
    let dt = 1.0 / teacher_steps as f32;
    let mut make_batch = |rng: &mut R, inputs: &mut Vec<f32>, targets: &mut Vec<f32>| {
        // Group the batch by grid time so the teacher runs one batched call per time.
        let mut times = Vec::with_capacity(config.batch);
        let mut starts = Vec::with_capacity(config.batch * dim);
        for _ in 0..config.batch {
            let i = rng.random_range(0..pairs.len());
            let j = rng.random_range(0..student_steps);
            let t = 1.0 - j as f32 / student_steps as f32;
            for (z, x0) in pairs.z.row(i).iter().zip(pairs.x0.row(i)) {
                starts.push(t * z + (1.0 - t) * x0);
            }
            times.push(t);
        }
        for (k, &t) in times.iter().enumerate() {
            student.push_input(&starts[k * dim..(k + 1) * dim], t, inputs);
        }
        let v1 = teacher.velocity_per_point(&starts, &times)?;
        let mid: Vec<f32> = starts.iter().zip(&v1).map(|(x, v)| x - dt * v).collect();
        let later: Vec<f32> = times.iter().map(|t| t - dt).collect();
        let v2 = teacher.velocity_per_point(&mid, &later)?;
        // Two teacher steps: x'' = x − dt·v1 − dt·v2; the student's velocity over 2·dt.
        targets.extend(v1.iter().zip(&v2).map(|(a, b)| 0.5 * (a + b)));
        Ok(())
    };
    // The targets come from the teacher's two steps, never the student's weights.
    fit(
        student,
        config,
        rng,
        &mut make_batch,
        BatchReads::Data,
        on_progress,
        cancel,
    )
}
