//! What crosses the worker's channels: plain data only, never tensors.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use crate::Points;
use crate::export::session::Session;
use crate::export::{Figure, FigureStyle};
pub use crate::flow::VelocityGrid;
use crate::flow::{FlowPath, NetWeights, Solver, Trajectory};
use crate::metrics::OtMinimum;
use crate::pipeline::{
    EvalDraws, FittedData, Progress, QualityFloors, QualityNumbers, RoundReport, Settings,
};
use crate::target::Mixture;
use crate::target::fit::FitConfig;

/// A training phase the UI can ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhaseJob {
    /// Train 1-RF (plain flow matching on independent pairs).
    TrainBase,
    /// One reflow round on the latest flow's own pairs.
    Reflow,
    /// A one-step student from the latest flow.
    Distill,
    /// A class-conditional flow for classifier-free guidance.
    Guided,
    /// Whatever is missing of: 1-RF, the configured reflows, the distillation.
    RunAll,
    /// OT-CFM from scratch: flow matching on minibatches paired by exact optimal transport.
    OtCfm,
    /// The same network from scratch on the variance-preserving diffusion path.
    Diffusion,
    /// A consistency student distilled from 1-RF.
    Consistency,
    /// A shortcut model from scratch.
    Shortcut,
    /// A `MeanFlow` model from scratch.
    MeanFlow,
}

/// Work for the training thread, in the order the UI asked for it.
pub(crate) enum Job {
    /// Start a new run (a new pipeline) on `target` with `settings`.
    NewRun {
        run: u64,
        target: Box<Mixture>,
        settings: Box<Settings>,
        /// The fit and the points, when the target was fitted to the user's data.
        data: Option<Box<FittedData>>,
    },
    /// Run one phase of the current run unless `cancel` was set before it began.
    Phase {
        run: u64,
        epoch: u64,
        cancel: Arc<AtomicBool>,
        job: PhaseJob,
    },
    /// Keep only the first `keep` rounds (after a stop, the rounds the UI has seen).
    Truncate { run: u64, keep: usize },
    /// Write files about the current run.
    Save { run: u64, request: SaveRequest },
    /// Start a new run from a saved session, without training.
    Restore { run: u64, session: Box<Session> },
    /// Hand the current run back as a [`Session`] in memory ([`Update::RunKept`] with `id`),
    /// so the UI can keep it after an edit ends it.
    Keep { run: u64, id: u64 },
    /// From now on write the current run to this session file after each finished round
    /// and after a restore (`None`: stop autosaving).
    Autosave(Option<PathBuf>),
}

/// Files the worker can write about the current run (it owns the models).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SaveRequest {
    /// The session file at this path.
    Session(PathBuf),
    /// metrics.json, CSV files, run card, session and, with a style, the figure set, into
    /// this folder.
    Folder {
        /// The folder (created if missing).
        dir: PathBuf,
        /// Draw the figure set in this style.
        figures: Option<FigureStyle>,
    },
}

/// Work for the files thread: reading, fitting and writing files off the UI thread. Each
/// job's outcome comes back as one [`Update`].
#[derive(Debug)]
pub(crate) enum FileJob {
    /// Read a target (TOML) file: [`Update::TargetRead`].
    ReadTarget(PathBuf),
    /// Write a target file: [`Update::Saved`].
    SaveTarget(PathBuf, Box<Mixture>),
    /// Read a CSV of points and fit a mixture to them: [`Update::DataFitted`].
    FitData(PathBuf, FitConfig),
    /// Read and check a session file: [`Update::SessionRead`].
    ReadSession(PathBuf),
    /// Write a session held in memory to a file: [`Update::SessionWritten`].
    WriteSession(PathBuf, Box<Session>),
    /// Render a figure as `<stem>.png` and `<stem>.svg` into a folder: [`Update::Saved`].
    WriteFigure {
        /// The folder (created if missing).
        dir: PathBuf,
        /// File name without extension.
        stem: String,
        /// The figure, as data.
        figure: Box<Figure>,
        /// Size, theme and fonts.
        style: FigureStyle,
    },
}

/// Work for the picture thread.
pub(crate) enum PictureMsg {
    /// A new run: the data every picture and metric uses.
    Run {
        run: u64,
        target: Box<Mixture>,
        /// The fixed noise pictures start from (its head is the first draw's noise).
        noise: Points,
        /// The draws the quality numbers are measured on (the engine's own).
        draws: Box<EvalDraws>,
    },
    /// Round `index` of `run` finished with these weights, trained on `path`.
    Round {
        run: u64,
        index: usize,
        weights: Box<NetWeights>,
        path: FlowPath,
    },
    /// Keep only the first `keep` rounds of `run`.
    Truncate { run: u64, keep: usize },
    /// The model in training right now, for a live preview.
    Live {
        run: u64,
        epoch: u64,
        round: String,
        weights: Box<NetWeights>,
    },
    /// Draw live previews with this solver and step count.
    Preview { solver: Solver, steps: usize },
    /// The UI wants a picture.
    Request {
        run: u64,
        epoch: u64,
        request: SampleRequest,
    },
}

/// Which model a picture is drawn from.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PictureOf {
    /// A finished round, by index.
    Round(usize),
    /// The network in training, named by its round (e.g. `2-RF`).
    Live(String),
}

/// A request for samples and paths of a finished round.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SampleRequest {
    /// Round index.
    pub round: usize,
    /// Integration rule.
    pub solver: Solver,
    /// Steps from t = 1 to t = 0 (1 to 1000).
    pub steps: usize,
    /// Particles to integrate (from the run's fixed evaluation noise).
    pub particles: usize,
    /// How many of them to record whole paths for.
    pub paths: usize,
    /// Also return the velocity field on a grid at this time `t` (2-D: 17 × 17 arrows over
    /// the target's bounds and ±3.5; 1-D: 41 points).
    pub field_at: Option<f32>,
    /// Classifier-free guidance towards this class at this scale w (a class-conditional
    /// round only; ignored otherwise).
    pub guidance: Option<(usize, f32)>,
}

/// Samples, paths and quality of one model at one step count.
#[derive(Clone, Debug, PartialEq)]
pub struct SampleSet {
    /// The model.
    pub of: PictureOf,
    /// Integration rule.
    pub solver: Solver,
    /// Steps.
    pub steps: usize,
    /// Where the particles landed (t = 0).
    pub samples: Points,
    /// For each sample, the target component it most likely belongs to (for colours).
    pub labels: Vec<usize>,
    /// Paths of the first `trajectory.particles` particles.
    pub trajectory: Trajectory,
    /// Network evaluations per sample (the adaptive solver's mean).
    pub evaluations: f64,
    /// The quality numbers on the run's evaluation draws (the same as `flowlab run`'s). The
    /// exact assignments take longer than the picture, so they follow in an
    /// [`Update::Quality`] (`None` until then).
    pub quality: Option<QualityNumbers>,
    /// Total variation between the sample's mode fractions and the weights.
    pub mode_tv: f64,
    /// Velocity arrows at a time, when asked: `(t, origins, velocities)`.
    pub field: Option<VelocityGrid>,
    /// For a guided picture (one class at a scale w): how close its samples sit to the
    /// class's centre, measured once when it was drawn.
    pub guided: Option<GuidedStats>,
}

impl SampleSet {
    /// How the samples were drawn, for titles and readouts: "20 Euler steps", or for the
    /// adaptive solver its tolerance and what it spent ("adaptive (DP5) at tolerance 1e-3:
    /// 21.3 evaluations per sample").
    pub fn sampler_text(&self) -> String {
        match self.solver {
            Solver::Adaptive(tolerance) => format!(
                "{} at tolerance {}: {:.1} evaluations per sample",
                self.solver.name(),
                tolerance_text(tolerance.value()),
                self.evaluations
            ),
            _ => format!("{} {} steps", self.steps, self.solver.name()),
        }
    }

    /// The steps for a chart title: "1 step", "20 steps", or the adaptive solver's mean
    /// ("adaptive, 21 evaluations").
    pub fn steps_text(&self) -> String {
        match (self.solver, self.steps) {
            (Solver::Adaptive(_), _) => format!("adaptive, {:.0} evaluations", self.evaluations),
            (_, 1) => "1 step".to_owned(),
            (_, n) => format!("{n} steps"),
        }
    }
}

/// A tolerance as a slide shows it: `1e-3`, `3.2e-4`.
pub fn tolerance_text(value: f64) -> String {
    let text = format!("{value:.1e}");
    text.replace(".0e", "e")
}

/// Where the samples of a guided picture landed relative to their class.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GuidedStats {
    /// The class (target component) guided towards.
    pub class: usize,
    /// The guidance scale w.
    pub w: f32,
    /// Mean distance of the samples to the class's centre.
    pub distance: f64,
    /// Their spread (root mean squared distance to their own mean).
    pub spread: f64,
}

/// A finished round, as the UI keeps it.
#[derive(Clone, Debug, PartialEq)]
pub struct RoundView {
    /// Position in the run (0 is 1-RF).
    pub index: usize,
    /// Its numbers (name, transport cost, straightness, W2 by steps, …).
    pub report: RoundReport,
    /// `(step, loss)` while it trained.
    pub losses: Vec<(usize, f32)>,
    /// True for a one-step distilled student.
    pub distilled: bool,
    /// How it samples at a step count ([`crate::pipeline::RoundKind::sampler`]): Euler
    /// steps, or multistep consistency sampling for the consistency student.
    pub sampler: Solver,
    /// What kind of round it is.
    pub kind: crate::pipeline::RoundKind,
}

impl RoundView {
    /// True for a rectified flow, the rounds later rounds take their pairs from.
    pub fn is_teacher(&self) -> bool {
        matches!(self.kind, crate::pipeline::RoundKind::Rectified(_))
    }
}

/// What the worker tells the UI.
#[derive(Clone, Debug, PartialEq)]
pub enum Update {
    /// A new run is set up: what its quality numbers are measured against.
    RunReady {
        /// What a perfect sampler scores on each quality number (the floors).
        floors: QualityFloors,
        /// Points per W2 sample.
        w2_points: usize,
        /// The optimal transport cost from the source to the target.
        ot_minimum: OtMinimum,
    },
    /// A phase of a round began.
    PhaseStarted(Progress),
    /// Work done in the current phase.
    Progress(Progress),
    /// A round is trained and measured.
    RoundFinished(Box<RoundView>),
    /// A picture: a live preview or the answer to a [`SampleRequest`].
    Samples(Box<SampleSet>),
    /// The quality numbers of a picture sent just before (same model, solver and steps).
    Quality {
        /// The model.
        of: PictureOf,
        /// Integration rule.
        solver: Solver,
        /// Steps.
        steps: usize,
        /// Measured on the run's evaluation draws.
        quality: QualityNumbers,
    },
    /// A [`SaveRequest`], a figure or a target file was written.
    Saved {
        /// What was written where, in plain words.
        message: String,
    },
    /// A target file was read (the app makes it the target).
    TargetRead {
        /// The file.
        path: PathBuf,
        /// Its mixture, validated.
        target: Box<Mixture>,
    },
    /// A CSV of points was read and a mixture fitted to it.
    DataFitted(Box<FittedData>),
    /// A session file was read and checked (the app then opens it).
    SessionRead {
        /// The file.
        path: PathBuf,
        /// Its contents.
        session: Box<Session>,
    },
    /// The run asked for by [`crate::worker::Worker::keep_run`], as a session in memory.
    RunKept {
        /// The id the UI gave it.
        id: u64,
        /// The whole run: target, settings, rounds and weights.
        session: Box<Session>,
    },
    /// A session held in memory was written (quietly: a kept run moved to disk).
    SessionWritten {
        /// The file.
        path: PathBuf,
    },
    /// Every job asked for so far is done.
    Idle,
    /// A job failed; finished rounds are kept and a new job can start.
    Failed {
        /// What went wrong, in plain words.
        message: String,
    },
}

/// An [`Update`] with the run and epoch it belongs to (internal: the handle filters stale
/// ones out before the UI sees them).
pub(crate) struct Message {
    /// `None` for the files thread's answers, which belong to no run.
    pub run: Option<u64>,
    /// `None` for news about the run as a whole (set up or failed to), which no stop makes
    /// stale.
    pub epoch: Option<u64>,
    pub update: Update,
}
