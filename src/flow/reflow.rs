//! Reflow: a model's own (noise, sample) pairs, the coupling the next round trains on.

use std::sync::atomic::{AtomicBool, Ordering};

use rand::Rng;

use super::{FlowError, Solver, VelocityField, integrate};
use crate::Points;
use crate::target::Source;

/// Fixed pairs `(z, x0)`: row i of `z` is coupled with row i of `x0`.
#[derive(Clone, Debug, PartialEq)]
pub struct Pairs {
    /// Noise ends (t = 1).
    pub z: Points,
    /// Data ends (t = 0).
    pub x0: Points,
}

impl Pairs {
    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.z.len()
    }

    /// True when there are no pairs.
    pub fn is_empty(&self) -> bool {
        self.z.is_empty()
    }

    /// Transport cost of the coupling: `E ‖z − x0‖²`.
    pub fn transport_cost(&self) -> f64 {
        crate::metrics::transport_cost(&self.z, &self.x0)
    }
}

/// Points integrated per chunk while making pairs (the cancel flag is checked in between).
const CHUNK: usize = 512;

/// Draws `n` points from `source` and integrates each with `field` over `steps` steps of
/// `solver` to get its sample x̂0; calls `on_chunk(done, n)` after each chunk.
#[expect(clippy::too_many_arguments)]
pub fn make_pairs(
    field: &dyn VelocityField,
    source: Source<'_>,
    n: usize,
    solver: Solver,
    steps: usize,
    rng: &mut impl Rng,
    on_chunk: &mut dyn FnMut(usize, usize),
    cancel: &AtomicBool,
) -> Result<Pairs, FlowError> {
    if n == 0 {
        return Err(FlowError::invalid("reflow_pairs", "must be at least 1"));
    }
    if source.dim() != field.dim() {
        return Err(FlowError::invalid(
            "source",
            format!("is {}-D but the model is {}-D", source.dim(), field.dim()),
        ));
    }
    let z = source.sample(n, rng);
    let mut x0 = Vec::with_capacity(z.data.len());
    let mut done = 0;
    while done < n {
        if cancel.load(Ordering::Relaxed) {
            return Err(FlowError::Cancelled);
        }
        let end = (done + CHUNK).min(n);
        let chunk = Points::new(z.dim, z.data[done * z.dim..end * z.dim].to_vec());
        x0.extend(integrate(field, &chunk, solver, steps)?.data);
        done = end;
        on_chunk(done, n);
    }
    let x0 = Points::new(z.dim, x0);
    Ok(Pairs { z, x0 })
}
