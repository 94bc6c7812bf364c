//! The quality bars of the engine, measured at default settings with a fixed seed on every
//! preset. Each test runs the default lecture pipeline (1-RF, 2 reflows, direct distillation).

use std::sync::atomic::AtomicBool;

use flowlab::pipeline::{Pipeline, RoundReport, RunReport, Settings};
use flowlab::target::presets::preset;

fn default_run(name: &str) -> RunReport {
    let target = preset(name).expect("test fixture");
    let mut pipeline = Pipeline::new(target, Settings::default()).expect("test fixture");
    pipeline
        .run_all(&mut |_| {}, &AtomicBool::new(false))
        .expect("test fixture")
}

fn round<'a>(report: &'a RunReport, name: &str) -> &'a RoundReport {
    report
        .round(name)
        .unwrap_or_else(|| panic!("no round {name}"))
}

fn w2(r: &RoundReport, steps: usize) -> f64 {
    r.w2_at(steps)
        .unwrap_or_else(|| panic!("{}: no W2 at {steps} steps", r.name))
}

/// Checks every bar of the engine issue. W2 and its floor are both means over the default
/// four independent evaluation draws.
fn check_bars(name: &str, report: &RunReport) {
    let floor = report.metric_floor_w2;
    let (r1, r2) = (round(report, "1-RF"), round(report, "2-RF"));
    let teacher = round(report, "3-RF");
    let distilled = round(report, "distilled");
    let s1 = r1.straightness.expect("test fixture");
    let s2 = r2.straightness.expect("test fixture");
    let summary = format!(
        "{name}: floor {floor:.3}, 1-RF W2@100 {:.3}, straightness {s1:.4} -> {s2:.4}, \
         cost {:.3} -> {:.3}, 1-step W2 {:.3} -> {:.3}, distilled {:.3} (teacher {:.3}), \
         mode TV {:.3}",
        w2(r1, 100),
        r1.coupling_cost,
        r2.coupling_cost,
        w2(r1, 1),
        w2(r2, 1),
        w2(distilled, 1),
        w2(teacher, 100),
        r1.mode_tv
    );
    eprintln!("{summary}");
    assert!(w2(r1, 100) <= 1.5 * floor + 0.05, "1-RF W2 bar: {summary}");
    assert!(s2 <= 0.05 * s1, "straightness bar: {summary}");
    assert!(
        r2.coupling_cost < r1.coupling_cost,
        "coupling cost bar: {summary}"
    );
    assert!(w2(r2, 1) <= 0.5 * w2(r1, 1), "one-step bar: {summary}");
    assert!(
        w2(distilled, 1) <= 1.5 * w2(teacher, 100) + 0.5 * floor,
        "distillation bar: {summary}"
    );
    assert!(r1.mode_tv <= 0.05, "mode coverage bar: {summary}");
}

#[test]
fn two_modes_1d_meets_the_bars_and_pins_the_four_step_claim() {
    let report = default_run("two-modes-1d");
    check_bars("two-modes-1d", &report);
    // The course claims 4 Euler steps already match 20. Measured (README): for 1-RF they do
    // not — W2 at 4 steps is about three times W2 at 20 — and after one reflow they do,
    // within about 15%.
    let (r1, r2) = (round(&report, "1-RF"), round(&report, "2-RF"));
    assert!(
        w2(r1, 4) >= 2.0 * w2(r1, 20),
        "1-RF: {} vs {}",
        w2(r1, 4),
        w2(r1, 20)
    );
    assert!(
        w2(r2, 4) <= 1.25 * w2(r2, 20),
        "2-RF: {} vs {}",
        w2(r2, 4),
        w2(r2, 20)
    );
}

#[test]
fn unequal_1d_meets_the_bars() {
    check_bars("unequal-1d", &default_run("unequal-1d"));
}

#[test]
fn eight_gaussians_meets_the_bars() {
    check_bars("eight-gaussians", &default_run("eight-gaussians"));
}

#[test]
fn two_far_meets_the_bars() {
    check_bars("two-far", &default_run("two-far"));
}

#[test]
fn checkerboard_meets_the_bars() {
    check_bars("checkerboard", &default_run("checkerboard"));
}

#[test]
fn moons_meets_the_bars() {
    check_bars("moons", &default_run("moons"));
}

#[test]
fn anisotropic_meets_the_bars() {
    check_bars("anisotropic", &default_run("anisotropic"));
}
