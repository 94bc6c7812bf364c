//! The numbers that fall: loss while training, transport cost and straightness per round,
//! W2 against the number of steps, and the guidance curves. Each chart names its series on
//! the data (no legend box over the lines), shows a hint instead of empty axes, and can be
//! enlarged into the main view.

use eframe::egui::{self, RichText};

use super::line_charts::{loss_chart_ui, quality_chart_ui};

use super::action::{Action, Chart};
use super::bar_chart::{Reference, bars_ui};
use super::guidance_panel::guidance_chart_ui;
use super::received::RunView;
use super::tips;
use super::view::ViewState;
use crate::pipeline::{Measure, is_cost_drift};

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
/// strip the measure alone; its x axis says "Euler steps"), the showdown is "Showdown" in
/// the strip.
pub fn chart_heading(chart: Chart, measure: Measure, big: bool) -> String {
    let name = match measure {
        Measure::WithinModeW2 => "Within-mode W2",
        Measure::StrayMass => "Stray mass",
        Measure::W2 => "W2",
    };
    match chart {
        Chart::Quality if big => format!("{name} against Euler steps"),
        Chart::Quality => name.into(),
        // The strip's columns are narrow: its tooltip says the rest.
        Chart::Showdown if !big => "Showdown".into(),
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
    if super::showdown_chart::has_few_step_round(&run.rounds) {
        charts.push(Chart::Showdown);
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
        Chart::Showdown => super::showdown_chart::showdown_chart_ui(
            ui,
            (id, big),
            rounds,
            run.floors.map(|f| Measure::WithinModeW2.floor(&f).mean),
        ),
        _ => return None,
    };
    Some(response)
}

/// A short line where a chart has nothing to show yet.
fn hint_ui(ui: &mut egui::Ui, text: &str) {
    ui.centered_and_justified(|ui| {
        ui.weak(text);
    });
}
