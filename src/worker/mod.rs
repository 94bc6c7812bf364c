//! The background worker: the UI sends commands, the worker trains and samples on its own
//! threads and sends back plain-data [`Update`]s.
//!
//! Three named threads: `flowlab-trainer` owns the [`crate::pipeline::Pipeline`] and runs the
//! phases in order; `flowlab-pictures` answers picture requests (the step slider, the
//! side-by-side view, live previews of the model in training) on the other core, so moving
//! the slider never waits for training; `flowlab-files` reads targets, CSV points and
//! sessions, fits mixtures and renders figures, so the UI thread never does. Channels are
//! bounded; tensors never cross them. Dropping the [`Worker`] tells the threads to stop and
//! returns at once (rerun's `re_video` sync decoder wrapper is the model).
//!
//! Every update carries the run and the *epoch* it was made in. [`Worker::stop`] and
//! [`Worker::reset`] cancel what is running and start a new epoch (reset also a new run), and
//! [`Worker::poll`] drops everything older: once `stop` returns, nothing of the stopped work
//! reaches the UI. A round that finished but was not yet delivered is dropped on both sides,
//! so the UI and the pipeline always agree on the rounds.
//!
//! Nothing trained need be lost: [`Worker::keep_run`] hands the current run back as a
//! session in memory ([`Update::RunKept`], news of no run, so a new run begun right after
//! does not drop it), and [`Worker::set_autosave`] has the trainer write the run to a session
//! file after every finished round.

mod files;
mod pictures;
mod protocol;
mod trainer;
mod updates;

pub use files::absolute;
pub use protocol::{
    GuidedStats, PhaseJob, PictureOf, RoundView, SampleRequest, SampleSet, SaveRequest, Update,
    VelocityGrid, tolerance_text,
};

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TrySendError, bounded};

use crate::export::session::Session;
use crate::export::{Figure, FigureStyle};
use crate::pipeline::{FittedData, Settings};
use crate::target::Mixture;
use crate::target::fit::FitConfig;
use protocol::{FileJob, Job, Message, PictureMsg};
use updates::{PauseGate, UpdateSender};

/// Queue sizes: commands wait here while a phase runs; updates wait for the next frame.
const JOB_QUEUE: usize = 64;
const PICTURE_QUEUE: usize = 64;
const FILE_QUEUE: usize = 16;
const UPDATE_QUEUE: usize = 1024;

/// Why a command was not accepted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WorkerError {
    /// The worker's threads are gone (they failed to start or were shut down).
    #[error("the background worker is not running")]
    Gone,
    /// Too many commands are waiting; try again when the current phase is done.
    #[error("the worker is busy: too many commands are already waiting")]
    Busy,
}

/// Queues `message` on `tx` without waiting.
fn offer<T>(tx: &Sender<T>, message: T) -> Result<(), WorkerError> {
    tx.try_send(message).map_err(|err| match err {
        TrySendError::Full(_) => WorkerError::Busy,
        TrySendError::Disconnected(_) => WorkerError::Gone,
    })
}

/// The UI's handle on the worker threads. Dropping it stops them without waiting.
pub struct Worker {
    jobs: Sender<Job>,
    pictures: Sender<PictureMsg>,
    files: Sender<FileJob>,
    updates: Receiver<Message>,
    pause: Arc<PauseGate>,
    /// Whether the model in training is copied out for live previews.
    live_previews: Arc<AtomicBool>,
    cancel: Arc<AtomicBool>,
    run: u64,
    epoch: u64,
    rounds_seen: usize,
    busy: bool,
    /// The threads, kept so they are owned (and joinable), never waited for on drop.
    threads: Vec<JoinHandle<()>>,
}

impl Worker {
    /// Starts the threads. `wake` is called whenever an update is waiting (the app passes
    /// `egui::Context::request_repaint`).
    pub fn spawn(wake: impl Fn() + Send + Sync + 'static) -> std::io::Result<Self> {
        let (jobs_tx, jobs_rx) = bounded(JOB_QUEUE);
        let (pictures_tx, pictures_rx) = bounded(PICTURE_QUEUE);
        let (files_tx, files_rx) = bounded(FILE_QUEUE);
        let (updates_tx, updates_rx) = bounded(UPDATE_QUEUE);
        let updates = UpdateSender {
            tx: updates_tx,
            wake: Arc::new(wake),
        };
        let pause = Arc::new(PauseGate::default());
        let live_previews = Arc::new(AtomicBool::new(true));
        let trainer = trainer::Trainer {
            jobs: jobs_rx,
            updates: updates.clone(),
            pictures: pictures_tx.clone(),
            pause: Arc::clone(&pause),
            live_previews: Arc::clone(&live_previews),
        };
        let pictures = pictures::PictureThread {
            inbox: pictures_rx,
            updates: updates.clone(),
        };
        let files = files::FilesThread {
            jobs: files_rx,
            updates,
        };
        let spawn = |name: &str, body: Box<dyn FnOnce() + Send>| {
            std::thread::Builder::new().name(name.into()).spawn(body)
        };
        let threads = vec![
            spawn("flowlab-trainer", Box::new(move || trainer.run()))?,
            spawn("flowlab-pictures", Box::new(move || pictures.run()))?,
            spawn("flowlab-files", Box::new(move || files.run()))?,
        ];
        Ok(Self {
            jobs: jobs_tx,
            pictures: pictures_tx,
            files: files_tx,
            updates: updates_rx,
            pause,
            live_previews,
            cancel: Arc::new(AtomicBool::new(false)),
            run: 0,
            epoch: 0,
            rounds_seen: 0,
            busy: false,
            threads,
        })
    }

    /// Cancels everything and starts a new, empty run on `target` with `settings`. A bad
    /// target or setting comes back as [`Update::Failed`].
    pub fn new_run(&mut self, target: Mixture, settings: Settings) -> Result<(), WorkerError> {
        self.new_run_fitted(target, settings, None)
    }

    /// Like [`Self::new_run`] for a target fitted to the user's points: the fit goes into
    /// the run's metrics.json and the points into its figure set.
    pub fn new_run_fitted(
        &mut self,
        target: Mixture,
        settings: Settings,
        data: Option<FittedData>,
    ) -> Result<(), WorkerError> {
        let run = self.next_run();
        offer(
            &self.jobs,
            Job::NewRun {
                run,
                target: Box::new(target),
                settings: Box::new(settings),
                data: data.map(Box::new),
            },
        )
    }

    /// Cancels everything and starts a new run from `session`: its rounds arrive as
    /// [`Update::RoundFinished`] without training, then [`Update::Idle`]. A session that does
    /// not restore comes back as [`Update::Failed`].
    pub fn open_session(&mut self, session: Session) -> Result<(), WorkerError> {
        let run = self.next_run();
        offer(
            &self.jobs,
            Job::Restore {
                run,
                session: Box::new(session),
            },
        )?;
        self.busy = true;
        Ok(())
    }

    /// Writes files about the current run once the phases queued before are done; the
    /// outcome arrives as [`Update::Saved`] or [`Update::Failed`].
    pub fn save(&self, request: SaveRequest) -> Result<(), WorkerError> {
        offer(
            &self.jobs,
            Job::Save {
                run: self.run,
                request,
            },
        )
    }

    /// Hands the current run back as [`Update::RunKept`] with `id` once the jobs queued
    /// before are done (after a [`Self::stop`], the rounds delivered so far). The update
    /// belongs to no run, so a new run started right after does not drop it.
    pub fn keep_run(&self, id: u64) -> Result<(), WorkerError> {
        offer(&self.jobs, Job::Keep { run: self.run, id })
    }

    /// Writes every run to the session file at `path` after each finished round and after
    /// a restore, atomically (`None`: no autosave). A failure arrives once as
    /// [`Update::Failed`].
    pub fn set_autosave(&self, path: Option<PathBuf>) -> Result<(), WorkerError> {
        offer(&self.jobs, Job::Autosave(path))
    }

    /// Reads the target file at `path`: [`Update::TargetRead`] or [`Update::Failed`].
    pub fn read_target(&self, path: PathBuf) -> Result<(), WorkerError> {
        offer(&self.files, FileJob::ReadTarget(path))
    }

    /// Writes `target` to `path`: [`Update::Saved`] or [`Update::Failed`].
    pub fn save_target(&self, path: PathBuf, target: Mixture) -> Result<(), WorkerError> {
        offer(&self.files, FileJob::SaveTarget(path, Box::new(target)))
    }

    /// Reads the CSV of points at `path` and fits a mixture: [`Update::DataFitted`] or
    /// [`Update::Failed`].
    pub fn fit_data(&self, path: PathBuf, config: FitConfig) -> Result<(), WorkerError> {
        offer(&self.files, FileJob::FitData(path, config))
    }

    /// Reads and checks the session at `path`: [`Update::SessionRead`] (then
    /// [`Self::open_session`] opens it) or [`Update::Failed`]; the open run is untouched.
    pub fn read_session(&self, path: PathBuf) -> Result<(), WorkerError> {
        offer(&self.files, FileJob::ReadSession(path))
    }

    /// Writes `session` (held in memory) to `path`: [`Update::SessionWritten`] or
    /// [`Update::Failed`].
    pub fn write_session(&self, path: PathBuf, session: Session) -> Result<(), WorkerError> {
        offer(&self.files, FileJob::WriteSession(path, Box::new(session)))
    }

    /// Renders `figure` as PNG and SVG into `dir`: [`Update::Saved`] or [`Update::Failed`].
    pub fn write_figure(
        &self,
        dir: PathBuf,
        stem: String,
        figure: Figure,
        style: FigureStyle,
    ) -> Result<(), WorkerError> {
        offer(
            &self.files,
            FileJob::WriteFigure {
                dir,
                stem,
                figure: Box::new(figure),
                style,
            },
        )
    }

    /// Queues a phase of the current run; phases run one after another.
    pub fn start(&mut self, job: PhaseJob) -> Result<(), WorkerError> {
        offer(
            &self.jobs,
            Job::Phase {
                run: self.run,
                epoch: self.epoch,
                cancel: Arc::clone(&self.cancel),
                job,
            },
        )?;
        self.busy = true;
        Ok(())
    }

    /// Holds training between two steps (the threads stay alive; pictures still answer).
    pub fn pause(&self) {
        self.pause.set(true);
    }

    /// Goes on after [`Self::pause`].
    pub fn resume(&self) {
        self.pause.set(false);
    }

    /// True while paused.
    pub fn is_paused(&self) -> bool {
        self.pause.is_paused()
    }

    /// True from [`Self::start`] until the worker reports it is idle (or a stop).
    pub fn is_busy(&self) -> bool {
        self.busy
    }

    /// Cancels the running and queued phases; the rounds delivered so far are kept. Returns
    /// at once: the worker winds down in the background, and nothing it still sends for the
    /// cancelled work is delivered.
    pub fn stop(&mut self) -> Result<(), WorkerError> {
        self.cancel_current();
        offer(
            &self.jobs,
            Job::Truncate {
                run: self.run,
                keep: self.rounds_seen,
            },
        )
    }

    /// Asks for samples and paths of a finished round; the answer arrives as
    /// [`Update::Samples`]. Newer requests for the same round replace waiting ones.
    pub fn request_samples(&self, request: SampleRequest) -> Result<(), WorkerError> {
        offer(
            &self.pictures,
            PictureMsg::Request {
                run: self.run,
                epoch: self.epoch,
                request,
            },
        )
    }

    /// Draws live previews with `solver` and `steps` from now on (the step slider).
    pub fn set_preview(
        &self,
        solver: crate::flow::Solver,
        steps: usize,
    ) -> Result<(), WorkerError> {
        offer(&self.pictures, PictureMsg::Preview { solver, steps })
    }

    /// Turns live previews of the model in training on (the default) or off, from the next
    /// copy on: what they cost the training is measured by their difference (`flowlab bench`).
    pub fn set_live_previews(&self, on: bool) {
        self.live_previews.store(on, Ordering::Relaxed);
    }

    /// The updates waiting, oldest first, without the stale ones.
    pub fn poll(&mut self) -> Vec<Update> {
        self.poll_within(Duration::MAX)
    }

    /// Like [`Self::poll`], but stops taking updates once `budget` has passed (the rest wait
    /// for the next frame, so a burst of pictures cannot stall one frame).
    pub fn poll_within(&mut self, budget: Duration) -> Vec<Update> {
        let start = Instant::now();
        let mut out = Vec::new();
        while start.elapsed() < budget
            && let Ok(message) = self.updates.try_recv()
        {
            let stale = message.run.is_some_and(|r| r != self.run)
                || message.epoch.is_some_and(|e| e != self.epoch);
            if stale {
                continue;
            }
            match &message.update {
                Update::RoundFinished(_) => self.rounds_seen += 1,
                Update::Idle => self.busy = false,
                _ => {}
            }
            out.push(message.update);
        }
        out
    }

    /// True when updates are still waiting (after a [`Self::poll_within`] ran out of time).
    pub fn has_updates(&self) -> bool {
        !self.updates.is_empty()
    }

    /// Rounds delivered in the current run.
    pub fn rounds_seen(&self) -> usize {
        self.rounds_seen
    }

    /// Cancels everything and numbers a new, empty, unpaused run; returns its id.
    fn next_run(&mut self) -> u64 {
        self.cancel_current();
        self.run += 1;
        self.epoch = 0;
        self.rounds_seen = 0;
        self.pause.set(false);
        self.run
    }

    fn cancel_current(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
        self.pause.wake();
        self.cancel = Arc::new(AtomicBool::new(false));
        self.epoch += 1;
        self.busy = false;
    }
}

impl Drop for Worker {
    /// Tells the threads to stop and returns at once: the running phase sees its cancel flag
    /// (a paused trainer is woken to see it), and every thread ends when it finds its inbox
    /// closed, which happens as this handle's senders drop right after. The join handles are
    /// dropped unjoined, so closing the window never waits for a training step.
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
        self.pause.set(false);
        self.threads.clear();
    }
}
