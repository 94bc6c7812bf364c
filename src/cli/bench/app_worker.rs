//! Training as the app runs it: on the worker's threads with live previews drawn and
//! measured beside it. The same 1-RF round with previews on and off says what the previews
//! cost; the progress reports of 1-RF and OT-CFM, replayed into the time-left estimate, say
//! how far the estimate the lecturer sees is off.

use std::time::{Duration, Instant};

use flowlab::flow::Solver;
use flowlab::pipeline::{Phase, Settings};
use flowlab::target::Mixture;
use flowlab::worker::{PhaseJob, Update, Worker};

use super::median;
use super::time_left::{Report, print_predictions};

/// 1-RF rounds timed with previews on, and as many with them off.
const PREVIEW_REPEATS: usize = 5;

/// Issue 19's goal: live previews cost at most this share of the training's speed.
const PREVIEW_GOAL: f64 = 0.10;

/// Trains 1-RF in the app's worker [`PREVIEW_REPEATS`] times with live previews (at 20 Euler
/// steps, the app's default slider) and as often without, alternately, each on a fresh run;
/// prints the medians of the training phase's time by the worker's clock.
pub fn preview_cost(target: &Mixture, settings: &Settings) -> anyhow::Result<()> {
    let mut worker = Worker::spawn(|| {})?;
    worker.set_preview(Solver::Euler, 20)?;
    let mut seconds = [Vec::new(), Vec::new()];
    for k in 0..2 * PREVIEW_REPEATS {
        // On, off, off, on, on, off, …: neither is always first after a settled machine.
        let on = matches!(k % 4, 0 | 3);
        worker.set_live_previews(on);
        worker.new_run(target.clone(), settings.clone())?;
        worker.start(PhaseJob::TrainBase)?;
        seconds[usize::from(on)].push(train_phase_seconds(&mut worker)?);
        // The picture thread measures the finished round: let it finish before the next.
        settle(&mut worker)?;
    }
    let [mut off, mut on] = seconds;
    let (off, on) = (median(&mut off), median(&mut on));
    let steps = settings.train.steps as f64;
    let slower = on / off - 1.0;
    println!(
        "live previews: 1-RF in the app's worker {:.0} steps/s with previews, {:.0} without \
         ({:.0} % {}; goal <= {:.0} % slower; medians of {PREVIEW_REPEATS} rounds each)",
        steps / on,
        steps / off,
        100.0 * slower.abs(),
        if slower >= 0.0 { "slower" } else { "faster" },
        100.0 * PREVIEW_GOAL
    );
    Ok(())
}

/// The seconds the 1-RF training phase just started took, by the worker's clock (its last
/// progress report's time since the phase began).
fn train_phase_seconds(worker: &mut Worker) -> anyhow::Result<f64> {
    poll_until(worker, |_, updates| {
        updates.iter().find_map(|update| match update {
            Update::Progress(p) if p.phase == Phase::Train && p.done == p.total => Some(p.seconds),
            _ => None,
        })
    })
}

/// Waits until the worker is idle and then a further second (the pictures of the round).
fn settle(worker: &mut Worker) -> anyhow::Result<()> {
    poll_until(worker, |worker, _| (!worker.is_busy()).then_some(()))?;
    std::thread::sleep(Duration::from_secs(1));
    worker.poll();
    Ok(())
}

/// Polls the worker until `done`, shown the worker and each poll's updates, gives a value;
/// a failure the worker reports, or five minutes without a value, is an error.
fn poll_until<T>(
    worker: &mut Worker,
    mut done: impl FnMut(&Worker, &[Update]) -> Option<T>,
) -> anyhow::Result<T> {
    let start = Instant::now();
    loop {
        anyhow::ensure!(
            start.elapsed() < Duration::from_secs(300),
            "the worker took over five minutes"
        );
        let updates = worker.poll_within(Duration::from_millis(2));
        for update in &updates {
            if let Update::Failed { message } = update {
                anyhow::bail!("the worker failed: {message}");
            }
        }
        if let Some(value) = done(worker, &updates) {
            return Ok(value);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Trains 1-RF and OT-CFM in the worker (previews at 20 Euler steps, as the app's default
/// slider); prints the time-left lines.
pub fn app_worker(target: &Mixture, settings: &Settings) -> anyhow::Result<()> {
    let mut worker = Worker::spawn(|| {})?;
    worker.new_run(target.clone(), settings.clone())?;
    worker.set_preview(Solver::Euler, 20)?;
    let start = Instant::now();
    let mut reports = Vec::new();
    // When the current phase's start was read: its reports are timed from there by the
    // worker's own clock (they are read here in bursts).
    let mut phase_read_at = 0.0;
    for job in [PhaseJob::TrainBase, PhaseJob::OtCfm] {
        worker.start(job)?;
        let mut rounds = worker.rounds_seen();
        let before = rounds;
        while rounds == before {
            anyhow::ensure!(
                start.elapsed() < Duration::from_secs(600),
                "the worker took over ten minutes"
            );
            for update in worker.poll_within(Duration::from_millis(2)) {
                let read_at = start.elapsed().as_secs_f64();
                match update {
                    Update::PhaseStarted(p) | Update::Progress(p) => {
                        if p.done == 0 {
                            phase_read_at = read_at;
                        }
                        let at = phase_read_at + p.seconds;
                        reports.push(Report {
                            at,
                            phase: format!("{} {}", p.round, p.phase.label()),
                            done: p.done,
                            total: p.total,
                        });
                    }
                    Update::Failed { message } => anyhow::bail!("the worker failed: {message}"),
                    _ => {}
                }
            }
            rounds = worker.rounds_seen();
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    print_predictions(&reports, 0.5);
    if let Some(path) = std::env::var_os("FLOWLAB_WORKER_TRACE") {
        super::time_left::write_csv(&reports, std::path::Path::new(&path))?;
    }
    Ok(())
}
