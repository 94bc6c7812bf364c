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
/// as it took, so each keeps to about 5 % of one core. The pictures of a small network come
/// at the trainer's pace (every 200 ms), the numbers every few seconds.
#[derive(Debug)]
struct LiveBudget {
    next_picture: Instant,
    next_quality: Instant,
}

/// Idle time after a live preview's work, as a multiple of the time it took.
const LIVE_SHARE_FACTOR: u32 = 39;

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
    fn picture_due(&self) -> bool {
        Instant::now() >= self.next_picture
    }

    fn quality_due(&self) -> bool {
        Instant::now() >= self.next_quality
    }

    fn picture_took(&mut self, spent: Duration) {
        self.next_picture = Instant::now() + spent * LIVE_SHARE_FACTOR;
    }

    fn quality_took(&mut self, spent: Duration) {
        self.next_quality = Instant::now() + spent * LIVE_SHARE_FACTOR;
    }
}

/// Work collected from the inbox, newest request per model first in line.
#[derive(Default)]
struct Pending {
    requests: BTreeMap<usize, (u64, SampleRequest)>,
    live: Option<(u64, String, Model)>,
}

impl PictureThread {
    /// Answers requests until the handle is dropped.
    pub fn run(self) {
        let mut data: Option<RunData> = None;
        let mut pending = Pending::default();
        let mut preview = (Solver::Euler, 20);
        let mut budget = LiveBudget::default();
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
                } else if let Some((epoch, round, model)) = pending.live.take() {
                    let (solver, steps) = run.view;
                    // Live previews are of flows in training: the stochastic sampler is the
                    // diffusion round's alone.
                    let solver = if solver.is_stochastic() && model.path == FlowPath::Straight {
                        Solver::Euler
                    } else {
                        solver
                    };
                    let request = SampleRequest {
                        round: usize::MAX,
                        solver,
                        steps,
                        particles: PREVIEW_PARTICLES,
                        paths: PREVIEW_PATHS,
                        field_at: None,
                        guidance: None,
                    };
                    if !budget.picture_due() {
                        // The trainer sends a newer model soon; this one is not drawn.
                        continue;
                    }
                    let live = || {
                        let started = Instant::now();
                        let answer = picture(run, &model, &request, PictureOf::Live(round));
                        budget.picture_took(started.elapsed());
                        answer.and_then(|mut set| {
                            if budget.quality_due() {
                                let started = Instant::now();
                                set.quality = Some(quality(run, &model, &request, &set.samples)?);
                                budget.quality_took(started.elapsed());
                            }
                            Ok(set)
                        })
                    };
                    let answer = live();
                    self.send(run.run, epoch, answer);
                } else {
                    break;
                }
            }
        }
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
                // A finished round supersedes the preview of its training.
                pending.live = None;
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
