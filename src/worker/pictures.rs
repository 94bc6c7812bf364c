//! The picture thread: rebuilds finished rounds from their weights and answers picture
//! requests (the step slider, the side-by-side view, live previews) on the second core.

use std::collections::BTreeMap;

use crossbeam_channel::Receiver;

use super::protocol::{GuidedStats, PictureMsg, PictureOf, SampleRequest, SampleSet, Update};
use super::updates::UpdateSender;
use crate::Points;
use crate::flow::{FlowError, Solver, VelocityNet, integrate_recording};
use crate::metrics::mode_tv;
use crate::pipeline::{averaged_w2, distance_and_spread};
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
    reference: Points,
    extra_draws: Vec<(Points, Points)>,
    rounds: Vec<VelocityNet>,
    /// The solver and steps live previews are drawn with (the step slider's).
    view: (Solver, usize),
}

/// Work collected from the inbox, newest request per model first in line.
#[derive(Default)]
struct Pending {
    requests: BTreeMap<usize, (u64, SampleRequest)>,
    live: Option<(u64, String, VelocityNet)>,
}

impl PictureThread {
    /// Answers requests until the handle is dropped.
    pub fn run(self) {
        let mut data: Option<RunData> = None;
        let mut pending = Pending::default();
        let mut preview = (Solver::Euler, 20);
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
                    if let Some(net) = run.rounds.get(index) {
                        let answer = picture(run, net, &request, PictureOf::Round(index));
                        let samples = answer.as_ref().ok().map(|set| set.samples.clone());
                        let run_id = run.run;
                        self.send(run_id, epoch, answer);
                        // W2 follows unless the slider has already moved on, or a new run
                        // replaced the one these samples belong to.
                        while let Ok(more) = self.inbox.try_recv() {
                            self.take(more, &mut data, &mut pending, &mut preview);
                        }
                        let Some(run) = data.as_ref().filter(|d| d.run == run_id) else {
                            continue;
                        };
                        // A guided picture samples one class: W2 to the whole target says nothing.
                        if let Some(samples) = samples
                            && !pending.requests.contains_key(&index)
                            && let Some(net) = run.rounds.get(index)
                            && guidance(&request, net).is_none()
                            && let Ok(w2) = mean_w2(run, net, &request, &samples)
                        {
                            let update = Update::Quality {
                                of: PictureOf::Round(index),
                                solver: request.solver,
                                steps: request.steps,
                                w2,
                            };
                            self.send_update(run.run, epoch, update);
                        }
                    }
                } else if let Some((epoch, round, net)) = pending.live.take() {
                    let (solver, steps) = run.view;
                    let request = SampleRequest {
                        round: usize::MAX,
                        solver,
                        steps,
                        particles: PREVIEW_PARTICLES,
                        paths: PREVIEW_PATHS,
                        field_at: None,
                        guidance: None,
                    };
                    let answer =
                        picture(run, &net, &request, PictureOf::Live(round)).and_then(|mut set| {
                            set.w2 = Some(mean_w2(run, &net, &request, &set.samples)?);
                            Ok(set)
                        });
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
                reference,
                extra_draws,
            } => {
                *data = Some(RunData {
                    run,
                    target: *target,
                    noise,
                    reference,
                    extra_draws,
                    rounds: Vec::new(),
                    view: *preview,
                });
                *pending = Pending::default();
            }
            PictureMsg::Round {
                run,
                index,
                weights,
            } => {
                let Some(d) = data.as_mut().filter(|d| d.run == run) else {
                    return;
                };
                match VelocityNet::from_weights(&weights) {
                    Ok(net) if index == d.rounds.len() => d.rounds.push(net),
                    Ok(net) if index < d.rounds.len() => d.rounds[index] = net,
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
                    pending.live = Some((epoch, round, net));
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
    net: &VelocityNet,
    request: &SampleRequest,
    of: PictureOf,
) -> Result<SampleSet, FlowError> {
    let particles = request.particles.clamp(1, run.noise.len());
    let z = run.noise.head(particles);
    let mut guided = None;
    let (samples, trajectory) = match guidance(request, net) {
        Some((class, w)) => {
            let field = crate::flow::Guided::new(net, class, w)?;
            let (samples, trajectory) =
                integrate_recording(&field, &z, request.solver, request.steps, request.paths)?;
            // One class's samples: how close they sit to their mode is the picture's number.
            guided = run.target.components.get(class).map(|c| {
                let (distance, spread) = distance_and_spread(&samples, &c.mean);
                GuidedStats {
                    class,
                    w,
                    distance,
                    spread,
                }
            });
            (samples, trajectory)
        }
        _ => integrate_recording(net, &z, request.solver, request.steps, request.paths)?,
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
        w2: None,
        field,
        guided,
    })
}

/// W2 of `net` under the request's solver and steps, averaged over the run's draws like the
/// engine's round reports.
fn mean_w2(
    run: &RunData,
    net: &VelocityNet,
    request: &SampleRequest,
    samples: &Points,
) -> Result<f64, FlowError> {
    averaged_w2(
        net,
        samples,
        &run.reference,
        &run.extra_draws,
        request.solver,
        request.steps,
    )
}
