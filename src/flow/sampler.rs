//! ODE samplers from noise (t = 1) to data (t = 0).

use serde::{Deserialize, Serialize};

use super::FlowError;
use crate::Points;

/// Anything that gives a velocity `v(x, t)` for a batch of points.
pub trait VelocityField {
    /// Dimension of the points.
    fn dim(&self) -> usize;
    /// Velocities of the points `x` (row-major) at time `t`, same layout as `x`.
    fn velocity(&self, x: &[f32], t: f32) -> Result<Vec<f32>, FlowError>;
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
}

impl Solver {
    /// All solvers, in menu order.
    pub const ALL: [Solver; 4] = [Solver::Euler, Solver::Midpoint, Solver::Heun, Solver::Rk4];

    /// Velocity evaluations per step.
    pub fn evaluations_per_step(self) -> usize {
        match self {
            Solver::Euler => 1,
            Solver::Midpoint | Solver::Heun => 2,
            Solver::Rk4 => 4,
        }
    }

    /// Display name.
    pub fn name(self) -> &'static str {
        match self {
            Solver::Euler => "Euler",
            Solver::Midpoint => "midpoint",
            Solver::Heun => "Heun",
            Solver::Rk4 => "RK4",
        }
    }

    /// One step from `t` to `t − dt`, in place; returns the velocity at the start.
    fn step(
        self,
        field: &dyn VelocityField,
        x: &mut [f32],
        t: f32,
        dt: f32,
    ) -> Result<Vec<f32>, FlowError> {
        let k1 = field.velocity(x, t)?;
        match self {
            Solver::Euler => axpy(x, -dt, &k1),
            Solver::Midpoint => {
                let mid = offset(x, -0.5 * dt, &k1);
                let k2 = field.velocity(&mid, t - 0.5 * dt)?;
                axpy(x, -dt, &k2);
            }
            Solver::Heun => {
                let pred = offset(x, -dt, &k1);
                let k2 = field.velocity(&pred, t - dt)?;
                for ((xi, a), b) in x.iter_mut().zip(&k1).zip(&k2) {
                    *xi -= 0.5 * dt * (a + b);
                }
            }
            Solver::Rk4 => {
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

/// Integrates `z` (points at t = 1) to t = 0 in `steps` equal steps; returns x̂0.
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

/// Like [`integrate`], and also records the first `record` particles at every step.
pub fn integrate_recording(
    field: &dyn VelocityField,
    z: &Points,
    solver: Solver,
    steps: usize,
    record: usize,
) -> Result<(Points, Trajectory), FlowError> {
    integrate_observed(field, z, solver, steps, record, &mut |_| {})
}

/// Like [`integrate_recording`], and also hands `on_velocity` the velocity of every particle
/// at the start of each step (what the straightness metric needs).
pub fn integrate_observed(
    field: &dyn VelocityField,
    z: &Points,
    solver: Solver,
    steps: usize,
    record: usize,
    on_velocity: &mut dyn FnMut(&[f32]),
) -> Result<(Points, Trajectory), FlowError> {
    check_steps(steps)?;
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
        let v = solver.step(field, &mut x, t, dt)?;
        on_velocity(&v);
        let t_next = 1.0 - (k + 1) as f32 / steps as f32;
        trajectory.times.push(t_next);
        trajectory.positions.extend_from_slice(&x[..record * dim]);
    }
    Ok((Points::new(dim, x), trajectory))
}
