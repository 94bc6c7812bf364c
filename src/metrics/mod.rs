//! The numbers flowlab reports (definitions in `DESIGN.md` §1): W2 and its metric floor,
//! transport cost of a coupling, straightness of a flow, and per-mode coverage.

mod assignment;
mod coverage;
mod straightness;
mod w2;

pub use assignment::{min_cost_assignment, optimal_matching, squared_distance};
pub use coverage::{mode_fractions, mode_tv};
pub use straightness::{StraightnessMeter, straightness};
pub use w2::{metric_floor, w2};

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
