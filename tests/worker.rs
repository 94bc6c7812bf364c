//! The worker protocol: phases run in order, pause holds, stop and reset cut off everything
//! of the stopped work, failures come back as messages, and no command sequence deadlocks.

use std::time::{Duration, Instant};

mod common;

use common::tiny;
use flowlab::flow::Solver;
use flowlab::pipeline::{Phase, Progress, Settings};
use flowlab::target::presets::preset;
use flowlab::worker::{PhaseJob, PictureOf, SampleRequest, Update, Worker, WorkerError};
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};

/// The same run, with 1-RF long enough to be caught in the middle.
fn long() -> Settings {
    let mut s = tiny();
    s.train.steps = 200_000;
    s
}

fn worker() -> Worker {
    Worker::spawn(|| {}).expect("threads start")
}

thread_local! {
    /// Updates polled but not yet looked at (each test runs on its own thread).
    static BACKLOG: std::cell::RefCell<std::collections::VecDeque<Update>> =
        Default::default();
}

/// Polls until `done` says so (returning everything seen up to it; later updates of the same
/// poll are kept for the next call), or panics after `timeout`.
fn wait_for(
    w: &mut Worker,
    timeout: Duration,
    mut done: impl FnMut(&Update) -> bool,
) -> Vec<Update> {
    let start = Instant::now();
    let mut seen = Vec::new();
    loop {
        let polled = w.poll();
        let found = BACKLOG.with_borrow_mut(|backlog| {
            backlog.extend(polled);
            while let Some(u) = backlog.pop_front() {
                let stop = done(&u);
                seen.push(u);
                if stop {
                    return true;
                }
            }
            false
        });
        if found {
            return seen;
        }
        assert!(
            start.elapsed() < timeout,
            "timed out; saw {} updates, last {:?}",
            seen.len(),
            seen.last()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Everything waiting: what an earlier `wait_for` left over, then a fresh poll.
fn drain(w: &mut Worker) -> Vec<Update> {
    let mut out: Vec<Update> = BACKLOG.with_borrow_mut(|b| b.drain(..).collect());
    out.extend(w.poll());
    out
}

fn round_names(updates: &[Update]) -> Vec<String> {
    updates
        .iter()
        .filter_map(|u| match u {
            Update::RoundFinished(r) => Some(r.report.name.clone()),
            _ => None,
        })
        .collect()
}

const LONG: Duration = Duration::from_secs(120);

#[test]
fn run_all_delivers_every_round_in_order_then_idle() {
    let mut w = worker();
    w.new_run(preset("two-modes-1d").unwrap(), tiny()).unwrap();
    w.start(PhaseJob::RunAll).unwrap();
    assert!(w.is_busy());
    let seen = wait_for(&mut w, LONG, |u| matches!(u, Update::Idle));
    assert!(
        matches!(&seen[0], Update::RunReady { floors, ot_minimum, .. }
            if floors.w2.mean > 0.0 && floors.within_mode_w2.mean > 0.0 && ot_minimum.cost > 0.0)
    );
    assert_eq!(round_names(&seen), ["1-RF", "2-RF", "distilled"]);
    assert!(!w.is_busy());
    // Progress is reported and the losses of each round come with it.
    let progress = seen
        .iter()
        .filter(|u| {
            matches!(
                u,
                Update::Progress(Progress {
                    phase: Phase::Train,
                    ..
                })
            )
        })
        .count();
    assert!(progress >= 60 / 5, "{progress} progress updates");
    for u in &seen {
        if let Update::RoundFinished(r) = u {
            assert!(!r.losses.is_empty(), "{} has no losses", r.report.name);
            assert_eq!(r.distilled, r.report.name == "distilled");
        }
    }
    // Run all again adds nothing: everything is there.
    w.start(PhaseJob::RunAll).unwrap();
    let again = wait_for(&mut w, LONG, |u| matches!(u, Update::Idle));
    assert!(round_names(&again).is_empty());
}

#[test]
fn samples_answer_the_request_and_measure_it() {
    let mut w = worker();
    w.new_run(preset("two-far").unwrap(), tiny()).unwrap();
    w.start(PhaseJob::TrainBase).unwrap();
    wait_for(&mut w, LONG, |u| matches!(u, Update::Idle));
    let request = SampleRequest {
        round: 0,
        solver: Solver::Heun,
        steps: 7,
        particles: 150,
        paths: 12,
        field_at: Some(0.5),
        guidance: None,
    };
    w.request_samples(request).unwrap();
    // (A live preview of the training may still come in first: wait for the answer.)
    let seen = wait_for(
        &mut w,
        LONG,
        |u| matches!(u, Update::Samples(s) if s.of == PictureOf::Round(0)),
    );
    let Some(Update::Samples(set)) = seen.last() else {
        unreachable!()
    };
    assert_eq!(set.of, PictureOf::Round(0));
    assert_eq!((set.solver, set.steps), (Solver::Heun, 7));
    assert_eq!(set.samples.len(), 150);
    assert_eq!(set.labels.len(), 150);
    assert!(set.labels.iter().all(|&l| l < 2));
    assert_eq!(set.trajectory.particles, 12);
    assert_eq!(set.trajectory.frames(), 8);
    assert_eq!(set.quality, None, "the numbers follow the picture");
    assert!((0.0..=1.0).contains(&set.mode_tv));
    let field = set.field.as_ref().expect("field asked for");
    assert_eq!(field.points.len(), 17 * 17);
    assert_eq!(field.velocities.len(), 17 * 17);
    let seen = wait_for(&mut w, LONG, |u| matches!(u, Update::Quality { .. }));
    let Some(Update::Quality {
        of,
        solver,
        steps,
        quality,
    }) = seen.last()
    else {
        unreachable!()
    };
    assert_eq!(
        (of, *solver, *steps),
        (&PictureOf::Round(0), Solver::Heun, 7)
    );
    assert!(quality.w2.mean.is_finite() && quality.w2.mean > 0.0);
    assert!(quality.within_mode_w2.mean.is_finite() && quality.within_mode_w2.mean > 0.0);
    assert!((0.0..=1.0).contains(&quality.stray_mass.mean));
    // A round that does not exist is not answered (and nothing breaks).
    w.request_samples(SampleRequest {
        round: 5,
        ..request
    })
    .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    assert!(drain(&mut w).is_empty());
}

#[test]
fn pause_holds_training_and_resume_goes_on() {
    let mut w = worker();
    w.new_run(preset("two-modes-1d").unwrap(), long()).unwrap();
    w.start(PhaseJob::TrainBase).unwrap();
    wait_for(
        &mut w,
        LONG,
        |u| matches!(u, Update::Progress(p) if p.done >= 20),
    );
    w.pause();
    assert!(w.is_paused());
    std::thread::sleep(Duration::from_millis(150));
    // What was in flight arrives; then nothing more.
    let done_at_pause = last_done(&drain(&mut w));
    std::thread::sleep(Duration::from_millis(400));
    let during = drain(&mut w);
    assert!(
        last_done(&during).is_none(),
        "training went on while paused: {during:?} after {done_at_pause:?}"
    );
    w.resume();
    let seen = wait_for(&mut w, LONG, |u| matches!(u, Update::Progress(_)));
    assert!(last_done(&seen).unwrap() > done_at_pause.unwrap_or(0));
    w.stop().unwrap();
}

fn last_done(updates: &[Update]) -> Option<usize> {
    updates.iter().rev().find_map(|u| match u {
        Update::Progress(p) => Some(p.done),
        _ => None,
    })
}

#[test]
fn stop_cuts_off_the_stopped_work_and_keeps_finished_rounds() {
    let mut w = worker();
    let mut s = tiny();
    s.reflow_steps = 200_000;
    w.new_run(preset("two-modes-1d").unwrap(), s).unwrap();
    w.start(PhaseJob::TrainBase).unwrap();
    w.start(PhaseJob::Reflow).unwrap();
    let seen = wait_for(
        &mut w,
        LONG,
        |u| matches!(u, Update::Progress(p) if p.round == "2-RF" && p.phase == Phase::Train && p.done >= 10),
    );
    assert_eq!(round_names(&seen), ["1-RF"]);
    // What was delivered before the stop is not the question: look only at what comes after.
    drain(&mut w);
    let t = Instant::now();
    w.stop().unwrap();
    assert!(t.elapsed() < Duration::from_millis(100), "stop blocked");
    assert!(!w.is_busy());
    std::thread::sleep(Duration::from_millis(500));
    let after = drain(&mut w);
    assert!(after.is_empty(), "stale updates after stop: {after:?}");
    // The finished round is kept: the next reflow is 2-RF again, trained from 1-RF.
    assert_eq!(w.rounds_seen(), 1);
    w.start(PhaseJob::Distill).unwrap();
    let seen = wait_for(&mut w, LONG, |u| matches!(u, Update::Idle));
    let finished: Vec<_> = seen
        .iter()
        .filter_map(|u| match u {
            Update::RoundFinished(r) => Some((r.index, r.report.name.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(finished, [(1, "distilled".to_owned())]);
}

#[test]
fn a_new_run_mid_training_hears_nothing_of_the_old_one() {
    let mut w = worker();
    w.new_run(preset("two-modes-1d").unwrap(), long()).unwrap();
    w.start(PhaseJob::TrainBase).unwrap();
    wait_for(&mut w, LONG, |u| matches!(u, Update::Progress(_)));
    // Change of target mid-run: a 2-D one, short. (What the old run delivered before is
    // not the question.)
    drain(&mut w);
    w.new_run(preset("two-far").unwrap(), tiny()).unwrap();
    w.start(PhaseJob::TrainBase).unwrap();
    let seen = wait_for(&mut w, LONG, |u| matches!(u, Update::Idle));
    assert!(matches!(seen[0], Update::RunReady { .. }), "{:?}", seen[0]);
    for u in &seen {
        if let Update::Progress(Progress { total, .. }) = u {
            assert_eq!(*total, 60, "an update of the old run arrived: {u:?}");
        }
    }
    assert_eq!(round_names(&seen), ["1-RF"]);
}

#[test]
fn failures_come_back_as_messages_and_the_worker_goes_on() {
    let mut w = worker();
    // A bad setting: the run is refused with the field named.
    let mut bad = tiny();
    bad.net.width = 0;
    w.new_run(preset("two-far").unwrap(), bad).unwrap();
    let seen = wait_for(&mut w, LONG, |u| matches!(u, Update::Failed { .. }));
    let Some(Update::Failed { message }) = seen.last() else {
        unreachable!()
    };
    assert!(message.contains("width"), "{message}");
    // A phase in the wrong order fails, the run survives.
    drain(&mut w);
    w.new_run(preset("two-far").unwrap(), tiny()).unwrap();
    w.start(PhaseJob::Reflow).unwrap();
    let seen = wait_for(&mut w, LONG, |u| matches!(u, Update::Idle));
    assert!(
        seen.iter()
            .any(|u| matches!(u, Update::Failed { message } if message.contains("1-RF"))),
        "{seen:?}"
    );
    w.start(PhaseJob::TrainBase).unwrap();
    let seen = wait_for(&mut w, LONG, |u| matches!(u, Update::Idle));
    assert_eq!(round_names(&seen), ["1-RF"]);
}

/// Hundreds of random command sequences: no call blocks, no thread dies, and between a stop
/// (or new run) and the next start nothing of the stopped work is delivered.
#[test]
fn random_command_sequences_never_deadlock_or_leak_stale_updates() {
    let mut rng = StdRng::seed_from_u64(7);
    let targets = [preset("two-modes-1d").unwrap(), preset("two-far").unwrap()];
    let mut w = worker();
    let mut quiet = true; // true from a stop until the next command that makes work
    for step in 0..400 {
        let t = Instant::now();
        let choice = rng.random_range(0..100);
        let result = match choice {
            0..=9 => {
                quiet = true;
                let target = targets[rng.random_range(0..2)].clone();
                w.new_run(target, tiny())
            }
            10..=34 => {
                quiet = false;
                let job = [
                    PhaseJob::TrainBase,
                    PhaseJob::Reflow,
                    PhaseJob::Distill,
                    PhaseJob::RunAll,
                ][rng.random_range(0..4)];
                w.start(job)
            }
            35..=44 => {
                w.pause();
                Ok(())
            }
            45..=54 => {
                w.resume();
                Ok(())
            }
            55..=69 => {
                quiet = true;
                w.stop()
            }
            70..=79 => {
                quiet = false;
                w.request_samples(SampleRequest {
                    round: rng.random_range(0..3),
                    solver: Solver::Euler,
                    steps: rng.random_range(1..30),
                    particles: 100,
                    paths: 5,
                    field_at: None,
                    guidance: None,
                })
            }
            _ => {
                std::thread::sleep(Duration::from_millis(rng.random_range(0..30)));
                Ok(())
            }
        };
        assert!(
            !matches!(result, Err(flowlab::worker::WorkerError::Gone)),
            "worker gone at step {step}"
        );
        assert!(
            t.elapsed() < Duration::from_millis(200),
            "command {choice} blocked"
        );
        for u in drain(&mut w) {
            if quiet {
                assert!(
                    matches!(u, Update::RunReady { .. } | Update::Failed { .. }),
                    "step {step}: {u:?} arrived after a stop"
                );
            }
        }
    }
    // Still alive and consistent: a fresh run trains to the end. The random commands may
    // have filled the command queue; `Busy` means "try again" while the trainer skips the
    // cancelled work (a slow, loaded machine takes longer to get there).
    w.resume();
    drain(&mut w);
    let start = Instant::now();
    let retry = |w: &mut Worker, command: &dyn Fn(&mut Worker) -> Result<(), WorkerError>| loop {
        match command(w) {
            Ok(()) => break,
            Err(WorkerError::Busy) if start.elapsed() < LONG => {
                drain(w);
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(err) => panic!("the worker refused a command: {err}"),
        }
    };
    retry(&mut w, &|w| w.new_run(targets[1].clone(), tiny()));
    retry(&mut w, &|w| w.start(PhaseJob::RunAll));
    let seen = wait_for(&mut w, LONG, |u| matches!(u, Update::Idle));
    assert_eq!(round_names(&seen), ["1-RF", "2-RF", "distilled"]);
}
