//! Autosave: the worker writes the current run as a session in the app's data folder after
//! each finished round (atomically: a temporary file renamed over the old one). At the next
//! start an autosaved run is set aside as `recovered.flowlab` and the status bar offers to
//! reopen it. The folder is `$FLOWLAB_DATA_DIR`, else eframe's storage folder for flowlab
//! (`~/.local/share/flowlab` on Linux); scripted runs and tests that do not ask for one
//! have no data folder and write nothing.

use std::path::{Path, PathBuf};

use super::action::Action;
use super::run::RunState;
use super::status::StatusLine;
use crate::export::session::SESSION_EXTENSION;

/// The environment variable that moves the data folder (tests point it at a temporary one).
pub const DATA_DIR_VAR: &str = "FLOWLAB_DATA_DIR";

/// The data folder: `$FLOWLAB_DATA_DIR`, else eframe's storage folder for flowlab.
pub fn data_dir() -> Option<PathBuf> {
    match std::env::var_os(DATA_DIR_VAR) {
        Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir)),
        _ => eframe::storage_dir("flowlab"),
    }
}

/// The autosave's files in the data folder.
#[derive(Debug, Default)]
pub struct Autosave {
    dir: Option<PathBuf>,
}

impl Autosave {
    /// The folder kept runs move to when they leave memory.
    pub fn runs_dir(&self) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.join("runs"))
    }

    /// The file the current run is written to.
    pub fn current_path(&self) -> Option<PathBuf> {
        self.dir
            .as_ref()
            .map(|d| d.join(format!("autosave.{SESSION_EXTENSION}")))
    }

    /// The run autosaved before this start, offered for reopening.
    pub fn recovered_path(&self) -> Option<PathBuf> {
        self.dir
            .as_ref()
            .map(|d| d.join(format!("recovered.{SESSION_EXTENSION}")))
    }

    /// True when `path` is one of the autosave's own files (not a session of the user's).
    pub fn owns(&self, path: &Path) -> bool {
        self.dir
            .as_ref()
            .is_some_and(|d| path.parent() == Some(d.as_path()))
    }

    /// Autosaves into `dir` (created if missing) from now on; an autosave left by an earlier
    /// start is set aside and offered in the status bar. Errors go to the status bar.
    pub fn use_dir(&mut self, dir: &Path, run: &RunState, status: &mut StatusLine) {
        let dir = crate::worker::absolute(dir);
        if let Err(err) = std::fs::create_dir_all(dir.join("runs")) {
            status.error(format!(
                "Autosave is off: could not create {}: {err}",
                dir.display()
            ));
            return;
        }
        self.dir = Some(dir.clone());
        // Runs kept on disk by an earlier start cannot be reached any more.
        if let Ok(entries) = std::fs::read_dir(dir.join("runs")) {
            for e in entries.flatten() {
                let _removed = std::fs::remove_file(e.path());
            }
        }
        let (Some(current), Some(recovered)) = (self.current_path(), self.recovered_path()) else {
            return;
        };
        if current.exists()
            && let Err(err) = std::fs::rename(&current, &recovered)
        {
            status.error(format!(
                "Could not set the autosaved run aside ({}): {err}",
                current.display()
            ));
            return;
        }
        if let Some(w) = run.worker()
            && let Err(err) = w.set_autosave(Some(current))
        {
            status.error(format!("Autosave is off: {err}"));
        }
        if recovered.exists() {
            status.offer(
                format!(
                    "The run autosaved when flowlab last closed can be reopened ({}).",
                    recovered.display()
                ),
                vec![
                    ("Reopen".into(), Action::ReopenAutosave),
                    ("Dismiss".into(), Action::DismissAutosave),
                ],
            );
        }
    }

    /// Reopens (`true`) or sets aside the run autosaved before this start.
    pub fn reopen_or_dismiss(&self, reopen: bool, run: &RunState, status: &mut StatusLine) {
        let Some(recovered) = self.recovered_path() else {
            return;
        };
        if reopen {
            let read = run.worker().map(|w| w.read_session(recovered.clone()));
            match read {
                Some(Ok(())) => status.info("Reopening the autosaved run…"),
                Some(Err(err)) => status.error(format!("Could not reopen it: {err}")),
                None => {}
            }
            return;
        }
        let dismissed = recovered.with_file_name(format!("dismissed.{SESSION_EXTENSION}"));
        match std::fs::rename(&recovered, &dismissed) {
            Ok(()) => status.info(format!(
                "Not reopened; the file stays as {} until the next dismissal.",
                dismissed.display()
            )),
            Err(err) => status.error(format!(
                "Could not set {} aside: {err}",
                recovered.display()
            )),
        }
    }
}
