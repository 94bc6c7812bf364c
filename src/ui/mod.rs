//! The desktop app: edit the target, watch training, reflow and distillation live.
//!
//! [`FlowlabApp`] is a thin shell over owned parts: what persists ([`state::Persisted`]),
//! the run ([`run::RunState`]: the worker handle and what it sent, [`received::RunView`]),
//! the view ([`view::ViewState`]: selected round, scrubber, overlays, guidance), the editor
//! ([`editing::Editing`]), the window chrome ([`layout::Chrome`]) and no lost work
//! ([`keeping::Keeping`]: undo, kept runs, autosave, dialogs). Each frame `logic`
//! drains the worker's updates under a time budget and `ui` draws one `_ui` function per
//! panel, each borrowing only the parts it draws; widgets, shortcuts and scripted scenarios
//! push [`state::Action`]s, applied after the frame: the shell hands each to the part that
//! owns it with the [`parts::Parts`] it may change. The UI holds plain vectors, never
//! tensors, and does no engine work: models, fits, files and figures are the worker's.

mod action;
mod app;
mod autosave;
mod bar_chart;
mod chart_axes;
mod charts;
mod components_table;
mod dialogs;
mod edit_label;
mod editing;
mod editor;
mod editor_1d;
mod editor_2d;
mod export;
mod fonts;
mod guidance_panel;
mod history;
mod keeping;
mod layout;
mod left_panel;
mod line_charts;
mod main_view;
mod palette;
mod parts;
mod paths;
pub mod probe;
mod quality_text;
mod received;
mod run;
mod runs;
mod scenario;
mod settings_form;
mod shortcuts;
mod showdown_chart;
pub mod state;
mod status;
mod tips;
mod toolbar;
mod view;
mod view_bar;
mod view_box;

use eframe::egui;

pub use action::Action;
pub use app::FlowlabApp;
pub use autosave::{DATA_DIR_VAR, data_dir};
pub use keeping::KeepingView;
pub use scenario::{SCENARIOS, Scenario};
pub use status::Status;

/// How the window opens.
#[derive(Clone, Debug, Default)]
pub struct WindowOptions {
    /// Inner size in pixels (default 1600 × 1000, or the size it last had).
    pub size: Option<[f32; 2]>,
    /// Start in presentation mode.
    pub presentation: bool,
    /// A file to open at start (a session, a target or a CSV of points).
    pub open: Option<std::path::PathBuf>,
}

/// Opens the window; with a scenario, plays it and closes after its screenshot (settings and
/// target are then not read from or saved to storage, so screenshots are reproducible).
pub fn run_native(scenario: Option<Scenario>, window: WindowOptions) -> eframe::Result {
    let scripted = scenario.is_some();
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("flowlab — flow matching, reflow and distillation")
            .with_inner_size(window.size.unwrap_or([1600.0, 1000.0]))
            .with_min_inner_size([960.0, 540.0]),
        renderer: eframe::Renderer::Glow,
        persist_window: !scripted && window.size.is_none(),
        ..Default::default()
    };
    eframe::run_native(
        "flowlab",
        options,
        Box::new(move |cc| {
            let persisted = if scripted {
                None
            } else {
                cc.storage
                    .and_then(|s| eframe::get_value::<state::Persisted>(s, eframe::APP_KEY))
            };
            let mut persisted = persisted.unwrap_or_default();
            persisted.presentation |= window.presentation;
            let mut app = FlowlabApp::new(&cc.egui_ctx, Some(persisted));
            if !scripted {
                // Scripted screenshots leave the user's data folder and dialogs alone.
                app.use_dialogs(&cc.egui_ctx);
                if let Some(dir) = data_dir() {
                    app.use_data_dir(&dir);
                }
            }
            app.set_scenario(scenario);
            if let Some(file) = window.open {
                app.act(Action::OpenFile(file));
            }
            Ok(Box::new(app))
        }),
    )
}
