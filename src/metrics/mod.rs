//! The numbers flowlab reports (definitions in `DESIGN.md` §1).
//!
//! W2 and its metric floor, within-mode W2, stray mass, transport cost of a coupling and
//! its optimum, straightness of a flow, and per-mode coverage.

mod assignment;
mod auction;
mod coverage;
mod estimate;
mod ot_minimum;
mod straightness;
mod stray;
mod w2;
mod warm_start;
mod within_mode;

pub use assignment::{
    Start, min_cost_assignment, min_cost_assignment_from, optimal_matching, optimal_matching_from,
    optimal_matching_warm, squared_distance, squared_distances,
};
pub use coverage::{mode_fractions, mode_tv};
pub use estimate::Estimate;
pub use ot_minimum::{OtMinimum, ot_minimum};
pub use straightness::{StraightnessMeter, straightness};
pub use stray::{STRAY_MAHALANOBIS, stray_mass};
pub use w2::{metric_floor, w2};
pub use warm_start::WarmStart;
pub use within_mode::within_mode_w2;

use crate::Points;

/// Transport cost of a coupling: `E ‖z − x0‖²` over paired rows.
///
/// # Panics
/// If the two sets differ in size or dimension (a programming error).
pub fn transport_cost(z: &Points, x0: &Points) -> f64 {
    assert_eq!(z.data.len(), x0.data.len(), "paired sets must match");
    if z.is_empty() {
        return 0.0;
    }
    let sum: f64 = z
        .data
        .iter()
        .zip(&x0.data)
        .map(|(a, b)| f64::from(a - b).powi(2))
        .sum();
    sum / z.len() as f64
}

/// Transport cost of a coupling with its standard error: the mean of `‖z − x0‖²` over paired
/// rows and the standard error of that mean (pairs taken as independent).
///
/// # Panics
/// If the two sets differ in size or dimension (a programming error).
pub fn transport_cost_estimate(z: &Points, x0: &Points) -> Estimate {
    assert_eq!(z.data.len(), x0.data.len(), "paired sets must match");
    let costs: Vec<f64> = z
        .rows()
        .zip(x0.rows())
        .map(|(a, b)| squared_distance(a, b))
        .collect();
    Estimate::of(&costs)
}
