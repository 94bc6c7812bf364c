//! Everything that leaves flowlab as a file: figures for slides (PNG and SVG, drawn with
//! plotters from plain data), the figure set of a run with its index, the run card, and
//! session files that reopen a whole run.
//!
//! Like the rest of the engine this module knows nothing of the UI: the app and the headless
//! run build the same [`Figure`]s from the same numbers.

mod figure;
pub mod figure_set;
pub mod palette;
pub mod plots;
mod render;
pub mod run_card;
pub mod session;

pub use figure::{Axis, Figure, FigureStyle, Layer, Panel, Rgb, Scale, Theme};
pub use render::{format_number, render_png, render_svg};

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
    /// The model could not be evaluated (the velocity field).
    #[error(transparent)]
    Flow(#[from] crate::flow::FlowError),
}
