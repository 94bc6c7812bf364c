//! A crew of helper threads kept awake for the length of a training phase, so the tasks of
//! each round start at once.
//!
//! A training step at batch 256 runs two shards of about 0.3 ms each. Handed to the thread
//! pool, the second shard waited about 0.1 ms per step for a pool thread to wake up (measured
//! with the step's own timer: the pool thread falls asleep during the optimizer update and
//! the next batch, and a wake-up in a virtual machine is slow). The crew's helpers instead
//! watch for the next round for a while before they sleep. Whoever is free claims the next
//! task (the caller too), so a helper that is slow to start (its core busy) costs nothing:
//! the caller runs the task itself.
//!
//! A round can also be started and left to the helpers while the caller does something else
//! ([`Crew::start`], then [`Crew::wait`]): the training step hands the optimizer's update to
//! the crew while the caller draws the next batch. Until the round is waited for, the crew
//! gives no access to its job.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a helper watches for the next round before it sleeps: longer than the gap
/// between two steps (update, next batch, a progress report), short enough that an idle
/// phase (a paused app, a slow batch) does not keep a core busy.
const WATCH: Duration = Duration::from_millis(2);

/// What a round runs for each task: `(job, task index)`; an error is kept for the caller.
type Work<J> = dyn Fn(&J, usize) -> Result<(), String> + Send + Sync;

/// The state the caller and the helpers share.
struct Shared<J> {
    work: Box<Work<J>>,
    /// What the tasks read (and, through its own locks, write); changed between rounds.
    job: RwLock<J>,
    /// Bumped when a round starts.
    round: AtomicU64,
    /// The current round's number of tasks, the next task to claim, and how many are done.
    tasks: AtomicUsize,
    next: AtomicUsize,
    done: AtomicUsize,
    /// The first error of the round.
    error: Mutex<Option<String>>,
    stop: AtomicBool,
}

/// A caller plus `helpers` threads that run rounds of numbered tasks over a shared job.
pub(crate) struct Crew<J: Send + Sync + 'static> {
    shared: Arc<Shared<J>>,
    helpers: Vec<JoinHandle<()>>,
    /// The number of tasks of a round started and not yet waited for.
    pending: Option<usize>,
    /// The caller runs every task of the next rounds itself; the helpers are not called.
    solo: bool,
}

impl<J: Send + Sync + 'static> Crew<J> {
    /// A crew of `helpers` threads (0: the caller runs every task) running `work`.
    pub(crate) fn new(
        helpers: usize,
        job: J,
        work: impl Fn(&J, usize) -> Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        let shared = Arc::new(Shared {
            work: Box::new(work),
            job: RwLock::new(job),
            round: AtomicU64::new(0),
            tasks: AtomicUsize::new(0),
            next: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            error: Mutex::new(None),
            stop: AtomicBool::new(false),
        });
        let helpers = (0..helpers)
            .filter_map(|k| {
                let shared = Arc::clone(&shared);
                std::thread::Builder::new()
                    .name(format!("flowlab-step-{k}"))
                    .spawn(move || helper_loop(&shared))
                    .ok()
            })
            .collect();
        Self {
            shared,
            helpers,
            pending: None,
            solo: false,
        }
    }

    /// From the next round on, the caller runs every task itself (`true`) and the helpers
    /// are left asleep, or the helpers join in again (`false`). For when the helpers' cores
    /// have other work that cannot wait: a round's tasks and their order are the same either
    /// way, so are its results.
    pub(crate) fn set_solo(&mut self, solo: bool) {
        self.solo = solo;
    }

    /// The job, to read, once the round in flight (if any) is done.
    pub(crate) fn job(&mut self) -> Result<RwLockReadGuard<'_, J>, String> {
        self.wait()?;
        Ok(self
            .shared
            .job
            .read()
            .unwrap_or_else(PoisonError::into_inner))
    }

    /// The job, to change, once the round in flight (if any) is done.
    pub(crate) fn job_mut(&mut self) -> Result<RwLockWriteGuard<'_, J>, String> {
        self.wait()?;
        Ok(self
            .shared
            .job
            .write()
            .unwrap_or_else(PoisonError::into_inner))
    }

    /// Runs tasks `0..tasks` on the job, the caller and the helpers claiming them in turn;
    /// returns when all are done, with the first error if any.
    pub(crate) fn run(&mut self, tasks: usize) -> Result<(), String> {
        self.start(tasks)?;
        self.wait()
    }

    /// Starts a round of tasks `0..tasks` for the helpers and returns at once (after the
    /// round before, if it was still in flight, is done); [`Self::wait`] joins it.
    pub(crate) fn start(&mut self, tasks: usize) -> Result<(), String> {
        self.wait()?;
        let shared = &*self.shared;
        // The write lock waits out a helper still inside the last round (it holds the read
        // lock), so none claims a task of this round under the last round's count.
        let job = shared.job.write().unwrap_or_else(PoisonError::into_inner);
        shared.tasks.store(tasks, Ordering::SeqCst);
        shared.next.store(0, Ordering::SeqCst);
        shared.done.store(0, Ordering::SeqCst);
        if !self.solo {
            shared.round.fetch_add(1, Ordering::SeqCst);
        }
        drop(job);
        if !self.solo {
            for helper in &self.helpers {
                helper.thread().unpark();
            }
        }
        self.pending = Some(tasks);
        Ok(())
    }

    /// Joins the round in flight: claims what is left of it, waits for the rest, and
    /// returns its first error. Nothing in flight: `Ok` at once.
    pub(crate) fn wait(&mut self) -> Result<(), String> {
        let Some(tasks) = self.pending.take() else {
            return Ok(());
        };
        let shared = &*self.shared;
        claim_tasks(shared);
        let mut spins = 0u32;
        while shared.done.load(Ordering::Acquire) < tasks {
            if self.helpers.iter().any(JoinHandle::is_finished) {
                return Err("a helper thread of the training step stopped".into());
            }
            spins += 1;
            if spins < 64 {
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
        match shared
            .error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            Some(message) => Err(message),
            None => Ok(()),
        }
    }
}

impl<J: Send + Sync + 'static> Drop for Crew<J> {
    fn drop(&mut self) {
        // A round in flight finishes first: its tasks may be writing into state that
        // outlives the crew (the network's weights).
        if let Err(message) = self.wait() {
            // Nobody is left to report it to; the owner reported its own errors already.
            drop(message);
        }
        self.shared.stop.store(true, Ordering::SeqCst);
        for helper in &self.helpers {
            helper.thread().unpark();
        }
        for helper in self.helpers.drain(..) {
            if let Err(panic) = helper.join() {
                // `wait` reported the lost helper as an error; nothing is left to clean up.
                drop(panic);
            }
        }
    }
}

/// Claims and runs tasks of the current round until none is left.
fn claim_tasks<J>(shared: &Shared<J>) {
    let job = shared.job.read().unwrap_or_else(PoisonError::into_inner);
    let tasks = shared.tasks.load(Ordering::Acquire);
    loop {
        let i = shared.next.fetch_add(1, Ordering::AcqRel);
        if i >= tasks {
            break;
        }
        if let Err(message) = (shared.work)(&job, i) {
            let mut error = shared.error.lock().unwrap_or_else(PoisonError::into_inner);
            error.get_or_insert(message);
        }
        shared.done.fetch_add(1, Ordering::AcqRel);
    }
}

/// A helper: waits for a round (watching, then asleep), joins it, and again, until stopped.
fn helper_loop<J>(shared: &Shared<J>) {
    let mut seen = shared.round.load(Ordering::Acquire);
    loop {
        let since = Instant::now();
        let mut spins = 0u32;
        loop {
            if shared.stop.load(Ordering::Acquire) {
                return;
            }
            let round = shared.round.load(Ordering::Acquire);
            if round != seen {
                seen = round;
                break;
            }
            spins += 1;
            if spins < 64 {
                std::hint::spin_loop();
            } else if since.elapsed() < WATCH {
                // Lets another thread that wants this core (pairing, drawing) run first.
                std::thread::yield_now();
            } else {
                // `unpark` before `park` makes `park` return at once: no round is missed.
                std::thread::park_timeout(Duration::from_millis(50));
                spins = 0;
            }
        }
        claim_tasks(shared);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::Crew;

    /// Per task, the rounds (by job) that ran it.
    fn seen(slots: usize) -> Vec<Mutex<Vec<u64>>> {
        (0..slots).map(|_| Mutex::new(Vec::new())).collect()
    }

    struct Job {
        round: u64,
        slots: Vec<Mutex<Vec<u64>>>,
    }

    fn record(job: &Job, i: usize) -> Result<(), String> {
        job.slots[i]
            .lock()
            .map_err(|e| e.to_string())?
            .push(job.round);
        Ok(())
    }

    #[test]
    fn every_task_runs_once_per_round_with_that_rounds_job() {
        for helpers in [0, 1, 3] {
            let job = Job {
                round: 0,
                slots: seen(5),
            };
            let mut crew = Crew::new(helpers, job, record);
            for round in 1..=200u64 {
                crew.job_mut().expect("job").round = round;
                let tasks = if round > 100 { 3 } else { 5 };
                if round == 101 {
                    // New tasks between rounds, as a new batch size brings.
                    crew.job_mut().expect("job").slots = seen(3);
                }
                // Half the rounds started and joined later, as the optimizer's update is.
                if round % 2 == 0 {
                    crew.start(tasks).expect("start");
                    std::hint::black_box((0..1000).sum::<u64>());
                    crew.wait().expect("round");
                } else {
                    crew.run(tasks).expect("round");
                }
            }
            let job = crew.job().expect("job");
            assert_eq!(job.slots.len(), 3);
            for slot in &job.slots {
                let rounds = slot.lock().expect("slot").clone();
                assert_eq!(rounds, (101..=200).collect::<Vec<_>>(), "{helpers} helpers");
            }
        }
    }

    #[test]
    fn an_error_in_one_task_is_reported_and_the_next_round_runs() {
        let counts: Vec<AtomicUsize> = [0, 5, 5, 5].into_iter().map(AtomicUsize::new).collect();
        let mut crew = Crew::new(1, (0u32, counts), |job: &(u32, Vec<AtomicUsize>), i| {
            let before = job.1[i].fetch_add(1, Ordering::SeqCst);
            if job.0 == 1 && before == 0 {
                Err(format!("task failed in round {}", job.0))
            } else {
                Ok(())
            }
        });
        crew.job_mut().expect("job").0 = 1;
        assert_eq!(crew.run(4), Err(String::from("task failed in round 1")));
        crew.job_mut().expect("job").0 = 2;
        assert_eq!(crew.run(4), Ok(()));
        let job = crew.job().expect("job");
        let counts: Vec<usize> = job.1.iter().map(|c| c.load(Ordering::SeqCst)).collect();
        assert_eq!(counts, [2, 7, 7, 7]);
    }

    #[test]
    fn a_started_round_finishes_before_the_job_is_read_or_the_crew_is_dropped() {
        for helpers in [0, 1] {
            let done = std::sync::Arc::new(AtomicUsize::new(0));
            let counter = std::sync::Arc::clone(&done);
            let mut crew = Crew::new(helpers, (), move |(), _| {
                std::thread::sleep(std::time::Duration::from_millis(2));
                counter.fetch_add(1, Ordering::SeqCst);
                Ok(())
            });
            crew.start(3).expect("start");
            drop(crew.job().expect("job"));
            assert_eq!(done.load(Ordering::SeqCst), 3, "{helpers} helpers");
            crew.start(4).expect("start");
            drop(crew);
            assert_eq!(done.load(Ordering::SeqCst), 7, "{helpers} helpers");
        }
    }

    #[test]
    fn a_solo_round_runs_every_task_on_the_caller_and_the_helpers_rejoin_after() {
        use std::thread::ThreadId;
        let caller = std::thread::current().id();
        let ran_on = std::sync::Arc::new(Mutex::new(Vec::<ThreadId>::new()));
        let record = std::sync::Arc::clone(&ran_on);
        let mut crew = Crew::new(1, (), move |(), _| {
            // Long enough that an awake helper claims some of a round's tasks.
            std::thread::sleep(std::time::Duration::from_micros(200));
            record
                .lock()
                .map_err(|e| e.to_string())?
                .push(std::thread::current().id());
            Ok(())
        });
        crew.set_solo(true);
        for _ in 0..20 {
            crew.run(8).expect("round");
        }
        let solo: Vec<ThreadId> = ran_on.lock().expect("ids").drain(..).collect();
        assert_eq!(solo.len(), 160);
        assert!(
            solo.iter().all(|&id| id == caller),
            "a helper ran a solo task"
        );
        crew.set_solo(false);
        for _ in 0..20 {
            crew.run(8).expect("round");
        }
        let shared = ran_on.lock().expect("ids").clone();
        assert_eq!(shared.len(), 160);
        assert!(
            shared.iter().any(|&id| id != caller),
            "the helper never rejoined"
        );
    }
}
