//! Classifier-free guidance with velocities: one class-conditional network learns both the
//! conditional field (class given) and the unconditional one (class dropped), and sampling
//! follows `v_cfg = (1 + w)·v_cond − w·v_uncond`.

use super::{FlowError, VelocityField, VelocityNet};

/// The guided field of a class-conditional network for one class at guidance scale `w`.
pub struct Guided<'a> {
    net: &'a VelocityNet,
    class: usize,
    scale: f32,
}

impl<'a> Guided<'a> {
    /// Guidance towards `class` with scale `w` ≥ 0 (0 is the plain conditional field).
    pub fn new(net: &'a VelocityNet, class: usize, scale: f32) -> Result<Self, FlowError> {
        if class >= net.classes() {
            return Err(FlowError::invalid(
                "class",
                format!(
                    "the network knows {} class(es), got class {class}",
                    net.classes()
                ),
            ));
        }
        if !(scale.is_finite() && scale >= 0.0) {
            return Err(FlowError::invalid(
                "guidance scale",
                "must be a finite number ≥ 0",
            ));
        }
        Ok(Self { net, class, scale })
    }
}

impl VelocityField for Guided<'_> {
    fn dim(&self) -> usize {
        self.net.dim()
    }

    fn velocity(&self, x: &[f32], t: f32) -> Result<Vec<f32>, FlowError> {
        let conditional = self.net.velocity_class(x, t, Some(self.class))?;
        if self.scale == 0.0 {
            return Ok(conditional);
        }
        let unconditional = self.net.velocity_class(x, t, None)?;
        let w = self.scale;
        Ok(conditional
            .iter()
            .zip(&unconditional)
            .map(|(c, u)| (1.0 + w) * c - w * u)
            .collect())
    }
}
