//! A crew of helper threads kept awake for the length of a training phase, so the shards of
//! each step start at once.
//!
//! A training step at batch 256 runs two shards of about 0.3 ms each. Handed to the thread
//! pool, the second shard waited about 0.1 ms per step for a pool thread to wake up (measured
//! with the step's own timer: the pool thread falls asleep during the optimizer update and
//! the next batch, and a wake-up in a virtual machine is slow). The crew's helpers instead
//! watch for the next round for a while before they sleep. Whoever is free claims the next
//! shard (the caller too), so a helper that is slow to start (its core busy) costs nothing:
//! the caller runs the shard itself.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a helper watches for the next round before it sleeps: longer than the gap
/// between two steps (update, next batch, a progress report), short enough that an idle
/// phase (a paused app, a slow batch) does not keep a core busy.
const WATCH: Duration = Duration::from_millis(2);

/// What a round runs on each slot: `(job, slot)`; an error is kept for the caller.
type Work<S, J> = dyn Fn(&J, &mut S) -> Result<(), String> + Send + Sync;

/// The state the caller and the helpers share.
struct Shared<S, J> {
    work: Box<Work<S, J>>,
    /// The round's input, written by the caller between rounds.
    job: RwLock<J>,
    /// One slot per piece of work (a shard of the batch); replaced between rounds.
    slots: RwLock<Vec<Mutex<S>>>,
    /// Bumped when a round starts.
    round: AtomicU64,
    /// The next slot to claim, and how many slots are done, in the current round.
    next: AtomicUsize,
    done: AtomicUsize,
    /// The first error of the round.
    error: Mutex<Option<String>>,
    stop: AtomicBool,
}

/// A caller plus `helpers` threads that run rounds of work over a set of slots.
pub(crate) struct Crew<S: Send + 'static, J: Send + Sync + 'static> {
    shared: Arc<Shared<S, J>>,
    helpers: Vec<JoinHandle<()>>,
}

impl<S: Send + 'static, J: Send + Sync + 'static> Crew<S, J> {
    /// A crew of `helpers` threads (0: the caller runs every slot) running `work`.
    pub(crate) fn new(
        helpers: usize,
        job: J,
        work: impl Fn(&J, &mut S) -> Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        let shared = Arc::new(Shared {
            work: Box::new(work),
            job: RwLock::new(job),
            slots: RwLock::new(Vec::new()),
            round: AtomicU64::new(0),
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
        Self { shared, helpers }
    }

    /// Replaces the slots (between rounds).
    #[expect(
        clippy::needless_pass_by_ref_mut,
        reason = "one caller at a time: rounds and the changes between them must not overlap"
    )]
    pub(crate) fn set_slots(&mut self, slots: Vec<S>) {
        *self
            .shared
            .slots
            .write()
            .unwrap_or_else(PoisonError::into_inner) = slots.into_iter().map(Mutex::new).collect();
    }

    /// The job, to read (between rounds).
    pub(crate) fn job(&self) -> impl std::ops::Deref<Target = J> + '_ {
        self.shared
            .job
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Changes the job (between rounds).
    #[expect(
        clippy::needless_pass_by_ref_mut,
        reason = "one caller at a time: rounds and the changes between them must not overlap"
    )]
    pub(crate) fn job_mut(&mut self) -> impl std::ops::DerefMut<Target = J> + '_ {
        self.shared
            .job
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on all the slots at once, in order (between rounds).
    pub(crate) fn with_slots<R>(&self, f: impl FnOnce(&[&S]) -> R) -> R {
        let slots = self
            .shared
            .slots
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        let guards: Vec<_> = slots
            .iter()
            .map(|m| m.lock().unwrap_or_else(PoisonError::into_inner))
            .collect();
        let views: Vec<&S> = guards.iter().map(|g| &**g).collect();
        f(&views)
    }

    /// Runs the work on every slot, the caller and the helpers claiming slots in turn;
    /// returns when all are done, with the first error if any.
    #[expect(
        clippy::needless_pass_by_ref_mut,
        reason = "one caller at a time: rounds and the changes between them must not overlap"
    )]
    pub(crate) fn run(&mut self) -> Result<(), String> {
        let shared = &*self.shared;
        // The write lock waits out a helper still inside the last round (it holds the read
        // lock), so none claims a slot of this round with the last round's job.
        let slots = shared.slots.write().unwrap_or_else(PoisonError::into_inner);
        let count = slots.len();
        shared.next.store(0, Ordering::SeqCst);
        shared.done.store(0, Ordering::SeqCst);
        shared.round.fetch_add(1, Ordering::SeqCst);
        drop(slots);
        for helper in &self.helpers {
            helper.thread().unpark();
        }
        claim_slots(shared);
        let mut spins = 0u32;
        while shared.done.load(Ordering::Acquire) < count {
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

impl<S: Send + 'static, J: Send + Sync + 'static> Drop for Crew<S, J> {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        for helper in &self.helpers {
            helper.thread().unpark();
        }
        for helper in self.helpers.drain(..) {
            if let Err(panic) = helper.join() {
                // `run` reported the lost helper as an error; nothing is left to clean up.
                drop(panic);
            }
        }
    }
}

/// Claims and runs slots of the current round until none is left.
fn claim_slots<S, J>(shared: &Shared<S, J>) {
    let slots = shared.slots.read().unwrap_or_else(PoisonError::into_inner);
    let job = shared.job.read().unwrap_or_else(PoisonError::into_inner);
    loop {
        let i = shared.next.fetch_add(1, Ordering::AcqRel);
        let Some(slot) = slots.get(i) else {
            break;
        };
        let mut slot = slot.lock().unwrap_or_else(PoisonError::into_inner);
        if let Err(message) = (shared.work)(&job, &mut slot) {
            let mut error = shared.error.lock().unwrap_or_else(PoisonError::into_inner);
            error.get_or_insert(message);
        }
        drop(slot);
        shared.done.fetch_add(1, Ordering::AcqRel);
    }
}

/// A helper: waits for a round (watching, then asleep), joins it, and again, until stopped.
fn helper_loop<S, J>(shared: &Shared<S, J>) {
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
        claim_slots(shared);
    }
}

#[cfg(test)]
mod tests {
    use super::Crew;

    /// A slot that records which rounds ran it and with which job.
    #[derive(Default)]
    struct Seen {
        rounds: Vec<u64>,
    }

    #[test]
    fn every_slot_runs_once_per_round_with_that_rounds_job() {
        for helpers in [0, 1, 3] {
            let mut crew = Crew::new(helpers, 0u64, |job: &u64, slot: &mut Seen| {
                slot.rounds.push(*job);
                Ok(())
            });
            crew.set_slots((0..5).map(|_| Seen::default()).collect());
            for round in 1..=200u64 {
                *crew.job_mut() = round;
                crew.run().expect("round");
                if round == 100 {
                    // New slots between rounds, as a new batch size brings.
                    crew.set_slots((0..3).map(|_| Seen::default()).collect());
                }
            }
            let seen =
                crew.with_slots(|slots| slots.iter().map(|s| s.rounds.clone()).collect::<Vec<_>>());
            assert_eq!(seen.len(), 3);
            for rounds in seen {
                assert_eq!(rounds, (101..=200).collect::<Vec<_>>(), "{helpers} helpers");
            }
        }
    }

    #[test]
    fn an_error_in_one_slot_is_reported_and_the_next_round_runs() {
        let mut crew = Crew::new(1, 0u32, |job: &u32, slot: &mut u32| {
            *slot += 1;
            if *job == 1 && *slot == 1 {
                Err(format!("slot failed in round {job}"))
            } else {
                Ok(())
            }
        });
        crew.set_slots(vec![0, 5, 5, 5]);
        *crew.job_mut() = 1;
        assert_eq!(crew.run(), Err(String::from("slot failed in round 1")));
        *crew.job_mut() = 2;
        assert_eq!(crew.run(), Ok(()));
        assert_eq!(
            crew.with_slots(|s| s.iter().map(|v| **v).collect::<Vec<_>>()),
            [2, 7, 7, 7]
        );
    }
}
