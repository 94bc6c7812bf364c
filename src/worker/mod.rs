//! The background worker: the UI sends commands, the worker trains and samples on its own
//! threads and sends back plain-data [`Update`]s.
//!
//! Two named threads: `flowlab-trainer` owns the [`crate::pipeline::Pipeline`] and runs the
//! phases in order; `flowlab-sampler` answers picture requests (the step slider, the
//! side-by-side view, live previews of the model in training) on the other core, so moving
//! the slider never waits for training. Channels are bounded; tensors never cross them.
//!
//! Every update carries the run and the *epoch* it was made in. [`Worker::stop`] and
//! [`Worker::reset`] cancel what is running and start a new epoch (reset also a new run), and
//! [`Worker::poll`] drops everything older: once `stop` returns, nothing of the stopped work
//! reaches the UI. A round that finished but was not yet delivered is dropped on both sides,
//! so the UI and the pipeline always agree on the rounds.

mod protocol;
mod sampler;
mod trainer;

pub use protocol::{
    PhaseJob, RoundView, SampleRequest, SampleSet, SaveRequest, Source, Update, VelocityGrid,
};

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crossbeam_channel::{Receiver, Sender, TrySendError, bounded};

use crate::Points;
use crate::export::session::Session;
use crate::pipeline::{DataFitReport, Settings};
use crate::target::Mixture;
use protocol::{Job, Message, SamplerMsg};

/// Queue sizes: commands wait here while a phase runs; updates wait for the next frame.
const JOB_QUEUE: usize = 64;
const SAMPLER_QUEUE: usize = 64;
const UPDATE_QUEUE: usize = 1024;

/// Why a command was not accepted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WorkerError {
    /// The worker's threads are gone (they failed to start or were shut down).
    #[error("the background worker is not running")]
    Gone,
    /// Too many commands are waiting; try again when the current phase is done.
    #[error("the worker is busy: {JOB_QUEUE} commands are already waiting")]
    Busy,
}

/// The UI's handle on the worker threads. Dropping it stops them without waiting.
pub struct Worker {
    jobs: Sender<Job>,
    sampler: Sender<SamplerMsg>,
    updates: Receiver<Message>,
    paused: Arc<AtomicBool>,
    cancel: Arc<AtomicBool>,
    run: u64,
    epoch: u64,
    rounds_seen: usize,
    busy: bool,
}

impl Worker {
    /// Starts the threads. `wake` is called whenever an update is waiting (the app passes
    /// `egui::Context::request_repaint`).
    pub fn spawn(wake: impl Fn() + Send + Sync + 'static) -> std::io::Result<Self> {
        let wake: Arc<dyn Fn() + Send + Sync> = Arc::new(wake);
        let (jobs_tx, jobs_rx) = bounded(JOB_QUEUE);
        let (sampler_tx, sampler_rx) = bounded(SAMPLER_QUEUE);
        let (updates_tx, updates_rx) = bounded(UPDATE_QUEUE);
        let paused = Arc::new(AtomicBool::new(false));
        let trainer = trainer::Trainer {
            jobs: jobs_rx,
            events: updates_tx.clone(),
            sampler: sampler_tx.clone(),
            paused: Arc::clone(&paused),
            wake: Arc::clone(&wake),
        };
        let sampler = sampler::Sampler {
            inbox: sampler_rx,
            events: updates_tx,
            wake,
        };
        std::thread::Builder::new()
            .name("flowlab-trainer".into())
            .spawn(move || trainer.run())?;
        std::thread::Builder::new()
            .name("flowlab-sampler".into())
            .spawn(move || sampler.run())?;
        Ok(Self {
            jobs: jobs_tx,
            sampler: sampler_tx,
            updates: updates_rx,
            paused,
            cancel: Arc::new(AtomicBool::new(false)),
            run: 0,
            epoch: 0,
            rounds_seen: 0,
            busy: false,
        })
    }

    /// Cancels everything and starts a new, empty run on `target` with `settings`. A bad
    /// target or setting comes back as [`Update::Failed`].
    pub fn new_run(&mut self, target: Mixture, settings: Settings) -> Result<(), WorkerError> {
        self.new_run_fitted(target, settings, None)
    }

    /// Like [`Self::new_run`] for a target fitted to the user's `points`: the fit goes into
    /// the run's metrics.json and the points into its figure set.
    pub fn new_run_fitted(
        &mut self,
        target: Mixture,
        settings: Settings,
        data: Option<(DataFitReport, Points)>,
    ) -> Result<(), WorkerError> {
        let run = self.next_run();
        self.send(Job::NewRun {
            run,
            target: Box::new(target),
            settings: Box::new(settings),
            data: data.map(Box::new),
        })
    }

    /// Cancels everything and starts a new run from `session`: its rounds arrive as
    /// [`Update::RoundFinished`] without training, then [`Update::Idle`]. A session that does
    /// not restore comes back as [`Update::Failed`].
    pub fn open_session(&mut self, session: Session) -> Result<(), WorkerError> {
        let run = self.next_run();
        self.send(Job::Restore {
            run,
            session: Box::new(session),
        })?;
        self.busy = true;
        Ok(())
    }

    /// Writes files about the current run once the phases queued before are done; the
    /// outcome arrives as [`Update::Saved`] or [`Update::Failed`].
    pub fn save(&self, request: SaveRequest) -> Result<(), WorkerError> {
        self.send(Job::Save {
            run: self.run,
            request,
        })
    }

    /// Queues a phase of the current run; phases run one after another.
    pub fn start(&mut self, job: PhaseJob) -> Result<(), WorkerError> {
        self.send(Job::Phase {
            run: self.run,
            epoch: self.epoch,
            cancel: Arc::clone(&self.cancel),
            job,
        })?;
        self.busy = true;
        Ok(())
    }

    /// Holds training between two steps (the threads stay alive; sampling still answers).
    pub fn pause(&self) {
        self.paused.store(true, Ordering::Relaxed);
    }

    /// Goes on after [`Self::pause`].
    pub fn resume(&self) {
        self.paused.store(false, Ordering::Relaxed);
    }

    /// True while paused.
    pub fn is_paused(&self) -> bool {
        self.paused.load(Ordering::Relaxed)
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
        self.send(Job::Truncate {
            run: self.run,
            keep: self.rounds_seen,
        })
    }

    /// Asks for samples and paths of a finished round; the answer arrives as
    /// [`Update::Samples`]. Newer requests for the same round replace waiting ones.
    pub fn request_samples(&self, request: SampleRequest) -> Result<(), WorkerError> {
        let msg = SamplerMsg::Request {
            run: self.run,
            epoch: self.epoch,
            request,
        };
        match self.sampler.try_send(msg) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => Err(WorkerError::Busy),
            Err(TrySendError::Disconnected(_)) => Err(WorkerError::Gone),
        }
    }

    /// Draws live previews with `solver` and `steps` from now on (the step slider).
    pub fn set_preview(
        &self,
        solver: crate::flow::Solver,
        steps: usize,
    ) -> Result<(), WorkerError> {
        match self.sampler.try_send(SamplerMsg::Preview { solver, steps }) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => Err(WorkerError::Busy),
            Err(TrySendError::Disconnected(_)) => Err(WorkerError::Gone),
        }
    }

    /// The updates waiting, oldest first, without the stale ones.
    pub fn poll(&mut self) -> Vec<Update> {
        let mut out = Vec::new();
        while let Ok(message) = self.updates.try_recv() {
            if message.run != self.run || message.epoch.is_some_and(|e| e != self.epoch) {
                continue;
            }
            match &message.update {
                Update::RoundFinished(_) => self.rounds_seen += 1,
                Update::Idle => self.busy = false,
                Update::Failed { .. } => {}
                _ => {}
            }
            out.push(message.update);
        }
        out
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
        self.paused.store(false, Ordering::Relaxed);
        self.run
    }

    fn cancel_current(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
        self.cancel = Arc::new(AtomicBool::new(false));
        self.epoch += 1;
        self.busy = false;
    }

    fn send(&self, job: Job) -> Result<(), WorkerError> {
        match self.jobs.try_send(job) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => Err(WorkerError::Busy),
            Err(TrySendError::Disconnected(_)) => Err(WorkerError::Gone),
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Cancel the running phase; the threads end when they see their channels close.
        self.cancel.store(true, Ordering::Relaxed);
        self.paused.store(false, Ordering::Relaxed);
    }
}
