//! The figures flowlab exports, built from plain data (points, paths, reports, losses), so
//! the app and the headless run make the same pictures.

use super::figure::{Axis, Figure, Layer, Panel, Rgb, Scale, Theme};
use super::palette::{density_rgb, mode_rgb, round_kind_rgb};
use crate::Points;
use crate::flow::{Trajectory, VelocityGrid};
use crate::metrics::{Estimate, OtMinimum};
use crate::pipeline::{Measure, RoundReport, is_cost_drift};
use crate::target::Mixture;

/// One finished round as the charts need it.
#[derive(Clone, Copy, Debug)]
pub struct RoundData<'a> {
    /// Position in the run (0 is 1-RF). The colour follows the round's name
    /// ([`round_kind_rgb`]), not this position.
    pub index: usize,
    /// Its numbers.
    pub report: &'a RoundReport,
    /// `(step, loss)` while it trained.
    pub losses: &'a [(usize, f32)],
}

/// The region the pictures of a target show: its bounds (±4 std around every mode, at least
/// ±3) with a 5 % margin. In 1-D the second range is t's.
pub fn view_of(target: &Mixture) -> ((f64, f64), (f64, f64)) {
    let b = target.bounds();
    let pad = |(lo, hi): (f64, f64)| {
        let m = 0.05 * (hi - lo);
        (lo - m, hi + m)
    };
    let x = pad(b[0]);
    let y = if b.len() > 1 { pad(b[1]) } else { (0.0, 1.0) };
    (x, y)
}

fn plane_axes(target: &Mixture) -> (Axis, Axis) {
    let (x, y) = view_of(target);
    (Axis::linear("x₁", x), Axis::linear("x₂", y))
}

fn time_axis() -> Axis {
    Axis::linear("t   (noise at t = 1 → data at t = 0)", (0.0, 1.0)).reversed()
}

/// Paths from noise to data, coloured by the mode each ends in: the (t, x) plane in 1-D, the
/// plane in 2-D.
pub fn paths_figure(
    target: &Mixture,
    trajectory: &Trajectory,
    title: &str,
    theme: Theme,
) -> Figure {
    Figure {
        title: title.to_owned(),
        panels: vec![paths_panel(target, trajectory, None, theme, true)],
    }
}

/// The panel of [`paths_figure`]; `full` draws thicker marks and a legend.
pub fn paths_panel(
    target: &Mixture,
    trajectory: &Trajectory,
    heading: Option<String>,
    theme: Theme,
    full: bool,
) -> Panel {
    let dim = trajectory.dim;
    let frames = trajectory.frames();
    let n = trajectory.particles;
    let last = if frames > 0 {
        Points::new(dim, trajectory.frame(frames - 1).to_vec())
    } else {
        Points::empty(dim)
    };
    let labels = target.assign(&last);
    let modes = target.components.len();
    let mut lines: Vec<Vec<Vec<[f64; 2]>>> = vec![Vec::new(); modes];
    let mut ends: Vec<Vec<[f64; 2]>> = vec![Vec::new(); modes];
    let mut starts = Vec::with_capacity(n);
    for (i, &label) in labels.iter().enumerate().take(n) {
        let path: Vec<[f64; 2]> = (0..frames)
            .map(|k| {
                let f = trajectory.frame(k);
                if dim == 1 {
                    [f64::from(trajectory.times[k]), f64::from(f[i])]
                } else {
                    [f64::from(f[2 * i]), f64::from(f[2 * i + 1])]
                }
            })
            .collect();
        if let (Some(first), Some(end)) = (path.first(), path.last()) {
            starts.push(*first);
            ends[label].push(*end);
        }
        lines[label].push(path);
    }
    let width = if full { 1.6 } else { 1.5 };
    let mut layers = Vec::new();
    let mut named = false;
    for (mode, group) in lines.into_iter().enumerate() {
        if group.is_empty() {
            continue;
        }
        layers.push(Layer::Lines {
            name: (!named).then(|| "path (colour: the mode it reaches)".to_owned()),
            color: mode_rgb(mode),
            alpha: 0.45,
            width,
            dashed: false,
            lines: group,
        });
        named = true;
    }
    layers.push(Layer::Points {
        name: Some("noise z at t = 1".into()),
        color: theme.neutral(),
        alpha: 0.7,
        radius: if full { 3.5 } else { 2.5 },
        points: starts,
    });
    let mut named = false;
    for (mode, group) in ends.into_iter().enumerate() {
        if group.is_empty() {
            continue;
        }
        layers.push(Layer::Points {
            name: (!named).then(|| "sample at t = 0".to_owned()),
            color: mode_rgb(mode),
            alpha: 0.95,
            radius: if full { 5.0 } else { 3.5 },
            points: group,
        });
        named = true;
    }
    let (x, y) = if dim == 1 {
        let (xr, _) = view_of(target);
        (time_axis(), Axis::linear("x", xr))
    } else {
        plane_axes(target)
    };
    Panel {
        heading,
        heading_color: None,
        x,
        y,
        equal_aspect: dim == 2,
        layers,
        legend: full,
    }
}

/// The density heat map around the view `x × y` (2-D): the view widened to any plot shape
/// from 4:5 to 12:5, so the map fills the plot after equal-aspect fitting (the renderer clips
/// it to the plot); about 170 cells across the wider side.
fn density_layer(target: &Mixture, x: (f64, f64), y: (f64, f64), theme: Theme) -> Layer {
    let ((x, _), (_, y)) = (
        super::layout::equal_aspect(x, y, 2.4),
        super::layout::equal_aspect(x, y, 0.8),
    );
    let nx = 170usize;
    let ny = ((nx as f64) * (y.1 - y.0) / (x.1 - x.0))
        .round()
        .clamp(20.0, 240.0) as usize;
    // Cell centres.
    let cx = (
        x.0 + 0.5 * (x.1 - x.0) / nx as f64,
        x.1 - 0.5 * (x.1 - x.0) / nx as f64,
    );
    let cy = (
        y.0 + 0.5 * (y.1 - y.0) / ny as f64,
        y.1 - 0.5 * (y.1 - y.0) / ny as f64,
    );
    let grid = target.density_grid(cx, cy, nx, ny);
    let max = grid.iter().copied().fold(f64::MIN_POSITIVE, f64::max);
    let dark = theme == Theme::Dark;
    Layer::Heat {
        x_range: x,
        y_range: y,
        nx,
        ny,
        colors: grid
            .iter()
            .map(|&v| density_rgb((v / max) as f32, dark))
            .collect(),
    }
}

/// Samples over the target density: dots coloured by mode on the heat map in 2-D; a
/// histogram under the density curve in 1-D.
pub fn samples_figure(target: &Mixture, samples: &Points, title: &str, theme: Theme) -> Figure {
    let panel = if samples.dim == 1 {
        samples_1d_panel(target, samples, theme)
    } else {
        let (x, y) = plane_axes(target);
        let labels = target.assign(samples);
        let shown = samples.len().min(2000);
        let mut groups: Vec<Vec<[f64; 2]>> = vec![Vec::new(); target.components.len()];
        for (row, &label) in samples.rows().zip(&labels).take(shown) {
            groups[label].push([f64::from(row[0]), f64::from(row[1])]);
        }
        let mut layers = vec![density_layer(target, x.range, y.range, theme)];
        let mut named = false;
        for (mode, pts) in groups.into_iter().enumerate() {
            if pts.is_empty() {
                continue;
            }
            layers.push(Layer::Points {
                name: (!named).then(|| format!("{shown} samples (colour: nearest mode)")),
                color: mode_rgb(mode),
                alpha: 0.85,
                radius: 4.0,
                points: pts,
            });
            named = true;
        }
        Panel {
            heading: None,
            heading_color: None,
            x,
            y,
            equal_aspect: true,
            layers,
            legend: true,
        }
    };
    Figure {
        title: title.to_owned(),
        panels: vec![panel],
    }
}

fn samples_1d_panel(target: &Mixture, samples: &Points, theme: Theme) -> Panel {
    let (xr, _) = view_of(target);
    let bins = 80usize;
    let width = (xr.1 - xr.0) / bins as f64;
    let mut counts = vec![0usize; bins];
    for v in &samples.data {
        let b = ((f64::from(*v) - xr.0) / width).floor();
        if b >= 0.0 && (b as usize) < bins {
            counts[b as usize] += 1;
        }
    }
    let total = samples.len().max(1) as f64;
    let heights: Vec<f64> = counts.iter().map(|&c| c as f64 / (total * width)).collect();
    let density: Vec<[f64; 2]> = (0..=400)
        .map(|i| {
            let x = xr.0 + (xr.1 - xr.0) * i as f64 / 400.0;
            [x, target.density(&[x as f32])]
        })
        .collect();
    let top = heights
        .iter()
        .copied()
        .chain(density.iter().map(|p| p[1]))
        .fold(0.0, f64::max);
    let bar = density_rgb(0.55, theme == Theme::Dark);
    Panel {
        heading: None,
        heading_color: None,
        x: Axis::linear("x", xr),
        y: Axis::linear("density", (0.0, top * 1.1 + 1e-9)),
        equal_aspect: false,
        layers: vec![
            Layer::Bars {
                bars: heights
                    .iter()
                    .enumerate()
                    .map(|(i, &h)| (xr.0 + width * (i as f64 + 0.5), h, bar))
                    .collect(),
                width: width * 0.92,
                values: false,
            },
            Layer::Lines {
                name: Some("target density p(x)".into()),
                color: theme.foreground(),
                alpha: 1.0,
                width: 4.0,
                dashed: false,
                lines: vec![density],
            },
            Layer::Points {
                name: Some(format!("histogram of {} samples", samples.len())),
                color: bar,
                alpha: 1.0,
                radius: 8.0,
                points: Vec::new(),
            },
        ],
        legend: true,
    }
}

/// The velocity field at one time: arrows along −v (the way particles move as t falls) over
/// the density in 2-D; the curve −v(x, t) in 1-D.
pub fn field_figure(target: &Mixture, grid: &VelocityGrid, title: &str, theme: Theme) -> Figure {
    let panel = if grid.points.dim == 1 {
        let pts: Vec<[f64; 2]> = grid
            .points
            .rows()
            .zip(grid.velocities.rows())
            .map(|(x, v)| [f64::from(x[0]), -f64::from(v[0])])
            .collect();
        let (lo, hi) = pts
            .iter()
            .fold((0.0f64, 0.0f64), |(lo, hi), p| (lo.min(p[1]), hi.max(p[1])));
        let pad = 0.1 * (hi - lo).max(1e-6);
        let (xr, _) = view_of(target);
        Panel {
            heading: None,
            heading_color: None,
            x: Axis::linear("x", xr),
            y: Axis::linear("−v(x, t)   (dx as t falls)", (lo - pad, hi + pad)),
            equal_aspect: false,
            layers: vec![
                Layer::HLine {
                    name: None,
                    color: theme.neutral(),
                    y: 0.0,
                },
                Layer::Lines {
                    name: Some(format!("−v(x, t = {:.2})", grid.t)),
                    color: mode_rgb(0),
                    alpha: 1.0,
                    width: 4.0,
                    dashed: false,
                    lines: vec![pts],
                },
            ],
            legend: true,
        }
    } else {
        let (x, y) = plane_axes(target);
        let n = grid.points.len().max(1);
        let per_axis = (n as f64).sqrt().max(2.0);
        let spacing = (x.range.1 - x.range.0) / per_axis;
        let longest = grid
            .velocities
            .rows()
            .map(|v| f64::from(v[0]).hypot(f64::from(v[1])))
            .fold(f64::MIN_POSITIVE, f64::max);
        let scale = 0.9 * spacing / longest;
        let arrows = grid
            .points
            .rows()
            .zip(grid.velocities.rows())
            .map(|(p, v)| {
                let o = [f64::from(p[0]), f64::from(p[1])];
                (
                    o,
                    [
                        o[0] - scale * f64::from(v[0]),
                        o[1] - scale * f64::from(v[1]),
                    ],
                )
            })
            .collect();
        Panel {
            heading: None,
            heading_color: None,
            layers: vec![
                density_layer(target, x.range, y.range, theme),
                Layer::Arrows {
                    name: Some(format!(
                        "−v(x, t = {:.2}), longest scaled to the grid",
                        grid.t
                    )),
                    color: theme.foreground(),
                    arrows,
                },
            ],
            x,
            y,
            equal_aspect: true,
            legend: true,
        }
    };
    Figure {
        title: title.to_owned(),
        panels: vec![panel],
    }
}

/// Loss against the optimiser step, one colour per round, rounds one after another, on a
/// log scale; `live` adds the round in training.
pub fn loss_figure(rounds: &[RoundData<'_>], live: Option<(&str, &[(usize, f32)])>) -> Figure {
    let mut offset = 0usize;
    let mut series = Vec::new();
    for r in rounds {
        series.push((
            r.report.name.clone(),
            round_kind_rgb(&r.report.name),
            r.losses,
            offset,
        ));
        offset += r.losses.last().map_or(0, |l| l.0);
    }
    if let Some((name, losses)) = live.filter(|l| !l.1.is_empty()) {
        series.push((name.to_owned(), round_kind_rgb(name), losses, offset));
        offset += losses.last().map_or(0, |l| l.0);
    }
    let (mut lo, mut hi) = (f64::INFINITY, 0.0f64);
    let mut layers = Vec::new();
    for (name, color, losses, start) in series {
        let pts: Vec<[f64; 2]> = losses
            .iter()
            .filter(|l| l.1 > 0.0 && l.1.is_finite())
            .map(|&(s, l)| [(start + s) as f64, f64::from(l)])
            .collect();
        for p in &pts {
            lo = lo.min(p[1]);
            hi = hi.max(p[1]);
        }
        layers.push(Layer::Lines {
            name: Some(name),
            color,
            alpha: 1.0,
            width: 3.0,
            dashed: false,
            lines: vec![pts],
        });
    }
    if !lo.is_finite() {
        (lo, hi) = (0.1, 1.0);
    }
    Figure {
        title: "Training loss, round after round".into(),
        panels: vec![Panel {
            heading: None,
            heading_color: None,
            x: Axis::linear("optimiser step", (0.0, offset.max(1) as f64)),
            y: Axis::linear("CFM loss  E‖v − (z − x₀)‖²", (lo / 1.3, hi * 1.3))
                .with_scale(Scale::Log10),
            equal_aspect: false,
            layers,
            legend: true,
        }],
    }
}

/// One bar per round, in the round's colour, with its value above it.
///
/// Values that span two decades or more (straightness: diffusion's 9.5 against 3-RF's
/// 0.002) get a log axis, so the small bars stay visible and comparable; the value labels
/// stay either way.
pub fn bars_figure(
    title: &str,
    y_label: &str,
    rounds: &[RoundData<'_>],
    value: impl Fn(&RoundReport) -> Option<f64>,
) -> Figure {
    let mut names = Vec::new();
    let mut bars = Vec::new();
    for r in rounds {
        if let Some(v) = value(r.report).filter(|v| v.is_finite()) {
            bars.push((names.len() as f64, v, round_kind_rgb(&r.report.name)));
            names.push(r.report.name.clone());
        }
    }
    let top = bars.iter().map(|b| b.1).fold(0.0, f64::max);
    let low = bars.iter().map(|b| b.1).fold(f64::INFINITY, f64::min);
    let slots = names.len().max(1) as f64;
    let y = if low > 0.0 && top / low >= 100.0 {
        // Log axis: the smallest bar still stands 0.4 decades tall; room above for labels.
        let lo = low / 2.5;
        let hi = top * 10f64.powf(0.14 * (top / lo).log10());
        Axis::linear(format!("{y_label}   (log scale)"), (lo, hi)).with_scale(Scale::Log10)
    } else {
        let top = if top > 0.0 { top } else { 1.0 };
        Axis::linear(y_label, (0.0, top * 1.18))
    };
    Figure {
        title: title.to_owned(),
        panels: vec![Panel {
            heading: None,
            heading_color: None,
            x: Axis::linear("round", (-0.6, slots - 0.4)).with_scale(Scale::Categories(names)),
            y,
            equal_aspect: false,
            layers: vec![Layer::Bars {
                bars,
                width: 0.6,
                values: true,
            }],
            legend: false,
        }],
    }
}

/// Transport cost `E‖z − x₀‖²` of each round's coupling, with the optimal transport cost
/// dashed when it is known; a round below it by more than its error is named "drift".
pub fn cost_figure(rounds: &[RoundData<'_>], optimum: Option<&OtMinimum>) -> Figure {
    let mut figure = bars_figure(
        "Transport cost of the coupling each round trains on",
        "E‖z − x₀‖²",
        rounds,
        |r| Some(r.coupling_cost),
    );
    if let Some(optimum) = optimum
        && let Some(panel) = figure.panels.first_mut()
    {
        if let Scale::Categories(names) = &mut panel.x.scale {
            for (name, r) in names.iter_mut().zip(rounds) {
                if is_cost_drift(r.report, optimum) {
                    name.push_str(" (drift)");
                }
            }
        }
        panel.y.range.1 = panel.y.range.1.max(optimum.cost * 1.18);
        panel.layers.push(Layer::HLine {
            name: Some(format!(
                "optimal transport cost {}",
                super::render::format_number(optimum.cost)
            )),
            color: Rgb(120, 120, 120),
            y: optimum.cost,
        });
        panel.legend = true;
    }
    figure
}

/// Straightness of each rectified round (0 is a straight path).
pub fn straightness_figure(rounds: &[RoundData<'_>]) -> Figure {
    bars_figure(
        "Straightness: how far paths bend (0 = straight)",
        "S = ∫ E‖(z − x₀) − v‖² dt",
        rounds,
        |r| r.straightness,
    )
}

/// A quality measure against Euler steps.
///
/// A log₂ axis with ticks at the measured step counts, one line per round in its colour with
/// its ± one standard error as a bar at each point, and the floor (what a perfect sampler
/// scores) dashed.
///
/// Stray mass is drawn in percent.
pub fn quality_figure(
    rounds: &[RoundData<'_>],
    measure: Measure,
    floor: Option<Estimate>,
    w2_points: usize,
) -> Figure {
    let scale = if measure == Measure::StrayMass {
        100.0
    } else {
        1.0
    };
    let mut layers = Vec::new();
    let (mut max_steps, mut top) = (1usize, floor.map_or(0.0, |f| f.mean * scale));
    let mut measured = std::collections::BTreeSet::new();
    for r in rounds {
        let se = measure.se_by_steps(r.report);
        let mut bars = Vec::new();
        let pts: Vec<[f64; 2]> = measure
            .by_steps(r.report)
            .iter()
            .map(|(&s, &v)| {
                let (v, e) = (v * scale, se.get(&s).copied().unwrap_or(0.0) * scale);
                max_steps = max_steps.max(s);
                top = top.max(v + e);
                measured.insert(s);
                if e > 0.0 {
                    bars.push(vec![[s as f64, v - e], [s as f64, v + e]]);
                }
                [s as f64, v]
            })
            .collect();
        let color = round_kind_rgb(&r.report.name);
        push_series(&mut layers, r.report.name.clone(), color, false, pts);
        if !bars.is_empty() {
            layers.push(Layer::Lines {
                name: None,
                color,
                alpha: 0.8,
                width: 2.0,
                dashed: false,
                lines: bars,
            });
        }
    }
    if let Some(f) = floor {
        layers.push(Layer::HLine {
            name: Some(format!(
                "floor {} (a perfect sampler)",
                super::render::format_number(f.mean * scale)
            )),
            color: Rgb(120, 120, 120),
            y: f.mean * scale,
        });
    }
    let top = if top > 0.0 { top } else { 1.0 };
    let ticks: Vec<f64> = measured.into_iter().map(|s| s as f64).collect();
    let x = Axis::linear("Euler steps", (0.8, max_steps as f64 * 1.25)).with_scale(Scale::Log2);
    let y_label = match measure {
        Measure::WithinModeW2 => "within-mode W2 (the shape of each mode)",
        Measure::StrayMass => "stray mass (% of points between the modes)",
        Measure::W2 => "W2 to the target",
    };
    Figure {
        title: format!(
            "{} against Euler steps (on {w2_points} points, ± one standard error)",
            match measure {
                Measure::WithinModeW2 => "Within-mode W2",
                Measure::StrayMass => "Stray mass",
                Measure::W2 => "W2",
            }
        ),
        panels: vec![Panel {
            heading: None,
            heading_color: None,
            x: if ticks.is_empty() {
                x
            } else {
                x.with_ticks(ticks)
            },
            y: Axis::linear(y_label, (0.0, top * 1.1)),
            equal_aspect: false,
            layers,
            legend: true,
        }],
    }
}

/// A measured series: a line through its points (when there are two or more, dashed if
/// asked) and the points themselves, named once in the legend (by its line when it has one).
fn push_series(
    layers: &mut Vec<Layer>,
    name: String,
    color: Rgb,
    dashed: bool,
    points: Vec<[f64; 2]>,
) {
    let line = points.len() > 1;
    if line {
        layers.push(Layer::Lines {
            name: Some(name.clone()),
            color,
            alpha: 1.0,
            width: 3.5,
            dashed,
            lines: vec![points.clone()],
        });
    }
    layers.push(Layer::Points {
        name: (!line).then_some(name),
        color,
        alpha: 1.0,
        radius: 8.0,
        points,
    });
}

/// The region every panel of the side-by-side view shares: the extent of every path point
/// of every round (the particles' whole journey), with a 6 % margin. In 1-D the first range
/// is t's.
fn paths_view(rounds: &[(&str, &Trajectory)]) -> Option<((f64, f64), (f64, f64))> {
    let dim = rounds.first()?.1.dim;
    let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
    for (_, tr) in rounds {
        for k in 0..tr.frames() {
            for p in tr.frame(k).chunks(dim.max(1)) {
                for (axis, &v) in p.iter().enumerate().take(2) {
                    let v = f64::from(v);
                    if v.is_finite() {
                        lo[axis] = lo[axis].min(v);
                        hi[axis] = hi[axis].max(v);
                    }
                }
            }
        }
    }
    let pad = |a: usize| {
        if !(lo[a].is_finite() && hi[a].is_finite()) {
            return None;
        }
        let m = 0.06 * (hi[a] - lo[a]).max(1e-3);
        Some((lo[a] - m, hi[a] + m))
    };
    if dim == 1 {
        Some(((0.0, 1.0), pad(0)?))
    } else {
        Some((pad(0)?, pad(1)?))
    }
}

/// The paths of several rounds in a grid shaped for the slide, each under its name and step
/// count in the round's colour, all in one box fitted to the paths they show (so the rounds
/// compare at a glance).
///
/// Pass every round, the distilled student included (its one step).
pub fn side_by_side_figure(
    target: &Mixture,
    rounds: &[(&str, &Trajectory)],
    theme: Theme,
) -> Figure {
    let view = paths_view(rounds);
    Figure {
        title: "Paths straighten round by round".into(),
        panels: rounds
            .iter()
            .map(|(name, tr)| {
                let steps = tr.frames().saturating_sub(1);
                let heading = format!("{name} · {}", steps_text(steps));
                let mut panel = paths_panel(target, tr, Some(heading), theme, false);
                if let Some((x, y)) = view {
                    panel.x.range = x;
                    panel.y.range = y;
                }
                panel.heading_color = Some(round_kind_rgb(name));
                panel
            })
            .collect(),
    }
}

/// `1 step`, `20 steps`.
pub fn steps_text(steps: usize) -> String {
    if steps == 1 {
        "1 step".into()
    } else {
        format!("{steps} steps")
    }
}

/// How classifier-free guidance moves a class's samples.
///
/// Mean distance to the class's centre (solid) and spread (dashed), averaged over the
/// classes, against the guidance scale w, in the guided round's colour, with ticks at the
/// measured scales.
pub fn guidance_figure(report: &crate::pipeline::GuidanceReport) -> Figure {
    let color = round_kind_rgb(crate::pipeline::GUIDED_ROUND);
    let series = [
        ("distance to the class centre", &report.mean_distance, false),
        ("spread (RMS about their mean)", &report.spread, true),
    ];
    let mut layers = Vec::new();
    let mut top: f64 = 0.0;
    for (name, values, dashed) in series {
        let pts: Vec<[f64; 2]> = report
            .scales
            .iter()
            .zip(values.iter())
            .map(|(&w, &v)| {
                top = top.max(v);
                [w, v]
            })
            .collect();
        push_series(&mut layers, name.to_owned(), color, dashed, pts);
    }
    let w_max = report.scales.iter().copied().fold(1.0, f64::max);
    let top = if top > 0.0 { top } else { 1.0 };
    let x = Axis::linear("guidance scale w", (0.0, w_max * 1.05));
    Figure {
        title: format!(
            "Classifier-free guidance: {} samples per class, mean over {} classes",
            report.points,
            report.classes.len()
        ),
        panels: vec![Panel {
            heading: None,
            heading_color: None,
            x: if report.scales.is_empty() {
                x
            } else {
                x.with_ticks(report.scales.clone())
            },
            y: Axis::linear("distance", (0.0, top * 1.1)),
            equal_aspect: false,
            layers,
            legend: true,
        }],
    }
}
