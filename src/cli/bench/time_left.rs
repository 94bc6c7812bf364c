//! The time-left estimate checked against what happened: every phase of a run's progress
//! reports, replayed into [`TimeLeft`] as the app receives them.

use std::io::Write as _;
use std::time::Instant;

use flowlab::pipeline::{Event, TimeLeft};

/// One progress report: seconds since the run started, round, phase, done, total.
#[derive(Clone, Debug)]
pub struct Report {
    /// Seconds since the run started.
    pub at: f64,
    /// Round and phase, e.g. `2-RF train`.
    pub phase: String,
    /// Units done.
    pub done: usize,
    /// Units in the phase.
    pub total: usize,
}

/// Records the progress events of a run (pass [`Recorder::observe`] as its watcher).
pub struct Recorder {
    start: Instant,
    /// The reports in order.
    pub reports: Vec<Report>,
}

impl Recorder {
    /// A recorder whose clock starts now.
    pub fn new() -> Self {
        Self {
            start: Instant::now(),
            reports: Vec::new(),
        }
    }

    /// Keeps a phase start or progress event.
    pub fn observe(&mut self, event: &Event) {
        if let Event::PhaseStarted(p) | Event::Progress(p) = event {
            self.reports.push(Report {
                at: self.start.elapsed().as_secs_f64(),
                phase: format!("{} {}", p.round, p.phase.label()),
                done: p.done,
                total: p.total,
            });
        }
    }
}

/// Writes `reports` as CSV (`seconds,phase,done,total`).
pub fn write_csv(reports: &[Report], path: &std::path::Path) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "seconds,phase,done,total")?;
    for r in reports {
        writeln!(out, "{:.4},{},{},{}", r.at, r.phase, r.done, r.total)?;
    }
    Ok(())
}

/// For each phase of at least `min_seconds`: the estimate at the first report past 10 %,
/// and the time the rest of the phase took.
pub fn print_predictions(reports: &[Report], min_seconds: f64) {
    let mut k = 0;
    while k < reports.len() {
        let phase = &reports[k].phase;
        let end = reports[k..]
            .iter()
            .position(|r| &r.phase != phase || (r.done == 0 && r.at > reports[k].at))
            .map_or(reports.len(), |n| k + n);
        let part = &reports[k..end];
        k = end.max(k + 1);
        let (Some(first), Some(last)) = (part.first(), part.last()) else {
            continue;
        };
        if last.at - first.at < min_seconds || last.done < last.total {
            continue;
        }
        let mut estimate = TimeLeft::new(first.total);
        for r in part {
            estimate.observe(r.at - first.at, r.done);
            if r.done * 10 >= r.total && r.done > 0 {
                let actual = last.at - r.at;
                if let Some(predicted) = estimate.seconds_left() {
                    println!(
                        "time left {phase}: at {} of {} predicted {predicted:.2} s, actual \
                         {actual:.2} s ({:+.0} %; goal within 20 %)",
                        r.done,
                        r.total,
                        100.0 * (predicted - actual) / actual.max(1e-9)
                    );
                }
                break;
            }
        }
    }
}
