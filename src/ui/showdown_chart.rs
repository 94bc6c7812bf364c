//! The showdown: every round's within-mode W2 at 1, 2 and 4 steps above the network
//! evaluations it cost to make (log axis). The cheapest route to a given quality is the
//! leftmost dot at that height.

use eframe::egui;
use egui_plot::{HoverPosition, Line, Plot, PlotPoint, Points, Text};

use super::chart_axes::format_value;
use super::palette::round_color;
use crate::export::{SHOWDOWN_STEPS, short_count, showdown_places};
use crate::pipeline::RoundKind;
use crate::worker::RoundView;

/// A round's name, its evaluations, and its `(point, steps)` dots.
type Series<'a> = (&'a str, f64, Vec<([f64; 2], usize)>);

/// Dot radius of 1, 2 and 4 steps.
const RADII: [f32; 3] = [7.0, 4.5, 3.0];

/// True once a round that samples in few steps by design (a student, a shortcut or
/// `MeanFlow` model) is trained: then the showdown joins the chart strip.
pub fn has_few_step_round(rounds: &[RoundView]) -> bool {
    rounds.iter().any(|r| {
        matches!(
            r.kind,
            RoundKind::Distilled
                | RoundKind::Consistency
                | RoundKind::Shortcut
                | RoundKind::MeanFlow
        )
    })
}

/// The chart; its plot's response.
pub fn showdown_chart_ui(
    ui: &mut egui::Ui,
    (id, big): (&str, bool),
    rounds: &[RoundView],
    floor: Option<f64>,
) -> egui::Response {
    let series = series(rounds);
    let floor = floor.filter(|f| *f > 0.0).map(f64::log10);
    let ys = || {
        series
            .iter()
            .flat_map(|s| s.2.iter().map(|p| p.0[1]))
            .chain(floor)
    };
    let (bottom, top) = (
        ys().fold(f64::INFINITY, f64::min),
        ys().fold(f64::NEG_INFINITY, f64::max),
    );
    let (lo, hi) = series.iter().fold((f64::INFINITY, 0.0_f64), |(lo, hi), s| {
        (lo.min(s.1.log10()), hi.max(s.1.log10()))
    });
    let mut plot = Plot::new(("showdown_chart", id))
        .x_axis_formatter(|mark, _| short_count(10f64.powf(mark.value).round() as u64))
        .y_axis_formatter(|mark, _| format_value(10f64.powf(mark.value)));
    if bottom.is_finite() {
        plot = plot.include_y(bottom - 0.1).include_y(top + 0.1);
    }
    if lo.is_finite() {
        plot = plot.include_x(lo - 0.3).include_x(hi + 0.3);
    }
    if big {
        plot = plot
            .x_axis_label("network evaluations to make the round (log)")
            .y_axis_label("within-mode W2 (log)");
    }
    plot.label_formatter(|pos| match pos {
        HoverPosition::NearDataPoint {
            plot_name,
            position: p,
            ..
        } if !plot_name.is_empty() => Some(format!(
            "{plot_name}\nwithin-mode W2 {}\nmade with {} evaluations",
            format_value(10f64.powf(p.y)),
            short_count(10f64.powf(p.x).round() as u64)
        )),
        _ => None,
    })
    .show(ui, |plot_ui| {
        for (name, _, pts) in &series {
            let color = round_color(name);
            if pts.len() > 1 {
                plot_ui.line(
                    Line::new("", pts.iter().map(|p| p.0).collect::<Vec<_>>())
                        .color(color.gamma_multiply(0.6))
                        .width(1.5)
                        .allow_hover(false),
                );
            }
            for (k, &(p, steps)) in pts.iter().enumerate() {
                let label = if steps == 1 {
                    format!("{name}, 1 step")
                } else {
                    format!("{name}, {steps} steps")
                };
                plot_ui.points(
                    Points::new(label, vec![p])
                        .radius(RADII[k.min(2)])
                        .color(color)
                        .filled(true),
                );
            }
            // Names beside the dots only when big: the strip's cell is too small for them
            // (the hover and the rounds row name the colours there).
            if let Some((first, _)) = pts.first().filter(|_| big) {
                plot_ui.text(
                    Text::new("", PlotPoint::new(first[0], first[1]), format!("  {name}"))
                        .color(color)
                        .anchor(egui::Align2::LEFT_CENTER),
                );
            }
        }
        if let Some(f) = floor {
            plot_ui.hline(super::line_charts::floor_line(f));
        }
    })
    .response
}

/// Each compared round's name, cost and dots: x is log₁₀ of the evaluations (rounds of equal
/// cost side by side), y log₁₀ of within-mode W2.
fn series(rounds: &[RoundView]) -> Vec<Series<'_>> {
    showdown_places(rounds.iter().map(|r| &r.report))
        .into_iter()
        .map(|(report, place)| {
            let x = place.log10();
            let pts = SHOWDOWN_STEPS
                .iter()
                .filter_map(|&s| {
                    // Log: 1-RF's one step (about 3.6) and the best (about 0.1) both read.
                    report
                        .within_mode_w2_at(s)
                        .filter(|w| *w > 0.0)
                        .map(|w| ([x, w.log10()], s))
                })
                .collect();
            (report.name.as_str(), place, pts)
        })
        .collect()
}
