//! The files a headless run writes.
//!
//! `metrics.json`, `rounds.csv`, `losses.csv`, `samples_<round>.csv`,
//! `trajectories_<round>.csv`. Everything is written to a hidden staging folder first and
//! moved into place at the end, so a failed or cancelled run leaves nothing half-written;
//! [`OutputFolder`] replaces a whole folder that way.
//!
//! Round names come from the run or from a session file: in CSV cells they are quoted when
//! they hold a comma, quote or line break, and in file names every character other than
//! letters, digits, `-`, `_`, `.` and `+` becomes `_` ([`file_stem`]).

mod folder;

pub use folder::{OutputError, OutputFolder};

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::{Pipeline, RoundReport, RunReport};
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
            let _infallible: std::fmt::Result = write!(out, "{p},{k},{t},");
            push_row(
                &mut out,
                &frame[p * trajectory.dim..(p + 1) * trajectory.dim],
            );
        }
    }
    out
}

/// Every round's losses as CSV: `round,step,loss` (the mean loss over each reporting window).
pub fn losses_csv<'a>(rounds: impl IntoIterator<Item = (&'a str, &'a [(usize, f32)])>) -> String {
    let mut out = String::from("round,step,loss\n");
    for (name, losses) in rounds {
        let name = csv_field(name);
        for (step, loss) in losses {
            let _infallible: std::fmt::Result = writeln!(out, "{name},{step},{loss}");
        }
    }
    out
}

/// One row per round with its numbers.
///
/// `round,coupling_cost,straightness,mode_tv,` then `w2_steps_<n>` for every step count any
/// round was measured at (empty where a round was not), then
/// `train_steps,final_loss,train_seconds,pair_seconds,network_evaluations,adaptive_evaluations`.
pub fn rounds_csv(rounds: &[RoundReport]) -> String {
    let steps: std::collections::BTreeSet<usize> = rounds
        .iter()
        .flat_map(|r| r.w2_by_steps.keys().copied())
        .collect();
    let mut out = String::from("round,coupling_cost,straightness,mode_tv");
    for s in &steps {
        let _infallible: std::fmt::Result = write!(out, ",w2_steps_{s}");
    }
    out.push_str(
        ",train_steps,final_loss,train_seconds,pair_seconds,network_evaluations,\
         adaptive_evaluations\n",
    );
    let opt = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    for r in rounds {
        let _infallible: std::fmt::Result = write!(
            out,
            "{},{},{},{}",
            csv_field(&r.name),
            r.coupling_cost,
            opt(r.straightness),
            r.mode_tv
        );
        for s in &steps {
            let _infallible: std::fmt::Result = write!(out, ",{}", opt(r.w2_at(*s)));
        }
        let _infallible: std::fmt::Result = writeln!(
            out,
            ",{},{},{},{},{},{}",
            r.train_steps,
            opt(r.final_loss.map(f64::from)),
            r.train_seconds,
            r.pair_seconds,
            r.network_evaluations,
            r.adaptive_evaluations
                .map(|n| n.to_string())
                .unwrap_or_default()
        );
    }
    out
}

/// `text` as one CSV field: quoted (with inner quotes doubled) when it holds a comma, a
/// quote, a line break or leading/trailing spaces, else as it is.
pub fn csv_field(text: &str) -> std::borrow::Cow<'_, str> {
    let needs_quotes =
        text.contains([',', '"', '\n', '\r', ';']) || text.starts_with(' ') || text.ends_with(' ');
    if needs_quotes {
        std::borrow::Cow::Owned(format!("\"{}\"", text.replace('"', "\"\"")))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// `name` made safe as part of a file name.
///
/// Letters, digits, `-`, `_`, `.` and `+` are kept, everything else (`/`, `\`, `:`, spaces,
/// control characters, …) becomes `_`; a name that would be empty or only dots becomes
/// `round`; at most 100 characters are kept.
pub fn file_stem(name: &str) -> String {
    let stem: String = name
        .chars()
        .take(100)
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '+') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if stem.chars().all(|c| c == '.') {
        "round".into()
    } else {
        stem
    }
}

/// A safe file stem for each round name ([`file_stem`]), made distinct by a `-2`, `-3`, …
/// suffix where two names come out the same.
pub fn round_stems<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    names
        .into_iter()
        .map(|name| {
            let stem = file_stem(name);
            let mut candidate = stem.clone();
            let mut k = 2;
            while !seen.insert(candidate.clone()) {
                candidate = format!("{stem}-{k}");
                k += 1;
            }
            candidate
        })
        .collect()
}

fn axis_names(dim: usize) -> &'static str {
    if dim == 1 { "x" } else { "x,y" }
}

fn push_row(out: &mut String, row: &[f32]) {
    for (i, v) in row.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _infallible: std::fmt::Result = write!(out, "{v}");
    }
    out.push('\n');
}

/// Writes the results of `pipeline` into `dir` (created if missing), with `extra` files
/// (e.g. the rendered figure set) beside them.
///
/// Files are staged in a hidden sibling folder and moved in only when all are written.
pub fn write_run(
    dir: &Path,
    pipeline: &Pipeline,
    report: &RunReport,
    extra: Vec<(String, Vec<u8>)>,
) -> io::Result<Vec<PathBuf>> {
    let mut files = run_files(pipeline, report)?;
    files.extend(extra);
    write_files_atomically(dir, &files)
}

/// The data files of a run, `(name, contents)`: `metrics.json`, `rounds.csv`, `losses.csv`
/// and each round's samples and trajectories.
pub fn run_files(pipeline: &Pipeline, report: &RunReport) -> io::Result<Vec<(String, Vec<u8>)>> {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let json = serde_json::to_string_pretty(report).map_err(io::Error::other)?;
    files.push(("metrics.json".into(), json.into_bytes()));
    files.push(("rounds.csv".into(), rounds_csv(&report.rounds).into_bytes()));
    let losses = pipeline
        .rounds()
        .iter()
        .map(|r| (r.name.as_str(), r.losses.as_slice()));
    files.push(("losses.csv".into(), losses_csv(losses).into_bytes()));
    let stems = round_stems(pipeline.rounds().iter().map(|r| r.name.as_str()));
    for (round, stem) in pipeline.rounds().iter().zip(stems) {
        files.push((
            format!("samples_{stem}.csv"),
            samples_csv(&round.samples).into_bytes(),
        ));
        files.push((
            format!("trajectories_{stem}.csv"),
            trajectories_csv(&round.trajectory).into_bytes(),
        ));
    }
    Ok(files)
}

/// Writes `(name, contents)` files into `dir` through a staging folder; on any error the
/// staging folder is removed and `dir` is left as it was.
pub fn write_files_atomically<C: AsRef<[u8]>>(
    dir: &Path,
    files: &[(String, C)],
) -> io::Result<Vec<PathBuf>> {
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
            fs::write(staging.join(name), contents.as_ref())?;
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
        let _best_effort: std::io::Result<()> = fs::remove_dir_all(&staging);
    }
    result?;
    Ok(files.iter().map(|(name, _)| dir.join(name)).collect())
}
