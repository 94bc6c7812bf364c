//! Telling a round that blew up from a healthy one, so a run never reports garbage quietly.

use super::RoundReport;

/// A round's final loss at least this many times its starting loss has diverged.
pub const DIVERGED_LOSS_RATIO: f64 = 100.0;
/// A round whose loss, in any reporting window, reached this many times its starting loss
/// has blown up on the way (even if it came down again).
pub const SPIKE_LOSS_RATIO: f64 = 10_000.0;
/// A round whose W2 (at the most steps measured) is at least this many times the metric
/// floor has diverged.
pub const DIVERGED_W2_RATIO: f64 = 10.0;

/// Why a round counts as diverged, if it does.
///
/// Its starting loss is the smaller of its first reported loss and the loss of predicting
/// zero velocity (`coupling_cost / dim`, what an untrained network scores); it has diverged
/// when its final loss is at least [`DIVERGED_LOSS_RATIO`] × that, when any reported loss
/// reached [`SPIKE_LOSS_RATIO`] × that, or when its W2 at the most steps measured is at
/// least [`DIVERGED_W2_RATIO`] × the metric floor (or not finite).
pub fn divergence(
    report: &RoundReport,
    losses: &[(usize, f32)],
    floor_w2: f64,
    dim: usize,
) -> Option<String> {
    let mut reasons = Vec::new();
    if let (Some(first), Some(last)) = (losses.first(), losses.last()) {
        let zero_velocity = report.coupling_cost / dim.max(1) as f64;
        let start = f64::from(first.1).min(zero_velocity);
        let last = f64::from(last.1);
        let peak = losses
            .iter()
            .map(|l| f64::from(l.1))
            .fold(f64::NEG_INFINITY, f64::max);
        if start > 0.0 && last >= DIVERGED_LOSS_RATIO * start {
            reasons.push(format!(
                "its final loss {last:.4} is {:.0}× its starting loss {start:.4}",
                last / start
            ));
        } else if start > 0.0 && peak >= SPIKE_LOSS_RATIO * start {
            reasons.push(format!(
                "its loss reached {peak:.3e}, {:.0}× its starting loss {start:.4}",
                peak / start
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
