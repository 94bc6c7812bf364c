//! Everything about a run in one folder.
//!
//! Metrics.json, the CSV files, the run card, the session file and (optionally) the figure
//! set. The headless `flowlab run` and the app's "Export everything" write the same folder.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use super::figure_set::{figure_files_cancellable, run_figures};
use super::run_card::run_card;
use super::session::{SESSION_EXTENSION, Session};
use super::{ExportError, FigureStyle};
use crate::pipeline::{Pipeline, output};

/// Writes the folder for `pipeline` into `dir` (created if missing), atomically: a failure
/// leaves `dir` as it was. With `figures`, the figure set in that style is drawn too.
pub fn write_run_folder(
    dir: &Path,
    pipeline: &Pipeline,
    figures: Option<&FigureStyle>,
) -> Result<Vec<PathBuf>, ExportError> {
    let files = run_folder_files(pipeline, figures, &AtomicBool::new(false))?;
    output::write_files_atomically(dir, &files).map_err(|source| ExportError::Io {
        path: dir.display().to_string(),
        source,
    })
}

/// Every file of the folder for `pipeline`, `(name, contents)`, with the report it was
/// written from.
///
/// The data files, the run card, the session and, with `figures`, the figure set. `cancel`
/// is checked between figures ([`ExportError::Cancelled`]).
pub fn run_folder_files(
    pipeline: &Pipeline,
    figures: Option<&FigureStyle>,
    cancel: &AtomicBool,
) -> Result<Vec<(String, Vec<u8>)>, ExportError> {
    let report = pipeline.report();
    let io = |source| ExportError::Io {
        path: "metrics.json".into(),
        source,
    };
    let mut files = output::run_files(pipeline, &report).map_err(io)?;
    let mut stems = Vec::new();
    if let Some(style) = figures {
        let set = run_figures(pipeline, style)?;
        stems = set.iter().map(|f| f.stem.clone()).collect();
        files.extend(figure_files_cancellable(
            &set,
            style,
            "flowlab figure set",
            cancel,
        )?);
    }
    files.push(("run_card.md".into(), run_card(&report, &stems).into_bytes()));
    let session = Session::from_pipeline(pipeline)
        .and_then(|s| s.to_bytes())
        .map_err(|err| ExportError::Invalid(err.to_string()))?;
    files.push((format!("session.{SESSION_EXTENSION}"), session));
    Ok(files)
}
