//! The fused optimizer: one pass per parameter for the whole `AdamW` update, and one for the
//! moving average of the weights.
//!
//! candle-nn's `AdamW` runs about a dozen element-wise tensor ops per parameter per step (each
//! allocating its result); here the moments live in plain vectors and the update is one loop
//! over the parameter, written in place into the variable's own storage.

use std::cell::RefCell;

use candle_core::backprop::GradStore;
use candle_core::{CpuStorage, InplaceOp2, Layout, Result, Tensor, Var, bail};
use candle_nn::{Optimizer, ParamsAdamW};

use super::simd::widest;

/// `AdamW` with the same update as `candle_nn::AdamW`, fused into one pass per parameter.
pub struct FusedAdamW {
    params: ParamsAdamW,
    step: i32,
    slots: Vec<Slot>,
}

/// One parameter and its two moment estimates.
struct Slot {
    var: Var,
    first: Vec<f32>,
    second: Vec<f32>,
}

/// The scalars of one `AdamW` step, as `candle_nn::AdamW` computes them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct AdamStep {
    lr: f32,
    decay_factor: f32,
    beta1: f32,
    beta2: f32,
    scale_m: f32,
    scale_v: f32,
    eps: f32,
}

impl AdamStep {
    /// The scalars of step `step` (1-based) with `params`.
    pub(crate) fn new(params: &ParamsAdamW, step: i32) -> Self {
        let lr = params.lr;
        Self {
            lr: lr as f32,
            decay_factor: (1.0 - lr * params.weight_decay) as f32,
            beta1: params.beta1 as f32,
            beta2: params.beta2 as f32,
            scale_m: (1.0 / (1.0 - params.beta1.powi(step))) as f32,
            scale_v: (1.0 / (1.0 - params.beta2.powi(step))) as f32,
            eps: params.eps as f32,
        }
    }

    /// Updates `theta` and its moments `first` and `second` with `grad`, in one pass; with
    /// `average = Some((avg, decay))` the moving average follows in the same pass:
    /// `avg ← decay·avg + (1 − decay)·θ`. Every slice has the same length.
    pub(crate) fn apply(
        &self,
        theta: &mut [f32],
        grad: &[f32],
        first: &mut [f32],
        second: &mut [f32],
        average: Option<(&mut [f32], f64)>,
    ) {
        self.apply_sum(theta, grad, None, first, second, average);
    }

    /// [`Self::apply`] with the gradient `grad + other` (two shards' gradients, added in the
    /// same pass).
    pub(crate) fn apply_sum(
        &self,
        theta: &mut [f32],
        grad: &[f32],
        other: Option<&[f32]>,
        first: &mut [f32],
        second: &mut [f32],
        average: Option<(&mut [f32], f64)>,
    ) {
        let c = *self;
        match other {
            None => widest(
                #[inline(always)]
                || c.pass(theta, grad.iter().copied(), first, second, average),
            ),
            Some(other) => widest(
                #[inline(always)]
                || {
                    let sums = grad.iter().zip(other).map(|(a, b)| a + b);
                    c.pass(theta, sums, first, second, average);
                },
            ),
        }
    }

    /// The update's loop, for the gradients `grads`.
    #[inline(always)]
    fn pass(
        self,
        theta: &mut [f32],
        grads: impl Iterator<Item = f32>,
        first: &mut [f32],
        second: &mut [f32],
        average: Option<(&mut [f32], f64)>,
    ) {
        let c = self;
        let rows = theta
            .iter_mut()
            .zip(grads)
            .zip(first.iter_mut())
            .zip(second.iter_mut());
        match average {
            None => {
                for (((p, g), m), v) in rows {
                    *p = c.moved(*p, g, m, v);
                }
            }
            Some((avg, decay)) => {
                let (d, rest) = (decay as f32, (1.0 - decay) as f32);
                for ((((p, g), m), v), a) in rows.zip(avg.iter_mut()) {
                    *p = c.moved(*p, g, m, v);
                    *a = d * *a + rest * *p;
                }
            }
        }
    }

    /// One parameter's new value, its moments updated in place.
    #[inline(always)]
    fn moved(self, p: f32, g: f32, m: &mut f32, v: &mut f32) -> f32 {
        *m = *m * self.beta1 + g * (1.0 - self.beta1);
        *v = *v * self.beta2 + g * g * (1.0 - self.beta2);
        let m_hat = *m * self.scale_m;
        let v_hat = *v * self.scale_v;
        p * self.decay_factor - self.lr * m_hat / (v_hat.sqrt() + self.eps)
    }
}

/// The in-place update of one parameter given its gradient.
struct Update<'a> {
    first: RefCell<&'a mut [f32]>,
    second: RefCell<&'a mut [f32]>,
    step: AdamStep,
}

impl InplaceOp2 for Update<'_> {
    fn name(&self) -> &'static str {
        "fused-adamw"
    }

    fn cpu_fwd(
        &self,
        theta: &mut CpuStorage,
        theta_layout: &Layout,
        grad: &CpuStorage,
        grad_layout: &Layout,
    ) -> Result<()> {
        let (Some((t0, t1)), Some((g0, g1))) = (
            theta_layout.contiguous_offsets(),
            grad_layout.contiguous_offsets(),
        ) else {
            bail!("fused AdamW needs contiguous parameters and gradients");
        };
        let theta = match theta {
            CpuStorage::F32(v) => &mut v[t0..t1],
            _ => bail!("fused AdamW runs on f32 parameters"),
        };
        let grad = &grad.as_slice::<f32>()?[g0..g1];
        let mut first = self.first.borrow_mut();
        let mut second = self.second.borrow_mut();
        if theta.len() != grad.len() || first.len() != theta.len() {
            bail!("fused AdamW: parameter, gradient and moments differ in size");
        }
        self.step.apply(theta, grad, &mut first, &mut second, None);
        Ok(())
    }
}

impl Optimizer for FusedAdamW {
    type Config = ParamsAdamW;

    fn new(vars: Vec<Var>, params: ParamsAdamW) -> Result<Self> {
        let slots = vars
            .into_iter()
            .filter(|v| v.dtype().is_float())
            .map(|var| {
                let n = var.elem_count();
                Slot {
                    var,
                    first: vec![0.0; n],
                    second: vec![0.0; n],
                }
            })
            .collect();
        Ok(Self {
            params,
            step: 0,
            slots,
        })
    }

    fn step(&mut self, grads: &GradStore) -> Result<()> {
        self.step_sum(std::slice::from_ref(grads))
    }

    fn learning_rate(&self) -> f64 {
        self.params.lr
    }

    fn set_learning_rate(&mut self, lr: f64) {
        self.params.lr = lr;
    }
}

impl FusedAdamW {
    /// One step on the sum of several gradient stores (one per batch shard).
    pub fn step_sum(&mut self, grads: &[GradStore]) -> Result<()> {
        self.step += 1;
        let step = AdamStep::new(&self.params, self.step);
        for slot in &mut self.slots {
            let mut parts = grads.iter().filter_map(|g| g.get(slot.var.as_tensor()));
            let Some(first) = parts.next() else {
                continue;
            };
            let mut grad = first.clone();
            for part in parts {
                grad = (grad + part)?;
            }
            let update = Update {
                first: RefCell::new(&mut slot.first),
                second: RefCell::new(&mut slot.second),
                step,
            };
            slot.var.as_tensor().inplace_op2(&grad, &update)?;
        }
        Ok(())
    }
}

/// An exponential moving average of parameters, kept in plain vectors and updated in one
/// pass per parameter.
pub struct FusedEma {
    slots: Vec<(Var, Vec<f32>)>,
}

/// The values of a contiguous f32 tensor, read in place.
pub(super) fn read<R>(t: &Tensor, f: impl FnOnce(&[f32]) -> R) -> Result<R> {
    let (storage, layout) = t.storage_and_layout();
    Ok(f(super::cpu_values(&storage, layout, "moving average")?))
}

impl FusedEma {
    /// Starts the average at the current values of `vars`.
    pub fn new(vars: &[Var]) -> Result<Self> {
        let slots = vars
            .iter()
            .map(|v| Ok((v.clone(), read(v.as_tensor(), <[f32]>::to_vec)?)))
            .collect::<Result<_>>()?;
        Ok(Self { slots })
    }

    /// `avg ← decay·avg + (1 − decay)·θ` for every parameter.
    pub fn update(&mut self, decay: f64) -> Result<()> {
        let (d, rest) = (decay as f32, (1.0 - decay) as f32);
        for (var, avg) in &mut self.slots {
            read(var.as_tensor(), |theta| {
                for (a, &p) in avg.iter_mut().zip(theta) {
                    *a = d * *a + rest * p;
                }
            })?;
        }
        Ok(())
    }

    /// Writes the averages into the parameters.
    pub fn write_back(&self) -> Result<()> {
        for (var, avg) in &self.slots {
            let t = Tensor::from_slice(avg, var.shape(), var.device())?;
            var.set(&t)?;
        }
        Ok(())
    }
}
