//! The panels of the window, one `_ui` function each.

use eframe::egui::{self, Button, Color32, ProgressBar, RichText};

use super::charts::{bars_ui, loss_chart_ui, w2_chart_ui};
use super::editor::{Overlay, editor_ui};
use super::export::chart_title_ui;
use super::panels::{components_ui, settings_ui};
use super::paths::{PathsStyle, paths_ui};
use super::state::{Action, Chart, GuidanceControls, Selection};
use super::{FlowlabApp, palette, tips};
use crate::flow::Solver;
use crate::pipeline::{DIFFUSION_ROUND, GUIDED_ROUND, OT_CFM_ROUND, Phase};
use crate::target::presets::PRESETS;

impl FlowlabApp {
    /// Presets, file, the run's buttons and its progress.
    pub(super) fn toolbar_ui(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        ui.add_space(4.0);
        ui.horizontal_wrapped(|ui| {
            ui.heading(RichText::new("flowlab").strong());
            ui.separator();
            let current = self
                .persisted
                .preset
                .clone()
                .unwrap_or_else(|| "custom".into());
            let label = ui.label("target").id;
            egui::ComboBox::from_id_salt("preset")
                .selected_text(current)
                .width(220.0)
                .show_ui(ui, |ui| {
                    for p in PRESETS {
                        if ui
                            .selectable_label(
                                self.persisted.preset.as_deref() == Some(p.name),
                                p.name,
                            )
                            .on_hover_text(p.description())
                            .clicked()
                        {
                            actions.push(Action::Preset(p.name.to_string()));
                        }
                    }
                })
                .response
                .labelled_by(label)
                .on_hover_text(tips::PRESET);
            ui.separator();
            let busy = self.is_busy();
            let paused = self.worker.as_ref().is_some_and(|w| w.is_paused());
            let has_rounds = !self.run.rounds.is_empty();
            if busy && !paused {
                if ui
                    .add(Button::new("Pause"))
                    .on_hover_text(tips::PAUSE)
                    .clicked()
                {
                    actions.push(Action::Pause);
                }
            } else if paused {
                if ui
                    .add(Button::new("Resume"))
                    .on_hover_text(tips::PAUSE)
                    .clicked()
                {
                    actions.push(Action::Play);
                }
            } else if ui
                .add_enabled(!has_rounds || self.needs_new_run, Button::new("Train"))
                .on_hover_text(tips::PLAY)
                .on_disabled_hover_text(
                    "1-RF is trained: press Reflow, Distill, or Reset to start over.",
                )
                .clicked()
            {
                actions.push(Action::Play);
            }
            if ui
                .add_enabled(busy, Button::new("Stop"))
                .on_hover_text(tips::STOP)
                .clicked()
            {
                actions.push(Action::Stop);
            }
            if ui.button("Reset").on_hover_text(tips::RESET).clicked() {
                actions.push(Action::Reset);
            }
            ui.separator();
            let can_follow = (has_rounds && !self.needs_new_run) || busy;
            if ui
                .add_enabled(can_follow, Button::new("Reflow"))
                .on_hover_text(tips::REFLOW)
                .clicked()
            {
                actions.push(Action::Reflow);
            }
            if ui
                .add_enabled(can_follow, Button::new("Distill"))
                .on_hover_text(tips::DISTILL)
                .clicked()
            {
                actions.push(Action::Distill);
            }
            if ui.button("Run all").on_hover_text(tips::RUN_ALL).clicked() {
                actions.push(Action::RunAll);
            }
            ui.separator();
            let fresh = self.needs_new_run || busy;
            let has = |name: &str| self.run.rounds.iter().any(|r| r.report.name == name);
            // The comparisons, each trained once per run from fresh weights.
            let comparisons = [
                ("OT-CFM", OT_CFM_ROUND, tips::OT_CFM, Action::OtCfm),
                (
                    "Diffusion",
                    DIFFUSION_ROUND,
                    tips::DIFFUSION,
                    Action::Diffusion,
                ),
                ("Guidance", GUIDED_ROUND, tips::GUIDED, Action::Guided),
            ];
            for (label, round, tip, action) in comparisons {
                if ui
                    .add_enabled(fresh || !has(round), Button::new(label))
                    .on_hover_text(tip)
                    .on_disabled_hover_text(format!(
                        "'{round}' is trained: select it in the rounds list."
                    ))
                    .clicked()
                {
                    actions.push(action);
                }
            }
            ui.separator();
            self.progress_ui(ui);
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui
                    .button("Help (F1)")
                    .on_hover_text("List the keyboard shortcuts.")
                    .clicked()
                {
                    self.show_help = !self.show_help;
                }
                if ui
                    .selectable_label(self.persisted.presentation, "Presentation (P)")
                    .on_hover_text(tips::PRESENTATION)
                    .clicked()
                {
                    self.persisted.presentation = !self.persisted.presentation;
                }
                let label = if self.persisted.dark {
                    "Light theme"
                } else {
                    "Dark theme"
                };
                if ui
                    .button(label)
                    .on_hover_text("Switch the colour theme.")
                    .clicked()
                {
                    self.persisted.dark = !self.persisted.dark;
                }
            });
        });
        ui.add_space(4.0);
    }

    fn progress_ui(&self, ui: &mut egui::Ui) {
        let paused = self.worker.as_ref().is_some_and(|w| w.is_paused());
        let (fraction, text) = match &self.run.progress {
            Some(p) => {
                let unit = match p.phase {
                    Phase::Train => "step",
                    Phase::Pairs => "pairs",
                    Phase::Evaluate => "measuring",
                };
                let left = match p.seconds_left() {
                    Some(s) if !paused => format!(" · {s:.0} s left"),
                    _ => String::new(),
                };
                let state = if paused { " · paused" } else { "" };
                let text = if p.phase == Phase::Evaluate {
                    format!("{} · measuring{state}", p.round)
                } else {
                    format!("{} · {} {}/{}{left}{state}", p.round, unit, p.done, p.total)
                };
                (p.fraction(), text)
            }
            None if self.is_busy() => (0.0, "starting…".to_string()),
            None => (0.0, "idle".to_string()),
        };
        ui.add(ProgressBar::new(fraction).desired_width(360.0).text(text))
            .on_hover_text(tips::PROGRESS);
    }

    pub(super) fn status_ui(&self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| match &self.status {
            Some(s) if s.error => {
                ui.colored_label(Color32::from_rgb(200, 30, 30), s.text.clone());
            }
            Some(s) => {
                ui.label(&s.text);
            }
            None => {
                ui.weak("t = 1 is noise, t = 0 is data · x_t = t·z + (1 − t)·x₀ · the network learns v ≈ z − x₀");
            }
        });
    }

    /// The components table, load/save and the settings.
    pub(super) fn left_ui(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        egui::ScrollArea::vertical().show(ui, |ui| {
            ui.heading("Target").on_hover_text(tips::COMPONENTS);
            ui.label(format!(
                "{}-D mixture of {} Gaussian{}",
                self.persisted.target.dim,
                self.persisted.target.components.len(),
                if self.persisted.target.components.len() == 1 {
                    ""
                } else {
                    "s"
                }
            ));
            components_ui(
                ui,
                "target_components",
                &mut self.persisted.target,
                &mut self.editor.selected,
                actions,
            );
            ui.add_space(6.0);
            ui.horizontal(|ui| {
                ui.add(
                    egui::TextEdit::singleline(&mut self.persisted.target_path)
                        .desired_width(150.0),
                )
                .on_hover_text("Path of the target file to load or save.");
                if ui.button("Load").on_hover_text(tips::LOAD).clicked() {
                    actions.push(Action::LoadTarget);
                }
                if ui.button("Save").on_hover_text(tips::SAVE).clicked() {
                    actions.push(Action::SaveTarget);
                }
            });
            ui.add_space(8.0);
            egui::CollapsingHeader::new("Source (t = 1)")
                .default_open(self.persisted.settings.source.is_some())
                .show(ui, |ui| self.source_ui(ui, actions))
                .header_response
                .on_hover_text(tips::SOURCE);
            ui.add_space(4.0);
            egui::CollapsingHeader::new("Export and sessions")
                .default_open(true)
                .show(ui, |ui| self.export_ui(ui, actions))
                .header_response
                .on_hover_text(tips::EXPORT_SECTION);
            ui.add_space(4.0);
            egui::CollapsingHeader::new("Settings")
                .default_open(false)
                .show(ui, |ui| {
                    settings_ui(ui, &mut self.persisted.settings, actions)
                })
                .header_response
                .on_hover_text(tips::SETTINGS);
        });
    }

    /// Where the flow starts: N(0, I), or a second mixture (a preset, then edited here or on
    /// the canvas) that the flow transports to the target.
    fn source_ui(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        let dim = self.persisted.target.dim;
        let mut from_mixture = self.persisted.settings.source.is_some();
        if ui
            .checkbox(&mut from_mixture, "start from a mixture, not N(0, I)")
            .on_hover_text(tips::SOURCE)
            .changed()
        {
            self.persisted.settings.source = if from_mixture {
                // Something visibly different from the target to start with.
                let name = if dim == 1 { "unequal-1d" } else { "moons" };
                crate::target::presets::preset(name).ok()
            } else {
                self.edit_source = false;
                None
            };
            actions.push(Action::SettingsEdited);
        }
        let Some(source) = self.persisted.settings.source.as_mut() else {
            return;
        };
        egui::ComboBox::from_id_salt("source_preset")
            .selected_text("load a preset…")
            .show_ui(ui, |ui| {
                for (name, m) in PRESETS
                    .iter()
                    .filter_map(|p| p.mixture().ok().map(|m| (p.name, m)))
                    .filter(|(_, m)| m.dim == dim)
                {
                    if ui.selectable_label(false, name).clicked() {
                        *source = m;
                        actions.push(Action::SettingsEdited);
                    }
                }
            });
        ui.checkbox(&mut self.edit_source, "edit the source on the canvas")
            .on_hover_text("The big canvas shows and edits the source instead of the target.");
        let mut edits = Vec::new();
        components_ui(
            ui,
            "source_components",
            source,
            &mut self.source_selected,
            &mut edits,
        );
        actions.extend(edits.into_iter().map(source_edit));
    }

    /// Rounds, step count, solver, the quality of the picture, the scrubber.
    pub(super) fn view_controls_ui(&mut self, ui: &mut egui::Ui) {
        ui.heading("Rounds").on_hover_text(tips::ROUNDS);
        if self.is_busy() {
            let live = self.selection == Selection::Live;
            if ui
                .selectable_label(live, "live (training)")
                .on_hover_text(tips::LIVE)
                .clicked()
            {
                self.selection = Selection::Live;
            }
        }
        for r in &self.run.rounds {
            let text = RichText::new(r.report.name.clone()).color(palette::round_color(r.index));
            if ui
                .selectable_label(self.selection == Selection::Round(r.index), text)
                .on_hover_text(tips::ROUNDS)
                .clicked()
            {
                self.selection = Selection::Round(r.index);
            }
        }
        if self.run.rounds.is_empty() && !self.is_busy() {
            ui.weak("None yet: press Train.");
        }
        ui.checkbox(&mut self.side_by_side, "side by side")
            .on_hover_text(tips::SIDE_BY_SIDE);
        ui.separator();

        ui.add(
            egui::Slider::new(&mut self.persisted.steps, 1..=100)
                .logarithmic(true)
                .text("steps"),
        )
        .on_hover_text(tips::STEPS);
        ui.horizontal(|ui| {
            ui.label("solver").on_hover_text(tips::SOLVER);
            egui::ComboBox::from_id_salt("solver")
                .selected_text(self.persisted.solver.name())
                .show_ui(ui, |ui| {
                    for s in Solver::ALL {
                        ui.selectable_value(&mut self.persisted.solver, s, s.name());
                    }
                })
                .response
                .on_hover_text(tips::SOLVER);
        });
        self.quality_ui(ui);
        ui.separator();
        if let Selection::Round(i) = self.selection
            && !self.side_by_side
            && let Some(report) = self
                .run
                .rounds
                .get(i)
                .and_then(|r| r.report.guidance.as_ref())
        {
            guidance_ui(ui, &mut self.guidance, report);
            ui.separator();
        }

        ui.label("time t").on_hover_text(tips::SCRUBBER);
        ui.horizontal(|ui| {
            let label = if self.scrub_playing { "Pause" } else { "Play" };
            if ui
                .button(label)
                .on_hover_text("Play the particles from noise to data.")
                .clicked()
            {
                if !self.scrub_playing && self.scrub_t <= 0.0 {
                    self.scrub_t = 1.0;
                }
                self.scrub_playing = !self.scrub_playing;
            }
            ui.add(egui::Slider::new(&mut self.scrub_t, 1.0..=0.0).fixed_decimals(2))
                .on_hover_text(tips::SCRUBBER);
        });
        ui.checkbox(&mut self.show_field, "velocity field at t")
            .on_hover_text(tips::FIELD);
        ui.checkbox(&mut self.show_coupling, "training pairs")
            .on_hover_text(tips::COUPLING);
    }

    /// W2 and mode coverage of the picture on screen.
    fn quality_ui(&self, ui: &mut egui::Ui) {
        let picture = self.run.picture(self.selection);
        let current = picture
            .filter(|p| p.steps == self.persisted.steps && p.solver == self.persisted.solver);
        let floor = self.run.floor_w2;
        match (current, self.active_guidance()) {
            (Some(p), Some((class, w))) => {
                // One class's samples: compare them with their mode, not with the target.
                let (d, spread) = self
                    .persisted
                    .target
                    .components
                    .get(class)
                    .map_or((f64::NAN, f64::NAN), |c| {
                        crate::pipeline::distance_and_spread(&p.samples, &c.mean)
                    });
                ui.label(
                    RichText::new(format!("mode {} at w = {w:.2}", class + 1))
                        .size(18.0)
                        .strong(),
                );
                ui.label(
                    RichText::new(format!("distance to centre {d:.3} · spread {spread:.3}"))
                        .size(16.0),
                )
                .on_hover_text(tips::GUIDANCE_CHART);
            }
            (Some(p), None) => {
                let floor_text = floor
                    .map(|f| format!("  (floor {f:.3})"))
                    .unwrap_or_default();
                ui.label(
                    RichText::new(match p.w2 {
                        Some(w2) => format!("W2 = {w2:.3}{floor_text}"),
                        None => format!("W2 = … (measuring){floor_text}"),
                    })
                    .size(18.0)
                    .strong(),
                )
                .on_hover_text(tips::W2);
                ui.label(RichText::new(format!("mode coverage TV = {:.3}", p.mode_tv)).size(16.0))
                    .on_hover_text(tips::COVERAGE);
            }
            (None, _) if picture.is_some() => {
                ui.label("W2 = … (sampling)").on_hover_text(tips::W2);
                ui.label("mode coverage TV = …")
                    .on_hover_text(tips::COVERAGE);
            }
            (None, _) => {
                ui.label("W2 = —").on_hover_text(tips::W2);
                ui.label("mode coverage TV = —")
                    .on_hover_text(tips::COVERAGE);
            }
        }
    }

    /// Editor and paths (or every round side by side).
    pub(super) fn main_view_ui(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        let dim = self.persisted.target.dim;
        if self.side_by_side && !self.run.rounds.is_empty() {
            chart_title_ui(
                ui,
                "Every round side by side",
                tips::SIDE_BY_SIDE,
                Chart::SideBySide,
                actions,
            );
            self.side_by_side_ui(ui);
            return;
        }
        // Borrowed from the run view only, so the editor can take the target mutably.
        let picture = self.run.picture(self.selection);
        let paths_view = self.paths_view();
        let style = PathsStyle {
            id: "paths".into(),
            view: paths_view,
            generation: self.view_generation,
            t: self.scrub_t,
            compact: false,
            coupling: if self.show_coupling {
                self.coupling_lines()
            } else {
                Vec::new()
            },
        };
        let title = match self.selection {
            Selection::Live if self.run.live.is_some() => "live model".to_string(),
            Selection::Live => self
                .run
                .rounds
                .last()
                .map_or("no model yet".into(), |r| r.report.name.clone()),
            Selection::Round(i) => self
                .run
                .rounds
                .get(i)
                .map_or(String::new(), |r| r.report.name.clone()),
        };
        ui.columns(2, |cols| {
            chart_title_ui(
                &mut cols[0],
                "Target density and samples",
                if dim == 1 {
                    tips::EDITOR_1D
                } else {
                    tips::EDITOR_2D
                },
                Chart::Samples,
                actions,
            );
            match self.persisted.settings.source.as_mut() {
                Some(source) if self.edit_source => {
                    cols[0].label(
                        RichText::new("Editing the source (t = 1); untick it in the left panel.")
                            .color(palette::SOURCE),
                    );
                    let mut edits = Vec::new();
                    editor_ui(
                        &mut cols[0],
                        source,
                        None,
                        Overlay::default(),
                        self.persisted.dark,
                        &mut self.source_editor,
                        &mut edits,
                    );
                    actions.extend(edits.into_iter().map(source_edit));
                }
                source => {
                    // Your data in grey and the source, if any, outlined in its own colour.
                    let overlay = Overlay {
                        data: self.data_fit.as_ref().map(|d| &d.1),
                        outline: source.map(|m| (&*m, palette::SOURCE)),
                    };
                    editor_ui(
                        &mut cols[0],
                        &mut self.persisted.target,
                        picture,
                        overlay,
                        self.persisted.dark,
                        &mut self.editor,
                        actions,
                    )
                }
            }
            let steps = picture.map_or(self.persisted.steps, |p| p.steps);
            let paths_chart = if self.show_field {
                Chart::Field
            } else {
                Chart::Paths
            };
            chart_title_ui(
                &mut cols[1],
                &format!("Paths from noise to data · {title} · {steps} steps"),
                if dim == 1 {
                    tips::PATHS_1D
                } else {
                    tips::PATHS_2D
                },
                paths_chart,
                actions,
            );
            paths_ui(&mut cols[1], dim, picture, &style);
        });
    }

    fn side_by_side_ui(&self, ui: &mut egui::Ui) {
        let rounds = &self.run.rounds;
        let cols = if rounds.len() <= 4 {
            rounds.len().min(2)
        } else {
            3
        };
        let rows = rounds.len().div_ceil(cols);
        let height = (ui.available_height() / rows as f32 - 8.0).max(120.0);
        let view = self.paths_view();
        for chunk in rounds.chunks(cols) {
            ui.columns(cols, |columns| {
                for (col, r) in columns.iter_mut().zip(chunk) {
                    let picture = self.run.pictures.get(&r.index);
                    let quality = picture
                        .map(|p| match p.w2 {
                            Some(w2) => format!(" · {} steps · W2 {w2:.3}", p.steps),
                            None => format!(" · {} steps", p.steps),
                        })
                        .unwrap_or_default();
                    col.label(
                        RichText::new(format!("{}{quality}", r.report.name))
                            .strong()
                            .color(palette::round_color(r.index)),
                    )
                    .on_hover_text(tips::SIDE_BY_SIDE);
                    let style = PathsStyle {
                        id: format!("compare{}", r.index),
                        view,
                        generation: self.view_generation,
                        t: self.scrub_t,
                        compact: true,
                        coupling: Vec::new(),
                    };
                    col.allocate_ui(egui::vec2(col.available_width(), height - 24.0), |ui| {
                        paths_ui(ui, self.persisted.target.dim, picture, &style);
                    });
                }
            });
        }
    }

    /// The four charts in a row.
    pub(super) fn charts_ui(&self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        let rounds = &self.run.rounds;
        // The round in progress keeps its loss curve after training, while it is measured.
        let live_name = self.run.progress.as_ref().map(|p| p.round.as_str());
        let costs: Vec<(usize, String, f64)> = rounds
            .iter()
            .map(|r| (r.index, r.report.name.clone(), r.report.coupling_cost))
            .collect();
        let straightness: Vec<(usize, String, f64)> = rounds
            .iter()
            .filter_map(|r| {
                r.report
                    .straightness
                    .map(|s| (r.index, r.report.name.clone(), s))
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
            loss_chart_ui(&mut cols[0], rounds, &self.run.live_losses, live_name);
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
            w2_chart_ui(&mut cols[3], rounds, self.run.floor_w2);
        });
    }
}

/// An edit of the source is a change of the settings, not of the target.
fn source_edit(action: Action) -> Action {
    match action {
        Action::TargetEdited => Action::SettingsEdited,
        other => other,
    }
}

/// Classifier-free guidance on the selected class-conditional round: the class, the scale w
/// (samples redrawn as it moves) and the measured distance/spread against w.
fn guidance_ui(
    ui: &mut egui::Ui,
    controls: &mut GuidanceControls,
    report: &crate::pipeline::GuidanceReport,
) {
    ui.checkbox(&mut controls.on, "guided sampling")
        .on_hover_text(tips::GUIDED);
    if !controls.on {
        return;
    }
    let classes = report.classes.len().max(1);
    controls.class = controls.class.min(classes - 1);
    ui.horizontal(|ui| {
        ui.label("class");
        egui::ComboBox::from_id_salt("guidance_class")
            .selected_text(
                RichText::new(format!("mode {}", controls.class + 1))
                    .color(palette::mode_color(controls.class)),
            )
            .show_ui(ui, |ui| {
                for k in 0..classes {
                    ui.selectable_value(
                        &mut controls.class,
                        k,
                        RichText::new(format!("mode {}", k + 1)).color(palette::mode_color(k)),
                    );
                }
            });
    });
    ui.add(
        egui::Slider::new(&mut controls.w, 0.0..=8.0)
            .step_by(0.25)
            .text("w"),
    )
    .on_hover_text(tips::GUIDANCE_W);
    if let Some(class) = report.classes.get(controls.class) {
        guidance_chart_ui(ui, report, class, controls.w);
    }
}

/// Distance to the class centre and spread against w for one class (solid) and the mean over
/// classes (faint), with the slider's w dashed.
fn guidance_chart_ui(
    ui: &mut egui::Ui,
    report: &crate::pipeline::GuidanceReport,
    class: &crate::pipeline::ClassGuidance,
    w: f32,
) {
    use egui_plot::{Legend, Line, Plot, VLine};
    let series = |values: &[f64]| -> Vec<[f64; 2]> {
        report
            .scales
            .iter()
            .zip(values)
            .map(|(&s, &v)| [s, v])
            .collect()
    };
    let (distance, spread) = (palette::round_color(0), palette::round_color(1));
    Plot::new("guidance_chart")
        .height(170.0)
        .legend(Legend::default().position(egui_plot::Corner::LeftTop))
        .x_axis_label("w")
        .include_y(0.0)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .show(ui, |plot_ui| {
            plot_ui.line(
                Line::new("distance to centre", series(&class.mean_distance))
                    .color(distance)
                    .width(2.5),
            );
            plot_ui.line(
                Line::new("spread", series(&class.spread))
                    .color(spread)
                    .width(2.5),
            );
            plot_ui.line(
                Line::new("all classes", series(&report.mean_distance))
                    .color(palette::faded(distance, 90))
                    .width(1.5),
            );
            plot_ui
                .vline(VLine::new("w", f64::from(w)).style(egui_plot::LineStyle::dashed_loose()));
        })
        .response
        .on_hover_text(tips::GUIDANCE_CHART);
}
