//! [`FlowlabApp`]: a thin shell over the app's owned parts — the persisted state, the run,
//! the view, the editor, the window chrome and the status line. Each frame `logic` takes the
//! worker's updates and `ui` draws one `_ui` function per panel; widgets, shortcuts and
//! scripted scenarios only push [`Action`]s, applied by [`FlowlabApp::act`] after the frame.

use std::path::{Path, PathBuf};

use eframe::egui;

use super::action::Action;
use super::editing::Editing;
use super::keeping::Keeping;
use super::layout::{self, Chrome};
use super::received::RunView;
use super::run::{RunState, StartError};
use super::scenario::Scenario;
use super::state::{self, Persisted};
use super::status::{Cause, Status, StatusLine};
use super::view::{Selection, ViewState};
use super::{export, shortcuts};
use crate::target::Mixture;
use crate::target::fit::FitConfig;
use crate::worker::{PhaseJob, Update, Worker};

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

    /// Applies an action as if its button was pressed.
    pub fn act(&mut self, action: Action) {
        match action {
            Action::Play
            | Action::Pause
            | Action::Stop
            | Action::Reset
            | Action::Reflow
            | Action::Distill
            | Action::RunAll
            | Action::OtCfm
            | Action::Diffusion
            | Action::Guided => self.run_action(&action),
            Action::Preset(_)
            | Action::TargetEdited
            | Action::SettingsEdited
            | Action::SetSource(_) => self.edit_action(action),
            Action::LoadTarget
            | Action::SaveTarget
            | Action::ExportChart(_)
            | Action::ExportAll
            | Action::SaveSession
            | Action::OpenSession
            | Action::OpenFile(_)
            | Action::LoadData
            | Action::ChooseExportFolder => self.file_action(action),
            Action::Chosen(purpose, path) => self.chosen(purpose, path),
            Action::NoDialog => self.no_dialog(),
            Action::OpenFolder(dir) => self.open_folder(&dir),
            Action::Undo => self.undo_redo(true),
            Action::Redo => self.undo_redo(false),
            Action::SwitchRun(id) => self.switch_run(id),
            Action::ReopenAutosave => self.autosave_action(true),
            Action::DismissAutosave => self.autosave_action(false),
            Action::StepsUp
            | Action::StepsDown
            | Action::SetSteps(_)
            | Action::NextRound
            | Action::PreviousRound
            | Action::Select(_)
            | Action::SideBySide(_)
            | Action::ShowField(_)
            | Action::ShowCoupling(_)
            | Action::Enlarge(_)
            | Action::CycleChart
            | Action::SetMeasure(_) => {
                super::view::view_action(
                    &mut self.view,
                    &mut self.persisted,
                    &self.run.view,
                    &action,
                );
            }
            Action::ToggleHelp
            | Action::CloseHelp
            | Action::TogglePresentation
            | Action::ToggleControls
            | Action::ToggleTheme
            | Action::ToggleFullscreen => self.chrome.act(&action, &mut self.persisted),
        }
    }

    /// Training: play, pause, stop, reset and the phases.
    fn run_action(&mut self, action: &Action) {
        let job = match action {
            Action::Pause => {
                if let Some(w) = self.run.worker() {
                    w.pause();
                }
                return;
            }
            Action::Play if self.run.is_paused() => {
                if let Some(w) = self.run.worker() {
                    w.resume();
                }
                return;
            }
            Action::Stop | Action::Reset => {
                if *action == Action::Reset && !self.run.view.rounds.is_empty() {
                    // Undo brings the rounds back; the Runs list keeps them too.
                    self.before_action(action);
                }
                if let Some(w) = self.run.worker_mut()
                    && let Err(err) = w.stop()
                {
                    self.status.error(format!("{err}"));
                }
                if *action == Action::Stop {
                    self.run.after_stop(&mut self.view);
                } else {
                    self.run.clear();
                    self.view.selection = Selection::Live;
                    self.status.clear();
                }
                return;
            }
            Action::Reflow => PhaseJob::Reflow,
            Action::Distill => PhaseJob::Distill,
            Action::RunAll => PhaseJob::RunAll,
            Action::OtCfm => PhaseJob::OtCfm,
            Action::Diffusion => PhaseJob::Diffusion,
            Action::Guided => PhaseJob::Guided,
            _ => PhaseJob::TrainBase,
        };
        match self
            .run
            .start(job, &self.persisted, self.editing.data.as_ref())
        {
            Ok(()) => {
                self.status.clear();
                self.view.selection = Selection::Live;
            }
            Err(err) => {
                let cause = match err {
                    StartError::Target(_) => Some(Cause::Target),
                    StartError::Settings(_) => Some(Cause::Settings),
                    StartError::Worker(_) => None,
                };
                match cause {
                    Some(cause) => self.status.error_about(cause, format!("{err}")),
                    None => self.status.error(format!("{err}")),
                }
            }
        }
    }

    /// Changes of the target, the source and the settings: each ends the run.
    fn edit_action(&mut self, action: Action) {
        self.before_action(&action);
        match action {
            Action::Preset(name) => match crate::target::presets::preset(&name) {
                Ok(target) => {
                    self.set_target(target, None);
                    self.persisted.preset = Some(name);
                }
                Err(err) => self.status.error(format!("{err:#}")),
            },
            Action::TargetEdited => {
                self.persisted.preset = None;
                self.run.invalidate();
            }
            Action::SetSource(name) => {
                self.persisted.settings.source =
                    name.and_then(|n| crate::target::presets::preset(&n).ok());
                if self.persisted.settings.source.is_none() {
                    self.editing.source_dropped();
                }
                self.run.invalidate();
            }
            _ => self.run.invalidate(),
        }
    }

    /// Reading and writing files: all of it happens on the worker's files thread.
    fn file_action(&mut self, action: Action) {
        if self.dialog_for(&action) {
            return;
        }
        let Some(worker) = self.run.worker() else {
            return;
        };
        let result = match action {
            Action::LoadTarget => {
                let path = PathBuf::from(&self.persisted.target_path);
                self.open_file(&path)
            }
            Action::SaveTarget => match self.persisted.target.validate() {
                Err(err) => {
                    self.status.error(format!("Not saved: {err}"));
                    Ok(())
                }
                Ok(()) => worker.save_target(
                    crate::worker::absolute(Path::new(&self.persisted.target_path)),
                    self.persisted.target.clone(),
                ),
            },
            Action::ExportChart(chart) => {
                export::export_chart(self, chart);
                Ok(())
            }
            Action::ExportAll => export::export_all(self),
            Action::SaveSession => export::save_session(self),
            Action::OpenSession => {
                let path = crate::worker::absolute(Path::new(&self.persisted.session_path));
                worker.read_session(path)
            }
            Action::OpenFile(path) => self.open_file(&path),
            _ => Ok(()),
        };
        if let Err(err) = result {
            self.status.error(format!("{err}"));
        }
    }

    /// Opens `path` by its extension: a target, points to fit, or a session.
    fn open_file(&mut self, path: &Path) -> Result<(), crate::worker::WorkerError> {
        let Some(worker) = self.run.worker() else {
            return Ok(());
        };
        // Messages and the fit's report name the file in full.
        let path = &crate::worker::absolute(path);
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match ext.as_deref() {
            Some("csv") => worker.fit_data(path.clone(), FitConfig::default()),
            Some(crate::export::session::SESSION_EXTENSION) => worker.read_session(path.clone()),
            Some("toml") => worker.read_target(path.clone()),
            _ => {
                self.status.error(format!(
                    "Cannot open {}: use a target (.toml), points to fit (.csv) or a session (.flowlab)",
                    path.display()
                ));
                Ok(())
            }
        }
    }

    /// Makes `target` the target (a preset, a file, a fit to `data`); the run ends.
    fn set_target(&mut self, target: Mixture, data: Option<crate::pipeline::FittedData>) {
        if self
            .persisted
            .settings
            .source
            .as_ref()
            .is_some_and(|s| s.dim != target.dim)
        {
            // A source lives in the target's space: a target of another dimension drops it.
            self.persisted.settings.source = None;
            self.editing.source_dropped();
        }
        self.persisted.target = target;
        self.editing.new_target(data);
        self.view.reset_zoom();
        self.run.invalidate();
    }

    /// Acts on what the worker's files thread and the trainer reported.
    fn take_updates(&mut self, updates: Vec<Update>) {
        for update in updates {
            match update {
                Update::TargetRead { path, target } => {
                    self.before_edit(format!("the load of {}", path.display()));
                    self.set_target(*target, None);
                    self.persisted.preset = None;
                    self.persisted.target_path = path.display().to_string();
                    self.status.info(format!("Loaded {}", path.display()));
                }
                Update::DataFitted(fitted) => {
                    let (k, n) = (fitted.report.components, fitted.points.len());
                    let file = fitted.report.file.clone();
                    self.before_edit(format!("the fit to {file}"));
                    self.set_target(fitted.mixture.clone(), Some(*fitted));
                    self.persisted.preset = None;
                    self.status.info(format!(
                        "Fitted {k} Gaussian{} to {n} points of {file} (chosen by BIC); edit it like any target",
                        if k == 1 { "" } else { "s" },
                    ));
                }
                Update::SessionRead { path, session } => {
                    export::open_session(self, &path, *session);
                }
                Update::RunKept { id, session } => self.run_kept(id, *session),
                Update::Saved { message } => self.saved(message),
                Update::Failed { message } => self.status.error(message),
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
        self.keeping_frame_start(&ctx);
        self.keep.dialogs.poll(&mut actions);
        shortcuts::read_keys(&ctx, &self.run, &mut actions);
        shortcuts::dropped_files(&ctx, &mut actions);
        layout::window_ui(self, ui, &mut actions);
        for action in actions {
            self.act(action);
        }
        self.keeping_frame_end();
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
}
