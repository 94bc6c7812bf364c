//! `flowlab bench`: speed figures printed one line per case.

use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use flowlab::flow::fused::{matmul_floor_forward, matmul_floor_train};
use flowlab::flow::{
    Coupling, Kernels, NetConfig, Solver, TrainConfig, VelocityNet, integrate, train_cfm,
};
use flowlab::pipeline::{Pipeline, Settings};
use flowlab::target::{Source, presets, standard_normal};
use rand::SeedableRng as _;
use rand::rngs::StdRng;

use super::{BenchArgs, BenchSection};

mod app_worker;
mod few_step;
mod pairing;
mod time_left;
mod ui_frames;

/// The median of `values` (the upper one of an even count; NaN if empty).
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// The median of `runs` measurements by `measure`.
fn median_of(runs: usize, mut measure: impl FnMut() -> anyhow::Result<f64>) -> anyhow::Result<f64> {
    let mut values = (0..runs.max(1))
        .map(|_| measure())
        .collect::<anyhow::Result<Vec<f64>>>()?;
    Ok(median(&mut values))
}

/// Issue 19's goal for a training step: at least this share of its matrix-product floor.
const FLOOR_GOAL: f64 = 0.67;

/// Prints the speed figures.
pub fn bench(args: &BenchArgs) -> ExitCode {
    match run_cases(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run_cases(args: &BenchArgs) -> anyhow::Result<()> {
    let wanted = |section: BenchSection| args.only.is_empty() || args.only.contains(&section);
    let target = presets::preset(presets::DEFAULT_PRESET)?;
    let net_config = NetConfig::default();
    let label = format!(
        "{}x{} {:?}",
        net_config.depth, net_config.width, net_config.activation
    )
    .to_lowercase();
    if wanted(BenchSection::Train) {
        training(&target, net_config, &label, args.quick)?;
    }
    if wanted(BenchSection::Sample) {
        sampling(&target, net_config, &label, args.quick)?;
    }
    if wanted(BenchSection::Pairing) {
        pairing::pairing(args.quick)?;
    }
    if wanted(BenchSection::OneStep) {
        few_step::few_step_training(&target, args.quick)?;
    }
    if wanted(BenchSection::Slider) {
        slider_latency(&target, args.quick)?;
    }
    if wanted(BenchSection::Ui) {
        ui_frames::ui_frame_time(args.quick)?;
    }
    if wanted(BenchSection::Pipeline) && !args.quick {
        pipeline(&target)?;
    }
    Ok(())
}

/// Training steps per second with each kernel path, against the matmul floor.
fn training(
    target: &flowlab::target::Mixture,
    net_config: NetConfig,
    label: &str,
    quick: bool,
) -> anyhow::Result<()> {
    let sizes =
        VelocityNet::new(target.dim, net_config, &mut StdRng::seed_from_u64(0))?.layer_sizes();
    // Medians of five phases of 300 steps each (the PyTorch script times 300): one phase's
    // steps/s varied by up to 30 % from one run to the next on a 2-core machine.
    let runs = if quick { 1 } else { 5 };
    for batch in [256, 512, 1024] {
        let steps = if quick { 50 } else { 300 };
        let fused = median_of(runs, || {
            train_steps_per_second(target, net_config, batch, steps, Kernels::Fused)
        })?;
        let floor = 1.0
            / median_of(runs, || {
                Ok(matmul_floor_train(&sizes, batch, steps.max(200)))
            })?;
        println!(
            "train {label} batch={batch}: {fused:.1} steps/s (matmul floor {floor:.1}, {:.2} of floor; goal >= {FLOOR_GOAL:.2})",
            fused / floor
        );
        let layers = median_of(runs, || {
            train_steps_per_second(target, net_config, batch, steps, Kernels::Layers)
        })?;
        println!(
            "train {label} batch={batch} fused layers under candle's autograd: {layers:.1} steps/s ({:.2} of floor)",
            layers / floor
        );
        let plain =
            train_steps_per_second(target, net_config, batch, steps / 3, Kernels::Reference)?;
        println!("train {label} batch={batch} plain candle ops: {plain:.1} steps/s");
    }
    Ok(())
}

/// Sampling 10,000 points, and the 1,000 points the step slider redraws.
fn sampling(
    target: &flowlab::target::Mixture,
    net_config: NetConfig,
    label: &str,
    quick: bool,
) -> anyhow::Result<()> {
    let mut rng = StdRng::seed_from_u64(1);
    let net = VelocityNet::new(target.dim, net_config, &mut rng)?;
    let sizes = net.layer_sizes();
    let points = 10_000;
    let steps = if quick { 20 } else { 100 };
    let z = standard_normal(points, target.dim, &mut rng);
    let start = Instant::now();
    integrate(&net, &z, Solver::Euler, steps)?;
    let secs = start.elapsed().as_secs_f64();
    let floor = steps as f64 * matmul_floor_forward(&sizes, points, 5);
    println!(
        "sample {label} {points} points x {steps} Euler steps: {secs:.2} s (matmul floor {floor:.2} s, {:.2} of floor)",
        floor / secs
    );

    let z = standard_normal(1000, target.dim, &mut rng);
    let best = (0..5)
        .map(|_| {
            let start = Instant::now();
            integrate(&net, &z, Solver::Euler, 20).map(|_| start.elapsed().as_secs_f64())
        })
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .fold(f64::INFINITY, f64::min);
    println!(
        "sample {label} 1000 points x 20 Euler steps (step slider): {:.1} ms",
        best * 1000.0
    );
    Ok(())
}

/// The default pipeline headless, then 1-RF and OT-CFM in the app's worker.
fn pipeline(target: &flowlab::target::Mixture) -> anyhow::Result<()> {
    let cancel = AtomicBool::new(false);
    let settings = Settings::default();
    let mut pipeline = Pipeline::new(target.clone(), settings)?;
    let start = Instant::now();
    let mut recorder = time_left::Recorder::new();
    let report = pipeline.run_all(&mut |event| recorder.observe(&event), &cancel)?;
    println!(
        "pipeline {} (1-RF, {} reflows, distill): {:.1} s wall, {:.1} train steps/s",
        presets::DEFAULT_PRESET,
        report.settings.reflows,
        start.elapsed().as_secs_f64(),
        report.timings.train_steps_per_second
    );
    time_left::print_predictions(&recorder.reports, 0.5);
    let lecture = flowlab::ui::state::lecture_settings();
    app_worker::preview_cost(target, &lecture)?;
    app_worker::app_worker(target, &lecture)?;
    if let Some(path) = std::env::var_os("FLOWLAB_PROGRESS_TRACE") {
        time_left::write_csv(&recorder.reports, std::path::Path::new(&path))?;
    }
    Ok(())
}

/// Training steps per second of a fresh network on `target` (after a 10-step warm-up).
fn train_steps_per_second(
    target: &flowlab::target::Mixture,
    net_config: NetConfig,
    batch: usize,
    steps: usize,
    kernels: Kernels,
) -> anyhow::Result<f64> {
    let cancel = AtomicBool::new(false);
    let mut rng = StdRng::seed_from_u64(0);
    let net = VelocityNet::new(target.dim, net_config, &mut rng)?;
    let config = TrainConfig {
        steps,
        batch,
        kernels,
        ..TrainConfig::default()
    };
    let warm = TrainConfig {
        steps: 10,
        ..config
    };
    let coupling = Coupling::Independent {
        source: Source::StandardNormal(target.dim),
        target,
    };
    train_cfm(&net, coupling, &warm, &mut rng, &mut |_| {}, &cancel)?;
    let start = Instant::now();
    train_cfm(&net, coupling, &config, &mut rng, &mut |_| {}, &cancel)?;
    Ok(steps as f64 / start.elapsed().as_secs_f64())
}

/// The app's step slider end to end: a request to the worker's sampler thread until the
/// picture (1,000 particles, 300 paths, coverage) and then its quality numbers (W2,
/// within-mode W2, stray mass and mode TV on the evaluation's draws, as `flowlab run`
/// measures them) are back, median of repeats.
fn slider_latency(target: &flowlab::target::Mixture, quick: bool) -> anyhow::Result<()> {
    use flowlab::worker::{PhaseJob, SampleRequest, Update, Worker};
    let mut settings = flowlab::ui::state::lecture_settings();
    settings.train.steps = 50;
    let mut worker = Worker::spawn(|| {})?;
    worker.new_run(target.clone(), settings)?;
    worker.start(PhaseJob::TrainBase)?;
    // Updates polled but not yet looked at: a poll can bring the picture and its W2 at once.
    let mut backlog = std::collections::VecDeque::new();
    let mut wait = |worker: &mut Worker, want: &dyn Fn(&Update) -> bool| -> anyhow::Result<()> {
        let start = Instant::now();
        loop {
            backlog.extend(worker.poll());
            while let Some(u) = backlog.pop_front() {
                if let Update::Failed { message } = &u {
                    anyhow::bail!("{message}");
                }
                if want(&u) {
                    return Ok(());
                }
            }
            if start.elapsed().as_secs() > 300 {
                anyhow::bail!("the worker did not answer");
            }
            std::thread::sleep(std::time::Duration::from_micros(200));
        }
    };
    wait(&mut worker, &|u| matches!(u, Update::Idle))?;
    let repeats = if quick { 3 } else { 9 };
    for steps in [1, 4, 20] {
        let mut pictures = Vec::new();
        let mut times = Vec::new();
        for k in 0..repeats {
            let request = SampleRequest {
                round: 0,
                solver: Solver::Euler,
                steps: steps + k % 2, // a new request each time, as a dragged slider makes
                particles: 1000,
                paths: 300,
                field_at: None,
                guidance: None,
            };
            let start = Instant::now();
            worker.request_samples(request)?;
            wait(&mut worker, &|u| matches!(u, Update::Samples(_)))?;
            pictures.push(start.elapsed().as_secs_f64() * 1000.0);
            wait(&mut worker, &|u| matches!(u, Update::Quality { .. }))?;
            times.push(start.elapsed().as_secs_f64() * 1000.0);
        }
        pictures.sort_by(f64::total_cmp);
        times.sort_by(f64::total_cmp);
        println!(
            "step slider (app, 1000 particles x {steps} Euler steps): picture (samples, 300 paths, coverage) {:.1} ms, quality numbers {:.1} ms (medians)",
            pictures[pictures.len() / 2],
            times[times.len() / 2]
        );
    }
    Ok(())
}
