//! The Runs list: runs an edit ended, kept with their target, settings and rounds, and the
//! toolbar menu that switches the view back to any of them. The newest few stay in memory
//! as sessions; older ones move to session files in the app's data folder when it has one.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use eframe::egui;

use super::action::Action;
use super::state::Persisted;
use crate::export::session::{SESSION_EXTENSION, Session};
use crate::pipeline::FittedData;

/// Most runs kept (the oldest goes first).
pub const MAX_KEPT: usize = 20;
/// Runs kept in memory when older ones can move to disk.
pub const IN_MEMORY: usize = 5;

/// Where a kept run's session is.
#[derive(Clone, Debug)]
pub enum Stored {
    /// The worker has not handed it back yet.
    Waiting,
    /// In memory.
    Memory(Box<Session>),
    /// In this session file.
    File(PathBuf),
}

/// A run an edit ended.
#[derive(Clone, Debug)]
pub struct KeptRun {
    /// Its id (stable while it is switched to and away again).
    pub id: u64,
    /// Its preset, data file or "custom".
    pub name: String,
    /// Finished rounds.
    pub rounds: usize,
    /// When it was kept.
    pub kept_at: Instant,
    /// The preset it was trained on, if any.
    pub preset: Option<String>,
    /// The points its target was fitted to, if any.
    pub data: Option<Arc<FittedData>>,
    /// The run itself.
    pub session: Stored,
}

impl KeptRun {
    /// A run just kept, its session on the way.
    pub fn new(
        id: u64,
        name: String,
        rounds: usize,
        preset: Option<String>,
        data: Option<Arc<FittedData>>,
    ) -> Self {
        Self {
            id,
            name,
            rounds,
            kept_at: Instant::now(),
            preset,
            data,
            session: Stored::Waiting,
        }
    }

    /// "eight-gaussians · 3 rounds · 2 min ago".
    pub fn title(&self) -> String {
        let secs = self.kept_at.elapsed().as_secs();
        let age = match secs {
            0..60 => "just now".to_owned(),
            60..3600 => format!("{} min ago", secs / 60),
            _ => format!("{} h ago", secs / 3600),
        };
        format!(
            "{} · {} round{} · {age}",
            self.name,
            self.rounds,
            if self.rounds == 1 { "" } else { "s" }
        )
    }
}

/// The kept runs, oldest first.
#[derive(Debug, Default)]
pub struct Runs {
    list: Vec<KeptRun>,
    last_id: u64,
    /// The kept run now on screen (it keeps its id when kept again).
    pub current: Option<u64>,
    /// A run to switch to once its session arrives.
    pub pending: Option<u64>,
}

impl Runs {
    /// A fresh id.
    pub fn new_id(&mut self) -> u64 {
        self.last_id += 1;
        self.last_id
    }

    /// Adds `run` (replacing one with its id); returns the oldest, dropped beyond
    /// [`MAX_KEPT`].
    pub fn add(&mut self, run: KeptRun) -> Option<KeptRun> {
        self.list.retain(|r| r.id != run.id);
        self.list.push(run);
        (self.list.len() > MAX_KEPT).then(|| self.list.remove(0))
    }

    /// The kept run `id`.
    pub fn get(&self, id: u64) -> Option<&KeptRun> {
        self.list.iter().find(|r| r.id == id)
    }

    /// Removes and returns kept run `id` (it is on screen now).
    pub fn take(&mut self, id: u64) -> Option<KeptRun> {
        let i = self.list.iter().position(|r| r.id == id)?;
        Some(self.list.remove(i))
    }

    /// The kept runs, oldest first.
    pub fn list(&self) -> &[KeptRun] {
        &self.list
    }

    /// The session of run `id` arrived.
    pub fn arrived(&mut self, id: u64, session: Session) {
        if let Some(r) = self.list.iter_mut().find(|r| r.id == id) {
            r.rounds = session.rounds.len();
            r.session = Stored::Memory(Box::new(session));
        }
    }

    /// True when run `id` was moved to the file at `path`.
    pub fn is_stored_at(&self, id: u64, path: &Path) -> bool {
        self.get(id)
            .is_some_and(|r| matches!(&r.session, Stored::File(p) if p == path))
    }

    /// Moves the runs in memory beyond the newest [`IN_MEMORY`] to files in `dir`; returns
    /// the files to write. Without a folder every run stays in memory.
    pub fn spill(&mut self, dir: Option<&Path>) -> Vec<(PathBuf, Session)> {
        let Some(dir) = dir else {
            return Vec::new();
        };
        let in_memory = self
            .list
            .iter()
            .filter(|r| matches!(r.session, Stored::Memory(_)))
            .count();
        let mut out = Vec::new();
        for r in self
            .list
            .iter_mut()
            .take(in_memory.saturating_sub(IN_MEMORY))
        {
            if let Stored::Memory(s) = &r.session {
                let path = dir.join(format!("run-{}.{SESSION_EXTENSION}", r.id));
                out.push((path.clone(), Session::clone(s)));
                r.session = Stored::File(path);
            }
        }
        out
    }

    /// The name of the run on screen.
    pub fn current_name(persisted: &Persisted) -> String {
        persisted
            .preset
            .clone()
            .unwrap_or_else(|| "custom".to_owned())
    }
}

/// The toolbar's Runs menu: every kept run, newest first; a click switches to it.
pub fn runs_menu_ui(ui: &mut egui::Ui, runs: &Runs, actions: &mut Vec<Action>) {
    ui.menu_button("Runs ▾", |ui| {
        if runs_list_ui(ui, runs, actions) {
            ui.close();
        }
    })
    .response
    .on_hover_text(RUNS_TIP);
}

/// What the Runs list is for.
pub const RUNS_TIP: &str = "Runs an edit ended are kept: switch back to any of them, with its target, settings, rounds and charts, without training.";

/// The kept runs as buttons, newest first; true when one was clicked.
pub fn runs_list_ui(ui: &mut egui::Ui, runs: &Runs, actions: &mut Vec<Action>) -> bool {
    if runs.list.is_empty() {
        ui.weak("No earlier runs yet: a run an edit ends is kept here.");
        return false;
    }
    let mut clicked = false;
    for r in runs.list.iter().rev() {
        if ui
            .button(r.title())
            .on_hover_text("Show this run again (the run on screen is kept here).")
            .clicked()
        {
            actions.push(Action::SwitchRun(r.id));
            clicked = true;
        }
    }
    clicked
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(runs: &mut Runs) -> u64 {
        let id = runs.new_id();
        let _dropped = runs.add(KeptRun::new(id, format!("r{id}"), 1, None, None));
        id
    }

    #[test]
    fn the_list_is_bounded_and_drops_the_oldest() {
        let mut runs = Runs::default();
        let ids: Vec<u64> = (0..MAX_KEPT + 3).map(|_| run(&mut runs)).collect();
        assert_eq!(runs.list().len(), MAX_KEPT);
        assert!(runs.get(ids[0]).is_none());
        assert!(runs.get(ids[ids.len() - 1]).is_some());
    }

    #[test]
    fn keeping_a_run_again_replaces_it() {
        let mut runs = Runs::default();
        let a = run(&mut runs);
        let _b = run(&mut runs);
        assert!(
            runs.add(KeptRun::new(a, "again".into(), 3, None, None))
                .is_none()
        );
        assert_eq!(runs.list().len(), 2);
        assert_eq!(runs.list().last().map(|r| r.rounds), Some(3));
    }
}
