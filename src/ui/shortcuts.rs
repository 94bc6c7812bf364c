//! Keyboard shortcuts and files dropped on the window, as [`Action`]s; the help overlay that
//! lists the shortcuts.

use eframe::egui::{self, Key, KeyboardShortcut, Modifiers, RichText};

use super::action::Action;
use super::run::RunState;

/// Every shortcut with what it does, as the help overlay lists them.
pub const SHORTCUTS: [(&str, &str); 29] = [
    ("Space", "train 1-RF · pause · resume"),
    ("R", "one reflow round"),
    ("D", "distil a one-step sampler"),
    ("A", "run all (1-RF, reflows, distillation)"),
    ("O", "train OT-CFM (minibatch optimal-transport pairs)"),
    ("V", "train on the diffusion (variance-preserving) path"),
    (
        "G",
        "train the class-conditional model (classifier-free guidance)",
    ),
    ("K", "distil a consistency student (1, 2 or 4 steps)"),
    ("J", "train a shortcut model (told the step size)"),
    ("M", "train a MeanFlow model (the average velocity)"),
    ("↑ / ↓", "double / halve the Euler steps"),
    ("← / →", "previous / next round"),
    ("E", "export everything (figures, data, run card, session)"),
    ("Ctrl+S", "save the session"),
    ("Ctrl+O", "open the session"),
    (
        "Ctrl+Z",
        "undo an edit (target, source, settings, preset, Reset); its run comes back",
    ),
    ("Ctrl+Shift+Z or Ctrl+Y", "redo"),
    (
        "C",
        "show the next chart big (loss, cost, straightness, W2)",
    ),
    ("P", "presentation mode (larger text, the pictures first)"),
    (
        "H",
        "open or close the side panel (target, source, exports, settings)",
    ),
    ("T", "light or dark theme"),
    ("F11", "full screen"),
    ("F1 or ?", "this help"),
    ("Esc", "close this help · back from a big chart"),
    ("drag a centre", "move a mode (on the target plot)"),
    ("drag a square", "change a mode's width"),
    ("scroll over a mode", "change its weight"),
    ("click empty space", "add a mode"),
    ("Delete", "remove the selected mode"),
];

/// The shortcuts pressed this frame, as actions (none while a text field has the keyboard).
pub fn read_keys(ctx: &egui::Context, run: &RunState, actions: &mut Vec<Action>) {
    if ctx.egui_wants_keyboard_input() {
        return;
    }
    let ctrl = |key| KeyboardShortcut::new(Modifiers::COMMAND, key);
    let (save, open) = ctx.input_mut(|i| {
        (
            i.consume_shortcut(&ctrl(Key::S)),
            i.consume_shortcut(&ctrl(Key::O)),
        )
    });
    // Ctrl+Shift+Z first: Ctrl+Z would match it too.
    let redo_z = KeyboardShortcut::new(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z);
    let (redo, undo) = ctx.input_mut(|i| {
        let redo = i.consume_shortcut(&redo_z) || i.consume_shortcut(&ctrl(Key::Y));
        (redo, i.consume_shortcut(&ctrl(Key::Z)))
    });
    if redo {
        actions.push(Action::Redo);
    }
    if undo {
        actions.push(Action::Undo);
    }
    if save {
        actions.push(Action::SaveSession);
    }
    if open {
        actions.push(Action::OpenSession);
    }
    let pressed = |key| ctx.input(|i| i.key_pressed(key) && i.modifiers.is_none());
    if pressed(Key::F1) || ctx.input(|i| i.key_pressed(Key::Questionmark)) {
        actions.push(Action::ToggleHelp);
    }
    if pressed(Key::Space) {
        actions.push(if run.is_busy() && !run.is_paused() {
            Action::Pause
        } else {
            Action::Play
        });
    }
    let keys = [
        (Key::Escape, Action::CloseHelp),
        (Key::Escape, Action::Enlarge(None)),
        (Key::C, Action::CycleChart),
        (Key::R, Action::Reflow),
        (Key::D, Action::Distill),
        (Key::A, Action::RunAll),
        (Key::O, Action::OtCfm),
        (Key::V, Action::Diffusion),
        (Key::G, Action::Guided),
        (Key::K, Action::Consistency),
        (Key::J, Action::Shortcut),
        (Key::M, Action::MeanFlow),
        (Key::ArrowUp, Action::StepsUp),
        (Key::ArrowDown, Action::StepsDown),
        (Key::ArrowLeft, Action::PreviousRound),
        (Key::ArrowRight, Action::NextRound),
        (Key::E, Action::ExportAll),
        (Key::P, Action::TogglePresentation),
        (Key::H, Action::ToggleControls),
        (Key::T, Action::ToggleTheme),
        (Key::F11, Action::ToggleFullscreen),
    ];
    for (key, action) in keys {
        if pressed(key) {
            actions.push(action);
        }
    }
}

/// Files dropped on the window, as actions; a hint while they hover over it.
pub fn dropped_files(ctx: &egui::Context, actions: &mut Vec<Action>) {
    let dropped = ctx.input(|i| i.raw.dropped_files.clone());
    for file in dropped {
        actions.push(Action::OpenFile(file.path().to_path_buf()));
    }
    if ctx.input(|i| !i.raw.hovered_files.is_empty()) {
        let screen = ctx.content_rect();
        let painter = ctx.layer_painter(egui::LayerId::new(
            egui::Order::Foreground,
            egui::Id::unique("drop_hint"),
        ));
        painter.rect_filled(screen, 0.0, egui::Color32::from_black_alpha(160));
        painter.text(
            screen.center(),
            egui::Align2::CENTER_CENTER,
            "Drop a target (.toml), points (.csv) or a session (.flowlab) to open it",
            egui::FontId::proportional(28.0),
            egui::Color32::WHITE,
        );
    }
}

/// The help overlay listing every shortcut, while `open`.
pub fn help_ui(ctx: &egui::Context, open: bool, actions: &mut Vec<Action>) {
    if !open {
        return;
    }
    let mut still_open = true;
    egui::Window::new("Keyboard shortcuts")
        .open(&mut still_open)
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
        .show(ctx, |ui| {
            // On a 720-pixel projector the list scrolls instead of leaving the window.
            let room = (ctx.content_rect().height() - 160.0).max(200.0);
            egui::ScrollArea::vertical()
                .max_height(room)
                .show(ui, |ui| {
                    egui::Grid::new("shortcuts")
                        .striped(true)
                        .spacing([24.0, 6.0])
                        .show(ui, |ui| {
                            for (keys, what) in SHORTCUTS {
                                ui.label(RichText::new(keys).monospace().strong());
                                ui.label(what);
                                ui.end_row();
                            }
                        });
                });
            ui.add_space(8.0);
            ui.weak(
                "Drop a target .toml, points .csv or a session .flowlab on the window to open it.",
            );
        });
    if !still_open {
        actions.push(Action::CloseHelp);
    }
}
