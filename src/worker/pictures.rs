//! The picture thread: rebuilds finished rounds from their weights and answers picture
//! requests (the step slider, the side-by-side view, live previews) on the second core.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;

use super::protocol::{GuidedStats, PictureMsg, PictureOf, SampleRequest, SampleSet, Update};
use super::updates::UpdateSender;
use crate::Points;
use crate::flow::{
    FlowError, FlowPath, OnPath, Sampled, Solver, VelocityField, VelocityNet, sample_recording,
};
use crate::metrics::mode_tv;
use crate::pipeline::{EvalDraws, QualityNumbers, distance_and_spread};
use crate::target::Mixture;

/// Particles and steps of a live preview while training.
const PREVIEW_PARTICLES: usize = 1000;
const PREVIEW_PATHS: usize = 200;

/// The picture thread's state.
pub(crate) struct PictureThread {
    pub inbox: Receiver<PictureMsg>,
    pub updates: UpdateSender,
}

/// The run the pictures are drawn for.
struct RunData {
    run: u64,
    target: Mixture,
    noise: Points,
    draws: EvalDraws,
    /// Each finished round's network and the path it was trained on.
    rounds: Vec<Model>,
    /// The solver and steps live previews are drawn with (the step slider's).
    view: (Solver, usize),
}

/// A round's network and the probability path it was trained on (what the stochastic
/// sampler needs).
struct Model {
    net: VelocityNet,
    path: FlowPath,
}

impl Model {
    /// The network as a field on its path.
    fn field(&self) -> OnPath<'_> {
        OnPath {
            field: &self.net,
            path: self.path,
        }
    }
}

/// Live previews share the machine with the training they show: each kind of work (the
/// picture, its quality numbers) waits after it ran for [`LIVE_SHARE_FACTOR`] times as long
/// as it took (at most [`LIVE_WAIT_CAP`]), so each keeps to about 2.5 % of one core. The
/// pictures of the default network come about every 400 ms, the numbers every 4 s.
#[derive(Debug)]
struct LiveBudget {
    next_picture: Instant,
    next_quality: Instant,
}

/// The newest live picture, drawn without its quality numbers (the budget was spent).
struct Unmeasured {
    run: u64,
    epoch: u64,
    round: String,
    model: Model,
    request: SampleRequest,
    samples: Points,
}

/// Idle time after a live preview's work, as a multiple of the time it took.
const LIVE_SHARE_FACTOR: u32 = 39;

/// How long a round's training runs before its live pictures are first measured: the numbers
/// of a model trained for less are stale before they are ready, and measuring them (the
/// exact matchings behind W2, about 140 ms on the default target) would take a core from a
/// phase that may last only half a second (measured: training in the app's worker 19–31 %
/// slower than headless with a measurement at the phase's start).
const LIVE_NUMBERS_GRACE: Duration = Duration::from_secs(1);

/// The longest idle time: one slow measurement (the first, while the run is still being set
/// up) must not leave the numbers stale for long.
const LIVE_WAIT_CAP: Duration = Duration::from_secs(4);

impl Default for LiveBudget {
    fn default() -> Self {
        let now = Instant::now();
        Self {
            next_picture: now,
            next_quality: now,
        }
    }
}

impl LiveBudget {
    /// How long until the next live picture may be drawn (`None`: now).
    fn picture_wait(&self) -> Option<Duration> {
        let wait = self.next_picture.saturating_duration_since(Instant::now());
        (!wait.is_zero()).then_some(wait)
    }

    fn quality_due(&self) -> bool {
        Instant::now() >= self.next_quality
    }

    /// How long until the next live numbers may be measured (`None`: now).
    fn quality_wait(&self) -> Option<Duration> {
        let wait = self.next_quality.saturating_duration_since(Instant::now());
        (!wait.is_zero()).then_some(wait)
    }

    fn picture_took(&mut self, spent: Duration) {
        self.next_picture = Instant::now() + (spent * LIVE_SHARE_FACTOR).min(LIVE_WAIT_CAP);
    }

    fn quality_took(&mut self, spent: Duration) {
        self.next_quality = Instant::now() + (spent * LIVE_SHARE_FACTOR).min(LIVE_WAIT_CAP);
    }

    /// A new round started training: its numbers wait [`LIVE_NUMBERS_GRACE`] at least.
    fn round_started(&mut self) {
        self.next_quality = self.next_quality.max(Instant::now() + LIVE_NUMBERS_GRACE);
    }
}

/// Work collected from the inbox, newest request per model first in line.
#[derive(Default)]
struct Pending {
    requests: BTreeMap<usize, (u64, SampleRequest)>,
    live: Option<(u64, String, Model)>,
    /// The newest live picture, drawn without its numbers; measured when the budget allows
    /// unless its round finishes first.
    unmeasured: Option<Unmeasured>,
}

impl PictureThread {
    /// Answers requests until the handle is dropped.
    pub fn run(self) {
        let mut data: Option<RunData> = None;
        let mut pending = Pending::default();
        let mut preview = (Solver::Euler, 20);
        let mut budget = LiveBudget::default();
        // The run and round of the last live picture: a new one starts the numbers' grace.
        let mut live_round: Option<(u64, String)> = None;
        while let Ok(first) = self.inbox.recv() {
            self.take(first, &mut data, &mut pending, &mut preview);
            loop {
                // Coalesce: only the newest request per round (and the newest live model)
                // is worth drawing.
                while let Ok(more) = self.inbox.try_recv() {
                    self.take(more, &mut data, &mut pending, &mut preview);
                }
                let Some(run) = data.as_mut() else {
                    pending = Pending::default();
                    break;
                };
                if let Some((index, (epoch, request))) = pending.requests.pop_first() {
                    if let Some(model) = run.rounds.get(index) {
                        let answer = picture(run, model, &request, PictureOf::Round(index));
                        let samples = answer.as_ref().ok().map(|set| set.samples.clone());
                        let run_id = run.run;
                        self.send(run_id, epoch, answer);
                        // The numbers follow unless the slider has already moved on, or a
                        // new run replaced the one these samples belong to.
                        while let Ok(more) = self.inbox.try_recv() {
                            self.take(more, &mut data, &mut pending, &mut preview);
                        }
                        let Some(run) = data.as_ref().filter(|d| d.run == run_id) else {
                            continue;
                        };
                        // A guided picture samples one class: numbers against the whole
                        // target say nothing.
                        if let Some(samples) = samples
                            && !pending.requests.contains_key(&index)
                            && let Some(model) = run.rounds.get(index)
                            && guidance(&request, &model.net).is_none()
                            && let Ok(quality) = quality(run, model, &request, &samples)
                        {
                            let update = Update::Quality {
                                of: PictureOf::Round(index),
                                solver: request.solver,
                                steps: request.steps,
                                quality,
                            };
                            self.send_update(run.run, epoch, update);
                        }
                    }
                } else if let Some(wait) = budget.picture_wait().filter(|_| pending.live.is_some())
                {
                    // The newest live model waits for its turn (a newer one may replace it
                    // meanwhile), so the last model before a pause is always drawn.
                    if !self.wait_for_more(wait, &mut data, &mut pending, &mut preview) {
                        return;
                    }
                } else if let Some((epoch, round, model)) = pending.live.take() {
                    if live_round.as_ref() != Some(&(run.run, round.clone())) {
                        budget.round_started();
                        live_round = Some((run.run, round.clone()));
                    }
                    let request = live_request(run.view, model.path);
                    let started = Instant::now();
                    let answer = picture(run, &model, &request, PictureOf::Live(round.clone()));
                    budget.picture_took(started.elapsed());
                    let answer = answer.and_then(|mut set| {
                        if budget.quality_due() {
                            let started = Instant::now();
                            set.quality = Some(quality(run, &model, &request, &set.samples)?);
                            budget.quality_took(started.elapsed());
                            pending.unmeasured = None;
                        } else {
                            // Measured when the budget allows, unless a newer picture comes.
                            pending.unmeasured = Some(Unmeasured {
                                run: run.run,
                                epoch,
                                round,
                                model,
                                request,
                                samples: set.samples.clone(),
                            });
                        }
                        Ok(set)
                    });
                    self.send(run.run, epoch, answer);
                } else if let Some(u) = pending.unmeasured.take() {
                    // Nothing else to do: the newest live picture gets its numbers when the
                    // budget allows (at once after a pause, within seconds while training).
                    if u.run != run.run {
                        continue;
                    }
                    if let Some(wait) = budget.quality_wait() {
                        pending.unmeasured = Some(u);
                        if !self.wait_for_more(wait, &mut data, &mut pending, &mut preview) {
                            return;
                        }
                        continue;
                    }
                    self.measure_live(run, u, &mut budget);
                } else {
                    break;
                }
            }
        }
    }

    /// Waits up to `wait` for a message and applies it; false once the handle is dropped.
    fn wait_for_more(
        &self,
        wait: Duration,
        data: &mut Option<RunData>,
        pending: &mut Pending,
        preview: &mut (Solver, usize),
    ) -> bool {
        match self.inbox.recv_timeout(wait) {
            Ok(more) => {
                self.take(more, data, pending, preview);
                true
            }
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => true,
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => false,
        }
    }

    /// Measures the newest live picture, drawn without numbers, and sends them.
    fn measure_live(&self, run: &RunData, u: Unmeasured, budget: &mut LiveBudget) {
        let started = Instant::now();
        if let Ok(quality) = quality(run, &u.model, &u.request, &u.samples) {
            let update = Update::Quality {
                of: PictureOf::Live(u.round),
                solver: u.request.solver,
                steps: u.request.steps,
                quality,
            };
            self.send_update(run.run, u.epoch, update);
        }
        budget.quality_took(started.elapsed());
    }

    /// Applies one message: model updates at once, requests into `pending`.
    fn take(
        &self,
        msg: PictureMsg,
        data: &mut Option<RunData>,
        pending: &mut Pending,
        preview: &mut (Solver, usize),
    ) {
        match msg {
            PictureMsg::Run {
                run,
                target,
                noise,
                draws,
            } => {
                *data = Some(RunData {
                    run,
                    target: *target,
                    noise,
                    draws: *draws,
                    rounds: Vec::new(),
                    view: *preview,
                });
                *pending = Pending::default();
            }
            PictureMsg::Round {
                run,
                index,
                weights,
                path,
            } => {
                let Some(d) = data.as_mut().filter(|d| d.run == run) else {
                    return;
                };
                match VelocityNet::from_weights(&weights).map(|net| Model { net, path }) {
                    Ok(model) if index == d.rounds.len() => d.rounds.push(model),
                    Ok(model) if index < d.rounds.len() => d.rounds[index] = model,
                    Ok(_) => {}
                    Err(err) => self.send(
                        run,
                        0,
                        Err(FlowError::invalid("weights", format!("{err:#}"))),
                    ),
                }
                // A finished round supersedes the preview of its training, and the numbers
                // of its last live picture: the round's own are measured (measured: they took
                // a core for 0.1–0.3 s at the start of the next phase, slowing its first
                // fifth and the time-left estimate made there).
                pending.live = None;
                pending.unmeasured = None;
            }
            PictureMsg::Truncate { run, keep } => {
                if let Some(d) = data.as_mut().filter(|d| d.run == run) {
                    d.rounds.truncate(keep);
                    pending.requests.retain(|&i, _| i < keep);
                }
            }
            PictureMsg::Live {
                run,
                epoch,
                round,
                weights,
            } => {
                if data.as_ref().is_some_and(|d| d.run == run)
                    && let Ok(net) = VelocityNet::from_weights(&weights)
                {
                    // The round in training is on the straight path unless it is the
                    // diffusion round.
                    let path = if round == crate::pipeline::DIFFUSION_ROUND {
                        FlowPath::VpLinear
                    } else {
                        FlowPath::Straight
                    };
                    pending.live = Some((epoch, round, Model { net, path }));
                }
            }
            PictureMsg::Preview { solver, steps } => {
                if let Some(d) = data.as_mut() {
                    d.view = (solver, steps);
                }
                *preview = (solver, steps);
            }
            PictureMsg::Request {
                run,
                epoch,
                request,
            } => {
                if data.as_ref().is_some_and(|d| d.run == run) {
                    pending.requests.insert(request.round, (epoch, request));
                }
            }
        }
    }

    fn send(&self, run: u64, epoch: u64, answer: Result<SampleSet, FlowError>) {
        let update = match answer {
            Ok(set) => Update::Samples(Box::new(set)),
            Err(err) => Update::Failed {
                message: format!("sampling failed: {err:#}"),
            },
        };
        self.send_update(run, epoch, update);
    }

    fn send_update(&self, run: u64, epoch: u64, update: Update) {
        self.updates.offer(run, epoch, update);
    }
}

/// The class and scale a request guides `net` towards: `None` unless it asks for guidance and
/// `net` is class-conditional with that class.
fn guidance(request: &SampleRequest, net: &VelocityNet) -> Option<(usize, f32)> {
    request.guidance.filter(|&(class, _)| class < net.classes())
}

/// The request a live preview is drawn with: the slider's solver and steps, except that the
/// stochastic sampler is the diffusion round's alone (a flow in training uses Euler then).
fn live_request((solver, steps): (Solver, usize), path: FlowPath) -> SampleRequest {
    let solver = if solver.is_stochastic() && path == FlowPath::Straight {
        Solver::Euler
    } else {
        solver
    };
    SampleRequest {
        round: usize::MAX,
        solver,
        steps,
        particles: PREVIEW_PARTICLES,
        paths: PREVIEW_PATHS,
        field_at: None,
        guidance: None,
    }
}

/// Integrates `net` from the run's fixed noise and measures the result.
fn picture(
    run: &RunData,
    model: &Model,
    request: &SampleRequest,
    of: PictureOf,
) -> Result<SampleSet, FlowError> {
    let particles = request.particles.clamp(1, run.noise.len());
    let z = run.noise.head(particles);
    let mut guided = None;
    let net = &model.net;
    let Sampled {
        samples,
        trajectory,
        evaluations,
    } = match guidance(request, net) {
        Some((class, w)) => {
            let field = crate::flow::Guided::new(net, class, w)?;
            let sampled =
                sample_recording(&field, &z, request.solver, request.steps, request.paths)?;
            let samples = &sampled.samples;
            // One class's samples: how close they sit to their mode is the picture's number.
            guided = run.target.components.get(class).map(|c| {
                let (distance, spread) = distance_and_spread(samples, &c.mean);
                GuidedStats {
                    class,
                    w,
                    distance,
                    spread,
                }
            });
            sampled
        }
        _ => sample_recording(
            &model.field(),
            &z,
            request.solver,
            request.steps,
            request.paths,
        )?,
    };
    let labels = run.target.assign(&samples);
    let field = match request.field_at {
        Some(t) => Some(crate::flow::velocity_grid(&run.target, net, t)?),
        None => None,
    };
    Ok(SampleSet {
        of,
        solver: request.solver,
        steps: request.steps,
        labels,
        mode_tv: mode_tv(&run.target, &samples),
        samples,
        trajectory,
        evaluations,
        quality: None,
        field,
        guided,
    })
}

/// The quality numbers of `model` under the request's solver and steps, on the run's
/// evaluation draws: what `flowlab run` reports for the same settings. `samples` are the
/// picture's, whose head is the first draw.
fn quality(
    run: &RunData,
    model: &Model,
    request: &SampleRequest,
    samples: &Points,
) -> Result<QualityNumbers, FlowError> {
    let field: &dyn VelocityField = &model.field();
    // A stochastic picture's noise path is its own: the draws are integrated afresh.
    let first = (!request.solver.is_stochastic()).then_some(samples);
    run.draws
        .quality(field, &run.target, request.solver, request.steps, first)
}

#[cfg(test)]
mod tests {
    use super::{LIVE_NUMBERS_GRACE, LIVE_WAIT_CAP, LiveBudget};
    use std::time::Duration;

    #[test]
    fn a_new_round_waits_a_second_for_its_numbers_and_never_shortens_a_longer_wait() {
        let mut budget = LiveBudget::default();
        assert!(budget.quality_due(), "a fresh run measures at once");
        budget.round_started();
        assert!(!budget.quality_due());
        let wait = budget.quality_wait().expect("a wait");
        assert!(
            wait <= LIVE_NUMBERS_GRACE && wait > Duration::from_millis(800),
            "{wait:?}"
        );
        // A slow measurement's wait (capped at 4 s) outlasts the grace and is kept.
        budget.quality_took(Duration::from_millis(200));
        budget.round_started();
        let wait = budget.quality_wait().expect("a wait");
        assert!(
            wait > Duration::from_millis(3800) && wait <= LIVE_WAIT_CAP,
            "{wait:?}"
        );
    }
}
