//! Conditional flow matching training, and the generic regression loop distillation shares.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::ahead::{Sharing, fit_ahead};
use super::optim::Trainer;
use super::{FlowError, FlowPath, Kernels, OtPairing, Pairs, TimeSampling, VelocityNet};
use crate::Points;
use crate::target::{Mixture, Source};

/// Optimiser steps a training phase may take (reflow and distillation phases too).
pub const STEPS_RANGE: std::ops::RangeInclusive<usize> = 1..=1_000_000;
/// Pairs per optimiser step.
pub const BATCH_RANGE: std::ops::RangeInclusive<usize> = 1..=65_536;

/// Optimiser and batch settings of one training phase.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainConfig {
    /// Optimiser steps.
    pub steps: usize,
    /// Examples per step.
    pub batch: usize,
    /// `AdamW` peak learning rate; a cosine schedule lowers it to a tenth by the last step.
    pub learning_rate: f64,
    /// `AdamW` decoupled weight decay.
    pub weight_decay: f64,
    /// How t is drawn for each example.
    pub time_sampling: TimeSampling,
    /// A progress report (with the mean loss since the last one) every this many steps.
    pub report_every: usize,
    /// Decay of the exponential moving average of the weights the phase ends with
    /// (0 turns it off and keeps the last iterate).
    pub ema_decay: f64,
    /// Fused kernels (the default) or the plain candle reference.
    #[serde(default)]
    pub kernels: Kernels,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            steps: 2000,
            batch: 256,
            learning_rate: 5e-3,
            weight_decay: 0.0,
            time_sampling: TimeSampling::Uniform,
            report_every: 25,
            ema_decay: 0.999,
            kernels: Kernels::Fused,
        }
    }
}

impl TrainConfig {
    /// Checks ranges: steps 1..=1,000,000, batch 1..=65,536, learning rate in (0, 1].
    pub fn validate(&self) -> Result<(), FlowError> {
        for (name, value, range) in [
            ("train_steps", self.steps, STEPS_RANGE),
            ("batch", self.batch, BATCH_RANGE),
        ] {
            if !range.contains(&value) {
                return Err(FlowError::invalid(
                    name,
                    format!(
                        "must be between {} and {}, got {value}",
                        range.start(),
                        range.end()
                    ),
                ));
            }
        }
        if !(self.learning_rate > 0.0 && self.learning_rate <= 1.0) {
            return Err(FlowError::invalid(
                "learning_rate",
                format!("must be in (0, 1], got {}", self.learning_rate),
            ));
        }
        if !(self.weight_decay >= 0.0 && self.weight_decay.is_finite()) {
            return Err(FlowError::invalid(
                "weight_decay",
                "must be a finite number ≥ 0",
            ));
        }
        if !(0.0..1.0).contains(&self.ema_decay) {
            return Err(FlowError::invalid("ema_decay", "must be in [0, 1)"));
        }
        self.time_sampling.validate()
    }

    /// The learning rate at `step` (0-based): cosine from the peak down to a tenth.
    pub fn learning_rate_at(&self, step: usize) -> f64 {
        let progress = step as f64 / self.steps.max(1) as f64;
        let cosine = 0.5 * (1.0 + (std::f64::consts::PI * progress).cos());
        self.learning_rate * (0.1 + 0.9 * cosine)
    }
}

/// A progress report from a training loop.
#[derive(Clone, Copy)]
pub struct TrainProgress<'a> {
    /// Steps done so far.
    pub step: usize,
    /// Steps in this phase.
    pub steps: usize,
    /// Mean loss over the steps since the previous report.
    pub loss: f32,
    /// The network being trained, as it is now (raw weights, before any averaging): for live
    /// previews.
    pub net: &'a VelocityNet,
}

/// What a finished training phase measured.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainStats {
    /// `(step, mean loss since the previous entry)`, one entry per report.
    pub losses: Vec<(usize, f32)>,
    /// Wall time of the phase.
    pub seconds: f64,
}

impl TrainStats {
    /// Optimiser steps per second.
    pub fn steps_per_second(&self) -> f64 {
        let steps = self.losses.last().map_or(0, |l| l.0);
        if self.seconds > 0.0 {
            steps as f64 / self.seconds
        } else {
            0.0
        }
    }
}

/// Where the (x0, z) pairs of CFM training come from.
#[derive(Clone, Copy)]
pub enum Coupling<'a> {
    /// Independent draws: x0 from the target, z from the source (1-RF).
    Independent {
        /// The distribution at t = 1 (N(0, I) unless transporting between two mixtures).
        source: Source<'a>,
        /// The data distribution at t = 0.
        target: &'a Mixture,
    },
    /// Fixed pairs, e.g. a previous model's (noise, sample) pairs (k-RF, k ≥ 2).
    Pairs(&'a Pairs),
    /// Independent draws, then each batch paired by an exact optimal assignment (OT-CFM).
    MinibatchOt {
        /// The distribution at t = 1.
        source: Source<'a>,
        /// The data distribution at t = 0.
        target: &'a Mixture,
    },
    /// Independent draws, each x0 labelled with the component it came from, the label
    /// dropped (the "no class" input) with probability `drop`: classifier-free guidance
    /// training for a class-conditional network.
    Labeled {
        /// The distribution at t = 1.
        source: Source<'a>,
        /// The data distribution at t = 0; its components are the classes.
        target: &'a Mixture,
        /// Probability of dropping the class.
        drop: f64,
    },
}

/// Trains `net` in place with the conditional flow matching loss
/// `E ‖v(x_t, t) − (z − x0)‖²`, `x_t = t·z + (1 − t)·x0`.
pub fn train_cfm<R: Rng>(
    net: &VelocityNet,
    coupling: Coupling<'_>,
    config: &TrainConfig,
    rng: &mut R,
    on_progress: &mut dyn FnMut(TrainProgress<'_>),
    cancel: &AtomicBool,
) -> Result<TrainStats, FlowError> {
    train_cfm_on_path(
        net,
        coupling,
        FlowPath::Straight,
        config,
        rng,
        on_progress,
        cancel,
    )
}

/// Trains `net` in place with the flow matching loss of `path`:
/// `E ‖v(x_t, t) − (α'(t)·x0 + σ'(t)·z)‖²`, `x_t = α(t)·x0 + σ(t)·z`.
pub fn train_cfm_on_path<R: Rng>(
    net: &VelocityNet,
    coupling: Coupling<'_>,
    path: FlowPath,
    config: &TrainConfig,
    rng: &mut R,
    on_progress: &mut dyn FnMut(TrainProgress<'_>),
    cancel: &AtomicBool,
) -> Result<TrainStats, FlowError> {
    if let Coupling::Labeled { target, drop, .. } = coupling {
        if net.classes() != target.components.len() {
            return Err(FlowError::invalid(
                "classes",
                format!(
                    "the network has {} class input(s) but the target {} component(s)",
                    net.classes(),
                    target.components.len()
                ),
            ));
        }
        if !(0.0..=1.0).contains(&drop) {
            return Err(FlowError::invalid("guidance_drop", "must be in [0, 1]"));
        }
    }
    let build = |raw: &RawBatch, inputs: &mut Vec<f32>, targets: &mut Vec<f32>| {
        build_batch(net, path, raw, inputs, targets);
    };
    if !matches!(coupling, Coupling::MinibatchOt { .. }) {
        let mut make_batch = |rng: &mut R, inputs: &mut Vec<f32>, targets: &mut Vec<f32>| {
            build(&draw(coupling, config, rng), inputs, targets);
            Ok(())
        };
        // The inputs and targets come from the draws alone (`push_input_class` reads the
        // network's shape, not its weights).
        return fit(
            net,
            config,
            rng,
            &mut make_batch,
            BatchReads::Data,
            on_progress,
            cancel,
        );
    }
    train_ot(
        net,
        coupling,
        path,
        config,
        rng,
        on_progress,
        cancel,
        Sharing::Measured,
    )
}

/// OT-CFM: each batch is paired ahead, on the second core, while the batch before it trains
/// (measured: two helpers, each pairing every other batch, were no faster on two cores; the
/// training thread pairing too whenever it would wait is, see [`super::ahead`]).
#[expect(clippy::too_many_arguments)]
fn train_ot<R: Rng>(
    net: &VelocityNet,
    coupling: Coupling<'_>,
    path: FlowPath,
    config: &TrainConfig,
    rng: &mut R,
    on_progress: &mut dyn FnMut(TrainProgress<'_>),
    cancel: &AtomicBool,
    sharing: Sharing,
) -> Result<TrainStats, FlowError> {
    fit_ahead(
        net,
        config,
        rng,
        |rng| draw(coupling, config, rng),
        // The batch is built where it is paired: its inputs are a function of its draws and
        // the network's shape alone, and in shared mode the step's thread is the busier one.
        || {
            let mut pairing = OtPairing::new();
            move |mut raw: RawBatch| {
                raw.x0 = pairing.pair(&raw.z, &raw.x0);
                let (mut inputs, mut targets) = (Vec::new(), Vec::new());
                build_batch(net, path, &raw, &mut inputs, &mut targets);
                Ok((inputs, targets))
            }
        },
        |(built_inputs, built_targets): (Vec<f32>, Vec<f32>), inputs, targets| {
            inputs.extend_from_slice(&built_inputs);
            targets.extend_from_slice(&built_targets);
            Ok(())
        },
        BatchReads::Data,
        on_progress,
        cancel,
        sharing,
    )
}

/// The network's inputs and regression targets for `raw` on `path`.
fn build_batch(
    net: &VelocityNet,
    path: FlowPath,
    raw: &RawBatch,
    inputs: &mut Vec<f32>,
    targets: &mut Vec<f32>,
) {
    let mut xt = vec![0.0; net.dim()];
    for (i, (x0_i, z_i)) in raw.x0.rows().zip(raw.z.rows()).enumerate() {
        let t = raw.times[i];
        let c = path.at(t);
        for (d, x) in xt.iter_mut().enumerate() {
            *x = c.sigma * z_i[d] + c.alpha * x0_i[d];
            targets.push(c.d_sigma * z_i[d] + c.d_alpha * x0_i[d]);
        }
        net.push_input_class(&xt, t, raw.classes.get(i).copied().flatten(), inputs);
    }
}

/// One batch's random draws, before any pairing: its points and each row's time and class.
struct RawBatch {
    x0: Points,
    z: Points,
    classes: Vec<Option<usize>>,
    times: Vec<f32>,
}

/// Draws one batch of `coupling` (the minibatch OT coupling's rows still unpaired): the
/// points first, then each row's time.
fn draw<R: Rng>(coupling: Coupling<'_>, config: &TrainConfig, rng: &mut R) -> RawBatch {
    let mut classes = Vec::new();
    let (x0, z) = match coupling {
        Coupling::Independent { source, target } | Coupling::MinibatchOt { source, target } => (
            target.sample(config.batch, rng),
            source.sample(config.batch, rng),
        ),
        Coupling::Labeled {
            source,
            target,
            drop,
        } => {
            let (x0, labels) = target.sample_labeled(config.batch, rng);
            let z = source.sample(config.batch, rng);
            classes.extend(
                labels
                    .into_iter()
                    .map(|k| (rng.random::<f64>() >= drop).then_some(k)),
            );
            (x0, z)
        }
        Coupling::Pairs(pairs) => {
            let idx: Vec<usize> = (0..config.batch)
                .map(|_| rng.random_range(0..pairs.len()))
                .collect();
            (pairs.x0.gather(&idx), pairs.z.gather(&idx))
        }
    };
    let times = (0..x0.len())
        .map(|_| config.time_sampling.sample(rng))
        .collect();
    RawBatch {
        x0,
        z,
        classes,
        times,
    }
}

/// Checks that `share` (a part of each batch, named `field`) lies in 0..=1.
pub(crate) fn check_share(field: &'static str, share: f64) -> Result<(), FlowError> {
    if (0.0..=1.0).contains(&share) {
        Ok(())
    } else {
        Err(FlowError::invalid(field, "must be between 0 and 1"))
    }
}

/// The rows of a batch of `batch` given to `share` of it, rounded to the nearest row.
pub(crate) fn share_rows(batch: usize, share: f64) -> usize {
    (batch as f64 * share).round() as usize
}

/// Fills one batch: network inputs (`batch × input_width`) and target velocities
/// (`batch × dim`), both row-major, appended to empty vectors.
pub(crate) type BatchFn<'a, R> =
    dyn FnMut(&mut R, &mut Vec<f32>, &mut Vec<f32>) -> Result<(), FlowError> + 'a;

/// What a batch function reads: whether the next batch may be made while the optimizer is
/// still writing the network's weights.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BatchReads {
    /// Only data (samples, pairs, another network): the batch is made while the last
    /// step's update runs on the training step's helper thread.
    Data,
    /// The network being trained (targets from its own velocities or their derivatives):
    /// each update is finished before the next batch is made.
    Network,
}

/// The regression loop: `AdamW` on the mean squared error between `net`'s output and the
/// targets `make_batch` produces; reports progress and checks `cancel` between steps.
/// `reads` says whether `make_batch` reads `net` itself.
pub(crate) fn fit<R: Rng>(
    net: &VelocityNet,
    config: &TrainConfig,
    rng: &mut R,
    make_batch: &mut BatchFn<'_, R>,
    reads: BatchReads,
    on_progress: &mut dyn FnMut(TrainProgress<'_>),
    cancel: &AtomicBool,
) -> Result<TrainStats, FlowError> {
    fit_on(
        net,
        config,
        rng,
        make_batch,
        reads,
        on_progress,
        cancel,
        &Cell::new(false),
    )
}

/// [`fit`], each step run on this thread alone while `solo` holds (read before each step;
/// `make_batch` may change it) and with the step's helper threads otherwise.
#[expect(clippy::too_many_arguments)]
pub(crate) fn fit_on<R: Rng>(
    net: &VelocityNet,
    config: &TrainConfig,
    rng: &mut R,
    make_batch: &mut BatchFn<'_, R>,
    reads: BatchReads,
    on_progress: &mut dyn FnMut(TrainProgress<'_>),
    cancel: &AtomicBool,
    solo: &Cell<bool>,
) -> Result<TrainStats, FlowError> {
    config.validate()?;
    let start = Instant::now();
    let mut trainer = Trainer::new(net, config)?;
    let report_every = config.report_every.max(1);
    let mut stats = TrainStats::default();
    let (mut loss_sum, mut loss_count) = (0.0f64, 0usize);
    let mut inputs = Vec::with_capacity(config.batch * net.input_width());
    let mut targets = Vec::with_capacity(config.batch * net.dim());
    for step in 0..config.steps {
        if cancel.load(Ordering::Relaxed) {
            return Err(FlowError::Cancelled);
        }
        inputs.clear();
        targets.clear();
        make_batch(rng, &mut inputs, &mut targets)?;
        trainer.set_solo(solo.get());
        let loss_value = trainer.gradients(net, &inputs, &targets)?;
        if !loss_value.is_finite() {
            return Err(FlowError::Diverged {
                step,
                loss: loss_value,
            });
        }
        // Warm-up: early on the average follows the weights closely.
        let decay = config
            .ema_decay
            .min((1.0 + step as f64) / (10.0 + step as f64));
        // Runs on the step's helper thread while this one makes the next batch, unless
        // making it reads the weights being written.
        trainer.begin_update(config.learning_rate_at(step), decay)?;
        if reads == BatchReads::Network {
            trainer.settle()?;
        }
        loss_sum += f64::from(loss_value);
        loss_count += 1;
        if (step + 1) % report_every == 0 || step + 1 == config.steps {
            trainer.settle()?;
            let mean = (loss_sum / loss_count as f64) as f32;
            stats.losses.push((step + 1, mean));
            on_progress(TrainProgress {
                step: step + 1,
                steps: config.steps,
                loss: mean,
                net,
            });
            (loss_sum, loss_count) = (0.0, 0);
        }
    }
    trainer.finish()?;
    stats.seconds = start.elapsed().as_secs_f64();
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::NetConfig;
    use crate::target::presets::preset;
    use rand::SeedableRng as _;
    use rand::rngs::StdRng;

    /// OT-CFM the serial way: draw, pair and train one batch after the other.
    fn serial_ot(net: &VelocityNet, target: &Mixture, config: &TrainConfig, rng: &mut StdRng) {
        let source = Source::StandardNormal(target.dim);
        let coupling = Coupling::MinibatchOt { source, target };
        let mut pairing = OtPairing::new();
        let mut make_batch = |rng: &mut StdRng, inputs: &mut Vec<f32>, targets: &mut Vec<f32>| {
            let mut raw = draw(coupling, config, rng);
            raw.x0 = pairing.pair(&raw.z, &raw.x0);
            build_batch(net, FlowPath::Straight, &raw, inputs, targets);
            Ok(())
        };
        let cancel = AtomicBool::new(false);
        // Each update finished before the next batch is made (the batch reads no weights):
        // the run ahead, which overlaps them, must still match this one digit for digit.
        fit(
            net,
            config,
            rng,
            &mut make_batch,
            BatchReads::Network,
            &mut |_| {},
            &cancel,
        )
        .expect("serial OT-CFM");
    }

    #[test]
    fn pairing_ahead_trains_the_serial_loops_network_digit_for_digit_however_shared() {
        let target = preset("eight-gaussians").expect("preset");
        // Long enough for the measured sharing to time both ways and pick one.
        let config = TrainConfig {
            steps: 120,
            batch: 64,
            ..TrainConfig::default()
        };
        let fresh = || {
            VelocityNet::new(2, NetConfig::default(), &mut StdRng::seed_from_u64(4)).expect("net")
        };
        let serial = fresh();
        let mut rng_s = StdRng::seed_from_u64(9);
        serial_ot(&serial, &target, &config, &mut rng_s);
        let after = rng_s.random::<u64>();
        for sharing in [Sharing::Helper, Sharing::Shared, Sharing::Measured] {
            let ahead = fresh();
            let mut rng_a = StdRng::seed_from_u64(9);
            let coupling = Coupling::MinibatchOt {
                source: Source::StandardNormal(2),
                target: &target,
            };
            let cancel = AtomicBool::new(false);
            train_ot(
                &ahead,
                coupling,
                FlowPath::Straight,
                &config,
                &mut rng_a,
                &mut |_| {},
                &cancel,
                sharing,
            )
            .expect("OT-CFM");
            assert_eq!(
                ahead.weights().expect("weights"),
                serial.weights().expect("weights"),
                "{sharing:?}"
            );
            // Nothing drawn beyond the last batch: what follows sees the same random stream.
            assert_eq!(rng_a.random::<u64>(), after, "{sharing:?}");
        }
    }

    #[test]
    fn a_batch_that_reads_the_network_never_sees_an_update_half_written() {
        let target = preset("two-far").expect("preset");
        let net =
            VelocityNet::new(2, NetConfig::default(), &mut StdRng::seed_from_u64(3)).expect("net");
        let config = TrainConfig {
            steps: 30,
            batch: 256,
            report_every: 1000,
            ..TrainConfig::default()
        };
        let coupling = Coupling::Independent {
            source: Source::StandardNormal(2),
            target: &target,
        };
        let mut reads = 0;
        // The weights read twice, 0.2 ms apart: an update still being written (about 30 µs
        // of work, started just before) would show between the two.
        let mut make_batch = |rng: &mut StdRng, inputs: &mut Vec<f32>, targets: &mut Vec<f32>| {
            let before = net.weights()?;
            std::thread::sleep(std::time::Duration::from_micros(200));
            assert_eq!(
                net.weights()?,
                before,
                "the weights changed while a batch was made"
            );
            reads += 1;
            build_batch(
                &net,
                FlowPath::Straight,
                &draw(coupling, &config, rng),
                inputs,
                targets,
            );
            Ok(())
        };
        let cancel = AtomicBool::new(false);
        let mut rng = StdRng::seed_from_u64(5);
        fit(
            &net,
            &config,
            &mut rng,
            &mut make_batch,
            BatchReads::Network,
            &mut |_| {},
            &cancel,
        )
        .expect("training");
        assert_eq!(reads, 30);
    }

    #[test]
    fn a_cancelled_ot_run_stops_its_pairing_thread() {
        let target = preset("two-far").expect("preset");
        let net =
            VelocityNet::new(2, NetConfig::default(), &mut StdRng::seed_from_u64(1)).expect("net");
        let config = TrainConfig {
            steps: 1000,
            batch: 64,
            ..TrainConfig::default()
        };
        let cancel = AtomicBool::new(false);
        let coupling = Coupling::MinibatchOt {
            source: Source::StandardNormal(2),
            target: &target,
        };
        let mut seen = 0;
        let result = train_cfm(
            &net,
            coupling,
            &config,
            &mut StdRng::seed_from_u64(2),
            &mut |p| {
                seen = p.step;
                if p.step >= 100 {
                    cancel.store(true, Ordering::Relaxed);
                }
            },
            &cancel,
        );
        // Returning at all means the helper thread ended (the scope waits for it).
        assert!(matches!(result, Err(FlowError::Cancelled)), "{result:?}");
        assert!((100..1000).contains(&seen), "{seen}");
    }
}
