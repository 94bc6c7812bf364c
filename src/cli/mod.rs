//! Command-line parsing and the headless commands.

mod bench;
mod progress;
mod run;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use flowlab::target::fit::Components;

/// Flow matching, reflow and distillation on 1-D and 2-D Gaussian mixtures.
#[derive(Parser, Debug)]
#[command(name = "flowlab", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Play a scripted scenario in the app, save the window as this PNG, then quit.
    #[arg(long, value_name = "PNG")]
    screenshot: Option<PathBuf>,
    /// The scenario for --screenshot: editor, training, before-reflow, after-reflow,
    /// side-by-side, one-d.
    #[arg(long, default_value = "after-reflow", requires = "screenshot")]
    scenario: String,
    /// Window size in pixels, e.g. 1280x720 (a projector); default 1600x1000.
    #[arg(long, value_name = "WxH", value_parser = parse_size)]
    window_size: Option<(u32, u32)>,
    /// Start in presentation mode (larger text, the pictures first).
    #[arg(long)]
    presentation: bool,
    /// Open this file in the app at start: a session (.flowlab, e.g. the one `flowlab run`
    /// writes), a target (.toml) or points to fit (.csv). With --screenshot, the window is
    /// saved once the session's rounds are shown (instead of playing --scenario).
    #[arg(long, value_name = "FILE")]
    open: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Train 1-RF, reflow rounds and (optionally) a distilled one-step sampler; write
    /// metrics.json, samples and trajectories to a folder.
    Run(Box<RunArgs>),
    /// List the shipped presets, one line each.
    Presets,
    /// Print speed figures: training steps/s, sampling throughput, pipeline wall time.
    Bench(BenchArgs),
}

/// Arguments of `flowlab run`.
#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("target_choice").required(true).args(["preset", "target", "data"])))]
pub struct RunArgs {
    /// A shipped target (see `flowlab presets`).
    #[arg(long)]
    preset: Option<String>,
    /// A target file in the TOML target format.
    #[arg(long)]
    target: Option<PathBuf>,
    /// Your own data: a CSV of 1-D or 2-D points (one or two columns, optional header);
    /// flowlab fits a Gaussian mixture to it (EM, seeded by --seed) and trains on that.
    #[arg(long, value_name = "CSV")]
    data: Option<PathBuf>,
    /// Components of the mixture fitted to --data: a number, or `auto` to pick 1 to 8 by BIC
    /// [default: auto]. Only with --data.
    #[arg(long, value_parser = parse_components)]
    components: Option<Components>,
    /// Start the flow from this distribution instead of N(0, I): a target file or a preset
    /// name (e.g. `--preset eight-gaussians --source moons` transports moons to eight
    /// Gaussians).
    #[arg(long, value_name = "FILE|PRESET")]
    source: Option<String>,
    /// Reflow rounds after 1-RF [default: 2].
    #[arg(long)]
    reflows: Option<usize>,
    /// Also distil the last round into a one-step sampler.
    #[arg(long)]
    distill: bool,
    /// Seed of the run's one RNG [default: 0].
    #[arg(long)]
    seed: Option<u64>,
    /// A settings file (TOML, or JSON such as the `settings` of a metrics.json); fields it
    /// leaves out keep their defaults, and the flags below override it.
    #[arg(long)]
    settings: Option<PathBuf>,
    /// Optimiser steps of 1-RF [default: 2000]; reflow rounds and the distillation take half
    /// as many unless --reflow-steps / --distill-steps say otherwise.
    #[arg(long)]
    train_steps: Option<usize>,
    /// Optimiser steps of each reflow round (warm-started) [default: 1000].
    #[arg(long)]
    reflow_steps: Option<usize>,
    /// Examples per optimiser step.
    #[arg(long)]
    batch: Option<usize>,
    /// Learning rate (`AdamW` peak).
    #[arg(long)]
    learning_rate: Option<f64>,
    /// Units per hidden layer of the velocity network.
    #[arg(long)]
    width: Option<usize>,
    /// Hidden layers of the velocity network.
    #[arg(long)]
    depth: Option<usize>,
    /// (noise, sample) pairs drawn from the previous round for each reflow and distillation.
    #[arg(long)]
    reflow_pairs: Option<usize>,
    /// Optimiser steps of the distillation [default: 1000].
    #[arg(long)]
    distill_steps: Option<usize>,
    /// Start each reflow round from scratch instead of the previous round's weights.
    #[arg(long)]
    cold_start: bool,
    /// Also train OT-CFM from scratch (minibatches paired by exact optimal transport) and
    /// report it beside 1-RF and 2-RF.
    #[arg(long)]
    ot_cfm: bool,
    /// Also train the network on the variance-preserving diffusion path (VP / DDPM schedule
    /// β(t) = 0.1 + 19.9·t, `x_t` = α(t)·x0 + σ(t)·z) and report it beside the straight path.
    #[arg(long)]
    diffusion: bool,
    /// Also train a class-conditional network (class = the component a sample came from,
    /// dropped 10% of the time) and measure classifier-free guidance at w = 0 … 8.
    #[arg(long)]
    guidance: bool,
    /// Also distil a consistency student from 1-RF (f(x, t) = x − t·v,
    /// trained so its outputs agree along the teacher's ODE) and measure it at 1, 2 and 4
    /// steps of multistep consistency sampling.
    #[arg(long)]
    consistency: bool,
    /// Also train a shortcut model from scratch (a network told the step size d, trained
    /// with flow matching at d = 0 and "one step of 2d = two steps of d" above) and measure
    /// it at every step count, each step read at its own size.
    #[arg(long)]
    shortcut: bool,
    /// Also train a `MeanFlow` model from scratch (the average velocity over [r, t], trained
    /// through u = v − (t − r)·du/dt with a Jacobian-vector product) and measure it like the
    /// shortcut model.
    #[arg(long)]
    meanflow: bool,
    /// Folder for metrics.json, the CSV files, `run_card.md` and session.flowlab (created if
    /// missing). It is replaced as a whole at the end (nothing of an older run is left), locked
    /// while the run lasts, and a folder of other files (no metrics.json) is refused.
    #[arg(long)]
    out: PathBuf,
    /// Also write the figure set (PNG and SVG of every figure, with a README.md index) into
    /// the output folder.
    #[arg(long)]
    figures: bool,
    /// Background of the figures.
    #[arg(long, value_enum, default_value_t = FigureTheme::Light)]
    figure_theme: FigureTheme,
    /// Size of the figures in pixels, `WIDTHxHEIGHT`.
    #[arg(long, default_value = "1920x1080", value_parser = parse_size)]
    figure_size: (u32, u32),
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
}

/// Background of exported figures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FigureTheme {
    /// Black on white.
    Light,
    /// Light on near-black.
    Dark,
}

/// Parses `auto` or a component count.
fn parse_components(text: &str) -> Result<Components, String> {
    if text.eq_ignore_ascii_case("auto") {
        return Ok(Components::Auto { max: 8 });
    }
    match text.trim().parse::<usize>() {
        Ok(k) if (1..=flowlab::target::MAX_COMPONENTS).contains(&k) => Ok(Components::Fixed(k)),
        _ => Err(format!(
            "`{text}` is not `auto` or a number of components from 1 to {}",
            flowlab::target::MAX_COMPONENTS
        )),
    }
}

/// Parses `1920x1080`.
fn parse_size(text: &str) -> Result<(u32, u32), String> {
    let parse = |s: &str| s.trim().parse::<u32>().ok();
    match text.split_once(['x', 'X', '×']) {
        Some((w, h)) => match (parse(w), parse(h)) {
            (Some(w), Some(h)) => Ok((w, h)),
            _ => Err(format!("`{text}` is not WIDTHxHEIGHT in pixels")),
        },
        None => Err(format!("`{text}` is not WIDTHxHEIGHT in pixels")),
    }
}

/// Arguments of `flowlab bench`.
#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Measure only the quick cases (no full pipeline).
    #[arg(long)]
    quick: bool,
    /// Measure only these sections (repeat or comma-separate; default: all).
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<BenchSection>,
}

/// A section of `flowlab bench`'s output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum BenchSection {
    /// Training steps per second at batch 256, 512 and 1024 against the matmul floor.
    Train,
    /// Sampling speed (10,000 points) and the step slider's redraw.
    Sample,
    /// The exact assignment behind OT-CFM and W2.
    Pairing,
    /// OT-CFM and the one-step methods beside a 1-RF round.
    OneStep,
    /// The slider's latency in the app's worker.
    Slider,
    /// The app's frame time with seven rounds on screen.
    Ui,
    /// The default pipeline and the app's worker: wall time, previews, time left (not with
    /// `--quick`).
    Pipeline,
}

/// Runs the parsed command.
pub fn main(cli: Cli) -> ExitCode {
    match cli.command {
        Some(Command::Run(args)) => run::run(&args),
        Some(Command::Presets) => {
            for p in flowlab::target::presets::PRESETS {
                println!("{:<16} {}", p.name, p.description());
            }
            ExitCode::SUCCESS
        }
        Some(Command::Bench(args)) => bench::bench(&args),
        None => {
            let scenario = match (cli.screenshot, cli.open.clone()) {
                (Some(out), Some(file)) => Some(flowlab::ui::Scenario::opening(file, out)),
                (Some(out), None) => {
                    if let Some(s) = flowlab::ui::Scenario::new(&cli.scenario, out) {
                        Some(s)
                    } else {
                        let names: Vec<_> = flowlab::ui::SCENARIOS.iter().map(|s| s.0).collect();
                        eprintln!(
                            "flowlab: unknown scenario `{}`; choose one of: {}",
                            cli.scenario,
                            names.join(", ")
                        );
                        return ExitCode::from(2);
                    }
                }
                (None, _) => None,
            };
            let window = flowlab::ui::WindowOptions {
                size: cli.window_size.map(|(w, h)| [w as f32, h as f32]),
                presentation: cli.presentation,
                open: cli.open.filter(|_| scenario.is_none()),
            };
            open_window(scenario, window)
        }
    }
}

fn open_window(
    scenario: Option<flowlab::ui::Scenario>,
    window: flowlab::ui::WindowOptions,
) -> ExitCode {
    match flowlab::ui::run_native(scenario, window) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("flowlab: could not open the window: {err}");
            eprintln!("(the headless commands still work: flowlab --help)");
            ExitCode::FAILURE
        }
    }
}
