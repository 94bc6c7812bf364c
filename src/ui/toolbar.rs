//! The toolbar: target presets, the run's buttons, its progress, theme, presentation, help.

use eframe::egui::{self, Button, ProgressBar, RichText};

use super::action::Action;
use super::run::RunState;
use super::state::Persisted;
use super::tips;
use crate::pipeline::{DIFFUSION_ROUND, GUIDED_ROUND, OT_CFM_ROUND, Phase};
use crate::target::presets::PRESETS;

/// Presets, the run's buttons and its progress, and on the right the window's switches.
pub fn toolbar_ui(
    ui: &mut egui::Ui,
    persisted: &Persisted,
    run: &RunState,
    actions: &mut Vec<Action>,
) {
    ui.add_space(4.0);
    ui.horizontal_wrapped(|ui| {
        ui.heading(RichText::new("flowlab").strong());
        ui.separator();
        preset_menu_ui(ui, persisted, actions);
        ui.separator();
        run_buttons_ui(ui, run, actions);
        ui.separator();
        comparison_buttons_ui(ui, run, actions);
        ui.separator();
        progress_ui(ui, run);
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            window_switches_ui(ui, persisted, actions);
        });
    });
    ui.add_space(4.0);
}

fn preset_menu_ui(ui: &mut egui::Ui, persisted: &Persisted, actions: &mut Vec<Action>) {
    let current = persisted.preset.as_deref().unwrap_or("custom");
    let label = ui.label("target").id;
    egui::ComboBox::from_id_salt("preset")
        .selected_text(current)
        .width(220.0)
        .show_ui(ui, |ui| {
            for p in PRESETS {
                if ui
                    .selectable_label(persisted.preset.as_deref() == Some(p.name), p.name)
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
}

/// Train / Pause / Resume, Stop, Reset, Reflow, Distill, Run all.
fn run_buttons_ui(ui: &mut egui::Ui, run: &RunState, actions: &mut Vec<Action>) {
    let busy = run.is_busy();
    let paused = run.is_paused();
    let has_rounds = !run.view.rounds.is_empty();
    let button = |ui: &mut egui::Ui, enabled: bool, label: &str, tip: &str| {
        ui.add_enabled(enabled, Button::new(label))
            .on_hover_text(tip)
            .clicked()
    };
    if busy && !paused {
        if button(ui, true, "Pause", tips::PAUSE) {
            actions.push(Action::Pause);
        }
    } else if paused {
        if button(ui, true, "Resume", tips::PAUSE) {
            actions.push(Action::Play);
        }
    } else if ui
        .add_enabled(!has_rounds || run.needs_new_run, Button::new("Train"))
        .on_hover_text(tips::PLAY)
        .on_disabled_hover_text("1-RF is trained: press Reflow, Distill, or Reset to start over.")
        .clicked()
    {
        actions.push(Action::Play);
    }
    let can_follow = (has_rounds && !run.needs_new_run) || busy;
    for (enabled, label, tip, action) in [
        (busy, "Stop", tips::STOP, Action::Stop),
        (true, "Reset", tips::RESET, Action::Reset),
        (can_follow, "Reflow", tips::REFLOW, Action::Reflow),
        (can_follow, "Distill", tips::DISTILL, Action::Distill),
        (true, "Run all", tips::RUN_ALL, Action::RunAll),
    ] {
        if label == "Reflow" {
            ui.separator();
        }
        if button(ui, enabled, label, tip) {
            actions.push(action);
        }
    }
}

/// The comparisons, each trained once per run from fresh weights.
fn comparison_buttons_ui(ui: &mut egui::Ui, run: &RunState, actions: &mut Vec<Action>) {
    let fresh = run.needs_new_run || run.is_busy();
    let has = |name: &str| run.view.rounds.iter().any(|r| r.report.name == name);
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
}

/// The phase running now, with the time left at the speed so far.
fn progress_ui(ui: &mut egui::Ui, run: &RunState) {
    let paused = run.is_paused();
    let (fraction, text) = match &run.view.progress {
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
        None if run.is_busy() => (0.0, "starting…".to_string()),
        None => (0.0, "idle".to_string()),
    };
    ui.add(ProgressBar::new(fraction).desired_width(360.0).text(text))
        .on_hover_text(tips::PROGRESS);
}

/// Help, presentation mode and the theme, right-aligned.
fn window_switches_ui(ui: &mut egui::Ui, persisted: &Persisted, actions: &mut Vec<Action>) {
    if ui
        .button("Help (F1)")
        .on_hover_text("List the keyboard shortcuts.")
        .clicked()
    {
        actions.push(Action::ToggleHelp);
    }
    if ui
        .selectable_label(persisted.presentation, "Presentation (P)")
        .on_hover_text(tips::PRESENTATION)
        .clicked()
    {
        actions.push(Action::TogglePresentation);
    }
    let label = if persisted.dark {
        "Light theme"
    } else {
        "Dark theme"
    };
    if ui
        .button(label)
        .on_hover_text("Switch the colour theme.")
        .clicked()
    {
        actions.push(Action::ToggleTheme);
    }
}
