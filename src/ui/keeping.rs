//! No lost work: every edit of the target, the source and the settings can be undone, and a
//! run an edit ends is kept (in [`Runs`]) so undo or the Runs list brings it back without
//! training. [`Keeping`] is the app's part for this: the shell calls it before an edit, at the
//! start and end of a frame and on Undo/Redo, lending it the [`Parts`] it changes.

use std::path::PathBuf;
use std::sync::Arc;

use eframe::egui;

use super::action::Action;
use super::autosave::Autosave;
use super::dialogs::Dialogs;
use super::edit_label;
use super::history::History;
use super::parts::Parts;
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

/// What the app shows of undo and the kept runs (for the toolbar's tests and scripts).
pub struct KeepingView<'a>(pub(super) &'a Keeping);

impl KeepingView<'_> {
    /// How many edits Undo can take back.
    pub fn undo_steps(&self) -> usize {
        self.0.history.undo_len()
    }

    /// What Undo would take back, in words ("moving mode 2").
    pub fn undo_label(&self) -> Option<&str> {
        self.0.history.undo_label()
    }

    /// How many undone edits Redo can bring back.
    pub fn redo_steps(&self) -> usize {
        self.0.history.redo_len()
    }

    /// The kept runs of the Runs list, newest first, as the list names them.
    pub fn kept_runs(&self) -> Vec<String> {
        self.0
            .runs
            .list()
            .iter()
            .rev()
            .map(KeptRun::title)
            .collect()
    }

    /// The ids of the kept runs, newest first (for [`Action::SwitchRun`]).
    pub fn kept_run_ids(&self) -> Vec<u64> {
        self.0.runs.list().iter().rev().map(|r| r.id).collect()
    }
}

impl Keeping {
    /// Start of a frame: notes whether a gesture is under way (the pointer is down, or the
    /// wheel turns a mode's weight), whose edits make one undo step.
    pub fn frame_start(&mut self, ctx: &egui::Context) {
        self.gesture =
            ctx.input(|i| i.pointer.any_down() || i.smooth_scroll_delta != egui::Vec2::ZERO);
    }

    /// End of a frame: the state edits of the next frame start from.
    pub fn frame_end(&mut self, p: &Parts<'_>) {
        if !self.gesture {
            self.history.pointer_released();
        }
        self.baseline = Some(p.edit_state(self.baseline.as_ref()));
    }

    /// Before `action`, an edit that may end the run: [`Self::before_edit`] with words for
    /// what it changes.
    pub fn before_action(&mut self, p: &mut Parts<'_>, action: &Action) {
        if self.history.joins_drag(self.gesture) {
            return;
        }
        let now = (&p.persisted.target, &p.persisted.settings);
        let before = match &self.baseline {
            Some(b) => (&b.target, &b.settings),
            None => now,
        };
        let label = edit_label::describe(action, before, now);
        self.before_edit(p, label);
    }

    /// Before an edit that may end the run: records the state it leaves for undo (unless it
    /// joins the drag under way) and keeps the run it ends.
    pub fn before_edit(&mut self, p: &mut Parts<'_>, label: String) {
        if self.history.joins_drag(self.gesture) {
            return;
        }
        // A run still on its way is not switched to after another edit.
        self.runs.pending = None;
        let mut before = match self.baseline.take() {
            Some(b) => b,
            None => p.edit_state(None),
        };
        before.run = self.keep_current(p, &before);
        let down = self.gesture;
        self.history.record(before, label, down);
    }

    /// Keeps the run on screen, if it has rounds, in the Runs list (the worker hands it
    /// back as a session); returns its id. The run stops; the caller ends it.
    fn keep_current(&mut self, p: &mut Parts<'_>, state: &EditState) -> Option<u64> {
        if p.run.needs_new_run || p.run.view.rounds.is_empty() {
            return None;
        }
        let rounds = p.run.view.rounds.len();
        let id = self
            .runs
            .current
            .take()
            .unwrap_or_else(|| self.runs.new_id());
        let worker = p.run.worker_mut()?;
        // A gone worker is reported by keep_run just below.
        let _stopped = worker.stop();
        if let Err(err) = worker.keep_run(id) {
            p.status
                .error(format!("Could not keep the run for undo: {err}"));
            return None;
        }
        let name = run_name(state);
        let dropped = self.runs.add(KeptRun::new(
            id,
            name,
            rounds,
            state.preset.clone(),
            state.data.clone(),
        ));
        if let Some(old) = dropped {
            p.status.info(format!(
                "The oldest kept run ({}) was let go: the Runs list keeps the last {}.",
                old.title(),
                super::runs::MAX_KEPT
            ));
        }
        Some(id)
    }

    /// Undo (`true`) or redo the newest step: its state comes back, with its run if one
    /// was kept; the state left is kept for the other direction, with its run.
    pub fn undo_redo(&mut self, p: &mut Parts<'_>, undo: bool) {
        // A run still on its way belongs to the state being left.
        self.runs.pending = None;
        let now = p.edit_state(self.baseline.as_ref());
        let step = if undo {
            self.history.undo(now.clone())
        } else {
            self.history.redo(now.clone())
        };
        let Some(step) = step else {
            p.status.info(if undo {
                "Nothing to undo."
            } else {
                "Nothing to redo."
            });
            return;
        };
        let kept = self.keep_current(p, &now);
        let top = if undo {
            self.history.top_redo_mut()
        } else {
            self.history.top_undo_mut()
        };
        if let Some(top) = top {
            top.run = kept;
        }
        let run = step.state.run;
        p.apply_edit_state(step.state);
        let back = run.is_some_and(|id| self.restore_kept(p, id));
        if !back {
            p.run.invalidate();
        }
        let verb = if undo { "Undid" } else { "Redid" };
        let note = if back { "; its run is back" } else { "" };
        p.status.info(format!("{verb} {}{note}.", step.label));
        self.baseline = Some(p.edit_state(self.baseline.as_ref()));
    }

    /// Switches the view to kept run `id` (its target, settings, rounds and pictures);
    /// false when it is no longer kept. A run still on its way from the worker is
    /// switched to when it arrives.
    fn restore_kept(&mut self, p: &mut Parts<'_>, id: u64) -> bool {
        let Some(entry) = self.runs.get(id) else {
            return false;
        };
        let (preset, data) = (entry.preset.clone(), entry.data.clone());
        let session = match &entry.session {
            Stored::Memory(s) => Session::clone(s),
            Stored::Waiting => {
                self.runs.pending = Some(id);
                return true;
            }
            Stored::File(path) => {
                let path = path.clone();
                self.runs.pending = Some(id);
                if let Some(w) = p.run.worker()
                    && let Err(err) = w.read_session(path)
                {
                    p.status.error(format!("Could not reopen the run: {err}"));
                }
                return true;
            }
        };
        let Some(worker) = p.run.worker_mut() else {
            return false;
        };
        let rounds = session.rounds.len();
        let (target, settings) = (session.target.clone(), session.settings.clone());
        if let Err(err) = worker.open_session(session) {
            p.status.error(format!("Could not reopen the run: {err}"));
            return false;
        }
        p.apply_edit_state(EditState {
            target,
            preset,
            settings,
            data,
            run: None,
        });
        p.view.selection = Selection::Live;
        p.run.begin_run();
        self.runs.take(id);
        self.runs.current = Some(id);
        self.runs.pending = None;
        p.status.info(format!(
            "Back to the run of {} ({rounds} round{}).",
            super::runs::Runs::current_name(p.persisted),
            if rounds == 1 { "" } else { "s" }
        ));
        true
    }

    /// The worker handed back kept run `id`; it is switched to if that was asked for.
    pub fn run_kept(&mut self, p: &mut Parts<'_>, id: u64, session: Session) {
        self.runs.arrived(id, session);
        if self.runs.pending == Some(id) {
            self.runs.pending = None;
            self.restore_kept(p, id);
        }
        let spill = self.runs.spill(self.autosave.runs_dir().as_deref());
        if let Some(worker) = p.run.worker() {
            for (path, session) in spill {
                if let Err(err) = worker.write_session(path, session) {
                    p.status
                        .error(format!("Could not move an old run to disk: {err}"));
                }
            }
        }
    }

    /// A session file was read: true when it was a kept run moved to disk, now switched to.
    pub fn kept_session_read(
        &mut self,
        p: &mut Parts<'_>,
        path: &std::path::Path,
        session: &Session,
    ) -> bool {
        let Some(id) = self.runs.pending else {
            return false;
        };
        if !self.runs.is_stored_at(id, path) {
            return false;
        }
        self.runs.arrived(id, session.clone());
        self.runs.pending = None;
        self.restore_kept(p, id)
    }

    /// Switches to kept run `id` from the Runs list (undoable: the run left is kept).
    pub fn switch_run(&mut self, p: &mut Parts<'_>, id: u64) {
        if self.runs.get(id).is_none() {
            p.status.error("That run is no longer kept.");
            return;
        }
        self.before_action(p, &Action::SwitchRun(id));
        p.run.invalidate();
        if !self.restore_kept(p, id) {
            p.status.error("Could not switch to that run.");
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
