//! The training thread: owns the [`Pipeline`] and runs the jobs the UI asks for, in order.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};

use super::files::absolute;
use super::protocol::{Job, PhaseJob, PictureMsg, RoundView, SaveRequest, Update};
use super::updates::{PauseGate, UpdateSender};
use crate::export::ExportError;
use crate::export::run_folder::write_run_folder;
use crate::export::session::{Session, SessionError};
use crate::pipeline::{Event, FittedData, Pipeline, PipelineError, RoundKind};
use crate::target::Mixture;

/// How often the model in training is copied out for a live preview.
const PREVIEW_EVERY: Duration = Duration::from_millis(200);

/// The training thread's state.
pub(crate) struct Trainer {
    pub jobs: Receiver<Job>,
    pub updates: UpdateSender,
    pub pictures: Sender<PictureMsg>,
    pub pause: Arc<PauseGate>,
    /// Whether live previews are wanted ([`super::Worker::set_live_previews`]).
    pub live_previews: Arc<AtomicBool>,
}

/// The run the thread works on.
#[derive(Default)]
struct Current {
    run: u64,
    pipeline: Option<Pipeline>,
    autosave: Autosave,
}

/// Where the current run is written after each finished round.
#[derive(Default)]
struct Autosave {
    path: Option<PathBuf>,
    /// A write failed: said once, then tried silently.
    failed: bool,
}

impl Autosave {
    /// Writes `pipeline` as a session (atomically); the first failure is returned as text.
    fn write(&mut self, pipeline: &Pipeline) -> Option<String> {
        let path = self.path.as_ref()?;
        if pipeline.rounds().is_empty() {
            return None;
        }
        let written = Session::from_pipeline(pipeline).and_then(|s| s.save(path));
        match written {
            Ok(()) => {
                self.failed = false;
                None
            }
            Err(err) if !self.failed => {
                self.failed = true;
                Some(format!("Could not autosave the run: {err}"))
            }
            Err(_) => None,
        }
    }
}

/// Why a save request failed; shown to the user as one line.
#[derive(Debug, thiserror::Error)]
enum SaveError {
    #[error("nothing to save: no run is set up")]
    NoRun,
    #[error("could not save the session: {0}")]
    Session(#[from] SessionError),
    #[error("could not export: {0}")]
    Export(#[from] ExportError),
}

impl Trainer {
    /// Runs jobs until the handle is dropped.
    pub fn run(self) {
        let mut current = Current::default();
        while let Ok(job) = self.jobs.recv() {
            match job {
                Job::NewRun {
                    run,
                    target,
                    settings,
                    data,
                } => self.new_run(&mut current, run, *target, *settings, data.map(|d| *d)),
                Job::Truncate { run, keep } => self.truncate(&mut current, run, keep),
                Job::Save { run, request } => self.save(&current, run, &request),
                Job::Restore { run, session } => self.restore(&mut current, run, *session),
                Job::Keep { run, id } => self.keep(&current, run, id),
                Job::Autosave(path) => {
                    current.autosave = Autosave {
                        path,
                        failed: false,
                    }
                }
                Job::Phase {
                    run,
                    epoch,
                    cancel,
                    job,
                } => self.run_phase(&mut current, run, epoch, &cancel, job),
            }
        }
    }

    /// Sends `update` for `run` (as a whole: no epoch, never stale within the run).
    fn tell(&self, run: u64, update: Update) {
        self.updates.send(Some(run), None, None, update);
    }

    /// Sends `update` for the job of `epoch`, unless it was cancelled.
    fn tell_job(&self, run: u64, epoch: u64, cancel: &AtomicBool, update: Update) {
        self.updates
            .send(Some(run), Some(epoch), Some(cancel), update);
    }

    fn new_run(
        &self,
        current: &mut Current,
        run: u64,
        target: Mixture,
        settings: crate::pipeline::Settings,
        data: Option<FittedData>,
    ) {
        current.run = run;
        current.pipeline = None;
        match Pipeline::new(target, settings) {
            Ok(mut pipeline) => {
                if let Some(fitted) = data {
                    pipeline.set_data_fit(fitted);
                }
                self.announce(run, &pipeline);
                current.pipeline = Some(pipeline);
            }
            Err(err) => self.tell(
                run,
                Update::Failed {
                    message: format!("{err:#}"),
                },
            ),
        }
    }

    fn truncate(&self, current: &mut Current, run: u64, keep: usize) {
        if run == current.run
            && let Some(p) = current.pipeline.as_mut()
        {
            p.truncate_rounds(keep);
            // The picture thread is gone only when the whole worker is: nothing to tell.
            let _sent: Result<(), _> = self.pictures.send(PictureMsg::Truncate { run, keep });
        }
    }

    fn save(&self, current: &Current, run: u64, request: &SaveRequest) {
        let pipeline = current.pipeline.as_ref().filter(|_| run == current.run);
        let update = match pipeline
            .ok_or(SaveError::NoRun)
            .and_then(|p| save(p, request))
        {
            Ok(message) => Update::Saved { message },
            Err(err) => Update::Failed {
                message: format!("{err}"),
            },
        };
        self.tell(run, update);
    }

    /// Sends the current run back as a session in memory, as news of no run (a new run set
    /// up right after must not drop it).
    fn keep(&self, current: &Current, run: u64, id: u64) {
        let pipeline = current.pipeline.as_ref().filter(|_| run == current.run);
        let update = match pipeline
            .ok_or(SaveError::NoRun)
            .and_then(|p| Session::from_pipeline(p).map_err(SaveError::Session))
        {
            Ok(session) => Update::RunKept {
                id,
                session: Box::new(session),
            },
            Err(err) => Update::Failed {
                message: format!("Could not keep the run: {err}"),
            },
        };
        self.updates.send(None, None, None, update);
    }

    fn restore(&self, current: &mut Current, run: u64, session: Session) {
        current.run = run;
        current.pipeline = None;
        match catch_unwind(AssertUnwindSafe(|| session.into_pipeline())) {
            Ok(Ok(pipeline)) => {
                self.announce(run, &pipeline);
                let cancel = AtomicBool::new(false);
                for index in 0..pipeline.rounds().len() {
                    self.publish_round(&pipeline, index, run, 0, &cancel);
                }
                if let Some(message) = current.autosave.write(&pipeline) {
                    self.tell(run, Update::Failed { message });
                }
                current.pipeline = Some(pipeline);
            }
            Ok(Err(err)) => self.tell(
                run,
                Update::Failed {
                    message: format!("could not open the session: {err:#}"),
                },
            ),
            Err(panic) => self.tell(
                run,
                Update::Failed {
                    message: format!(
                        "internal error opening the session: {}",
                        panic_text(panic.as_ref())
                    ),
                },
            ),
        }
        if self.jobs.is_empty() {
            self.updates.send(Some(run), Some(0), None, Update::Idle);
        }
    }

    fn run_phase(
        &self,
        current: &mut Current,
        run: u64,
        epoch: u64,
        cancel: &Arc<AtomicBool>,
        job: PhaseJob,
    ) {
        if run != current.run || cancel.load(Ordering::Relaxed) {
            return;
        }
        let autosave = &mut current.autosave;
        let Some(pipeline) = current.pipeline.as_mut() else {
            let message = "no run is set up: fix the target or settings first".to_owned();
            self.tell_job(run, epoch, cancel, Update::Failed { message });
            return;
        };
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            self.phase(pipeline, autosave, run, epoch, cancel, job)
        }));
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(err)) if err.is_cancelled() => {}
            Ok(Err(err)) => {
                let message = failure_text(&err);
                self.tell_job(run, epoch, cancel, Update::Failed { message });
            }
            Err(panic) => {
                // A pipeline that panicked mid-phase may be inconsistent: drop it.
                current.pipeline = None;
                let message = format!(
                    "internal error: {}; press Reset to start again",
                    panic_text(panic.as_ref())
                );
                self.tell_job(run, epoch, cancel, Update::Failed { message });
            }
        }
        if self.jobs.is_empty() {
            self.tell_job(run, epoch, cancel, Update::Idle);
        }
    }

    /// Runs one phase job, forwarding its events and publishing each finished round.
    fn phase(
        &self,
        pipeline: &mut Pipeline,
        autosave: &mut Autosave,
        run: u64,
        epoch: u64,
        cancel: &Arc<AtomicBool>,
        job: PhaseJob,
    ) -> Result<(), PipelineError> {
        self.watch_for_previews(pipeline, run, epoch);
        let mut on_event = |event: Event| self.forward(run, epoch, cancel, event);
        if job == PhaseJob::RunAll {
            // The policy of "run all" (what is missing of the main line) is the pipeline's.
            while let Some(step) = pipeline.missing_step() {
                pipeline.take_step(step, &mut on_event, cancel)?;
                self.publish_latest(pipeline, run, epoch, cancel);
                self.autosave(pipeline, autosave, run);
            }
            return Ok(());
        }
        match job {
            PhaseJob::TrainBase => pipeline.train_base(&mut on_event, cancel)?,
            PhaseJob::Reflow => pipeline.reflow(&mut on_event, cancel)?,
            PhaseJob::Distill | PhaseJob::RunAll => pipeline.distill(&mut on_event, cancel)?,
            PhaseJob::OtCfm => pipeline.train_ot_cfm(&mut on_event, cancel)?,
            PhaseJob::Diffusion => pipeline.train_diffusion(&mut on_event, cancel)?,
            PhaseJob::Guided => pipeline.train_guided(&mut on_event, cancel)?,
            PhaseJob::Consistency => pipeline.consistency(&mut on_event, cancel)?,
            PhaseJob::Shortcut => pipeline.shortcut(&mut on_event, cancel)?,
            PhaseJob::MeanFlow => pipeline.meanflow(&mut on_event, cancel)?,
        };
        self.publish_latest(pipeline, run, epoch, cancel);
        self.autosave(pipeline, autosave, run);
        Ok(())
    }

    /// Writes the run to the autosave file, if one is set; a first failure is told.
    fn autosave(&self, pipeline: &Pipeline, autosave: &mut Autosave, run: u64) {
        if let Some(message) = autosave.write(pipeline) {
            self.tell(run, Update::Failed { message });
        }
    }

    /// Copies the model in training out to the picture thread at most every
    /// [`PREVIEW_EVERY`], for the live preview.
    fn watch_for_previews(&self, pipeline: &mut Pipeline, run: u64, epoch: u64) {
        let mut last_preview: Option<Instant> = None;
        let pictures = self.pictures.clone();
        let live = Arc::clone(&self.live_previews);
        pipeline.watch_model(Box::new(move |round, net| {
            if !live.load(Ordering::Relaxed)
                || last_preview.is_some_and(|t| t.elapsed() < PREVIEW_EVERY)
            {
                return;
            }
            last_preview = Some(Instant::now());
            if let Ok(weights) = net.weights() {
                // A full queue means the picture thread is behind: skip this preview.
                let _skipped: Result<(), _> = pictures.try_send(PictureMsg::Live {
                    run,
                    epoch,
                    round: round.to_owned(),
                    weights: Box::new(weights),
                });
            }
        }));
    }

    /// Tells the picture thread and the UI about a new run's evaluation data and floor.
    fn announce(&self, run: u64, pipeline: &Pipeline) {
        let ev = pipeline.evaluator();
        // Only fails when the whole worker is shutting down.
        let _sent: Result<(), _> = self.pictures.send(PictureMsg::Run {
            run,
            target: Box::new(pipeline.target().clone()),
            noise: ev.noise().clone(),
            draws: Box::new(ev.draws()),
        });
        self.tell(
            run,
            Update::RunReady {
                floors: *ev.floors(),
                w2_points: ev.w2_points(),
                ot_minimum: ev.ot_minimum().clone(),
            },
        );
    }

    /// Sends the newest round to the picture thread (weights) and to the UI (numbers).
    fn publish_latest(&self, pipeline: &Pipeline, run: u64, epoch: u64, cancel: &AtomicBool) {
        let index = pipeline.rounds().len() - 1;
        self.publish_round(pipeline, index, run, epoch, cancel);
    }

    /// Sends round `index` to the picture thread (weights) and to the UI (numbers).
    fn publish_round(
        &self,
        pipeline: &Pipeline,
        index: usize,
        run: u64,
        epoch: u64,
        cancel: &AtomicBool,
    ) {
        let round = &pipeline.rounds()[index];
        match round.net.weights() {
            Ok(weights) => {
                let _sent: Result<(), _> = self.pictures.send(PictureMsg::Round {
                    run,
                    index,
                    weights: Box::new(weights),
                    path: round.kind.path(),
                });
            }
            Err(err) => {
                let message = format!("could not copy the {} model: {err:#}", round.name);
                self.tell_job(run, epoch, cancel, Update::Failed { message });
            }
        }
        let view = RoundView {
            index,
            report: round.report.clone(),
            losses: round.losses.clone(),
            distilled: round.kind == RoundKind::Distilled,
            sampler: round.kind.sampler(),
            kind: round.kind,
        };
        self.tell_job(run, epoch, cancel, Update::RoundFinished(Box::new(view)));
    }

    /// Forwards a pipeline event's progress as an update; parks the thread here while paused.
    fn forward(&self, run: u64, epoch: u64, cancel: &AtomicBool, event: Event) {
        let update = match event {
            Event::PhaseStarted(p) => Update::PhaseStarted(p),
            Event::Progress(p) => Update::Progress(p),
            // Rounds are published with their weights once the phase returns.
            Event::RoundFinished(_) | Event::Finished => return,
        };
        self.tell_job(run, epoch, cancel, update);
        self.pause.wait_while_paused(cancel);
    }
}

/// Carries out a save request; the message says what was written where.
fn save(pipeline: &Pipeline, request: &SaveRequest) -> Result<String, SaveError> {
    match request {
        SaveRequest::Session(path) => {
            Session::from_pipeline(pipeline)?.save(path)?;
            Ok(format!("Saved the session to {}", absolute(path).display()))
        }
        SaveRequest::Folder { dir, figures } => {
            let files: Vec<PathBuf> = write_run_folder(dir, pipeline, figures.as_ref())?;
            Ok(format!(
                "Wrote {} files to {}",
                files.len(),
                absolute(dir).display()
            ))
        }
    }
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
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned())
}
