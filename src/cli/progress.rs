//! A one-line progress bar on stderr for pipeline events.

use std::io::{IsTerminal as _, Write as _};
use std::time::Instant;

use flowlab::pipeline::{Event, Phase, Progress};

/// Draws pipeline events as a progress bar (redrawn in place on a terminal, one line per
/// finished phase otherwise).
pub struct ProgressBar {
    tty: bool,
    phase_started: Instant,
    last_draw: Instant,
}

impl ProgressBar {
    /// A bar on stderr.
    pub fn new() -> Self {
        Self {
            tty: std::io::stderr().is_terminal(),
            phase_started: Instant::now(),
            last_draw: Instant::now(),
        }
    }

    /// Shows one event.
    pub fn show(&mut self, event: &Event) {
        let mut err = std::io::stderr().lock();
        match event {
            Event::PhaseStarted(_) => self.phase_started = Instant::now(),
            Event::Progress(Progress {
                round,
                phase,
                done,
                total,
                loss,
                ..
            }) => {
                let finished = done >= total;
                if !self.tty && !finished {
                    return;
                }
                if self.tty && !finished && self.last_draw.elapsed().as_millis() < 100 {
                    return;
                }
                self.last_draw = Instant::now();
                let frac = *done as f64 / (*total).max(1) as f64;
                let width = 30;
                let filled = (frac * width as f64).round() as usize;
                let elapsed = self.phase_started.elapsed().as_secs_f64();
                let eta = if frac > 0.0 {
                    elapsed * (1.0 - frac) / frac
                } else {
                    0.0
                };
                let loss = loss.map(|l| format!("  loss {l:.4}")).unwrap_or_default();
                let unit = if *phase == Phase::Pairs { " pairs" } else { "" };
                let line = format!(
                    "{round:>10} {:<8} [{}{}] {done}/{total}{unit}{loss}  {elapsed:.1}s (eta {eta:.0}s)",
                    phase.label(),
                    "#".repeat(filled),
                    "-".repeat(width - filled),
                );
                if self.tty {
                    let _shown: std::io::Result<()> = write!(err, "\r\x1b[2K{line}");
                    if finished {
                        let _shown: std::io::Result<()> = writeln!(err);
                    }
                } else {
                    let _shown: std::io::Result<()> = writeln!(err, "{line}");
                }
            }
            Event::RoundFinished(report) => {
                let w2: Vec<String> = report
                    .w2_by_steps
                    .iter()
                    .map(|(k, v)| format!("{k}:{v:.3}"))
                    .collect();
                let straight = report
                    .straightness
                    .map(|s| format!("  straightness {s:.4}"))
                    .unwrap_or_default();
                let _shown: std::io::Result<()> = writeln!(
                    err,
                    "{:>10} done: cost {:.3}{straight}  mode TV {:.3}  W2 by steps {}",
                    report.name,
                    report.coupling_cost,
                    report.mode_tv,
                    w2.join(" ")
                );
            }
            Event::Finished => {}
        }
    }
}
