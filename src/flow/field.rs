//! The velocity field on a grid, for arrows in a plot.

use super::{FlowError, VelocityField as _, VelocityNet};
use crate::Points;
use crate::target::Mixture;

/// The velocity field on a grid of points at one time.
#[derive(Clone, Debug, PartialEq)]
pub struct VelocityGrid {
    /// The time.
    pub t: f32,
    /// Grid points.
    pub points: Points,
    /// `v(x, t)` at each point.
    pub velocities: Points,
}

/// The velocity field of `net` at time `t` on a grid over the target's bounds widened to
/// ±3.5 (where the noise starts): 17 × 17 points in 2-D, 41 in 1-D.
pub fn velocity_grid(
    target: &Mixture,
    net: &VelocityNet,
    t: f32,
) -> Result<VelocityGrid, FlowError> {
    let bounds = target.bounds();
    let n = if target.dim == 1 { 41 } else { 17 };
    // Cover where the noise starts too.
    let axis = |(lo, hi): (f64, f64)| -> Vec<f32> {
        let (lo, hi) = (lo.min(-3.5), hi.max(3.5));
        (0..n)
            .map(|i| (lo + (hi - lo) * i as f64 / (n - 1) as f64) as f32)
            .collect()
    };
    let mut data = Vec::new();
    match bounds.as_slice() {
        [x] => data = axis(*x),
        [x, y] => {
            let (xs, ys) = (axis(*x), axis(*y));
            for &yv in &ys {
                for &xv in &xs {
                    data.extend([xv, yv]);
                }
            }
        }
        _ => return Err(FlowError::invalid("dim", "must be 1 or 2")),
    }
    let points = Points::new(target.dim, data);
    let velocities = Points::new(target.dim, net.velocity(&points.data, t)?);
    Ok(VelocityGrid {
        t,
        points,
        velocities,
    })
}
