//! [`Parts`]: the app's owned parts an action changes (the persisted state, the run, the view,
//! the editor and the status line), borrowed together for one call. The app's shell splits
//! itself into `Parts` and its [`Keeping`](super::keeping::Keeping) part, so the action
//! handlers here, undo, kept runs, dialogs and autosave each borrow exactly what they change
//! and none of them is a method on the whole app.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::action::Action;
use super::editing::Editing;
use super::export;
use super::keeping::{EditState, Keeping};
use super::run::{RunState, StartError};
use super::state::Persisted;
use super::status::{Cause, StatusLine};
use super::view::{Selection, ViewState};
use crate::pipeline::FittedData;
use crate::target::Mixture;
use crate::target::fit::FitConfig;
use crate::worker::{PhaseJob, WorkerError};

/// The app's parts an action changes, borrowed for one call.
pub struct Parts<'a> {
    /// Kept across restarts: the target, the settings, the paths.
    pub persisted: &'a mut Persisted,
    /// The worker handle and what it sent.
    pub run: &'a mut RunState,
    /// The selected round, the scrubber, the overlays.
    pub view: &'a mut ViewState,
    /// The editor's state: the selected mode, the fitted points.
    pub editing: &'a mut Editing,
    /// The status bar's message.
    pub status: &'a mut StatusLine,
}

impl Parts<'_> {
    /// Training: play, pause, stop, reset and the phases (a reset is undoable: `keep`
    /// keeps the run it ends).
    pub fn run_action(&mut self, keep: &mut Keeping, action: &Action) {
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
                self.stop_or_reset(keep, action);
                return;
            }
            Action::Reflow => PhaseJob::Reflow,
            Action::Distill => PhaseJob::Distill,
            Action::RunAll => PhaseJob::RunAll,
            Action::OtCfm => PhaseJob::OtCfm,
            Action::Diffusion => PhaseJob::Diffusion,
            Action::Guided => PhaseJob::Guided,
            Action::Consistency => PhaseJob::Consistency,
            Action::Shortcut => PhaseJob::Shortcut,
            Action::MeanFlow => PhaseJob::MeanFlow,
            _ => PhaseJob::TrainBase,
        };
        match self
            .run
            .start(job, self.persisted, self.editing.data.as_ref())
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

    /// Stop keeps the rounds on screen; Reset clears them (undo brings them back).
    fn stop_or_reset(&mut self, keep: &mut Keeping, action: &Action) {
        if *action == Action::Reset && !self.run.view.rounds.is_empty() {
            // Undo brings the rounds back; the Runs list keeps them too.
            keep.before_action(self, action);
        }
        if let Some(w) = self.run.worker_mut()
            && let Err(err) = w.stop()
        {
            self.status.error(format!("{err}"));
        }
        if *action == Action::Stop {
            self.run.after_stop(self.view);
        } else {
            self.run.clear();
            self.view.selection = Selection::Live;
            self.status.clear();
        }
    }

    /// Changes of the target, the source and the settings: each ends the run (`keep`
    /// records the state it leaves for undo and keeps the run).
    pub fn edit_action(&mut self, keep: &mut Keeping, action: Action) {
        keep.before_action(self, &action);
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

    /// Reading and writing files: all of it happens on the worker's files thread (a native
    /// dialog, where one can be shown, asks for the path first).
    pub fn file_action(&mut self, keep: &mut Keeping, action: Action) {
        if keep.dialogs.dialog_for(self, &action) {
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
                export::export_chart(self, &mut keep.pending_export, chart);
                Ok(())
            }
            Action::ExportAll => export::export_all(self, &mut keep.pending_export),
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
    pub fn open_file(&mut self, path: &Path) -> Result<(), WorkerError> {
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
    pub fn set_target(&mut self, target: Mixture, data: Option<FittedData>) {
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

    /// The edit state now; the fitted points are shared with `baseline`'s when unchanged.
    pub fn edit_state(&self, baseline: Option<&EditState>) -> EditState {
        let same = |a: &Arc<FittedData>, b: &FittedData| {
            a.report == b.report && a.points.len() == b.points.len()
        };
        let data =
            self.editing
                .data
                .as_ref()
                .map(|d| match baseline.and_then(|b| b.data.as_ref()) {
                    Some(a) if same(a, d) => Arc::clone(a),
                    _ => Arc::new(d.clone()),
                });
        EditState {
            target: self.persisted.target.clone(),
            preset: self.persisted.preset.clone(),
            settings: self.persisted.settings.clone(),
            data,
            run: None,
        }
    }

    /// Puts `state`'s target, preset, settings and points in place (the run is the
    /// caller's).
    pub fn apply_edit_state(&mut self, state: EditState) {
        let dim_changed = state.target.dim != self.persisted.target.dim;
        let data_changed = match (&state.data, &self.editing.data) {
            (Some(a), Some(b)) => a.report != b.report,
            (None, None) => false,
            _ => true,
        };
        self.persisted.target = state.target;
        self.persisted.preset = state.preset;
        self.persisted.settings = state.settings;
        if dim_changed || data_changed {
            self.editing.new_target(state.data.map(|d| (*d).clone()));
            self.view.reset_zoom();
        }
        let n = self.persisted.target.components.len();
        if self.editing.target.selected.is_some_and(|i| i >= n) {
            self.editing.target.selected = None;
        }
        if self.persisted.settings.source.is_none() {
            self.editing.source_dropped();
        }
    }
}
