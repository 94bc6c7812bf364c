//! The fused layer: `act(x·Wᵀ + b)` in one candle custom op, forward and backward.
//!
//! candle runs a plain layer as a matrix product, a broadcast bias add and an activation,
//! each a separate pass that allocates its output, and its backward as a dozen more passes
//! (the activation's gradient alone is several). Here the forward is one product plus one
//! pass that adds the bias and applies the activation, and the backward is one pass for the
//! activation's gradient and the bias gradient plus the two products. Each application runs
//! on one thread; `VelocityNet` splits large batches over the cores by rows.

use std::sync::Mutex;

use super::gemm::{Mat, matmul};
use crate::flow::Activation;
use candle_core::{CpuStorage, CustomOp3, Device, Layout, Result, Shape, Storage, Tensor, bail};

/// `act(x·Wᵀ + b)` for `x: (n, in)`, `W: (out, in)`, `b: (out)`; `act` is the identity when
/// `activation` is `None`.
pub(crate) struct LinearAct {
    activation: Option<Activation>,
    /// The pre-activations `x·Wᵀ + b` of the forward pass, kept for the backward pass when
    /// the layer is applied for training (recomputed if absent).
    saved: Option<Mutex<Vec<f32>>>,
}

/// Applies the fused layer. With `for_training` the result joins candle's autograd graph (and
/// the layer keeps its pre-activations for the backward pass); without, it is a plain forward.
pub(crate) fn linear_act(
    x: &Tensor,
    weight: &Tensor,
    bias: &Tensor,
    activation: Option<Activation>,
    for_training: bool,
) -> Result<Tensor> {
    if for_training {
        let op = LinearAct {
            activation,
            saved: Some(Mutex::new(Vec::new())),
        };
        x.apply_op3(weight, bias, op)
    } else {
        let op = LinearAct {
            activation,
            saved: None,
        };
        x.apply_op3_no_bwd(weight, bias, &op)
    }
}

/// A 2-D f32 view of a CPU storage.
fn view<'a>(storage: &'a CpuStorage, layout: &Layout, what: &str) -> Result<Mat<'a>> {
    let data = storage.as_slice::<f32>()?;
    let &[rows, cols] = layout.dims() else {
        bail!(
            "fused linear: {what} must be a matrix, got shape {:?}",
            layout.dims()
        );
    };
    let &[row_stride, col_stride] = layout.stride() else {
        bail!("fused linear: {what} has a bad layout");
    };
    let data = data
        .get(layout.start_offset()..)
        .ok_or_else(|| candle_core::Error::Msg(format!("fused linear: {what} out of bounds")))?;
    Ok(Mat::strided(data, rows, cols, row_stride, col_stride))
}

/// The bias as a contiguous vector of `len` values.
fn bias_slice<'a>(storage: &'a CpuStorage, layout: &Layout, len: usize) -> Result<&'a [f32]> {
    let data = storage.as_slice::<f32>()?;
    match layout.contiguous_offsets() {
        Some((start, end)) if end - start == len && layout.dims() == [len] => Ok(&data[start..end]),
        _ => bail!(
            "fused linear: bias must be a contiguous vector of {len}, got shape {:?}",
            layout.dims()
        ),
    }
}

/// Runs `f` on a tensor's 2-D view.
fn with_view<R>(t: &Tensor, what: &str, f: impl FnOnce(Mat<'_>) -> Result<R>) -> Result<R> {
    let (storage, layout) = t.storage_and_layout();
    match &*storage {
        Storage::Cpu(cpu) => f(view(cpu, layout, what)?),
        _ => bail!("fused linear runs on the CPU only"),
    }
}

impl LinearAct {
    /// The forward pass on views: the output and, when asked (and there is an activation),
    /// the pre-activations.
    fn forward(
        &self,
        x: Mat<'_>,
        w: Mat<'_>,
        b: &[f32],
        keep_pre: bool,
    ) -> Result<(Vec<f32>, Option<Vec<f32>>)> {
        let (n, inputs, width) = (x.n_rows(), x.n_cols(), w.n_rows());
        if w.n_cols() != inputs || b.len() != width {
            bail!(
                "fused linear: input has {inputs} features, weight is {}x{}, bias has {}",
                w.n_rows(),
                w.n_cols(),
                b.len()
            );
        }
        // z starts as the bias in every row and the product is added onto it.
        let mut z = Vec::with_capacity(n * width);
        for _ in 0..n {
            z.extend_from_slice(b);
        }
        matmul(&mut z, x, w.t(), true);
        Ok(match self.activation {
            None => (z, None),
            Some(act) if keep_pre => (act.map(&z), Some(z)),
            Some(act) => {
                act.map_in_place(&mut z);
                (z, None)
            }
        })
    }
}

impl CustomOp3 for LinearAct {
    fn name(&self) -> &'static str {
        "fused-linear-act"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let x = view(s1, l1, "input")?;
        let w = view(s2, l2, "weight")?;
        let b = bias_slice(s3, l3, w.n_rows())?;
        let (out, pre) = self.forward(x, w, b, self.saved.is_some())?;
        if let (Some(saved), Some(pre)) = (&self.saved, pre) {
            *saved.lock().map_err(|_poisoned| {
                candle_core::Error::Msg("fused linear: poisoned cache".into())
            })? = pre;
        }
        Ok((CpuStorage::F32(out), Shape::from((x.n_rows(), w.n_rows()))))
    }

    fn bwd(
        &self,
        x: &Tensor,
        weight: &Tensor,
        bias: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let (n, inputs) = x.dims2()?;
        let (width, _) = weight.dims2()?;
        // dz = grad ⊙ act'(z), contiguous (n, width).
        if grad.dims() != [n, width] {
            bail!(
                "fused linear: gradient has shape {:?}, expected [{n}, {width}]",
                grad.dims()
            );
        }
        let mut dz = grad.flatten_all()?.to_vec1::<f32>()?;
        if let Some(act) = self.activation {
            let cached = match &self.saved {
                Some(saved) => std::mem::take(&mut *saved.lock().map_err(|_poisoned| {
                    candle_core::Error::Msg("fused linear: poisoned cache".into())
                })?),
                None => Vec::new(),
            };
            let pre = if cached.len() == n * width {
                cached
            } else {
                let b = bias.flatten_all()?.to_vec1::<f32>()?;
                with_view(x, "input", |xv| {
                    with_view(weight, "weight", |wv| {
                        let plain = Self {
                            activation: None,
                            saved: None,
                        };
                        Ok(plain.forward(xv, wv, &b, false)?.0)
                    })
                })?
            };
            act.scale_by_derivative(&mut dz, &pre);
        }
        // db = column sums of dz.
        let mut db = vec![0.0f32; width];
        for row in dz.chunks_exact(width) {
            for (acc, v) in db.iter_mut().zip(row) {
                *acc += v;
            }
        }
        let dzm = Mat::row_major(&dz, n, width);
        // dW = dzᵀ·x, (width, inputs).
        let mut dw = vec![0.0f32; width * inputs];
        with_view(x, "input", |xv| {
            matmul(&mut dw, dzm.t(), xv, false);
            Ok(())
        })?;
        // dx = dz·W, (n, inputs).
        let mut dx = vec![0.0f32; n * inputs];
        with_view(weight, "weight", |wv| {
            matmul(&mut dx, dzm, wv, false);
            Ok(())
        })?;
        let device = Device::Cpu;
        Ok((
            Some(Tensor::from_vec(dx, (n, inputs), &device)?),
            Some(Tensor::from_vec(dw, (width, inputs), &device)?),
            Some(Tensor::from_vec(db, width, &device)?),
        ))
    }
}
