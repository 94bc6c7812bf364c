//! Consistency distillation (Song et al., 2023): a student `f(x_t, t)` that maps any point of
//! its teacher's ODE trajectory straight to the trajectory's end x0, trained so that its
//! outputs agree at neighbouring points of one trajectory.
//!
//! The student is a velocity network `v_s` read as `f(x, t) = x − t·v_s(x, t)`, so
//! `f(x, 0) = x` holds exactly for every network (the boundary condition of a consistency
//! model), and one step of it is one Euler step: `x̂0 = f(z, 1) = z − v_s(z, 1)`.
//!
//! Training, on a grid `t_n = n / N`: draw x0 from the target and z from the source, put
//! `x_hi = t_hi·z + (1 − t_hi)·x0` at `t_hi = t_(n+1)`, take one Heun step of the teacher
//! down to `t_lo = t_n` (`x_lo`), and ask `f_θ(x_hi, t_hi)` to equal `f_θ⁻(x_lo, t_lo)`, where
//! θ⁻ is an exponential moving average of the student (stopped gradient). Since
//! `f_θ(x_hi, t_hi) = x_hi − t_hi·v_θ`, this is the regression of `v_θ(x_hi, t_hi)` onto
//! `(x_hi − f_θ⁻(x_lo, t_lo)) / t_hi`: the consistency loss weighted by `1 / t_hi²`.
//! Sampling at more steps re-noises in between (see [`super::Solver::Consistency`]).

use std::sync::atomic::AtomicBool;

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::ahead::{Sharing, fit_ahead};
use super::train::BatchReads;
use super::{FlowError, TrainConfig, TrainProgress, TrainStats, VelocityNet};
use crate::Points;
use crate::target::{Mixture, Source};

/// Settings of a consistency distillation.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConsistencyConfig {
    /// Optimiser settings.
    pub train: TrainConfig,
    /// Steps of the time grid the teacher's ODE steps follow (N).
    pub grid: usize,
    /// Decay of the target network θ⁻ (an exponential moving average of the student,
    /// updated before every batch).
    pub target_decay: f64,
}

impl ConsistencyConfig {
    /// Grid of 16 steps and target decay 0.9 (`tests/consistency.rs` measured these against a
    /// 32-step grid and decays 0 and 0.99 on eight-gaussians; see the README).
    pub fn new(train: TrainConfig) -> Self {
        Self {
            train,
            grid: 16,
            target_decay: 0.9,
        }
    }

    /// Checks the grid (2..=1000 steps) and the decay ([0, 1)).
    pub fn validate(&self) -> Result<(), FlowError> {
        if !(2..=1000).contains(&self.grid) {
            return Err(FlowError::invalid(
                "consistency_grid",
                format!("must be between 2 and 1000, got {}", self.grid),
            ));
        }
        if !(0.0..1.0).contains(&self.target_decay) {
            return Err(FlowError::invalid(
                "consistency_target_decay",
                "must be in [0, 1)",
            ));
        }
        self.train.validate()
    }

    /// Network evaluations of one training step beyond the student's own: two of the
    /// teacher (a Heun step) and one of the target network per example.
    pub fn extra_evaluations_per_example(&self) -> usize {
        3
    }
}

/// Distils `teacher` (a flow on the straight path) into a consistency student, starting
/// from a copy of its weights; x0 comes from `target` and z from `source`.
pub fn consistency_distill<R: Rng>(
    teacher: &VelocityNet,
    source: Source<'_>,
    target: &Mixture,
    config: &ConsistencyConfig,
    rng: &mut R,
    on_progress: &mut dyn FnMut(TrainProgress<'_>),
    cancel: &AtomicBool,
) -> Result<(VelocityNet, TrainStats), FlowError> {
    config.validate()?;
    let student = teacher.deep_clone()?;
    let ema = teacher.deep_clone()?;
    let (dim, batch, grid) = (teacher.dim(), config.train.batch, config.grid);
    let dt = 1.0 / grid as f32;
    let decay = config.target_decay;
    // The teacher's Heun step needs neither randomness nor the student: it runs on a helper
    // thread, one batch ahead; the target network follows the student, so it runs here.
    let draw = |rng: &mut R| {
        let x0 = target.sample(batch, rng);
        let z = source.sample(batch, rng);
        let t_hi: Vec<f32> = (0..batch)
            .map(|_| rng.random_range(1..=grid) as f32 * dt)
            .collect();
        (x0, z, t_hi)
    };
    let teacher_step = |(x0, z, t_hi): (Points, Points, Vec<f32>)| {
        let mut hi = Vec::with_capacity(batch * dim);
        for ((x0_i, z_i), &t) in x0.rows().zip(z.rows()).zip(&t_hi) {
            hi.extend(x0_i.iter().zip(z_i).map(|(a, b)| t * b + (1.0 - t) * a));
        }
        let lo = heun_step(teacher, &hi, &t_hi, dt)?;
        Ok((hi, lo, t_hi))
    };
    let finish = |(hi, lo, t_hi): (Vec<f32>, Vec<f32>, Vec<f32>),
                  inputs: &mut Vec<f32>,
                  targets: &mut Vec<f32>| {
        follow(&ema, &student, decay)?;
        let t_lo: Vec<f32> = t_hi.iter().map(|t| (t - dt).max(0.0)).collect();
        let v_lo = ema.velocity_per_point(&lo, &t_lo)?;
        for (k, &t) in t_hi.iter().enumerate() {
            let rows = k * dim..(k + 1) * dim;
            student.push_input(&hi[rows.clone()], t, inputs);
            let tl = t_lo[k];
            for d in rows {
                // f_θ⁻(x_lo, t_lo) = x_lo − t_lo·v⁻ (exactly x_lo at t_lo = 0).
                let y = lo[d] - tl * v_lo[d];
                targets.push((hi[d] - y) / t);
            }
        }
        Ok(())
    };
    let stats = fit_ahead(
        &student,
        &config.train,
        rng,
        draw,
        || teacher_step,
        finish,
        // The moving-average target network follows the student's weights each batch.
        BatchReads::Network,
        on_progress,
        cancel,
        Sharing::Measured,
    )?;
    Ok((student, stats))
}

/// One Heun step of `teacher` from each point's `t` down by `dt`.
fn heun_step(teacher: &VelocityNet, x: &[f32], t: &[f32], dt: f32) -> Result<Vec<f32>, FlowError> {
    let v1 = teacher.velocity_per_point(x, t)?;
    let euler: Vec<f32> = x.iter().zip(&v1).map(|(a, v)| a - dt * v).collect();
    let later: Vec<f32> = t.iter().map(|t| (t - dt).max(0.0)).collect();
    let v2 = teacher.velocity_per_point(&euler, &later)?;
    Ok(x.iter()
        .zip(v1.iter().zip(&v2))
        .map(|(a, (p, q))| a - 0.5 * dt * (p + q))
        .collect())
}

/// θ⁻ ← decay·θ⁻ + (1 − decay)·θ.
fn follow(ema: &VelocityNet, student: &VelocityNet, decay: f64) -> Result<(), FlowError> {
    for (avg, var) in ema.vars().iter().zip(student.vars()) {
        let mixed = ((avg.as_tensor() * decay)? + (var.as_tensor() * (1.0 - decay))?)?;
        avg.set(&mixed)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Points;
    use crate::flow::stochastic::{StepNoise, consistency_step};
    use crate::flow::{NetConfig, Solver, VelocityField as _, integrate};
    use rand::SeedableRng as _;

    fn net() -> VelocityNet {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        VelocityNet::new(2, NetConfig::default(), &mut rng).unwrap()
    }

    #[test]
    fn the_consistency_function_is_the_identity_at_t_zero() {
        let net = net();
        let start = [0.7f32, -1.3, 2.5, 0.01];
        let v = net.velocity(&start, 0.0).unwrap();
        assert!(
            v.iter().all(|v| v.abs() > 1e-6),
            "the network says something: {v:?}"
        );
        for last in [true, false] {
            let mut x = start.to_vec();
            let noise = StepNoise {
                start: &start,
                dim: 2,
                step: 0,
                last,
            };
            // Sampling's own step at t = 0: f(x, 0) = x − 0·v(x, 0), bit for bit.
            consistency_step(&mut x, &v, 0.0, 0.0, noise);
            assert_eq!(x, start);
        }
    }

    #[test]
    fn one_consistency_step_is_one_euler_step_and_more_steps_renoise() {
        let net = net();
        let z = Points::new(2, vec![0.3, -0.4, 1.2, 0.8, -2.0, 0.5]);
        let euler = integrate(&net, &z, Solver::Euler, 1).unwrap();
        let one = integrate(&net, &z, Solver::Consistency, 1).unwrap();
        assert_eq!(one.data, euler.data);
        let two = integrate(&net, &z, Solver::Consistency, 2).unwrap();
        let again = integrate(&net, &z, Solver::Consistency, 2).unwrap();
        assert_eq!(
            two.data, again.data,
            "the noise is keyed, so samples repeat"
        );
        assert_ne!(two.data, euler.data);
    }
}
