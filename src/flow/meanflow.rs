//! `MeanFlow` (Geng, Deng, Bai, Kolter and He, 2025): the network learns the average velocity
//! over an interval, `u(x_t, r, t) = 1/(t − r)·∫_r^t v(x_τ, τ) dτ`, so one step from t to r is
//! exact: `x_r = x_t − (t − r)·u`, and one step from noise is `x0 = z − u(z, 0, 1)`.
//!
//! Differentiating `(t − r)·u = ∫_r^t v dτ` in t gives the `MeanFlow` identity
//! `u = v − (t − r)·du/dt`, where `du/dt = ∂u/∂x·v + ∂u/∂t` is the derivative along the path
//! (r held): a Jacobian-vector product of the network ([`super::jvp`]). Training regresses
//! `u_θ(x_t, r, t)` onto `v − (t − r)·du_θ/dt` with the conditional velocity `v = z − x0`
//! and the product computed on the current weights (stopped gradient). The network is an
//! interval network told `h = t − r` (at h = 0 the target is plain flow matching), so n
//! sampling steps are Euler steps of size 1/n read at h = 1/n.

use std::sync::atomic::AtomicBool;

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::jvp::{jvp, path_tangent};
use super::train::{BatchReads, check_share, fit, share_rows};
use super::{FlowError, TrainConfig, TrainProgress, TrainStats, VelocityNet};
use crate::target::{Mixture, Source};

/// Settings of a `MeanFlow` training.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeanFlowConfig {
    /// Optimiser settings (the time sampling draws t, and r for the interval rows).
    pub train: TrainConfig,
    /// Share of each batch with r < t; the rest has r = t (flow matching). The paper found
    /// a quarter best.
    pub interval_share: f64,
}

impl MeanFlowConfig {
    /// A quarter of each batch on intervals, with `train`'s optimiser settings.
    pub fn new(train: TrainConfig) -> Self {
        Self {
            train,
            interval_share: 0.25,
        }
    }

    /// Checks the share (0 to 1), then the optimiser settings.
    pub fn validate(&self) -> Result<(), FlowError> {
        check_share("interval_share", self.interval_share)?;
        self.train.validate()
    }

    /// Examples of each batch with r < t.
    pub fn interval_rows(&self) -> usize {
        share_rows(self.train.batch, self.interval_share)
    }
}

/// Trains `net` (an interval network, see [`super::NetConfig::interval`]) with the
/// `MeanFlow` identity on independent pairs: x0 from `target`, z from `source`.
pub fn train_meanflow<R: Rng>(
    net: &VelocityNet,
    source: Source<'_>,
    target: &Mixture,
    config: &MeanFlowConfig,
    rng: &mut R,
    on_progress: &mut dyn FnMut(TrainProgress<'_>),
    cancel: &AtomicBool,
) -> Result<TrainStats, FlowError> {
    config.validate()?;
    net.require_interval("MeanFlow")?;
    let (dim, batch) = (net.dim(), config.train.batch);
    let intervals = config.interval_rows().min(batch);
    let sampling = config.train.time_sampling;
    let mut make_batch = |rng: &mut R, inputs: &mut Vec<f32>, targets: &mut Vec<f32>| {
        let x0 = target.sample(batch, rng);
        let z = source.sample(batch, rng);
        let mut tangents = Vec::with_capacity(intervals * net.input_width());
        let mut hs = Vec::with_capacity(intervals);
        for (k, (x0_k, z_k)) in x0.rows().zip(z.rows()).enumerate() {
            let (t, h) = if k < intervals {
                let (a, b) = (sampling.sample(rng), sampling.sample(rng));
                (a.max(b), (a - b).abs())
            } else {
                (sampling.sample(rng), 0.0)
            };
            let xt: Vec<f32> = x0_k
                .iter()
                .zip(z_k)
                .map(|(a, b)| t * b + (1.0 - t) * a)
                .collect();
            let v: Vec<f32> = z_k.iter().zip(x0_k).map(|(b, a)| b - a).collect();
            net.push_input_interval(&xt, t, h, inputs);
            if k < intervals {
                path_tangent(net, &v, t, h, &mut tangents);
                hs.push(h);
            }
            targets.extend_from_slice(&v);
        }
        if intervals > 0 {
            let rows = intervals * net.input_width();
            let (_, du_dt) = jvp(net, &inputs[..rows], &tangents)?;
            for (i, target) in targets[..intervals * dim].iter_mut().enumerate() {
                *target -= hs[i / dim] * du_dt[i];
            }
        }
        Ok(())
    };
    fit(
        net,
        &config.train,
        rng,
        &mut make_batch,
        BatchReads::Network,
        on_progress,
        cancel,
    )
}
