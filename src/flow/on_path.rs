//! A velocity field together with the path it was trained on.

use super::{FlowError, FlowPath, VelocityField};

/// `field`, declared to be a model of `path` (a network does not know its path): what the
/// stochastic sampler needs to derive the score of a diffusion-path round.
#[derive(Clone, Copy)]
pub struct OnPath<'a> {
    /// The velocity field.
    pub field: &'a dyn VelocityField,
    /// The path it was trained on.
    pub path: FlowPath,
}

impl VelocityField for OnPath<'_> {
    fn dim(&self) -> usize {
        self.field.dim()
    }

    fn velocity(&self, x: &[f32], t: f32) -> Result<Vec<f32>, FlowError> {
        self.field.velocity(x, t)
    }

    fn path(&self) -> FlowPath {
        self.path
    }

    fn velocity_over(&self, x: &[f32], t: f32, h: f32) -> Result<Vec<f32>, FlowError> {
        self.field.velocity_over(x, t, h)
    }

    fn velocity_rows(&self, x: &[f32], t: &[f32]) -> Result<Vec<f32>, FlowError> {
        self.field.velocity_rows(x, t)
    }
}
