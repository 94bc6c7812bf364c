//! Everything that decides a run's numbers, with defaults chosen for a live lecture.

use serde::{Deserialize, Serialize};

use crate::flow::{DistillMethod, FlowError, NetConfig, STEPS_RANGE, TrainConfig};
use crate::target::{Mixture, Source};

/// Reflow rounds "run all" may make.
pub const REFLOWS_RANGE: std::ops::RangeInclusive<usize> = 0..=10;
/// (noise, sample) pairs a reflow round may train on.
pub const REFLOW_PAIRS_RANGE: std::ops::RangeInclusive<usize> = 1..=1_000_000;

/// Settings of one run: the seed, the network, training, reflow, distillation, evaluation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Seed of the one RNG every random draw comes from.
    pub seed: u64,
    /// The distribution at t = 1 the flow starts from: N(0, I) when absent, else a mixture
    /// of the target's dimension (transport between two distributions).
    pub source: Option<Mixture>,
    /// The velocity network.
    pub net: NetConfig,
    /// Training of 1-RF (batch, learning rate and time sampling also apply to later rounds).
    pub train: TrainConfig,
    /// Optimiser steps of each reflow round.
    pub reflow_steps: usize,
    /// Number of reflow rounds after 1-RF (2 gives 1-RF, 2-RF, 3-RF).
    pub reflows: usize,
    /// (noise, sample) pairs drawn from the previous round for each reflow and distillation.
    pub reflow_pairs: usize,
    /// Euler steps used to integrate those pairs.
    pub pair_steps: usize,
    /// Start each reflow round from the previous round's weights (else from scratch).
    pub warm_start: bool,
    /// Make a one-step student from the last round, and how.
    pub distill: Option<DistillMethod>,
    /// Optimiser steps of the distillation.
    pub distill_steps: usize,
    /// Also train OT-CFM from scratch (flow matching on minibatches paired by exact optimal
    /// transport), with the 1-RF training settings, for comparison.
    pub ot_cfm: bool,
    /// Also train the same network from scratch on the variance-preserving diffusion path,
    /// with the 1-RF training settings, for comparison.
    pub diffusion: bool,
    /// Also train a class-conditional network from scratch (the class is the component a
    /// target sample came from) for classifier-free guidance, with the 1-RF settings.
    pub guidance: bool,
    /// Probability of dropping the class while training it, so the one network also learns
    /// the unconditional field.
    pub guidance_drop: f64,
    /// How rounds are measured.
    pub eval: EvalSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            seed: 0,
            source: None,
            net: NetConfig::default(),
            train: TrainConfig::default(),
            reflow_steps: 1000,
            reflows: 2,
            reflow_pairs: 5000,
            pair_steps: 100,
            warm_start: true,
            distill: Some(DistillMethod::Direct),
            distill_steps: 1000,
            ot_cfm: false,
            diffusion: false,
            guidance: false,
            guidance_drop: 0.1,
            eval: EvalSettings::default(),
        }
    }
}

impl Settings {
    /// The distribution at t = 1 for a target of dimension `dim`.
    pub fn noise_source(&self, dim: usize) -> Source<'_> {
        Source::new(self.source.as_ref(), dim)
    }

    /// Checks every range; the error names the setting.
    pub fn validate(&self) -> Result<(), FlowError> {
        if let Some(source) = &self.source {
            source
                .validate()
                .map_err(|err| FlowError::invalid("source", err.to_string()))?;
        }
        self.net.validate()?;
        self.train.validate()?;
        if !(0.0..=1.0).contains(&self.guidance_drop) {
            return Err(FlowError::invalid("guidance_drop", "must be in [0, 1]"));
        }
        let between = |r: &std::ops::RangeInclusive<usize>| {
            format!("must be between {} and {}", r.start(), r.end())
        };
        if !STEPS_RANGE.contains(&self.reflow_steps) {
            return Err(FlowError::invalid("reflow_steps", between(&STEPS_RANGE)));
        }
        if !REFLOWS_RANGE.contains(&self.reflows) {
            return Err(FlowError::invalid("reflows", between(&REFLOWS_RANGE)));
        }
        if !REFLOW_PAIRS_RANGE.contains(&self.reflow_pairs) {
            return Err(FlowError::invalid(
                "reflow_pairs",
                between(&REFLOW_PAIRS_RANGE),
            ));
        }
        if !(1..=1000).contains(&self.pair_steps) {
            return Err(FlowError::invalid(
                "pair_steps",
                "must be between 1 and 1000",
            ));
        }
        if self.distill.is_some() && !STEPS_RANGE.contains(&self.distill_steps) {
            return Err(FlowError::invalid("distill_steps", between(&STEPS_RANGE)));
        }
        self.eval.validate()
    }
}

/// How each round is measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EvalSettings {
    /// Points for W2 and its floor; `None` picks 1,000 in 2-D and 10,000 in 1-D.
    pub w2_points: Option<usize>,
    /// Points for mode coverage and straightness (at least `w2_points`).
    pub coverage_points: usize,
    /// Euler step counts W2 is reported at.
    pub step_counts: Vec<usize>,
    /// Euler steps of the reference path (samples, trajectories, straightness).
    pub path_steps: usize,
    /// Particles whose whole paths are kept.
    pub trajectory_particles: usize,
    /// Independent draws a round's W2 is averaged over: each is a (noise, target reference)
    /// pair, so one unlucky draw does not decide a comparison.
    pub w2_repeats: usize,
    /// Independent pairs of target samples the metric floor is averaged over.
    pub floor_repeats: usize,
}

impl Default for EvalSettings {
    fn default() -> Self {
        Self {
            w2_points: None,
            coverage_points: 10_000,
            step_counts: vec![1, 2, 4, 8, 20, 100],
            path_steps: 100,
            trajectory_particles: 300,
            w2_repeats: 4,
            floor_repeats: 16,
        }
    }
}

impl EvalSettings {
    /// The number of W2 points for a target of dimension `dim`.
    pub fn w2_points_for(&self, dim: usize) -> usize {
        self.w2_points
            .unwrap_or(if dim == 1 { 10_000 } else { 1_000 })
    }

    fn validate(&self) -> Result<(), FlowError> {
        if let Some(n) = self.w2_points
            && !(2..=100_000).contains(&n)
        {
            return Err(FlowError::invalid(
                "w2_points",
                "must be between 2 and 100000",
            ));
        }
        if !(1..=1_000_000).contains(&self.coverage_points) {
            return Err(FlowError::invalid(
                "coverage_points",
                "must be between 1 and 1000000",
            ));
        }
        if self.step_counts.is_empty() || self.step_counts.iter().any(|s| !(1..=1000).contains(s)) {
            return Err(FlowError::invalid(
                "step_counts",
                "needs at least one step count, each between 1 and 1000",
            ));
        }
        for (name, value) in [
            ("w2_repeats", self.w2_repeats),
            ("floor_repeats", self.floor_repeats),
        ] {
            if !(1..=64).contains(&value) {
                return Err(FlowError::invalid(name, "must be between 1 and 64"));
            }
        }
        if !(1..=1000).contains(&self.path_steps) {
            return Err(FlowError::invalid(
                "path_steps",
                "must be between 1 and 1000",
            ));
        }
        Ok(())
    }
}
