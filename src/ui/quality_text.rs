//! The quality numbers as the screen writes them: a mean with its ± (one standard error over
//! the evaluation's draws) and, where there is one, the floor a perfect sampler scores.

use crate::metrics::Estimate;
use crate::pipeline::RoundReport;

/// A round button's tooltip: what rounds are, then what this one cost to make and how many
/// evaluations the adaptive solver needs on it.
pub fn round_tip(report: &RoundReport) -> String {
    let made = format!(
        "{}: made with {} network evaluations (training steps × batch × passes per example, \
         plus its teacher's pairs and the teacher's own cost).",
        report.name,
        crate::export::short_count(report.network_evaluations)
    );
    let adaptive = match report.adaptive_evaluations {
        Some(n) => format!(
            " The adaptive Dormand–Prince solver needs {n:.1} evaluations per sample at \
             tolerance 1e-3: the straighter the paths, the fewer."
        ),
        None => " A student: sampled in its own few steps, not integrated.".to_owned(),
    };
    format!("{}\n\n{made}{adaptive}", super::tips::ROUNDS)
}

/// `0.071 ± 0.004`: three decimals, the ± left out when there was a single draw.
pub fn plus_minus(e: Estimate) -> String {
    if e.se > 0.0 {
        format!("{:.3} ± {:.3}", e.mean, e.se)
    } else {
        format!("{:.3}", e.mean)
    }
}

/// A share as a percentage with one decimal: `2.0 %`, `2.0 ± 0.3 %`.
pub fn percent(e: Estimate) -> String {
    if e.se > 0.0 {
        format!("{:.1} ± {:.1} %", 100.0 * e.mean, 100.0 * e.se)
    } else {
        format!("{:.1} %", 100.0 * e.mean)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_with_their_error() {
        let e = Estimate {
            mean: 0.0712,
            se: 0.0041,
        };
        assert_eq!(plus_minus(e), "0.071 ± 0.004");
        assert_eq!(percent(e), "7.1 ± 0.4 %");
        let single = Estimate {
            mean: 0.02,
            se: 0.0,
        };
        assert_eq!(plus_minus(single), "0.020");
        assert_eq!(percent(single), "2.0 %");
    }
}
