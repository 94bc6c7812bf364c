//! The time left in a phase, from the progress reports seen so far.
//!
//! The speed is measured from the first report on, not from the phase's start: what comes
//! before the first report (setting up, the first batch's allocations, another thread still
//! finishing a picture) is over by then and would make the first estimates too long. Gaps
//! between reports far longer than usual (a pause, the machine busy elsewhere for a moment)
//! are left out of the speed, so an estimate after a pause is the speed of the work, not of
//! the waiting.

/// A gap between reports this many times the median gap or more is not counted.
const OUTLIER_GAP: f64 = 5.0;

/// Reports that span less than this (seconds) measure no speed of their own: they were read
/// in a burst (the app reads them once a frame), after the work behind them was done.
const MIN_SPAN: f64 = 0.05;

/// A report read within this many seconds of the one before joins it (one burst).
const BURST: f64 = 0.005;

/// Progress reports of one phase and the time left they imply.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TimeLeft {
    total: usize,
    /// The last report: seconds since the phase started, units done.
    last: Option<(f64, usize)>,
    /// Each later report's gap since the one before: seconds, units.
    gaps: Vec<(f64, usize)>,
}

impl TimeLeft {
    /// A phase of `total` units.
    pub fn new(total: usize) -> Self {
        Self {
            total,
            ..Self::default()
        }
    }

    /// A report: `done` units after `seconds` since the phase started. Reports that do not
    /// move forward are ignored.
    pub fn observe(&mut self, seconds: f64, done: usize) {
        match self.last {
            Some((t, d)) if done > d && seconds >= t => {
                if seconds - t < BURST {
                    // Read with the one before: their units are that gap's (or, before any
                    // gap, the first report's).
                    if let Some(gap) = self.gaps.last_mut() {
                        gap.0 += seconds - t;
                        gap.1 += done - d;
                    }
                } else {
                    self.gaps.push((seconds - t, done - d));
                }
                self.last = Some((seconds, done));
            }
            None if done > 0 => self.last = Some((seconds, done)),
            _ => {}
        }
    }

    /// Seconds left at the speed measured so far (`None` before the first report).
    pub fn seconds_left(&self) -> Option<f64> {
        let (t, done) = self.last?;
        let left = self.total.saturating_sub(done) as f64;
        if self.gaps.is_empty() {
            // One report only: the speed since the start is all there is.
            return (t > 0.0).then(|| t / done as f64 * left);
        }
        let mut seconds: Vec<f64> = self.gaps.iter().map(|g| g.0).collect();
        seconds.sort_by(f64::total_cmp);
        let usual = seconds[seconds.len() / 2];
        let (time, units) = self
            .gaps
            .iter()
            .filter(|g| g.0 < OUTLIER_GAP * usual || usual == 0.0)
            .fold((0.0, 0usize), |(s, u), g| (s + g.0, u + g.1));
        if time < MIN_SPAN {
            // The reports so far came in a burst: no speed since the first report yet, so
            // the speed since the start is all there is.
            return (t > 0.0).then(|| t / done as f64 * left);
        }
        (units > 0).then(|| time / units as f64 * left)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_read_in_one_burst_fall_back_to_the_speed_since_the_start() {
        // Three reports read within a millisecond, 0.3 s into a phase of 1000 units.
        let mut left = TimeLeft::new(1000);
        left.observe(0.3, 100);
        left.observe(0.3, 125);
        left.observe(0.301, 150);
        let estimate = left.seconds_left().expect("an estimate");
        assert!(
            (estimate - 0.301 / 150.0 * 850.0).abs() < 1e-9,
            "{estimate}"
        );
        // Once time has passed between reports, their speed counts again.
        left.observe(0.4, 250);
        left.observe(0.4005, 260);
        left.observe(0.5, 350);
        let estimate = left.seconds_left().expect("an estimate");
        assert!(
            (estimate - 0.199 / 200.0 * 650.0).abs() < 1e-9,
            "{estimate}"
        );
    }

    #[test]
    fn a_slow_start_does_not_lengthen_the_estimate() {
        // 2 s of setting up, then 100 units a second.
        let mut left = TimeLeft::new(1000);
        assert_eq!(left.seconds_left(), None);
        left.observe(2.0, 10);
        left.observe(2.1, 20);
        left.observe(2.2, 30);
        let s = left.seconds_left().expect("an estimate");
        assert!((s - 9.7).abs() < 1e-6, "{s}");
    }

    #[test]
    fn a_pause_is_not_counted_as_work() {
        let mut left = TimeLeft::new(100);
        for k in 1..=10 {
            left.observe(0.1 * f64::from(k), 5 * k as usize);
        }
        // Paused for 30 s between two reports.
        left.observe(31.0, 55);
        let s = left.seconds_left().expect("an estimate");
        assert!((s - 0.9).abs() < 1e-6, "{s}");
    }
}
