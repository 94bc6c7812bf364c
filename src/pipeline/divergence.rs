//! Telling a round that blew up from a healthy one, so a run never reports garbage quietly.

use super::RoundReport;

/// A round's loss at least this many times its first reported loss has diverged.
pub const DIVERGED_LOSS_RATIO: f64 = 100.0;
/// A round whose W2 (at the most steps measured) is at least this many times the metric
/// floor has diverged.
pub const DIVERGED_W2_RATIO: f64 = 10.0;

/// Why a round counts as diverged, if it does: its final loss is at least
/// [`DIVERGED_LOSS_RATIO`] × its first reported loss, or its W2 at the most steps measured is
/// at least [`DIVERGED_W2_RATIO`] × the metric floor (or not finite).
pub fn divergence(report: &RoundReport, losses: &[(usize, f32)], floor_w2: f64) -> Option<String> {
    let mut reasons = Vec::new();
    if let (Some(first), Some(last)) = (losses.first(), losses.last()) {
        let (first, last) = (f64::from(first.1), f64::from(last.1));
        if first > 0.0 && last >= DIVERGED_LOSS_RATIO * first {
            reasons.push(format!(
                "its loss rose from {first:.3} to {last:.3} ({:.0}×)",
                last / first
            ));
        }
    }
    if let Some((steps, &w2)) = report.w2_by_steps.iter().next_back()
        && (!w2.is_finite() || (floor_w2 > 0.0 && w2 >= DIVERGED_W2_RATIO * floor_w2))
    {
        reasons.push(format!(
            "its W2 at {steps} steps is {w2:.3}, {:.0}× the metric floor {floor_w2:.3}",
            w2 / floor_w2
        ));
    }
    (!reasons.is_empty()).then(|| reasons.join("; "))
}
