//! One run as phases — 1-RF, reflow rounds, distillation — that emit [`Event`]s.
//!
//! [`Pipeline`] holds the target, the settings, the RNG and the finished rounds. Each phase
//! ([`Pipeline::train_base`], [`Pipeline::reflow`], [`Pipeline::distill`]) trains, measures
//! the new round and keeps it, so a UI can add rounds one button press at a time and the
//! headless CLI can call [`Pipeline::run_all`]. Both see the same events.

pub mod compute;
mod divergence;
mod evaluate;
mod event;
mod few_step;
mod guidance;
mod limits;
pub mod output;
mod quality;
mod report;
mod restore;
mod run_all;
mod settings;
mod time_left;

pub use compute::Spent;
pub use divergence::{DIVERGED_LOSS_RATIO, DIVERGED_W2_RATIO, SPIKE_LOSS_RATIO, divergence};
pub use evaluate::{
    ADAPTIVE_POINTS, DDPM_STEP_COUNTS, Evaluator, MAX_W2_POINTS_2D, Measured, averaged_w2,
};
pub use event::{Event, Phase, Progress};
pub use few_step::{CONSISTENCY_ROUND, MEANFLOW_ROUND, SHORTCUT_ROUND};
pub use guidance::{
    ClassGuidance, GUIDANCE_SCALES, GuidanceReport, distance_and_spread, measure_guidance,
};
pub use limits::{FALLBACK_BUDGET_BYTES, MemoryError, memory_budget_bytes};
pub use quality::{EvalDraws, Measure, QualityFloors, QualityNumbers, quality_of};
pub use report::{
    DataFitReport, FittedData, RoundReport, RunReport, Timings, drift_margin, fit_data,
    is_cost_drift,
};
pub use restore::SavedRound;
pub use run_all::MainLineStep;
pub use settings::{
    EvalSettings, MAX_OT_BATCH, REFLOW_PAIRS_RANGE, REFLOWS_RANGE, Settings, SettingsError,
};
pub use time_left::TimeLeft;

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use rand::SeedableRng as _;
use rand::rngs::StdRng;

use crate::Points;
use crate::flow::{
    Coupling, DistillConfig, FlowError, FlowPath, NetConfig, Pairs, Solver, TrainConfig,
    TrainProgress, TrainStats, Trajectory, VelocityNet, distill, make_pairs, ot_pair, train_cfm,
    train_cfm_on_path,
};
use crate::metrics::Estimate;
use crate::target::{Mixture, TargetError};

/// Why a run could not go on.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The target is not a valid mixture.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// Training, sampling or a setting failed.
    #[error(transparent)]
    Flow(#[from] FlowError),
    /// A phase that needs an earlier round was asked for first.
    #[error("{0}")]
    Order(&'static str),
    /// Saved rounds do not fit the run they are restored into.
    #[error("{0}")]
    Restore(String),
    /// The settings would need more memory than the budget allows.
    #[error(transparent)]
    Memory(#[from] MemoryError),
}

impl PipelineError {
    /// True when the run stopped because it was cancelled.
    pub fn is_cancelled(&self) -> bool {
        matches!(self, Self::Flow(FlowError::Cancelled))
    }
}

/// What kind of round a model is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", content = "k", rename_all = "lowercase")]
pub enum RoundKind {
    /// k-rectified flow: k = 1 is plain flow matching on independent pairs.
    Rectified(usize),
    /// A one-step student distilled from a rectified flow.
    Distilled,
    /// Flow matching on minibatches paired by exact optimal transport, from scratch.
    #[serde(rename = "ot-cfm")]
    OtCfm,
    /// Flow matching on the variance-preserving diffusion path, from scratch.
    Diffusion,
    /// A class-conditional flow for classifier-free guidance, from scratch (measured
    /// unconditionally, with its guidance report beside).
    Guided,
    /// A consistency student distilled from a rectified flow: sampled in one step, or a few
    /// with [`Solver::Consistency`].
    Consistency,
    /// A shortcut model, from scratch: a network told the step size, trained with flow
    /// matching and self-consistency ([`crate::flow::train_shortcut`]).
    Shortcut,
    /// A `MeanFlow` model, from scratch: a network of the average velocity over an interval
    /// ([`crate::flow::train_meanflow`]).
    #[serde(rename = "meanflow")]
    MeanFlow,
}

impl RoundKind {
    /// Euler steps of this kind's reference path: 1 for a distilled student, else the
    /// evaluation's path steps.
    pub fn reference_steps(self, eval: &EvalSettings) -> usize {
        if self.is_flow() { eval.path_steps } else { 1 }
    }

    /// True for a velocity field meant to be integrated over many steps (every kind but the
    /// one-step student and the consistency student).
    pub fn is_flow(self) -> bool {
        !matches!(self, Self::Distilled | Self::Consistency)
    }

    /// How this kind samples at a given step count: multistep consistency sampling for the
    /// consistency student, Euler steps for every other kind.
    pub fn sampler(self) -> Solver {
        match self {
            Self::Consistency => Solver::Consistency,
            _ => Solver::Euler,
        }
    }

    /// The step counts this kind is measured at: the evaluation's for a flow, 1 for the
    /// distilled student, 1, 2 and 4 for the consistency student.
    pub fn step_counts(self, eval: &EvalSettings) -> Vec<usize> {
        match self {
            Self::Distilled => vec![1],
            Self::Consistency => vec![1, 2, 4],
            _ => eval.step_counts.clone(),
        }
    }

    /// The path the round was trained on.
    pub fn path(self) -> FlowPath {
        match self {
            Self::Diffusion => FlowPath::VpLinear,
            _ => FlowPath::Straight,
        }
    }
}

/// Name of the OT-CFM round.
pub const OT_CFM_ROUND: &str = "OT-CFM";
/// Name of the diffusion-path round.
pub const DIFFUSION_ROUND: &str = "diffusion";
/// Points per class and scale in a guidance report.
const GUIDANCE_POINTS: usize = 500;

/// Name of the class-conditional round.
pub const GUIDED_ROUND: &str = "guided";

/// A finished round: its model, measurements and pictures.
pub struct Round {
    /// Display name: `1-RF`, `2-RF`, …, `distilled`.
    pub name: String,
    /// What the round is.
    pub kind: RoundKind,
    /// The trained network.
    pub net: VelocityNet,
    /// Its numbers.
    pub report: RoundReport,
    /// `(step, mean loss)` during its training.
    pub losses: Vec<(usize, f32)>,
    /// Samples on its reference path (coverage points).
    pub samples: Points,
    /// Paths of a few hundred particles.
    pub trajectory: Trajectory,
}

/// A run in progress: target, settings, RNG and the rounds finished so far.
pub struct Pipeline {
    target: Mixture,
    settings: Settings,
    rng: StdRng,
    evaluator: Evaluator,
    rounds: Vec<Round>,
    started: Instant,
    watcher: Option<ModelWatcher>,
    data: Option<FittedData>,
}

/// Called with the round name and the network being trained at every progress report.
pub type ModelWatcher = Box<dyn FnMut(&str, &VelocityNet)>;

impl Pipeline {
    /// Validates the target and settings, refuses settings whose memory estimate is beyond
    /// half the machine's memory ([`Settings::check_memory`]) and draws the fixed evaluation
    /// data.
    pub fn new(target: Mixture, settings: Settings) -> Result<Self, PipelineError> {
        target.validate()?;
        settings.validate()?;
        settings.check_memory(target.dim, target.components.len(), memory_budget_bytes())?;
        let evaluator = checked_evaluator(&target, &settings)?;
        let rng = StdRng::seed_from_u64(settings.seed);
        Ok(Self {
            target,
            settings,
            rng,
            evaluator,
            rounds: Vec::new(),
            started: Instant::now(),
            watcher: None,
            data: None,
        })
    }

    /// The target.
    pub fn target(&self) -> &Mixture {
        &self.target
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The finished rounds, oldest first.
    pub fn rounds(&self) -> &[Round] {
        &self.rounds
    }

    /// The fixed evaluation data and metric floor.
    pub fn evaluator(&self) -> &Evaluator {
        &self.evaluator
    }

    /// Lets `watcher` look at the network in training at every progress report (the app's
    /// live preview). It runs on the training thread, so it should be quick.
    pub fn watch_model(&mut self, watcher: ModelWatcher) {
        self.watcher = Some(watcher);
    }

    /// Drops the rounds after the first `keep` (a UI that stopped a run keeps only the rounds
    /// it has shown). Returns how many were dropped.
    pub fn truncate_rounds(&mut self, keep: usize) -> usize {
        let dropped = self.rounds.len().saturating_sub(keep);
        self.rounds.truncate(keep);
        dropped
    }

    /// The latest rectified-flow round (the teacher of the next reflow or distillation).
    pub fn latest_flow(&self) -> Option<&Round> {
        latest_flow(&self.rounds)
    }

    /// Runs 1-RF, then the configured reflows, then the distillation if asked for.
    pub fn run_all(
        &mut self,
        on_event: &mut dyn FnMut(Event),
        cancel: &AtomicBool,
    ) -> Result<RunReport, PipelineError> {
        while let Some(step) = self.missing_step() {
            self.take_step(step, on_event, cancel)?;
        }
        // The comparisons come last, so they leave the other rounds' random draws alone.
        if self.settings.ot_cfm {
            self.train_ot_cfm(on_event, cancel)?;
        }
        if self.settings.diffusion {
            self.train_diffusion(on_event, cancel)?;
        }
        if self.settings.guidance {
            self.train_guided(on_event, cancel)?;
        }
        if self.settings.consistency {
            self.consistency(on_event, cancel)?;
        }
        if self.settings.shortcut {
            self.shortcut(on_event, cancel)?;
        }
        if self.settings.meanflow {
            self.meanflow(on_event, cancel)?;
        }
        let report = self.report();
        on_event(Event::Finished);
        Ok(report)
    }

    /// Trains 1-RF: conditional flow matching on independent (noise, data) pairs.
    pub fn train_base(
        &mut self,
        on_event: &mut dyn FnMut(Event),
        cancel: &AtomicBool,
    ) -> Result<&Round, PipelineError> {
        if !self.rounds.is_empty() {
            return Err(PipelineError::Order("1-RF is already trained"));
        }
        self.train_fresh(RoundKind::Rectified(1), "1-RF", on_event, cancel)
    }

    /// Trains OT-CFM from scratch: each batch of independent (noise, data) draws is paired by
    /// an exact optimal assignment before the straight lines are drawn. Its coupling cost is
    /// the mean over `reflow_pairs` draws paired batch by batch the same way.
    pub fn train_ot_cfm(
        &mut self,
        on_event: &mut dyn FnMut(Event),
        cancel: &AtomicBool,
    ) -> Result<&Round, PipelineError> {
        self.refuse_second(RoundKind::OtCfm, "OT-CFM is already trained")?;
        self.settings.check_ot_batch()?;
        self.train_fresh(RoundKind::OtCfm, OT_CFM_ROUND, on_event, cancel)
    }

    /// Trains the network from scratch on the variance-preserving diffusion path
    /// ([`RoundKind::path`]) with independent pairs and the 1-RF settings.
    pub fn train_diffusion(
        &mut self,
        on_event: &mut dyn FnMut(Event),
        cancel: &AtomicBool,
    ) -> Result<&Round, PipelineError> {
        self.refuse_second(
            RoundKind::Diffusion,
            "the diffusion path is already trained",
        )?;
        self.train_fresh(RoundKind::Diffusion, DIFFUSION_ROUND, on_event, cancel)
    }

    /// Trains a class-conditional network from scratch for classifier-free guidance: the class
    /// of a pair is the target component its x0 came from, dropped with probability
    /// `guidance_drop`. Its W2, straightness and coverage are those of the unconditional
    /// field; its report carries how guidance moves each class.
    pub fn train_guided(
        &mut self,
        on_event: &mut dyn FnMut(Event),
        cancel: &AtomicBool,
    ) -> Result<&Round, PipelineError> {
        self.refuse_second(RoundKind::Guided, "the guided model is already trained")?;
        self.train_fresh(RoundKind::Guided, GUIDED_ROUND, on_event, cancel)
    }

    /// An error when a round of `kind` exists already.
    fn refuse_second(&self, kind: RoundKind, message: &'static str) -> Result<(), PipelineError> {
        if self.rounds.iter().any(|r| r.kind == kind) {
            return Err(PipelineError::Order(message));
        }
        Ok(())
    }

    /// Trains a fresh network of `kind` — 1-RF, OT-CFM, the diffusion path or the guided
    /// model — with the 1-RF settings on independent draws (paired by minibatch OT for
    /// OT-CFM, labelled with their component for the guided model), on the kind's path, and
    /// measures it. Its coupling cost is that of `reflow_pairs` independent draws, paired the
    /// same way.
    fn train_fresh(
        &mut self,
        kind: RoundKind,
        name: &str,
        on_event: &mut dyn FnMut(Event),
        cancel: &AtomicBool,
    ) -> Result<&Round, PipelineError> {
        let config = match kind {
            RoundKind::Guided => NetConfig {
                classes: self.target.components.len(),
                ..self.settings.net
            },
            _ => self.settings.net,
        };
        let net = VelocityNet::new(self.target.dim, config, &mut self.rng)?;
        let pairs = self.independent_pairs();
        let coupling_cost = match kind {
            RoundKind::OtCfm => {
                minibatch_ot_cost_estimate(&pairs.z, &pairs.x0, self.settings.train.batch)
            }
            _ => cost_estimate(&pairs),
        };
        let train = self.settings.train;
        let target = &self.target;
        let source = self.settings.noise_source(target.dim);
        let coupling = match kind {
            RoundKind::OtCfm => Coupling::MinibatchOt { source, target },
            RoundKind::Guided => Coupling::Labeled {
                source,
                target,
                drop: self.settings.guidance_drop,
            },
            _ => Coupling::Independent { source, target },
        };
        let stats = train_phase(
            name,
            train.steps,
            &mut self.rng,
            on_event,
            &mut self.watcher,
            |rng, report| {
                train_cfm_on_path(&net, coupling, kind.path(), &train, rng, report, cancel)
            },
        )?;
        let guidance = match kind {
            RoundKind::Guided => Some(measure_guidance(
                &self.target,
                &net,
                &self.evaluator.noise().head(GUIDANCE_POINTS),
                self.settings.eval.path_steps,
            )?),
            _ => None,
        };
        self.finish_round(
            name.to_owned(),
            kind,
            net,
            coupling_cost,
            stats,
            Spent::default(),
            on_event,
            cancel,
        )?;
        let last = self.rounds.len() - 1;
        self.rounds[last].report.guidance = guidance;
        Ok(&self.rounds[last])
    }

    /// One reflow round: pairs from the latest flow's ODE, then training on straight lines
    /// between them (warm-started from that flow unless the settings say otherwise).
    pub fn reflow(
        &mut self,
        on_event: &mut dyn FnMut(Event),
        cancel: &AtomicBool,
    ) -> Result<&Round, PipelineError> {
        let k = match self.latest_flow() {
            Some(Round {
                kind: RoundKind::Rectified(k),
                ..
            }) => *k + 1,
            _ => return Err(PipelineError::Order("train 1-RF before a reflow")),
        };
        let name = format!("{k}-RF");
        let (pairs, spent) = self.teacher_pairs(&name, on_event, cancel)?;
        let net = {
            let teacher = self.latest_flow().map(|r| &r.net);
            match teacher {
                Some(t) if self.settings.warm_start => t.deep_clone()?,
                _ => VelocityNet::new(self.target.dim, self.settings.net, &mut self.rng)?,
            }
        };
        let train = TrainConfig {
            steps: self.settings.reflow_steps,
            ..self.settings.train
        };
        let stats = train_phase(
            &name,
            train.steps,
            &mut self.rng,
            on_event,
            &mut self.watcher,
            |rng, report| train_cfm(&net, Coupling::Pairs(&pairs), &train, rng, report, cancel),
        )?;
        let cost = cost_estimate(&pairs);
        self.finish_round(
            name,
            RoundKind::Rectified(k),
            net,
            cost,
            stats,
            spent,
            on_event,
            cancel,
        )
    }

    /// Distils the latest flow into a one-step student.
    pub fn distill(
        &mut self,
        on_event: &mut dyn FnMut(Event),
        cancel: &AtomicBool,
    ) -> Result<&Round, PipelineError> {
        let method = self
            .settings
            .distill
            .unwrap_or(crate::flow::DistillMethod::Direct);
        let count = self
            .rounds
            .iter()
            .filter(|r| r.kind == RoundKind::Distilled)
            .count();
        let name = if count == 0 {
            "distilled".to_owned()
        } else {
            format!("distilled-{}", count + 1)
        };
        let (pairs, spent) = self.teacher_pairs(&name, on_event, cancel)?;
        let teacher = latest_flow(&self.rounds)
            .map(|r| &r.net)
            .ok_or(PipelineError::Order("train 1-RF before distilling"))?;
        let config = DistillConfig {
            method,
            train: TrainConfig {
                steps: self.settings.distill_steps,
                ..self.settings.train
            },
        };
        let (student, stats) = train_phase(
            &name,
            config.train.steps,
            &mut self.rng,
            on_event,
            &mut self.watcher,
            |rng, report| distill(teacher, &pairs, &config, rng, report, cancel),
        )?;
        let cost = cost_estimate(&pairs);
        self.finish_round(
            name,
            RoundKind::Distilled,
            student,
            cost,
            stats,
            spent,
            on_event,
            cancel,
        )
    }

    /// Records that the target was fitted to the user's `points` (the fit is reported in
    /// `metrics.json`, the points drawn in the figure set).
    pub fn set_data_fit(&mut self, fitted: FittedData) {
        self.data = Some(fitted);
    }

    /// The points the target was fitted to, if it came from the user's data.
    pub fn data_points(&self) -> Option<&Points> {
        self.data.as_ref().map(|d| &d.points)
    }

    /// The report of everything finished so far (what `metrics.json` holds).
    pub fn report(&self) -> RunReport {
        let train_steps: usize = self.rounds.iter().map(|r| r.report.train_steps).sum();
        let train_seconds: f64 = self.rounds.iter().map(|r| r.report.train_seconds).sum();
        let floors = self.evaluator.floors();
        let optimum = self.evaluator.ot_minimum();
        RunReport {
            target: self.target.clone(),
            settings: self.settings.clone(),
            metric_floor_w2: self.evaluator.metric_floor_w2(),
            metric_floor_w2_se: floors.w2.se,
            within_mode_floor: floors.within_mode_w2.mean,
            within_mode_floor_se: floors.within_mode_w2.se,
            stray_mass_floor: floors.stray_mass.mean,
            stray_mass_floor_se: floors.stray_mass.se,
            mode_tv_floor: floors.mode_tv.mean,
            mode_tv_floor_se: floors.mode_tv.se,
            ot_minimum_cost: Some(optimum.cost),
            ot_minimum_error: Some(optimum.error),
            ot_minimum_method: Some(optimum.method.clone()),
            w2_points: self.evaluator.w2_points(),
            rounds: self.rounds.iter().map(|r| r.report.clone()).collect(),
            timings: Timings {
                total_seconds: self.started.elapsed().as_secs_f64(),
                train_steps_per_second: if train_seconds > 0.0 {
                    train_steps as f64 / train_seconds
                } else {
                    0.0
                },
            },
            data: self.data.as_ref().map(|d| d.report.clone()),
        }
    }

    /// `reflow_pairs` independent (source, target) draws: the coupling 1-RF trains on.
    fn independent_pairs(&mut self) -> Pairs {
        let n = self.settings.reflow_pairs;
        Pairs {
            z: self
                .settings
                .noise_source(self.target.dim)
                .sample(n, &mut self.rng),
            x0: self.target.sample(n, &mut self.rng),
        }
    }

    fn teacher_pairs(
        &mut self,
        round: &str,
        on_event: &mut dyn FnMut(Event),
        cancel: &AtomicBool,
    ) -> Result<(Pairs, Spent), PipelineError> {
        let start = Instant::now();
        let teacher_round =
            latest_flow(&self.rounds).ok_or(PipelineError::Order("train 1-RF first"))?;
        let teacher = &teacher_round.net;
        let teacher_evaluations = teacher_round.report.network_evaluations;
        let n = self.settings.reflow_pairs;
        on_event(Event::PhaseStarted(Progress::start(round, Phase::Pairs, n)));
        let mut report = |done: usize, total: usize| {
            on_event(Event::Progress(Progress {
                done,
                total,
                seconds: start.elapsed().as_secs_f64(),
                ..Progress::start(round, Phase::Pairs, total)
            }));
        };
        let pairs = make_pairs(
            teacher,
            self.settings.noise_source(self.target.dim),
            n,
            Solver::Euler,
            self.settings.pair_steps,
            &mut self.rng,
            &mut report,
            cancel,
        )?;
        let spent = Spent {
            pair_seconds: start.elapsed().as_secs_f64(),
            pair_evaluations: compute::pair_evaluations(pairs.len(), self.settings.pair_steps),
            teacher_evaluations,
        };
        Ok((pairs, spent))
    }

    #[expect(clippy::too_many_arguments)]
    fn finish_round(
        &mut self,
        name: String,
        kind: RoundKind,
        net: VelocityNet,
        coupling_cost: Estimate,
        stats: TrainStats,
        spent: Spent,
        on_event: &mut dyn FnMut(Event),
        cancel: &AtomicBool,
    ) -> Result<&Round, PipelineError> {
        on_event(Event::PhaseStarted(Progress::start(
            &name,
            Phase::Evaluate,
            1,
        )));
        let measured =
            self.evaluator
                .measure(&self.target, &net, kind, &self.settings.eval, cancel)?;
        let train_steps = stats.losses.last().map_or(0, |l| l.0);
        let mut report = RoundReport {
            name: name.clone(),
            coupling_cost: coupling_cost.mean,
            coupling_cost_se: coupling_cost.se,
            straightness: measured.straightness,
            mode_tv: measured.mode_tv,
            w2_by_steps: BTreeMap::new(),
            w2_se_by_steps: BTreeMap::new(),
            within_mode_w2_by_steps: BTreeMap::new(),
            within_mode_w2_se_by_steps: BTreeMap::new(),
            stray_mass_by_steps: BTreeMap::new(),
            stray_mass_se_by_steps: BTreeMap::new(),
            ddpm_by_steps: measured.ddpm_by_steps,
            train_steps,
            network_evaluations: compute::network_evaluations(
                &spent,
                train_steps,
                compute::evaluations_per_step(
                    kind,
                    self.settings.distill,
                    self.settings.train.batch,
                ),
            ),
            adaptive_evaluations: measured.adaptive_evaluations,
            final_loss: stats.losses.last().map(|l| l.1),
            train_seconds: stats.seconds,
            pair_seconds: spent.pair_seconds,
            guidance: None,
            diverged: None,
        };
        // Divergence reads the measured W2, so the quality goes in first.
        report.set_quality(&measured.quality_by_steps);
        let report = RoundReport {
            diverged: divergence(
                &report,
                &stats.losses,
                self.evaluator.metric_floor_w2(),
                self.target.dim,
            ),
            ..report
        };
        self.rounds.push(Round {
            name,
            kind,
            net,
            report: report.clone(),
            losses: stats.losses,
            samples: measured.samples,
            trajectory: measured.trajectory,
        });
        on_event(Event::RoundFinished(report));
        let last = self.rounds.len() - 1;
        Ok(&self.rounds[last])
    }
}

/// Announces a training phase of `steps` steps, forwards its progress as events and runs it.
fn train_phase<T>(
    name: &str,
    steps: usize,
    rng: &mut StdRng,
    on_event: &mut dyn FnMut(Event),
    watcher: &mut Option<ModelWatcher>,
    train: impl FnOnce(&mut StdRng, &mut dyn FnMut(TrainProgress<'_>)) -> Result<T, FlowError>,
) -> Result<T, PipelineError> {
    on_event(Event::PhaseStarted(Progress::start(
        name,
        Phase::Train,
        steps,
    )));
    let start = Instant::now();
    let mut report = |p: TrainProgress<'_>| {
        if let Some(watch) = watcher.as_mut() {
            watch(name, p.net);
        }
        on_event(Event::Progress(Progress {
            round: name.to_owned(),
            phase: Phase::Train,
            done: p.step,
            total: p.steps,
            loss: Some(p.loss),
            seconds: start.elapsed().as_secs_f64(),
        }));
    };
    Ok(train(rng, &mut report)?)
}

/// Transport cost of `z` and `x0` paired batch by batch (`batch` rows at a time, the last
/// batch possibly shorter) by exact optimal assignment: the coupling OT-CFM trains on.
pub fn minibatch_ot_cost(z: &Points, x0: &Points, batch: usize) -> f64 {
    minibatch_ot_cost_estimate(z, x0, batch).mean
}

/// [`minibatch_ot_cost`] with the standard error over the paired rows (taken as
/// independent).
pub fn minibatch_ot_cost_estimate(z: &Points, x0: &Points, batch: usize) -> Estimate {
    let n = z.len().min(x0.len());
    let batch = batch.max(1);
    let mut total = 0.0;
    let mut per_pair = Vec::with_capacity(n);
    let mut start = 0;
    while start < n {
        let end = (start + batch).min(n);
        let rows: Vec<usize> = (start..end).collect();
        let (zb, xb) = (z.gather(&rows), x0.gather(&rows));
        let paired = ot_pair(&zb, &xb);
        total += crate::metrics::transport_cost(&zb, &paired) * rows.len() as f64;
        per_pair.extend(
            zb.rows()
                .zip(paired.rows())
                .map(|(a, b)| crate::metrics::squared_distance(a, b)),
        );
        start = end;
    }
    Estimate {
        mean: if n == 0 { 0.0 } else { total / n as f64 },
        se: Estimate::of(&per_pair).se,
    }
}

/// The transport cost of `pairs` (exactly as [`Pairs::transport_cost`] sums it) with its
/// standard error.
fn cost_estimate(pairs: &Pairs) -> Estimate {
    Estimate {
        mean: pairs.transport_cost(),
        se: crate::metrics::transport_cost_estimate(&pairs.z, &pairs.x0).se,
    }
}

/// Checks the target, the settings and that a source mixture lives in the target's space,
/// then draws the run's evaluation data: what a new and a restored run both start from.
fn checked_evaluator(target: &Mixture, settings: &Settings) -> Result<Evaluator, PipelineError> {
    target.validate()?;
    settings.validate()?;
    if let Some(source) = &settings.source
        && source.dim != target.dim
    {
        return Err(FlowError::invalid(
            "source",
            format!(
                "is a {}-D mixture but the target is {}-D",
                source.dim, target.dim
            ),
        )
        .into());
    }
    Evaluator::new(
        target,
        settings.source.as_ref(),
        &settings.eval,
        settings.seed,
    )
}

fn latest_flow(rounds: &[Round]) -> Option<&Round> {
    rounds
        .iter()
        .rev()
        .find(|r| matches!(r.kind, RoundKind::Rectified(_)))
}
