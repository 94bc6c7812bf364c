//! The training thread: owns the [`Pipeline`] and runs the phases the UI asks for.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TrySendError};

use super::protocol::{Job, Message, PhaseJob, RoundView, SamplerMsg, SaveRequest, Update};
use crate::export::run_folder::write_run_folder;
use crate::export::session::Session;
use crate::pipeline::{Event, Pipeline, PipelineError, RoundKind};

/// How often the model in training is copied out for a live preview.
const PREVIEW_EVERY: Duration = Duration::from_millis(200);
/// How long the thread sleeps between looks at the pause flag.
const PAUSE_POLL: Duration = Duration::from_millis(10);

/// The training thread's state.
pub(crate) struct Trainer {
    pub jobs: Receiver<Job>,
    pub events: Sender<Message>,
    pub sampler: Sender<SamplerMsg>,
    pub paused: Arc<AtomicBool>,
    pub wake: Arc<dyn Fn() + Send + Sync>,
}

/// The run the thread works on.
struct Current {
    run: u64,
    pipeline: Option<Pipeline>,
}

impl Trainer {
    /// Runs jobs until the handle is dropped.
    pub fn run(self) {
        let mut current = Current {
            run: 0,
            pipeline: None,
        };
        while let Ok(job) = self.jobs.recv() {
            match job {
                Job::NewRun {
                    run,
                    target,
                    settings,
                    data,
                } => {
                    current.run = run;
                    current.pipeline = None;
                    match Pipeline::new(*target, *settings) {
                        Ok(mut pipeline) => {
                            if let Some(data) = data {
                                let (fit, points) = *data;
                                pipeline.set_data_fit(fit, points);
                            }
                            self.announce(run, &pipeline);
                            current.pipeline = Some(pipeline);
                        }
                        Err(err) => self.emit(
                            run,
                            None,
                            None,
                            Update::Failed {
                                message: format!("{err:#}"),
                            },
                        ),
                    }
                }
                Job::Truncate { run, keep } => {
                    if run == current.run
                        && let Some(p) = current.pipeline.as_mut()
                    {
                        p.truncate_rounds(keep);
                        let _ = self.sampler.send(SamplerMsg::Truncate { run, keep });
                    }
                }
                Job::Save { run, request } => {
                    let update = match current.pipeline.as_ref().filter(|_| run == current.run) {
                        Some(pipeline) => save(pipeline, &request),
                        None => Err("nothing to save: no run is set up".to_string()),
                    };
                    let update = match update {
                        Ok(message) => Update::Saved { message },
                        Err(message) => Update::Failed { message },
                    };
                    self.emit(run, None, None, update);
                }
                Job::Restore { run, session } => {
                    current.run = run;
                    current.pipeline = None;
                    match catch_unwind(AssertUnwindSafe(|| session.into_pipeline())) {
                        Ok(Ok(pipeline)) => {
                            self.announce(run, &pipeline);
                            let cancel = Arc::new(AtomicBool::new(false));
                            for index in 0..pipeline.rounds().len() {
                                self.publish_round(&pipeline, index, run, 0, &cancel);
                            }
                            current.pipeline = Some(pipeline);
                        }
                        Ok(Err(err)) => self.emit(
                            run,
                            None,
                            None,
                            Update::Failed {
                                message: format!("could not open the session: {err:#}"),
                            },
                        ),
                        Err(panic) => self.emit(
                            run,
                            None,
                            None,
                            Update::Failed {
                                message: format!(
                                    "internal error opening the session: {}",
                                    panic_text(panic.as_ref())
                                ),
                            },
                        ),
                    }
                    if self.jobs.is_empty() {
                        self.emit(run, Some(0), None, Update::Idle);
                    }
                }
                Job::Phase {
                    run,
                    epoch,
                    cancel,
                    job,
                } => {
                    if run != current.run || cancel.load(Ordering::Relaxed) {
                        continue;
                    }
                    let Some(pipeline) = current.pipeline.as_mut() else {
                        self.emit(
                            run,
                            Some(epoch),
                            Some(&cancel),
                            Update::Failed {
                                message: "no run is set up: fix the target or settings first"
                                    .to_string(),
                            },
                        );
                        continue;
                    };
                    let outcome = catch_unwind(AssertUnwindSafe(|| {
                        self.phase(pipeline, run, epoch, &cancel, job)
                    }));
                    match outcome {
                        Ok(Ok(())) => {}
                        Ok(Err(err)) if err.is_cancelled() => {}
                        Ok(Err(err)) => self.emit(
                            run,
                            Some(epoch),
                            Some(&cancel),
                            Update::Failed {
                                message: failure_text(&err),
                            },
                        ),
                        Err(panic) => {
                            // A pipeline that panicked mid-phase may be inconsistent: drop it.
                            current.pipeline = None;
                            self.emit(
                                run,
                                Some(epoch),
                                Some(&cancel),
                                Update::Failed {
                                    message: format!(
                                        "internal error: {}; press Reset to start again",
                                        panic_text(panic.as_ref())
                                    ),
                                },
                            );
                        }
                    }
                    if self.jobs.is_empty() {
                        self.emit(run, Some(epoch), Some(&cancel), Update::Idle);
                    }
                }
            }
        }
    }

    /// Runs one phase job, forwarding its events and publishing each finished round.
    fn phase(
        &self,
        pipeline: &mut Pipeline,
        run: u64,
        epoch: u64,
        cancel: &Arc<AtomicBool>,
        job: PhaseJob,
    ) -> Result<(), PipelineError> {
        let mut last_preview: Option<Instant> = None;
        let sampler = self.sampler.clone();
        pipeline.watch_model(Box::new(move |round, net| {
            if last_preview.is_some_and(|t| t.elapsed() < PREVIEW_EVERY) {
                return;
            }
            last_preview = Some(Instant::now());
            if let Ok(weights) = net.weights() {
                // A full queue means the sampler is behind: skip this preview.
                let _ = sampler.try_send(SamplerMsg::Live {
                    run,
                    epoch,
                    round: round.to_string(),
                    weights: Box::new(weights),
                });
            }
        }));
        let mut on_event = |event: Event| self.forward(run, epoch, cancel, event);
        let mut step = |pipeline: &mut Pipeline, job: PhaseJob| -> Result<(), PipelineError> {
            match job {
                PhaseJob::TrainBase => pipeline.train_base(&mut on_event, cancel)?,
                PhaseJob::Reflow => pipeline.reflow(&mut on_event, cancel)?,
                PhaseJob::Distill | PhaseJob::RunAll => pipeline.distill(&mut on_event, cancel)?,
                PhaseJob::OtCfm => pipeline.train_ot_cfm(&mut on_event, cancel)?,
                PhaseJob::Diffusion => pipeline.train_diffusion(&mut on_event, cancel)?,
                PhaseJob::Guided => pipeline.train_guided(&mut on_event, cancel)?,
            };
            self.publish(pipeline, run, epoch, cancel);
            Ok(())
        };
        match job {
            PhaseJob::RunAll => {
                if pipeline.rounds().is_empty() {
                    step(pipeline, PhaseJob::TrainBase)?;
                }
                let wanted = 1 + pipeline.settings().reflows;
                while rectified_rounds(pipeline) < wanted {
                    step(pipeline, PhaseJob::Reflow)?;
                }
                // Distil again only if a reflow came after the last student.
                let rounds = pipeline.rounds();
                let last_of =
                    |wanted: fn(RoundKind) -> bool| rounds.iter().rposition(|r| wanted(r.kind));
                let distilled_after_flow = last_of(|k| k == RoundKind::Distilled)
                    > last_of(|k| matches!(k, RoundKind::Rectified(_)));
                if pipeline.settings().distill.is_some() && !distilled_after_flow {
                    step(pipeline, PhaseJob::Distill)?;
                }
                Ok(())
            }
            job => step(pipeline, job),
        }
    }

    /// Tells the sampler and the UI about a new run's evaluation data and metric floor.
    fn announce(&self, run: u64, pipeline: &Pipeline) {
        let ev = pipeline.evaluator();
        let _ = self.sampler.send(SamplerMsg::Run {
            run,
            target: Box::new(pipeline.target().clone()),
            noise: ev.noise().clone(),
            reference: ev.reference().clone(),
            extra_draws: ev.extra_draws().to_vec(),
        });
        self.emit(
            run,
            None,
            None,
            Update::RunReady {
                floor_w2: ev.metric_floor_w2(),
                w2_points: ev.w2_points(),
            },
        );
    }

    /// Sends the newest round to the sampler (weights) and to the UI (numbers).
    fn publish(&self, pipeline: &Pipeline, run: u64, epoch: u64, cancel: &Arc<AtomicBool>) {
        let index = pipeline.rounds().len() - 1;
        self.publish_round(pipeline, index, run, epoch, cancel);
    }

    /// Sends round `index` to the sampler (weights) and to the UI (numbers).
    fn publish_round(
        &self,
        pipeline: &Pipeline,
        index: usize,
        run: u64,
        epoch: u64,
        cancel: &Arc<AtomicBool>,
    ) {
        let round = &pipeline.rounds()[index];
        match round.net.weights() {
            Ok(weights) => {
                let _ = self.sampler.send(SamplerMsg::Round {
                    run,
                    index,
                    weights: Box::new(weights),
                });
            }
            Err(err) => self.emit(
                run,
                Some(epoch),
                Some(cancel),
                Update::Failed {
                    message: format!("could not copy the {} model: {err:#}", round.name),
                },
            ),
        }
        let view = RoundView {
            index,
            report: round.report.clone(),
            losses: round.losses.clone(),
            distilled: round.kind == RoundKind::Distilled,
        };
        self.emit(
            run,
            Some(epoch),
            Some(cancel),
            Update::RoundFinished(Box::new(view)),
        );
    }

    /// Turns a pipeline event into an update; holds the thread here while paused.
    fn forward(&self, run: u64, epoch: u64, cancel: &Arc<AtomicBool>, event: Event) {
        let update = match event {
            Event::PhaseStarted {
                round,
                phase,
                total,
            } => Update::PhaseStarted {
                round,
                phase,
                total,
            },
            Event::Progress {
                round,
                phase,
                done,
                total,
                loss,
            } => Update::Progress {
                round,
                phase,
                done,
                total,
                loss,
            },
            // Rounds are published with their weights once the phase returns.
            Event::RoundFinished(_) | Event::Finished => return,
        };
        self.emit(run, Some(epoch), Some(cancel), update);
        while self.paused.load(Ordering::Relaxed) && !cancel.load(Ordering::Relaxed) {
            std::thread::sleep(PAUSE_POLL);
        }
    }

    /// Sends an update unless its job was cancelled; never blocks for long, so a UI that
    /// stopped listening cannot hang the thread.
    fn emit(&self, run: u64, epoch: Option<u64>, cancel: Option<&Arc<AtomicBool>>, update: Update) {
        let mut message = Message { run, epoch, update };
        loop {
            if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
                return;
            }
            match self.events.try_send(message) {
                Ok(()) => break,
                Err(TrySendError::Disconnected(_)) => return,
                Err(TrySendError::Full(m)) => {
                    message = m;
                    std::thread::sleep(PAUSE_POLL);
                }
            }
        }
        (self.wake)();
    }
}

/// Carries out a save request; the message says what was written.
fn save(pipeline: &Pipeline, request: &SaveRequest) -> Result<String, String> {
    match request {
        SaveRequest::Session(path) => Session::from_pipeline(pipeline)
            .and_then(|s| s.save(path))
            .map(|()| format!("Saved the session to {}", path.display()))
            .map_err(|err| format!("Could not save the session: {err}")),
        SaveRequest::Folder { dir, figures } => write_run_folder(dir, pipeline, figures.as_ref())
            .map(|files| format!("Wrote {} files to {}", files.len(), dir.display()))
            .map_err(|err| format!("Could not export: {err}")),
    }
}

fn rectified_rounds(pipeline: &Pipeline) -> usize {
    pipeline
        .rounds()
        .iter()
        .filter(|r| matches!(r.kind, RoundKind::Rectified(_)))
        .count()
}

/// The message of a failed phase, with what the user can do about it.
fn failure_text(err: &PipelineError) -> String {
    match err {
        PipelineError::Flow(crate::flow::FlowError::Diverged { .. }) => format!(
            "{err:#}. Training stopped; earlier rounds are kept. Try a smaller learning rate."
        ),
        _ => format!("{err:#}"),
    }
}

fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}
