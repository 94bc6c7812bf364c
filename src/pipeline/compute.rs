//! Compute accounting: the network evaluations each round cost to make.
//!
//! Counted the way the course counts production models (Flux-dev's 50 steps against
//! Flux-schnell's 4): one evaluation is one example through the network once. A training example counts the
//! passes it needs forward (its backward pass is not counted apart, so rounds compare on the
//! same footing); a round made from a teacher also carries the teacher's whole cost.

use super::RoundKind;
use crate::flow::{DistillMethod, MeanFlowConfig, ShortcutConfig, TrainConfig};

/// What making a round cost besides its own training.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Spent {
    /// Wall time of integrating the teacher for pairs.
    pub pair_seconds: f64,
    /// Network evaluations of the teacher's pairs (pairs × Euler steps).
    pub pair_evaluations: u64,
    /// What the teacher itself cost to make (its own `network_evaluations`).
    pub teacher_evaluations: u64,
}

/// Network passes per training step of `batch` examples.
///
/// One per example for flow matching and direct distillation (its targets are the pairs); three for progressive distillation
/// (two teacher Euler steps and the student); four for consistency distillation (the
/// student, a Heun step of the teacher, and the moving-average target network). A shortcut
/// model adds two passes for each self-consistency example (its two half steps), `MeanFlow`
/// two for each interval example (the Jacobian-vector product's values and tangents).
pub fn evaluations_per_step(kind: RoundKind, distill: Option<DistillMethod>, batch: usize) -> u64 {
    let examples = batch as u64;
    match kind {
        RoundKind::Distilled => match distill {
            Some(DistillMethod::Progressive { .. }) => 3 * examples,
            _ => examples,
        },
        RoundKind::Consistency => 4 * examples,
        RoundKind::Shortcut => {
            examples + 2 * ShortcutConfig::new(train_with(batch)).consistency_rows() as u64
        }
        RoundKind::MeanFlow => {
            examples + 2 * MeanFlowConfig::new(train_with(batch)).interval_rows() as u64
        }
        RoundKind::Rectified(_) | RoundKind::OtCfm | RoundKind::Diffusion | RoundKind::Guided => {
            examples
        }
    }
}

/// Training settings with `batch` examples per step (the rest as the pipeline's default;
/// only the batch decides how many rows a share gets).
fn train_with(batch: usize) -> TrainConfig {
    TrainConfig {
        batch,
        ..TrainConfig::default()
    }
}

/// The teacher's evaluations for `pairs` reflow pairs of `steps` Euler steps each.
pub fn pair_evaluations(pairs: usize, steps: usize) -> u64 {
    pairs as u64 * steps as u64
}

/// A round's whole cost: its teacher's, its pairs', and `train_steps × per_step`.
pub fn network_evaluations(spent: &Spent, train_steps: usize, per_step: u64) -> u64 {
    spent.teacher_evaluations + spent.pair_evaluations + train_steps as u64 * per_step
}
