//! [`FlowlabApp`]: a thin shell over the app's owned parts — the persisted state, the run,
//! the view, the editor, the window chrome and the status line. Each frame `logic` takes the
//! worker's updates and `ui` draws one `_ui` function per panel; widgets, shortcuts and
//! scripted scenarios only push [`Action`]s, applied by [`FlowlabApp::act`] after the frame.

use std::path::Path;

use eframe::egui;

use super::action::Action;
use super::editing::Editing;
use super::keeping::{Keeping, KeepingView};
use super::layout::{self, Chrome};
use super::parts::Parts;
use super::received::RunView;
use super::run::RunState;
use super::scenario::Scenario;
use super::state::{self, Persisted};
use super::status::{Cause, Status, StatusLine};
use super::view::ViewState;
use super::{dialogs, export, shortcuts};
use crate::worker::{Update, Worker};

/// Most Euler steps on the step slider.
pub const MAX_STEPS: usize = 100;

/// The app.
pub struct FlowlabApp {
    /// Kept across restarts.
    pub persisted: Persisted,
    pub(super) run: RunState,
    pub(super) view: ViewState,
    pub(super) editing: Editing,
    pub(super) chrome: Chrome,
    pub(super) status: StatusLine,
    /// Undo, kept runs, autosave and file dialogs.
    pub(super) keep: Keeping,
    scenario: Option<Scenario>,
    /// Run by a scenario: nothing is saved.
    scripted: bool,
    /// The persisted state as last written.
    saved: Option<String>,
}

impl FlowlabApp {
    /// The app on `persisted` (or the defaults), with the worker's repaint hook on `ctx`.
    pub fn new(ctx: &egui::Context, persisted: Option<Persisted>) -> Self {
        let mut persisted = persisted.unwrap_or_default();
        let mut status = StatusLine::default();
        if let Err(err) = persisted.target.validate() {
            status.error(format!(
                "The saved target was invalid ({err}); the default is loaded."
            ));
            persisted.target = state::default_target();
        }
        if persisted.settings.validate().is_err() {
            persisted.settings = state::lecture_settings();
        }
        let repaint = ctx.clone();
        let worker = match Worker::spawn(move || repaint.request_repaint()) {
            Ok(w) => Some(w),
            Err(err) => {
                status.error(format!("Could not start the background worker: {err:#}"));
                None
            }
        };
        super::fonts::install(ctx);
        layout::apply_theme(ctx, persisted.dark, persisted.presentation);
        Self {
            persisted,
            run: RunState::new(worker),
            view: ViewState::default(),
            editing: Editing::default(),
            chrome: Chrome::default(),
            status,
            keep: Keeping::default(),
            scenario: None,
            scripted: false,
            saved: None,
        }
    }

    /// What the run has shown so far (for tests and the screenshot script).
    pub fn run_view(&self) -> &RunView {
        &self.run.view
    }

    /// True while a phase is queued or running.
    pub fn is_busy(&self) -> bool {
        self.run.is_busy()
    }

    /// The status-bar message.
    pub fn status(&self) -> Option<&Status> {
        self.status.get()
    }

    /// Plays `scenario` (a scripted screenshot): nothing is saved while it runs.
    pub fn set_scenario(&mut self, scenario: Option<Scenario>) {
        self.scripted = scenario.is_some();
        self.scenario = scenario;
    }

    /// What the app shows of undo and the kept runs.
    pub fn keeping(&self) -> KeepingView<'_> {
        KeepingView(&self.keep)
    }

    /// Autosaves into `dir` (created if missing) from now on; an autosave left by an earlier
    /// start is set aside and offered in the status bar. Errors go to the status bar.
    pub fn use_data_dir(&mut self, dir: &Path) {
        self.keep.autosave.use_dir(dir, &self.run, &mut self.status);
    }

    /// Native file dialogs from now on, where they can be shown (the window calls this;
    /// tests and scripts use the path fields).
    pub fn use_dialogs(&mut self, ctx: &egui::Context) {
        self.keep.dialogs.use_native(ctx);
    }

    /// The parts an action changes, and the keeping part that acts on them.
    fn parts(&mut self) -> (Parts<'_>, &mut Keeping) {
        let parts = Parts {
            persisted: &mut self.persisted,
            run: &mut self.run,
            view: &mut self.view,
            editing: &mut self.editing,
            status: &mut self.status,
        };
        (parts, &mut self.keep)
    }

    /// Applies an action as if its button was pressed: each goes to the part that owns it.
    pub fn act(&mut self, action: Action) {
        if let Action::ToggleHelp
        | Action::CloseHelp
        | Action::TogglePresentation
        | Action::ToggleControls
        | Action::ToggleTheme
        | Action::ToggleFullscreen = action
        {
            self.chrome.act(&action, &mut self.persisted);
            return;
        }
        let (mut p, keep) = self.parts();
        let follow = match action {
            Action::Play
            | Action::Pause
            | Action::Stop
            | Action::Reset
            | Action::Reflow
            | Action::Distill
            | Action::RunAll
            | Action::OtCfm
            | Action::Diffusion
            | Action::Guided
            | Action::Consistency
            | Action::Shortcut
            | Action::MeanFlow => {
                p.run_action(keep, &action);
                None
            }
            Action::Preset(_)
            | Action::TargetEdited
            | Action::SettingsEdited
            | Action::SetSource(_) => {
                p.edit_action(keep, action);
                None
            }
            Action::LoadTarget
            | Action::SaveTarget
            | Action::ExportChart(_)
            | Action::ExportAll
            | Action::SaveSession
            | Action::OpenSession
            | Action::OpenFile(_)
            | Action::LoadData
            | Action::ChooseExportFolder => {
                p.file_action(keep, action);
                None
            }
            Action::Chosen(purpose, path) => keep.dialogs.chosen(&mut p, purpose, path),
            Action::NoDialog => {
                dialogs::say_no_dialog(p.status);
                None
            }
            Action::OpenFolder(dir) => {
                dialogs::open_folder(p.status, &dir);
                None
            }
            Action::Undo | Action::Redo => {
                keep.undo_redo(&mut p, action == Action::Undo);
                None
            }
            Action::SwitchRun(id) => {
                keep.switch_run(&mut p, id);
                None
            }
            Action::ReopenAutosave | Action::DismissAutosave => {
                let reopen = action == Action::ReopenAutosave;
                keep.autosave.reopen_or_dismiss(reopen, p.run, p.status);
                None
            }
            _ => {
                super::view::view_action(p.view, p.persisted, &p.run.view, &action);
                None
            }
        };
        if let Some(follow) = follow {
            // A path a dialog chose, acted on without a second dialog.
            self.act(follow);
            self.keep.dialogs.bypass = false;
        }
    }

    /// Acts on what the worker's files thread and the trainer reported.
    fn take_updates(&mut self, updates: Vec<Update>) {
        let (mut p, keep) = self.parts();
        for update in updates {
            match update {
                Update::TargetRead { path, target } => {
                    keep.before_edit(&mut p, format!("the load of {}", path.display()));
                    p.set_target(*target, None);
                    p.persisted.preset = None;
                    p.persisted.target_path = path.display().to_string();
                    p.status.info(format!("Loaded {}", path.display()));
                }
                Update::DataFitted(fitted) => {
                    let (k, n) = (fitted.report.components, fitted.points.len());
                    let file = fitted.report.file.clone();
                    keep.before_edit(&mut p, format!("the fit to {file}"));
                    p.set_target(fitted.mixture.clone(), Some(*fitted));
                    p.persisted.preset = None;
                    p.status.info(format!(
                        "Fitted {k} Gaussian{} to {n} points of {file} (chosen by BIC); edit it like any target",
                        if k == 1 { "" } else { "s" },
                    ));
                }
                Update::SessionRead { path, session } => {
                    export::open_session(&mut p, keep, &path, *session);
                }
                Update::RunKept { id, session } => keep.run_kept(&mut p, id, *session),
                Update::Saved { message } => {
                    dialogs::saved(p.status, &mut keep.pending_export, message);
                }
                Update::Failed { message } => p.status.error(message),
                _ => {}
            }
        }
    }
}

impl eframe::App for FlowlabApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        // A message about an invalid target or setting goes once it is fixed.
        if self.persisted.target.validate().is_ok() {
            self.status.fixed(Cause::Target);
        }
        if self.persisted.settings.validate().is_ok() {
            self.status.fixed(Cause::Settings);
        }
        let (updates, more) = self.run.receive(&mut self.view);
        self.take_updates(updates);
        if more {
            ctx.request_repaint();
        }
        if let Some(mut scenario) = self.scenario.take() {
            let (actions, running) = scenario.advance(self, ctx);
            for action in actions {
                self.act(action);
            }
            if running {
                self.scenario = Some(scenario);
            }
        }
        self.run.request_pictures(&self.view, &self.persisted);
        let dt = ctx.input(|i| i.stable_dt).min(0.1);
        if self.view.advance_scrubber(dt) {
            ctx.request_repaint();
        }
        if self.run.view.progress.is_some() {
            // Keep the time-left estimate ticking between updates.
            ctx.request_repaint_after(std::time::Duration::from_millis(250));
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        let mut actions = Vec::new();
        let ctx = ui.ctx().clone();
        self.keep.frame_start(&ctx);
        self.keep.dialogs.poll(&mut actions);
        shortcuts::read_keys(&ctx, &self.run, &mut actions);
        shortcuts::dropped_files(&ctx, &mut actions);
        layout::window_ui(self, ui, &mut actions);
        for action in actions {
            self.act(action);
        }
        let (p, keep) = self.parts();
        keep.frame_end(&p);
        self.chrome.apply(&ctx, &self.persisted);
        if !self.scripted {
            state::save_if_changed(&self.persisted, &mut self.saved, &ctx, frame);
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        if self.scripted {
            return;
        }
        eframe::set_value(storage, eframe::APP_KEY, &self.persisted);
    }

    /// Scripted screenshots leave egui's memory alone too (a screenshot presenting at
    /// 1920×1080 saved its zoom of 1.5 there, and the next app started zoomed).
    fn persist_egui_memory(&self) -> bool {
        !self.scripted
    }
}
