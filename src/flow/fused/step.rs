//! The whole training step as one fused kernel: forward, mean-squared-error loss, backward,
//! `AdamW` and the moving average of the weights, with no autograd graph.
//!
//! The fused layers ([`super::linear_act`]) still go through candle's autograd: every step
//! builds a graph, allocates every activation and gradient afresh, zero-fills each product's
//! output, sums the shards' gradients as tensors and computes the first layer's input
//! gradient nobody reads. Here the buffers live from step to step, each layer's forward adds
//! the bias and keeps the activation's slope in the same pass (the backward needs no second
//! pass over the pre-activations), the optimizer adds the shards' gradients in its own pass,
//! and the shards run on a [`Crew`] whose helpers are awake when the step starts. The update
//! is a second round on the crew, one task per parameter, which the caller may leave running
//! while it makes the next batch ([`TrainStep::begin_update`]). The fused
//! layers and the plain candle ops stay as the references this step is tested against
//! (`tests/fused.rs`).

use std::cell::RefCell;
use std::sync::{Mutex, PoisonError, RwLock};

use candle_core::{CpuStorage, InplaceOp1, Layout, Tensor, Var, bail};
use candle_nn::ParamsAdamW;

use super::adamw::{AdamStep, read};
use super::crew::Crew;
use super::gemm::{Mat, matmul};
use super::simd::widest;
use super::{cpu_values, row_shards};
use crate::flow::{Activation, FlowError, VelocityNet};

/// One training phase's fused step: its buffers, the optimizer's moments and the moving
/// average, for one network.
///
/// The optimizer's update can run on the crew while the caller draws the next batch
/// ([`Self::begin_update`]); the step then waits for it before anything reads the weights
/// through it ([`Self::gradients`], [`Self::settle`], [`Self::finish`], or dropping it).
pub struct TrainStep {
    /// The shards' and the parameters' state, worked on by the caller and a crew of helpers.
    crew: Crew<Job>,
    /// The batch size the shards are laid out for.
    batch: usize,
    params: ParamsAdamW,
    step: i32,
    /// Whether [`Self::gradients`] has run since the last update.
    ready: bool,
}

/// Everything a round of the crew reads and writes.
struct Job {
    net: Batch,
    /// The batch's shards, each with its buffers: one task each in a gradients round.
    shards: Vec<RwLock<Shard>>,
    /// Per parameter, in the network's order: one task each in an update round.
    slots: Vec<Mutex<Slot>>,
    /// The parameters' indices, largest first: the order an update round's tasks take them,
    /// so the two largest start first, on different threads.
    largest_first: Vec<usize>,
    stage: Stage,
}

/// What the crew's next round does.
#[derive(Clone, Copy)]
enum Stage {
    /// Forward, loss and backward of each shard.
    Gradients,
    /// `AdamW` and the moving average of each parameter.
    Update { step: AdamStep, ema_decay: f64 },
}

/// One parameter: its variable, its `AdamW` moments and its moving average.
struct Slot {
    var: Var,
    first: Vec<f32>,
    second: Vec<f32>,
    average: Option<Vec<f32>>,
    /// The sum of the shards' gradients (when there are more than two shards).
    grad_sum: Vec<f32>,
}

/// What every shard of one step reads: the network and the batch.
struct Batch {
    /// Features at each layer boundary (input, hidden…, output).
    sizes: Vec<usize>,
    activation: Activation,
    /// The parameters, in the network's order (sharing storage with the network's).
    params: Vec<Tensor>,
    /// The batch: inputs and targets, row-major.
    inputs: Vec<f32>,
    targets: Vec<f32>,
    /// Turns an error into the gradient of the whole batch's mean: `2 / (rows · dim)`.
    scale: f32,
}

/// The buffers of one shard of the batch.
struct Shard {
    /// First row of the batch and number of rows.
    start: usize,
    rows: usize,
    /// Per layer: its output (after the activation on hidden layers), `rows × sizes[l + 1]`.
    outputs: Vec<Vec<f32>>,
    /// Per hidden layer: the activation's derivative at the pre-activations.
    slopes: Vec<Vec<f32>>,
    /// The loss gradient with respect to the current layer's pre-activations, and the buffer
    /// the next layer down's is written to (they swap).
    grad: Vec<f32>,
    spare: Vec<f32>,
    /// Per parameter: this shard's gradient.
    param_grads: Vec<Vec<f32>>,
    /// This shard's sum of squared errors.
    squared_error: f64,
}

/// A crew's error as the step's.
fn step_error(message: String) -> FlowError {
    FlowError::invalid("step", message)
}

impl TrainStep {
    /// A step for `net` with `params` (the learning rate is set per step); `averaging` keeps a
    /// moving average of the weights, started at their current values.
    pub fn new(net: &VelocityNet, params: ParamsAdamW, averaging: bool) -> Result<Self, FlowError> {
        let slots = net
            .vars()
            .into_iter()
            .map(|var| {
                let n = var.elem_count();
                let average = if averaging {
                    Some(read(var.as_tensor(), <[f32]>::to_vec)?)
                } else {
                    None
                };
                Ok(Slot {
                    var,
                    first: vec![0.0; n],
                    second: vec![0.0; n],
                    average,
                    grad_sum: Vec::new(),
                })
            })
            .collect::<Result<Vec<_>, FlowError>>()?;
        let mut largest_first: Vec<usize> = (0..slots.len()).collect();
        largest_first.sort_by_key(|&i| std::cmp::Reverse(slots[i].first.len()));
        let job = Job {
            net: Batch {
                sizes: net.layer_sizes(),
                activation: net.config().activation,
                params: slots.iter().map(|s| s.var.as_tensor().clone()).collect(),
                inputs: Vec::new(),
                targets: Vec::new(),
                scale: 0.0,
            },
            shards: Vec::new(),
            slots: slots.into_iter().map(Mutex::new).collect(),
            largest_first,
            stage: Stage::Gradients,
        };
        let helpers = rayon::current_num_threads().saturating_sub(1);
        Ok(Self {
            crew: Crew::new(helpers, job, run_task),
            batch: 0,
            params,
            step: 0,
            ready: false,
        })
    }

    /// Runs the forward and backward pass of one batch (`inputs` row-major with the network's
    /// input width, `targets` with its output width) and returns the mean squared error. The
    /// gradients wait in the step's buffers for [`Self::update`]; the weights are unchanged.
    /// An update still running is finished first.
    pub fn gradients(&mut self, inputs: &[f32], targets: &[f32]) -> Result<f32, FlowError> {
        let laid_out = self.batch;
        let mut job = self.crew.job_mut().map_err(step_error)?;
        let sizes = &job.net.sizes;
        let (input_width, dim) = (sizes[0], sizes[sizes.len() - 1]);
        let n = targets.len() / dim;
        if n == 0 || targets.len() != n * dim || inputs.len() != n * input_width {
            return Err(FlowError::invalid(
                "batch",
                format!(
                    "{} inputs and {} targets do not make rows of {input_width} and {dim}",
                    inputs.len(),
                    targets.len()
                ),
            ));
        }
        if n != laid_out {
            let widest = sizes.iter().copied().max().unwrap_or(1);
            let shards = row_shards(n, widest)
                .into_iter()
                .map(|rows| RwLock::new(job.new_shard(rows.start, rows.len())))
                .collect();
            job.shards = shards;
        }
        job.net.inputs.clear();
        job.net.inputs.extend_from_slice(inputs);
        job.net.targets.clear();
        job.net.targets.extend_from_slice(targets);
        job.net.scale = 2.0 / (n * dim) as f32;
        job.stage = Stage::Gradients;
        let tasks = job.shards.len();
        drop(job);
        self.batch = n;
        self.ready = false;
        self.crew.run(tasks).map_err(step_error)?;
        self.ready = true;
        let job = self.crew.job().map_err(step_error)?;
        let squared: f64 = job
            .shards
            .iter()
            .map(|s| {
                s.read()
                    .unwrap_or_else(PoisonError::into_inner)
                    .squared_error
            })
            .sum();
        Ok((squared / (n * dim) as f64) as f32)
    }

    /// One `AdamW` step at `learning_rate` on the gradients of the last
    /// [`Self::gradients`], then the moving average with `ema_decay`, each parameter in one
    /// pass written into the network's own storage.
    pub fn update(&mut self, learning_rate: f64, ema_decay: f64) -> Result<(), FlowError> {
        self.begin_update(learning_rate, ema_decay)?;
        self.settle()
    }

    /// [`Self::update`] handed to the crew: returns at once, while the helpers write the new
    /// weights. Until [`Self::settle`] (or the next [`Self::gradients`]) the network's
    /// weights are being written and must not be read.
    pub fn begin_update(&mut self, learning_rate: f64, ema_decay: f64) -> Result<(), FlowError> {
        if !std::mem::take(&mut self.ready) {
            return Err(FlowError::invalid(
                "step",
                "an update needs the gradients of a batch first",
            ));
        }
        self.step += 1;
        self.params.lr = learning_rate;
        let step = AdamStep::new(&self.params, self.step);
        let mut job = self.crew.job_mut().map_err(step_error)?;
        job.stage = Stage::Update { step, ema_decay };
        let tasks = job.slots.len();
        drop(job);
        self.crew.start(tasks).map_err(step_error)
    }

    /// From the next round on, this thread runs the whole step itself (`true`: the step's
    /// helper threads are left asleep, their cores free for other work) or with the helpers
    /// (`false`, as a new step starts). The results are the same to the bit either way.
    pub fn set_solo(&mut self, solo: bool) {
        self.crew.set_solo(solo);
    }

    /// Waits for an update begun by [`Self::begin_update`]; returns its error, if any.
    pub fn settle(&mut self) -> Result<(), FlowError> {
        self.crew.wait().map_err(step_error)
    }

    /// The gradients of the last [`Self::gradients`], summed over the shards, one vector per
    /// parameter in the network's order (for checks; the update reads the buffers directly).
    pub fn parameter_gradients(&mut self) -> Result<Vec<Vec<f32>>, FlowError> {
        let ready = self.ready;
        let job = self.crew.job().map_err(step_error)?;
        let mut sums: Vec<Vec<f32>> = job
            .slots
            .iter()
            .map(|s| vec![0.0; s.lock().unwrap_or_else(PoisonError::into_inner).first.len()])
            .collect();
        if ready {
            for shard in &job.shards {
                let shard = shard.read().unwrap_or_else(PoisonError::into_inner);
                for (sum, part) in sums.iter_mut().zip(&shard.param_grads) {
                    add_into(sum, part);
                }
            }
        }
        Ok(sums)
    }

    /// Writes the moving average (if any) into the network: the weights a phase ends with.
    /// An update still running is finished first.
    pub fn finish(mut self) -> Result<(), FlowError> {
        let job = self.crew.job().map_err(step_error)?;
        for slot in &job.slots {
            let slot = slot.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(avg) = &slot.average {
                let t = Tensor::from_slice(avg, slot.var.shape(), slot.var.device())?;
                slot.var.set(&t)?;
            }
        }
        Ok(())
    }
}

impl Job {
    /// A shard of `rows` rows from `start`, its buffers sized for the network.
    fn new_shard(&self, start: usize, rows: usize) -> Shard {
        let sizes = &self.net.sizes;
        let layers = sizes.len() - 1;
        let hidden = sizes[1..].iter().copied().max().unwrap_or(1);
        Shard {
            start,
            rows,
            outputs: sizes[1..].iter().map(|&w| vec![0.0; rows * w]).collect(),
            slopes: sizes[1..layers]
                .iter()
                .map(|&w| vec![0.0; rows * w])
                .collect(),
            grad: vec![0.0; rows * hidden],
            spare: vec![0.0; rows * hidden],
            param_grads: self
                .slots
                .iter()
                .map(|s| vec![0.0; s.lock().unwrap_or_else(PoisonError::into_inner).first.len()])
                .collect(),
            squared_error: 0.0,
        }
    }
}

/// The crew's work: task `i` of the current stage.
fn run_task(job: &Job, i: usize) -> Result<(), String> {
    match job.stage {
        Stage::Gradients => {
            let shard = job.shards.get(i).ok_or_else(|| format!("no shard {i}"))?;
            run_shard(
                &job.net,
                &mut shard.write().unwrap_or_else(PoisonError::into_inner),
            )
        }
        Stage::Update { step, ema_decay } => {
            let k = *job
                .largest_first
                .get(i)
                .ok_or_else(|| format!("no parameter {i}"))?;
            update_parameter(job, k, step, ema_decay).map_err(|e| e.to_string())
        }
    }
}

/// `AdamW` and the moving average of parameter `k`, on the sum of the shards' gradients.
fn update_parameter(
    job: &Job,
    k: usize,
    step: AdamStep,
    ema_decay: f64,
) -> candle_core::Result<()> {
    let mut slot = job.slots[k].lock().unwrap_or_else(PoisonError::into_inner);
    let slot = &mut *slot;
    let shards: Vec<_> = job
        .shards
        .iter()
        .map(|s| s.read().unwrap_or_else(PoisonError::into_inner))
        .collect();
    // The shards' gradients add up to the whole batch's, in shard order as the fused
    // layers' optimizer adds them; the last two are added in the update's own pass.
    let (grad, other): (&[f32], Option<&[f32]>) = match shards.as_slice() {
        [] => return Ok(()),
        [only] => (&only.param_grads[k], None),
        [first, second] => (&first.param_grads[k], Some(&second.param_grads[k])),
        [first, middle @ .., last] => {
            slot.grad_sum.clear();
            slot.grad_sum.extend_from_slice(&first.param_grads[k]);
            for shard in middle {
                add_into(&mut slot.grad_sum, &shard.param_grads[k]);
            }
            (&slot.grad_sum, Some(&last.param_grads[k]))
        }
    };
    let update = Update {
        grad,
        other,
        first: RefCell::new(&mut slot.first),
        second: RefCell::new(&mut slot.second),
        average: RefCell::new(slot.average.as_deref_mut()),
        ema_decay,
        step,
    };
    slot.var.as_tensor().inplace_op1(&update)
}

/// One shard's forward, loss and backward.
fn run_shard(batch: &Batch, shard: &mut Shard) -> Result<(), String> {
    let guards: Vec<_> = batch
        .params
        .iter()
        .map(Tensor::storage_and_layout)
        .collect();
    let weights = guards
        .iter()
        .map(|(storage, layout)| cpu_values(storage, layout, "the fused training step"))
        .collect::<candle_core::Result<Vec<&[f32]>>>()
        .map_err(|e| e.to_string())?;
    let (input_width, dim) = (batch.sizes[0], batch.sizes[batch.sizes.len() - 1]);
    let rows = shard.start..shard.start + shard.rows;
    let net = Net {
        sizes: &batch.sizes,
        activation: batch.activation,
        weights: &weights,
    };
    net.run(
        shard,
        &batch.inputs[rows.start * input_width..rows.end * input_width],
        &batch.targets[rows.start * dim..rows.end * dim],
        batch.scale,
    );
    Ok(())
}

/// The network as the shards read it: layer sizes, activation and the parameters' values.
struct Net<'a> {
    sizes: &'a [usize],
    activation: Activation,
    /// Per parameter, in the network's order.
    weights: &'a [&'a [f32]],
}

impl Net<'_> {
    /// Forward, loss and backward of one shard: `x` its inputs, `y` its targets, `scale` the
    /// factor that turns an error into the gradient of the whole batch's mean.
    fn run(&self, shard: &mut Shard, x: &[f32], y: &[f32], scale: f32) {
        let layers = self.sizes.len() - 1;
        let n = shard.rows;
        for l in 0..layers {
            let (fan_in, fan_out) = (self.sizes[l], self.sizes[l + 1]);
            let (below, here) = shard.outputs.split_at_mut(l);
            let input = below.last().map_or(x, Vec::as_slice);
            let out = &mut here[0];
            let w = Mat::row_major(self.weights[2 * l], fan_out, fan_in);
            matmul(out, Mat::row_major(input, n, fan_in), w.t(), false);
            let bias = self.weights[2 * l + 1];
            if l + 1 < layers {
                self.activation
                    .map_in_place_with_slope(out, bias, &mut shard.slopes[l]);
            } else {
                add_rows(out, bias);
            }
        }
        let dim = self.sizes[layers];
        shard.squared_error = output_gradient(
            &shard.outputs[layers - 1],
            y,
            scale,
            &mut shard.grad[..n * dim],
        );
        for l in (0..layers).rev() {
            let (fan_in, fan_out) = (self.sizes[l], self.sizes[l + 1]);
            let input = if l == 0 { x } else { &shard.outputs[l - 1] };
            let grad = &shard.grad[..n * fan_out];
            let (weight_grads, bias_grads) = shard.param_grads.split_at_mut(2 * l + 1);
            let (dw, db) = (&mut weight_grads[2 * l], &mut bias_grads[0]);
            column_sums(grad, fan_out, db);
            let g = Mat::row_major(grad, n, fan_out);
            matmul(dw, g.t(), Mat::row_major(input, n, fan_in), false);
            if l > 0 {
                // The first layer's input gradient is never needed.
                let spare = &mut shard.spare[..n * fan_in];
                let w = Mat::row_major(self.weights[2 * l], fan_out, fan_in);
                matmul(spare, g, w, false);
                multiply_into(spare, &shard.slopes[l - 1]);
                std::mem::swap(&mut shard.grad, &mut shard.spare);
            }
        }
    }
}

/// Adds `bias` to every row of the row-major `m`.
fn add_rows(m: &mut [f32], bias: &[f32]) {
    for row in m.chunks_exact_mut(bias.len().max(1)) {
        add_into(row, bias);
    }
}

/// `grad ← scale·(out − y)`; returns `Σ (out − y)²`.
fn output_gradient(out: &[f32], y: &[f32], scale: f32, grad: &mut [f32]) -> f64 {
    let mut sum = 0.0f64;
    for ((g, &o), &t) in grad.iter_mut().zip(out).zip(y) {
        let d = o - t;
        sum += f64::from(d * d);
        *g = d * scale;
    }
    sum
}

/// `sums[c] = Σ_r m[r][c]` for a row-major matrix with `cols` columns.
fn column_sums(m: &[f32], cols: usize, sums: &mut [f32]) {
    sums.fill(0.0);
    widest(
        #[inline(always)]
        || {
            for row in m.chunks_exact(cols) {
                for (s, &v) in sums.iter_mut().zip(row) {
                    *s += v;
                }
            }
        },
    );
}

/// `a ← a ⊙ b`.
fn multiply_into(a: &mut [f32], b: &[f32]) {
    widest(
        #[inline(always)]
        || {
            for (x, &y) in a.iter_mut().zip(b) {
                *x *= y;
            }
        },
    );
}

/// `a ← a + b`.
fn add_into(a: &mut [f32], b: &[f32]) {
    widest(
        #[inline(always)]
        || {
            for (x, &y) in a.iter_mut().zip(b) {
                *x += y;
            }
        },
    );
}

/// The in-place `AdamW` and moving-average update of one parameter.
struct Update<'a> {
    grad: &'a [f32],
    /// A second shard's gradient, added to `grad`.
    other: Option<&'a [f32]>,
    first: RefCell<&'a mut [f32]>,
    second: RefCell<&'a mut [f32]>,
    average: RefCell<Option<&'a mut [f32]>>,
    ema_decay: f64,
    step: AdamStep,
}

impl InplaceOp1 for Update<'_> {
    fn name(&self) -> &'static str {
        "fused-train-step-update"
    }

    fn cpu_fwd(&self, storage: &mut CpuStorage, layout: &Layout) -> candle_core::Result<()> {
        let Some((start, end)) = layout.contiguous_offsets() else {
            bail!("the fused training step needs contiguous parameters");
        };
        let theta = match storage {
            CpuStorage::F32(v) => &mut v[start..end],
            _ => bail!("the fused training step runs on f32 parameters"),
        };
        let mut first = self.first.borrow_mut();
        let mut second = self.second.borrow_mut();
        let mut average = self.average.borrow_mut();
        if theta.len() != self.grad.len()
            || first.len() != theta.len()
            || self.other.is_some_and(|o| o.len() != theta.len())
        {
            bail!("fused training step: parameter, gradient and moments differ in size");
        }
        let average = average.as_deref_mut().map(|a| (a, self.ema_decay));
        self.step.apply_sum(
            theta,
            self.grad,
            self.other,
            &mut first,
            &mut second,
            average,
        );
        Ok(())
    }
}
