//! A mixture's components as a table of numbers (the target's and the source's).

use eframe::egui::{self, DragValue, RichText};

use super::action::Action;
use super::palette::mode_color;
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
