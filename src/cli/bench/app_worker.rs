//! Training as the app runs it: on the worker's threads with live previews drawn and
//! measured beside it. Its speed against the same training headless is what the previews
//! cost; its progress reports, replayed into the time-left estimate, say how far the
//! estimate the lecturer sees is off.

use std::time::{Duration, Instant};

use flowlab::flow::Solver;
use flowlab::pipeline::{Phase, Pipeline, Settings};
use flowlab::target::Mixture;
use flowlab::worker::{PhaseJob, Update, Worker};

use super::time_left::{Report, print_predictions};

/// Trains 1-RF and OT-CFM in the worker (previews at 20 Euler steps, as the app's default
/// slider) and 1-RF headless; prints the speeds and the time-left lines.
pub fn app_worker(target: &Mixture, settings: &Settings) -> anyhow::Result<()> {
    // Headless first: with the worker alive, its pictures and evaluations of the rounds it
    // trained would still be using a core.
    let headless = {
        let mut pipeline = Pipeline::new(target.clone(), settings.clone())?;
        let quiet = std::sync::atomic::AtomicBool::new(false);
        pipeline
            .train_base(&mut |_| {}, &quiet)?
            .report
            .train_seconds
    };
    let mut worker = Worker::spawn(|| {})?;
    worker.new_run(target.clone(), settings.clone())?;
    worker.set_preview(Solver::Euler, 20)?;
    let start = Instant::now();
    let mut reports = Vec::new();
    let mut train_seconds = None;
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
                        if p.phase == Phase::Train && p.round == "1-RF" && p.done == p.total {
                            train_seconds.get_or_insert(at);
                        }
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
    let steps = settings.train.steps as f64;
    let first = reports
        .iter()
        .find(|r| r.phase == "1-RF train")
        .map(|r| r.at);
    if let (Some(begin), Some(end)) = (first, train_seconds) {
        let with_previews = end - begin;
        let slower = 100.0 * (with_previews / headless - 1.0);
        println!(
            "live previews: 1-RF in the app's worker {:.0} steps/s with previews, headless {:.0} \
             steps/s ({:.0} % {}; goal <= 10 % slower)",
            steps / with_previews,
            steps / headless,
            slower.abs(),
            if slower >= 0.0 { "slower" } else { "faster" }
        );
    }
    print_predictions(&reports, 0.5);
    if let Some(path) = std::env::var_os("FLOWLAB_WORKER_TRACE") {
        super::time_left::write_csv(&reports, std::path::Path::new(&path))?;
    }
    Ok(())
}
