//! Rebuilding a run from saved rounds (a session file) without training again.

use std::time::Instant;

use rand::SeedableRng as _;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use super::{Pipeline, PipelineError, Round, RoundKind, RoundReport, Settings};
use crate::flow::{NetWeights, Solver, VelocityNet, integrate_observed};
use crate::target::Mixture;

/// A finished round as a session keeps it: what it is, its numbers, losses and weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedRound {
    /// What the round is.
    pub kind: RoundKind,
    /// Its numbers (the name is `report.name`).
    pub report: RoundReport,
    /// `(step, mean loss)` during its training.
    pub losses: Vec<(usize, f32)>,
    /// The trained network.
    pub weights: NetWeights,
}

/// Added to the seed for the RNG of a restored run, so rounds trained after a reload draw
/// fresh randomness (reproducibly) instead of repeating the first round's draws.
const RESTORED_STREAM: u64 = 0x5e55_1011;

impl Pipeline {
    /// Rebuilds a run from its saved rounds: the evaluation data is drawn again from the seed
    /// (so it is the same), each round's network is rebuilt from its weights and its paths
    /// and samples are integrated again; its numbers and losses are taken as saved.
    ///
    /// Rounds trained after a restore use an RNG seeded from the seed and the number of
    /// rounds, so they are reproducible but not the rounds an uninterrupted run would make.
    pub fn restore(
        target: Mixture,
        settings: Settings,
        saved: Vec<SavedRound>,
    ) -> Result<Self, PipelineError> {
        let evaluator = super::checked_evaluator(&target, &settings)?;
        let mut rounds = Vec::with_capacity(saved.len());
        for s in saved {
            if s.weights.dim != target.dim {
                return Err(PipelineError::Restore(format!(
                    "round {}: a {}-D network for a {}-D target",
                    s.report.name, s.weights.dim, target.dim
                )));
            }
            let net = VelocityNet::from_weights(&s.weights)?;
            let (samples, trajectory) = integrate_observed(
                &net,
                evaluator.noise(),
                Solver::Euler,
                s.kind.reference_steps(&settings.eval),
                settings.eval.trajectory_particles,
                &mut |_| {},
            )?;
            let finite = |v: &[f32]| v.iter().all(|x| x.is_finite());
            if !finite(&samples.data) || !finite(&trajectory.positions) {
                return Err(PipelineError::Restore(format!(
                    "round {}: its weights give non-finite samples (the weights are damaged)",
                    s.report.name
                )));
            }
            rounds.push(Round {
                name: s.report.name.clone(),
                kind: s.kind,
                net,
                report: s.report,
                losses: s.losses,
                samples,
                trajectory,
            });
        }
        let stream = settings.seed ^ RESTORED_STREAM.wrapping_add(rounds.len() as u64);
        Ok(Self {
            target,
            settings,
            rng: StdRng::seed_from_u64(stream),
            evaluator,
            rounds,
            started: Instant::now(),
            watcher: None,
            data: None,
        })
    }

    /// Every finished round with its weights, as a session saves it.
    pub fn saved_rounds(&self) -> Result<Vec<SavedRound>, PipelineError> {
        self.rounds
            .iter()
            .map(|r| {
                Ok(SavedRound {
                    kind: r.kind,
                    report: r.report.clone(),
                    losses: r.losses.clone(),
                    weights: r.net.weights()?,
                })
            })
            .collect()
    }
}
