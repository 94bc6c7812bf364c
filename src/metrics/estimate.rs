//! A measured number with its standard error.

use serde::{Deserialize, Serialize};

/// The mean of independent measurements and the standard error of that mean.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// Mean over the draws.
    pub mean: f64,
    /// Standard error of the mean: the sample standard deviation over √draws (0 for one
    /// draw, where no spread can be seen).
    pub se: f64,
}

impl Estimate {
    /// Mean and standard error of `values` (0 ± 0 when empty). The values are summed in
    /// their order, so the result does not depend on how they were computed.
    pub fn of(values: &[f64]) -> Self {
        let n = values.len();
        if n == 0 {
            return Self::default();
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        if n == 1 {
            return Self { mean, se: 0.0 };
        }
        let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        Self {
            mean,
            se: (variance / n as f64).sqrt(),
        }
    }

    /// The standard error of the difference of two independent estimates.
    pub fn combined_se(self, other: Self) -> f64 {
        self.se.hypot(other.se)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_and_standard_error_of_a_known_set() {
        let e = Estimate::of(&[1.0, 2.0, 3.0, 4.0]);
        assert!((e.mean - 2.5).abs() < 1e-12);
        // Sample sd = √(5/3); SE = sd / 2.
        assert!((e.se - (5.0f64 / 3.0).sqrt() / 2.0).abs() < 1e-12);
        assert_eq!(Estimate::of(&[7.0]), Estimate { mean: 7.0, se: 0.0 });
        assert_eq!(Estimate::of(&[]), Estimate::default());
    }
}
