//! The window: where each panel goes, the window chrome (help overlay, hidden controls, full
//! screen), the theme and presentation mode.

use eframe::egui;

use super::action::Action;
use super::app::FlowlabApp;
use super::state::Persisted;
use super::{charts, left_panel, main_view, shortcuts, toolbar, view_bar};

/// Text in presentation mode is this much larger, on top of the zoom to
/// [`PRESENTATION_SCREEN`] (a 1280×720 window is not zoomed: a zoom there would take the
/// pictures' room).
const PRESENTATION_TEXT: f32 = 1.2;
/// The screen presentation mode is laid out for, in points: a larger window is zoomed so that
/// it shows this layout, only larger (a 1920×1080 projector at 1.5×, as a 1280×720 one), and
/// text keeps the same share of the screen's height whatever its resolution.
const PRESENTATION_SCREEN: egui::Vec2 = egui::vec2(1280.0, 720.0);
/// Below this width (in points) the side panel starts closed: the pictures need the room.
const WIDE_WINDOW: f32 = 1500.0;
/// Share of the window height the chart strip takes.
const CHART_SHARE: f32 = 0.3;
const CHART_SHARE_PRESENTING: f32 = 0.19;

/// The window's own state: overlays and what was last applied to the context.
#[derive(Default)]
pub struct Chrome {
    /// The keyboard-shortcut overlay is open.
    pub help_open: bool,
    /// The side panel (target, source, exports, settings) as the user set it; `None` leaves
    /// it to the window: open when wide and not presenting.
    pub side_open: Option<bool>,
    /// Full screen was asked for (toggled at the end of the frame).
    fullscreen_toggle: bool,
    /// What the window chose last frame while the user has not (wide and not presenting).
    auto_side_open: bool,
    /// (dark, presentation) as last applied to the context.
    applied: Option<(bool, bool)>,
    /// Presenting: the window size (in points at zoom 1) the zoom was last set for.
    presenting_zoom: Option<egui::Vec2>,
    /// The user's zoom when last not presenting (restored after presenting; `None`: not
    /// seen yet, 1).
    user_zoom: Option<f32>,
}

impl Chrome {
    /// Applies a chrome action (theme and presentation live in the persisted state).
    pub fn act(&mut self, action: &Action, persisted: &mut Persisted) {
        match action {
            Action::ToggleHelp => self.help_open = !self.help_open,
            Action::CloseHelp => self.help_open = false,
            Action::TogglePresentation => {
                persisted.presentation = !persisted.presentation;
                // Presenting gives the class the pictures; the panel follows the window again.
                self.side_open = None;
            }
            Action::ToggleControls => {
                let open = self.side_open.unwrap_or(self.auto_side_open);
                self.side_open = Some(!open);
            }
            Action::ToggleTheme => persisted.dark = !persisted.dark,
            Action::ToggleFullscreen => self.fullscreen_toggle = true,
            _ => {}
        }
    }

    /// Applies theme, zoom and full screen to the context when they changed.
    pub fn apply(&mut self, ctx: &egui::Context, persisted: &Persisted) {
        let now = (persisted.dark, persisted.presentation);
        if self.applied != Some(now) {
            apply_theme(ctx, persisted.dark, persisted.presentation);
            self.applied = Some(now);
        }
        self.apply_zoom(ctx, persisted.presentation);
        if std::mem::take(&mut self.fullscreen_toggle) {
            let full = ctx.input(|i| i.viewport().fullscreen.unwrap_or(false));
            ctx.send_viewport_cmd(egui::ViewportCommand::Fullscreen(!full));
        }
    }

    /// Presenting, zooms the window to [`presentation_zoom`] of its size, again whenever the
    /// window is resized (a zoom the user sets in between, Ctrl +/−, holds until then);
    /// after presenting, restores the user's zoom. The app starts at zoom 1 when not
    /// presenting: egui keeps the zoom of the last session, which may be one presenting set.
    fn apply_zoom(&mut self, ctx: &egui::Context, presentation: bool) {
        let zoom = ctx.zoom_factor();
        // The window in points at zoom 1: the same before and after a zoom takes effect.
        let window = ctx.content_rect().size() * zoom;
        if !presentation {
            if self.presenting_zoom.take().is_some() || self.user_zoom.is_none() {
                let user = self.user_zoom.unwrap_or(1.0);
                ctx.set_zoom_factor(user);
                self.user_zoom = Some(user);
            } else {
                self.user_zoom = Some(zoom);
            }
            return;
        }
        if self
            .presenting_zoom
            .is_none_or(|sized_for| (sized_for - window).length() >= 1.0)
        {
            ctx.set_zoom_factor(presentation_zoom(window));
            self.presenting_zoom = Some(window);
        }
    }
}

/// The zoom that shows presentation mode's layout ([`PRESENTATION_SCREEN`]) on a window of
/// `window` points at zoom 1: as large as both sides allow, never below 1 (a smaller window
/// keeps its text size; the layout is checked at 1280×720) and never above 3.
fn presentation_zoom(window: egui::Vec2) -> f32 {
    let fit = (window / PRESENTATION_SCREEN).min_elem();
    if fit.is_finite() {
        fit.clamp(1.0, 3.0)
    } else {
        1.0
    }
}

/// Lays out the window: toolbar, status bar, the side panel (a drawer, open on demand), the
/// chart strip, and the main view under its view bar; then the help overlay.
pub fn window_ui(app: &mut FlowlabApp, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
    let FlowlabApp {
        persisted,
        run,
        view,
        editing,
        chrome,
        status,
        keep,
        ..
    } = app;
    super::probe::begin_frame(ui.ctx());
    let window = ui.ctx().content_rect();
    chrome.auto_side_open = window.width() >= WIDE_WINDOW && !persisted.presentation;
    let side_open = chrome.side_open.unwrap_or(chrome.auto_side_open);
    egui::Panel::top("toolbar").show(ui, |ui| {
        toolbar::toolbar_ui(ui, persisted, run, keep, side_open, actions);
    });
    // Presenting, the status bar shows only when it has something to say.
    if !persisted.presentation || status.get().is_some() {
        egui::Panel::bottom("status").show(ui, |ui| status.ui(ui, actions));
    }
    if side_open {
        egui::Panel::left("side_panel")
            .resizable(true)
            .default_size(330.0)
            .show(ui, |ui| {
                left_panel::left_panel_ui(ui, persisted, editing, keep, actions);
            });
    }
    let share = if persisted.presentation {
        CHART_SHARE_PRESENTING
    } else {
        CHART_SHARE
    };
    // A fixed share of the height, whatever size the window had before (a strip sized for
    // 1080 px must not fill a 720 px projector); `C` shows any chart big instead.
    egui::Panel::bottom("charts")
        .resizable(false)
        .exact_size(window.height() * share)
        .show(ui, |ui| {
            charts::chart_strip_ui(ui, &run.view, view, actions);
        });
    egui::CentralPanel::default().show(ui, |ui| {
        view_bar::view_bar_ui(ui, persisted, run, view, actions);
        ui.separator();
        main_view::main_view_ui(ui, persisted, &run.view, view, editing, actions);
    });
    shortcuts::help_ui(ui.ctx(), chrome.help_open, actions);
}

/// Sets the light or dark theme and the app's text sizes (larger when presenting).
pub fn apply_theme(ctx: &egui::Context, dark: bool, presentation: bool) {
    let k = if presentation { PRESENTATION_TEXT } else { 1.0 };
    ctx.set_theme(if dark {
        egui::Theme::Dark
    } else {
        egui::Theme::Light
    });
    ctx.all_styles_mut(|style| {
        use egui::{FontId, TextStyle};
        style.text_styles = [
            (TextStyle::Small, FontId::proportional(13.0 * k)),
            (TextStyle::Body, FontId::proportional(16.0 * k)),
            (TextStyle::Monospace, FontId::monospace(15.0 * k)),
            (TextStyle::Button, FontId::proportional(16.0 * k)),
            (TextStyle::Heading, FontId::proportional(22.0 * k)),
        ]
        .into();
        style.spacing.interact_size.y = 26.0 * k;
        style.spacing.slider_width = 130.0;
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presenting_zooms_a_projector_to_the_layout_checked_at_1280_by_720() {
        let zoom = |w, h| presentation_zoom(egui::vec2(w, h));
        assert_eq!(zoom(1280.0, 720.0), 1.0);
        assert_eq!(zoom(1920.0, 1080.0), 1.5);
        assert_eq!(zoom(3840.0, 2160.0), 3.0);
        // 16:10 and 4:3: the short side decides, so the layout is never below 1280×720.
        assert_eq!(zoom(1920.0, 1200.0), 1.5);
        assert_eq!(zoom(1024.0 * 1.5, 768.0 * 1.5), 1.2);
        // Smaller windows keep their text size; nothing degenerate zooms.
        assert_eq!(zoom(1024.0, 768.0), 1.0);
        assert_eq!(zoom(0.0, 0.0), 1.0);
        assert_eq!(zoom(f32::NAN, 720.0), 1.0);
    }
}
