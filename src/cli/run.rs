//! `flowlab run`: the whole pipeline, headless.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use flowlab::export::run_folder::run_folder_files;
use flowlab::export::{ExportError, FigureStyle, Theme};
use flowlab::flow::{DistillMethod, FlowError};
use flowlab::pipeline::output::{OutputError, OutputFolder};
use flowlab::pipeline::{FittedData, Pipeline, PipelineError, RunReport, Settings, fit_data};
use flowlab::target::fit::{Components, FitConfig};
use flowlab::target::{MAX_TARGET_BYTES, Mixture, presets, read_text_capped};

use super::progress::ProgressBar;
use super::{FigureTheme, RunArgs};

/// Exit status for bad input (the same clap uses for usage errors).
const EXIT_BAD_INPUT: u8 = 2;
/// Exit status after Ctrl-C.
const EXIT_CANCELLED: u8 = 130;

/// Runs the pipeline described by `args` and writes its results.
pub fn run(args: &RunArgs) -> ExitCode {
    let (mut pipeline, style, folder) = match prepare(args) {
        Ok(prepared) => prepared,
        Err(code) => return code,
    };
    let cancel = cancel_on_ctrl_c();
    let quiet = args.quiet;
    let (report, failure) = match train(&mut pipeline, quiet, &cancel) {
        Ok(trained) => trained,
        Err(code) => return code,
    };
    for (name, why) in report.diverged_rounds() {
        eprintln!(
            "warning: {name} DIVERGED: {why}; its numbers are not a trained model's (try a \
             lower --learning-rate)"
        );
    }
    if args.figures && !quiet {
        eprintln!("drawing the figure set…");
    }
    let figures = args.figures.then_some(&style);
    let written = run_folder_files(&pipeline, figures, &cancel)
        .map_err(|err| match err {
            ExportError::Cancelled => OutputError::Cancelled,
            other => OutputError::Refused(other.to_string()),
        })
        .and_then(|files| folder.replace_with(&files, &cancel));
    let files = match written {
        Ok(files) => files,
        Err(OutputError::Cancelled) => {
            return fail(EXIT_CANCELLED, "cancelled; nothing was written");
        }
        Err(err) => return fail(1, &err.to_string()),
    };
    if let Some(err) = failure {
        let kept: Vec<&str> = report.rounds.iter().map(|r| r.name.as_str()).collect();
        return fail(
            1,
            &format!(
                "{err}; the finished rounds ({}) were written to {}",
                kept.join(", "),
                folder.dir().display()
            ),
        );
    }
    if !quiet {
        eprintln!(
            "wrote {} files to {} in {:.1}s (metric floor W2 {:.3})",
            files.len(),
            folder.dir().display(),
            report.timings.total_seconds,
            report.metric_floor_w2
        );
    }
    ExitCode::SUCCESS
}

/// Checks `args` and builds the pipeline, the figure style and the reserved output folder.
fn prepare(args: &RunArgs) -> Result<(Pipeline, FigureStyle, OutputFolder), ExitCode> {
    if args.components.is_some() && args.data.is_none() {
        return Err(fail(
            EXIT_BAD_INPUT,
            "--components: only with --data (it sets how many components are fitted to your \
             CSV); a preset or target file already has its components",
        ));
    }
    let (target, data) = match load_target(args) {
        Ok(t) => t,
        Err(message) => return Err(fail(EXIT_BAD_INPUT, &message)),
    };
    let settings = match settings_from(args) {
        Ok(s) => s,
        Err(message) => return Err(fail(EXIT_BAD_INPUT, &message)),
    };
    if !args.quiet
        && let Some(warning) = target.scale_warning()
    {
        eprintln!("warning: {warning}");
    }
    let mut pipeline = match Pipeline::new(target, settings) {
        Ok(p) => p,
        Err(err) => return Err(fail(EXIT_BAD_INPUT, &err.to_string())),
    };
    if let Some(fitted) = data {
        pipeline.set_data_fit(fitted);
    }
    let style = FigureStyle {
        theme: match args.figure_theme {
            FigureTheme::Light => Theme::Light,
            FigureTheme::Dark => Theme::Dark,
        },
        width_px: args.figure_size.0,
        height_px: args.figure_size.1,
    };
    if let Err(message) = style.validate() {
        return Err(fail(EXIT_BAD_INPUT, &format!("figure-size: {message}")));
    }
    // Before training: the folder is locked for this run, checked writable, and cleaned of
    // what a killed run left there.
    let folder = match OutputFolder::reserve(&args.out) {
        Ok(folder) => folder,
        Err(err) => return Err(fail(EXIT_BAD_INPUT, &err.to_string())),
    };
    Ok((pipeline, style, folder))
}

/// Trains every round, showing progress unless `quiet`; a failed round keeps the ones before it.
fn train(
    pipeline: &mut Pipeline,
    quiet: bool,
    cancel: &AtomicBool,
) -> Result<(RunReport, Option<PipelineError>), ExitCode> {
    let mut bar = ProgressBar::new();
    let result = pipeline.run_all(
        &mut |event| {
            if !quiet {
                bar.show(&event);
            }
        },
        cancel,
    );
    match result {
        Ok(report) => Ok((report, None)),
        Err(err) if err.is_cancelled() => {
            Err(fail(EXIT_CANCELLED, "cancelled; nothing was written"))
        }
        Err(PipelineError::Flow(err @ FlowError::InvalidSetting { .. })) => {
            Err(fail(EXIT_BAD_INPUT, &err.to_string()))
        }
        Err(err) if pipeline.rounds().is_empty() => {
            Err(fail(1, &format!("{err}; nothing was written")))
        }
        // A round failed (a NaN loss): the rounds finished before it are good, keep them.
        Err(err) => Ok((pipeline.report(), Some(err))),
    }
}

/// A flag Ctrl-C sets, so the run can stop cleanly.
fn cancel_on_ctrl_c() -> Arc<AtomicBool> {
    let cancel = Arc::new(AtomicBool::new(false));
    {
        let cancel = Arc::clone(&cancel);
        // Without a handler Ctrl-C still stops the run; it just cannot say so cleanly.
        // Without a handler Ctrl-C still ends the run, only less tidily.
        let _handler: Result<(), ctrlc::Error> =
            ctrlc::set_handler(move || cancel.store(true, Ordering::Relaxed));
    }
    cancel
}

/// The target, and the points it was fitted to (with the fit's report) when it came from
/// `--data`.
fn load_target(args: &RunArgs) -> Result<(Mixture, Option<FittedData>), String> {
    if let Some(path) = &args.data {
        let config = FitConfig {
            components: args.components.unwrap_or(Components::Auto { max: 8 }),
            seed: args.seed.unwrap_or(0),
            ..FitConfig::default()
        };
        let fitted = fit_data(path, &config).map_err(|err| format!("data: {err}"))?;
        let fit = &fitted.report;
        if !args.quiet {
            eprintln!(
                "fitted {} component(s) to {} points of {} (mean log-likelihood {:.3}, BIC {:.1})",
                fit.components,
                fit.points,
                path.display(),
                fit.log_likelihood,
                fit.bic
            );
        }
        return Ok((fitted.mixture.clone(), Some(fitted)));
    }
    match (&args.preset, &args.target) {
        (Some(name), _) => presets::preset(name),
        (None, Some(path)) => Mixture::load(path),
        // clap's argument group requires one of the three.
        (None, None) => presets::preset(presets::DEFAULT_PRESET),
    }
    .map(|m| (m, None))
    .map_err(|err| err.to_string())
}

/// `--source`: a target file if `text` names an existing file or ends in `.toml`, else a
/// preset name.
fn load_source(text: &str) -> Result<Mixture, String> {
    let path = Path::new(text);
    let loaded = if path.exists() || text.ends_with(".toml") {
        // Mixture::load reads at most MAX_TARGET_BYTES.
        Mixture::load(path)
    } else {
        presets::preset(text)
    };
    loaded.map_err(|err| format!("--source: {err}"))
}

/// Reads a settings file (at most [`MAX_TARGET_BYTES`]): JSON when the name ends in `.json`
/// (the settings, or a metrics.json), TOML otherwise. Keys it leaves out keep the headless
/// defaults; an unknown key is refused with the nearest valid one.
fn load_settings(path: &Path) -> Result<Settings, String> {
    let text = read_text_capped(path, MAX_TARGET_BYTES)
        .map_err(|err| format!("settings: {}: {err}", path.display()))?;
    let json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    Settings::from_file_text(&text, json, &Settings::headless())
        .map_err(|err| format!("settings: {}: {err}", path.display()))
}

fn settings_from(args: &RunArgs) -> Result<Settings, String> {
    let mut settings = match &args.settings {
        Some(path) => load_settings(path)?,
        None => Settings::headless(),
    };
    if let Some(seed) = args.seed {
        settings.seed = seed;
    }
    if let Some(reflows) = args.reflows {
        settings.reflows = reflows;
    }
    if args.distill {
        settings.distill = Some(DistillMethod::Direct);
    }
    if let Some(steps) = args.train_steps {
        settings.train.steps = steps;
        settings.reflow_steps = steps.div_ceil(2);
        settings.distill_steps = steps.div_ceil(2);
    }
    if let Some(steps) = args.reflow_steps {
        settings.reflow_steps = steps;
    }
    if let Some(batch) = args.batch {
        settings.train.batch = batch;
    }
    if let Some(lr) = args.learning_rate {
        settings.train.learning_rate = lr;
    }
    if let Some(width) = args.width {
        settings.net.width = width;
    }
    if let Some(depth) = args.depth {
        settings.net.depth = depth;
    }
    if let Some(pairs) = args.reflow_pairs {
        settings.reflow_pairs = pairs;
    }
    if let Some(steps) = args.distill_steps {
        settings.distill_steps = steps;
    }
    if args.cold_start {
        settings.warm_start = false;
    }
    if args.ot_cfm {
        settings.ot_cfm = true;
    }
    if args.diffusion {
        settings.diffusion = true;
    }
    if args.guidance {
        settings.guidance = true;
    }
    if args.consistency {
        settings.consistency = true;
    }
    if args.shortcut {
        settings.shortcut = true;
    }
    if args.meanflow {
        settings.meanflow = true;
    }
    if let Some(source) = &args.source {
        settings.source = Some(load_source(source)?);
    }
    Ok(settings)
}

fn fail(code: u8, message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(code)
}
