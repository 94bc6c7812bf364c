//! The files a headless run writes: `metrics.json`, `samples_<round>.csv`,
//! `trajectories_<round>.csv`. Everything is written to a hidden staging folder first and
//! moved into place at the end, so a failed or cancelled run leaves nothing half-written.

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::{Pipeline, RunReport};
use crate::Points;
use crate::flow::Trajectory;

/// The samples as CSV with a header row (`x` or `x,y`).
pub fn samples_csv(points: &Points) -> String {
    let mut out = String::with_capacity(points.len() * 24);
    out.push_str(axis_names(points.dim));
    out.push('\n');
    for row in points.rows() {
        push_row(&mut out, row);
    }
    out
}

/// The paths as CSV: `particle,step,t,x[,y]`, every particle at every step.
pub fn trajectories_csv(trajectory: &Trajectory) -> String {
    let mut out = String::with_capacity(trajectory.positions.len() * 20);
    out.push_str("particle,step,t,");
    out.push_str(axis_names(trajectory.dim));
    out.push('\n');
    for p in 0..trajectory.particles {
        for (k, &t) in trajectory.times.iter().enumerate() {
            let frame = trajectory.frame(k);
            let _ = write!(out, "{p},{k},{t},");
            push_row(
                &mut out,
                &frame[p * trajectory.dim..(p + 1) * trajectory.dim],
            );
        }
    }
    out
}

fn axis_names(dim: usize) -> &'static str {
    if dim == 1 { "x" } else { "x,y" }
}

fn push_row(out: &mut String, row: &[f32]) {
    for (i, v) in row.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{v}");
    }
    out.push('\n');
}

/// Writes the results of `pipeline` into `dir` (created if missing). Files are staged in a
/// hidden sibling folder and moved in only when all are written.
pub fn write_run(dir: &Path, pipeline: &Pipeline, report: &RunReport) -> io::Result<Vec<PathBuf>> {
    let mut files: Vec<(String, String)> = Vec::new();
    let json = serde_json::to_string_pretty(report).map_err(io::Error::other)?;
    files.push(("metrics.json".into(), json));
    for round in pipeline.rounds() {
        files.push((
            format!("samples_{}.csv", round.name),
            samples_csv(&round.samples),
        ));
        files.push((
            format!("trajectories_{}.csv", round.name),
            trajectories_csv(&round.trajectory),
        ));
    }
    write_files_atomically(dir, &files)
}

/// Writes `(name, contents)` files into `dir` through a staging folder; on any error the
/// staging folder is removed and `dir` is left as it was.
pub fn write_files_atomically(dir: &Path, files: &[(String, String)]) -> io::Result<Vec<PathBuf>> {
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let base = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    if dir.exists() && !dir.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} exists and is not a folder", dir.display()),
        ));
    }
    fs::create_dir_all(&parent)?;
    let staging = parent.join(format!(".{base}.partial-{}", std::process::id()));
    let result = (|| {
        fs::create_dir_all(&staging)?;
        for (name, contents) in files {
            fs::write(staging.join(name), contents)?;
        }
        if !dir.exists() {
            fs::rename(&staging, dir)?;
            return Ok(());
        }
        for (name, _) in files {
            fs::rename(staging.join(name), dir.join(name))?;
        }
        fs::remove_dir(&staging)
    })();
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    result?;
    Ok(files.iter().map(|(name, _)| dir.join(name)).collect())
}
