//! Everything about a run in one folder: metrics.json, the CSV files, the run card, the
//! session file and (optionally) the figure set. The headless `flowlab run` and the app's
//! "Export everything" write the same folder.

use std::path::{Path, PathBuf};

use super::figure_set::{figure_files, run_figures};
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
    let report = pipeline.report();
    let mut extra = Vec::new();
    let mut stems = Vec::new();
    if let Some(style) = figures {
        let set = run_figures(pipeline, style)?;
        stems = set.iter().map(|f| f.stem.clone()).collect();
        extra = figure_files(&set, style, "flowlab figure set")?;
    }
    extra.push(("run_card.md".into(), run_card(&report, &stems).into_bytes()));
    let session = Session::from_pipeline(pipeline)
        .and_then(|s| s.to_bytes())
        .map_err(|err| ExportError::Session(Box::new(err)))?;
    extra.push((format!("session.{SESSION_EXTENSION}"), session));
    output::write_run(dir, pipeline, &report, extra).map_err(|source| ExportError::Io {
        path: dir.display().to_string(),
        source,
    })
}
