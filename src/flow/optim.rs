//! One training phase's step on the kernels the config picks: the gradients of a batch's
//! mean squared error, the optimizer and the moving average of the weights.

use std::ops::Range;

use candle_core::backprop::GradStore;
use candle_core::{Device, Tensor, Var};
use candle_nn::{AdamW, Optimizer as _, ParamsAdamW};

use super::fused::{FusedAdamW, FusedEma, TrainStep, row_shards, split_work};
use super::{FlowError, Kernels, TrainConfig, VelocityNet};

/// The regression step of a training phase: gradients of a batch, then the update.
pub(crate) enum Trainer {
    /// The whole step as one fused kernel ([`Kernels::Fused`]).
    Fused(TrainStep),
    /// Through candle's autograd ([`Kernels::Layers`] and [`Kernels::Reference`]): the
    /// gradient stores of the last batch (one per shard) wait for the update.
    Graph {
        stepper: Stepper,
        kernels: Kernels,
        grads: Vec<GradStore>,
    },
}

impl Trainer {
    /// A fresh step for training `net` with `config`.
    pub(crate) fn new(net: &VelocityNet, config: &TrainConfig) -> Result<Self, FlowError> {
        Ok(match config.kernels {
            Kernels::Fused => Self::Fused(TrainStep::new(
                net,
                adam_params(config),
                config.ema_decay > 0.0,
            )?),
            kernels => Self::Graph {
                stepper: Stepper::new(net.vars(), config)?,
                kernels,
                grads: Vec::new(),
            },
        })
    }

    /// The mean squared error between `net`'s outputs on `inputs` and `targets`; its
    /// gradients wait for [`Self::update`].
    pub(crate) fn gradients(
        &mut self,
        net: &VelocityNet,
        inputs: &[f32],
        targets: &[f32],
    ) -> Result<f32, FlowError> {
        match self {
            Self::Fused(step) => step.gradients(inputs, targets),
            Self::Graph { kernels, grads, .. } => {
                let (loss, stores) = loss_and_grads(net, inputs, targets, *kernels)?;
                *grads = stores;
                Ok(loss)
            }
        }
    }

    /// One `AdamW` step at `learning_rate` on the last gradients, then the moving average
    /// with `ema_decay`. The fused step only starts it, on its crew: the weights must not be
    /// read before [`Self::settle`] (the next [`Self::gradients`] and [`Self::finish`] wait
    /// for it themselves).
    pub(crate) fn begin_update(
        &mut self,
        learning_rate: f64,
        ema_decay: f64,
    ) -> Result<(), FlowError> {
        match self {
            Self::Fused(step) => step.begin_update(learning_rate, ema_decay),
            Self::Graph { stepper, grads, .. } => {
                stepper.step(&std::mem::take(grads), learning_rate, ema_decay)
            }
        }
    }

    /// Runs the next steps on this thread alone (`true`) or with the step's helper threads
    /// (`false`, the default). Only the fused step has helpers; the results are the same.
    pub(crate) fn set_solo(&mut self, solo: bool) {
        if let Self::Fused(step) = self {
            step.set_solo(solo);
        }
    }

    /// Waits for the update [`Self::begin_update`] started (if it is still running).
    pub(crate) fn settle(&mut self) -> Result<(), FlowError> {
        match self {
            Self::Fused(step) => step.settle(),
            Self::Graph { .. } => Ok(()),
        }
    }

    /// Writes the moving average (if any) into the parameters: the weights the phase ends
    /// with.
    pub(crate) fn finish(self) -> Result<(), FlowError> {
        match self {
            Self::Fused(step) => step.finish(),
            Self::Graph { stepper, .. } => stepper.finish(),
        }
    }
}

/// `AdamW`'s settings for `config` (the learning rate is set per step).
fn adam_params(config: &TrainConfig) -> ParamsAdamW {
    ParamsAdamW {
        lr: config.learning_rate,
        weight_decay: config.weight_decay,
        ..ParamsAdamW::default()
    }
}

/// The mean-squared-error loss of one batch and its gradients through candle's autograd. On
/// the fused layers the batch is split by rows over the cores, and each shard's loss is
/// weighted by its share of the batch, so the shards' gradients sum to those of the whole
/// batch's mean (the optimizer adds them). The reference path runs the batch whole.
fn loss_and_grads(
    net: &VelocityNet,
    inputs: &[f32],
    targets: &[f32],
    kernels: Kernels,
) -> Result<(f32, Vec<GradStore>), FlowError> {
    let (width, dim) = (net.input_width(), net.dim());
    let n = targets.len() / dim;
    let shard = |rows: Range<usize>| -> Result<(f32, GradStore), FlowError> {
        let input = Tensor::from_slice(
            &inputs[rows.start * width..rows.end * width],
            (rows.len(), width),
            &Device::Cpu,
        )?;
        let target = Tensor::from_slice(
            &targets[rows.start * dim..rows.end * dim],
            (rows.len(), dim),
            &Device::Cpu,
        )?;
        let prediction = net.forward_train(&input, kernels)?;
        let share = rows.len() as f64 / n as f64;
        let loss = (candle_nn::loss::mse(&prediction, &target)? * share)?;
        Ok((loss.to_scalar::<f32>()?, loss.backward()?))
    };
    let shards = match kernels {
        Kernels::Reference => std::iter::once(0..n).collect(),
        Kernels::Fused | Kernels::Layers => row_shards(n, net.widest_layer()),
    };
    let results = split_work(shards, shard)
        .into_iter()
        .collect::<Result<Vec<_>, FlowError>>()?;
    let loss = results.iter().map(|(l, _)| l).sum();
    Ok((loss, results.into_iter().map(|(_, g)| g).collect()))
}

/// `AdamW` plus the exponential moving average of the weights a phase ends with.
pub(crate) enum Stepper {
    /// Fused update and average: one pass per parameter each.
    Fused {
        optimizer: FusedAdamW,
        ema: Option<FusedEma>,
    },
    /// candle-nn's `AdamW` and a tensor-op average: the reference.
    Reference {
        optimizer: AdamW,
        vars: Vec<Var>,
        ema: Vec<Tensor>,
    },
}

impl Stepper {
    /// A fresh optimizer over `vars`, with the average started at their current values when
    /// `config.ema_decay > 0`.
    pub(crate) fn new(vars: Vec<Var>, config: &TrainConfig) -> Result<Self, FlowError> {
        let params = adam_params(config);
        let averaging = config.ema_decay > 0.0;
        Ok(match config.kernels {
            Kernels::Fused | Kernels::Layers => Self::Fused {
                ema: averaging.then(|| FusedEma::new(&vars)).transpose()?,
                optimizer: FusedAdamW::new(vars, params)?,
            },
            Kernels::Reference => Self::Reference {
                ema: if averaging {
                    vars.iter()
                        .map(|v| v.as_tensor().copy())
                        .collect::<candle_core::Result<_>>()?
                } else {
                    Vec::new()
                },
                optimizer: AdamW::new(vars.clone(), params)?,
                vars,
            },
        })
    }

    /// Takes one `AdamW` step at `learning_rate` on the sum of `grads` (one store per batch
    /// shard), then moves the average with `ema_decay` (ignored when averaging is off).
    pub(crate) fn step(
        &mut self,
        grads: &[GradStore],
        learning_rate: f64,
        ema_decay: f64,
    ) -> Result<(), FlowError> {
        match self {
            Self::Fused { optimizer, ema } => {
                optimizer.set_learning_rate(learning_rate);
                optimizer.step_sum(grads)?;
                if let Some(ema) = ema {
                    ema.update(ema_decay)?;
                }
            }
            Self::Reference {
                optimizer,
                vars,
                ema,
            } => {
                let [grads] = grads else {
                    return Err(FlowError::invalid(
                        "kernels",
                        "the reference optimizer takes one unsplit batch",
                    ));
                };
                optimizer.set_learning_rate(learning_rate);
                optimizer.step(grads)?;
                for (avg, var) in ema.iter_mut().zip(vars.iter()) {
                    *avg = ((&*avg * ema_decay)? + (var.as_tensor() * (1.0 - ema_decay))?)?;
                }
            }
        }
        Ok(())
    }

    /// Writes the average (if any) into the parameters: the weights the phase ends with.
    pub(crate) fn finish(self) -> Result<(), FlowError> {
        match self {
            Self::Fused { ema, .. } => {
                if let Some(ema) = ema {
                    ema.write_back()?;
                }
            }
            Self::Reference { vars, ema, .. } => {
                for (avg, var) in ema.iter().zip(&vars) {
                    var.set(avg)?;
                }
            }
        }
        Ok(())
    }
}
