//! Training with a slow part of each batch made ahead, on the second core: OT-CFM's exact
//! pairing, consistency distillation's teacher step.
//!
//! Two threads share the work: the training thread and one helper. How they share it is
//! measured, not assumed:
//! - **Helper** (the start): the helper prepares batch after batch, one ahead of the step,
//!   while the training step runs on both cores (the step's own helper thread joins in). Best
//!   when preparing a batch takes less time than a step.
//! - **Shared**: the training step runs on its thread alone, and that thread prepares a batch
//!   itself whenever the one it needs is not ready, so neither core waits. Best when
//!   preparing is the slower part: on this machine an OT-CFM batch of 256 takes about
//!   0.40 ms to pair against 0.27 ms for a step on two threads (0.50 ms on one), so one
//!   helper is the bottleneck and three busy threads on two cores slow each other down.
//!   (A third way, both threads pairing eight batches and then both training eight steps,
//!   measured no faster over whole rounds than this one, and was dropped.)
//!
//! After a short warm-up the run times a stretch of steps in helper mode; if the training
//! thread spent a real part of it waiting for batches, or the helper a large part of it
//! preparing them, it times a stretch in shared mode and keeps whichever was faster, then
//! times both again after 256, 512 and 1,024 steps. Either way each batch is drawn on the
//! training thread in the serial order and prepared by a function of its draws alone, so
//! the run is the one a serial loop gives, digit for digit.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use rand::Rng;

use super::train::{BatchReads, fit_on};
use super::{FlowError, TrainConfig, TrainProgress, TrainStats, VelocityNet};

/// Steps before any timing (the first batches warm caches and the pairing's warm start).
const WARM_UP: usize = 8;
/// Steps timed in each mode: enough to tell the modes apart (on OT-CFM they differ by a
/// quarter or more), few enough that the slower one costs little. Measured on OT-CFM's
/// 300-step bench phases against a 1-RF phase: 2.00–2.06× timing 32 steps in each mode,
/// 1.90–1.99× timing 16.
const TIMED: usize = 16;
/// Steps after a switch before its timing starts (the queue of batches settles: just after
/// a switch to shared mode, the training thread pairs batches the helper has not reached,
/// some steps taking 1–2.5 ms). With 4, those steps reached into the timed stretch: in
/// `flowlab run` the first shared stretch measured 0.73–0.94 ms a step in about half the
/// runs, against 0.45–0.57 in five runs out of five with 8.
const SETTLE: usize = 8;
/// Steps a measured choice first holds before the modes are timed again; each later choice
/// holds twice as long as the one before (so three rechecks in a default round of 2,000
/// steps, none in the bench's 300-step phases). A stretch timed while something else had
/// the cores (measured in `flowlab run`: a shared stretch of 0.94 ms a step against
/// 0.49–0.52 in three other runs, which kept helper mode for a whole round, 1.36 s against
/// 0.98–1.05) so costs at most this many steps; timing again costs about 24 steps in the
/// slower mode.
const FIRST_RECHECK: usize = 256;
/// The share of the helper-mode stretch the training thread must spend waiting for batches
/// before shared mode is tried (below it, and below [`HELPER_BUSY_WORTH_A_TRY`], the helper
/// keeps up and leaves its core mostly to the step).
const WAITING_WORTH_A_TRY: f64 = 0.15;
/// The share of the helper-mode stretch the helper must spend preparing batches before
/// shared mode is tried. Waiting alone was the rule until the pairing got faster: then the
/// helper kept up on two-far, with the training thread barely waiting, while it and the
/// step's two threads slowed each other to 0.59–0.65 ms a step against shared mode's 0.49.
/// Measured in helper mode: two-far's helper is busy 0.59–0.67 of a stretch, the 1-D
/// preset's (a sort) about 0.05.
const HELPER_BUSY_WORTH_A_TRY: f64 = 0.4;

/// How the two threads share the work, fixed or measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sharing {
    /// Measure both and keep the faster (what training uses).
    Measured,
    /// Helper mode throughout.
    #[cfg_attr(not(test), expect(dead_code, reason = "tests pin the mode"))]
    Helper,
    /// Shared mode throughout.
    Shared,
}

/// [`super::train::fit`] with each batch made in three parts: `draw` (every random draw, on
/// the training thread), `prepare` (the slow part that needs no randomness and not the
/// network being trained; `make_prepare` makes one preparer per thread) and `finish` (the
/// inputs and targets, on the training thread; `reads` says whether it reads `net`). The
/// draws keep their serial order, batch after batch, and nothing is drawn past the last
/// batch, so the run is the one a serial loop gives, digit for digit, whichever thread
/// prepares which batch. `sharing` says how the two threads share the work
/// ([`Sharing::Measured`] outside tests).
#[expect(clippy::too_many_arguments)]
pub(crate) fn fit_ahead<R, T, U, P>(
    net: &VelocityNet,
    config: &TrainConfig,
    rng: &mut R,
    mut draw: impl FnMut(&mut R) -> T,
    make_prepare: impl Fn() -> P,
    mut finish: impl FnMut(U, &mut Vec<f32>, &mut Vec<f32>) -> Result<(), FlowError>,
    reads: BatchReads,
    on_progress: &mut dyn FnMut(TrainProgress<'_>),
    cancel: &AtomicBool,
    sharing: Sharing,
) -> Result<TrainStats, FlowError>
where
    R: Rng,
    T: Send,
    U: Send,
    P: FnMut(T) -> Result<U, FlowError> + Send,
{
    std::thread::scope(|scope| {
        let (to_prepare, drawn) = crossbeam_channel::unbounded::<(usize, T)>();
        // The helper's batches come with the time it took to prepare each.
        let (to_train, prepared) =
            crossbeam_channel::unbounded::<(usize, Result<U, FlowError>, Duration)>();
        let helper_queue = drawn.clone();
        let mut helper_prepare = make_prepare();
        scope.spawn(move || {
            for (k, batch) in helper_queue {
                let start = Instant::now();
                let batch = helper_prepare(batch);
                if to_train.send((k, batch, start.elapsed())).is_err() {
                    break;
                }
            }
        });
        let mut own_prepare = make_prepare();
        let solo = Cell::new(sharing == Sharing::Shared);
        let mut plan = Plan::new(sharing);
        let mut ready: BTreeMap<usize, Result<U, FlowError>> = BTreeMap::new();
        let (mut drawn_count, mut called) = (0, 0);
        let mut make_batch = |rng: &mut R, inputs: &mut Vec<f32>, targets: &mut Vec<f32>| {
            let shared = plan.at_step(called, Instant::now());
            solo.set(shared);
            // Keep one batch queued after this one (two when sharing: one for each thread).
            let ahead = if shared { 3 } else { 2 };
            let wanted = (called + ahead).min(config.steps);
            while drawn_count < wanted {
                if to_prepare.send((drawn_count, draw(rng))).is_err() {
                    break;
                }
                drawn_count += 1;
            }
            let since = Instant::now();
            let batch = loop {
                if let Some(batch) = ready.remove(&called) {
                    break batch;
                }
                if let Ok((k, batch, took)) = prepared.try_recv() {
                    plan.helper_busy(took);
                    ready.insert(k, batch);
                } else if shared && let Ok((k, batch)) = drawn.try_recv() {
                    ready.insert(k, own_prepare(batch));
                } else {
                    // The batch needed is the helper's, and nothing else is left to prepare.
                    let (k, batch, took) =
                        prepared.recv().map_err(|crossbeam_channel::RecvError| {
                            FlowError::invalid(
                                "batch",
                                "the helper thread preparing batches stopped",
                            )
                        })?;
                    plan.helper_busy(took);
                    ready.insert(k, batch);
                }
            };
            plan.waited(since.elapsed());
            called += 1;
            finish(batch?, inputs, targets)
        };
        let result = fit_on(
            net,
            config,
            rng,
            &mut make_batch,
            reads,
            on_progress,
            cancel,
            &solo,
        );
        // Batches drawn and not yet taken (a cancelled or failed run) are dropped, so the
        // helper stops after the one in its hands; returning drops the sender and the scope
        // joins it.
        while drawn.try_recv().is_ok() {}
        result
    })
}

/// Which mode each step runs in, and the timings that decide it.
#[derive(Debug)]
struct Plan {
    stage: Stage,
    /// The training thread's waiting for batches in the current timed stretch.
    waiting: Duration,
    /// The time the helper took to prepare the batches it handed over in that stretch.
    busy: Duration,
    /// Steps the next measured choice holds.
    hold: usize,
}

#[derive(Clone, Copy, Debug)]
enum Stage {
    /// One mode to the end.
    Fixed { shared: bool },
    /// A measured mode, until step `until`, when helper mode is timed again.
    Chosen { shared: bool, until: usize },
    /// Helper mode, timed over `stretch`.
    TimingHelper(Stretch),
    /// Shared mode after helper mode took `helper` per step, timed over `stretch`.
    TimingShared { helper: Duration, stretch: Stretch },
}

/// [`TIMED`] steps from step `from`, timed once reached.
#[derive(Clone, Copy, Debug)]
struct Stretch {
    from: usize,
    start: Option<Instant>,
}

impl Stretch {
    fn new(from: usize) -> Self {
        Self { from, start: None }
    }

    /// Notes that step `step` starts `now`; the time per step once the stretch is over.
    fn per_step(&mut self, step: usize, now: Instant) -> Option<Duration> {
        if step == self.from {
            self.start = Some(now);
        }
        let start = self.start?;
        (step == self.from + TIMED).then(|| now.saturating_duration_since(start) / TIMED as u32)
    }
}

impl Plan {
    fn new(sharing: Sharing) -> Self {
        let stage = match sharing {
            Sharing::Measured => Stage::TimingHelper(Stretch::new(WARM_UP)),
            Sharing::Helper => Stage::Fixed { shared: false },
            Sharing::Shared => Stage::Fixed { shared: true },
        };
        Self {
            stage,
            waiting: Duration::ZERO,
            busy: Duration::ZERO,
            hold: FIRST_RECHECK,
        }
    }

    /// Whether step `step`, starting `now`, runs shared; moves the plan on at the ends of
    /// its timed stretches.
    fn at_step(&mut self, step: usize, now: Instant) -> bool {
        match &mut self.stage {
            Stage::Fixed { shared } => *shared,
            Stage::Chosen { shared, until } => {
                if step < *until {
                    return *shared;
                }
                // From shared mode, helper mode's queue settles before its timing.
                let from = if *shared { step + SETTLE } else { step };
                self.stage = Stage::TimingHelper(Stretch::new(from));
                self.at_step(step, now)
            }
            Stage::TimingHelper(stretch) => {
                if step == stretch.from {
                    self.waiting = Duration::ZERO;
                    self.busy = Duration::ZERO;
                }
                let Some(per_step) = stretch.per_step(step, now) else {
                    return false;
                };
                let took = per_step.as_secs_f64() * TIMED as f64;
                self.stage = if self.waiting.as_secs_f64() < WAITING_WORTH_A_TRY * took
                    && self.busy.as_secs_f64() < HELPER_BUSY_WORTH_A_TRY * took
                {
                    Stage::Chosen {
                        shared: false,
                        until: step + self.next_hold(),
                    }
                } else {
                    Stage::TimingShared {
                        helper: per_step,
                        stretch: Stretch::new(step + SETTLE),
                    }
                };
                self.at_step(step, now)
            }
            Stage::TimingShared { helper, stretch } => {
                let helper = *helper;
                let Some(per_step) = stretch.per_step(step, now) else {
                    return true;
                };
                self.stage = Stage::Chosen {
                    shared: per_step < helper,
                    until: step + self.next_hold(),
                };
                self.at_step(step, now)
            }
        }
    }

    /// The training thread took `waiting` to have the batch of the step just begun in hand
    /// (in helper mode: its wait for the helper).
    fn waited(&mut self, waiting: Duration) {
        self.waiting += waiting;
    }

    /// The helper took `took` to prepare a batch it handed over.
    fn helper_busy(&mut self, took: Duration) {
        self.busy += took;
    }

    /// Steps the choice being made holds; the next one holds twice as long.
    fn next_hold(&mut self) -> usize {
        let hold = self.hold;
        self.hold = hold.saturating_mul(2);
        hold
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs a plan over `steps` steps, each taking `helper` in helper mode (of which
    /// `waiting` waiting for the batch) and `shared` in shared mode; returns each step's mode.
    fn modes(helper: Duration, waiting: Duration, shared: Duration, steps: usize) -> Vec<bool> {
        modes_by_step(|_| (helper, shared), waiting, steps)
    }

    /// [`modes`] with step `step` taking `times(step)`: (in helper mode, in shared mode).
    fn modes_by_step(
        times: impl Fn(usize) -> (Duration, Duration),
        waiting: Duration,
        steps: usize,
    ) -> Vec<bool> {
        let mut plan = Plan::new(Sharing::Measured);
        let mut now = Instant::now();
        (0..steps)
            .map(|step| {
                let is_shared = plan.at_step(step, now);
                plan.waited(if is_shared { Duration::ZERO } else { waiting });
                let (helper, shared) = times(step);
                now += if is_shared { shared } else { helper };
                is_shared
            })
            .collect()
    }

    const MS: Duration = Duration::from_micros(1000);

    #[test]
    fn a_helper_that_keeps_up_is_kept_without_trying_the_other_way() {
        let steps = modes(MS / 4, MS / 100, MS / 8, 500);
        assert!(steps.iter().all(|&shared| !shared));
    }

    #[test]
    fn a_helper_that_keeps_the_step_waiting_is_timed_against_sharing_and_the_faster_kept() {
        let switch = WARM_UP + TIMED;
        let decided = switch + SETTLE + TIMED;
        let held = decided + FIRST_RECHECK;
        // Sharing faster: helper mode until the switch, then shared until the recheck.
        let steps = modes(MS, MS / 2, MS * 9 / 10, 500);
        assert!(steps[..switch].iter().all(|&shared| !shared));
        assert!(steps[switch..held].iter().all(|&shared| shared));
        // Sharing slower: tried for its timed stretch, then helper mode again.
        let steps = modes(MS, MS / 2, MS * 11 / 10, 500);
        assert!(steps[..switch].iter().all(|&shared| !shared));
        assert!(steps[switch..decided].iter().all(|&shared| shared));
        assert!(steps[decided..held].iter().all(|&shared| !shared));
    }

    #[test]
    fn a_choice_spoiled_by_a_busy_stretch_is_timed_again_and_mended() {
        // Sharing is faster, but its first timed stretch ran while something else had the
        // cores (twice as slow): helper mode is kept until the recheck, then sharing again.
        let switch = WARM_UP + TIMED;
        let decided = switch + SETTLE + TIMED;
        let busy = switch + SETTLE..decided;
        let steps = modes_by_step(
            |step| {
                let shared = if busy.contains(&step) {
                    MS * 2
                } else {
                    MS * 9 / 10
                };
                (MS, shared)
            },
            MS / 2,
            decided + FIRST_RECHECK + 200,
        );
        assert!(
            steps[decided..decided + FIRST_RECHECK]
                .iter()
                .all(|&shared| !shared)
        );
        let mended = decided + FIRST_RECHECK + TIMED + SETTLE + TIMED;
        assert!(steps[mended..].iter().all(|&shared| shared));
    }

    #[test]
    fn a_right_choice_holds_twice_as_long_after_each_recheck() {
        let decided = WARM_UP + TIMED + SETTLE + TIMED;
        let steps = modes(MS, MS / 2, MS * 9 / 10, 2000);
        // Shared from the first decision on, but for the helper stretch each recheck times.
        let mut at = decided;
        let mut hold = FIRST_RECHECK;
        while at + hold < steps.len() {
            assert!(steps[at..at + hold].iter().all(|&shared| shared), "{at}");
            // Helper mode settles and is timed, then shared mode.
            let recheck = at + hold;
            let helper_end = recheck + SETTLE + TIMED;
            assert!(steps[recheck..helper_end].iter().all(|&shared| !shared));
            at = helper_end + SETTLE + TIMED;
            assert!(steps[helper_end..at].iter().all(|&shared| shared));
            hold *= 2;
        }
        let helper = steps.iter().filter(|&&shared| !shared).count();
        assert_eq!(
            helper,
            WARM_UP + TIMED + 3 * (SETTLE + TIMED),
            "three rechecks in 2,000 steps"
        );
    }

    #[test]
    fn a_helper_that_keeps_up_but_fills_its_core_is_timed_against_sharing() {
        // The training thread never waits, but the helper prepares for 60 % of each step.
        let mut plan = Plan::new(Sharing::Measured);
        let mut now = Instant::now();
        let mut modes = Vec::new();
        for step in 0..WARM_UP + TIMED + FIRST_RECHECK {
            let shared = plan.at_step(step, now);
            if !shared {
                plan.helper_busy(MS * 6 / 10);
            }
            now += if shared { MS * 8 / 10 } else { MS };
            modes.push(shared);
        }
        let switch = WARM_UP + TIMED;
        assert!(modes[..switch].iter().all(|&shared| !shared));
        assert!(modes[switch..].iter().all(|&shared| shared));
        // Busy a twentieth of each step (as the 1-D preset's sort): helper mode is kept
        // without trying the other, through rechecks.
        let mut plan = Plan::new(Sharing::Measured);
        let mut now = Instant::now();
        for step in 0..2000 {
            assert!(!plan.at_step(step, now), "{step}");
            plan.helper_busy(MS / 20);
            now += MS;
        }
    }

    #[test]
    fn fixed_sharings_never_change() {
        for (sharing, expected) in [(Sharing::Helper, false), (Sharing::Shared, true)] {
            let mut plan = Plan::new(sharing);
            let now = Instant::now();
            for step in 0..200 {
                assert_eq!(plan.at_step(step, now), expected, "{sharing:?} at {step}");
            }
        }
    }

    #[test]
    fn a_batch_that_fails_to_prepare_ends_the_run_at_its_step_however_shared() {
        use crate::flow::NetConfig;
        use rand::SeedableRng as _;
        use rand::rngs::StdRng;
        let net =
            VelocityNet::new(1, NetConfig::default(), &mut StdRng::seed_from_u64(1)).expect("net");
        let config = TrainConfig {
            steps: 200,
            batch: 8,
            report_every: 1,
            ..TrainConfig::default()
        };
        let width = net.input_width();
        for sharing in [Sharing::Helper, Sharing::Shared, Sharing::Measured] {
            let mut next = 0usize;
            let mut reported = 0;
            let result = fit_ahead(
                &net,
                &config,
                &mut StdRng::seed_from_u64(2),
                |_: &mut StdRng| {
                    next += 1;
                    next - 1
                },
                || {
                    |k: usize| {
                        if k == 57 {
                            Err(FlowError::invalid("batch", format!("batch {k} is broken")))
                        } else {
                            Ok(k)
                        }
                    }
                },
                |_, inputs, targets| {
                    inputs.resize(config.batch * width, 0.25);
                    targets.resize(config.batch, 0.5);
                    Ok(())
                },
                BatchReads::Data,
                &mut |p| reported = p.step,
                &AtomicBool::new(false),
                sharing,
            );
            assert!(
                matches!(&result, Err(FlowError::InvalidSetting { problem, .. }) if problem == "batch 57 is broken"),
                "{sharing:?}: {result:?}"
            );
            // Every batch before it trained; none after it was drawn past the queue.
            assert_eq!(reported, 57, "{sharing:?}");
            assert!(next <= 57 + 3, "{sharing:?}: {next} drawn");
        }
    }
}
