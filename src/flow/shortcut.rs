//! Shortcut models (Frans, Hafner, Levine and Abbeel, 2024): one network `s(x, t, d)` told
//! the step size d as well as t, trained from scratch with no teacher. At d = 0 it learns
//! the flow-matching velocity; for larger d it learns self-consistency: one step of size 2d
//! should land where two steps of size d do,
//!
//! `s(x_t, t, 2d) ≈ ½·(s(x_t, t, d) + s(x', t − d, d))`, `x' = x_t − d·s(x_t, t, d)`,
//!
//! with the right side computed by the network itself (stopped gradient). Sampling in n
//! steps takes Euler steps of size d = 1/n read at d (see
//! [`super::VelocityField::velocity_over`]).

use std::sync::atomic::AtomicBool;

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::train::{BatchReads, check_share, fit, share_rows};
use super::{FlowError, TrainConfig, TrainProgress, TrainStats, VelocityNet};
use crate::target::{Mixture, Source};

/// Settings of a shortcut model's training.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShortcutConfig {
    /// Optimiser settings (the time sampling applies to the flow-matching part).
    pub train: TrainConfig,
    /// Share of each batch trained for self-consistency; the rest is flow matching at d = 0.
    pub consistency_share: f64,
    /// The smallest step is `2^-levels`: self-consistency pairs have d = 1/2 … 2^-levels,
    /// and the smallest d reads the network at d = 0 (the flow-matching velocity).
    pub levels: u32,
}

impl ShortcutConfig {
    /// A quarter of each batch for self-consistency (the paper's share) and steps down to
    /// 1/128, with `train`'s optimiser settings.
    pub fn new(train: TrainConfig) -> Self {
        Self {
            train,
            consistency_share: 0.25,
            levels: 7,
        }
    }

    /// Checks the share (0 to 1) and the levels (1 to 10), then the optimiser settings.
    pub fn validate(&self) -> Result<(), FlowError> {
        check_share("consistency_share", self.consistency_share)?;
        if !(1..=10).contains(&self.levels) {
            return Err(FlowError::invalid("levels", "must be between 1 and 10"));
        }
        self.train.validate()
    }

    /// Examples of each batch trained for self-consistency.
    pub fn consistency_rows(&self) -> usize {
        share_rows(self.train.batch, self.consistency_share)
    }
}

/// Trains `net` (an interval network, see [`super::NetConfig::interval`]) as a shortcut
/// model on independent pairs: x0 from `target`, z from `source`.
pub fn train_shortcut<R: Rng>(
    net: &VelocityNet,
    source: Source<'_>,
    target: &Mixture,
    config: &ShortcutConfig,
    rng: &mut R,
    on_progress: &mut dyn FnMut(TrainProgress<'_>),
    cancel: &AtomicBool,
) -> Result<TrainStats, FlowError> {
    config.validate()?;
    net.require_interval("a shortcut model")?;
    let (dim, batch) = (net.dim(), config.train.batch);
    let pairs = config.consistency_rows().min(batch);
    let smallest = 0.5_f32.powi(config.levels as i32);
    let mut make_batch = |rng: &mut R, inputs: &mut Vec<f32>, targets: &mut Vec<f32>| {
        let x0 = target.sample(batch, rng);
        let z = source.sample(batch, rng);
        let mut xt = Vec::with_capacity(batch * dim);
        let (mut t, mut d) = (Vec::with_capacity(batch), Vec::with_capacity(batch));
        for (k, (x0_k, z_k)) in x0.rows().zip(z.rows()).enumerate() {
            let (tk, dk) = if k < pairs {
                // d = 2^-j, and t on d's grid with room for two steps: t = m·d, m ≥ 2.
                let j = rng.random_range(1..=config.levels as i32);
                let dk = 0.5_f32.powi(j);
                let m = rng.random_range(2..=(1_i64 << j));
                (m as f32 * dk, dk)
            } else {
                (config.train.time_sampling.sample(rng), 0.0)
            };
            xt.extend(x0_k.iter().zip(z_k).map(|(a, b)| tk * b + (1.0 - tk) * a));
            t.push(tk);
            d.push(dk);
            if k >= pairs {
                targets.extend(z_k.iter().zip(x0_k).map(|(b, a)| b - a));
            }
        }
        // Self-consistency targets from the network itself: two steps of d, the smallest d
        // read at d = 0.
        let asked: Vec<f32> = d[..pairs]
            .iter()
            .map(|&dk| if dk <= smallest { 0.0 } else { dk })
            .collect();
        let first = net.velocity_rows(&xt[..pairs * dim], &t[..pairs], &asked)?;
        let moved: Vec<f32> = (0..pairs * dim)
            .map(|i| xt[i] - d[i / dim] * first[i])
            .collect();
        let later: Vec<f32> = (0..pairs).map(|k| t[k] - d[k]).collect();
        let second = net.velocity_rows(&moved, &later, &asked)?;
        let mut consistency: Vec<f32> = first
            .iter()
            .zip(&second)
            .map(|(a, b)| 0.5 * (a + b))
            .collect();
        consistency.extend_from_slice(targets);
        *targets = consistency;
        for k in 0..batch {
            let h = if k < pairs { 2.0 * d[k] } else { 0.0 };
            net.push_input_interval(&xt[k * dim..(k + 1) * dim], t[k], h, inputs);
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
