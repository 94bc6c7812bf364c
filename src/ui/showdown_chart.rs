//! The showdown: every round's within-mode W2 at 1, 2 and 4 steps above the network
//! evaluations it cost to make (log axis). The cheapest route to a given quality is the
//! leftmost dot at that height.

use eframe::egui::{self, Color32};
use egui_plot::{HLine, HoverPosition, Line, LineStyle, Plot, PlotPoint, Points, Text};

use super::chart_axes::format_value;
use super::palette::round_color;
use crate::export::{SHOWDOWN_STEPS, short_count};
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
    let mut seen: Vec<u64> = Vec::new();
    let series: Vec<Series<'_>> = rounds
        .iter()
        .filter(|r| r.report.network_evaluations > 0)
        .map(|r| {
            // Rounds of equal cost side by side (as in the exported figure).
            let same = seen
                .iter()
                .filter(|&&c| c == r.report.network_evaluations)
                .count();
            seen.push(r.report.network_evaluations);
            let x = (r.report.network_evaluations as f64).log10() + 0.025 * same as f64;
            let pts = SHOWDOWN_STEPS
                .iter()
                .filter_map(|&s| r.report.within_mode_w2_at(s).map(|w| ([x, w], s)))
                .collect();
            (
                r.report.name.as_str(),
                r.report.network_evaluations as f64,
                pts,
            )
        })
        .collect();
    let top = series
        .iter()
        .flat_map(|s| s.2.iter().map(|p| p.0[1]))
        .chain(floor)
        .fold(0.0, f64::max);
    let (lo, hi) = series.iter().fold((f64::INFINITY, 0.0_f64), |(lo, hi), s| {
        (lo.min(s.1.log10()), hi.max(s.1.log10()))
    });
    let mut plot = Plot::new(("showdown_chart", id))
        .x_axis_formatter(|mark, _| short_count(10f64.powf(mark.value).round() as u64))
        .include_y(0.0)
        .include_y(top.max(1e-3) * 1.1);
    if lo.is_finite() {
        plot = plot.include_x(lo - 0.3).include_x(hi + 0.3);
    }
    if big {
        plot = plot
            .x_axis_label("network evaluations to make the round (log)")
            .y_axis_label("within-mode W2");
    }
    plot.label_formatter(|pos| match pos {
        HoverPosition::NearDataPoint {
            plot_name,
            position: p,
            ..
        } if !plot_name.is_empty() => Some(format!(
            "{plot_name}\nwithin-mode W2 {}\nmade with {} evaluations",
            format_value(p.y),
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
            if let Some((first, _)) = pts.first() {
                plot_ui.text(
                    Text::new("", PlotPoint::new(first[0], first[1]), format!("  {name}"))
                        .color(color)
                        .anchor(egui::Align2::LEFT_CENTER),
                );
            }
        }
        if let Some(f) = floor {
            plot_ui.hline(
                HLine::new("floor (a perfect sampler)", f)
                    .color(Color32::from_gray(110))
                    .style(LineStyle::dashed_loose())
                    .width(1.5),
            );
        }
    })
    .response
}
