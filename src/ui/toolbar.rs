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
    // arrows for Undo/Redo, a narrower preset menu and tighter gaps, so it keeps one row.
    let compact = persisted.presentation || ui.available_width() < 1400.0;
    let mut below = false;
    ui.horizontal_wrapped(|ui| {
        if compact {
            // Tighter gaps (the buttons keep their frames) leave the progress bar room in the
            // row at 1280×720, presenting too.
            ui.spacing_mut().item_spacing.x = COMPACT_GAP;
        }
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
        // The progress bar takes the room the switches on the right leave (it used to have a
        // fixed width and ran under them at 1280×720 when presenting); with too little room
        // it gets a row of its own below.
        let room =
            ui.available_size_before_wrap().x - switches_width(ui, persisted) - SEPARATOR_ROOM;
        if room >= PROGRESS_WIDTH.0 {
            ui.separator();
            progress_ui(ui, run, room.min(PROGRESS_WIDTH.1));
        } else {
            below = true;
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            window_switches_ui(ui, persisted, actions);
        });
    });
    if below {
        ui.add_space(2.0);
        ui.horizontal(|ui| progress_ui(ui, run, ui.available_width()));
    }
    ui.add_space(4.0);
}

/// Gap between the toolbar's items when it is compact, in points.
const COMPACT_GAP: f32 = 4.0;

/// Room a separator takes in the toolbar row, in points.
const SEPARATOR_ROOM: f32 = 12.0;

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
fn progress_ui(ui: &mut egui::Ui, run: &RunState, room: f32) {
    let paused = run.is_paused();
    let width = room.max(PROGRESS_WIDTH.0);
    let (fraction, texts) = match &run.view.progress {
        Some(p) => {
            let unit = match p.phase {
                Phase::Train => "step",
                Phase::Pairs => "pairs",
                Phase::Evaluate => "measuring",
            };
            let left = if paused { None } else { p.seconds_left() };
            let texts = if p.phase == Phase::Evaluate {
                let state = if paused { " · paused" } else { "" };
                vec![format!("{} · measuring{state}", p.round), p.round.clone()]
            } else {
                progress_texts(&p.round, unit, p.done, p.total, left, paused)
            };
            (p.fraction(), texts)
        }
        None if run.is_busy() => (0.0, vec!["starting…".to_owned()]),
        None => (0.0, vec!["idle".to_owned()]),
    };
    // The longest wording that fits inside the bar.
    let fits = |text: &str| text_width(ui, text) + 2.0 * ui.spacing().button_padding.x <= width;
    let text = texts
        .iter()
        .find(|t| fits(t))
        .or(texts.last())
        .cloned()
        .unwrap_or_default();
    ui.add(ProgressBar::new(fraction).desired_width(width).text(text))
        .on_hover_text(tips::PROGRESS);
}

/// The progress bar's least and greatest width in the toolbar's row, in points (below the
/// row it spans the window).
const PROGRESS_WIDTH: (f32, f32) = (150.0, 340.0);

/// The progress text, from the fullest wording to the shortest (the bar is as wide as the
/// toolbar leaves it: at 1280×720, presenting, a third of what it gets at 1920×1080).
fn progress_texts(
    round: &str,
    unit: &str,
    done: usize,
    total: usize,
    seconds_left: Option<f64>,
    paused: bool,
) -> Vec<String> {
    let percent = 100 * done / total.max(1);
    let (left, short) = match seconds_left {
        Some(s) => (format!(" · {s:.0} s left"), format!(" · {s:.0} s")),
        None => (String::new(), String::new()),
    };
    let state = if paused { " · paused" } else { "" };
    vec![
        format!("{round} · {unit} {done}/{total}{left}{state}"),
        format!("{round} · {done}/{total}{left}{state}"),
        format!("{round} · {percent} %{left}{state}"),
        format!("{round} {percent} %{short}{state}"),
        format!("{round} {percent} %"),
        round.to_owned(),
    ]
}

/// The width of `text` in the buttons' font, in points.
fn text_width(ui: &egui::Ui, text: &str) -> f32 {
    let font = egui::TextStyle::Button.resolve(ui.style());
    ui.painter()
        .layout_no_wrap(text.to_owned(), font, egui::Color32::WHITE)
        .size()
        .x
}

/// The width the window switches take on the right (their labels, padding and spacing).
fn switches_width(ui: &egui::Ui, persisted: &Persisted) -> f32 {
    let mut labels = vec!["?", "Present"];
    if !persisted.presentation {
        labels.push(if persisted.dark { "Light" } else { "Dark" });
    }
    let spacing = ui.spacing();
    labels
        .iter()
        .map(|label| {
            text_width(ui, label) + 2.0 * spacing.button_padding.x + spacing.item_spacing.x
        })
        .sum::<f32>()
        + spacing.item_spacing.x
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_wordings_shorten_down_to_the_round_name() {
        for (left, paused) in [(Some(12.4), false), (None, false), (None, true)] {
            let texts = progress_texts("OT-CFM", "step", 1205, 2000, left, paused);
            let lengths: Vec<usize> = texts.iter().map(|t| t.chars().count()).collect();
            assert!(lengths.windows(2).all(|w| w[0] >= w[1]), "{texts:?}");
            assert_eq!(texts[0].contains("12 s left"), left.is_some(), "{texts:?}");
            assert_eq!(texts[0].ends_with("paused"), paused, "{texts:?}");
            assert!(texts.iter().any(|t| t.contains("60 %")), "{texts:?}");
            assert_eq!(texts.last().map(String::as_str), Some("OT-CFM"));
        }
    }
}
