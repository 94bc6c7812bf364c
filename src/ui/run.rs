//! The run as the UI drives it: the worker handle, what it has sent back ([`RunView`]), and
//! the pictures asked for. Updates are drained under a per-frame time budget.

use std::collections::BTreeMap;
use std::time::Duration;

use super::received::RunView;
use super::state::Persisted;
use super::view::{Selection, ViewState};
use crate::flow::Solver;
use crate::pipeline::FittedData;
use crate::worker::{PhaseJob, SampleRequest, Update, Worker, WorkerError};

/// Particles drawn for a round's picture, and how many of them show whole paths.
const PICTURE_PARTICLES: usize = 1000;
const PICTURE_PATHS: usize = 300;
/// Paths per round in the side-by-side view.
const COMPARE_PATHS: usize = 150;
/// Most of a frame the UI spends taking the worker's updates (rerun's viewer uses the same).
const DRAIN_BUDGET: Duration = Duration::from_millis(10);

/// Why a phase could not be queued.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The target does not validate.
    #[error("Fix the target first: {0}")]
    Target(crate::target::TargetError),
    /// A setting is out of range.
    #[error("Fix the settings first: {0}")]
    Settings(crate::flow::FlowError),
    /// The worker did not take the command.
    #[error(transparent)]
    Worker(#[from] WorkerError),
}

/// The run: the worker, what it sent, what was asked of it.
pub struct RunState {
    worker: Option<Worker>,
    /// What has arrived for the current run.
    pub view: RunView,
    /// True when the target or settings changed since the run was set up.
    pub needs_new_run: bool,
    sent: BTreeMap<usize, SampleRequest>,
    sent_preview: Option<(Solver, usize)>,
    next_serial: u64,
}

impl RunState {
    /// The run on `worker` (`None` when its threads could not start: nothing runs).
    pub fn new(worker: Option<Worker>) -> Self {
        Self {
            worker,
            view: RunView::default(),
            needs_new_run: true,
            sent: BTreeMap::new(),
            sent_preview: None,
            next_serial: 1,
        }
    }

    /// The worker, if its threads are running.
    pub fn worker(&self) -> Option<&Worker> {
        self.worker.as_ref()
    }

    /// The worker, mutably.
    pub fn worker_mut(&mut self) -> Option<&mut Worker> {
        self.worker.as_mut()
    }

    /// True while a phase is queued or running.
    pub fn is_busy(&self) -> bool {
        self.worker.as_ref().is_some_and(Worker::is_busy)
    }

    /// True while training is paused.
    pub fn is_paused(&self) -> bool {
        self.worker.as_ref().is_some_and(Worker::is_paused)
    }

    /// Queues `job`, setting up a new run on `persisted`'s target and settings first if they
    /// changed since.
    pub fn start(
        &mut self,
        job: PhaseJob,
        persisted: &Persisted,
        data: Option<&FittedData>,
    ) -> Result<(), StartError> {
        persisted.target.validate().map_err(StartError::Target)?;
        persisted
            .settings
            .validate()
            .map_err(StartError::Settings)?;
        let worker = self.worker.as_mut().ok_or(WorkerError::Gone)?;
        let new_run = self.needs_new_run;
        if new_run {
            worker.new_run_fitted(
                persisted.target.clone(),
                persisted.settings.clone(),
                data.cloned(),
            )?;
        }
        let started = worker.start(job);
        if new_run {
            self.begin_run();
        }
        Ok(started?)
    }

    /// Stops what runs and forgets the rounds (the target or settings changed; they belong
    /// to the old ones): the next Play starts a new run.
    pub fn invalidate(&mut self) {
        if self.needs_new_run {
            return;
        }
        if let Some(w) = self.worker.as_mut() {
            // A gone worker has nothing left to stop.
            let _stopped: Result<(), WorkerError> = w.stop();
        }
        self.clear();
    }

    /// Forgets the rounds; the next Play starts a new run.
    pub fn clear(&mut self) {
        self.begin_run();
        self.needs_new_run = true;
    }

    /// A new run begins in the worker (a new pipeline, or a session opening: its rounds
    /// will arrive as a run): what was received and asked for is forgotten.
    pub fn begin_run(&mut self) {
        self.view = RunView::default();
        self.sent.clear();
        self.sent_preview = None;
        self.needs_new_run = false;
    }

    /// The phase was stopped: the live model's traces go, the last round is shown.
    pub fn after_stop(&mut self, view: &mut ViewState) {
        self.view.progress = None;
        self.view.live = None;
        self.view.live_losses.clear();
        if let Some(last) = self.view.rounds.last() {
            view.selection = Selection::Round(last.index);
        }
    }

    /// Takes the worker's updates into the run view (for at most [`DRAIN_BUDGET`]); the
    /// ones the app must act on (files read or written, failures) are returned. True in the second value when more wait.
    pub fn receive(&mut self, view: &mut ViewState) -> (Vec<Update>, bool) {
        let Some(worker) = self.worker.as_mut() else {
            return (Vec::new(), false);
        };
        let updates = worker.poll_within(DRAIN_BUDGET);
        let more = worker.has_updates();
        let busy = worker.is_busy();
        let mut incoming = Vec::new();
        for update in updates {
            if let Some(other) = self.view.take(update, view, busy, &mut self.next_serial) {
                incoming.push(other);
            }
        }
        (incoming, more)
    }

    /// Asks the picture thread for every picture the view needs that it has not asked for.
    pub fn request_pictures(&mut self, view: &ViewState, persisted: &Persisted) {
        let Some(worker) = self.worker.as_ref() else {
            return;
        };
        let run = &self.view;
        let base = |round: usize, paths: usize| SampleRequest {
            round,
            solver: run.shown_solver(Selection::Round(round), persisted.solver),
            steps: run.shown_steps(Selection::Round(round), persisted.steps),
            particles: PICTURE_PARTICLES,
            paths,
            field_at: None,
            guidance: None,
        };
        let mut wanted = Vec::new();
        if view.side_by_side {
            wanted.extend(
                self.view
                    .rounds
                    .iter()
                    .map(|r| base(r.index, COMPARE_PATHS)),
            );
        } else if let Selection::Round(i) = view.selection {
            let mut request = base(i, PICTURE_PATHS);
            if view.show_field {
                request.field_at = Some((view.scrub_t * 20.0).round() / 20.0);
            }
            request.guidance = view.active_guidance(run);
            wanted.push(request);
            if view.show_coupling
                && let Some(teacher) = run.teacher_of(i)
            {
                // The pairs were integrated with the pair-making Euler steps.
                wanted.push(SampleRequest {
                    solver: Solver::Euler,
                    steps: persisted.settings.pair_steps,
                    ..base(teacher, PICTURE_PATHS)
                });
            }
        }
        let preview = (persisted.solver, persisted.steps);
        if self.sent_preview != Some(preview) && worker.set_preview(preview.0, preview.1).is_ok() {
            self.sent_preview = Some(preview);
        }
        for request in wanted {
            if self.sent.get(&request.round) != Some(&request)
                && worker.request_samples(request).is_ok()
            {
                self.sent.insert(request.round, request);
            }
        }
    }
}
