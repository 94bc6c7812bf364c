//! The numbers that fall: loss while training, transport cost and straightness per round,
//! W2 against the number of steps, and the guidance curves. Each chart names its series on
//! the data (no legend box over the lines), shows a hint instead of empty axes, and can be
//! enlarged into the main view.

use eframe::egui::{self, Color32, RichText};
use egui_plot::{
    GridMark, HLine, HoverPosition, Line, LineStyle, Plot, PlotPoint, Points, Text, VLine,
};

use super::action::{Action, Chart};
use super::bar_chart::{Reference, bars_ui};
use super::guidance_panel::guidance_chart_ui;
use super::palette::round_color;
use super::received::RunView;
use super::tips;
use super::view::ViewState;
use crate::pipeline::{Measure, is_cost_drift};
use crate::worker::RoundView;

/// A chart's title with Export and Enlarge buttons at its right.
pub fn chart_title_ui(
    ui: &mut egui::Ui,
    title: &str,
    tip: &str,
    chart: Chart,
    actions: &mut Vec<Action>,
) {
    ui.horizontal(|ui| {
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui
                .small_button("Export")
                .on_hover_text(tips::EXPORT_CHART)
                .clicked()
            {
                actions.push(Action::ExportChart(chart));
            }
            // The title takes what the buttons leave, shortened rather than run under them.
            title_label_ui(ui, title, tip);
        });
    });
}

/// A chart title in the room left of its buttons: shortened with "…" if it must be (the
/// tooltip then has it whole), and recorded for the layout test.
fn title_label_ui(ui: &mut egui::Ui, title: &str, tip: &str) {
    ui.with_layout(egui::Layout::left_to_right(egui::Align::Center), |ui| {
        let text = RichText::new(title).strong();
        let needed = egui::WidgetText::from(text.clone())
            .into_galley(
                ui,
                Some(egui::TextWrapMode::Extend),
                f32::INFINITY,
                egui::TextStyle::Body,
            )
            .size()
            .x;
        super::probe::title(ui.ctx(), title, needed, ui.available_width());
        ui.add(egui::Label::new(text).truncate())
            .on_hover_text(format!("{title}: {tip}"));
    });
}

/// A chart's title on screen: the quality chart names the measure it draws (in the narrow
/// strip the measure alone; its x axis says "Euler steps").
pub fn chart_heading(chart: Chart, measure: Measure, big: bool) -> String {
    let name = match measure {
        Measure::WithinModeW2 => "Within-mode W2",
        Measure::StrayMass => "Stray mass",
        Measure::W2 => "W2",
    };
    match chart {
        Chart::Quality if big => format!("{name} against Euler steps"),
        Chart::Quality => name.into(),
        _ => chart.title().into(),
    }
}

/// The measures the quality chart can draw, as a row of choices.
pub fn measure_choice_ui(ui: &mut egui::Ui, current: Measure, actions: &mut Vec<Action>) {
    for measure in Measure::ALL {
        let tip = match measure {
            Measure::WithinModeW2 => tips::WITHIN_MODE,
            Measure::StrayMass => tips::STRAY,
            Measure::W2 => tips::W2,
        };
        if ui
            .selectable_label(current == measure, measure.name())
            .on_hover_text(tip)
            .clicked()
        {
            actions.push(Action::SetMeasure(measure));
        }
    }
}

/// A strip chart's title with a "⋯" menu: Enlarge (or Back), Export, and for the quality
/// chart the measure it draws.
fn strip_title_ui(
    ui: &mut egui::Ui,
    (chart, measure): (Chart, Measure),
    enlarged: bool,
    actions: &mut Vec<Action>,
) {
    let title = chart_heading(chart, measure, false);
    let tip = chart.tip();
    ui.horizontal(|ui| {
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            ui.menu_button("⋯", |ui| {
                if chart == Chart::Quality {
                    measure_choice_ui(ui, measure, actions);
                    ui.separator();
                }
                let (label, target) = if enlarged {
                    ("Back to the target (Esc)", None)
                } else {
                    ("Show big (C)", Some(chart))
                };
                if ui.button(label).on_hover_text(tips::ENLARGE).clicked() {
                    actions.push(Action::Enlarge(target));
                }
                if ui
                    .button("Export PNG + SVG")
                    .on_hover_text(tips::EXPORT_CHART)
                    .clicked()
                {
                    actions.push(Action::ExportChart(chart));
                }
            })
            .response
            .on_hover_text("Show this chart big, or export it.");
            title_label_ui(ui, &title, tip);
        });
    });
}

/// The charts of the strip: loss, cost, straightness, W2, and guidance once there is a
/// guided round.
fn strip_charts(run: &RunView) -> Vec<Chart> {
    let mut charts = vec![
        Chart::Loss,
        Chart::Cost,
        Chart::Straightness,
        Chart::Quality,
    ];
    if run.rounds.iter().any(|r| r.report.guidance.is_some()) {
        charts.push(Chart::Guidance);
    }
    charts
}

/// The charts in a row, each with its title, Enlarge and Export.
pub fn chart_strip_ui(
    ui: &mut egui::Ui,
    run: &RunView,
    view: &ViewState,
    actions: &mut Vec<Action>,
) {
    let charts = strip_charts(run);
    ui.columns(charts.len(), |cols| {
        for (col, chart) in cols.iter_mut().zip(charts) {
            let enlarged = view.enlarged == Some(chart);
            strip_title_ui(col, (chart, view.measure), enlarged, actions);
            // A chart the lecturer clicks becomes the big picture.
            if chart_ui(col, chart, run, view, false).is_some_and(|r| r.clicked()) {
                actions.push(Action::Enlarge((!enlarged).then_some(chart)));
            }
        }
    });
}

/// One chart, filling `ui` (`big` when it is the main view's picture); its plot's response.
pub fn chart_ui(
    ui: &mut egui::Ui,
    chart: Chart,
    run: &RunView,
    view: &ViewState,
    big: bool,
) -> Option<egui::Response> {
    let rounds = &run.rounds;
    let live = run.progress.as_ref().map(|p| p.round.as_str());
    let empty = match chart {
        Chart::Loss => rounds.is_empty() && run.live_losses.is_empty(),
        Chart::Guidance => !rounds.iter().any(|r| r.report.guidance.is_some()),
        _ => rounds.is_empty(),
    };
    if empty {
        hint_ui(ui, chart.empty_hint());
        return None;
    }
    let id = if big { "big" } else { "strip" };
    let response = match chart {
        Chart::Loss => loss_chart_ui(ui, id, rounds, &run.live_losses, live),
        Chart::Cost => {
            let costs: Vec<(&str, f64)> = rounds
                .iter()
                .map(|r| (r.report.name.as_str(), r.report.coupling_cost))
                .collect();
            let reference = run.ot_minimum.as_ref().map(|optimum| Reference {
                value: optimum.cost,
                name: "optimal transport cost",
                below: rounds
                    .iter()
                    .map(|r| is_cost_drift(&r.report, optimum))
                    .collect(),
            });
            bars_ui(
                ui,
                &format!("cost_{id}"),
                "E|z − x₀|²",
                &costs,
                false,
                reference.as_ref(),
            )
        }
        Chart::Straightness => {
            let values: Vec<(&str, f64)> = rounds
                .iter()
                .filter_map(|r| r.report.straightness.map(|s| (r.report.name.as_str(), s)))
                .collect();
            // From curved 1-RF (≈ 2) to straight 3-RF (≈ 0.002) and the diffusion path (≈ 10):
            // a log axis keeps every bar visible.
            let spread = values.iter().map(|v| v.1).fold(0.0, f64::max)
                / values
                    .iter()
                    .map(|v| v.1)
                    .filter(|v| *v > 0.0)
                    .fold(f64::INFINITY, f64::min);
            bars_ui(
                ui,
                &format!("straight_{id}"),
                "S",
                &values,
                spread > 30.0,
                None,
            )
        }
        Chart::Quality => quality_chart_ui(
            ui,
            (id, big),
            rounds,
            view.measure,
            run.floors.map(|f| view.measure.floor(&f).mean),
        ),
        Chart::Guidance => {
            let report = rounds.iter().find_map(|r| r.report.guidance.as_ref())?;
            guidance_chart_ui(ui, report, &view.guidance)
        }
        _ => return None,
    };
    Some(response)
}

/// An x axis whose tick labels may sit close together (one per bar, one per measured step
/// count), instead of `egui_plot`'s default spacing, which hides most of them.
fn dense_x_axis() -> egui_plot::AxisHints<'static> {
    egui_plot::AxisHints::new_x().label_spacing(20.0..=30.0)
}

/// Grid marks at `values` (measured step counts, guidance scales, ascending): the first and
/// the last always, the others left out where closer than five of `egui_plot`'s smallest
/// visible steps (about 30 screen points) to the mark kept before or to the last, so tick
/// labels never run together on a narrow chart. Each mark's
/// step size is its distance to its nearest kept neighbour: `egui_plot` draws a label only
/// where that distance on screen holds it (a fixed step size of 1 hid "100" beside "20").
pub(super) fn spaced_marks(values: &[f64], input: &egui_plot::GridInput) -> Vec<GridMark> {
    let gap = 5.0 * input.base_step_size;
    let mut kept: Vec<f64> = Vec::new();
    if let Some((&last, rest)) = values.split_last() {
        for &value in rest {
            if kept.last().is_none_or(|&before| value - before >= gap) && last - value >= gap {
                kept.push(value);
            }
        }
        kept.push(last);
    }
    let span = (input.bounds.1 - input.bounds.0).abs();
    (0..kept.len())
        .map(|i| {
            let before = i.checked_sub(1).map(|j| kept[i] - kept[j]);
            let after = kept.get(i + 1).map(|next| next - kept[i]);
            let step_size = match (before, after) {
                (Some(a), Some(b)) => a.min(b),
                (Some(d), None) | (None, Some(d)) => d,
                (None, None) => span,
            };
            GridMark {
                value: kept[i],
                step_size,
            }
        })
        .collect()
}

/// Labels at the ends of lines, moved apart vertically (sorted by height, each at least
/// `gap` above the one below) so names of lines that end close together do not overlap.
fn spread_labels(mut labels: Vec<(&str, [f64; 2])>, gap: f64) -> Vec<(&str, [f64; 2])> {
    labels.sort_by(|a, b| a.1[1].total_cmp(&b.1[1]));
    let mut floor = f64::NEG_INFINITY;
    for (_, at) in &mut labels {
        at[1] = at[1].max(floor + gap);
        floor = at[1];
    }
    labels
}

/// A short line where a chart has nothing to show yet.
fn hint_ui(ui: &mut egui::Ui, text: &str) {
    ui.centered_and_justified(|ui| {
        ui.weak(text);
    });
}

/// Loss against the optimiser step, one colour per round, on a log scale, with the round in
/// progress (`live`, while it trains and while it is measured) at the end; each round's name
/// is written over its stretch of the curve.
fn loss_chart_ui(
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

/// A round's name short enough to sit under a narrow bar (the colours match the rounds
/// list): `OT-CFM` → `OT`, `diffusion` → `VP`, `distilled` → `dist`.
pub(super) fn short_name(name: &str) -> String {
    match name {
        crate::pipeline::OT_CFM_ROUND => "OT".into(),
        crate::pipeline::DIFFUSION_ROUND => "VP".into(),
        _ => name.replacen("distilled", "dist", 1),
    }
}

/// A value in at most five characters, so neighbouring labels do not run together.
pub(super) fn format_value(v: f64) -> String {
    let a = v.abs();
    if v == 0.0 {
        "0".into()
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else if a >= 0.001 {
        // Plain decimals down to a thousandth: a class reads "0.007", not "7e-3".
        format!("{v:.3}")
    } else {
        format!("{v:.0e}")
    }
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
fn quality_chart_ui(
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
                plot_ui.hline(
                    HLine::new("floor (a perfect sampler)", f)
                        .color(Color32::from_gray(110))
                        .style(LineStyle::dashed_loose())
                        .width(1.5),
                );
                plot_ui.text(
                    Text::new("", PlotPoint::new(x_end * 0.5, f), "floor")
                        .color(Color32::from_gray(110))
                        .anchor(egui::Align2::CENTER_TOP),
                );
            }
        })
        .response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_in_plain_decimals_down_to_a_thousandth() {
        let shown: Vec<String> = [9.57, 2.32, 0.02, 0.007, 0.002, 0.0004, 123.4]
            .iter()
            .map(|&v| format_value(v))
            .collect();
        assert_eq!(
            shown,
            ["9.57", "2.32", "0.020", "0.007", "0.002", "4e-4", "123"]
        );
    }

    #[test]
    fn marks_keep_their_neighbours_distance_and_leave_out_crowded_ones() {
        let input = egui_plot::GridInput {
            bounds: (0.0, 8.0),
            base_step_size: 0.1,
        };
        // log2 of 1, 2, 4, 8, 20, 50, 100, at least 0.5 apart: all kept.
        let values: Vec<f64> = [1.0f64, 2.0, 4.0, 8.0, 20.0, 50.0, 100.0]
            .iter()
            .map(|v| v.log2())
            .collect();
        let marks = spaced_marks(&values, &input);
        assert_eq!(marks.len(), 7);
        let last = marks.last().unwrap();
        assert!((last.step_size - (100f64.log2() - 50f64.log2())).abs() < 1e-12);
        // A narrower chart (gaps of at least 1.2) keeps the ends and what fits between.
        let narrow = egui_plot::GridInput {
            bounds: (0.0, 8.0),
            base_step_size: 0.24,
        };
        let kept: Vec<f64> = spaced_marks(&values, &narrow)
            .iter()
            .map(|m| 2f64.powf(m.value).round())
            .collect();
        assert_eq!(kept, [1.0, 4.0, 20.0, 100.0]);
    }
}
