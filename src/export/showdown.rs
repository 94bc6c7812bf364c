//! The showdown table of the run card: every round's quality at 1, 2 and 4 steps beside the
//! compute it cost to get there, and the adaptive solver's evaluations (how straight it is).

use std::fmt::Write as _;

use super::figure::{Axis, Figure, Layer, Panel, Rgb, Scale};
use super::format_number;
use super::palette::{RoundKindColor, round_kind_rgb};
use super::plots::RoundData;
use crate::pipeline::{RoundReport, RunReport};

/// File name stem of the showdown figure.
pub const SHOWDOWN_STEM: &str = "showdown";

/// Step counts the showdown compares.
pub const SHOWDOWN_STEPS: [usize; 3] = [1, 2, 4];

/// Writes the showdown table of `report`'s rounds.
pub fn showdown_table(md: &mut String, report: &RunReport) -> std::fmt::Result {
    writeln!(
        md,
        "\nOne step and what it cost: within-mode W2 at 1, 2 and 4 steps (each round's own \
         sampler), the network evaluations it took to make the round (its training steps × \
         batch × passes per example, plus its teacher's pairs and its teacher's own cost), and \
         the evaluations per sample the adaptive Dormand–Prince 5(4) solver needs at \
         tolerance 1e-3 (fewer means straighter paths).\n\n| round | evaluations to make | \
         adaptive evaluations | 1 step | 2 steps | 4 steps |\n|---|---:|---:|---:|---:|---:|"
    )?;
    for r in &report.rounds {
        write!(
            md,
            "| {} | {} | {} |",
            r.name,
            short_count(r.network_evaluations),
            r.adaptive_evaluations
                .map_or_else(|| "–".to_owned(), |n| format!("{n:.1}"))
        )?;
        for steps in SHOWDOWN_STEPS {
            let cell = r
                .within_mode_w2_at(steps)
                .map_or_else(|| "–".to_owned(), format_number);
            write!(md, " {cell} |")?;
        }
        writeln!(md)?;
    }
    Ok(())
}

/// The rounds the showdown compares, each with its place on the cost axis.
///
/// Every round that can sample in few steps and has a cost (not the diffusion path or the
/// guided model); the place is its network evaluations, rounds of equal cost (1-RF and
/// OT-CFM, the shortcut model and `MeanFlow`) 6 % apart so they stand side by side on a log
/// axis rather than on top of each other.
pub fn showdown_places<'a>(
    reports: impl IntoIterator<Item = &'a RoundReport>,
) -> Vec<(&'a RoundReport, f64)> {
    let mut seen: Vec<u64> = Vec::new();
    reports
        .into_iter()
        .filter(|r| {
            r.network_evaluations > 0
                && !matches!(
                    RoundKindColor::of_name(&r.name),
                    RoundKindColor::Diffusion | RoundKindColor::Guided
                )
        })
        .map(|r| {
            let same = seen.iter().filter(|&&c| c == r.network_evaluations).count();
            seen.push(r.network_evaluations);
            (r, r.network_evaluations as f64 * 1.06_f64.powi(same as i32))
        })
        .collect()
}

/// Marker radius of each showdown step count: the one-step result is the big dot.
const RADII: [f64; 3] = [11.0, 7.0, 4.5];

/// The showdown as a slide, or `None` when no round has a cost yet (older reports).
///
/// Every round that can sample in few steps; the diffusion path and the guided model answer
/// other questions and are left out (the run card's table has them).
///
/// For every round, its within-mode W2 at 1, 2 and 4 steps (big, middle and small dots joined
/// by a line) above the network evaluations it cost to make (log axis), with the metric's
/// floor as a dashed reference.
pub fn showdown_figure(rounds: &[RoundData<'_>], floor: Option<f64>) -> Option<Figure> {
    let mut layers = Vec::new();
    let (mut lo, mut hi) = (f64::INFINITY, 0.0_f64);
    let (mut bottom, mut top) = floor.map_or((f64::INFINITY, 0.0), |f| (f, f));
    for (report, cost) in showdown_places(rounds.iter().map(|r| r.report)) {
        let measured: Vec<[f64; 2]> = SHOWDOWN_STEPS
            .iter()
            .filter_map(|&s| report.within_mode_w2_at(s).map(|w| [cost, w]))
            .collect();
        if measured.is_empty() {
            continue;
        }
        lo = lo.min(cost);
        hi = hi.max(cost);
        top = measured.iter().fold(top, |m, p| m.max(p[1]));
        bottom = measured.iter().fold(bottom, |m, p| m.min(p[1]));
        let color = round_kind_rgb(&report.name);
        if measured.len() > 1 {
            layers.push(Layer::Lines {
                name: None,
                color,
                alpha: 0.6,
                width: 2.5,
                dashed: false,
                lines: vec![measured.clone()],
            });
        }
        for (k, &steps) in SHOWDOWN_STEPS.iter().enumerate() {
            if let Some(w) = report.within_mode_w2_at(steps) {
                layers.push(Layer::Points {
                    name: (k == 0).then(|| report.name.clone()),
                    color,
                    alpha: 1.0,
                    radius: RADII[k],
                    points: vec![[cost, w]],
                });
            }
        }
    }
    if layers.is_empty() {
        return None;
    }
    if let Some(f) = floor {
        layers.push(Layer::HLine {
            name: Some(format!("floor {} (a perfect sampler)", format_number(f))),
            color: Rgb(120, 120, 120),
            y: f,
        });
    }
    Some(Figure {
        title: "One step and what it cost: within-mode W2 at 1, 2 and 4 steps (big, middle, \
                small dot) against the evaluations that made the round"
            .into(),
        panels: vec![Panel {
            heading: None,
            heading_color: None,
            x: Axis::linear(
                "network evaluations to make the round (training × batch, teachers included)",
                (lo / 2.0, hi * 2.0),
            )
            .with_scale(Scale::Log10),
            // Log: one step of 1-RF (about 3.6) and the best (about 0.1) both readable.
            y: Axis::linear(
                "within-mode W2 (lower is better, log)",
                (bottom.max(1e-3) * 0.8, top * 1.25),
            )
            .with_scale(Scale::Log10),
            equal_aspect: false,
            layers,
            legend: true,
        }],
    })
}

/// A count as it reads on a slide: as it is below 10,000, then in thousands (`51.2 k`),
/// then in millions (`2.05 M`), three significant digits.
pub fn short_count(count: u64) -> String {
    if count < 10_000 {
        count.to_string()
    } else if count < 1_000_000 {
        format!("{} k", format_number(count as f64 / 1e3))
    } else {
        format!("{} M", format_number(count as f64 / 1e6))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_in_millions() {
        assert_eq!(short_count(512), "512");
        assert_eq!(short_count(51_200), "51.2 k");
        assert!(
            short_count(2_048_000).starts_with("2.0"),
            "{}",
            short_count(2_048_000)
        );
        assert!(short_count(2_048_000).ends_with(" M"));
    }
}
