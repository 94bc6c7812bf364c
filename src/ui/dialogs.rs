//! Native file dialogs (the `rfd` crate: the XDG desktop portal on Linux, with zenity as its
//! fallback; the system dialogs on Windows and macOS). A dialog runs on a thread of its own,
//! so the window keeps repainting; the chosen path comes back as [`Action::Chosen`]. Where no
//! dialog can be shown (no portal and no zenity, e.g. under Xvfb) the path fields are used,
//! and the status bar says so once. Also here: "Open folder" after an export.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, bounded};
use eframe::egui;

use super::action::Action;
use super::parts::Parts;
use super::status::StatusLine;
use crate::export::session::SESSION_EXTENSION;

/// A dialog that answers faster than this without a path could not be shown (nobody
/// cancels a dialog that fast).
const TOO_QUICK: Duration = Duration::from_millis(250);

/// What a dialog chooses a path for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// A target (.toml) to load.
    LoadTarget,
    /// Where to save the target.
    SaveTarget,
    /// A session to open.
    OpenSession,
    /// Where to save the session.
    SaveSession,
    /// A CSV of points to fit a target to.
    LoadData,
    /// The folder exports go to.
    ExportFolder,
}

impl Purpose {
    fn title(self) -> &'static str {
        match self {
            Self::LoadTarget => "Load a target",
            Self::SaveTarget => "Save the target",
            Self::OpenSession => "Open a session",
            Self::SaveSession => "Save the session",
            Self::LoadData => "Load points (CSV) to fit a target to",
            Self::ExportFolder => "Choose the export folder",
        }
    }

    fn filter(self) -> Option<(&'static str, &'static [&'static str])> {
        match self {
            Self::LoadTarget | Self::SaveTarget => Some(("target", &["toml"])),
            Self::OpenSession | Self::SaveSession => {
                Some(("flowlab session", &[SESSION_EXTENSION]))
            }
            Self::LoadData => Some(("points", &["csv"])),
            Self::ExportFolder => None,
        }
    }
}

/// A dialog's answer.
struct Answer {
    purpose: Purpose,
    path: Option<PathBuf>,
    quick: bool,
}

/// The dialogs' state: whether they can be shown, and the one open now.
pub struct Dialogs {
    /// The context to wake when a dialog answers; `None`: dialogs are off (tests, scripts).
    ctx: Option<egui::Context>,
    open: bool,
    /// The user was told that no dialog can be shown (or needs no telling: tests, scripts).
    told: bool,
    tx: Sender<Answer>,
    rx: Receiver<Answer>,
    /// Set while a chosen path is acted on (no second dialog for it).
    pub(super) bypass: bool,
}

impl Default for Dialogs {
    fn default() -> Self {
        let (tx, rx) = bounded(4);
        Self {
            ctx: None,
            open: false,
            told: true,
            tx,
            rx,
            bypass: false,
        }
    }
}

impl Dialogs {
    /// True when buttons open dialogs (else the path fields are used).
    pub fn enabled(&self) -> bool {
        self.ctx.is_some()
    }

    /// The dialog answers that arrived, as actions; a dialog that could not be shown turns
    /// dialogs off and says so once.
    pub fn poll(&mut self, actions: &mut Vec<Action>) {
        while let Ok(answer) = self.rx.try_recv() {
            self.open = false;
            match answer.path {
                Some(path) => actions.push(Action::Chosen(answer.purpose, path)),
                None if answer.quick => {
                    self.ctx = None;
                    if !std::mem::replace(&mut self.told, true) {
                        actions.push(Action::NoDialog);
                    }
                }
                None => {}
            }
        }
    }

    /// Opens the dialog for `purpose` on its own thread, starting at `start`.
    fn ask(&mut self, purpose: Purpose, start: &Path) -> Result<(), std::io::Error> {
        let Some(ctx) = self.ctx.clone() else {
            return Ok(());
        };
        if self.open {
            return Ok(());
        }
        let start = crate::worker::absolute(start);
        let tx = self.tx.clone();
        std::thread::Builder::new()
            .name("flowlab-dialog".into())
            .spawn(move || {
                let began = Instant::now();
                let path = run_dialog(purpose, &start);
                let quick = path.is_none() && began.elapsed() < TOO_QUICK;
                // The app is gone when this fails: nothing to tell.
                let _sent = tx.send(Answer {
                    purpose,
                    path,
                    quick,
                });
                ctx.request_repaint();
            })?;
        self.open = true;
        Ok(())
    }
}

/// True when a dialog can be shown here: always on Windows and macOS; on Linux and the BSDs
/// when a session bus (for the portal) or zenity is there.
fn can_show() -> bool {
    if cfg!(any(target_os = "windows", target_os = "macos")) {
        return true;
    }
    let bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|v| !v.is_empty());
    let zenity = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("zenity").is_file()));
    bus || zenity
}

/// Shows the dialog and waits for it, on the dialog's own thread (rfd's async dialog,
/// which on macOS hands the dialog to the main thread while this one waits).
fn run_dialog(purpose: Purpose, start: &Path) -> Option<PathBuf> {
    let (folder, name) = if start.is_dir() {
        (Some(start.to_path_buf()), None)
    } else {
        (
            start.parent().map(Path::to_path_buf),
            start.file_name().map(|n| n.to_string_lossy().into_owned()),
        )
    };
    let mut dialog = rfd::AsyncFileDialog::new().set_title(purpose.title());
    if let Some(folder) = folder.filter(|f| f.is_dir()) {
        dialog = dialog.set_directory(folder);
    }
    if let Some((name, extensions)) = purpose.filter() {
        dialog = dialog.add_filter(name, extensions);
    }
    let chosen = match purpose {
        Purpose::SaveTarget | Purpose::SaveSession => {
            if let Some(name) = name {
                dialog = dialog.set_file_name(name);
            }
            pollster::block_on(dialog.save_file())
        }
        Purpose::ExportFolder => pollster::block_on(dialog.pick_folder()),
        _ => pollster::block_on(dialog.pick_file()),
    };
    chosen.map(|handle| handle.path().to_path_buf())
}

/// The dialog's purpose for a file action, when it opens one.
fn purpose_of(action: &Action) -> Option<Purpose> {
    Some(match action {
        Action::LoadTarget => Purpose::LoadTarget,
        Action::SaveTarget => Purpose::SaveTarget,
        Action::OpenSession => Purpose::OpenSession,
        Action::SaveSession => Purpose::SaveSession,
        Action::LoadData => Purpose::LoadData,
        Action::ChooseExportFolder => Purpose::ExportFolder,
        _ => return None,
    })
}

impl Dialogs {
    /// Native dialogs from now on, where they can be shown (the window calls this; tests and
    /// scripts use the path fields).
    pub fn use_native(&mut self, ctx: &egui::Context) {
        // Where none can be shown, the first button that would open one says so.
        self.told = false;
        if can_show() {
            self.ctx = Some(ctx.clone());
        }
    }

    /// Opens a dialog for `action` instead of acting on the path field; true when it did
    /// (or the action needs no path yet).
    pub fn dialog_for(&mut self, p: &mut Parts<'_>, action: &Action) -> bool {
        if std::mem::take(&mut self.bypass) {
            return false;
        }
        let Some(purpose) = purpose_of(action) else {
            return false;
        };
        if !self.enabled() {
            if !std::mem::replace(&mut self.told, true) {
                say_no_dialog(p.status);
                return true;
            }
            return match purpose {
                Purpose::LoadData => {
                    p.status.info(
                        "Type the path of a .csv of points in the target box and press Load.",
                    );
                    true
                }
                Purpose::ExportFolder => {
                    p.status
                        .info("Type the export folder in the box beside the button.");
                    true
                }
                _ => false,
            };
        }
        if purpose == Purpose::SaveSession && (p.run.view.rounds.is_empty() || p.run.needs_new_run)
        {
            // The save explains that nothing is trained yet.
            return false;
        }
        let start = match purpose {
            Purpose::LoadTarget | Purpose::SaveTarget | Purpose::LoadData => {
                PathBuf::from(&p.persisted.target_path)
            }
            Purpose::OpenSession | Purpose::SaveSession => PathBuf::from(&p.persisted.session_path),
            Purpose::ExportFolder => PathBuf::from(&p.persisted.export_dir),
        };
        if let Err(err) = self.ask(purpose, &start) {
            p.status
                .error(format!("Could not open the file dialog: {err}"));
        }
        true
    }

    /// A dialog chose `path` for `purpose`: it goes into the path field, and the action to
    /// take on it comes back (acted on without a second dialog: `bypass` is set; the caller
    /// clears it after acting).
    pub fn chosen(&mut self, p: &mut Parts<'_>, purpose: Purpose, path: PathBuf) -> Option<Action> {
        let shown = path.display().to_string();
        let action = match purpose {
            Purpose::LoadTarget => {
                p.persisted.target_path = shown;
                Action::LoadTarget
            }
            Purpose::SaveTarget => {
                p.persisted.target_path = shown;
                Action::SaveTarget
            }
            Purpose::OpenSession => {
                p.persisted.session_path = shown;
                Action::OpenSession
            }
            Purpose::SaveSession => {
                p.persisted.session_path = shown;
                Action::SaveSession
            }
            Purpose::LoadData => Action::OpenFile(path),
            Purpose::ExportFolder => {
                p.persisted.export_dir = shown;
                p.status.info(format!("Exports go to {}", path.display()));
                return None;
            }
        };
        self.bypass = true;
        Some(action)
    }
}

/// No dialog could be shown: the path fields stand in.
pub fn say_no_dialog(status: &mut StatusLine) {
    status.error(
        "No file dialog can be shown here (no desktop portal or zenity): type the path in \
         the box beside the button, then press the button again.",
    );
}

/// A file was written: an export's message (one naming `pending_export`, the folder an
/// export is being written to) gets an "Open folder" button.
pub fn saved(status: &mut StatusLine, pending_export: &mut Option<PathBuf>, message: String) {
    match pending_export.take() {
        Some(dir) if message.contains(&dir.display().to_string()) => status.offer(
            message,
            vec![("Open folder".into(), Action::OpenFolder(dir))],
        ),
        other => {
            *pending_export = other;
            status.info(message);
        }
    }
}

/// Opens `dir` in the file manager; a failure goes to the status bar.
pub fn open_folder(status: &mut StatusLine, dir: &Path) {
    let program = if cfg!(target_os = "windows") {
        "explorer"
    } else if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    match std::process::Command::new(program).arg(dir).spawn() {
        Ok(mut child) => {
            // Reap the opener when it exits, off the UI thread.
            let _waiter = std::thread::Builder::new()
                .name("flowlab-open-folder".into())
                .spawn(move || {
                    let _status = child.wait();
                });
        }
        Err(err) => status.error(format!(
            "Could not open {} with {program}: {err}",
            dir.display()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(dialogs: &Dialogs, path: Option<&str>, quick: bool) {
        let sent = dialogs.tx.send(Answer {
            purpose: Purpose::LoadTarget,
            path: path.map(PathBuf::from),
            quick,
        });
        assert!(sent.is_ok());
    }

    #[test]
    fn a_chosen_path_comes_back_as_an_action() {
        let mut dialogs = Dialogs {
            ctx: Some(egui::Context::default()),
            ..Dialogs::default()
        };
        answer(&dialogs, Some("/tmp/t.toml"), false);
        // A slow cancel is the user's: nothing happens, dialogs stay on.
        answer(&dialogs, None, false);
        let mut actions = Vec::new();
        dialogs.poll(&mut actions);
        assert_eq!(
            actions,
            [Action::Chosen(
                Purpose::LoadTarget,
                PathBuf::from("/tmp/t.toml")
            )]
        );
        assert!(dialogs.enabled());
    }

    #[test]
    fn a_dialog_that_cannot_show_turns_dialogs_off_and_says_so_once() {
        let mut dialogs = Dialogs {
            ctx: Some(egui::Context::default()),
            told: false,
            ..Dialogs::default()
        };
        answer(&dialogs, None, true);
        answer(&dialogs, None, true);
        let mut actions = Vec::new();
        dialogs.poll(&mut actions);
        assert_eq!(actions, [Action::NoDialog]);
        assert!(!dialogs.enabled());
    }
}
