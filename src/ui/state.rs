//! What the app remembers across restarts ([`Persisted`]), its defaults, and the app's
//! vocabulary re-exported for tests and scripts ([`Action`], [`Chart`], [`Selection`]).

use eframe::egui;
use serde::{Deserialize, Serialize};

pub use super::action::{Action, Chart};
pub use super::dialogs::Purpose;
pub use super::received::{Picture, ProgressView, RunView};
pub use super::view::{GuidanceControls, Selection};
use crate::export::Theme;
use crate::flow::Solver;
use crate::pipeline::Settings;
use crate::target::presets::{DEFAULT_PRESET, preset};
use crate::target::{Component, Mixture};

/// Kept across restarts (eframe's storage).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Persisted {
    /// The target being edited.
    pub target: Mixture,
    /// The preset it came from, if unchanged since.
    pub preset: Option<String>,
    /// Training settings.
    pub settings: Settings,
    /// Dark theme.
    pub dark: bool,
    /// Path in the load/save box.
    pub target_path: String,
    /// Step slider.
    pub steps: usize,
    /// Sampler choice.
    pub solver: Solver,
    /// Folder the exports go to.
    pub export_dir: String,
    /// Path in the session box.
    pub session_path: String,
    /// Background of exported figures.
    pub figure_theme: Theme,
    /// Presentation mode: everything larger for a projector.
    pub presentation: bool,
}

impl Default for Persisted {
    fn default() -> Self {
        Self {
            target: default_target(),
            preset: Some(DEFAULT_PRESET.to_owned()),
            settings: lecture_settings(),
            dark: false,
            target_path: "target.toml".to_owned(),
            steps: 20,
            solver: Solver::Euler,
            export_dir: "flowlab-export".to_owned(),
            session_path: "lecture.flowlab".to_owned(),
            figure_theme: Theme::Light,
            presentation: false,
        }
    }
}

/// The default preset, or two modes if it could not be read.
pub fn default_target() -> Mixture {
    preset(DEFAULT_PRESET).unwrap_or_else(|_| Mixture {
        dim: 2,
        components: vec![
            Component {
                weight: 0.5,
                mean: vec![-4.0, 0.0],
                std: vec![0.4, 0.4],
            },
            Component {
                weight: 0.5,
                mean: vec![4.0, 0.0],
                std: vec![0.4, 0.4],
            },
        ],
    })
}

/// Settings for a live lecture: the engine's defaults — so the app's numbers are the ones
/// `flowlab run` and the README report — with progress reported often.
pub fn lecture_settings() -> Settings {
    let mut s = Settings::default();
    s.train.report_every = 5;
    s
}

/// Writes the persisted state as soon as it changed (not while a drag is under way), so a
/// crash or a killed process loses nothing; `saved` is the state as last written. The
/// comparison is a few kilobytes of JSON.
pub(super) fn save_if_changed(
    persisted: &Persisted,
    saved: &mut Option<String>,
    ctx: &egui::Context,
    frame: &mut eframe::Frame,
) {
    if ctx.input(|i| i.pointer.any_down()) {
        return;
    }
    let Ok(text) = serde_json::to_string(persisted) else {
        return;
    };
    if saved.as_deref() == Some(text.as_str()) {
        return;
    }
    if let Some(storage) = frame.storage_mut() {
        eframe::set_value(storage, eframe::APP_KEY, persisted);
        storage.flush();
        *saved = Some(text);
    }
}
