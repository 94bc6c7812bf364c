//! The time-left estimate replayed on progress recorded on this machine (`flowlab bench` with
//! `FLOWLAB_WORKER_TRACE` / `FLOWLAB_PROGRESS_TRACE`): the app's worker training 1-RF and
//! OT-CFM at the lecture settings with live previews beside it (once timed by when the
//! reports were read, once by the worker's clock they now carry), and the headless default
//! pipeline. Each phase is replayed report by report, from the first report past 10 % until
//! 5 % of the phase is left, and each estimate is compared with the time the phase then took.

/// One phase's reports: seconds since the recording began, units done, units in all.
struct Phase {
    name: String,
    reports: Vec<(f64, usize, usize)>,
}

fn phases(csv: &str) -> Vec<Phase> {
    let mut out: Vec<Phase> = Vec::new();
    for line in csv.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let [seconds, name, done, total] = fields[..] else {
            panic!("a row of four fields: {line}");
        };
        let report = (
            seconds.parse().expect("seconds"),
            done.parse().expect("done"),
            total.parse().expect("total"),
        );
        match out.last_mut() {
            Some(p) if p.name == name => p.reports.push(report),
            _ => out.push(Phase {
                name: name.to_owned(),
                reports: vec![report],
            }),
        }
    }
    out
}

/// The worst relative errors over the phase: the estimate's, and the old estimate's (the
/// speed since the phase started).
fn worst_errors(phase: &Phase) -> (f64, f64) {
    let start = phase.reports[0].0;
    let end = phase.reports.last().expect("reports").0;
    let mut estimate = flowlab::pipeline::TimeLeft::new(phase.reports[0].2);
    let (mut worst, mut worst_old) = (0.0f64, 0.0f64);
    for &(at, done, total) in &phase.reports {
        estimate.observe(at - start, done);
        let actual = end - at;
        if done * 10 < total || done >= total || actual < 0.05 * (end - start) {
            continue;
        }
        let predicted = estimate.seconds_left().expect("an estimate past 10 %");
        let old = (at - start) / done as f64 * (total - done) as f64;
        let error = |p: f64| (p - actual) / actual;
        if error(predicted).abs() > worst.abs() {
            worst = error(predicted);
        }
        if error(old).abs() > worst_old.abs() {
            worst_old = error(old);
        }
    }
    (worst, worst_old)
}

fn find<'a>(all: &'a [Phase], name: &str) -> &'a Phase {
    all.iter().find(|p| p.name == name).expect("the phase")
}

#[test]
fn in_the_app_the_estimate_holds_on_ot_cfm_and_is_three_times_closer_on_1_rf() {
    let all = phases(include_str!("data/progress-app-worker.csv"));
    // OT-CFM, 3.1 s: measured worst −13 % (the speed-since-start estimate the same).
    let (worst, _) = worst_errors(find(&all, "OT-CFM train"));
    assert!(worst.abs() < 0.20, "{worst}");
    // 1-RF, 1.1 s: the first tenth ran slower than the rest (the first live pictures and
    // numbers): measured worst +25 %, where the speed since the phase started said +120 %
    // (4.7x further off).
    let (worst, worst_old) = worst_errors(find(&all, "1-RF train"));
    assert!(worst.abs() < 0.35, "{worst}");
    assert!(worst_old > 3.0 * worst.abs(), "{worst_old} vs {worst}");
}

/// The estimate at the first report past 10 % of the phase.
fn error_at_a_tenth(phase: &Phase) -> f64 {
    let start = phase.reports[0].0;
    let end = phase.reports.last().expect("reports").0;
    let mut estimate = flowlab::pipeline::TimeLeft::new(phase.reports[0].2);
    for &(at, done, total) in &phase.reports {
        estimate.observe(at - start, done);
        if done * 10 >= total {
            let predicted = estimate.seconds_left().expect("an estimate past 10 %");
            return (predicted - (end - at)) / (end - at);
        }
    }
    panic!("the phase never got past 10 %")
}

#[test]
fn in_the_app_timed_by_the_workers_clock_the_estimate_holds() {
    // Recorded after the progress reports began to carry the worker's own clock (the bench
    // and the app read them in bursts, a frame apart, and now time them by that clock).
    let all = phases(include_str!("data/progress-app-worker-clock.csv"));
    // 1-RF, 0.5 s: measured +5 % at a tenth and at worst.
    assert_within(find(&all, "1-RF train"), 0.20, 0.20);
    // OT-CFM, 1.1 s: +9 % at a tenth; its first quarter trains slower (the worker was still
    // measuring the round before), so at worst +32 % later on.
    assert_within(find(&all, "OT-CFM train"), 0.20, 0.35);
}

/// Asserts the estimate's error within `at_a_tenth` at the first report past a tenth of
/// `phase`, and within `at_worst` from there until 5 % of the phase is left; returns the
/// worst error of the speed since the phase started.
fn assert_within(phase: &Phase, at_a_tenth: f64, at_worst: f64) -> f64 {
    let tenth = error_at_a_tenth(phase);
    assert!(
        tenth.abs() < at_a_tenth,
        "{}: {tenth} at a tenth",
        phase.name
    );
    let (worst, worst_old) = worst_errors(phase);
    assert!(worst.abs() < at_worst, "{}: {worst} at worst", phase.name);
    worst_old
}

#[test]
fn headless_every_training_phase_is_within_twenty_percent() {
    let all = phases(include_str!("data/progress-headless.csv"));
    let long: Vec<&Phase> = all
        .iter()
        .filter(|p| p.reports.len() > 20 && p.name.ends_with("train"))
        .collect();
    assert!(long.len() >= 4, "1-RF, 2-RF, 3-RF and the student");
    for phase in long {
        // Measured: within 10 % in every phase.
        let (worst, _) = worst_errors(phase);
        assert!(worst.abs() < 0.20, "{}: {worst}", phase.name);
    }
}

#[test]
fn in_the_app_without_stale_numbers_both_phases_hold_from_a_tenth_on() {
    // Recorded after a finished round stopped having its last live picture measured (which
    // took a core at the start of the next phase): the first 100 steps of each phase still
    // run slower (warming up, the round's first live picture).
    let all = phases(include_str!("data/progress-app-worker-fresh-numbers.csv"));
    // 1-RF, 0.6 s: measured +6 % at a tenth and at worst (the speed since the phase
    // started: +18 % at worst, as the estimate before this one said at a tenth).
    let worst_old = assert_within(find(&all, "1-RF train"), 0.10, 0.10);
    assert!(worst_old > 0.15, "{worst_old}");
    // OT-CFM, 1.1 s: measured +17 % at a tenth and at worst (before: +26 %, +53 % at worst).
    assert_within(find(&all, "OT-CFM train"), 0.20, 0.20);
}
