//! Everything that leaves flowlab as a file.
//!
//! Figures for slides (PNG and SVG, drawn with plotters from plain data), the figure set of
//! a run with its index, the run card, and session files that reopen a whole run.
//!
//! Like the rest of the engine this module knows nothing of the UI: the app and the headless
//! run build the same [`Figure`]s from the same numbers.

mod figure;
mod figure_files;
pub mod figure_set;
pub mod layout;
pub mod palette;
pub mod plots;
mod render;
pub mod run_card;
pub mod run_folder;
pub mod session;
mod showdown;

pub use figure::{Axis, Figure, FigureStyle, Layer, Panel, Rgb, Scale, Theme};
pub use figure_files::write_figure_files;
pub use render::{format_compact, format_number, render_png, render_svg};
pub use showdown::{SHOWDOWN_STEM, SHOWDOWN_STEPS, short_count, showdown_figure, showdown_places};

/// Writes `bytes` to `path` through a temporary sibling file that is flushed to disk and
/// then renamed over `path`: a crash mid-write leaves the old file whole.
pub fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    let temp = dir.join(format!(".{name}.saving-{}", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _best_effort: std::io::Result<()> = std::fs::remove_file(&temp);
    }
    result
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The request itself is not valid (size, empty data).
    #[error("{0}")]
    Invalid(String),
    /// Drawing failed.
    #[error("could not draw the figure: {0}")]
    Draw(String),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: String,
        /// What went wrong.
        source: std::io::Error,
    },
    /// Stopped on request (Ctrl-C) before anything was written.
    #[error("cancelled")]
    Cancelled,
    /// The model could not be evaluated (the velocity field).
    #[error(transparent)]
    Flow(#[from] crate::flow::FlowError),
    /// The run could not be written as a session.
    #[error(transparent)]
    Session(Box<session::SessionError>),
}
