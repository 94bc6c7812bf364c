//! The status bar: the last message (an error in red), or a reminder of the conventions.

use eframe::egui::{self, Color32};

use super::action::Action;

/// A message in the status bar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    /// The text.
    pub text: String,
    /// Shown in red.
    pub error: bool,
}

/// What an error was about, so it can go away by itself once that is fixed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// The target did not validate.
    Target,
    /// A setting was out of range.
    Settings,
}

/// The status bar's state: the message shown, if any, and what it was about.
#[derive(Default)]
pub struct StatusLine {
    current: Option<Status>,
    cause: Option<Cause>,
    /// Buttons shown after the message ("Open folder", "Reopen"), gone with it.
    buttons: Vec<(String, Action)>,
}

impl StatusLine {
    /// The message shown.
    pub fn get(&self) -> Option<&Status> {
        self.current.as_ref()
    }

    /// Shows `text` as news.
    pub fn info(&mut self, text: impl Into<String>) {
        self.current = Some(Status {
            text: text.into(),
            error: false,
        });
        self.cause = None;
        self.buttons.clear();
    }

    /// Shows `text` as news with buttons after it, each pushing its action.
    pub fn offer(&mut self, text: impl Into<String>, buttons: Vec<(String, Action)>) {
        self.info(text);
        self.buttons = buttons;
    }

    /// Shows `text` as an error.
    pub fn error(&mut self, text: impl Into<String>) {
        self.current = Some(Status {
            text: text.into(),
            error: true,
        });
        self.cause = None;
        self.buttons.clear();
    }

    /// Shows `text` as an error about `cause`, cleared by [`Self::fixed`].
    pub fn error_about(&mut self, cause: Cause, text: impl Into<String>) {
        self.error(text);
        self.cause = Some(cause);
    }

    /// Clears the message if it was about `cause` (which is now fixed).
    pub fn fixed(&mut self, cause: Cause) {
        if self.cause == Some(cause) {
            self.clear();
        }
    }

    /// Clears the message.
    pub fn clear(&mut self) {
        self.current = None;
        self.cause = None;
        self.buttons.clear();
    }

    /// Draws the bar; its buttons push their actions.
    pub fn ui(&self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        ui.horizontal(|ui| {
            for (label, action) in &self.buttons {
                if ui.button(label.as_str()).clicked() {
                    actions.push(action.clone());
                }
            }
            self.message_ui(ui);
        });
    }

    fn message_ui(&self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| match &self.current {
            Some(s) if s.error => {
                ui.colored_label(Color32::from_rgb(200, 30, 30), s.text.as_str());
            }
            Some(s) => {
                ui.label(s.text.as_str());
            }
            None => {
                ui.weak(
                    "t = 1 is noise, t = 0 is data · x_t = t·z + (1 − t)·x₀ · the network learns v ≈ z − x₀",
                );
            }
        });
    }
}
