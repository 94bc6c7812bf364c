//! The optimizer and moving average of one training phase, on the kernels the config picks.

use candle_core::backprop::GradStore;
use candle_core::{Tensor, Var};
use candle_nn::{AdamW, Optimizer as _, ParamsAdamW};

use super::fused::{FusedAdamW, FusedEma};
use super::{FlowError, Kernels, TrainConfig};

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
        let params = ParamsAdamW {
            lr: config.learning_rate,
            weight_decay: config.weight_decay,
            ..ParamsAdamW::default()
        };
        let averaging = config.ema_decay > 0.0;
        Ok(match config.kernels {
            Kernels::Fused => Self::Fused {
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
