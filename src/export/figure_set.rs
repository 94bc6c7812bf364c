//! The figure set of a run: every figure for every round, PNG and SVG, with a README.md that
//! says what each file shows.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};

use super::plots::{self, RoundData};
use super::{ExportError, Figure, FigureStyle, Theme, render_png, render_svg};
use crate::flow::velocity_grid;
use crate::pipeline::{Measure, Pipeline, Round};
use crate::target::Mixture;

/// The time the exported velocity fields are drawn at (half way from noise to data).
pub const FIELD_T: f32 = 0.5;

/// A figure with the file name it is written under and a line saying what it shows.
pub struct NamedFigure {
    /// File name without extension, e.g. `paths_2-RF`.
    pub stem: String,
    /// One sentence for the index.
    pub caption: String,
    /// The figure.
    pub figure: Figure,
}

/// Every figure of `pipeline`'s finished rounds.
///
/// Per round its paths, samples over the density and (for flows) the velocity field at t =
/// ½; then the loss curve, transport cost, straightness, W2 against steps and the
/// side-by-side view of the rectified rounds.
pub fn run_figures(
    pipeline: &Pipeline,
    style: &FigureStyle,
) -> Result<Vec<NamedFigure>, ExportError> {
    let target = pipeline.target();
    let theme = style.theme;
    let rounds = pipeline.rounds();
    if rounds.is_empty() {
        return Err(ExportError::Invalid(
            "nothing to export yet: train 1-RF first".into(),
        ));
    }
    let mut out = Vec::new();
    let stems = crate::pipeline::output::round_stems(rounds.iter().map(|r| r.name.as_str()));
    for (round, stem) in rounds.iter().zip(&stems) {
        round_figures(&mut out, target, round, stem, theme)?;
    }
    let data: Vec<RoundData<'_>> = rounds
        .iter()
        .enumerate()
        .map(|(index, r)| RoundData {
            index,
            report: &r.report,
            losses: &r.losses,
        })
        .collect();
    measure_figures(&mut out, pipeline, &data);
    extra_figures(&mut out, pipeline, theme);
    Ok(out)
}

/// Appends one round's figures: its paths, its samples and (for a flow) its velocity field.
fn round_figures(
    out: &mut Vec<NamedFigure>,
    target: &Mixture,
    round: &Round,
    stem: &str,
    theme: Theme,
) -> Result<(), ExportError> {
    let name = &round.name;
    let steps = round.trajectory.frames().saturating_sub(1);
    out.push(NamedFigure {
        stem: format!("paths_{stem}"),
        caption: format!(
            "{name}: {} paths from noise (t = 1) to data (t = 0), {}, coloured by the \
             mode each reaches.",
            round.trajectory.particles,
            euler_steps(steps)
        ),
        figure: plots::paths_figure(
            target,
            &round.trajectory,
            &format!("{name}: paths from noise to data ({})", euler_steps(steps)),
            theme,
        ),
    });
    out.push(NamedFigure {
        stem: format!("samples_{stem}"),
        caption: format!(
            "{name}: samples after {} over the target density.",
            euler_steps(steps)
        ),
        figure: plots::samples_figure(
            target,
            &round.samples,
            &format!("{name}: samples over the target density"),
            theme,
        ),
    });
    if round.kind.is_flow() {
        let grid = velocity_grid(target, &round.net, FIELD_T)?;
        out.push(NamedFigure {
            stem: format!("field_{stem}"),
            caption: format!(
                "{name}: the learned velocity field at t = {FIELD_T}, drawn along −v (the \
                 way particles move as t falls)."
            ),
            figure: plots::field_figure(
                target,
                &grid,
                &format!("{name}: velocity field at t = {FIELD_T}"),
                theme,
            ),
        });
    }
    Ok(())
}

/// Appends the figures over all rounds: loss, transport cost, straightness and quality.
fn measure_figures(out: &mut Vec<NamedFigure>, pipeline: &Pipeline, data: &[RoundData<'_>]) {
    out.push(NamedFigure {
        stem: "loss".into(),
        caption: "Training loss of every round, one after another (log scale).".into(),
        figure: plots::loss_figure(data, None),
    });
    let ev = pipeline.evaluator();
    out.push(NamedFigure {
        stem: "transport_cost".into(),
        caption: format!(
            "Transport cost E‖z − x₀‖² of the pairs each round trains on (1-RF: independent \
             pairs); the dashed line is the optimal transport cost ({}), and a round below it \
             by more than its error is marked drift.",
            ev.ot_minimum().method
        ),
        figure: plots::cost_figure(data, Some(ev.ot_minimum())),
    });
    out.push(NamedFigure {
        stem: "straightness".into(),
        caption: "Straightness of each flow's paths (0 is perfectly straight).".into(),
        figure: plots::straightness_figure(data),
    });
    for (measure, what) in [
        (
            Measure::WithinModeW2,
            "within-mode W2 (each point against fresh draws of its most likely mode: the \
             shape of every mode)",
        ),
        (
            Measure::StrayMass,
            "stray mass (the share of points more than 3 from every mode)",
        ),
        (
            Measure::W2,
            "W2 to a target sample (on a multi-mode target mostly chance mode counts)",
        ),
    ] {
        out.push(NamedFigure {
            stem: measure.stem().into(),
            caption: format!(
                "Sample quality against Euler steps for every round: {what}, on {} points, \
                 ± one standard error over the evaluation's draws; the dashed line is the \
                 floor, what a perfect sampler scores.",
                ev.w2_points()
            ),
            figure: plots::quality_figure(
                data,
                measure,
                Some(measure.floor(ev.floors())),
                ev.w2_points(),
            ),
        });
    }
    if let Some(figure) =
        super::showdown::showdown_figure(data, Some(Measure::WithinModeW2.floor(ev.floors()).mean))
    {
        out.push(NamedFigure {
            stem: super::showdown::SHOWDOWN_STEM.into(),
            caption: "One step and what it cost: each round's within-mode W2 at 1, 2 and 4 \
                      steps (big, middle and small dot) against the network evaluations it \
                      took to make it (training steps × batch × passes per example, plus its \
                      teacher's pairs and the teacher's own cost); the dashed line is the floor."
                .into(),
            figure,
        });
    }
}

/// Appends the fitted data, guidance and side-by-side figures, those that apply to the run.
fn extra_figures(out: &mut Vec<NamedFigure>, pipeline: &Pipeline, theme: Theme) {
    let target = pipeline.target();
    let rounds = pipeline.rounds();
    if let Some(points) = pipeline.data_points() {
        out.push(NamedFigure {
            stem: "data_fit".into(),
            caption: "Your data (the CSV's points) over the density of the mixture fitted to it."
                .into(),
            figure: plots::samples_figure(
                target,
                points,
                "Your data over the fitted mixture's density",
                theme,
            ),
        });
    }
    if let Some(guidance) = rounds.iter().find_map(|r| r.report.guidance.as_ref()) {
        out.push(NamedFigure {
            stem: "guidance".into(),
            caption: "Classifier-free guidance, v_cfg = (1 + w)·v_cond − w·v_uncond: how far each \
                      class's samples land from its centre, and how spread they are, as w grows."
                .into(),
            figure: plots::guidance_figure(guidance),
        });
    }
    let every: Vec<(&str, &crate::flow::Trajectory)> = rounds
        .iter()
        .map(|r| (r.name.as_str(), &r.trajectory))
        .collect();
    out.push(NamedFigure {
        stem: "side_by_side".into(),
        caption: "The paths of every round in one shared view: reflow straightens them; the \
                  distilled student jumps in one step (OT-CFM and the diffusion path too, when \
                  trained)."
            .into(),
        figure: plots::side_by_side_figure(target, &every, theme),
    });
}

/// `1 Euler step`, `100 Euler steps`.
fn euler_steps(steps: usize) -> String {
    if steps == 1 {
        "1 Euler step".into()
    } else {
        format!("{steps} Euler steps")
    }
}

/// The files of a figure set: `<stem>.png` and `<stem>.svg` for each figure, and `README.md`.
pub fn figure_files(
    figures: &[NamedFigure],
    style: &FigureStyle,
    heading: &str,
) -> Result<Vec<(String, Vec<u8>)>, ExportError> {
    figure_files_cancellable(figures, style, heading, &AtomicBool::new(false))
}

/// [`figure_files`], checking `cancel` before each figure is drawn: once it is set the
/// drawing stops with [`ExportError::Cancelled`].
pub fn figure_files_cancellable(
    figures: &[NamedFigure],
    style: &FigureStyle,
    heading: &str,
    cancel: &AtomicBool,
) -> Result<Vec<(String, Vec<u8>)>, ExportError> {
    let mut files = Vec::with_capacity(2 * figures.len() + 1);
    let mut index = String::new();
    let _infallible: std::fmt::Result = writeln!(index, "# {heading}\n");
    let _infallible: std::fmt::Result = writeln!(
        index,
        "Each figure is here as PNG ({}×{}) and SVG (text kept as text).\n",
        style.width_px, style.height_px
    );
    let _infallible: std::fmt::Result = writeln!(index, "| figure | what it shows |\n|---|---|");
    for f in figures {
        if cancel.load(Ordering::Relaxed) {
            return Err(ExportError::Cancelled);
        }
        files.push((format!("{}.png", f.stem), render_png(&f.figure, style)?));
        if cancel.load(Ordering::Relaxed) {
            return Err(ExportError::Cancelled);
        }
        files.push((
            format!("{}.svg", f.stem),
            render_svg(&f.figure, style)?.into_bytes(),
        ));
        let _infallible: std::fmt::Result = writeln!(
            index,
            "| [{stem}.png]({stem}.png) · [svg]({stem}.svg) | {} |",
            f.caption,
            stem = f.stem
        );
    }
    files.push(("README.md".into(), index.into_bytes()));
    Ok(files)
}
