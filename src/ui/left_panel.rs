//! The left panel: the target's components and file, the source (t = 1), exports and
//! sessions, and the training settings.

use eframe::egui;

use super::action::Action;
use super::components_table::components_ui;
use super::editing::Editing;
use super::keeping::Keeping;
use super::runs;
use super::settings_form::settings_ui;
use super::state::Persisted;
use super::{export, tips};
use crate::target::presets::PRESETS;

/// The panel, scrolling when it is taller than the window.
pub fn left_panel_ui(
    ui: &mut egui::Ui,
    persisted: &mut Persisted,
    editing: &mut Editing,
    keep: &Keeping,
    actions: &mut Vec<Action>,
) {
    let dialogs = keep.dialogs.enabled();
    egui::ScrollArea::vertical().show(ui, |ui| {
        target_section_ui(ui, persisted, editing, dialogs, actions);
        ui.add_space(8.0);
        egui::CollapsingHeader::new("Runs")
            .default_open(true)
            .show(ui, |ui| runs::runs_list_ui(ui, &keep.runs, actions))
            .header_response
            .on_hover_text(runs::RUNS_TIP);
        ui.add_space(8.0);
        egui::CollapsingHeader::new("Source (t = 1)")
            .default_open(persisted.settings.source.is_some())
            .show(ui, |ui| source_ui(ui, persisted, editing, actions))
            .header_response
            .on_hover_text(tips::SOURCE);
        ui.add_space(4.0);
        egui::CollapsingHeader::new("Export and sessions")
            .default_open(true)
            .show(ui, |ui| {
                export::export_section_ui(ui, persisted, dialogs, actions);
            })
            .header_response
            .on_hover_text(tips::EXPORT_SECTION);
        ui.add_space(4.0);
        egui::CollapsingHeader::new("Settings")
            .default_open(false)
            .show(ui, |ui| settings_ui(ui, &mut persisted.settings, actions))
            .header_response
            .on_hover_text(tips::SETTINGS);
    });
}

/// The target's components as numbers, and its file.
fn target_section_ui(
    ui: &mut egui::Ui,
    persisted: &mut Persisted,
    editing: &mut Editing,
    dialogs: bool,
    actions: &mut Vec<Action>,
) {
    ui.heading("Target").on_hover_text(tips::COMPONENTS);
    let n = persisted.target.components.len();
    ui.label(format!(
        "{}-D mixture of {n} Gaussian{}",
        persisted.target.dim,
        if n == 1 { "" } else { "s" }
    ));
    components_ui(
        ui,
        "target_components",
        &mut persisted.target,
        &mut editing.target.selected,
        actions,
    );
    ui.add_space(6.0);
    export::path_row_ui(
        ui,
        None,
        &mut persisted.target_path,
        dialogs,
        "Path of the target file to load or save (or of a CSV of points to fit).",
        |ui| {
            if ui.button("Load").on_hover_text(tips::LOAD).clicked() {
                actions.push(Action::LoadTarget);
            }
            if ui.button("Save").on_hover_text(tips::SAVE).clicked() {
                actions.push(Action::SaveTarget);
            }
            // Without dialogs a CSV's path goes in the box and Load fits it.
            if dialogs
                && ui
                    .button("Data…")
                    .on_hover_text("Fit a target to a CSV of points (one point per row).")
                    .clicked()
            {
                actions.push(Action::LoadData);
            }
        },
    );
}

/// Where the flow starts: N(0, I), or a second mixture (a preset, then edited here or on
/// the canvas) that the flow transports to the target.
fn source_ui(
    ui: &mut egui::Ui,
    persisted: &mut Persisted,
    editing: &mut Editing,
    actions: &mut Vec<Action>,
) {
    let dim = persisted.target.dim;
    let mut from_mixture = persisted.settings.source.is_some();
    if ui
        .checkbox(&mut from_mixture, "start from a mixture, not N(0, I)")
        .on_hover_text(tips::SOURCE)
        .changed()
    {
        // Something visibly different from the target to start with.
        let name = if dim == 1 { "unequal-1d" } else { "moons" };
        actions.push(Action::SetSource(from_mixture.then(|| name.to_owned())));
    }
    let Some(source) = persisted.settings.source.as_mut() else {
        return;
    };
    egui::ComboBox::from_id_salt("source_preset")
        .selected_text("load a preset…")
        .show_ui(ui, |ui| {
            for p in PRESETS {
                let same_dim = p.mixture().is_ok_and(|m| m.dim == dim);
                if same_dim && ui.selectable_label(false, p.name).clicked() {
                    actions.push(Action::SetSource(Some(p.name.to_owned())));
                }
            }
        });
    ui.checkbox(&mut editing.edit_source, "edit the source on the canvas")
        .on_hover_text("The big canvas shows and edits the source instead of the target.");
    let mut edits = Vec::new();
    components_ui(
        ui,
        "source_components",
        source,
        &mut editing.source_selected,
        &mut edits,
    );
    actions.extend(edits.into_iter().map(source_edit));
}

/// An edit of the source is a change of the settings, not of the target.
pub fn source_edit(action: Action) -> Action {
    match action {
        Action::TargetEdited => Action::SettingsEdited,
        other => other,
    }
}
