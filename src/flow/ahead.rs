//! Training with a slow part of each batch made ahead, on the second core: OT-CFM's exact
//! pairing, consistency distillation's teacher step.
//!
//! Two threads share the work: the training thread and one helper. How they share it is
//! measured, not assumed:
//! - **Helper** (the start): the helper prepares batch after batch, one ahead of the step,
//!   while the training step runs on both cores (the step's own helper thread joins in). Best
//!   when preparing a batch takes less time than a step.
//! - **Shared**: the training step runs on its thread alone, and that thread prepares a batch
//!   itself whenever the one it needs is not ready. Neither core waits, but the step, the
//!   longer part, runs on one core.
//! - **Turns**: both threads prepare [`TURN`] batches together, then the step runs [`TURN`]
//!   times on both cores while the helper has nothing to do. Never more busy threads than
//!   cores, and each part on both. On this machine's OT-CFM batches of 256 (pairing about
//!   0.40 ms, a step 0.25 ms on two threads and 0.50 on one) turns were kept in 9 of the 10
//!   timed choices of one `flowlab bench` run, at 0.40–0.53 ms a step against shared mode's
//!   0.44–0.60 (helper mode was slower still).
//!
//! After a short warm-up the run times a stretch of steps in helper mode; if the training
//! thread spent a real part of it waiting for batches, it times a stretch in each of the two
//! other modes and keeps whichever of the three was fastest. Either way each batch is drawn
//! on the training thread in the serial order and prepared by a function of its draws alone,
//! so the run is the one a serial loop gives, digit for digit.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use rand::Rng;

use super::train::{BatchReads, fit_on};
use super::{FlowError, TrainConfig, TrainProgress, TrainStats, VelocityNet};

/// Steps before any timing (the first batches warm caches and the pairing's warm start).
const WARM_UP: usize = 8;
/// Steps timed in each mode.
const TIMED: usize = 32;
/// Steps after a switch before its timing starts (the queue of batches settles).
const SETTLE: usize = 4;
/// The share of the helper-mode stretch the training thread must spend waiting for batches
/// before the other modes are tried at all (below it the helper keeps up).
const WAITING_WORTH_A_TRY: f64 = 0.15;
/// Batches prepared together in a turn (a divisor of [`TIMED`], so every timed stretch
/// holds whole turns).
const TURN: usize = 8;

/// How the two threads share the work, fixed or measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(
    not(test),
    expect(dead_code, reason = "only tests pin a mode; training measures")
)]
pub(crate) enum Sharing {
    /// Measure the modes and keep the fastest (what training uses).
    Measured,
    /// Helper mode throughout.
    Helper,
    /// Shared mode throughout.
    Shared,
    /// Turns throughout.
    Turns,
}

/// How a step's batch is prepared and its step run (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Helper,
    Shared,
    Turns,
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
        let (to_train, prepared) = crossbeam_channel::unbounded::<(usize, Result<U, FlowError>)>();
        let helper_queue = drawn.clone();
        let mut helper_prepare = make_prepare();
        scope.spawn(move || {
            for (k, batch) in helper_queue {
                if to_train.send((k, helper_prepare(batch))).is_err() {
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
            let mode = plan.at_step(called, Instant::now());
            solo.set(mode == Mode::Shared);
            // Helper and shared modes keep one batch queued after this one (two when sharing:
            // one for each thread); a turn starts when the batch needed is not at hand.
            let wanted = match mode {
                Mode::Helper => called + 2,
                Mode::Shared => called + 3,
                Mode::Turns if ready.contains_key(&called) => drawn_count,
                Mode::Turns => called + TURN,
            }
            .min(config.steps);
            while drawn_count < wanted {
                if to_prepare.send((drawn_count, draw(rng))).is_err() {
                    break;
                }
                drawn_count += 1;
            }
            let since = Instant::now();
            // A turn waits for all its batches, so the helper is idle while the step runs.
            let done = |ready: &BTreeMap<usize, _>| match mode {
                Mode::Turns => ready.len() >= drawn_count - called,
                _ => ready.contains_key(&called),
            };
            while !done(&ready) {
                if let Ok((k, batch)) = prepared.try_recv() {
                    ready.insert(k, batch);
                } else if mode != Mode::Helper
                    && let Ok((k, batch)) = drawn.try_recv()
                {
                    ready.insert(k, own_prepare(batch));
                } else {
                    // The batches still needed are the helper's, and nothing else is left to
                    // prepare.
                    let (k, batch) = prepared.recv().map_err(|crossbeam_channel::RecvError| {
                        FlowError::invalid("batch", "the helper thread preparing batches stopped")
                    })?;
                    ready.insert(k, batch);
                }
            }
            plan.waited(since.elapsed());
            let batch = ready.remove(&called).ok_or_else(|| {
                FlowError::invalid("batch", "a batch was drawn but never prepared")
            })?;
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
}

#[derive(Clone, Copy, Debug)]
enum Stage {
    /// One mode to the end.
    Fixed(Mode),
    /// Helper mode, timed over `stretch`.
    TimingHelper(Stretch),
    /// Shared mode after helper mode took `helper` per step, timed over `stretch`.
    TimingShared { helper: Duration, stretch: Stretch },
    /// Turns, after the best of the two modes before took `best` per step, timed over
    /// `stretch`.
    TimingTurns {
        best: (Mode, Duration),
        stretch: Stretch,
    },
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
            Sharing::Helper => Stage::Fixed(Mode::Helper),
            Sharing::Shared => Stage::Fixed(Mode::Shared),
            Sharing::Turns => Stage::Fixed(Mode::Turns),
        };
        Self {
            stage,
            waiting: Duration::ZERO,
        }
    }

    /// The mode of step `step`, starting `now`; moves the plan on at the ends of its timed
    /// stretches.
    fn at_step(&mut self, step: usize, now: Instant) -> Mode {
        match &mut self.stage {
            Stage::Fixed(mode) => *mode,
            Stage::TimingHelper(stretch) => {
                if step == stretch.from {
                    self.waiting = Duration::ZERO;
                }
                let Some(per_step) = stretch.per_step(step, now) else {
                    return Mode::Helper;
                };
                let took = per_step.as_secs_f64() * TIMED as f64;
                self.stage = if self.waiting.as_secs_f64() < WAITING_WORTH_A_TRY * took {
                    Stage::Fixed(Mode::Helper)
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
                    return Mode::Shared;
                };
                let best = if per_step < helper {
                    (Mode::Shared, per_step)
                } else {
                    (Mode::Helper, helper)
                };
                self.stage = Stage::TimingTurns {
                    best,
                    stretch: Stretch::new(step + SETTLE),
                };
                self.at_step(step, now)
            }
            Stage::TimingTurns { best, stretch } => {
                let best = *best;
                let Some(per_step) = stretch.per_step(step, now) else {
                    return Mode::Turns;
                };
                self.stage = Stage::Fixed(if per_step < best.1 {
                    Mode::Turns
                } else {
                    best.0
                });
                self.at_step(step, now)
            }
        }
    }

    /// The training thread took `waiting` to have the batch of the step just begun in hand
    /// (in helper mode: its wait for the helper).
    fn waited(&mut self, waiting: Duration) {
        self.waiting += waiting;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs a plan over `steps` steps, each taking `helper` in helper mode (of which
    /// `waiting` waiting for the batch), `shared` in shared mode and `turns` in turns;
    /// returns each step's mode.
    fn modes(
        helper: Duration,
        waiting: Duration,
        shared: Duration,
        turns: Duration,
        steps: usize,
    ) -> Vec<Mode> {
        let mut plan = Plan::new(Sharing::Measured);
        let mut now = Instant::now();
        (0..steps)
            .map(|step| {
                let mode = plan.at_step(step, now);
                plan.waited(if mode == Mode::Helper {
                    waiting
                } else {
                    Duration::ZERO
                });
                now += match mode {
                    Mode::Helper => helper,
                    Mode::Shared => shared,
                    Mode::Turns => turns,
                };
                mode
            })
            .collect()
    }

    const MS: Duration = Duration::from_micros(1000);

    #[test]
    fn a_helper_that_keeps_up_is_kept_without_trying_the_other_ways() {
        let steps = modes(MS / 4, MS / 100, MS / 8, MS / 8, 500);
        assert!(steps.iter().all(|&mode| mode == Mode::Helper));
    }

    #[test]
    fn a_helper_that_keeps_the_step_waiting_is_timed_against_the_other_ways_and_the_fastest_kept() {
        let switch = WARM_UP + TIMED;
        let turns = switch + SETTLE + TIMED;
        let decided = turns + SETTLE + TIMED;
        let (slow, fast, fastest) = (MS * 11 / 10, MS * 9 / 10, MS * 8 / 10);
        for (shared, turn, kept) in [
            (fast, fastest, Mode::Turns),
            (fastest, fast, Mode::Shared),
            (slow, slow, Mode::Helper),
            (fast, slow, Mode::Shared),
            (slow, fast, Mode::Turns),
        ] {
            let steps = modes(MS, MS / 2, shared, turn, 500);
            let only =
                |range: std::ops::Range<usize>, mode| steps[range].iter().all(|&m| m == mode);
            assert!(only(0..switch, Mode::Helper), "{kept:?}");
            assert!(only(switch..turns, Mode::Shared), "{kept:?}");
            assert!(only(turns..decided, Mode::Turns), "{kept:?}");
            assert!(only(decided..500, kept), "{kept:?}");
        }
    }

    #[test]
    fn fixed_sharings_never_change() {
        for (sharing, expected) in [
            (Sharing::Helper, Mode::Helper),
            (Sharing::Shared, Mode::Shared),
            (Sharing::Turns, Mode::Turns),
        ] {
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
        for sharing in [
            Sharing::Helper,
            Sharing::Shared,
            Sharing::Turns,
            Sharing::Measured,
        ] {
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
            // Every batch before it trained; none after it was drawn past the queue (or the
            // turn).
            assert_eq!(reported, 57, "{sharing:?}");
            assert!(next <= 57 + TURN, "{sharing:?}: {next} drawn");
        }
    }
}
