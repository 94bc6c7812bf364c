//! The left panel: the mixture's components as numbers, and the training settings.

use eframe::egui::{self, DragValue, RichText};

use super::palette::mode_color;
use super::state::Action;
use super::tips;
use crate::flow::TimeSampling;
use crate::pipeline::Settings;
use crate::target::{MAX_COORDINATE, Mixture};

/// One row per component: weight, centre and width per axis. The ranges make invalid values
/// impossible; a mixture whose weights are all zero is flagged next to the table.
pub fn components_ui(
    ui: &mut egui::Ui,
    id: &str,
    target: &mut Mixture,
    selected: &mut Option<usize>,
    actions: &mut Vec<Action>,
) {
    let mut remove = None;
    let max = MAX_COORDINATE;
    egui::Grid::new(id)
        .striped(true)
        .spacing([6.0, 4.0])
        .show(ui, |ui| {
            ui.label("");
            let weight_id = ui.label("weight").id;
            let mean_id = ui
                .label(if target.dim == 1 {
                    "mean"
                } else {
                    "mean x₁, x₂"
                })
                .id;
            let std_id = ui
                .label(if target.dim == 1 {
                    "std"
                } else {
                    "std x₁, x₂"
                })
                .id;
            ui.label("");
            ui.end_row();
            for (i, c) in target.components.iter_mut().enumerate() {
                let label = RichText::new(format!("mode {}", i + 1))
                    .color(mode_color(i))
                    .strong();
                if ui.selectable_label(*selected == Some(i), label).clicked() {
                    *selected = Some(i);
                }
                let mut changed = ui
                    .add(
                        DragValue::new(&mut c.weight)
                            .range(0.0..=100.0)
                            .speed(0.01)
                            .max_decimals(3),
                    )
                    .labelled_by(weight_id)
                    .changed();
                ui.horizontal(|ui| {
                    for m in &mut c.mean {
                        changed |= ui
                            .add(
                                DragValue::new(m)
                                    .range(-max..=max)
                                    .speed(0.05)
                                    .max_decimals(2),
                            )
                            .labelled_by(mean_id)
                            .changed();
                    }
                });
                ui.horizontal(|ui| {
                    for s in &mut c.std {
                        changed |= ui
                            .add(
                                DragValue::new(s)
                                    .range(0.02..=100.0)
                                    .speed(0.01)
                                    .max_decimals(3),
                            )
                            .labelled_by(std_id)
                            .changed();
                    }
                });
                if ui
                    .small_button("x")
                    .on_hover_text("Remove this component")
                    .clicked()
                {
                    remove = Some(i);
                }
                if changed {
                    actions.push(Action::TargetEdited);
                }
                ui.end_row();
            }
        });
    if let Some(i) = remove
        && target.components.len() > 1
    {
        target.components.remove(i);
        *selected = None;
        actions.push(Action::TargetEdited);
    }
    if let Err(err) = target.validate() {
        ui.colored_label(
            egui::Color32::from_rgb(200, 30, 30),
            format!("Invalid: {err}"),
        );
    }
}

/// The training settings, each with its range and tooltip.
pub fn settings_ui(ui: &mut egui::Ui, s: &mut Settings, actions: &mut Vec<Action>) {
    let before = s.clone();
    egui::Grid::new("settings")
        .spacing([8.0, 4.0])
        .show(ui, |ui| {
            row(
                ui,
                "network width",
                tips::WIDTH,
                DragValue::new(&mut s.net.width).range(8..=512),
            );
            row(
                ui,
                "network depth",
                tips::DEPTH,
                DragValue::new(&mut s.net.depth).range(1..=6),
            );
            row(
                ui,
                "batch",
                tips::BATCH,
                DragValue::new(&mut s.train.batch).range(16..=4096),
            );
            row(
                ui,
                "1-RF steps",
                tips::TRAIN_STEPS,
                DragValue::new(&mut s.train.steps)
                    .range(50..=50_000)
                    .speed(10),
            );
            row(
                ui,
                "reflow steps",
                tips::REFLOW_STEPS,
                DragValue::new(&mut s.reflow_steps)
                    .range(50..=50_000)
                    .speed(10),
            );
            row(
                ui,
                "distill steps",
                tips::DISTILL_STEPS,
                DragValue::new(&mut s.distill_steps)
                    .range(50..=50_000)
                    .speed(10),
            );
            row(
                ui,
                "learning rate",
                tips::LEARNING_RATE,
                DragValue::new(&mut s.train.learning_rate)
                    .range(1e-5..=0.1)
                    .speed(1e-4)
                    .max_decimals(5),
            );
            ui.label("time sampling").on_hover_text(tips::TIME_SAMPLING);
            let name = match s.train.time_sampling {
                TimeSampling::Uniform => "uniform",
                TimeSampling::LogitNormal { .. } => "logit-normal (0, 1)",
                TimeSampling::Cosine => "cosine",
            };
            egui::ComboBox::from_id_salt("time_sampling")
                .selected_text(name)
                .show_ui(ui, |ui| {
                    let t = &mut s.train.time_sampling;
                    ui.selectable_value(t, TimeSampling::Uniform, "uniform");
                    ui.selectable_value(
                        t,
                        TimeSampling::LogitNormal {
                            mean: 0.0,
                            std: 1.0,
                        },
                        "logit-normal (0, 1)",
                    );
                    ui.selectable_value(t, TimeSampling::Cosine, "cosine");
                })
                .response
                .on_hover_text(tips::TIME_SAMPLING);
            ui.end_row();
            row(ui, "seed", tips::SEED, DragValue::new(&mut s.seed));
            row(
                ui,
                "reflow pairs",
                tips::REFLOW_PAIRS,
                DragValue::new(&mut s.reflow_pairs)
                    .range(200..=50_000)
                    .speed(10),
            );
            row(
                ui,
                "reflows (Run all)",
                tips::REFLOWS,
                DragValue::new(&mut s.reflows).range(0..=5),
            );
            ui.label("warm start").on_hover_text(tips::WARM_START);
            ui.checkbox(&mut s.warm_start, "")
                .on_hover_text(tips::WARM_START);
            ui.end_row();
        });
    if ui
        .button("Lecture defaults")
        .on_hover_text("Put every setting back to its default.")
        .clicked()
    {
        *s = super::state::lecture_settings();
    }
    if *s != before {
        actions.push(Action::SettingsEdited);
    }
}

fn row(ui: &mut egui::Ui, label: &str, tip: &str, widget: DragValue<'_>) {
    let id = ui.label(label).on_hover_text(tip).id;
    ui.add(widget).labelled_by(id).on_hover_text(tip);
    ui.end_row();
}
