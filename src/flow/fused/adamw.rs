//! The fused optimizer: one pass per parameter for the whole `AdamW` update, and one for the
//! moving average of the weights.
//!
//! candle-nn's `AdamW` runs about a dozen element-wise tensor ops per parameter per step (each
//! allocating its result); here the moments live in plain vectors and the update is one loop
//! over the parameter, written in place into the variable's own storage.

use std::cell::RefCell;

use candle_core::backprop::GradStore;
use candle_core::{CpuStorage, InplaceOp2, Layout, Result, Storage, Tensor, Var, bail};
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

/// The in-place update of one parameter given its gradient.
struct Update<'a> {
    first: RefCell<&'a mut [f32]>,
    second: RefCell<&'a mut [f32]>,
    lr: f32,
    decay_factor: f32,
    beta1: f32,
    beta2: f32,
    scale_m: f32,
    scale_v: f32,
    eps: f32,
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
        let (b1, b2) = (self.beta1, self.beta2);
        let (first, second): (&mut [f32], &mut [f32]) = (&mut first, &mut second);
        widest(
            #[inline(always)]
            || {
                for (((p, &g), m), v) in theta
                    .iter_mut()
                    .zip(grad)
                    .zip(first.iter_mut())
                    .zip(second.iter_mut())
                {
                    *m = *m * b1 + g * (1.0 - b1);
                    *v = *v * b2 + g * g * (1.0 - b2);
                    let m_hat = *m * self.scale_m;
                    let v_hat = *v * self.scale_v;
                    *p = *p * self.decay_factor - self.lr * m_hat / (v_hat.sqrt() + self.eps);
                }
            },
        );
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
        let p = &self.params;
        let lr = p.lr;
        let (beta1, beta2) = (p.beta1, p.beta2);
        let scale_m = 1.0 / (1.0 - beta1.powi(self.step));
        let scale_v = 1.0 / (1.0 - beta2.powi(self.step));
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
                lr: lr as f32,
                decay_factor: (1.0 - lr * p.weight_decay) as f32,
                beta1: beta1 as f32,
                beta2: beta2 as f32,
                scale_m: scale_m as f32,
                scale_v: scale_v as f32,
                eps: p.eps as f32,
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
fn read<R>(t: &Tensor, f: impl FnOnce(&[f32]) -> R) -> Result<R> {
    let (storage, layout) = t.storage_and_layout();
    let Some((start, end)) = layout.contiguous_offsets() else {
        bail!("moving average needs contiguous parameters");
    };
    match &*storage {
        Storage::Cpu(cpu) => Ok(f(&cpu.as_slice::<f32>()?[start..end])),
        _ => bail!("moving average runs on the CPU only"),
    }
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
