//! The numbers that fall: loss while training, transport cost and straightness per round,
//! W2 against the number of steps.

use eframe::egui::{self, Color32, RichText};
use egui_plot::{Bar, BarChart, HLine, Legend, Line, LineStyle, Plot, Points, VLine};

use super::action::{Action, Chart};
use super::palette::round_color;
use super::received::RunView;
use super::tips;
use crate::worker::RoundView;

/// A chart's title with an Export button at its right.
pub fn chart_title_ui(
    ui: &mut egui::Ui,
    title: &str,
    tip: &str,
    chart: Chart,
    actions: &mut Vec<Action>,
) {
    ui.horizontal(|ui| {
        ui.label(RichText::new(title).strong()).on_hover_text(tip);
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui
                .small_button("Export")
                .on_hover_text(tips::EXPORT_CHART)
                .clicked()
            {
                actions.push(Action::ExportChart(chart));
            }
        });
    });
}

/// The four charts in a row: loss, transport cost, straightness, W2 against steps.
pub fn chart_strip_ui(ui: &mut egui::Ui, run: &RunView, actions: &mut Vec<Action>) {
    let rounds = &run.rounds;
    // The round in progress keeps its loss curve after training, while it is measured.
    let live_name = run.progress.as_ref().map(|p| p.round.as_str());
    let costs: Vec<(usize, &str, f64)> = rounds
        .iter()
        .map(|r| (r.index, r.report.name.as_str(), r.report.coupling_cost))
        .collect();
    let straightness: Vec<(usize, &str, f64)> = rounds
        .iter()
        .filter_map(|r| {
            r.report
                .straightness
                .map(|s| (r.index, r.report.name.as_str(), s))
        })
        .collect();
    ui.columns(4, |cols| {
        chart_title_ui(
            &mut cols[0],
            "Training loss",
            tips::LOSS,
            Chart::Loss,
            actions,
        );
        loss_chart_ui(&mut cols[0], rounds, &run.live_losses, live_name);
        chart_title_ui(
            &mut cols[1],
            "Transport cost",
            tips::COST,
            Chart::Cost,
            actions,
        );
        bars_ui(&mut cols[1], "cost_chart", "E|z − x₀|²", &costs);
        chart_title_ui(
            &mut cols[2],
            "Straightness",
            tips::STRAIGHTNESS,
            Chart::Straightness,
            actions,
        );
        bars_ui(&mut cols[2], "straightness_chart", "S", &straightness);
        chart_title_ui(
            &mut cols[3],
            "W2 against steps",
            tips::W2_STEPS,
            Chart::W2,
            actions,
        );
        w2_chart_ui(&mut cols[3], rounds, run.floor_w2);
    });
}

/// Loss against the optimiser step, one colour per round, on a log scale, with the round in
/// progress (`live`, while it trains and while it is measured) at the end.
fn loss_chart_ui(
    ui: &mut egui::Ui,
    rounds: &[RoundView],
    live: &[(usize, f32)],
    live_name: Option<&str>,
) {
    let mut offset = 0usize;
    let mut series = Vec::new();
    for r in rounds {
        let pts = log_points(&r.losses, offset);
        series.push((r.report.name.clone(), round_color(r.index), pts, offset));
        offset += r.losses.last().map_or(0, |l| l.0);
    }
    if let Some(name) = live_name.filter(|_| !live.is_empty()) {
        series.push((
            name.to_string(),
            round_color(rounds.len()),
            log_points(live, offset),
            offset,
        ));
    }
    Plot::new("loss_chart")
        .legend(Legend::default().position(egui_plot::Corner::LeftBottom))
        .x_axis_label("optimiser step")
        .y_axis_label("loss")
        .y_axis_formatter(|mark, _| format_value(10f64.powf(mark.value)))
        .show(ui, |plot_ui| {
            for (name, color, pts, start) in series {
                if start > 0 {
                    plot_ui.vline(
                        VLine::new("", start as f64)
                            .color(Color32::from_gray(170))
                            .width(1.0),
                    );
                }
                plot_ui.line(Line::new(name, pts).color(color).width(2.0));
            }
        });
}

fn log_points(losses: &[(usize, f32)], offset: usize) -> Vec<[f64; 2]> {
    losses
        .iter()
        .filter(|l| l.1 > 0.0 && l.1.is_finite())
        .map(|&(s, l)| [(offset + s) as f64, f64::from(l).log10()])
        .collect()
}

/// One bar per round, with its value written above it.
fn bars_ui(ui: &mut egui::Ui, id: &str, y_label: &str, values: &[(usize, &str, f64)]) {
    let names: Vec<String> = values.iter().map(|v| short_name(v.1)).collect();
    let top = values.iter().map(|v| v.2).fold(0.0, f64::max);
    let top = if top > 0.0 { top } else { 1.0 };
    Plot::new(id)
        .custom_x_axes(vec![
            egui_plot::AxisHints::new_x().label_spacing(20.0..=30.0),
        ])
        .y_axis_label(y_label)
        .include_y(0.0)
        .include_y(top * 1.2)
        .include_x(-0.7)
        .include_x(values.len() as f64 - 0.3)
        .x_grid_spacer(|input| {
            // One mark per bar, so every round is named under its bar.
            let (lo, hi) = input.bounds;
            (lo.ceil().max(0.0) as i64..=hi.floor() as i64)
                .map(|i| egui_plot::GridMark {
                    value: i as f64,
                    step_size: 1.0,
                })
                .collect()
        })
        .x_axis_formatter(move |mark, _| {
            let i = mark.value.round();
            if (mark.value - i).abs() < 1e-6 && i >= 0.0 {
                names.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .show(ui, |plot_ui| {
            for (k, (index, name, value)) in values.iter().enumerate() {
                let bar = Bar::new(k as f64, *value)
                    .width(0.6)
                    .fill(round_color(*index))
                    .name(name);
                plot_ui.bar_chart(BarChart::new(*name, vec![bar]).color(round_color(*index)));
                plot_ui.text(egui_plot::Text::new(
                    "value",
                    egui_plot::PlotPoint::new(k as f64, *value + top * 0.08),
                    egui::RichText::new(format_value(*value)).size(13.0),
                ));
            }
        });
}

/// A round's name short enough to sit under a narrow bar (the colours match the rounds
/// list): `OT-CFM` → `OT`, `diffusion` → `VP`, `distilled` → `dist`.
fn short_name(name: &str) -> String {
    match name {
        crate::pipeline::OT_CFM_ROUND => "OT".into(),
        crate::pipeline::DIFFUSION_ROUND => "VP".into(),
        _ => name.replacen("distilled", "dist", 1),
    }
}

/// A bar's value in at most five characters, so neighbouring labels do not run together.
fn format_value(v: f64) -> String {
    let a = v.abs();
    if v == 0.0 {
        "0".into()
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else if a >= 0.01 {
        format!("{v:.3}")
    } else {
        format!("{v:.0e}")
    }
}

/// W2 against Euler steps (log-2 axis), one line per round, the metric floor dashed.
fn w2_chart_ui(ui: &mut egui::Ui, rounds: &[RoundView], floor: Option<f64>) {
    Plot::new("w2_chart")
        .legend(Legend::default())
        .x_axis_label("Euler steps")
        .y_axis_label("W2")
        .include_y(0.0)
        .x_axis_formatter(|mark, _| {
            let steps = 2f64.powf(mark.value);
            if (steps - steps.round()).abs() < 1e-6 {
                format!("{}", steps.round())
            } else {
                String::new()
            }
        })
        .show(ui, |plot_ui| {
            for r in rounds {
                let pts: Vec<[f64; 2]> = r
                    .report
                    .w2_by_steps
                    .iter()
                    .map(|(&s, &w)| [(s as f64).log2(), w])
                    .collect();
                let color = round_color(r.index);
                plot_ui.points(
                    Points::new(r.report.name.clone(), pts.clone())
                        .radius(4.0)
                        .color(color)
                        .filled(true),
                );
                plot_ui.line(
                    Line::new(r.report.name.clone(), pts)
                        .color(color)
                        .width(2.0),
                );
            }
            if let Some(f) = floor {
                plot_ui.hline(
                    HLine::new("metric floor", f)
                        .color(Color32::from_gray(90))
                        .style(LineStyle::dashed_loose())
                        .width(1.5),
                );
            }
        });
}
