//! The time left in a phase, from the progress reports seen so far.
//!
//! The speed is measured from the first report on, not from the phase's start: what comes
//! before the first report (setting up, the first batch's allocations, another thread still
//! finishing a picture) is over by then and would make the first estimates too long. It is
//! the speed over the later two thirds of the reports, so a slow start leaves it as the
//! phase goes on. Gaps between reports far longer than usual (a pause, the machine busy
//! elsewhere for a moment) are left out of the speed, so an estimate after a pause is the
//! speed of the work, not of the waiting.

/// A gap between reports this many times the median gap or more is not counted.
const OUTLIER_GAP: f64 = 5.0;

/// Reports that span less than this (seconds) measure no speed of their own: they were read
/// in a burst (the app reads them once a frame), after the work behind them was done.
const MIN_SPAN: f64 = 0.05;

/// A report timed within this many seconds of the one before joins it (one burst: reports
/// timed by when they were read, a frame at a time). Reports timed by the worker's clock
/// come a millisecond or more apart (every five steps of 1-RF at 0.3 ms a step) and each
/// counts: merged, as with the 5 ms of before, a whole tenth of such a phase was one gap and
/// its median was the mean.
const BURST: f64 = 0.001;

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
        let spanned: f64 = self.gaps.iter().map(|g| g.0).sum();
        if spanned < MIN_SPAN {
            // The reports so far came in a burst: no speed since the first report yet, so
            // the speed since the start is all there is.
            return (t > 0.0).then(|| t / done as f64 * left);
        }
        // The speed over the later two thirds of the units reported so far (whole gaps,
        // newest first), leaving out gaps far longer than usual (a pause): a slow start (the
        // first batches warming up, another thread finishing the round before) leaves the
        // window as the phase goes on, and the window grows with it, so late estimates stay
        // steady (measured on the app's worker: the first 100 steps of 1-RF ran 30 % slower
        // than the rest, and the speed over all reports at a tenth of the phase said +18 %;
        // on recorded phases the later half was closer at a tenth, 14 % at most against 19 %,
        // but up to 37 % off later on against 32 %).
        let mut seconds: Vec<f64> = self.gaps.iter().map(|g| g.0).collect();
        seconds.sort_by(f64::total_cmp);
        let usual = seconds[seconds.len() / 2];
        let counted = |g: &&(f64, usize)| g.0 < OUTLIER_GAP * usual || usual == 0.0;
        let all: usize = self.gaps.iter().filter(counted).map(|g| g.1).sum();
        let (mut time, mut units) = (0.0, 0usize);
        for g in self.gaps.iter().rev().filter(counted) {
            if 3 * units >= 2 * all && time >= MIN_SPAN {
                break;
            }
            time += g.0;
            units += g.1;
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
    fn a_slow_first_stretch_leaves_the_estimate_as_the_phase_goes_on() {
        // 5 units every 15 ms (the warming-up first steps), then every 10 ms: at a tenth the
        // estimate is the later two thirds' speed (the speed over all reports says 15 % more).
        let mut left = TimeLeft::new(1000);
        let mut t = 0.0;
        for k in 1..=20 {
            t += if k <= 6 { 0.015 } else { 0.010 };
            left.observe(t, 5 * k);
        }
        let estimate = left.seconds_left().expect("an estimate");
        assert!((estimate - 0.002 * 900.0).abs() < 1e-9, "{estimate}");
        // Reports that span too little time to measure a speed widen the window.
        let mut left = TimeLeft::new(1000);
        for k in 1..=20 {
            left.observe(
                0.001 * f64::from(k) * if k <= 8 { 1.5 } else { 1.0 },
                5 * k as usize,
            );
        }
        assert!(left.seconds_left().is_some());
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
