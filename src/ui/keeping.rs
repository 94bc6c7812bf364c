//! No lost work: every edit of the target, the source and the settings can be undone, and a
//! run an edit ends is kept (in [`Runs`]) so undo or the Runs list brings it back without
//! training. [`Keeping`] is the app's part for this; the methods on [`FlowlabApp`] here are
//! the hooks the shell calls before an edit, at the end of a frame and on Undo/Redo.

use std::path::PathBuf;
use std::sync::Arc;

use eframe::egui;

use super::action::Action;
use super::app::FlowlabApp;
use super::autosave::Autosave;
use super::dialogs::Dialogs;
use super::edit_label;
use super::history::History;
use super::runs::{KeptRun, Runs, Stored};
use super::view::Selection;
use crate::export::session::Session;
use crate::pipeline::{FittedData, Settings};
use crate::target::Mixture;

/// What an edit changes, as undo restores it.
#[derive(Clone, Debug)]
pub struct EditState {
    /// The target.
    pub target: Mixture,
    /// The preset it came from, if unchanged since.
    pub preset: Option<String>,
    /// The settings, the source among them.
    pub settings: Settings,
    /// The points the target was fitted to, if it was.
    pub data: Option<Arc<FittedData>>,
    /// The kept run that was on screen in this state (restored with it).
    pub run: Option<u64>,
}

/// The app's part for undo, kept runs, autosave and file dialogs.
#[derive(Default)]
pub struct Keeping {
    /// Undo and redo.
    pub history: History<EditState>,
    /// The state at the end of the last frame: what an edit made in place this frame left.
    baseline: Option<EditState>,
    /// Runs ended by an edit, to switch back to.
    pub runs: Runs,
    /// A drag or a turn of the wheel is under way this frame (its edits make one step).
    gesture: bool,
    /// Where the run is saved after each round, and the offer to reopen it.
    pub autosave: Autosave,
    /// Native file dialogs, when they can be shown.
    pub dialogs: Dialogs,
    /// The folder an export is being written to (its "Open folder" button follows).
    pub pending_export: Option<PathBuf>,
}

impl FlowlabApp {
    /// How many edits Undo can take back.
    pub fn undo_steps(&self) -> usize {
        self.keep.history.undo_len()
    }

    /// What Undo would take back, in words ("moving mode 2").
    pub fn undo_label(&self) -> Option<&str> {
        self.keep.history.undo_label()
    }

    /// How many undone edits Redo can bring back.
    pub fn redo_steps(&self) -> usize {
        self.keep.history.redo_len()
    }

    /// The kept runs of the Runs list, newest first, as the list names them.
    pub fn kept_runs(&self) -> Vec<String> {
        self.keep
            .runs
            .list()
            .iter()
            .rev()
            .map(KeptRun::title)
            .collect()
    }

    /// The ids of the kept runs, newest first (for [`Action::SwitchRun`]).
    pub fn kept_run_ids(&self) -> Vec<u64> {
        self.keep.runs.list().iter().rev().map(|r| r.id).collect()
    }

    /// The edit state now (the fitted points shared with the last state when unchanged).
    fn edit_state(&self) -> EditState {
        let same = |a: &Arc<FittedData>, b: &FittedData| {
            a.report == b.report && a.points.len() == b.points.len()
        };
        let data = self.editing.data.as_ref().map(|d| {
            match self.keep.baseline.as_ref().and_then(|b| b.data.as_ref()) {
                Some(a) if same(a, d) => Arc::clone(a),
                _ => Arc::new(d.clone()),
            }
        });
        EditState {
            target: self.persisted.target.clone(),
            preset: self.persisted.preset.clone(),
            settings: self.persisted.settings.clone(),
            data,
            run: None,
        }
    }

    /// Start of a frame: notes whether a gesture is under way (the pointer is down, or the
    /// wheel turns a mode's weight), whose edits make one undo step.
    pub(super) fn keeping_frame_start(&mut self, ctx: &egui::Context) {
        self.keep.gesture =
            ctx.input(|i| i.pointer.any_down() || i.smooth_scroll_delta != egui::Vec2::ZERO);
    }

    /// End of a frame: the state edits of the next frame start from.
    pub(super) fn keeping_frame_end(&mut self) {
        if !self.keep.gesture {
            self.keep.history.pointer_released();
        }
        self.keep.baseline = Some(self.edit_state());
    }

    /// Before `action`, an edit that may end the run: [`Self::before_edit`] with words for
    /// what it changes.
    pub(super) fn before_action(&mut self, action: &Action) {
        if self.keep.history.joins_drag(self.keep.gesture) {
            return;
        }
        let now = (&self.persisted.target, &self.persisted.settings);
        let before = match &self.keep.baseline {
            Some(b) => (&b.target, &b.settings),
            None => now,
        };
        let label = edit_label::describe(action, before, now);
        self.before_edit(label);
    }

    /// Before an edit that may end the run: records the state it leaves for undo (unless it
    /// joins the drag under way) and keeps the run it ends.
    pub(super) fn before_edit(&mut self, label: String) {
        if self.keep.history.joins_drag(self.keep.gesture) {
            return;
        }
        // A run still on its way is not switched to after another edit.
        self.keep.runs.pending = None;
        let mut before = match self.keep.baseline.take() {
            Some(b) => b,
            None => self.edit_state(),
        };
        before.run = self.keep_current(&before);
        let down = self.keep.gesture;
        self.keep.history.record(before, label, down);
    }

    /// Keeps the run on screen, if it has rounds, in the Runs list (the worker hands it
    /// back as a session); returns its id. The run stops; the caller ends it.
    fn keep_current(&mut self, state: &EditState) -> Option<u64> {
        if self.run.needs_new_run || self.run.view.rounds.is_empty() {
            return None;
        }
        let rounds = self.run.view.rounds.len();
        let id = self
            .keep
            .runs
            .current
            .take()
            .unwrap_or_else(|| self.keep.runs.new_id());
        let worker = self.run.worker_mut()?;
        // A gone worker is reported by keep_run just below.
        let _stopped = worker.stop();
        if let Err(err) = worker.keep_run(id) {
            self.status
                .error(format!("Could not keep the run for undo: {err}"));
            return None;
        }
        let name = run_name(state);
        let dropped = self.keep.runs.add(KeptRun::new(
            id,
            name,
            rounds,
            state.preset.clone(),
            state.data.clone(),
        ));
        if let Some(old) = dropped {
            self.status.info(format!(
                "The oldest kept run ({}) was let go: the Runs list keeps the last {}.",
                old.title(),
                super::runs::MAX_KEPT
            ));
        }
        Some(id)
    }

    /// Undo (`true`) or redo the newest step: its state comes back, with its run if one
    /// was kept; the state left is kept for the other direction, with its run.
    pub(super) fn undo_redo(&mut self, undo: bool) {
        // A run still on its way belongs to the state being left.
        self.keep.runs.pending = None;
        let now = self.edit_state();
        let step = if undo {
            self.keep.history.undo(now.clone())
        } else {
            self.keep.history.redo(now.clone())
        };
        let Some(step) = step else {
            self.status.info(if undo {
                "Nothing to undo."
            } else {
                "Nothing to redo."
            });
            return;
        };
        let kept = self.keep_current(&now);
        let top = if undo {
            self.keep.history.top_redo_mut()
        } else {
            self.keep.history.top_undo_mut()
        };
        if let Some(top) = top {
            top.run = kept;
        }
        let run = step.state.run;
        self.apply_edit_state(step.state);
        let back = run.is_some_and(|id| self.restore_kept(id));
        if !back {
            self.run.invalidate();
        }
        let verb = if undo { "Undid" } else { "Redid" };
        let note = if back { "; its run is back" } else { "" };
        self.status.info(format!("{verb} {}{note}.", step.label));
        self.keep.baseline = Some(self.edit_state());
    }

    /// Puts `state`'s target, preset, settings and points in place (the run is the
    /// caller's).
    fn apply_edit_state(&mut self, state: EditState) {
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

    /// Switches the view to kept run `id` (its target, settings, rounds and pictures);
    /// false when it is no longer kept. A run still on its way from the worker is
    /// switched to when it arrives.
    pub(super) fn restore_kept(&mut self, id: u64) -> bool {
        let Some(entry) = self.keep.runs.get(id) else {
            return false;
        };
        let (preset, data) = (entry.preset.clone(), entry.data.clone());
        let session = match &entry.session {
            Stored::Memory(s) => Session::clone(s),
            Stored::Waiting => {
                self.keep.runs.pending = Some(id);
                return true;
            }
            Stored::File(path) => {
                let path = path.clone();
                self.keep.runs.pending = Some(id);
                if let Some(w) = self.run.worker()
                    && let Err(err) = w.read_session(path)
                {
                    self.status
                        .error(format!("Could not reopen the run: {err}"));
                }
                return true;
            }
        };
        let Some(worker) = self.run.worker_mut() else {
            return false;
        };
        let rounds = session.rounds.len();
        let (target, settings) = (session.target.clone(), session.settings.clone());
        if let Err(err) = worker.open_session(session) {
            self.status
                .error(format!("Could not reopen the run: {err}"));
            return false;
        }
        self.apply_edit_state(EditState {
            target,
            preset,
            settings,
            data,
            run: None,
        });
        self.view.selection = Selection::Live;
        self.run.opened_session();
        self.keep.runs.take(id);
        self.keep.runs.current = Some(id);
        self.keep.runs.pending = None;
        self.status.info(format!(
            "Back to the run of {} ({rounds} round{}).",
            super::runs::Runs::current_name(&self.persisted),
            if rounds == 1 { "" } else { "s" }
        ));
        true
    }

    /// The worker handed back kept run `id`; it is switched to if that was asked for.
    pub(super) fn run_kept(&mut self, id: u64, session: Session) {
        self.keep.runs.arrived(id, session);
        if self.keep.runs.pending == Some(id) {
            self.keep.runs.pending = None;
            self.restore_kept(id);
        }
        let spill = self
            .keep
            .runs
            .spill(self.keep.autosave.runs_dir().as_deref());
        if let Some(worker) = self.run.worker() {
            for (path, session) in spill {
                if let Err(err) = worker.write_session(path, session) {
                    self.status
                        .error(format!("Could not move an old run to disk: {err}"));
                }
            }
        }
    }

    /// A session file was read: true when it was a kept run moved to disk, now switched to.
    pub(super) fn kept_session_read(&mut self, path: &std::path::Path, session: &Session) -> bool {
        let Some(id) = self.keep.runs.pending else {
            return false;
        };
        if !self.keep.runs.is_stored_at(id, path) {
            return false;
        }
        self.keep.runs.arrived(id, session.clone());
        self.keep.runs.pending = None;
        self.restore_kept(id)
    }

    /// Switches to kept run `id` from the Runs list (undoable: the run left is kept).
    pub(super) fn switch_run(&mut self, id: u64) {
        if self.keep.runs.get(id).is_none() {
            self.status.error("That run is no longer kept.");
            return;
        }
        self.before_action(&Action::SwitchRun(id));
        self.run.invalidate();
        if !self.restore_kept(id) {
            self.status.error("Could not switch to that run.");
        }
    }
}

/// A run's name: its preset, the file its target was fitted to, or "custom"; "from a
/// mixture" when it did not start from N(0, I).
fn run_name(state: &EditState) -> String {
    let name = if let Some(p) = &state.preset {
        p.clone()
    } else if let Some(d) = &state.data {
        std::path::Path::new(&d.report.file)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| d.report.file.clone())
    } else {
        "custom".into()
    };
    if state.settings.source.is_some() {
        format!("{name} from a mixture")
    } else {
        name
    }
}
