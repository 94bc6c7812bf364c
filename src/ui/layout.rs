//! The window: where each panel goes, the window chrome (help overlay, hidden controls, full
//! screen), the theme and presentation mode.

use eframe::egui;

use super::action::Action;
use super::app::FlowlabApp;
use super::state::Persisted;
use super::{charts, left_panel, main_view, shortcuts, toolbar, view_panel};

/// Zoom of presentation mode: fonts, lines and markers 40 % larger for a projector.
const PRESENTATION_ZOOM: f32 = 1.4;

/// The window's own state: overlays and what was last applied to the context.
#[derive(Default)]
pub struct Chrome {
    /// The keyboard-shortcut overlay is open.
    pub help_open: bool,
    /// The side panels are hidden (presentation: only the pictures).
    pub controls_hidden: bool,
    /// Full screen was asked for (toggled at the end of the frame).
    fullscreen_toggle: bool,
    /// (dark, presentation) as last applied to the context.
    applied: Option<(bool, bool)>,
}

impl Chrome {
    /// Applies a chrome action (theme and presentation live in the persisted state).
    pub fn act(&mut self, action: &Action, persisted: &mut Persisted) {
        match action {
            Action::ToggleHelp => self.help_open = !self.help_open,
            Action::CloseHelp => self.help_open = false,
            Action::TogglePresentation => persisted.presentation = !persisted.presentation,
            Action::ToggleControls => self.controls_hidden = !self.controls_hidden,
            Action::ToggleTheme => persisted.dark = !persisted.dark,
            Action::ToggleFullscreen => self.fullscreen_toggle = true,
            _ => {}
        }
    }

    /// Applies theme, zoom and full screen to the context when they changed.
    pub fn apply(&mut self, ctx: &egui::Context, persisted: &Persisted) {
        let now = (persisted.dark, persisted.presentation);
        if self.applied != Some(now) {
            apply_theme(ctx, persisted.dark);
            apply_zoom(ctx, persisted.presentation);
            self.applied = Some(now);
        }
        if std::mem::take(&mut self.fullscreen_toggle) {
            let full = ctx.input(|i| i.viewport().fullscreen.unwrap_or(false));
            ctx.send_viewport_cmd(egui::ViewportCommand::Fullscreen(!full));
        }
    }
}

/// Lays out the window: toolbar, status bar, the side panels (unless hidden), the chart
/// strip and the main view; then the help overlay.
pub fn window_ui(app: &mut FlowlabApp, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
    let FlowlabApp {
        persisted,
        run,
        view,
        editing,
        chrome,
        status,
        ..
    } = app;
    egui::Panel::top("toolbar").show(ui, |ui| toolbar::toolbar_ui(ui, persisted, run, actions));
    egui::Panel::bottom("status").show(ui, |ui| status.ui(ui));
    if !chrome.controls_hidden {
        egui::Panel::left("target_panel")
            .resizable(true)
            .default_size(330.0)
            .show(ui, |ui| {
                left_panel::left_panel_ui(ui, persisted, editing, actions)
            });
        egui::Panel::right("view_panel")
            .resizable(false)
            .exact_size(270.0)
            .show(ui, |ui| {
                view_panel::view_panel_ui(ui, persisted, run, view, actions)
            });
    }
    egui::Panel::bottom("charts")
        .resizable(true)
        .default_size(ui.available_height() * 0.34)
        .show(ui, |ui| charts::chart_strip_ui(ui, &run.view, actions));
    egui::CentralPanel::default().show(ui, |ui| {
        main_view::main_view_ui(ui, persisted, &run.view, view, editing, actions);
    });
    shortcuts::help_ui(ui.ctx(), chrome.help_open, actions);
}

/// Sets the light or dark theme and the app's text sizes.
pub fn apply_theme(ctx: &egui::Context, dark: bool) {
    ctx.set_theme(if dark {
        egui::Theme::Dark
    } else {
        egui::Theme::Light
    });
    ctx.all_styles_mut(|style| {
        use egui::{FontId, TextStyle};
        style.text_styles = [
            (TextStyle::Small, FontId::proportional(13.0)),
            (TextStyle::Body, FontId::proportional(16.0)),
            (TextStyle::Monospace, FontId::monospace(15.0)),
            (TextStyle::Button, FontId::proportional(16.0)),
            (TextStyle::Heading, FontId::proportional(22.0)),
        ]
        .into();
        style.spacing.interact_size.y = 26.0;
    });
}

/// Sets the zoom of presentation mode (on) or the normal size (off).
pub fn apply_zoom(ctx: &egui::Context, presentation: bool) {
    ctx.set_zoom_factor(if presentation { PRESENTATION_ZOOM } else { 1.0 });
}
