//! The toolbar: target presets, the run's buttons, its progress, theme, presentation, help.

use eframe::egui::{self, Button, ProgressBar};

use super::action::Action;
use super::keeping::Keeping;
use super::run::RunState;
use super::state::Persisted;
use super::tips;
use crate::pipeline::{
    CONSISTENCY_ROUND, DIFFUSION_ROUND, GUIDED_ROUND, MEANFLOW_ROUND, OT_CFM_ROUND, Phase,
    SHORTCUT_ROUND,
};
use crate::target::presets::PRESETS;

/// Presets, the run's buttons and its progress, and on the right the window's switches.
pub fn toolbar_ui(
    ui: &mut egui::Ui,
    persisted: &Persisted,
    run: &RunState,
    keep: &Keeping,
    side_open: bool,
    actions: &mut Vec<Action>,
) {
    ui.add_space(4.0);
    // Presentation text, or a window narrower than the full toolbar (a 1280×720 projector):
    // arrows for Undo/Redo, a narrower preset menu and progress bar, so it keeps one row.
    let compact = persisted.presentation || ui.available_width() < 1400.0;
    ui.horizontal_wrapped(|ui| {
        let menu = if compact { "☰" } else { "☰ Controls" };
        if ui
            .selectable_label(side_open, menu)
            .on_hover_text(tips::CONTROLS)
            .clicked()
        {
            actions.push(Action::ToggleControls);
        }
        ui.separator();
        undo_buttons_ui(ui, keep, compact, actions);
        preset_menu_ui(ui, persisted, compact, actions);
        super::runs::runs_menu_ui(ui, &keep.runs, actions);
        ui.separator();
        run_buttons_ui(ui, persisted, run, actions);
        ui.separator();
        ui.menu_button("Compare ▾", |ui| comparison_buttons_ui(ui, run, actions))
            .response
            .on_hover_text(tips::COMPARE);
        ui.separator();
        progress_ui(ui, run, compact);
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            window_switches_ui(ui, persisted, actions);
        });
    });
    ui.add_space(4.0);
}

/// Undo and Redo, their tooltips saying what they would undo or redo (arrows only in
/// presentation mode, where the larger text leaves the toolbar no room for the words).
fn undo_buttons_ui(ui: &mut egui::Ui, keep: &Keeping, compact: bool, actions: &mut Vec<Action>) {
    let history = &keep.history;
    let undo = history.undo_label();
    let (undo_text, redo_text) = if compact {
        ("↶", "↷")
    } else {
        ("Undo", "Redo")
    };
    if ui
        .add_enabled(undo.is_some(), Button::new(undo_text))
        .on_hover_text(format!("Undo {} (Ctrl+Z).", undo.unwrap_or_default()))
        .on_disabled_hover_text("Nothing to undo: edits of the target, source and settings can be undone here (Ctrl+Z).")
        .clicked()
    {
        actions.push(Action::Undo);
    }
    let redo = history.redo_label();
    if ui
        .add_enabled(redo.is_some(), Button::new(redo_text))
        .on_hover_text(format!(
            "Redo {} (Ctrl+Shift+Z or Ctrl+Y).",
            redo.unwrap_or_default()
        ))
        .on_disabled_hover_text("Nothing to redo.")
        .clicked()
    {
        actions.push(Action::Redo);
    }
    ui.separator();
}

fn preset_menu_ui(
    ui: &mut egui::Ui,
    persisted: &Persisted,
    compact: bool,
    actions: &mut Vec<Action>,
) {
    let current = persisted.preset.as_deref().unwrap_or("custom");
    let label = ui.label("target").id;
    egui::ComboBox::from_id_salt("preset")
        .selected_text(current)
        .width(if compact { 130.0 } else { 150.0 })
        .show_ui(ui, |ui| {
            for p in PRESETS {
                if ui
                    .selectable_label(persisted.preset.as_deref() == Some(p.name), p.name)
                    .on_hover_text(p.description())
                    .clicked()
                {
                    actions.push(Action::Preset(p.name.to_owned()));
                }
            }
        })
        .response
        .labelled_by(label)
        .on_hover_text(tips::PRESET);
}

/// Train / Pause / Resume, Stop, Reset, Reflow, Distill, Run all. What cannot run is
/// disabled, and its tooltip says why.
fn run_buttons_ui(
    ui: &mut egui::Ui,
    persisted: &Persisted,
    run: &RunState,
    actions: &mut Vec<Action>,
) {
    let invalid = persisted
        .target
        .validate()
        .err()
        .map(|e| format!("Fix the target first: {e}"))
        .or_else(|| {
            persisted
                .settings
                .validate()
                .err()
                .map(|e| format!("Fix the settings first: {e}"))
        });
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
        .add_enabled(
            invalid.is_none() && (!has_rounds || run.needs_new_run),
            Button::new("Train"),
        )
        .on_hover_text(tips::PLAY)
        .on_disabled_hover_text(
            invalid
                .as_deref()
                .unwrap_or("1-RF is trained: press Reflow, Distill, or Reset to start over."),
        )
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
        (invalid.is_none(), "Run all", tips::RUN_ALL, Action::RunAll),
    ] {
        if label == "Reflow" {
            ui.separator();
        }
        let response = ui
            .add_enabled(enabled, Button::new(label))
            .on_hover_text(tip);
        let response = match (&invalid, label) {
            (Some(why), "Run all") => response.on_disabled_hover_text(why.as_str()),
            _ => response,
        };
        if response.clicked() {
            actions.push(action);
        }
    }
}

/// The comparisons, each trained once per run: the consistency student from 1-RF (so only
/// once there is one), the others from fresh weights.
fn comparison_buttons_ui(ui: &mut egui::Ui, run: &RunState, actions: &mut Vec<Action>) {
    let fresh = run.needs_new_run || run.is_busy();
    let has = |name: &str| run.view.rounds.iter().any(|r| r.report.name == name);
    let has_flow = !run.view.rounds.is_empty() && !run.needs_new_run;
    let comparisons = [
        ("OT-CFM", OT_CFM_ROUND, tips::OT_CFM, Action::OtCfm, true),
        (
            "Diffusion",
            DIFFUSION_ROUND,
            tips::DIFFUSION,
            Action::Diffusion,
            true,
        ),
        ("Guidance", GUIDED_ROUND, tips::GUIDED, Action::Guided, true),
        (
            "Consistency",
            CONSISTENCY_ROUND,
            tips::CONSISTENCY,
            Action::Consistency,
            has_flow || run.is_busy(),
        ),
        (
            "Shortcut",
            SHORTCUT_ROUND,
            tips::SHORTCUT,
            Action::Shortcut,
            true,
        ),
        (
            "MeanFlow",
            MEANFLOW_ROUND,
            tips::MEANFLOW,
            Action::MeanFlow,
            true,
        ),
    ];
    for (label, round, tip, action, possible) in comparisons {
        let why = if possible {
            format!("'{round}' is trained: select it in the rounds list.")
        } else {
            "Train 1-RF first: the consistency student learns from it.".to_owned()
        };
        if ui
            .add_enabled(possible && (fresh || !has(round)), Button::new(label))
            .on_hover_text(tip)
            .on_disabled_hover_text(why)
            .clicked()
        {
            actions.push(action);
        }
    }
}

/// The phase running now, with the time left at the speed so far.
fn progress_ui(ui: &mut egui::Ui, run: &RunState, compact: bool) {
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
        None if run.is_busy() => (0.0, "starting…".to_owned()),
        None => (0.0, "idle".to_owned()),
    };
    ui.add(
        ProgressBar::new(fraction)
            .desired_width(if compact { 140.0 } else { 180.0 })
            .text(text),
    )
    .on_hover_text(tips::PROGRESS);
}

/// Help, presentation mode and the theme, right-aligned and short.
fn window_switches_ui(ui: &mut egui::Ui, persisted: &Persisted, actions: &mut Vec<Action>) {
    if ui
        .button("?")
        .on_hover_text("List the keyboard shortcuts (F1).")
        .clicked()
    {
        actions.push(Action::ToggleHelp);
    }
    if ui
        .selectable_label(persisted.presentation, "Present")
        .on_hover_text(tips::PRESENTATION)
        .clicked()
    {
        actions.push(Action::TogglePresentation);
    }
    // Presenting, the theme stays on its key (T) to leave the toolbar one row.
    if persisted.presentation {
        return;
    }
    let (label, tip) = if persisted.dark {
        ("Light", "Switch to the light theme (T).")
    } else {
        ("Dark", "Switch to the dark theme (T).")
    };
    if ui.button(label).on_hover_text(tip).clicked() {
        actions.push(Action::ToggleTheme);
    }
}
