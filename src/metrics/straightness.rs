//! Straightness of a flow (Liu et al. 2022):
//! `S = ∫₀¹ E ‖(z − x̂0) − v(x_t, t)‖² dt`, estimated on the Euler path.

use crate::Points;
use crate::flow::{FlowError, Solver, VelocityField, integrate_observed};

/// Accumulates straightness over the steps of an Euler integration.
///
/// On an Euler path the net displacement `z − x̂0` is the mean of the step velocities, so the
/// estimate is, per particle, the mean over steps of `‖v_k‖²` minus `‖mean_k v_k‖²`,
/// averaged over particles. Zero means every path is a straight line at constant speed.
#[derive(Clone, Debug)]
pub struct StraightnessMeter {
    sum_v: Vec<f64>,
    sum_sq: f64,
    steps: usize,
    particles: usize,
}

impl StraightnessMeter {
    /// A meter for `particles × dim` velocities per step.
    pub fn new(particles: usize, dim: usize) -> Self {
        Self {
            sum_v: vec![0.0; particles * dim],
            sum_sq: 0.0,
            steps: 0,
            particles,
        }
    }

    /// Adds one step's velocities (row-major, same layout as the points).
    pub fn observe(&mut self, velocities: &[f32]) {
        for (acc, &v) in self.sum_v.iter_mut().zip(velocities) {
            *acc += f64::from(v);
            self.sum_sq += f64::from(v) * f64::from(v);
        }
        self.steps += 1;
    }

    /// The straightness estimate.
    pub fn value(&self) -> f64 {
        if self.steps == 0 || self.particles == 0 {
            return 0.0;
        }
        let k = self.steps as f64;
        let mean_sq: f64 = self.sum_v.iter().map(|s| (s / k).powi(2)).sum();
        ((self.sum_sq / k - mean_sq) / self.particles as f64).max(0.0)
    }
}

/// Straightness of `field` from the noise points `z` with `steps` Euler steps.
pub fn straightness(field: &dyn VelocityField, z: &Points, steps: usize) -> Result<f64, FlowError> {
    let mut meter = StraightnessMeter::new(z.len(), z.dim);
    integrate_observed(field, z, Solver::Euler, steps, 0, &mut |v| meter.observe(v))?;
    Ok(meter.value())
}
