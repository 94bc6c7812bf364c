//! Samplers from noise (t = 1) to data (t = 0): ODE solvers, and the stochastic DDPM-style
//! sampler of a diffusion-path model.

use serde::{Deserialize, Serialize};

use super::{FlowError, FlowPath};
use crate::Points;

/// Anything that gives a velocity `v(x, t)` for a batch of points. `Sync`, so that groups of
/// particles can be integrated on different cores.
pub trait VelocityField: Sync {
    /// Dimension of the points.
    fn dim(&self) -> usize;
    /// Velocities of the points `x` (row-major) at time `t`, same layout as `x`.
    fn velocity(&self, x: &[f32], t: f32) -> Result<Vec<f32>, FlowError>;
    /// The probability path the field was trained on: what the stochastic sampler derives
    /// the score from. A network does not know it; wrap it in [`super::OnPath`] to say.
    fn path(&self) -> FlowPath {
        FlowPath::Straight
    }

    /// What an Euler step of length `h` from `t` moves by: the velocity, except for a
    /// network that learned steps of any length (a shortcut model's `s(x, t, d)`, `MeanFlow`'s
    /// average velocity over `[t − h, t]`), which is read at `h`.
    fn velocity_over(&self, x: &[f32], t: f32, _h: f32) -> Result<Vec<f32>, FlowError> {
        self.velocity(x, t)
    }

    /// Velocities of the points `x` (row-major), each at its own time `t[i]`: what a solver
    /// with a step size per sample asks for. The default asks one point at a time; a
    /// network answers in one batch.
    fn velocity_rows(&self, x: &[f32], t: &[f32]) -> Result<Vec<f32>, FlowError> {
        let dim = self.dim().max(1);
        let mut out = Vec::with_capacity(x.len());
        for (p, &ti) in x.chunks_exact(dim).zip(t) {
            out.extend(self.velocity(p, ti)?);
        }
        Ok(out)
    }
}

/// The integration rule for one step from t to t − Δt.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Solver {
    /// `x ← x − Δt·v(x, t)`: one evaluation per step.
    #[default]
    Euler,
    /// Explicit midpoint: two evaluations per step.
    Midpoint,
    /// Heun (trapezoid predictor-corrector): two evaluations per step.
    Heun,
    /// Classic fourth-order Runge–Kutta: four evaluations per step.
    Rk4,
    /// DDPM-style stochastic sampler: Euler–Maruyama of the reverse SDE with the path's
    /// marginals, the score derived from the velocity (see [`super::stochastic`]). Only for
    /// a field on the diffusion path ([`FlowPath::VpLinear`]); one evaluation per step.
    Ddpm,
    /// Multistep consistency sampling: each step jumps to the consistency function's guess
    /// of the end, `x̂0 = x − t·v(x, t)`, and re-noises it to the next time with fresh noise
    /// (see [`super::consistency`]). For a consistency-distilled student on the straight
    /// path; at one step it is one Euler step. One evaluation per step.
    Consistency,
    /// Adaptive Dormand–Prince 5(4) at this tolerance: every sample picks its own step sizes
    /// (see [`super::adaptive`]); the step count is the solver's, not the slider's.
    Adaptive(super::Tolerance),
}

impl Solver {
    /// The ODE solvers, in menu order: usable on every round. [`Solver::Ddpm`] is left out
    /// because it needs a diffusion-path round.
    pub const ALL: [Self; 4] = [Self::Euler, Self::Midpoint, Self::Heun, Self::Rk4];

    /// Velocity evaluations per step (the adaptive solver's first-same-as-last step takes
    /// six; its number of steps is its own).
    pub fn evaluations_per_step(self) -> usize {
        match self {
            Self::Euler | Self::Ddpm | Self::Consistency => 1,
            Self::Midpoint | Self::Heun => 2,
            Self::Rk4 => 4,
            Self::Adaptive(_) => 6,
        }
    }

    /// True for the adaptive solver, which ignores the step count.
    pub fn is_adaptive(self) -> bool {
        matches!(self, Self::Adaptive(_))
    }

    /// True for the sampler that adds noise on the way (its result depends on more than the
    /// starting points' ODE path).
    pub fn is_stochastic(self) -> bool {
        matches!(self, Self::Ddpm | Self::Consistency)
    }

    /// Display name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Euler => "Euler",
            Self::Midpoint => "midpoint",
            Self::Heun => "Heun",
            Self::Rk4 => "RK4",
            Self::Ddpm => "DDPM (stochastic)",
            Self::Consistency => "consistency (multistep)",
            Self::Adaptive(_) => "adaptive (DP5)",
        }
    }

    /// One step from `t` to `t − dt`, in place; returns the velocity at the start.
    fn step(
        self,
        field: &dyn VelocityField,
        x: &mut [f32],
        t: f32,
        dt: f32,
        context: super::stochastic::StepNoise<'_>,
    ) -> Result<Vec<f32>, FlowError> {
        // An Euler step asks for the step's own length; the other rules need the velocity.
        let k1 = if self == Self::Euler {
            field.velocity_over(x, t, dt)?
        } else {
            field.velocity(x, t)?
        };
        match self {
            Self::Euler => axpy(x, -dt, &k1),
            Self::Ddpm => super::stochastic::ddpm_step(field.path(), x, &k1, t, dt, context)?,
            Self::Consistency => super::stochastic::consistency_step(x, &k1, t, dt, context),
            Self::Adaptive(_) => {
                return Err(FlowError::invalid(
                    "solver",
                    "the adaptive solver takes its own steps, not fixed ones",
                ));
            }
            Self::Midpoint => {
                let mid = offset(x, -0.5 * dt, &k1);
                let k2 = field.velocity(&mid, t - 0.5 * dt)?;
                axpy(x, -dt, &k2);
            }
            Self::Heun => {
                let pred = offset(x, -dt, &k1);
                let k2 = field.velocity(&pred, t - dt)?;
                for ((xi, a), b) in x.iter_mut().zip(&k1).zip(&k2) {
                    *xi -= 0.5 * dt * (a + b);
                }
            }
            Self::Rk4 => {
                let k2 = field.velocity(&offset(x, -0.5 * dt, &k1), t - 0.5 * dt)?;
                let k3 = field.velocity(&offset(x, -0.5 * dt, &k2), t - 0.5 * dt)?;
                let k4 = field.velocity(&offset(x, -dt, &k3), t - dt)?;
                for (i, xi) in x.iter_mut().enumerate() {
                    *xi -= dt / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
                }
            }
        }
        Ok(k1)
    }
}

fn axpy(x: &mut [f32], a: f32, v: &[f32]) {
    for (xi, vi) in x.iter_mut().zip(v) {
        *xi += a * vi;
    }
}

fn offset(x: &[f32], a: f32, v: &[f32]) -> Vec<f32> {
    x.iter().zip(v).map(|(xi, vi)| xi + a * vi).collect()
}

fn check_steps(steps: usize) -> Result<(), FlowError> {
    if (1..=1000).contains(&steps) {
        Ok(())
    } else {
        Err(FlowError::invalid(
            "steps",
            format!("must be between 1 and 1000, got {steps}"),
        ))
    }
}

/// Integrates `z` (points at t = 1) to t = 0 in `steps` equal steps (the adaptive solver: in
/// steps of its own); returns x̂0.
pub fn integrate(
    field: &dyn VelocityField,
    z: &Points,
    solver: Solver,
    steps: usize,
) -> Result<Points, FlowError> {
    Ok(integrate_recording(field, z, solver, steps, 0)?.0)
}

/// The positions of some particles at every step of an integration.
#[derive(Clone, Debug, PartialEq)]
pub struct Trajectory {
    /// Dimension of the points.
    pub dim: usize,
    /// Number of particles recorded.
    pub particles: usize,
    /// The time of each frame, from 1 down to 0 (`steps + 1` frames).
    pub times: Vec<f32>,
    /// Positions, frame after frame, each frame `particles × dim` row-major.
    pub positions: Vec<f32>,
}

impl Trajectory {
    /// The positions at frame `k` (`particles × dim`).
    pub fn frame(&self, k: usize) -> &[f32] {
        let size = self.particles * self.dim;
        &self.positions[k * size..(k + 1) * size]
    }

    /// Number of frames (`steps + 1`).
    pub fn frames(&self) -> usize {
        self.times.len()
    }
}

/// Particles per core below which an integration is not split: the hand-off would cost more
/// than the second core saves.
const MIN_PARTICLES_PER_CORE: usize = 256;

/// Like [`integrate`], and also records the first `record` particles at every step.
///
/// Particles move independently, so large batches are split into one group per core, each
/// integrated start to finish on its own thread: one hand-off per integration rather than
/// one per step (waking an idle core costs about as much as a step of 1,000 particles).
pub fn integrate_recording(
    field: &dyn VelocityField,
    z: &Points,
    solver: Solver,
    steps: usize,
    record: usize,
) -> Result<(Points, Trajectory), FlowError> {
    let sampled = sample_recording(field, z, solver, steps, record)?;
    Ok((sampled.samples, sampled.trajectory))
}

/// What a sampling run gives: the samples, the recorded paths and what they cost.
#[derive(Clone, Debug, PartialEq)]
pub struct Sampled {
    /// The points at t = 0.
    pub samples: Points,
    /// The recorded particles' paths.
    pub trajectory: Trajectory,
    /// Network evaluations per sample (steps × evaluations per step; the adaptive solver's
    /// mean over the samples).
    pub evaluations: f64,
}

/// Like [`integrate_recording`], and also says what the samples cost.
pub fn sample_recording(
    field: &dyn VelocityField,
    z: &Points,
    solver: Solver,
    steps: usize,
    record: usize,
) -> Result<Sampled, FlowError> {
    if let Solver::Adaptive(tolerance) = solver {
        let (run, trajectory) =
            super::adaptive::integrate_adaptive_recording(field, z, tolerance.value(), record)?;
        return Ok(Sampled {
            evaluations: run.mean_evaluations(),
            samples: run.samples,
            trajectory,
        });
    }
    let (samples, trajectory) = integrate_fixed(field, z, solver, steps, record)?;
    Ok(Sampled {
        samples,
        trajectory,
        evaluations: (steps * solver.evaluations_per_step()) as f64,
    })
}

/// [`integrate_recording`] with a fixed-step solver.
fn integrate_fixed(
    field: &dyn VelocityField,
    z: &Points,
    solver: Solver,
    steps: usize,
    record: usize,
) -> Result<(Points, Trajectory), FlowError> {
    let n = z.len();
    let groups = rayon::current_num_threads().min(n / MIN_PARTICLES_PER_CORE);
    let first_group = n.div_ceil(groups.max(1));
    if groups <= 1 || record > first_group {
        return integrate_observed(field, z, solver, steps, record, &mut |_| {});
    }
    let dim = z.dim;
    let chunks: Vec<(usize, &[f32])> = z.data.chunks(first_group * dim).enumerate().collect();
    let parts = super::fused::split_work(chunks, |(i, chunk)| {
        let group = Points::new(dim, chunk.to_vec());
        let record = if i == 0 { record } else { 0 };
        integrate_observed(field, &group, solver, steps, record, &mut |_| {})
    })
    .into_iter()
    .collect::<Result<Vec<_>, FlowError>>()?;
    let mut parts = parts.into_iter();
    let (first, trajectory) = parts
        .next()
        .ok_or_else(|| FlowError::invalid("particles", "nothing to integrate"))?;
    let mut data = first.data;
    for (points, _) in parts {
        data.extend(points.data);
    }
    Ok((Points::new(dim, data), trajectory))
}

/// Like [`integrate_recording`], and also hands `on_velocity` the velocity of every particle
/// at the start of each step (what the straightness metric needs).
///
/// Fixed-step solvers only: the adaptive solver's samples share no steps to observe.
pub fn integrate_observed(
    field: &dyn VelocityField,
    z: &Points,
    solver: Solver,
    steps: usize,
    record: usize,
    on_velocity: &mut dyn FnMut(&[f32]),
) -> Result<(Points, Trajectory), FlowError> {
    check_steps(steps)?;
    if solver.is_stochastic() {
        super::stochastic::check_path(solver, field.path())?;
    }
    let dim = z.dim;
    let record = record.min(z.len());
    let mut x = z.data.clone();
    let dt = 1.0 / steps as f32;
    let mut trajectory = Trajectory {
        dim,
        particles: record,
        times: Vec::with_capacity(steps + 1),
        positions: Vec::with_capacity((steps + 1) * record * dim),
    };
    trajectory.times.push(1.0);
    trajectory.positions.extend_from_slice(&x[..record * dim]);
    for k in 0..steps {
        let t = 1.0 - k as f32 * dt;
        let noise = super::stochastic::StepNoise {
            start: &z.data,
            dim,
            step: k,
            last: k + 1 == steps,
        };
        let v = solver.step(field, &mut x, t, dt, noise)?;
        on_velocity(&v);
        let t_next = 1.0 - (k + 1) as f32 / steps as f32;
        trajectory.times.push(t_next);
        trajectory.positions.extend_from_slice(&x[..record * dim]);
    }
    Ok((Points::new(dim, x), trajectory))
}
