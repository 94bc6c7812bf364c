//! The line charts of the strip: the training loss of every round, and a quality measure
//! against Euler steps with its error bars and floor.

use eframe::egui::{self, Color32};
use egui_plot::{HLine, HoverPosition, Line, LineStyle, Plot, PlotPoint, Points, Text, VLine};

use super::chart_axes::{dense_x_axis, format_value, short_name, spaced_marks, spread_labels};
use super::palette::round_color;
use crate::pipeline::Measure;
use crate::worker::RoundView;

/// Loss against the optimiser step, one colour per round, on a log scale, with the round in
/// progress (`live`, while it trains and while it is measured) at the end; each round's name
/// is written over its stretch of the curve.
pub(super) fn loss_chart_ui(
    ui: &mut egui::Ui,
    id: &str,
    rounds: &[RoundView],
    live: &[(usize, f32)],
    live_name: Option<&str>,
) -> egui::Response {
    let mut offset = 0usize;
    let mut series = Vec::new();
    for r in rounds {
        let pts = log_points(&r.losses, offset);
        series.push((r.report.name.as_str(), pts, offset));
        offset += r.losses.last().map_or(0, |l| l.0);
    }
    if let Some(name) = live_name.filter(|_| !live.is_empty()) {
        series.push((name, log_points(live, offset), offset));
    }
    let top = series
        .iter()
        .flat_map(|s| s.1.iter().map(|p| p[1]))
        .fold(f64::NEG_INFINITY, f64::max);
    Plot::new(("loss_chart", id))
        .custom_x_axes(vec![dense_x_axis().label("optimiser step")])
        .y_axis_label("loss")
        .y_axis_formatter(|mark, _| format_value(10f64.powf(mark.value)))
        .label_formatter(|pos| match pos {
            HoverPosition::NearDataPoint {
                plot_name,
                position: p,
                ..
            } if !plot_name.is_empty() => Some(format!(
                "{plot_name}\nstep {:.0}\nloss {}",
                p.x,
                format_value(10f64.powf(p.y))
            )),
            _ => None,
        })
        .include_y(top + 0.3)
        .show(ui, |plot_ui| {
            let starts: Vec<f64> = series.iter().map(|s| s.2 as f64).collect();
            for (k, (name, pts, start)) in series.into_iter().enumerate() {
                let color = round_color(name);
                // A round's name only where its stretch is wide enough to hold it.
                let next = starts.get(k + 1).copied().unwrap_or(f64::INFINITY);
                let room_px = plot_ui
                    .screen_from_plot(PlotPoint::new(next.min(1e12), 0.0))
                    .x
                    - plot_ui
                        .screen_from_plot(PlotPoint::new(start as f64, 0.0))
                        .x;
                if start > 0 {
                    plot_ui.vline(
                        VLine::new("", start as f64)
                            .color(Color32::from_gray(170))
                            .width(1.0)
                            .allow_hover(false),
                    );
                }
                if room_px > 44.0 {
                    plot_ui.text(
                        Text::new(
                            "",
                            PlotPoint::new(start as f64, top + 0.15),
                            short_name(name),
                        )
                        .color(color)
                        .anchor(egui::Align2::LEFT_BOTTOM),
                    );
                }
                plot_ui.line(Line::new(name, pts).color(color).width(2.0));
            }
        })
        .response
}

fn log_points(losses: &[(usize, f32)], offset: usize) -> Vec<[f64; 2]> {
    losses
        .iter()
        .filter(|l| l.1 > 0.0 && l.1.is_finite())
        .map(|&(s, l)| [(offset + s) as f64, f64::from(l).log10()])
        .collect()
}

/// A round's line on the quality chart: its name, its points (log₂ steps, value) and the
/// standard error of each.
type Series<'a> = (&'a str, Vec<[f64; 2]>, Vec<f64>);

/// Each round's values of `measure` (times `scale`) against log₂ of the step count, with
/// their standard errors.
fn quality_series(rounds: &[RoundView], measure: Measure, scale: f64) -> Vec<Series<'_>> {
    rounds
        .iter()
        .map(|r| {
            let se = measure.se_by_steps(&r.report);
            let (pts, errs) = measure
                .by_steps(&r.report)
                .iter()
                .map(|(&s, &v)| {
                    let e = se.get(&s).copied().unwrap_or(0.0);
                    ([(s as f64).log2(), v * scale], e * scale)
                })
                .unzip();
            (r.report.name.as_str(), pts, errs)
        })
        .collect()
}

/// log₂ of every step count any round measured `measure` at, ascending.
fn measured_steps(rounds: &[RoundView], measure: Measure) -> Vec<f64> {
    let mut measured: Vec<usize> = rounds
        .iter()
        .flat_map(|r| measure.by_steps(&r.report).keys().copied())
        .collect();
    measured.sort_unstable();
    measured.dedup();
    measured.iter().map(|&s| (s as f64).log2()).collect()
}

/// Each line's round name at its right end, at least `gap` apart vertically.
fn end_labels_ui(plot_ui: &mut egui_plot::PlotUi<'_>, series: &[Series<'_>], gap: f64) {
    let ends: Vec<(&str, [f64; 2])> = series
        .iter()
        .filter_map(|(name, pts, _)| Some((*name, *pts.last()?)))
        .collect();
    for (name, at) in spread_labels(ends, gap) {
        plot_ui.text(
            Text::new("", PlotPoint::new(at[0] + 0.15, at[1]), short_name(name))
                .color(round_color(name))
                .anchor(egui::Align2::LEFT_CENTER),
        );
    }
}

/// A quality measure against Euler steps (log-2 axis with a tick at every measured step
/// count), one line per round named at its right end, with ± one standard error as a bar at
/// each point and the floor dashed; hovering reads the values. Stray mass is in percent.
pub(super) fn quality_chart_ui(
    ui: &mut egui::Ui,
    (id, big): (&str, bool),
    rounds: &[RoundView],
    measure: Measure,
    floor: Option<f64>,
) -> egui::Response {
    let scale = if measure == Measure::StrayMass {
        100.0
    } else {
        1.0
    };
    let series = quality_series(rounds, measure, scale);
    let floor = floor.map(|f| f * scale);
    let marks = measured_steps(rounds, measure);
    let x_end = marks.last().copied().unwrap_or(1.0);
    let top = series
        .iter()
        .flat_map(|s| s.1.iter().zip(&s.2).map(|(p, e)| p[1] + e))
        .chain(floor)
        .fold(0.0, f64::max);
    // End labels a text line apart, the gap fixed in data units from the room the plot will
    // have (not from the drawn plot: the labels themselves widen its bounds). Where the
    // lines cannot all be named, the rounds' colours in the rounds row name them.
    let top = if top > 0.0 { top } else { 1.0 };
    let text_px = ui.text_style_height(&egui::TextStyle::Body);
    let plot_px = (ui.available_height() - 3.0 * text_px).max(1.0);
    let gap = (0.1 * top).max(f64::from(1.1 * text_px / plot_px) * 1.1 * top);
    let named = series.len() as f32 * text_px * 1.1 <= plot_px;
    let unit = if measure == Measure::StrayMass {
        " %"
    } else {
        ""
    };
    let label = measure.name();
    let mut plot =
        Plot::new(("quality_chart", id)).custom_x_axes(vec![dense_x_axis().label("Euler steps")]);
    if big {
        // The strip's title already names the measure.
        plot = plot.y_axis_label(format!("{label}{unit}"));
    }
    plot.include_y(0.0)
        .include_y(top * 1.05)
        .include_x(x_end + (x_end * 0.22).max(0.8))
        .x_grid_spacer(move |input| spaced_marks(&marks, &input))
        .x_axis_formatter(|mark, _| format!("{}", 2f64.powf(mark.value).round()))
        .label_formatter(move |pos| match pos {
            HoverPosition::NearDataPoint {
                plot_name,
                position: p,
                ..
            } if !plot_name.is_empty() => Some(format!(
                "{plot_name}\n{} steps\n{label} {}{unit}",
                2f64.powf(p.x).round(),
                format_value(p.y)
            )),
            _ => None,
        })
        .show(ui, |plot_ui| {
            if named {
                end_labels_ui(plot_ui, &series, gap);
            }
            for (name, pts, errs) in series {
                let color = round_color(name);
                for (p, e) in pts.iter().zip(&errs).filter(|(_, e)| **e > 0.0) {
                    plot_ui.line(
                        Line::new("", vec![[p[0], p[1] - e], [p[0], p[1] + e]])
                            .color(color)
                            .width(1.5)
                            .allow_hover(false),
                    );
                }
                plot_ui.points(
                    Points::new(name, pts.clone())
                        .radius(4.0)
                        .color(color)
                        .filled(true),
                );
                plot_ui.line(Line::new(name, pts).color(color).width(2.0));
            }
            if let Some(f) = floor {
                plot_ui.hline(floor_line(f));
                plot_ui.text(
                    Text::new("", PlotPoint::new(x_end * 0.5, f), "floor")
                        .color(Color32::from_gray(110))
                        .anchor(egui::Align2::CENTER_TOP),
                );
            }
        })
        .response
}

/// The dashed grey line at a measure's floor, what a perfect sampler scores.
pub(super) fn floor_line(y: f64) -> HLine {
    HLine::new("floor (a perfect sampler)", y)
        .color(Color32::from_gray(110))
        .style(LineStyle::dashed_loose())
        .width(1.5)
}
