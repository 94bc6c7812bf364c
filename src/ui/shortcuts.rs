//! Keyboard shortcuts, the help overlay that lists them, presentation mode, and files
//! dropped on the window.

use eframe::egui::{self, Key, KeyboardShortcut, Modifiers, RichText};

use super::FlowlabApp;
use super::state::Action;

/// Zoom of presentation mode: fonts, lines and markers 40 % larger for a projector.
const PRESENTATION_ZOOM: f32 = 1.4;

/// Every shortcut with what it does, as the help overlay lists them.
pub const SHORTCUTS: [(&str, &str); 18] = [
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
    ("↑ / ↓", "double / halve the Euler steps"),
    ("← / →", "previous / next round"),
    ("E", "export everything (figures, data, run card, session)"),
    ("Ctrl+S", "save the session"),
    ("Ctrl+O", "open the session"),
    ("P", "presentation mode (larger, for a projector)"),
    ("H", "hide or show the controls"),
    ("T", "light or dark theme"),
    ("F11", "full screen"),
    ("F1 or ?", "this help"),
    ("Esc", "close this help"),
];

impl FlowlabApp {
    /// Reads the shortcuts pressed this frame (none while a text field has the keyboard).
    pub(super) fn shortcuts(&mut self, ctx: &egui::Context, actions: &mut Vec<Action>) {
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
        if save {
            actions.push(Action::SaveSession);
        }
        if open {
            actions.push(Action::OpenSession);
        }
        let pressed = |key| ctx.input(|i| i.key_pressed(key) && i.modifiers.is_none());
        if pressed(Key::F1) || ctx.input(|i| i.key_pressed(Key::Questionmark)) {
            self.show_help = !self.show_help;
        }
        if pressed(Key::Escape) {
            self.show_help = false;
        }
        if pressed(Key::Space) {
            let worker = self.worker.as_ref();
            let paused = worker.is_some_and(|w| w.is_paused());
            actions.push(if self.is_busy() && !paused {
                Action::Pause
            } else {
                Action::Play
            });
        }
        let keys = [
            (Key::R, Action::Reflow),
            (Key::D, Action::Distill),
            (Key::A, Action::RunAll),
            (Key::O, Action::OtCfm),
            (Key::V, Action::Diffusion),
            (Key::G, Action::Guided),
            (Key::ArrowUp, Action::StepsUp),
            (Key::ArrowDown, Action::StepsDown),
            (Key::ArrowLeft, Action::PreviousRound),
            (Key::ArrowRight, Action::NextRound),
            (Key::E, Action::ExportAll),
        ];
        for (key, action) in keys {
            if pressed(key) {
                actions.push(action);
            }
        }
        if pressed(Key::P) {
            self.persisted.presentation = !self.persisted.presentation;
        }
        if pressed(Key::H) {
            self.controls_hidden = !self.controls_hidden;
        }
        if pressed(Key::T) {
            self.persisted.dark = !self.persisted.dark;
        }
        if pressed(Key::F11) {
            let full = ctx.input(|i| i.viewport().fullscreen.unwrap_or(false));
            ctx.send_viewport_cmd(egui::ViewportCommand::Fullscreen(!full));
        }
    }

    /// Files dropped on the window, as actions; a hint while they hover over it.
    pub(super) fn dropped_files(&mut self, ctx: &egui::Context, actions: &mut Vec<Action>) {
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
                "Drop a target (.toml) or a session (.flowlab) to open it",
                egui::FontId::proportional(28.0),
                egui::Color32::WHITE,
            );
        }
    }

    /// The help overlay listing every shortcut.
    pub(super) fn help_ui(&mut self, ctx: &egui::Context) {
        if !self.show_help {
            return;
        }
        let mut open = true;
        egui::Window::new("Keyboard shortcuts")
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
            .show(ctx, |ui| {
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
                ui.add_space(8.0);
                ui.weak("Drop a target .toml or a session .flowlab on the window to open it.");
            });
        if !open {
            self.show_help = false;
        }
    }
}

/// Sets the zoom of presentation mode (on) or the normal size (off).
pub fn apply_zoom(ctx: &egui::Context, presentation: bool) {
    ctx.set_zoom_factor(if presentation { PRESENTATION_ZOOM } else { 1.0 });
}
