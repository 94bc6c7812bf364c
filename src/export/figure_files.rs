//! One figure written as a PNG and an SVG side by side.

use std::path::{Path, PathBuf};

use super::{ExportError, Figure, FigureStyle, render_png, render_svg, write_atomically};

/// Writes `figure` as `<stem>.png` and `<stem>.svg` in `dir` (created if missing), each
/// atomically; returns the two paths.
pub fn write_figure_files(
    dir: &Path,
    stem: &str,
    figure: &Figure,
    style: &FigureStyle,
) -> Result<[PathBuf; 2], ExportError> {
    let io = |path: &Path, source| ExportError::Io {
        path: path.display().to_string(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let png = dir.join(format!("{stem}.png"));
    let svg = dir.join(format!("{stem}.svg"));
    write_atomically(&png, &render_png(figure, style)?).map_err(|e| io(&png, e))?;
    write_atomically(&svg, render_svg(figure, style)?.as_bytes()).map_err(|e| io(&svg, e))?;
    Ok([png, svg])
}
