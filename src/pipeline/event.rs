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
            Self::Train => "train",
            Self::Pairs => "pairs",
            Self::Evaluate => "evaluate",
        }
    }
}

/// Where a phase of a round stands: the one payload of [`Event::PhaseStarted`],
/// [`Event::Progress`] and the app worker's progress updates.
#[derive(Clone, Debug, PartialEq)]
pub struct Progress {
    /// Round name, e.g. `2-RF`.
    pub round: String,
    /// What the phase does.
    pub phase: Phase,
    /// Units done (0 when the phase starts).
    pub done: usize,
    /// Units of work in the phase (steps or pairs).
    pub total: usize,
    /// Mean training loss since the previous report (training only).
    pub loss: Option<f32>,
    /// Seconds since the phase started, read on the thread doing the work when the report
    /// was made (0 when the phase starts). A watcher that reads reports in bursts (the app,
    /// once a frame) times the work by this, not by when it read them.
    pub seconds: f64,
}

impl Progress {
    /// The start of a phase of `total` units.
    pub fn start(round: &str, phase: Phase, total: usize) -> Self {
        Self {
            round: round.to_owned(),
            phase,
            done: 0,
            total,
            loss: None,
            seconds: 0.0,
        }
    }
}

/// A progress event from [`super::Pipeline`].
// A round's report (its quality numbers by step count) makes `RoundFinished` the large
// variant; it is sent once per round, so boxing it would only add noise at every match.
#[expect(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// A phase of a round began (`done` is 0).
    PhaseStarted(Progress),
    /// Work done within a phase.
    Progress(Progress),
    /// A round is trained and measured.
    RoundFinished(RoundReport),
    /// [`super::Pipeline::run_all`] finished.
    Finished,
}
