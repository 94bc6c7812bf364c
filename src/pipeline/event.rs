//! What a run tells its watcher (the CLI's progress bar, the app's worker).

use super::RoundReport;

/// The kind of work a phase does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Optimiser steps.
    Train,
    /// Integrating the previous model's ODE for (noise, sample) pairs.
    Pairs,
    /// Measuring the new round.
    Evaluate,
}

impl Phase {
    /// A short label.
    pub fn label(self) -> &'static str {
        match self {
            Phase::Train => "train",
            Phase::Pairs => "pairs",
            Phase::Evaluate => "evaluate",
        }
    }
}

/// A progress event from [`super::Pipeline`].
// A round's report (its quality numbers by step count) makes `RoundFinished` the large
// variant; it is sent once per round, so boxing it would only add noise at every match.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// A phase of a round began; `total` is its number of steps (or pairs).
    PhaseStarted {
        /// Round name, e.g. `2-RF`.
        round: String,
        /// What it does.
        phase: Phase,
        /// Units of work in the phase.
        total: usize,
    },
    /// Work done within a phase.
    Progress {
        /// Round name.
        round: String,
        /// What it does.
        phase: Phase,
        /// Units done.
        done: usize,
        /// Units in all.
        total: usize,
        /// Mean training loss since the previous report (training only).
        loss: Option<f32>,
    },
    /// A round is trained and measured.
    RoundFinished(RoundReport),
    /// [`super::Pipeline::run_all`] finished.
    Finished,
}
