//! The training settings as a form, each with the engine's own range and a tooltip.

use eframe::egui::{self, DragValue};

use super::action::Action;
use super::tips;
use crate::flow::{BATCH_RANGE, DEPTH_RANGE, STEPS_RANGE, TimeSampling, WIDTH_RANGE};
use crate::pipeline::{REFLOW_PAIRS_RANGE, REFLOWS_RANGE, Settings};

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
                DragValue::new(&mut s.net.width).range(WIDTH_RANGE),
            );
            row(
                ui,
                "network depth",
                tips::DEPTH,
                DragValue::new(&mut s.net.depth).range(DEPTH_RANGE),
            );
            row(
                ui,
                "batch",
                tips::BATCH,
                DragValue::new(&mut s.train.batch).range(BATCH_RANGE),
            );
            row(
                ui,
                "1-RF steps",
                tips::TRAIN_STEPS,
                DragValue::new(&mut s.train.steps)
                    .range(STEPS_RANGE)
                    .speed(10),
            );
            row(
                ui,
                "reflow steps",
                tips::REFLOW_STEPS,
                DragValue::new(&mut s.reflow_steps)
                    .range(STEPS_RANGE)
                    .speed(10),
            );
            row(
                ui,
                "distill steps",
                tips::DISTILL_STEPS,
                DragValue::new(&mut s.distill_steps)
                    .range(STEPS_RANGE)
                    .speed(10),
            );
            row(
                ui,
                "learning rate",
                tips::LEARNING_RATE,
                DragValue::new(&mut s.train.learning_rate)
                    .range(1e-6..=1.0)
                    .speed(1e-4)
                    .max_decimals(5),
            );
            time_sampling_ui(ui, &mut s.train.time_sampling);
            row(ui, "seed", tips::SEED, DragValue::new(&mut s.seed));
            row(
                ui,
                "reflow pairs",
                tips::REFLOW_PAIRS,
                DragValue::new(&mut s.reflow_pairs)
                    .range(REFLOW_PAIRS_RANGE)
                    .speed(10),
            );
            row(
                ui,
                "reflows (Run all)",
                tips::REFLOWS,
                DragValue::new(&mut s.reflows).range(REFLOWS_RANGE),
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

/// The choice of how training picks t, as a row of the form.
fn time_sampling_ui(ui: &mut egui::Ui, t: &mut TimeSampling) {
    ui.label("time sampling").on_hover_text(tips::TIME_SAMPLING);
    let name = match t {
        TimeSampling::Uniform => "uniform",
        TimeSampling::LogitNormal { .. } => "logit-normal (0, 1)",
        TimeSampling::Cosine => "cosine",
    };
    egui::ComboBox::from_id_salt("time_sampling")
        .selected_text(name)
        .show_ui(ui, |ui| {
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
}

/// One labelled number of the form.
fn row(ui: &mut egui::Ui, label: &str, tip: &str, widget: DragValue<'_>) {
    let id = ui.label(label).on_hover_text(tip).id;
    ui.add(widget).labelled_by(id).on_hover_text(tip);
    ui.end_row();
}
