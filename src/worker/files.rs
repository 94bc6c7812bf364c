//! The files thread: reads targets, CSV points and sessions, fits mixtures and renders
//! figures, so none of that blocks the UI thread. One job at a time, in order; each job's
//! outcome is one [`Update`].

use std::path::Path;

use crossbeam_channel::Receiver;

use super::protocol::{FileJob, Update};
use super::updates::UpdateSender;
use crate::export::session::Session;
use crate::export::write_figure_files;
use crate::pipeline::fit_data;
use crate::target::Mixture;

/// The files thread's state.
pub(crate) struct FilesThread {
    pub jobs: Receiver<FileJob>,
    pub updates: UpdateSender,
}

impl FilesThread {
    /// Carries out jobs until the handle is dropped.
    pub fn run(self) {
        while let Ok(job) = self.jobs.recv() {
            let update = carry_out(job);
            self.updates.send(None, None, None, update);
        }
    }
}

/// Does one job; its outcome, success or failure, as the update the UI shows.
fn carry_out(job: FileJob) -> Update {
    let failed = |message: String| Update::Failed { message };
    match job {
        FileJob::ReadTarget(path) => match Mixture::load(&path) {
            Ok(target) => Update::TargetRead {
                target: Box::new(target),
                path: absolute(&path),
            },
            Err(err) => failed(format!("Could not load the target: {err}")),
        },
        FileJob::SaveTarget(path, target) => match target.save(&path) {
            Ok(()) => Update::Saved {
                message: format!("Saved the target to {}", absolute(&path).display()),
            },
            Err(err) => failed(format!("Could not save the target: {err}")),
        },
        FileJob::FitData(path, config) => match fit_data(&path, &config) {
            Ok(fitted) => Update::DataFitted(Box::new(fitted)),
            Err(err) => failed(format!("Could not use {}: {err}", path.display())),
        },
        FileJob::ReadSession(path) => match Session::load(&path) {
            Ok(session) => Update::SessionRead {
                session: Box::new(session),
                path: absolute(&path),
            },
            Err(err) => failed(format!("Could not open the session: {err}")),
        },
        FileJob::WriteSession(path, session) => match session.save(&path) {
            Ok(()) => Update::SessionWritten { path },
            Err(err) => failed(format!("Could not write the session: {err}")),
        },
        FileJob::WriteFigure {
            dir,
            stem,
            figure,
            style,
        } => match write_figure_files(&dir, &stem, &figure, &style) {
            Ok([png, svg]) => Update::Saved {
                message: format!(
                    "Exported {} and {}",
                    absolute(&png).display(),
                    absolute(&svg).display()
                ),
            },
            Err(err) => failed(format!("Could not export the chart: {err}")),
        },
    }
}

/// `path` made absolute (against the working folder), so messages say where a file is.
pub fn absolute(path: &Path) -> std::path::PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}
